"""Review of i14-share2: the console script's early answer to a push with nothing new
(``launch``, ``quickpush``) must say and exit exactly as the full command does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from git_session import paths
from git_session.gitrepo import Repo
from tests.helpers import ok
from tests.test_i14_share_noop import probe, settle
from tests.test_sharing import two_clones

_FULL = "from git_session.cli import main; main()"
_EARLY = "import sys; from git_session.launch import main; sys.argv[0] = 'git-session'; main()"


@pytest.fixture
def pushed(tmp_path: Path) -> Path:
    """A clone whose one session (and notes) the remote has, looked at by a command since."""
    _, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Work")
    assert ok(alice, "push") == "Pushed 1 session(s) to origin\n"
    settle(alice)
    return alice


def full_command(cwd: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-c", _FULL, *args], cwd=cwd, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


def test_a_pushed_log_that_cannot_be_read_is_said_as_the_command_says_it(pushed: Path) -> None:
    """The command reads the log of what was pushed even when nothing leaves: a log that
    cannot be read (here a folder) is an error there, never "Everything up to date"."""
    assert probe(pushed, "push").answered_early
    log = paths.pushed_folder(Repo.discover(str(pushed))) / "origin"
    log.unlink()
    log.mkdir()
    expected = full_command(pushed, "push")
    assert expected[0] != 0 and expected[1] == ""
    assert expected[2] == f"git-session: cannot access {log}: Is a directory\n"
    answer = probe(pushed, "push")
    assert answer[:3] == expected


def test_an_output_that_cannot_be_written_is_said_as_the_command_says_it(pushed: Path) -> None:
    """``git session push > /dev/full``: one line and the command's exit code, no traceback."""
    assert probe(pushed, "push").answered_early

    def to_full_device(code: str) -> tuple[int, str]:
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                [sys.executable, "-c", code, "push"], cwd=pushed, stdout=full, stderr=subprocess.PIPE, text=True
            )
        return done.returncode, done.stderr

    expected = to_full_device(_FULL)
    assert expected == (
        74,
        "git-session: cannot write: No space left on device\nhint: free some space, then run the command again\n",
    )
    assert to_full_device(_EARLY) == expected
