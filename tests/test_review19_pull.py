"""Review of pull19 (round 19): objects written inside ``packed_writes`` without libgit2."""

from __future__ import annotations

from pathlib import Path

from git_session.gitrepo import Ident, Repo
from tests.helpers import fsck, git


def test_a_commit_message_holding_a_nul_is_written_inside_packed_writes_as_libgit2_writes_it(tmp_path: Path) -> None:
    """libgit2 takes the message as a C string (it ends at the NUL): the commit written in
    Python kept the NUL, another id, and a commit ``git fsck --strict`` refuses (nulInCommit)."""
    git(tmp_path, "init", "-q", "repo")
    repo = Repo.discover(str(tmp_path / "repo"))
    ident = Ident("git-session", "git-session@localhost", 1_700_000_000, "+0000")
    with repo.packed_writes():
        tree = repo.edit_tree(None, {"f": repo.write_blob(b"x\n")})
        inside = repo.write_commit(tree, [], "subject\0hidden\n", ident)
    assert inside == repo.write_commit(tree, [], "subject\0hidden\n", ident)
    git(tmp_path / "repo", "update-ref", "refs/heads/main", inside)
    fsck(tmp_path / "repo")
