"""Issue 15: a session's commits that left every branch but that a tag or a detached HEAD
still holds are not at risk (a release tagged, a commit checked out): no warning until
nothing holds them."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import git, run
from tests.test_i15_atrisk import WARNING, on_path, short, work

__all__ = ["on_path", "work"]  # the fixtures, used by name


def test_a_tag_holds_a_sessions_commits_as_a_branch_does(work: tuple[Path, str, list[str]]) -> None:
    repo, session, commits = work
    git(repo, "tag", "-a", "-m", "Release", "v1", commits[-1])  # annotated: peeled to the commit
    git(repo, "tag", "tree-tag", f"{commits[0]}^{{tree}}")  # a tag of a tree holds no commit
    git(repo, "reset", "-q", "--hard", commits[0])

    assert run(repo, "status").stderr == ""

    git(repo, "tag", "-d", "v1")
    assert run(repo, "status").stderr == WARNING.format(n=3, s=short(repo, session), c=commits[0][:12])


def test_a_detached_head_holds_them_until_it_leaves(work: tuple[Path, str, list[str]]) -> None:
    repo, session, commits = work
    git(repo, "switch", "-q", "--detach", commits[-1])
    git(repo, "branch", "-q", "-f", "feature", commits[0])

    assert run(repo, "status", "--session", session).stderr == ""

    git(repo, "switch", "-q", "feature")
    assert run(repo, "status").stderr == WARNING.format(n=3, s=short(repo, session), c=commits[0][:12])
