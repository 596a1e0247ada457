"""Round 23's review of the hooks' writes (branch hooks23).

- Busybox's awk returns no number from ``fflush(file)`` (what its register held): as often
  negative as not. The program took a negative one for a failed write: every append by
  busybox's awk (Alpine's awk) was cut back by processes (sh, wc, dd) and the message
  written beside and renamed by another (mv): the cost the append avoids, on every commit.
  Only -1, what gawk and mawk return for a failed flush, is one now.
"""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path

import pytest

from tests import test_trailers
from tests.helpers import ok
from tests.test_hooks22_writes import EVERY_AWK, SUBJECT, WARNING, limited, run_beside
from tests.test_i14_hooks2 import AWKS, SID, run_awk
from tests.test_i17_hooks import linked
from tests.test_trailers import Session, change, message, run_git

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["limited"]  # (a fixture)

MESSAGES = ["subject\n", "subject\n\nbody\n", "s" * 200 + "\n", "a\nb\nc\nd\ne\n", "subject\n\nKey: value\n"]


@pytest.mark.parametrize("awk", EVERY_AWK)
def test_every_awk_appends_our_lines_below_a_message_it_can_append_to(tmp_path: Path, awk: str) -> None:
    for i, text in enumerate(MESSAGES):
        status, written = run_beside(awk, tmp_path / str(i), text, "fresh")
        assert status == 0, text  # (appended: not written beside, nor cut back)
        assert written.startswith(text) and "Session-Id: " in written


# --- a file size limit with SIGXFSZ as a shell leaves it ---------------------------------------
#
# `ulimit -f` leaves SIGXFSZ to its default: a write past the limit kills the writer. The shell
# that appended our lines below a message of -m died in its printf (git then aborts the commit:
# the hook failed), and mawk or gawk died in the append before the program could cut it back (a
# torn line of ours committed). The hooks ignore SIGXFSZ (a builtin, no process): the write
# fails, as the `limited` fixture has it (which ignores it), and is cut back.


@pytest.fixture
def killing(limited: Session, tmp_path: Path) -> Session:
    """``limited``, SIGXFSZ left to its default: a write past the limit kills the writer."""
    for interpreter in tmp_path.glob("limited-*"):
        text = interpreter.read_text()
        assert "signal.SIG_IGN" in text
        interpreter.write_text(text.replace("signal.SIG_IGN", "signal.SIG_DFL"))
    return limited


def test_a_limit_that_kills_the_writer_never_fails_a_commit_of_m_nor_tears_a_line(killing: Session) -> None:
    repo = killing.repo
    ok(repo, "status")
    change(repo)
    done = run_git(repo, "commit", "-q", "-m", SUBJECT, env={"HOOK_FSIZE": str(len(SUBJECT) + 30)}, check=False)
    assert done.returncode == 0, done.stderr
    assert WARNING in done.stderr
    assert message(repo) == SUBJECT + "\n"


def test_a_limit_that_kills_the_writer_never_tears_a_line_below_an_amended_message(killing: Session) -> None:
    repo = killing.repo
    linked(killing)  # (then D2 decided: appended below the message)
    before = message(repo)
    ok(repo, "status")
    change(repo)
    done = run_git(
        repo, "commit", "-q", "--amend", "--no-edit", env={"HOOK_FSIZE": str(len(before.encode()) + 10)}, check=False
    )
    assert done.returncode == 0, done.stderr
    assert WARNING in done.stderr
    assert message(repo) == before


# --- a line of MBs below the message ----------------------------------------------------------
#
# The append wrote each line in pieces of 1,024 bytes, cutting the line down to what was left
# each time: its length squared. A line of HEAD's message is kept below a new one on `commit
# --amend -m` (a Decisions line of 4 MB: busybox's awk 10 s, where the write beside takes 0.2
# s; 16 MB: minutes). A line of over 4,096 bytes is written beside now, as before the pieces.


@pytest.mark.parametrize("awk", EVERY_AWK)
def test_a_line_of_mbs_kept_below_an_amended_message_costs_no_more_than_writing_it(tmp_path: Path, awk: str) -> None:
    run_awk(AWKS[0], tmp_path, "x\n", "amendmsg", 0, "#", "before\n")
    decision = "Decisions: D9 -- " + "w" * 4_000_000
    (tmp_path / "old").write_text(f"old subject\n\nSession-Id: {SID}\n{decision}\n")
    (tmp_path / "msg").write_text("new subject\n")
    beside = tmp_path / "msg.git-session~"
    argv = [*awk.split(), "-v", "mode=amendmsg", "-v", "committed=0", "-f", str(tmp_path / "trailers.awk")]
    files = [str(tmp_path / name) for name in ("cache", "old", "msg")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    status = subprocess.run([*argv, *files], env={"LC_ALL": "C", "GIT_SESSION_OUT": str(beside)}).returncode
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime < 3  # (seconds)
    if status == 6:
        beside.replace(tmp_path / "msg")
    assert status in (0, 6)
    assert f"\n{decision}\n" in (tmp_path / "msg").read_text()
