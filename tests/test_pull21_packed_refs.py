"""New sessions written in one piece into packed-refs (``Repo.create_packed_refs``, round 21):
what git reads of the file afterwards, and every ref it must leave to the caller (present,
in the way, being written, the file locked or unreadable)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from git_session import sharing
from git_session.gitrepo import Repo
from git_session.names import ObjectId
from tests.helpers import fsck, git, make_repo, ok, run
from tests.test_i14_share import pull_in_process, session_tips, sessions_on_branches
from tests.test_sharing import two_clones

NAMES = ["refs/sessions/b-1/one", "refs/sessions/a-2/two", "refs/sessions/a-2/three"]


def head(repo: Path) -> ObjectId:
    return ObjectId(git(repo, "rev-parse", "HEAD").strip())


def refs_of(repo: Path, prefix: str = "refs/") -> dict[str, str]:
    out = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", prefix)
    return dict(line.split() for line in out.splitlines())


def test_the_refs_are_written_as_git_writes_packed_refs_its_own_kept(tmp_path: Path) -> None:
    repo_path = make_repo(tmp_path)
    git(repo_path, "tag", "-a", "-m", "annotated", "v1")
    git(repo_path, "branch", "zz-last")
    git(repo_path, "pack-refs", "--all")  # the file git writes: a header, a peeled tag
    before = refs_of(repo_path)
    tip = head(repo_path)

    left = Repo.discover(str(repo_path)).create_packed_refs(dict.fromkeys(NAMES, tip))

    assert left == set()
    assert refs_of(repo_path) == {**before, **dict.fromkeys(NAMES, tip)}
    lines = (repo_path / ".git" / "packed-refs").read_bytes().splitlines()
    assert lines[0].startswith(b"# pack-refs with: peeled fully-peeled sorted")
    names = [line.split(b" ")[1] for line in lines[1:] if not line.startswith(b"^")]
    assert names == sorted(names)  # git trusts the "sorted" trait: a binary search
    assert git(repo_path, "rev-parse", "v1^{}").strip() == tip  # the peeled line kept with its tag
    assert all(git(repo_path, "show-ref", "--verify", "-s", name).strip() == tip for name in NAMES)
    git(repo_path, "update-ref", "-d", NAMES[0])  # git deletes one, and packs the file again
    git(repo_path, "pack-refs", "--all")
    assert refs_of(repo_path, "refs/sessions/") == dict.fromkeys(NAMES[1:], tip)
    fsck(repo_path)


def test_a_ref_present_in_the_way_or_being_written_is_left_to_the_caller(tmp_path: Path) -> None:
    repo_path = make_repo(tmp_path)
    repo, tip = Repo.discover(str(repo_path)), head(repo_path)
    git(repo_path, "update-ref", "refs/sessions/loose/here", tip)  # present, loose
    git(repo_path, "update-ref", "refs/sessions/packed/here", tip)
    git(repo_path, "update-ref", "refs/sessions/below/x/y", tip)  # a ref below one asked for
    git(repo_path, "update-ref", "refs/sessions/file", tip)  # a ref above one asked for
    git(repo_path, "pack-refs", "--all")
    git(repo_path, "update-ref", "refs/sessions/loose/here", tip)
    git(repo_path, "update-ref", "refs/sessions/above", tip)  # loose, above one asked for
    locked = repo_path / ".git" / "refs" / "sessions" / "locked"
    locked.mkdir(parents=True)
    (locked / "here.lock").write_text("")  # another writer is creating it
    asked = [
        "refs/sessions/loose/here",
        "refs/sessions/packed/here",
        "refs/sessions/below/x",
        "refs/sessions/file/x",
        "refs/sessions/above/x",
        "refs/sessions/locked/here",
    ]
    other = head(repo_path)  # (the same commit: a ref left is told by name, not by value)

    left = repo.create_packed_refs({**dict.fromkeys(asked, other), "refs/sessions/new/one": tip})

    assert left == set(asked)
    assert refs_of(repo_path, "refs/sessions/new/") == {"refs/sessions/new/one": tip}
    assert (locked / "here.lock").exists() and not (locked / "here").exists()
    assert "refs/sessions/locked/here" not in (repo_path / ".git" / "packed-refs").read_text()
    fsck(repo_path)


def test_a_creation_begun_while_the_file_was_written_is_left_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that took the ref's lock before the rename read the old file: it may create
    the ref loose over ours, so the caller is told to merge it again."""
    repo_path = make_repo(tmp_path)
    repo, tip = Repo.discover(str(repo_path)), head(repo_path)
    real = os.replace

    def racing(source: str, target: str) -> None:
        if target.endswith("packed-refs"):
            os.makedirs(repo.lock_path("refs/sessions/k/raced").rsplit("/", 1)[0], exist_ok=True)
            open(repo.lock_path("refs/sessions/k/raced"), "w").close()
        real(source, target)

    monkeypatch.setattr(os, "replace", racing)

    left = repo.create_packed_refs({"refs/sessions/k/raced": tip, "refs/sessions/k/calm": tip})

    assert left == {"refs/sessions/k/raced"}


def test_a_locked_or_unreadable_packed_refs_is_left_alone(tmp_path: Path) -> None:
    repo_path = make_repo(tmp_path)
    repo, tip = Repo.discover(str(repo_path)), head(repo_path)
    lock = repo_path / ".git" / "packed-refs.lock"
    lock.write_text("a gc is packing\n")

    assert repo.create_packed_refs({"refs/sessions/k/one": tip}) == {"refs/sessions/k/one"}
    assert lock.read_text() == "a gc is packing\n" and not (repo_path / ".git" / "packed-refs").exists()

    lock.unlink()
    damaged = b"# pack-refs with: peeled fully-peeled sorted \nnot a ref line\n"
    (repo_path / ".git" / "packed-refs").write_bytes(damaged)

    assert repo.create_packed_refs({"refs/sessions/k/one": tip}) == {"refs/sessions/k/one"}
    assert (repo_path / ".git" / "packed-refs").read_bytes() == damaged and not lock.exists()


def test_a_pull_writes_a_session_left_by_packed_refs_by_its_transaction(tmp_path: Path) -> None:
    _, alice, bob = two_clones(tmp_path)
    sessions_on_branches(alice, 2)
    ok(alice, "push")
    (bob / ".git" / "packed-refs.lock").write_text("")  # a gc at work

    report = pull_in_process(bob)

    assert report.outcomes == Counter({"created": 2})
    assert session_tips(bob) == session_tips(alice)
    assert all(
        git(bob, "reflog", "--format=%gs", ref).split("\n")[0] == "git-session: copy" for ref in session_tips(bob)
    )


def test_a_session_created_meanwhile_by_another_writer_is_merged_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer creates a session the pull is creating, loose, just as packed-refs is
    renamed into place: the pull merges its copy into that one, both histories kept."""
    _, alice, bob = two_clones(tmp_path)
    sessions_on_branches(alice, 1)
    [(ref, first)] = session_tips(alice).items()
    ok(alice, "note", "written by the other writer")  # its own history of that session
    mine = session_tips(alice)[ref]
    git(alice, "update-ref", ref, first, mine)
    ok(alice, "note", "written by alice")  # the history the pull brings
    ok(alice, "push")
    theirs = session_tips(alice)[ref]
    repo = Repo.discover(str(bob))
    sharing.fetch(repo, sharing.resolve_remote(repo, None))
    git(bob, "fetch", "-q", str(alice), mine)
    real = os.replace

    def racing(source: str, target: str) -> None:
        real(source, target)
        if target.endswith("packed-refs"):  # its rename of the lock it took before ours, when it read no such ref
            loose = bob / ".git" / ref
            loose.parent.mkdir(parents=True, exist_ok=True)
            loose.write_text(f"{mine}\n")

    monkeypatch.setattr(os, "replace", racing)
    report = sharing.merge_remote(repo, sharing.resolve_remote(repo, None))

    assert sum(report.outcomes.values()) == 1 and report.skipped == []
    now = session_tips(bob)[ref]
    git(bob, "merge-base", "--is-ancestor", mine, now)
    git(bob, "merge-base", "--is-ancestor", theirs, now)


def test_a_pulled_session_broken_by_its_first_write_here_is_restored_to_the_copy_pulled(tmp_path: Path) -> None:
    """A session a pull created has no reflog; its first write here begins one, whose only
    line names the value pulled as its old value: ``doctor --fix`` restores it from there."""
    _, alice, bob = two_clones(tmp_path)
    sessions_on_branches(alice, 1)
    ok(alice, "push")
    ok(bob, "pull")
    [(ref, pulled)] = session_tips(bob).items()
    ok(bob, "note", "written here", "--session", "topic-0")
    tip = session_tips(bob)[ref]
    (bob / ".git" / "objects" / tip[:2] / tip[2:]).unlink()  # the write lost (a disk fault)

    fixed = run(bob, "doctor", "--fix")

    assert f"fixed: restored {ref} to {pulled[:12]}, the newest complete commit of its reflog\n" in fixed.stdout
    assert session_tips(bob)[ref] == pulled


def test_an_interrupted_write_leaves_no_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo_path = make_repo(tmp_path)
    repo, tip = Repo.discover(str(repo_path)), head(repo_path)

    def interrupted(source: str, target: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        repo.create_packed_refs({"refs/sessions/k/one": tip})

    assert not (repo_path / ".git" / "packed-refs.lock").exists()
    git(repo_path, "pack-refs", "--all")
