"""A push of new sessions (issue 14, second round): how often each session's commits are
read before they leave, counted, never timed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from git_session import sharing
from git_session.gitrepo import Repo
from git_session.store import Store
from tests.helpers import git, session_refs
from tests.test_i14_share import counting, sessions_on_branches
from tests.test_sharing import two_clones


def test_a_push_reads_each_new_commit_once_to_check_it_scan_it_and_see_it_did_not_move(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan, and the look after it (did a session move meanwhile?), take the commits
    the first look decoded to check them: it was three reads of every commit."""
    remote, alice, _ = two_clones(tmp_path)
    sessions_on_branches(alice, 3)
    decoded = counting(monkeypatch, Store, "commit_ops")
    scanned: list[str] = []

    def scan(texts: Any) -> list[Any]:
        scanned.extend(label for label, _ in texts)
        return []

    repo = Repo.discover(str(alice))
    report = sharing.push(repo, sharing.resolve_remote(repo, None), scan)

    assert sorted(report.pushed) == session_refs(alice) and scanned
    assert sum(decoded.values()) == 3  # three sessions of one commit each, read once: checked, then scanned
    assert git(remote, "for-each-ref", "--format=%(refname)", "refs/sessions/").split() == session_refs(alice)
