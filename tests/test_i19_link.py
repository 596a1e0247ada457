"""Issue 14, linking at 10,000 commit entries (round 19): the at-risk check that every
``status`` runs looked up each of a session's commits absent from the repository again
(about 2.7 us each in libgit2's loose look-up: most of what a session of 10,000 such commits
added to a command). ``Repo.present`` now remembers the ids it found absent, with the object
store as it was just before it looked (its object folders, their pack folders, each loose
object folder's time), and looks up again only those a changed folder may hold now.

The memo's first test fails without it (every id looked up again); the others pin that an
object arriving in each way git has (loose, in a pack, through an alternate, in the same
tick of a folder's time, held in memory by ``packed_writes``) is found, as it was before
the memo (they pass without it too: they guard the memo's soundness)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from git_session import atrisk
from git_session.commitindex import forget_others
from git_session.gitrepo import CommitInfo, Repo, _AbsentMemo, read_checksummed, write_checksummed
from git_session.names import BranchName, ObjectId
from git_session.sessions import Workspace
from git_session.store import Draft, Handle
from tests.helpers import git, make_repo, ok, run
from tests.test_i14_atrisk_present import looks
from tests.test_i15_atrisk import commit_file, head, on_path, work

__all__ = ["looks", "on_path", "work"]  # the fixtures used here


def aged(repo: Path, seconds: int = 60) -> None:
    """Every object folder's time put ``seconds`` back (as if written that long ago)."""
    then = time.time_ns() - seconds * 1_000_000_000
    objects = repo / ".git" / "objects"
    for folder in [objects, *(p for p in objects.iterdir() if p.is_dir())]:
        os.utime(folder, ns=(then, then))


@pytest.fixture
def elsewhere(tmp_path: Path) -> tuple[Path, Path, str]:
    """A repository, and another whose last commit the first does not have."""
    repo = make_repo(tmp_path)
    git(repo, "repack", "-adq")
    other = make_repo(tmp_path, "other")
    commit = commit_file(other, "new.txt", "new\n", "Elsewhere")
    aged(repo)
    return repo, other, commit


def test_ids_found_absent_are_not_looked_up_again_while_the_store_is_unchanged(
    tmp_path: Path, looks: list[int]
) -> None:
    repo = make_repo(tmp_path)
    git(repo, "repack", "-adq")
    aged(repo)
    here = head(repo)
    missing = [os.urandom(20).hex() for _ in range(50)]
    memo = tmp_path / "memo"

    assert Repo.discover(str(repo)).present([*missing, here], memo) == {here}
    assert Repo.discover(str(repo)).present([*missing, here], memo) == {here}
    assert Repo.discover(str(repo)).present([*missing[:10], here], memo) == {here}
    assert looks == [51, 1, 1]


def test_an_absent_commit_that_arrives_loose_is_found(elsewhere: tuple[Path, Path, str], tmp_path: Path) -> None:
    repo, other, commit = elsewhere
    memo = tmp_path / "memo"
    assert Repo.discover(str(repo)).present([commit], memo) == set()

    git(repo, "-c", "fetch.unpackLimit=1000", "fetch", "-q", str(other), "main:refs/heads/other")
    assert (repo / ".git" / "objects" / commit[:2] / commit[2:]).is_file()
    aged(repo, 30)  # (its folder's time changed, and not too recently to tell)

    assert Repo.discover(str(repo)).present([commit], memo) == {commit}


def test_an_absent_commit_that_arrives_in_a_pack_is_found(elsewhere: tuple[Path, Path, str], tmp_path: Path) -> None:
    repo, other, commit = elsewhere
    memo = tmp_path / "memo"
    assert Repo.discover(str(repo)).present([commit], memo) == set()

    git(repo, "-c", "fetch.unpackLimit=1", "fetch", "-q", str(other), "main:refs/heads/other")
    assert not (repo / ".git" / "objects" / commit[:2] / commit[2:]).exists()
    aged(repo, 30)

    assert Repo.discover(str(repo)).present([commit], memo) == {commit}


def test_an_absent_commit_that_an_alternate_brings_is_found(elsewhere: tuple[Path, Path, str], tmp_path: Path) -> None:
    repo, other, commit = elsewhere
    memo = tmp_path / "memo"
    assert Repo.discover(str(repo)).present([commit], memo) == set()

    (repo / ".git" / "objects" / "info" / "alternates").write_text(f"{other / '.git' / 'objects'}\n")
    aged(repo, 30)

    assert Repo.discover(str(repo)).present([commit], memo) == {commit}


def test_an_absent_commit_that_arrives_in_the_same_tick_of_its_folder_time_is_found(
    elsewhere: tuple[Path, Path, str], tmp_path: Path
) -> None:
    """A folder changed too recently to tell is not trusted: an object added to it within the
    same tick of a coarse file time leaves its time as it was."""
    repo, other, commit = elsewhere
    folder = repo / ".git" / "objects" / commit[:2]
    folder.mkdir(exist_ok=True)  # (just now)
    memo = tmp_path / "memo"
    assert Repo.discover(str(repo)).present([commit], memo) == set()
    then = folder.stat().st_mtime_ns

    shutil.copy(other / ".git" / "objects" / commit[:2] / commit[2:], folder / commit[2:])
    os.utime(folder, ns=(then, then))  # the same tick

    assert Repo.discover(str(repo)).present([commit], memo) == {commit}


def test_an_object_held_in_memory_by_packed_writes_is_found(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    aged(repo)
    data = b"not written yet\n"
    blob = git(repo, "hash-object", "--stdin", input=data.decode()).strip()
    memo = tmp_path / "memo"
    r = Repo.discover(str(repo))
    assert r.present([blob], memo) == set()

    with r.packed_writes():
        assert r.write_blob(data) == blob
        assert r.present([blob], memo) == {blob}


def test_a_damaged_or_reordered_memo_is_not_trusted(tmp_path: Path, looks: list[int]) -> None:
    repo = make_repo(tmp_path)
    git(repo, "repack", "-adq")
    aged(repo)
    missing = sorted(os.urandom(20).hex() for _ in range(3))
    memo = tmp_path / "memo"
    Repo.discover(str(repo)).present(missing, memo)
    data = memo.read_bytes()

    memo.write_bytes(data[:-1] + (b"1" if data.endswith(b"0") else b"0"))  # (its checksum fails)
    Repo.discover(str(repo)).present(missing, memo)
    body = read_checksummed(memo, _AbsentMemo.HEADER)
    assert body is not None
    state, _, ids = body.partition(b"\n")
    write_checksummed(memo, _AbsentMemo.HEADER, state + b"\n" + b"\n".join(reversed(ids.split(b"\n"))))
    Repo.discover(str(repo)).present(missing, memo)  # (out of order: a prefix's run would not be found)

    assert looks == [3, 3, 3]


def test_status_warns_until_the_absent_commit_arrives_on_a_branch(
    work: tuple[Path, str, list[str]], tmp_path: Path
) -> None:
    repo, session, _ = work
    other = make_repo(tmp_path, "other")
    commit = commit_file(other, "new.txt", "new\n", "Elsewhere")
    ws = Workspace.open(str(repo))
    found = ws.open_session(BranchName("feature"))
    assert found is not None
    fields: dict[str, Any] = {"text": "Elsewhere", "commit": commit, "covers": 0, "branch": "feature"}
    ws.store.append(found.handle.ref, lambda _h, _m: [Draft.add("commit", fields)], ws.ident, "entries")
    git(repo, "repack", "-adq")
    aged(repo)
    short = Workspace.open(str(repo)).short_session_id(session)
    warned = f"git-session: warning: 1 commit of session {short} was rewritten or dropped; the last link is"
    assert run(repo, "status").stderr.startswith(warned)
    assert (repo / ".git" / "git-session" / atrisk.ABSENT_FOLDER / session).is_file()

    git(repo, "fetch", "-q", str(other), "main:refs/heads/other")
    aged(repo, 30)

    assert run(repo, "status").stderr == ""
    ok(repo, "status")


def test_the_memo_of_a_session_gone_goes_with_its_indexes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    gone = "0" * 26
    memo = repo / ".git" / "git-session" / atrisk.ABSENT_FOLDER / gone
    memo.parent.mkdir(parents=True)
    memo.write_text("")

    forget_others(Repo.discover(str(repo)), set())

    assert not memo.exists()


@pytest.fixture
def walked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many commits each first walk of the at-risk check started from."""
    counted: list[int] = []
    real = atrisk._unreachable

    def unreachable(commits: Iterable[ObjectId], ws: Workspace, handle: Handle) -> set[ObjectId]:
        walk_all, calls = ws.repo.walk_all, list[list[ObjectId]]()

        def walk(tips: Iterable[ObjectId], hide: Iterable[ObjectId] = ()) -> Iterator[CommitInfo]:
            tips = list(tips)
            if not calls:
                counted.append(len(tips))
            calls.append(tips)
            return walk_all(tips, hide)

        monkeypatch.setattr(ws.repo, "walk_all", walk)
        return real(commits, ws, handle)

    monkeypatch.setattr(atrisk, "_unreachable", unreachable)
    return counted


def _at_risk(repo: Path) -> atrisk.AtRisk | None:
    ws = Workspace.open(str(repo))
    found = ws.open_session(BranchName("feature"))
    assert found is not None
    return atrisk.at_risk(ws, found.handle)


def test_commits_the_branches_reached_are_not_walked_again_while_they_hold_their_tips(
    work: tuple[Path, str, list[str]], walked: list[int]
) -> None:
    repo, session, _ = work
    (repo / ".git" / "git-session" / atrisk.REACHED_FOLDER / session).unlink()  # (status made it)
    assert _at_risk(repo) is None
    assert _at_risk(repo) is None
    commit_file(repo, "e.txt", "e\n", "E")  # the branch moves on: it holds its tip
    assert _at_risk(repo) is None

    assert walked == [4, 0, 0]


def test_commits_a_branch_no_longer_holds_are_walked_again(work: tuple[Path, str, list[str]]) -> None:
    repo, _, commits = work
    assert _at_risk(repo) is None
    git(repo, "reset", "-q", "--hard", commits[0])

    found = _at_risk(repo)

    assert found is not None and set(found.lost) == set(commits[1:])


def test_commits_of_a_branch_deleted_are_walked_again(work: tuple[Path, str, list[str]]) -> None:
    repo, _, commits = work
    git(repo, "switch", "-q", "-c", "keep")
    git(repo, "reset", "-q", "--hard", commits[0])
    git(repo, "switch", "-q", "feature")
    git(repo, "reset", "-q", "--hard", commits[0])
    git(repo, "switch", "-q", "keep")
    git(repo, "reset", "-q", "--hard", commits[3])
    git(repo, "switch", "-q", "feature")
    assert _at_risk(repo) is None  # (keep holds them)
    git(repo, "branch", "-q", "-D", "keep")

    found = _at_risk(repo)

    assert found is not None and set(found.lost) == set(commits[1:])


def test_a_reached_commit_that_is_gone_from_the_store_is_at_risk(work: tuple[Path, str, list[str]]) -> None:
    """As before the memo: a commit not here is at risk, even under a branch's tip (a
    damaged repository: the first one's file removed by hand)."""
    repo, _, commits = work
    assert _at_risk(repo) is None
    (repo / ".git" / "objects" / commits[0][:2] / commits[0][2:]).unlink()

    found = _at_risk(repo)

    assert found is not None and found.lost == (commits[0],)


@pytest.mark.parametrize("text", [b"[" * 100_000, b'{"stores": 1}', b"[]", b'"x"', b"\xff\n\xff"])
def test_memos_of_any_content_are_no_memo(tmp_path: Path, text: bytes) -> None:
    """Derived data as it may be found (a checksum that holds over what no git-session wrote)."""
    for header in (_AbsentMemo.HEADER, atrisk._Reached.HEADER):
        write_checksummed(tmp_path / "memo", header, text)
        assert _AbsentMemo.load(tmp_path / "memo") is None
        assert atrisk._Reached.load(tmp_path / "memo") is None
