"""Review of round 21's linking (issue 14): what the drain's own follow no longer exercises.

A drain now brings both indexes along the commit it wrote, so the reader's way of bringing
an index up to date (``commitindex._updated``) is left to other writers' commits: a pull,
another clone's links, a merge of two histories. Each test fails with the line it pins
changed (checked): the walk that proves the file's tip an ancestor through either parent
of a merge, and an add-only commit's lines made from its operations (no entry read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session import atrisk, codec, commitindex, paths
from git_session.commitindex import current_lines
from git_session.gitrepo import Repo
from git_session.names import SessionRef
from git_session.store import Draft, Handle, Store
from tests.helpers import ok
from tests.test_i14_link import add_old_commit_entries, commit, on_path, the_ref, work

__all__ = ["on_path", "work"]  # the fixtures used here

INDEXES = {
    "commit": (paths.commit_index_file, commitindex._line),
    "at-risk": (atrisk.index_file, atrisk.index_line),
}


def _store(repo: Path) -> tuple[Store, SessionRef]:
    return Store(Repo.discover(str(repo))), SessionRef.of(the_ref(repo))


def _another_writers_link(store: Store, ref: SessionRef, n: int) -> Handle:
    """A commit entry added as another process or clone would: no follow of this one's indexes."""
    draft = Draft.add("commit", {"text": f"theirs {n}", "commit": f"{n + 7:040x}", "covers": 0, "branch": "main"})
    handle, _ = store.append(ref, lambda _h, _m: [draft], store.repo.ident(), "another writer's link")
    return handle


@pytest.fixture
def indexed(work: Path) -> Path:
    """A session of 300 old entries and a link, both indexes made at its tip (``status``)."""
    add_old_commit_entries(work, 300)
    commit(work, "a")
    ok(work, "status")
    return work


@pytest.mark.parametrize("kind", sorted(INDEXES))
def test_another_writers_link_is_brought_from_its_operations(
    indexed: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ref = _store(indexed)
    where, line = INDEXES[kind]
    path = where(store.repo, ref.session_id)
    handle = _another_writers_link(store, ref, 1)
    decoded: list[str] = []
    decode = codec.entry_from_bytes

    def decoding(data: bytes, where: str) -> object:
        decoded.append(where)
        return decode(data, where)

    monkeypatch.setattr(codec, "entry_from_bytes", decoding)
    lines = current_lines(store, handle, path, line)
    assert decoded == []  # the entry it adds is what its add makes: not read back
    monkeypatch.undo()
    assert sorted(lines.splitlines()) == sorted(commitindex._made(store, handle, line).splitlines())
    cached = commitindex._read(path)
    assert cached is not None and cached.tip == handle.tip and cached.records >= 1  # appended, not made again


@pytest.mark.parametrize("kind", sorted(INDEXES))
def test_a_file_at_either_parent_of_a_merge_is_brought_up_not_made_again(
    indexed: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two histories of the session joined by a merge (parents sorted by id): a file left at
    either of them is at an ancestor of the merge, the second parent's too."""
    store, ref = _store(indexed)
    where, line = INDEXES[kind]
    path = where(store.repo, ref.session_id)
    base = store.handle(ref)
    theirs = _another_writers_link(store, ref, 1).tip
    store.repo.cas_ref(ref, base.tip, theirs, "back to the base")
    ours = _another_writers_link(store, ref, 2).tip
    merged = store.merge(ref, theirs).tip
    tip = store.handle(ref)
    assert tip.tip == merged and set(store.repo.commit(merged).parents) == {ours, theirs}
    made = commitindex._made(store, tip, line)
    remade: list[object] = []

    def making(*args: object) -> bytes:
        remade.append(args)
        return b""

    for parent in store.repo.commit(merged).parents:
        current_lines(store, Handle(ref, parent), path, line)  # the file at that parent
        monkeypatch.setattr(commitindex, "_made", making)
        lines = current_lines(store, tip, path, line)
        monkeypatch.undo()
        assert remade == [], f"a file at the parent {parent[:12]} was made again"
        assert sorted(lines.splitlines()) == sorted(made.splitlines())
