"""Round 24's loose ends in the commit hooks (branch edges24).

- post-rewrite wrote its queue file with SIGXFSZ left to its default: under `ulimit -f` a
  write past the limit killed the hook ("post-rewrite died of signal 25" after an amend or
  a rebase) and left a torn line in the queue. Its write now fails instead, and what was
  written goes: the queue holds a rewrite whole or not at all. prepare-commit-msg's record
  of the commit was left cut short the same way (its write fails there already): a session
  ref name cut short may name another session. It goes too, and the hook says so.
- A file size limit one byte short of the message with our lines: the write of the last
  byte, the last line's end, failed, and every line was whole. The awk program reads what
  it wrote back by lines (getline), which cannot tell a last line without its end: it took
  the write for done, and git committed the message without its final newline (busybox's
  awk, whose flush says nothing, on every append; gawk on a message it writes beside). What
  git's own message handling gives and the user asked for is the message whole, or as it
  was: the program now also reads the file's last byte (``ended``), and a write short of it
  is a failed one (the message cut back, or the copy beside removed; the hook warns).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import test_trailers
from tests.helpers import needed_tool, ok
from tests.test_hooks22_writes import EVERY_AWK, WARNING, limited, run_beside
from tests.test_i17_hooks import linked
from tests.test_review23_hooks import killing
from tests.test_trailers import Session, change, message, run_git

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["killing", "limited"]  # (fixtures)


def queued_rewrites(repo: Path) -> list[str]:
    queue = repo / ".git" / "git-session" / "queue"
    return [p.read_text() for p in sorted(queue.glob("rewrite-*"))]


def test_an_amend_whose_rewrite_cannot_be_queued_is_not_failed_by_post_rewrite(killing: Session) -> None:
    """On f1a830e git said "post-rewrite died of signal 25", and the queue kept a torn line."""
    repo = killing.repo
    linked(killing)
    ok(repo, "status")  # (the queue drained)
    done = run_git(repo, "commit", "-q", "--amend", "--no-edit", env={"HOOK_FSIZE": "40"}, check=False)
    assert done.returncode == 0, done.stderr
    assert "signal" not in done.stderr
    assert "git-session: could not queue the rewritten commits" in done.stderr
    assert queued_rewrites(repo) == []


def test_a_commit_whose_record_cannot_be_written_whole_leaves_none(limited: Session) -> None:
    """The message with its trailers fits the limit, the record of the commit (longer) not:
    on f1a830e the queue kept the record cut short."""
    repo = limited.repo
    ok(repo, "status")
    change(repo)
    done = run_git(repo, "commit", "-q", "-m", "s", env={"HOOK_FSIZE": "140"})
    assert "Session-Id: " in message(repo)
    assert "git-session: could not record the commit for its session" in done.stderr
    assert list((repo / ".git/git-session/queue").glob("pending.*")) == []


def test_an_amend_whose_rewrite_is_queued_whole(limited: Session) -> None:
    """(the limit above the line: queued as before, and no warning)"""
    repo = limited.repo
    linked(limited)
    ok(repo, "status")
    done = run_git(repo, "commit", "-q", "--amend", "--no-edit", env={"HOOK_FSIZE": "100000"})
    assert "could not queue" not in done.stderr
    [queued] = queued_rewrites(repo)
    assert len(queued.split()) == 2 and queued.endswith("\n")


# --- a limit one byte short of the message with our lines ------------------------------------


@pytest.mark.parametrize("awk", EVERY_AWK)
@pytest.mark.parametrize("text", ["s" * 200 + "\n", "s" * 200, "s" * 200 + "\n\n# Please enter the message\n#\n"])
def test_a_write_one_byte_short_of_every_awk_leaves_the_message_as_it_was(tmp_path: Path, awk: str, text: str) -> None:
    """(appended below it, or written beside it; on f1a830e busybox's awk took the append, and
    busybox's and gawk the copy beside, for done)"""
    status, whole = run_beside(awk, tmp_path / "whole", text, "fresh")
    assert status in (0, 6) and whole.endswith("\n")
    status, written = run_beside(awk, tmp_path / "short", text, "fresh", limit=len(whole.encode()) - 1)
    assert (status, written) == (2, text)


@pytest.fixture
def busybox_awk(tmp_path: Path) -> dict[str, str]:
    """A PATH on which the hooks find busybox's awk as awk, and no mawk (which they take where
    there is one): every other program of PATH, linked."""
    busybox = needed_tool("busybox")
    tools = tmp_path / "tools"
    tools.mkdir()
    for folder in map(Path, os.environ["PATH"].split(os.pathsep)):
        for tool in sorted(folder.iterdir()) if folder.is_dir() else []:
            link = tools / tool.name
            if tool.name not in ("awk", "mawk") and not os.path.lexists(link) and os.access(tool, os.X_OK):
                link.symlink_to(tool)
    (tools / "awk").write_text(f'#!/bin/sh\nexec {busybox} awk "$@"\n')
    (tools / "awk").chmod(0o755)
    return {"PATH": str(tools)}


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["-m", "subject", "-m", "body"], "subject\n\nbody\n"),  # (appended below it)
        (["--cleanup=verbatim", "-F", "{file}"], "subject\n\nbody"),  # (its last line without an end: beside)
    ],
)
def test_a_commit_one_byte_short_of_the_limit_keeps_the_message_as_it_was(
    limited: Session, busybox_awk: dict[str, str], tmp_path: Path, argv: list[str], expected: str
) -> None:
    """On f1a830e the message was committed with our lines, the last without its end."""
    repo = limited.repo
    (tmp_path / "message").write_text(expected)
    argv = [arg.format(file=tmp_path / "message") for arg in argv]
    ok(repo, "status")
    for _ in range(2):  # (the second as the one below: D1 went with the first)
        change(repo)
        run_git(repo, "commit", "-q", *argv, env=busybox_awk)
    full = message(repo)
    assert full.startswith(expected) and full.endswith("\n") and "Session-Id: " in full
    size = (repo / ".git/COMMIT_EDITMSG").stat().st_size  # (the message as the hook wrote it)
    change(repo)
    done = run_git(repo, "commit", "-q", *argv, env={**busybox_awk, "HOOK_FSIZE": str(size - 1)})
    assert message(repo) == expected
    assert WARNING in done.stderr
