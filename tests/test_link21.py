"""Issue 14, what each link paid that does not grow with the work (round 21).

A drain writes one journal commit per session; the session's two indexes (the commit
index, the at-risk check's) were then one commit behind, so the command's own at-risk check
and the next drain each proved the file's tip an ancestor, walked to the tip and decoded
its operations. The drain now brings both along the commit it wrote, from the operations
it wrote (``commitindex.follow``); an index it cannot vouch for (another tip, torn, an
update among the operations) is left to its reader, as before. The awk program written
after each link is read as a plain file, without importing importlib.resources and zipfile.

The first test of each part fails without its change (checked by putting the old code
back); the others pin the traps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from git_session import atrisk, commitindex, paths
from git_session.commitindex import current_lines, follow
from git_session.gitrepo import Repo
from git_session.model import Op
from git_session.names import SessionRef
from git_session.store import Draft, Handle, Store
from tests.helpers import git, ok
from tests.test_i14_link import add_old_commit_entries, commit, counted, head, on_path, the_ref, work

__all__ = ["counted", "on_path", "work"]  # the fixtures used here

OLD = 300  # enough lines that a link's record is appended, not the file written whole


def store_and_handle(repo: Path) -> tuple[Store, Handle]:
    store = Store(Repo.discover(str(repo)))
    return store, store.handle(SessionRef.of(the_ref(repo)))


def index_paths(repo: Path) -> dict[str, tuple[Path, commitindex.Line]]:
    r, (_, handle) = Repo.discover(str(repo)), store_and_handle(repo)
    return {
        "commit": (paths.commit_index_file(r, handle.id), commitindex._line),
        "at-risk": (atrisk.index_file(r, handle.id), atrisk.index_line),
    }


def same_lines(found: bytes, made: bytes) -> bool:
    """The same lines (an index's order is the order its records came in)."""
    return sorted(found.splitlines()) == sorted(made.splitlines())


def tip_of(path: Path) -> str:
    found = commitindex._read(path)
    assert found is not None
    return found.tip


@pytest.fixture
def linked_twice(work: Path) -> Path:
    """A session of ``OLD`` old entries, a linked and both indexes made (``status``), then b
    committed and linked by a drain."""
    add_old_commit_entries(work, OLD)
    commit(work, "a")
    ok(work, "status")
    commit(work, "b")
    ok(work, "hook", "drain")
    return work


@pytest.mark.parametrize("kind", ["commit", "at-risk"])
def test_a_drain_leaves_both_indexes_at_the_tip_it_wrote(
    linked_twice: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = linked_twice
    path, line = index_paths(repo)[kind]
    assert tip_of(path) == head(repo, the_ref(repo))
    brought: list[object] = []
    monkeypatch.setattr(commitindex, "_updated", lambda *args: brought.append(args))
    monkeypatch.setattr(Repo, "is_ancestor", lambda *args: brought.append(args))
    store, handle = store_and_handle(repo)
    assert same_lines(current_lines(store, handle, path, line), commitindex._made(store, handle, line))
    assert brought == []  # read as it is: no ancestry check, no walk, nothing decoded
    assert not commitindex._read(path).torn and commitindex._read(path).records >= 1  # type: ignore[union-attr]


def test_the_command_after_a_commit_brings_no_index_up_to_date(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_old_commit_entries(work, OLD)
    commit(work, "a")
    ok(work, "status")
    commit(work, "b")
    brought: list[object] = []
    updated = commitindex._updated

    def bringing(*args: Any) -> Any:
        brought.append(args)
        return updated(*args)

    monkeypatch.setattr(commitindex, "_updated", bringing)
    ok(work, "status")  # links b (its drain reads the commit index), then checks the links (the at-risk index)
    assert brought == []  # both at the tip: a's drain brought them along its commit, b's along its own
    ok(work, "status")
    assert brought == []


def test_an_index_at_another_tip_is_left_to_its_reader(linked_twice: Path) -> None:
    """The at-risk index as it was two links ago (a copy put back, another process's file):
    a record from the drain's tip would not follow it; the drain leaves it, its reader
    brings it up to date from both links."""
    repo = linked_twice
    path, line = index_paths(repo)["at-risk"]
    older = path.read_bytes()
    commit(repo, "c")
    ok(repo, "hook", "drain")
    path.write_bytes(older)
    d = commit(repo, "d")
    ok(repo, "hook", "drain")
    assert path.read_bytes() == older  # not followed: its tip is not the one the drain wrote on
    store, handle = store_and_handle(repo)
    assert same_lines(current_lines(store, handle, path, line), commitindex._made(store, handle, line))
    assert d.encode() in path.read_bytes() and tip_of(path) == handle.tip


def test_a_torn_index_is_left_to_its_reader(linked_twice: Path) -> None:
    repo = linked_twice
    path, line = index_paths(repo)["commit"]
    torn = path.read_bytes() + commitindex.RECORD + b" 0123"
    path.write_bytes(torn)
    commit(repo, "c")
    ok(repo, "hook", "drain")  # (its own read writes the file whole; then it is followed)
    assert not commitindex._read(path).torn  # type: ignore[union-attr]
    store, handle = store_and_handle(repo)
    path.write_bytes(path.read_bytes() + commitindex.RECORD + b" 0123")
    before = path.read_bytes()
    ops = [_an_add(store, handle)]
    follow(store, handle, Handle(handle.ref, head(repo, "HEAD")), ops, path, line)  # type: ignore[arg-type]
    assert path.read_bytes() == before


def _an_add(store: Store, handle: Handle) -> Op:
    from git_session.store import _stamp

    meta = store.meta(handle)
    draft = Draft.add("commit", {"text": "x", "commit": "e" * 40, "covers": 0, "branch": "main"})
    return _stamp([draft], meta, store.repo.ident())[0]


def test_operations_that_move_an_entry_are_left_to_the_reader(linked_twice: Path) -> None:
    """An update among the operations (an amend's, a rewrite's) moves a line: the drain
    does not follow it; the reader writes the file whole, as for another writer's commit."""
    repo = linked_twice
    path, line = index_paths(repo)["at-risk"]
    before = path.read_bytes()
    git(repo, "commit", "-q", "--amend", "-m", "add b, amended")
    ok(repo, "hook", "drain")
    assert path.read_bytes() == before
    store, handle = store_and_handle(repo)
    assert same_lines(current_lines(store, handle, path, line), commitindex._made(store, handle, line))
    assert head(repo).encode() in path.read_bytes()


def test_an_ancestor_is_proved_by_the_walk_and_another_tip_is_not(linked_twice: Path) -> None:
    """The file's tip is an ancestor of the session's when a commit of the walk between them
    has it for parent: believed; a tip the session does not descend from: made again."""
    repo = linked_twice
    store, handle = store_and_handle(repo)
    path, line = index_paths(repo)["commit"]
    lines = commitindex._read(path).lines  # type: ignore[union-attr]
    parent = store.repo.commit(handle.tip).parents[0]
    assert commitindex._updated(store, handle, parent, lines, line) is not None
    git(repo, "update-ref", the_ref(repo), parent)
    side = store_and_handle(repo)[1]
    assert commitindex._updated(store, side, handle.tip, lines, line) is None


def test_the_awk_program_is_read_without_importlib_resources() -> None:
    code = (
        "import sys\n"
        "from git_session import data\n"
        "read = data.hook('git-session-trailers.awk')\n"
        "print('importlib.resources' in sys.modules, 'zipfile' in sys.modules)\n"
        "from importlib import resources\n"
        "print(read == resources.files('git_session.hooks').joinpath('git-session-trailers.awk').read_bytes())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False", "True"]
