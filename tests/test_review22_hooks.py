"""Review of round 22's hooks (issue 14): the file the message is written to beside it.

`$msg.git-session~` (beside COMMIT_EDITMSG) is written, then renamed over the message. What
is already there under that name is not the hook's: a regular file left by a crash is written
over, but a FIFO planted there blocked the write (the commit hung, for ever), and a symlink
was followed (the file it names outside the repository emptied and written). Anything there
that is not a regular file is now removed first, never opened (as trailers._run_awk does
with its scratch file).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest

from tests import test_trailers
from tests.helpers import git, ok
from tests.test_hooks22_writes import EVERY_AWK, SUBJECT, WARNING, limited, run_beside
from tests.test_i17_hooks import linked
from tests.test_trailers import Session, change, message, run_git, writes

hooked = test_trailers.hooked
session = test_trailers.session
editors = test_trailers.editors
__all__ = ["limited"]  # (a fixture)

TIMEOUT = 30


def committed(repo: Path, *argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`git commit ARGV` within TIMEOUT seconds; a FIFO left at the name is opened for reading
    afterwards, so that a hook blocked on it ends."""
    beside = repo / ".git" / "COMMIT_EDITMSG.git-session~"
    try:
        return subprocess.run(
            ["git", "commit", *argv],
            cwd=repo,
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    finally:
        if beside.is_fifo():
            os.close(os.open(beside, os.O_RDONLY | os.O_NONBLOCK))


def plant(repo: Path, kind: str, outside: Path) -> None:
    beside = repo / ".git" / "COMMIT_EDITMSG.git-session~"
    if kind == "fifo":
        os.mkfifo(beside)
    elif kind == "symlink":
        outside.write_text("not the hook's\n")
        beside.symlink_to(outside)
    elif kind == "dangling symlink":
        beside.symlink_to(outside)


PATHS = {
    # (awk writes the message beside it: our lines above git's comment block)
    "editor": (["-q"], "subject\n"),
    # (the shell writes it beside: a message of -m not as it is)
    "-m not as is": (["-q", "--cleanup=verbatim", "-m", "subject\n\n"], None),
}


@pytest.mark.parametrize("kind", ["fifo", "symlink", "dangling symlink"])
@pytest.mark.parametrize("path", list(PATHS))
def test_what_is_planted_beside_the_message_is_never_opened(
    session: Session, editors: Path, tmp_path: Path, kind: str, path: str
) -> None:
    repo = session.repo
    outside = tmp_path / "outside"
    argv, typed = PATHS[path]
    env = {"GIT_EDITOR": writes(editors, typed)} if typed else {}
    ok(repo, "status")
    change(repo)
    plant(repo, kind, outside)
    try:
        done = committed(repo, *argv, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("the commit hung on what was planted beside the message")
    assert done.returncode == 0, done.stderr
    assert "Session-Id: " in message(repo)
    assert message(repo).startswith("subject\n")
    if kind == "symlink":
        assert outside.read_text() == "not the hook's\n"
    else:
        assert not outside.exists()
    assert not (repo / ".git" / "COMMIT_EDITMSG").is_symlink()


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_what_is_planted_beside_the_message_of_an_amend_is_never_opened(
    session: Session, tmp_path: Path, kind: str
) -> None:
    """(the shell writes amended~ beside the message: O1 done moves its line)"""
    repo = session.repo
    linked(session)
    run_git(repo, "commit", "-q", "--amend", "--no-edit")
    session.done("O1")
    ok(repo, "status")
    change(repo)
    outside = tmp_path / "outside"
    plant(repo, kind, outside)
    try:
        done = committed(repo, "-q", "--amend", "--no-edit", env={})
    except subprocess.TimeoutExpired:
        pytest.fail("the amend hung on what was planted beside the message")
    assert done.returncode == 0, done.stderr
    assert "[done] O1" in message(repo) or "Session-Objectives: [done]" in message(repo)
    if kind == "symlink":
        assert outside.read_text() == "not the hook's\n"


# --- an append that fails part-way -----------------------------------------------------------
#
# Lines of ours appended below the message by the shell (`commit -m`, `--amend --no-edit`): a
# write that failed part-way left a torn line of ours (`Session-Id: 9f1h01yjq`), which git
# committed while the hook said the commit went on without session trailers. Cut back now.


def test_a_failed_append_below_a_message_of_m_leaves_no_torn_line(limited: Session) -> None:
    repo = limited.repo
    ok(repo, "status")
    change(repo)
    done = run_git(repo, "commit", "-q", "-m", SUBJECT, env={"HOOK_FSIZE": str(len(SUBJECT) + 30)})
    assert WARNING in done.stderr
    assert message(repo) == SUBJECT + "\n"


def test_a_failed_append_below_an_amended_message_leaves_no_torn_line(limited: Session) -> None:
    repo = limited.repo
    linked(limited)  # (then D2 decided: appended below the message)
    before = message(repo)
    ok(repo, "status")
    change(repo)
    done = run_git(repo, "commit", "-q", "--amend", "--no-edit", env={"HOOK_FSIZE": str(len(before.encode()) + 10)})
    assert WARNING in done.stderr
    assert message(repo) == before


@pytest.mark.parametrize("awk", EVERY_AWK)
def test_a_failed_append_of_every_awk_leaves_no_torn_line(tmp_path: Path, awk: str) -> None:
    """(busybox's awk, told by reading the file back, cuts it back; mawk and gawk died on the
    failed write first, a torn line of ours left below the text: each piece is flushed now,
    the first that fails ends the append, and gawk's failed writes are not fatal)"""
    text = "s" * 200 + "\n"
    status, written = run_beside(awk, tmp_path, text, "fresh", limit=len(text) + 30)
    assert status == 2
    assert written == text


# --- the files of the amend, opened before they were checked --------------------------------


@pytest.mark.parametrize("name", ["amended~", "message~"])
def test_a_fifo_planted_as_a_file_of_the_amend_never_blocks_it(session: Session, name: str) -> None:
    """amended~ was opened (a descriptor of the function that reads it) before it was found
    a regular file: a FIFO there hung `commit --amend --no-edit` (6e124df did not open it)."""
    repo = session.repo
    linked(session)
    ok(repo, "status")
    folder = next((repo / ".git" / "git-session" / "branches").rglob("trailers~")).parent
    fifo = folder / f"{name}{git(repo, 'rev-parse', 'HEAD').strip()}"
    fifo.unlink()
    os.mkfifo(fifo)
    try:
        done = committed(repo, "-q", "--amend", "--no-edit", env={})
    except subprocess.TimeoutExpired:
        pytest.fail("the amend hung on a FIFO planted as one of its files")
    finally:
        with contextlib.suppress(OSError):  # (a hook blocked opening it to read ends)
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert done.returncode == 0, done.stderr
    assert "Decisions: D2 -- later" in message(repo)
