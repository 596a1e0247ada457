"""``import`` of a file that ends its session stores the session's Markdown handoff, as
``end`` does: ``git session handoff`` then prints that stored text."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ok, run
from tests.test_i17_import import state_of

FILE = """---
id: {id}
title: Imported work
status: {status}
git_branch: main
updated: '2025-11-02T11:30:00Z'
---

# Session: Imported work

## Decisions

- Keep the parser small (2025-11-02T11:30:00Z)
"""
SESSION = "6a3bcd7ef0gh1jk2mn3pq4rs5t"


def _write(repo: Path, status: str, session: str = SESSION) -> str:
    (repo / "s.md").write_text(FILE.format(id=session, status=status), encoding="utf-8")
    return "s.md"


def _handoffs(repo: Path, session: str = SESSION) -> list[str]:
    return [e.text for e in state_of(repo, session[:8]).of_kind("handoff")]


def test_import_to_handoff_stores_the_handoff_end_would(repo: Path) -> None:
    ok(repo, "import", _write(repo, "handoff"))
    (stored,) = _handoffs(repo)
    assert stored.startswith("# Handoff: Imported work\n")
    assert "Keep the parser small" in stored  # rendered once the file's entries are in
    assert ok(repo, "handoff", SESSION[:8]) == stored  # the stored text, as after `end`


def test_import_that_completes_an_imported_session_stores_its_handoff(repo: Path) -> None:
    ok(repo, "import", _write(repo, "paused"))
    assert _handoffs(repo) == []
    ok(repo, "import", _write(repo, "completed"))
    (stored,) = _handoffs(repo)
    assert "completed" in stored.splitlines()[2]


def test_import_of_an_open_session_stores_no_handoff(repo: Path) -> None:
    ok(repo, "import", _write(repo, "active"))
    assert _handoffs(repo) == []


def test_a_broken_template_leaves_the_import_in_place_with_a_warning(repo: Path) -> None:
    templates = repo / ".git-session" / "templates"
    templates.mkdir(parents=True)
    (templates / "handoff.md.j2").write_text("{{ session.title ", encoding="utf-8")
    result = run(repo, "import", _write(repo, "handoff"))
    assert result.exit_code == 0, result.output
    assert "s.md: imported, but its handoff is not stored" in result.stderr
    state = state_of(repo, SESSION[:8])
    assert (state.meta.status, _handoffs(repo)) == ("handoff", [])
    assert [e.text for e in state.of_kind("decision")] == ["Keep the parser small"]
