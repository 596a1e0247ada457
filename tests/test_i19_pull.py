"""Pull's cost (ISSUE14, round 19): one ``for-each-ref`` for the copies and the sessions, a
ref transaction that does not look for refs named like each id, and the objects of the
merges written inside ``packed_writes`` without libgit2 (whose every write of a new object
lists the pack folder again), byte for byte as libgit2 writes them."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pygit2
import pytest

from git_session import gitcli
from git_session.gitrepo import Change, Ident, Repo, Subtree
from git_session.names import ObjectId
from tests.helpers import fsck, git, ok
from tests.test_sharing import two_clones


def _diverged(tmp_path: Path, sessions: int) -> tuple[Path, Path]:
    """Alice's sessions pulled by Bob, then one more note in each on both sides."""
    _, alice, bob = two_clones(tmp_path)
    for number in range(sessions):
        git(alice, "checkout", "-q", "-b", f"topic-{number}")
        ok(alice, "start", f"Work {number}")
    ok(alice, "push")
    ok(bob, "pull")
    for clone, text in ((alice, "there"), (bob, "here")):
        for ref in git(clone, "for-each-ref", "--format=%(refname:lstrip=-1)", "refs/sessions/").split():
            ok(clone, "note", text, "--session", ref)
    ok(alice, "push")
    return alice, bob


def _recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, str]]]:
    """The arguments of every git the core runs from here on, and the variables it adds."""
    calls: list[tuple[list[str], dict[str, str]]] = []
    real = gitcli.run

    def run(args: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append((list(args), dict(kwargs.get("env") or {})))
        return real(args, **kwargs)

    monkeypatch.setattr(gitcli, "run", run)
    return calls


def test_a_pull_reads_the_refs_once_and_its_ref_transaction_looks_up_no_ref_named_like_an_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = _diverged(tmp_path, 2)
    git(alice, "checkout", "-q", "-b", "another")
    ok(alice, "start", "A new one")
    ok(alice, "push")
    calls = _recorded(monkeypatch)
    given = "'user.name'='Bob Given'"  # as `git -c user.name=...` passes it on: kept
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", given)
    assert "1 new, 2 merged" in ok(bob, "pull")
    listed = [args for args, _ in calls if args[0] == "for-each-ref"]
    assert len(listed) == 1  # the copies and the sessions: one git, not two
    moved = [(args, env) for args, env in calls if "update-ref" in args]
    assert len(moved) == 1  # one transaction for the merged ones (the new session: packed-refs)
    for args, env in moved:  # as git -c sets it, the caller's own settings kept (gitcli.ref_transaction)
        assert args[:4] == ["-c", "core.warnAmbiguousRefs=false", "update-ref", "--no-deref"] and env == {}
    for line in git(alice, "for-each-ref", "--format=%(objectname) %(refname)", "refs/sessions/").splitlines():
        theirs, ref = line.split()
        git(bob, "merge-base", "--is-ancestor", theirs, ref)  # each of alice's tips is in bob's
    fsck(bob)


def test_merges_inside_packed_writes_go_past_libgit2s_writes_and_make_the_same_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, bob = _diverged(tmp_path, 3)
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(bob), str(copy)], check=True)
    # The same merges, one by one by ``Store.merge`` (no packed_writes: libgit2 writes them) ...
    ok(copy, "fetch")
    from git_session.sharing import copy_fetched, fetched_copies
    from git_session.store import Store

    store = Store(Repo.discover(str(copy)))
    for _, handle in fetched_copies(store):
        assert copy_fetched(store, handle) == "merged"
    # ... and by the pull, whose writes must not reach libgit2's.
    written: list[str] = []
    real_repository = pygit2.Repository

    class Watched(real_repository):  # type: ignore[misc,valid-type]
        def create_blob(self, data: bytes) -> pygit2.Oid:
            written.append("blob")
            oid: pygit2.Oid = super().create_blob(data)
            return oid

        def create_commit(self, *args: Any) -> pygit2.Oid:
            written.append("commit")
            oid: pygit2.Oid = super().create_commit(*args)
            return oid

        def TreeBuilder(self, *args: Any) -> pygit2.TreeBuilder:
            written.append("tree")
            builder: pygit2.TreeBuilder = super().TreeBuilder(*args)
            return builder

    monkeypatch.setattr(pygit2, "Repository", Watched)
    assert "3 merged" in ok(bob, "pull")
    assert written == []
    tips = "--format=%(objectname) %(refname)"
    assert git(bob, "for-each-ref", tips, "refs/sessions/") == git(copy, "for-each-ref", tips, "refs/sessions/")
    fsck(bob)


def _random_changes(rng: random.Random, blobs: list[ObjectId], trees: list[ObjectId]) -> dict[str, Change]:
    names = ["meta.json", "a", "b", "entries", "x", "y", "z9", "open", "n-1_2.json"]
    changes: dict[str, Change] = {}
    for _ in range(rng.randint(1, 8)):
        path = "/".join(rng.choice(names) for _ in range(rng.randint(1, 4)))
        if any(p == path or p.startswith(path + "/") or path.startswith(p + "/") for p in changes):
            continue
        pick = rng.random()
        changes[path] = None if pick < 0.2 else Subtree(rng.choice(trees)) if pick < 0.3 else rng.choice(blobs)
    return changes


def test_a_tree_edited_inside_packed_writes_is_the_tree_libgit2_writes(tmp_path: Path) -> None:
    """Random edits of random trees, each made inside packed_writes (in Python) and outside
    (libgit2): the same ids, and a repository git finds sound once they are stored."""
    git(tmp_path, "init", "-q", "repo")
    repo = Repo.discover(str(tmp_path / "repo"))
    rng = random.Random(19)
    outside: list[ObjectId] = []
    inside: list[ObjectId] = []
    with repo.packed_writes():
        blobs = [repo.write_blob(f"blob {n}\n".encode()) for n in range(6)]
        trees = [repo.edit_tree(None, {"f": blobs[0]}), repo.edit_tree(None, {"d/g": blobs[1]})]
        base: ObjectId | None = None
        plan = []
        for _ in range(120):
            changes = _random_changes(rng, blobs, trees)
            made = repo.edit_tree(base, changes)
            inside.append(made)
            plan.append((base, changes))
            base = made if rng.random() < 0.7 else None
    for blob, n in zip(blobs, range(6), strict=True):
        assert repo.write_blob(f"blob {n}\n".encode()) == blob
    outside = [repo.edit_tree(b, changes) for b, changes in plan]
    assert inside == outside
    fsck(tmp_path / "repo")


def test_a_base_tree_git_would_not_write_back_is_left_to_libgit2(tmp_path: Path) -> None:
    """An executable file, a symbolic link, a name with a space: the edit keeps them as
    libgit2 keeps them (its tree, not one made anew)."""
    repo_path = tmp_path / "repo"
    git(tmp_path, "init", "-q", "repo")
    blob = git(repo_path, "hash-object", "-w", "--stdin", input="x\n").strip()
    listing = f"100755 blob {blob}\trun\n120000 blob {blob}\tlink\n100644 blob {blob}\ta name\n"
    base = ObjectId(git(repo_path, "mktree", input=listing).strip())
    repo = Repo.discover(str(repo_path))
    with repo.packed_writes():
        new = repo.write_blob(b"new\n")
        inside = repo.edit_tree(base, {"added": new, "sub/file": new})
    assert inside == repo.edit_tree(base, {"added": new, "sub/file": new})
    assert "100755 blob" in git(repo_path, "ls-tree", inside)
    fsck(repo_path)


def test_a_commit_written_inside_packed_writes_is_the_commit_libgit2_writes(tmp_path: Path) -> None:
    """Offsets either side of UTC (and ``-0000``), times before 1970, messages in any script,
    names libgit2 would trim or refuse (those go to libgit2): the same ids either way."""
    git(tmp_path, "init", "-q", "repo")
    repo = Repo.discover(str(tmp_path / "repo"))
    blob = repo.write_blob(b"x\n")
    base = repo.write_commit(repo.edit_tree(None, {"f": blob}), [], "base\n", Ident("A", "a@b", 0, "+0000"))
    idents = [
        Ident("git-session", "git-session@localhost", 1_700_000_000, "+0000"),
        Ident("Ann Author", "ann@example.com", 1_234_567_890, "-0730"),
        Ident("B", "b@c", -86_400, "+1400"),  # written by libgit2 as 4294880896
        Ident("D", "d@e", 1 << 33, "+0000"),
        Ident("C", "c@d", 5, "-0000"),
        Ident(" padded ", "e@f", 5, "+0100"),  # trimmed by libgit2
        Ident("Zoë", "z@ë.example", 5, "+0200"),
        Ident("dot.", "x@y", 5, "+0000"),
    ]
    messages = ["one line\n", "Merge two histories of this session\n", "ünïcödé — 漢字\n\nbody\n", "no newline"]
    plan = [(ident, message, parents) for ident in idents for message in messages for parents in ([], [base])]
    with repo.packed_writes():
        tree = repo.edit_tree(None, {"g": repo.write_blob(b"y\n")})
        inside = [repo.write_commit(tree, parents, message, ident) for ident, message, parents in plan]
    outside = [repo.write_commit(tree, parents, message, ident) for ident, message, parents in plan]
    assert inside == outside
    fsck(tmp_path / "repo")
