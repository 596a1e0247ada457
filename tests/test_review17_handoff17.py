"""Defects found reviewing handoff17 (ISSUE14: handoff)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import git, ok

pytestmark = pytest.mark.slow  # each case starts git-session in child processes

_LIMIT = 64 * 1024  # bytes a file written by the command (and its git) may hold


def _limited() -> None:
    """A file may not grow past ``_LIMIT`` (``ulimit -f``): as a full temporary folder refuses
    what git writes to a file there. Pipes are not files: nothing refuses them."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (_LIMIT, _LIMIT))


def _handoff(repo: Path, limited: bool) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "git_session", "handoff"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        preexec_fn=_limited if limited else None,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_a_git_log_larger_than_the_temporary_folder_takes_is_still_read(repo: Path) -> None:
    """gitcli.start wrote git's output to temporary files: where they could be made but not
    filled (a full or small /tmp, a file size limit), git failed midway and the handoff with
    it ("failed: exit status 128", its stderr lost too), where the pipes always worked."""
    ok(repo, "start", "Large history")
    for n in range(6):  # each subject is 16,000 characters: the log is larger than _LIMIT
        (repo / f"f{n}.txt").write_text(f"{n}\n")
        git(repo, "add", f"f{n}.txt")
        git(repo, "commit", "-q", "--no-verify", "-m", f"Add f{n} " + "x" * 16_000)
    expected = _handoff(repo, limited=False)  # also leaves the compiled template in its cache
    assert expected[0] == 0 and expected[1].count("x" * 16_000) >= 6, expected
    assert _handoff(repo, limited=True) == expected
