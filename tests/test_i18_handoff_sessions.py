"""Issue 14, ``handoff`` flat in the number of sessions: finding the session's parent and
children no longer decodes every session's cached fields (``metacache``'s rest). Only a
session whose cached line may name this one (its id, or a ``\\u`` escape of a printable
character, which the cache's writer never writes) is decoded; the parent and the children
shown are those found by reading every session's fields from its tip."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from git_session import handoff, metacache, paths
from git_session.model import Meta
from git_session.names import BranchName
from git_session.sessions import Workspace
from git_session.store import Draft
from tests.helpers import ok, recorded_calls
from tests.test_i14_handoff_lean import both
from tests.test_i14_share_noop import settle


def _other(ws: Workspace, n: int, **fields: Any) -> str:
    """A session on a branch of its own (``parent``, ``tldr``: as given)."""
    values = {"title": f"Other {n}", "branch": f"topic/{n}", "status": "active", **fields}
    return str(ws.store.create(BranchName(f"topic/{n}"), [Draft.create(values)], ws.ident, "start").id)


def _family(repo: Path) -> tuple[str, list[str]]:
    """The branch's session (its parent is one of the others), its children (one with text
    that the cache writes with escapes) and sessions that are none of those."""
    ok(repo, "start", "Main work")
    ws = Workspace.open(str(repo))
    own = ws.find(None).handle.id
    children = [_other(ws, 0, parent=own), _other(ws, 1, parent=own, tldr="ünï — “quoted” 😀")]
    for n in range(2, 7):
        _other(ws, n, tldr=f"not a child {n}: {own.upper()} {own[:-1]}")
    _other(ws, 7, parent=children[0])  # a grandchild
    ok(repo, "list", "--all")  # the cache of the sessions' fields, as any listing leaves it
    return own, children


def _expected(repo: Path) -> list[str]:
    """The children's ids as the handoff shows them, found by reading every session's tip."""
    ws = Workspace.open(str(repo))
    own = ws.find(None).handle.id
    metas = [ws.store.meta(h) for h in ws.store.handles()]
    return [m.id for m in sorted(metas, key=lambda m: (m.created, m.id)) if m.get("parent") == own]


def _related(repo: Path) -> dict[str, Any]:
    ws = Workspace.open(str(repo))
    related: dict[str, Any] = handoff.gather(ws, ws.find(None))["related"]
    return related


def test_the_children_are_found_without_decoding_the_other_sessions_fields(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _own, children = _family(repo)
    decoded = recorded_calls(monkeypatch, metacache._Rest, "_decode")
    shown = [c["id"] for c in _related(repo)["children"]]
    assert shown == _expected(repo) and sorted(shown) == sorted(children)
    assert len(decoded) == 1  # once: for the children, who name it (main's code: also for none)
    _childless(repo)
    decoded.clear()
    assert _related(repo)["children"] == [] and decoded == []


def _childless(repo: Path) -> None:
    """The children made children of no one (their parent field dropped)."""
    ws = Workspace.open(str(repo))
    for found in ws.all_sessions():
        if found.meta.get("parent") == ws.find(None).handle.id:
            ws.set_fields(found.handle.id, {"parent": None}, "orphan")
    ok(repo, "list", "--all")


def test_a_cached_line_spelling_the_parent_with_escapes_still_names_it(repo: Path) -> None:
    """A cache whose checksum holds, written by hand, may spell a child's parent with ``\\u``
    escapes: that child is still found (its line cannot be ruled out without decoding)."""
    own, children = _family(repo)
    cache = paths.session_metas_cache(Workspace.open(str(repo)).repo)
    body = cache.read_bytes().split(b"\n", 1)[1].decode()
    escaped = "".join(f"\\u{ord(c):04x}" for c in own)
    assert body.count(f'"parent":"{own}"') == 2
    body = body.replace(f'"parent":"{own}"', f'"parent":"{escaped}"')
    data = body.encode()
    cache.write_bytes(metacache.HEADER + hashlib.sha1(data).hexdigest().encode() + b"\n" + data)
    shown = [c["id"] for c in _related(repo)["children"]]
    assert shown == _expected(repo) and sorted(shown) == sorted(children)


def test_the_parent_is_found_as_before(repo: Path) -> None:
    own, children = _family(repo)
    ws = Workspace.open(str(repo))
    child = next(f for f in ws.all_sessions() if f.handle.id == children[0])
    related = handoff.gather(ws, child)["related"]
    assert related["parent"]["id"] == own and [c["title"] for c in related["children"]] == ["Other 7"]


@pytest.mark.slow
def test_the_early_answer_with_children_is_the_command_s(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    _family(repo)
    settle(repo)
    for args in ((), ("--format", "json")):
        early, full, answered = both(repo, *args)
        assert early == full and answered
        assert early.code == 0 and "Other 1" in early.stdout


def test_may_hold_rules_out_only_a_cached_line_without_the_word_or_a_printable_escape(repo: Path) -> None:
    _family(repo)
    ws = Workspace.open(str(repo))
    cached = list(metacache.load(ws.repo).values())
    word = "zzzznotthere"
    assert not any(metacache.may_hold(m, word) for m in cached)
    assert all(metacache.may_hold(ws.store.meta(f.handle), word) for f in ws.all_sessions())
    for escaped in ('zz"zz', "zz\\zz", "zz/zz", "zzéz", "zz\tz"):  # a word JSON would not write as is
        assert all(metacache.may_hold(m, escaped) for m in cached)
    assert isinstance(cached[0], Meta)
