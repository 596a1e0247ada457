"""Review of pull19 (round 19): objects written inside ``packed_writes`` without libgit2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from git_session.gitrepo import Ident, Repo
from git_session.names import ObjectId
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


def _literal_tree(repo_path: Path, body: bytes) -> str:
    made = subprocess.run(
        ["git", "hash-object", "-t", "tree", "--literally", "-w", "--stdin"],
        cwd=repo_path,
        input=body,
        capture_output=True,
        check=True,
    )
    return made.stdout.decode().strip()


@pytest.mark.parametrize(
    "mode",
    [b"100664", b"040000", b"100600"],
    ids=["group-writable file (old git)", "zero-padded folder", "unusual file mode"],
)
def test_an_edit_of_a_base_tree_git_would_not_write_back_is_the_one_libgit2_writes(tmp_path: Path, mode: bytes) -> None:
    """test_i19_pull's "left to libgit2" test gives a base tree git wrote (it always writes
    back to its own id): the check that sends any other to libgit2 was never reached. A
    mode libgit2 reads as another (100664 as 100644) or writes otherwise must give, inside
    packed_writes, the tree libgit2 writes."""
    repo_path = tmp_path / "repo"
    git(tmp_path, "init", "-q", "repo")
    blob = git(repo_path, "hash-object", "-w", "--stdin", input="x\n").strip()
    folder = git(repo_path, "mktree", input=f"100644 blob {blob}\tf\n").strip()
    target = folder if mode == b"040000" else blob
    base = ObjectId(_literal_tree(repo_path, b"%s odd\0%s" % (mode, bytes.fromhex(target))))
    repo = Repo.discover(str(repo_path))
    with repo.packed_writes():
        new = repo.write_blob(b"new\n")
        inside = repo.edit_tree(base, {"added": new})
    assert inside == repo.edit_tree(base, {"added": new})
