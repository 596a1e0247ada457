"""Review of doctor18: ``doctor --fix`` and ``Workspace.find``, broken by hand."""

from __future__ import annotations

import subprocess
from pathlib import Path

from git_session.gitrepo import Repo
from git_session.names import ObjectId
from git_session.repair import Broken, repair
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


def moved_meanwhile(tmp_path: Path) -> tuple[Path, str, Broken]:
    """A session ``doctor --fix`` planned to move aside at its older value: another writer
    has moved it on since (a note)."""
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "note", "a")
    (ref,) = session_refs(repo)
    planned = ObjectId(git(repo, "rev-parse", f"{ref}~1").strip())
    return repo, ref, Broken(ref, planned, "the history misses an object", "aside")


def kept_as_it_was(repo: Path, ref: str, result: str) -> None:
    assert result == f"{ref} changed meanwhile, or another writer holds it: left as it is"
    assert git(repo, "for-each-ref", "--format=%(refname)", "refs/session-broken/") == ""
    assert (repo / ".git" / "logs" / ref).read_text().count("\n") == 2  # start, note: its reflog stays
    assert git(repo, "reflog", "--format=%gs", ref).splitlines() == ["git-session: note: a", "git-session: start: work"]


def test_fix_moving_aside_a_ref_moved_meanwhile_leaves_it_and_its_reflog(tmp_path: Path) -> None:
    """The fix said "left as it is", but had moved the live session's reflog away (the
    reflog a later --fix restores from) and left a copy of the old value aside."""
    repo, ref, broken = moved_meanwhile(tmp_path)
    kept_as_it_was(repo, ref, repair(Repo.discover(str(repo)), broken))


def test_the_reflog_clean_up_never_drops_a_line_a_writer_adds_meanwhile(tmp_path: Path) -> None:
    """``doctor --fix`` rewrites a restored session's reflog (read, ask git which objects are
    here, write): a writer that moved the ref while git was asked lost its reflog line (the
    ref's lock was not held). Now the lock is held: the writer waits for it (git update-ref fails)."""
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "note", "a")
    (ref,) = session_refs(repo)
    tip, older = (git(repo, "rev-parse", name).strip() for name in (ref, f"{ref}~1"))
    log = repo / ".git" / "logs" / ref
    lost = f"{'0' * 40} {'1' * 40} Someone <someone@example.com> 1700000000 +0000\tlost\n"
    log.write_text(lost + log.read_text())  # a line naming a commit that is gone: the rewrite drops it
    opened = Repo.discover(str(repo))
    moved: list[int] = []

    def present(oids: list[str]) -> set[str]:  # another writer, while git is asked
        moved.append(run_git(repo, "update-ref", "-m", "writer", ref, older, tip))
        return set(oids) - {"1" * 40}

    opened.drop_broken_reflog_entries(ref, present=present)
    now = git(repo, "rev-parse", ref).strip()
    logged = log.read_text().splitlines()
    assert logged[-1].split(" ", 2)[1] == now, (moved, logged)
    assert lost.rstrip("\n") not in logged  # the clean-up itself still done


def run_git(repo: Path, *args: str) -> int:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False).returncode


def test_a_partial_clone_with_a_replace_ref_is_not_said_to_read_sessions_through_it(tmp_path: Path) -> None:
    """A partial clone (the sessions' files left at the remote, as git allows) with any
    replace ref: libgit2 misses those files, git reads the history (promisor objects), and
    doctor warned that git reads it "through refs/replace/", which has nothing to do with it."""
    origin = make_repo(tmp_path, "origin")
    ok(origin, "start", "work")
    ok(origin, "note", "a")
    git(origin, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:none", origin.as_uri(), str(clone))
    git(clone, "fetch", "-q", "origin", "refs/sessions/*:refs/sessions/*")
    (ref,) = session_refs(clone)
    assert "?" in git(clone, "rev-list", "--objects", "--missing=print", ref)  # files left at the remote
    healthy = run(clone, "doctor")
    unrelated = git(clone, "commit-tree", "-m", "unrelated", git(clone, "rev-parse", "HEAD^{tree}").strip()).strip()
    git(clone, "replace", unrelated, "HEAD")
    result = run(clone, "doctor")
    assert (result.exit_code, result.stdout) == (healthy.exit_code, healthy.stdout)
