"""Data on disk is untrusted: a FIFO planted where git-session keeps a file of its own (a
cache, a queue record, a log) or where it reads a worktree's HEAD never makes a command
wait. Each is read without waiting (gitrepo.open_data); what is not a regular file is an
unreadable file there: a cache is rebuilt, a record skipped, a data file says so in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from git_session.agents import events
from git_session.gitrepo import read_data
from git_session.sessions import Workspace
from tests.helpers import alarm_after, git, git_session_folder, make_repo, make_repo_with_remote, ok

TIMEOUT = 20  # seconds: each command takes well under one; a read that waits never ends

# (what is planted, below the repository's .git; the command that reads it; its exit code;
#  what its output says)
CASES = [
    ("git-session/pushed/origin", "push", 74, "pushed/origin: not a regular file"),
    ("git-session/session-metas", "list", 0, "feature work"),
    ("git-session/session-refs", "list", 0, "feature work"),
    ("git-session/report-inputs", "report", 0, "feature work"),
    ("git-session/chosen", "status", 0, "Progress 0/0 objectives done"),
    ("git-session/reattach-seen", "status", 0, "Progress 0/0 objectives done"),
    ("git-session/patch-ids", "reattach", 0, "nothing to reattach"),
    ("git-session/commit-index/*", "handoff", 0, ""),
    ("git-session/trailers.awk", "install", 0, "nothing changed"),
    ("git-session/queue/pending.1.abc", "status", 0, "Progress 0/0 objectives done"),
    ("git-session/queue/rewrite-1", "status", 0, "Progress 0/0 objectives done"),
    ("worktrees/other/HEAD", "status", 0, "Progress 0/0 objectives done"),
    ("git-session/template-cache/*", "handoff", 0, "# Handoff: feature work"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("planted", "command", "code", "last"), CASES, ids=[c[0] for c in CASES])
def test_a_fifo_among_git_sessions_files_never_makes_a_command_wait(
    tmp_path: Path, planted: str, command: str, code: int, last: str
) -> None:
    env = {"PATH": f"{git_session_folder(tmp_path)}{os.pathsep}{os.environ['PATH']}"}
    repo, _ = make_repo_with_remote(tmp_path)
    ok(repo, "install")
    ok(repo, "start", "feature work")
    (repo / "f").write_text("x\n")
    git(repo, "add", "f")
    git(repo, "commit", "-q", "-m", "one", env=env)
    for warm in (["list"], ["report"], ["push"], ["status"], ["handoff"]):
        ok(repo, *warm)
    git(repo, "worktree", "add", "-q", "--detach", str(tmp_path / "other"), "HEAD")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "--amend", "-m", "amended")
    matches = sorted((repo / ".git").glob(planted))
    target = matches[0] if matches else repo / ".git" / planted
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    os.mkfifo(target)
    argv = [sys.executable, "-m", "git_session", command]
    try:
        result = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=TIMEOUT, env=os.environ | env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"git session {command} waited on the FIFO at .git/{planted}")
    assert result.returncode == code, result.stderr
    if code:
        assert result.stdout == ""
        assert result.stderr.splitlines() == [f"git-session: cannot access {target}: not a regular file"]
    else:
        assert "Traceback" not in result.stderr
        assert last in result.stdout


def test_open_data_reads_a_regular_file_and_refuses_anything_else_without_waiting(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"data\n")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    assert read_data(tmp_path / "file") == b"data\n"
    assert read_data(str(tmp_path / "file"), 2) == b"da"
    with alarm_after(10, "a FIFO was waited on"):
        with pytest.raises(OSError) as raised:
            read_data(tmp_path / "fifo")
        assert (raised.value.strerror, raised.value.filename) == ("not a regular file", str(tmp_path / "fifo"))
    with pytest.raises(IsADirectoryError):
        read_data(tmp_path / "folder")
    with pytest.raises(FileNotFoundError):
        read_data(tmp_path / "missing")


def test_an_agent_sessions_state_that_is_a_fifo_reads_as_none_yet(tmp_path: Path) -> None:
    """The state an agent session saw (agents/<agent>/<id>) is a record like any other."""
    repo = make_repo(tmp_path)
    ok(repo, "start", "feature work")
    previous = os.getcwd()
    os.chdir(repo)
    try:
        ws = Workspace.open()
        path = events.state_path(ws, "claude", "abc")
        path.parent.mkdir(parents=True)
        os.mkfifo(path)
        with alarm_after(10, "the agent state FIFO was waited on"):
            assert events.read_state(ws, "claude", "abc") == events.State()
    finally:
        os.chdir(previous)
