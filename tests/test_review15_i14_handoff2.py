"""Review of i14-handoff2 (round 15): the commit index made from add operations without
decoding, and the handoff that trusts it for the commits of the range their notes link."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from git_session import commitindex, handoff
from git_session.names import Ulid
from git_session.sessions import Found, Workspace
from git_session.store import Draft
from tests.helpers import git, ok


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commit hooks run `git-session` from PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def commit_file(repo: Path, name: str) -> str:
    (repo / name).write_text(f"{name}\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"Add {name}")
    return git(repo, "rev-parse", "HEAD").strip()


def found(repo: Path) -> tuple[Workspace, Found]:
    ws = Workspace.open(str(repo))
    return ws, ws.find(None)


def context(repo: Path) -> dict[str, Any]:
    ws, session = found(repo)
    return handoff.gather(ws, session, now=1_800_000_000)


def made_lines(repo: Path) -> list[bytes]:
    """The index's lines as decoding every commit entry of the tip makes them."""
    ws, session = found(repo)
    return sorted(commitindex._made(ws.store, session.handle).splitlines())


def index_lines(repo: Path) -> list[bytes]:
    ws, session = found(repo)
    return sorted(commitindex.commit_index(ws.store, session.handle).lines.splitlines())


def test_a_second_add_of_an_entry_already_there_does_not_make_its_line(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A history merged in may carry a second copy of an entry's add (a redacted history
    merged back, another clone's commits re-made): adding an entry that is there already
    changes nothing in the store, so the entry is not what that add makes. With an update
    of another entry in the same range (the old line goes, the count stays right), the
    index said the entry names the add's commit: the handoff then left out the commit the
    entry names outside the range (and linking would miss the entry of that commit)."""
    ok(repo, "install")
    ok(repo, "start", "Scale the handoff")
    linked = [commit_file(repo, f"file{n}.txt") for n in range(2)]
    ok(repo, "status")  # links the commits the hooks recorded
    outside = git(repo, "rev-parse", f"{linked[0]}~1").strip()
    ws, session = found(repo)
    fields = {"text": "Kept from before", "commit": outside, "branch": "main"}
    _, ops = ws.store.append(session.handle.ref, lambda h, m: [Draft.add("commit", fields)], ws.ident, "link")
    kept = ops[0].id
    assert [c["sha"] for c in context(repo)["deliverables"]["commits"]] == [*linked, outside]
    assert index_lines(repo) == made_lines(repo)  # made for this tip

    ws, session = found(repo)
    other = next(e.id for e in ws.store.entries(session.handle, "commit") if e.id != kept)
    copy = Draft.add("commit", {**fields, "commit": linked[1]}, id=Ulid(kept))  # its add, as another copy has it
    moved = Draft.update("commit", other, {"text": "Renamed"})
    ws.store.append(session.handle.ref, lambda h, m: [copy, moved], ws.ident, "merged in")
    ws, session = found(repo)
    entry = ws.store.commit_entry(session.handle, kept)
    assert entry is not None and entry.commit == outside  # the second add changed nothing

    gathered = context(repo)
    with monkeypatch.context() as patch:
        patch.setattr(handoff, "_from_index", lambda *args: None)
        assert gathered == context(repo)
    shown = [(c["sha"], c["in_history"]) for c in gathered["deliverables"]["commits"]]
    assert shown == [(linked[0], True), (linked[1], True), (outside, False)]
    assert index_lines(repo) == made_lines(repo)  # what linking asks too


def test_a_handoff_keeps_no_note_after_it_returns(repo: Path) -> None:
    """The sessions each note names were kept in a cache of the module (4,096 notes, each of
    any size, since a note is any text a remote sent): a long-running process (the MCP
    server) kept the text of the last notes of every repository it handed off. They are
    kept for one handoff only."""
    ok(repo, "install")
    ok(repo, "start", "Scale the handoff")
    linked = [commit_file(repo, f"file{n}.txt") for n in range(2)]
    ok(repo, "status")
    assert [c["sha"] for c in context(repo)["deliverables"]["commits"]] == linked
    caches = [value for value in vars(handoff).values() if hasattr(value, "cache_info")]
    assert [cache.cache_info().currsize for cache in caches if cache.cache_info().currsize] == []
