"""Pull at scale, second round (issue 14): how much of each session's history a merge asks
git about, counted, never timed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from git_session import sharing
from git_session.gitrepo import Repo
from tests.helpers import ok
from tests.test_i14_share import counting, sessions_on_branches
from tests.test_sharing import two_clones


def diverged(tmp_path: Path) -> Path:
    """Bob's clone, whose three sessions and alice's each gained a note since bob's pull."""
    _, alice, bob = two_clones(tmp_path)
    sessions_on_branches(alice, 3)
    ok(alice, "push")
    ok(bob, "pull")
    for index in range(3):
        for who in (alice, bob):
            ok(who, "note", "--session", f"topic-{index}", f"from {who.name}")
    ok(alice, "push")
    ok(bob, "fetch")
    return bob


def test_a_merge_asks_git_for_one_merge_base_per_session_and_nothing_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to date, fast-forward or diverged: one merge base says which (it was three walks)."""
    bob = diverged(tmp_path)
    bases = counting(monkeypatch, Repo, "merge_base")
    ancestors = counting(monkeypatch, Repo, "is_ancestor")
    repo = Repo.discover(str(bob))

    report = sharing.merge_remote(repo, sharing.resolve_remote(repo, None))

    assert report.outcomes == Counter({"merged": 3}) and report.skipped == []
    assert sum(bases.values()) == 3 and sum(ancestors.values()) == 0


def test_a_new_sessions_tip_commit_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Is it a commit here, and is its tree what its operations make: one read answers both."""
    _, alice, bob = two_clones(tmp_path)
    sessions_on_branches(alice, 2)
    ok(alice, "push")
    ok(bob, "fetch")
    reads = counting(monkeypatch, Repo, "commit")
    repo = Repo.discover(str(bob))

    report = sharing.merge_remote(repo, sharing.resolve_remote(repo, None))

    assert report.outcomes == Counter({"created": 2}) and report.skipped == []
    assert sum(reads.values()) == 2
