"""Pull never writes through a symbolic session ref (found reviewing push16: push wrote
through a symbolic copy of the remote's; pull's ref transaction is a write of the same kind)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import git, ok, session_refs
from tests.test_sharing import two_clones


def test_pull_replaces_a_symbolic_session_ref_and_leaves_the_ref_it_named_alone(tmp_path: Path) -> None:
    _, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Work")
    ok(alice, "push")
    ok(bob, "pull")
    (ref,) = session_refs(bob)
    old = git(bob, "rev-parse", ref).strip()
    git(bob, "update-ref", "refs/heads/backup", old)
    git(bob, "symbolic-ref", ref, "refs/heads/backup")  # made by hand: the session ref names a branch
    ok(alice, "note", "more")
    ok(alice, "push")
    ok(bob, "pull")
    assert git(bob, "rev-parse", "refs/heads/backup").strip() == old  # the branch it named never moved
    assert git(bob, "rev-parse", ref).strip() == git(alice, "rev-parse", ref).strip()
