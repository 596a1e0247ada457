"""Round 24's loose ends in the commit hooks (branch edges24).

- post-rewrite wrote its queue file with SIGXFSZ left to its default: under `ulimit -f` a
  write past the limit killed the hook ("post-rewrite died of signal 25" after an amend or
  a rebase) and left a torn line in the queue. Its write now fails instead, and what was
  written goes: the queue holds a rewrite whole or not at all.
"""

from __future__ import annotations

from pathlib import Path

from tests import test_trailers
from tests.helpers import ok
from tests.test_hooks22_writes import limited
from tests.test_i17_hooks import linked
from tests.test_review23_hooks import killing
from tests.test_trailers import Session, run_git

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


def test_an_amend_whose_rewrite_is_queued_whole(limited: Session) -> None:
    """(the limit above the line: queued as before, and no warning)"""
    repo = limited.repo
    linked(limited)
    ok(repo, "status")
    done = run_git(repo, "commit", "-q", "--amend", "--no-edit", env={"HOOK_FSIZE": "100000"})
    assert "could not queue" not in done.stderr
    [queued] = queued_rewrites(repo)
    assert len(queued.split()) == 2 and queued.endswith("\n")
