"""A handoff reads only the kinds of entries it shows (ISSUE14: handoff): the session state is
read without the commit entries (the range's history and the commit index show those), the
stored handoffs (read apart, once: a stored Markdown may be hundreds of kilobytes) and the
allow-list entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session import handoff
from git_session.model import ENTRY_KINDS
from git_session.sessions import Workspace
from git_session.store import Store
from tests.helpers import git, ok, recorded_calls


def test_every_kind_is_shown_or_left_unread_on_purpose() -> None:
    shown = set(handoff._SECTIONS.values())
    assert shown | set(handoff._UNREAD) == set(ENTRY_KINDS)
    assert not shown & set(handoff._UNREAD)
    assert {k for k in handoff.TIMELINE_LANES.values() if k is not None} <= shown


def test_an_ended_sessions_handoff_decodes_its_stored_handoff_once(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok(repo, "start", "Kinds")
    ok(repo, "decision", "add", "Read less")
    (repo / "f.txt").write_text("f\n")
    git(repo, "add", "f.txt")
    git(repo, "commit", "-q", "-m", "Add f")
    ok(repo, "end")
    ws = Workspace.open(str(repo))
    found = ws.find(None)
    before = handoff.handoff(ws, found, "json")
    calls = recorded_calls(monkeypatch, Store, "_decode")
    for fmt in ("json", "html"):
        calls.clear()
        text = handoff.handoff(ws, found, fmt)
        decoded = [path for *_, path in calls]
        assert decoded.count("entries/handoff") == 1, (fmt, decoded)
        assert "entries/commit" not in decoded and "entries/allow" not in decoded
        assert "entries/decision" in decoded
        if fmt == "json":
            assert text == before
