"""The handoff's one ``git log`` (``gitcli.start``) writes to unnamed temporary files, not to
pipes read by a thread (ISSUE14: handoff): the thread woke for every piece of half a
megabyte. What ``result`` gives is what the pipes gave: the same text (UTF-8 with surrogate
escapes, carriage returns read as newlines, as a text-mode pipe reads them), the same errors;
where no temporary file can be made, the pipes are read as before."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest

from git_session import gitcli
from git_session.errors import GitError
from tests.helpers import git

_MESSAGE = b"odd \r\nbytes \xff\xfe and a lone \r in it\n\nbody line\r\n"
_LOG = ["cat-file", "blob", "odd"]


@pytest.fixture
def odd(repo: Path) -> Path:
    """A blob holding carriage returns and bytes that are not UTF-8, as ``git show ODD`` names it."""
    (repo / "message").write_bytes(_MESSAGE)
    git(repo, "tag", "odd", git(repo, "hash-object", "-w", "message").strip())
    return repo


def _as_pipes_read_it(repo: Path, args: list[str]) -> tuple[int, str, str]:
    done = subprocess.run(
        ["git", f"--git-dir={repo / '.git'}", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_no_thread_reads_the_output_and_the_text_is_the_pipes(odd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[object] = []

    class Counted(threading.Thread):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            made.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(threading, "Thread", Counted)
    result = gitcli.start(_LOG, git_dir=str(odd / ".git")).result()
    assert made == []  # git writes to files: nothing of ours wakes meanwhile
    assert (result.returncode, result.stdout, result.stderr) == _as_pipes_read_it(odd, _LOG)
    assert "\r" not in result.stdout and "\udcff" in result.stdout


def test_a_failure_is_the_same_error(odd: Path) -> None:
    args = ["log", "no-such-revision", "--"]
    running = gitcli.start(args, git_dir=str(odd / ".git"))
    with pytest.raises(GitError) as raised:
        running.result()
    code, _, stderr = _as_pipes_read_it(odd, args)
    assert code != 0 and raised.value.stderr == stderr
    assert running.result(check=False).returncode == code  # asked again: the same answer


def test_without_a_temporary_file_the_pipes_are_read(odd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> None:
        raise OSError("no room")

    monkeypatch.setattr(tempfile, "TemporaryFile", refused)
    running = gitcli.start(_LOG, git_dir=str(odd / ".git"))
    first = running.result()
    result = running.result()
    assert (first.returncode, first.stdout) == (result.returncode, result.stdout)
    assert (result.returncode, result.stdout, result.stderr) == _as_pipes_read_it(odd, _LOG)


def test_output_larger_than_a_pipe_never_waits_for_a_reader(repo: Path) -> None:
    """git ends on its own, with nobody reading, however much it writes."""
    for n in range(40):
        git(repo, "commit", "-q", "--allow-empty", "-m", f"commit {n} " + "x" * 4000)
    running = gitcli.start(["log", "--format=%B"], git_dir=str(repo / ".git"))
    assert running.process.wait(timeout=60) == 0
    assert running.result().stdout.count("commit ") == 40
