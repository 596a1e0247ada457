"""Review of doctor18: ``doctor --fix`` and ``Workspace.find``, broken by hand."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import git, make_repo, ok, run, session_refs


def object_file(repo: Path, oid: str) -> Path:
    return repo / ".git" / "objects" / oid[:2] / oid[2:]


def test_fix_never_moves_back_over_a_reflog_commit_whose_meta_file_alone_is_lost(tmp_path: Path) -> None:
    """The tip lost, and the commit before it readable but for its meta.json (each write
    makes a new one): git reads its notes. The fix took "meta.json unreadable" for "not the
    session's own", skipped it, and went back to the commit before: note "b" was gone."""
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    for text in ("a", "b", "c"):
        ok(repo, "note", text)
    (ref,) = session_refs(repo)
    tip = git(repo, "rev-parse", ref).strip()
    before = git(repo, "rev-parse", f"{ref}~1").strip()
    object_file(repo, git(repo, "rev-parse", f"{ref}~1:meta.json").strip()).unlink()
    object_file(repo, tip).unlink()
    fixed = run(repo, "doctor", "--fix")
    assert f"restored {ref}" not in fixed.stdout
    assert fixed.exit_code == 1
    assert git(repo, "rev-parse", ref).strip() == tip
    assert before in (repo / ".git" / "logs" / ref).read_text()
    assert f"git reads the commit {before[:12]} of its reflog" in fixed.stdout
