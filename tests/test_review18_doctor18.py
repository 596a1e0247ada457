"""Review of doctor18: ``doctor --fix`` and ``Workspace.find``, broken by hand."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import git, make_repo, make_two_clones, ok, run, session_refs


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


def test_start_from_a_fetched_copy_still_warns_of_the_local_session_skipped_while_looking(tmp_path: Path) -> None:
    """``start --from TITLE``: no session here is titled so (one here cannot be read: the
    lookup skipped it), and the copy fetched from origin is. ``find`` folded the skipped
    session into the error that ``start --from`` catches to look among the fetched copies:
    the command went on from the copy and the warning (main said it) was never said."""
    _, alice, bob = make_two_clones(tmp_path)
    ok(alice, "start", "Fix the sweep race")
    ok(alice, "push")
    ok(bob, "fetch")
    ok(bob, "start", "gamma")
    git(bob, "switch", "-q", "-c", "other")
    ok(bob, "start", "beta")
    (ref,) = [r for r in session_refs(bob) if r.startswith("refs/sessions/other")]
    bad = git(bob, "hash-object", "-w", "--stdin", input="{not json").strip()
    tree = git(bob, "mktree", input=f"100644 blob {bad}\tmeta.json\n").strip()
    git(bob, "update-ref", ref, git(bob, "commit-tree", tree, "-p", ref, "-m", "damaged").strip())
    git(bob, "switch", "-q", "-c", "bob-fix")
    result = run(bob, "start", "--from", "Fix the sweep race", "Bob's part")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Copied session ")
    assert result.stderr == (
        f"git-session: warning: skipped a session: session {ref.rsplit('/', 1)[1]}: not valid JSON "
        "(Expecting property name enclosed in double quotes: line 1 column 2 (char 1))\n"
    )
