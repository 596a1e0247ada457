"""A push with nothing new, answered by the console script before the command line is
imported (``launch``, ``quickpush``): what it answers is what the command says, and it
declines (the command runs in full) whenever the command would do or say anything else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest

from git_session import branchstamp, launch, paths, quickpush
from git_session.cli import COMPLETE_VAR
from git_session.gitrepo import Repo
from tests.helpers import git, ok, run
from tests.test_sharing import two_clones

_PROBE = """
import json, sys
from git_session import launch
sys.argv = ["git-session", *sys.argv[1:]]
code = 0
try:
    launch.main()
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
sys.stdout.flush()
loaded = sorted(m for m in sys.modules if m == "click" or m.startswith("git_session"))
print("\\n" + json.dumps([code, loaded]), file=sys.stderr)
"""


class Probe(NamedTuple):
    code: int
    stdout: str
    stderr: str
    modules: set[str]

    @property
    def answered_early(self) -> bool:
        return not ({"click", "git_session.cli", "git_session.sharing", "git_session.store"} & self.modules)


def probe(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Probe:
    """``git-session ARGS`` through the console script's entry, in a child process."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=cwd,
        capture_output=True,
        env=env,
        check=False,
        encoding="utf-8",
        errors="replace",
    )
    stderr, _, last = done.stderr.removesuffix("\n").rpartition("\n")
    code, modules = json.loads(last)
    return Probe(code, done.stdout, stderr, set(modules))


def settle(repo: Path) -> None:
    """The branches' folders as an older clock tick left them (automatic reattach trusts a
    folder's stamp only when it is not too recent), then one command that looks at them."""
    common = Path(git(repo, "rev-parse", "--git-common-dir").strip())
    common = common if common.is_absolute() else repo / common
    past = time.time() - 60
    for top in ("refs/heads", "refs/remotes"):
        for folder, _, _ in os.walk(common / top):
            os.utime(folder, (past, past))
    if (common / "packed-refs").exists():
        os.utime(common / "packed-refs", (past, past))
    ok(repo, "status")


@pytest.fixture
def pushed(tmp_path: Path) -> Path:
    """A clone whose one session (and notes) the remote has, looked at by a command since."""
    _, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Work")
    assert ok(alice, "push") == "Pushed 1 session(s) to origin\n"
    settle(alice)
    return alice


def test_a_push_with_nothing_new_is_answered_without_importing_the_command_line(pushed: Path) -> None:
    for args in (("push",), ("push", "origin")):
        answer = probe(pushed, *args)
        assert answer[:3] == (0, "Everything up to date on origin\n", "")
        assert answer.answered_early, sorted(answer.modules)
    assert run(pushed, "push").stdout == "Everything up to date on origin\n"  # the command's own words


def test_a_session_that_moved_is_pushed_by_the_command(pushed: Path) -> None:
    ok(pushed, "note", "later")
    settle(pushed)
    answer = probe(pushed, "push")
    assert answer[:3] == (0, "Pushed 1 session(s) to origin\n", "")
    assert not answer.answered_early


def test_notes_that_moved_are_pushed_by_the_command(pushed: Path) -> None:
    git(pushed, "notes", "--ref=sessions", "add", "-m", "a line", "HEAD")
    settle(pushed)
    answer = probe(pushed, "push")
    assert answer[:3] == (0, "Pushed 0 session(s) and the notes to origin\n", "")
    assert not answer.answered_early


def test_a_branch_that_moved_since_the_last_command_leaves_it_to_the_command(pushed: Path) -> None:
    """Automatic reattach looks at the new commits first: the command runs in full."""
    git(pushed, "commit", "-q", "--allow-empty", "-m", "new")
    repo = Repo.discover(str(pushed))
    assert not branchstamp.unchanged(repo)
    assert not probe(pushed, "push").answered_early
    settle(pushed)
    assert branchstamp.unchanged(repo) and probe(pushed, "push").answered_early


def in_repo(repo: Path) -> str | None:
    previous = os.getcwd()
    os.chdir(repo)
    try:
        return quickpush.up_to_date(None)
    finally:
        os.chdir(previous)


def test_commits_or_agent_starts_waiting_in_a_queue_leave_it_to_the_command(pushed: Path) -> None:
    """The command links what the hooks recorded (it may move a session) and records agent starts first."""
    repo = Repo.discover(str(pushed))
    assert in_repo(pushed) == "origin"
    for folder in (paths.queue_dir(repo), paths.agent_queue(repo)):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "waiting").write_text("x\n")
        assert in_repo(pushed) is None
        (folder / "waiting").unlink()
        assert in_repo(pushed) == "origin"
    paths.queue_dir(repo).rmdir()
    paths.queue_dir(repo).write_text("not a folder\n")
    assert in_repo(pushed) is None


def test_a_shared_config_file_that_cannot_be_read_is_warned_about_by_the_command(pushed: Path) -> None:
    (pushed / ".git-session").mkdir()
    (pushed / ".git-session" / "config.yaml").write_text("remote: [\n")
    answer = probe(pushed, "push")
    assert not answer.answered_early
    assert answer.code == 0 and answer.stdout == "Everything up to date on origin\n"
    assert answer.stderr.startswith("git-session: warning: .git-session/config.yaml:")


def test_a_shared_config_file_choosing_the_remote_is_followed(pushed: Path) -> None:
    other = pushed.parent / "other.git"
    git(pushed.parent, "init", "-q", "--bare", str(other))
    git(pushed, "remote", "add", "other", str(other))
    (pushed / ".git-session").mkdir()
    (pushed / ".git-session" / "config.yaml").write_text("remote: other\n")
    settle(pushed)
    assert probe(pushed, "push")[:3] == (0, "Pushed 1 session(s) to other\n", "")
    settle(pushed)
    answer = probe(pushed, "push")
    assert answer[:3] == (0, "Everything up to date on other\n", "") and answer.answered_early


@pytest.mark.parametrize(
    "args",
    [("push", "--help"), ("push", "-h"), ("push", "origin", "more"), ("push", "--", "origin"), ("push", "nowhere")],
)
def test_options_and_other_arguments_are_the_command_lines(pushed: Path, args: tuple[str, ...]) -> None:
    answer = probe(pushed, *args)
    expected = subprocess.run(
        [sys.executable, "-c", "from git_session.cli import main; main()", *args],
        cwd=pushed,
        capture_output=True,
        text=True,
        check=False,
    )
    assert not answer.answered_early
    assert answer[:3] == (expected.returncode, expected.stdout, expected.stderr)


def test_outside_a_repository_the_command_says_so(tmp_path: Path) -> None:
    answer = probe(tmp_path, "push")
    assert not answer.answered_early and answer.code != 0
    assert answer.stderr.startswith("git-session: not a git repository")


def test_a_completion_asking_is_the_command_lines(pushed: Path) -> None:
    assert launch.COMPLETE_VAR == COMPLETE_VAR  # the copy the console script checks without importing click
    env = {**os.environ, COMPLETE_VAR: "bash_source"}
    assert not probe(pushed, "push", env=env).answered_early


def test_a_remote_name_with_more_than_plain_characters_is_shown_by_the_command(pushed: Path) -> None:
    git(pushed, "remote", "add", "équipe", str(pushed.parent / "remote.git"))
    answer = probe(pushed, "push", "équipe")
    expected = subprocess.run(
        [sys.executable, "-c", "from git_session.cli import main; main()", "push", "équipe"],
        cwd=pushed,
        capture_output=True,
        text=True,
        check=False,
    )
    assert not answer.answered_early
    assert answer[:3] == (expected.returncode, expected.stdout, expected.stderr)
