"""Review of round 19's merge-time changes (``Repo.cas_ref`` creating a ref under its lock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session.errors import EXIT_FILESYSTEM, FileSystemError, GitError
from git_session.gitrepo import Repo
from git_session.names import ObjectId
from tests import faultfs
from tests.helpers import git, make_repo


@pytest.mark.parametrize(
    ("packed", "created"), [("refs/sessions/a/b", "refs/sessions/a"), ("refs/sessions/a", "refs/sessions/a/b")]
)
def test_a_ref_colliding_with_a_packed_ref_is_not_created(tmp_path: Path, packed: str, created: str) -> None:
    """A ref whose name is the folder of a packed ref (or below a packed ref) is refused, as
    libgit2's creation refused it: the transaction's write does not look at packed-refs, and
    made both ``refs/sessions/a`` and ``refs/sessions/a/b`` (``git gc`` then fails, git can no
    longer update the packed one)."""
    repo = make_repo(tmp_path)
    head = ObjectId(git(repo, "rev-parse", "HEAD").strip())
    git(repo, "update-ref", packed, head)
    git(repo, "pack-refs", "--all")
    with pytest.raises(GitError, match="collides with existing one"):
        Repo.discover(str(repo)).cas_ref(created, head, None, "mine")
    assert git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/") == f"{packed}\n"
    assert not list((repo / ".git" / "refs").rglob("*.lock"))


def test_a_ref_created_on_a_read_only_file_system_is_a_file_system_error() -> None:
    """The lock that cannot be made is the file system's fault, as it was with libgit2's own
    creation (an ``OSError``): the transaction reports it as a ``pygit2.GitError``, which came
    out as a git error (exit 4, no hint) instead of the one line naming the file system."""
    with faultfs.small_fs(4096) as fs:
        repo = make_repo(fs)
        head = ObjectId(git(repo, "rev-parse", "HEAD").strip())
        ours = Repo.discover(str(repo))
        faultfs.read_only(fs, True)
        try:
            with pytest.raises(FileSystemError, match="Read-only file system") as raised:
                ours.cas_ref("refs/sessions/k/s", head, None, "mine")
            assert raised.value.exit_code == EXIT_FILESYSTEM
        finally:
            faultfs.read_only(fs, False)


def test_a_ref_refused_for_a_packed_ref_below_it_leaves_no_reflog_that_blocks_git(tmp_path: Path) -> None:
    """``cas_ref`` makes the ref's (empty) reflog before it writes; refused, it leaves
    ``logs/refs/sessions/a`` behind, a file where git needs the folder of
    ``refs/sessions/a/b``'s reflog: git could no longer update that ref (main's code too)."""
    repo = make_repo(tmp_path)
    head = ObjectId(git(repo, "rev-parse", "HEAD").strip())
    git(repo, "update-ref", "refs/sessions/a/b", head)
    git(repo, "pack-refs", "--all")
    with pytest.raises(GitError):
        Repo.discover(str(repo)).cas_ref("refs/sessions/a", head, None, "mine")
    git(repo, "commit", "-q", "--allow-empty", "-m", "next")
    git(repo, "update-ref", "--create-reflog", "refs/sessions/a/b", "HEAD")  # fails: logs/refs/sessions/a is a file
