"""The one home of pygit2 access: what it lists and writes matches what git says."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session.gitrepo import Repo
from tests.helpers import git, ok


def git_names(repo: Path, prefix: str) -> list[str]:
    return sorted(git(repo, "for-each-ref", "--format=%(refname)", prefix).split())


@pytest.mark.parametrize("packing", ["loose", "packed", "mixed"])
def test_session_ref_listing_matches_git(repo: Path, packing: str) -> None:
    for branch in ("one", "two/deep", "three"):
        git(repo, "switch", "-q", "-c", branch)
        ok(repo, "start", f"on {branch}")
    if packing != "loose":
        git(repo, "pack-refs", "--all")
    if packing == "mixed":
        ok(repo, "note", "unpacks one ref again")
        git(repo, "switch", "-q", "-c", "four")
        ok(repo, "start", "a fresh loose one")
    (repo / ".git" / "refs" / "sessions" / "x.lock").write_text("")
    expected = git_names(repo, "refs/sessions/")
    assert len(expected) == (4 if packing == "mixed" else 3)
    assert Repo.discover(str(repo)).ref_names("refs/sessions/") == expected
    assert [name for name, _ in Repo.discover(str(repo)).refs_with_prefix("refs/sessions/")] == expected


def test_tree_edits_rewrite_only_changed_paths(repo: Path) -> None:
    store = Repo.discover(str(repo))
    a, b = store.write_blob(b"a"), store.write_blob(b"b")
    tree = store.edit_tree(None, {"x/y/a": a, "x/z/b": b, "top": a})
    assert git(repo, "ls-tree", "-r", "--name-only", tree).split() == ["top", "x/y/a", "x/z/b"]
    edited = store.edit_tree(tree, {"x/y/a": None, "x/z/c": a})
    assert git(repo, "ls-tree", "-r", "--name-only", edited).split() == ["top", "x/z/b", "x/z/c"]
    assert git(repo, "rev-parse", f"{tree}:top").strip() == git(repo, "rev-parse", f"{edited}:top").strip()
    assert (
        store.edit_tree(edited, {"top": None, "x/z/b": None, "x/z/c": None})
        == git(repo, "hash-object", "-t", "tree", "/dev/null").strip()
    )
