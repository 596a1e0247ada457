"""``import`` of a file that ends its session stores the session's Markdown handoff, as
``end`` does: ``git session handoff`` then prints that stored text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from git_session import importing
from tests.helpers import fails, make_repo, ok, run, session_refs
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


# --- the id of a file imported from outside the work tree ------------------------------------


def _outside(tmp_path: Path, body: str = "## Objectives\n- one\n") -> Path:
    path = tmp_path / "home" / "alice" / "notes" / "x.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: Outside\n---\n\n{body}", encoding="utf-8")
    return path


def _ids(repo: Path) -> tuple[str, list[str]]:
    """The session's id and its entries' ids: what a teammate fetching it sees."""
    state = state_of(repo, "")
    return state.meta.id, [e.id for e in state.entries]


def test_an_outside_file_s_ids_confirm_no_guessed_path(repo: Path, tmp_path: Path) -> None:
    """Its session id was the hash of its absolute path: whoever guessed the path could
    check the guess against a pushed session offline. Now the hash is keyed with a random
    key kept in this clone's git dir: another clone importing the same file gets other ids."""
    outside = _outside(tmp_path)
    ok(repo, "import", str(outside))
    session, entries = _ids(repo)
    path = outside.resolve().as_posix()
    assert session not in {importing.derived_id(kind, path) for kind in ("path", "id", "md")}
    assert importing.derived_id(session, f"import\0{path}") not in entries  # the import note's id
    key = repo / ".git" / "git-session" / "import-key"
    assert len(key.read_bytes().strip()) == 64
    other = make_repo(tmp_path, "other")
    ok(other, "import", str(outside))
    assert _ids(other)[0] != session
    assert "unchanged" in ok(repo, "import", str(outside))  # the same clone finds it again


def test_an_outside_file_imported_by_older_code_keeps_its_session(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session older code made from the path itself is updated in place, one import note."""
    outside = _outside(tmp_path)
    legacy = importing.Source(outside.resolve().as_posix(), "x.md (outside the work tree)")
    with monkeypatch.context() as patched:
        patched.setattr(importing, "_outside_source", lambda ws, parsed, target: legacy)
        ok(repo, "import", str(outside))
    session = importing.derived_id("path", legacy.identity)
    _outside(tmp_path, "## Objectives\n- one\n- two\n")
    assert "updated: 1 entries added" in ok(repo, "import", str(outside))
    state = state_of(repo, session)
    assert [o.text for o in state.of_kind("objective")] == ["one", "two"]
    assert len(state.of_kind("note")) == 1
    assert not (repo / ".git" / "git-session" / "import-key").exists()


def test_a_damaged_import_key_is_one_line_and_nothing_written(repo: Path, tmp_path: Path) -> None:
    key = repo / ".git" / "git-session" / "import-key"
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_bytes(b"\n")
    assert fails(repo, "import", str(_outside(tmp_path))).startswith(f"git-session: the import key {key} is damaged")
    assert session_refs(repo) == []


def test_an_import_whose_handoff_was_not_stored_stores_it_when_run_again(repo: Path) -> None:
    """The handoff is a second write after the file's: a broken template (or an interrupt
    between the two) left an ended session without one. Importing the same file again,
    the template mended, stores it (unchanged bytes wrote nothing: it never was)."""
    template = repo / ".git-session" / "templates" / "handoff.md.j2"
    template.parent.mkdir(parents=True)
    template.write_text("{{ session.title ", encoding="utf-8")
    ok(repo, "import", _write(repo, "handoff"))
    assert _handoffs(repo) == []
    template.unlink()
    ok(repo, "import", "s.md")
    (stored,) = _handoffs(repo)
    assert "Keep the parser small" in stored
    assert "unchanged" in ok(repo, "import", "s.md")  # stored once: nothing more to write
    assert len(_handoffs(repo)) == 1


@pytest.mark.parametrize("where", ["outside", "inside"])
def test_a_file_whose_name_is_not_utf8_is_imported(repo: Path, tmp_path: Path, where: str) -> None:
    """The name a session shows (in its import note and commit subjects) is text: a file
    named in another encoding crashed the import (UnicodeEncodeError writing the commit).
    Its id still comes from the name's own bytes: two such files stay two sessions."""
    folder = tmp_path / "home" if where == "outside" else repo
    folder.mkdir(exist_ok=True)
    names = [os.fsdecode(b"\xff.md"), os.fsdecode(b"\xfe.md")]
    for name in names:
        (folder / name).write_text("---\nstatus: completed\n---\n\n## Objectives\n- one\n", encoding="utf-8")
        done = _imported(repo, folder / name)
        assert done.returncode == 0 and "created with" in done.stdout, done.stderr
    assert len(session_refs(repo)) == 2
    assert "unchanged" in _imported(repo, folder / names[0]).stdout


def _imported(repo: Path, path: Path) -> subprocess.CompletedProcess[str]:
    """git-session's real entry point, its output the name's own bytes (as on a terminal)."""
    command = [sys.executable, "-m", "git_session", "import", str(path)]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, errors="surrogateescape", check=False)
