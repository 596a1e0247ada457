"""A command started with a standard stream closed (``1>&-``, ``2>&-``, ``<&-``: Python
makes it ``None``) does its work without crashing: every "is it a terminal" question
goes through ``plaintext.on_terminal`` (found reviewing handoff16: ``handoff 1>&-`` was
an internal error, and so were ``report``, ``log``, and ``pull 2>&-``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import git, make_repo_with_remote, ok

CASES = [
    ("1", ["handoff"]),
    ("1", ["report"]),
    ("1", ["log"]),
    ("1", ["status"]),
    ("2", ["pull"]),
    ("2", ["fetch"]),
    ("2", ["push"]),
    ("0", ["end", "--abandon", "--reason", "tried"]),
]


@pytest.mark.parametrize(("fd", "args"), CASES)
def test_a_closed_stream_is_no_terminal_and_no_crash(tmp_path: Path, fd: str, args: list[str]) -> None:
    repo, _ = make_repo_with_remote(tmp_path)
    ok(repo, "start", "Work")
    ok(repo, "note", "a note")
    script = f'exec "$@" {fd}>&-' if fd != "0" else 'exec "$@" <&-'
    done = subprocess.run(
        ["sh", "-c", script, "sh", sys.executable, "-m", "git_session", *args],
        cwd=repo, capture_output=fd != "0", stdin=None if fd == "0" else subprocess.DEVNULL, text=True,
    )  # fmt: skip
    crashes = repo / ".git" / "git-session" / "crash"
    assert not crashes.exists(), sorted(p.name for p in crashes.iterdir())
    assert (done.returncode, "internal error" in (done.stderr or "")) == (0, False), done.stderr
    if args[0] == "end":
        assert "abandoned" in git(repo, "for-each-ref", "--format=%(contents:subject)", "refs/sessions/")
