"""Review of i15c (issue 15): defects found by the adversarial review, each with its test."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import as_json, git, ok
from tests.test_i15_autoreattach import commit_file, head, link, reattach_new, sessions_of


def test_a_squash_of_a_submodule_bump_is_linked_whatever_diff_submodule_says(repo: Path) -> None:
    """``git log -p`` (the new commits' patch-ids) obeys ``diff.submodule``; ``git diff-tree``
    (the linked commits') does not: with ``log`` the bump has no patch at all, and a squash
    of it was never linked."""
    git(repo, "switch", "-q", "-c", "feature")
    ok(repo, "start", "Bump")
    session = as_json(repo, "status")["id"]
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head(repo)},sub")
    git(repo, "commit", "-q", "-m", "Add the submodule")
    bump = head(repo)
    link(repo, bump, session)
    git(repo, "switch", "-q", "main")
    commit_file(repo, "other.txt", "unrelated\n", "Meanwhile on main")
    ok(repo, "list")  # examines the branches as they are
    git(repo, "config", "diff.submodule", "log")
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Bump (#1)")
    squash = head(repo)

    report = reattach_new(repo)

    assert report is not None and [(x.commit, x.sessions) for x in report.linked] == [(squash, (session,))]
    assert sessions_of(repo, squash) == {session}
