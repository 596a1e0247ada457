"""In a repository shared by a group (``core.sharedRepository``), git gives every file
and folder it makes under ``.git`` the group's modes (``adjust_shared_perm``): a teammate's
``git update-ref`` then appends to a reflog and makes a lock beside a ref. git-session made
its reflogs, their folders and its refs' folders with the umask's modes (and libgit2 its
refs and the reflogs it begins): the group's git then failed on them."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from git_session.gitrepo import Ident, Repo
from git_session.names import NOTES_REF, ObjectId
from tests.helpers import git

SESSION = "refs/sessions/01HZX"
ASIDE = "refs/session-broken/sessions/01HZX"


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def shared_repo(where: Path, shared: str) -> tuple[Path, Repo]:
    git(where.parent, "init", "-q", f"--shared={shared}", str(where))
    repo = Repo.discover(str(where))
    repo.write_commit(repo.edit_tree(None, {}), [], "a", Ident("t", "t@example.com", 1700000000, "+0000"))
    return where / ".git", repo


def modes(git_dir: Path, ref: str) -> dict[str, str]:
    """The modes of a ref's file, its reflog, and their folders up to ``refs`` and ``logs``."""
    found = {}
    for top in ("", "logs/"):
        path = git_dir / f"{top}{ref}"
        while path != git_dir and path.name != "logs":
            found[str(path.relative_to(git_dir))] = oct(stat.S_IMODE(path.stat().st_mode))
            path = path.parent
    return found


def tip_of(repo: Repo) -> ObjectId:
    return repo.write_commit(repo.edit_tree(None, {}), [], "a", Ident("t", "t@example.com", 1700000000, "+0000"))


@pytest.mark.parametrize("shared", ["group", "all", "0660"])
@pytest.mark.parametrize("ref", [SESSION, NOTES_REF])
def test_a_ref_and_its_reflog_get_the_modes_git_gives_them(tmp_path: Path, shared: str, ref: str) -> None:
    ours_dir, ours = shared_repo(tmp_path / "ours", shared)
    theirs_dir, theirs = shared_repo(tmp_path / "theirs", shared)
    tip = tip_of(ours)
    tip_of(theirs)
    git(theirs_dir, "update-ref", "--create-reflog", "-m", "a", ref, tip)
    assert ours.cas_ref(ref, tip, None, "a")
    assert modes(ours_dir, ref) == modes(theirs_dir, ref)


def test_a_ref_moved_aside_gets_the_modes_git_gives_it(tmp_path: Path) -> None:
    ours_dir, ours = shared_repo(tmp_path / "ours", "group")
    theirs_dir, theirs = shared_repo(tmp_path / "theirs", "group")
    tip = tip_of(ours)
    tip_of(theirs)
    git(ours_dir, "update-ref", "--create-reflog", "-m", "a", SESSION, tip)
    git(theirs_dir, "update-ref", "--create-reflog", "-m", "a", ASIDE, tip)
    assert ours.move_ref_aside(SESSION, ASIDE, tip)
    assert modes(ours_dir, ASIDE) == modes(theirs_dir, ASIDE)
