"""Round 20's adversarial review of untrusted-data paths (sweep20): files from another
tool (``import``), a teammate's fetched sessions, and what redaction leaves behind."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import as_json, fails, git, ok, session_refs


def _session_file(path: Path, session_id: str, branch: str | None) -> Path:
    named = f"git_branch: {branch}\n" if branch else ""
    path.write_text(f"---\nid: {session_id}\ntitle: From the file\n{named}---\n\n## Objectives\n- from the file\n")
    return path


def test_an_import_naming_an_existing_session_never_moves_it_to_another_branch(repo: Path, tmp_path: Path) -> None:
    """A file's git-session ``id`` is taken as it is: importing it updates that session. A
    ``git_branch`` other than the session's set its ``branch`` while its ref stayed filed
    under the old branch's key: ``list`` showed it on the other branch, where ``status``
    never found it, and every teammate's pull refused it ("filed under another branch")."""
    ok(repo, "start", "Mine")
    git(repo, "branch", "other")
    session_id = as_json(repo, "status")["id"]
    before = session_refs(repo)
    error = fails(repo, "import", str(_session_file(tmp_path / "s.md", session_id, "other")))
    assert "is not the branch of session" in error
    assert session_refs(repo) == before
    assert as_json(repo, "status")["title"] == "Mine"


def test_an_import_of_a_file_naming_no_branch_keeps_the_session_on_its_own(repo: Path, tmp_path: Path) -> None:
    """A file naming no branch is imported on the current one: imported again from another
    branch, it updates the session where it is filed, not on the branch checked out."""
    ok(repo, "start", "Mine")
    session_id = as_json(repo, "status")["id"]
    git(repo, "switch", "-q", "-c", "other")
    ok(repo, "import", str(_session_file(tmp_path / "s.md", session_id, None)))
    shown = as_json(repo, "show", session_id[:8])
    assert (shown["branch"], shown["title"]) == ("main", "From the file")
    assert [o["text"] for o in shown["objectives"]] == ["from the file"]
