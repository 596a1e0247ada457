"""Commits linked to sessions by the post-commit hook: notes and journal entries that
follow amend, rebase and cherry-pick, and lose nothing under concurrency."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from git_session import notes
from git_session.gitrepo import Repo
from git_session.names import ObjectId, SessionRef
from tests.helpers import as_json, git, ok, run, session_refs


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def note_sessions(repo: Path, rev: str = "HEAD") -> list[str]:
    ok(repo, "hook", "drain")
    commit = ObjectId(git(repo, "rev-parse", rev).strip())
    return [line["session"] for line in notes.read_note(Repo.discover(str(repo)), commit)]


def commit(repo: Path, name: str, *args: str) -> str:
    (repo / name).write_text(f"{name}\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"add {name}", *args)
    return git(repo, "rev-parse", "HEAD").strip()


def linked(repo: Path, session: str | None = None) -> list[str]:
    return [c["sha"] for c in as_json(repo, "show", *([session] if session else []))["commits"]]


@pytest.fixture
def hooked(repo: Path) -> tuple[Path, str]:
    ok(repo, "install")
    ok(repo, "start", "Work", "-o", "Ship")
    return repo, as_json(repo, "status")["id"]


def test_a_commit_gets_a_note_and_a_journal_entry(hooked: tuple[Path, str]) -> None:
    repo, sid = hooked
    sha = commit(repo, "a")
    assert note_sessions(repo) == [sid]
    assert linked(repo) == [sha]
    (line,) = notes.read_note(Repo.discover(str(repo)), ObjectId(sha))
    assert [o["text"] for o in line["objectives"]] == ["Ship"] and line["branch"] == "main"
    assert git(repo, "notes", "--ref=sessions", "show", sha).startswith("{")


def test_the_commit_is_recorded_and_linked_by_the_next_command(hooked: tuple[Path, str]) -> None:
    repo, _ = hooked
    queue = repo / ".git" / "git-session" / "queue"
    sha = commit(repo, "a")
    assert [p.name.split(".")[0] for p in queue.iterdir()] == ["pending"]
    assert [c["sha"] for c in as_json(repo, "status")["commits"]] == [sha]
    assert list(queue.iterdir()) == []


def test_notes_and_entries_follow_amend(hooked: tuple[Path, str]) -> None:
    repo, sid = hooked
    commit(repo, "a")
    for n in range(3):
        git(repo, "commit", "-q", "--amend", "-m", f"amended {n}")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert sid in note_sessions(repo)
    assert linked(repo) == [head]


def test_notes_and_entries_follow_rebase(hooked: tuple[Path, str]) -> None:
    repo, sid = hooked
    commit(repo, "a")
    commit(repo, "b")
    git(repo, "switch", "-q", "-c", "elsewhere", "HEAD~2")
    commit(repo, "c")
    git(repo, "switch", "-q", "main")
    git(repo, "rebase", "-q", "elsewhere")
    rebased = git(repo, "rev-list", "--reverse", "elsewhere..main").split()
    assert [note_sessions(repo, sha) for sha in rebased] == [[sid], [sid]]
    assert linked(repo, sid) == rebased


def test_a_cherry_pick_gets_the_note_of_its_source(hooked: tuple[Path, str]) -> None:
    repo, sid = hooked
    source = commit(repo, "a")
    ok(repo, "pause")
    git(repo, "switch", "-q", "-c", "other", "HEAD~1")
    git(repo, "cherry-pick", source)
    assert note_sessions(repo) == [sid]


def test_two_worktrees_committing_at_once_lose_nothing(hooked: tuple[Path, str], tmp_path: Path) -> None:
    repo, main_sid = hooked
    other = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "side", str(other))
    ok(other, "start", "Side work")
    side_sid = as_json(other, "status")["id"]
    script = "for i in $(seq 8); do echo $i > f$i; git add f$i; git commit -q -m c$i; done"
    procs = [subprocess.Popen(["sh", "-c", script], cwd=where) for where in (repo, other)]
    assert [p.wait() for p in procs] == [0, 0]
    ok(repo, "hook", "drain")
    for where, sid in ((repo, main_sid), (other, side_sid)):
        shas = git(where, "rev-list", "-8", "HEAD").split()
        assert sorted(linked(repo, sid)) == sorted(shas)
        assert all(note_sessions(repo, sha) == [sid] for sha in shas)
    git(repo, "fsck", "--strict")


def test_a_commit_that_cannot_be_linked_stays_queued_and_blocks_no_other(hooked: tuple[Path, str]) -> None:
    repo, sid = hooked
    ok(repo, "pause")
    git(repo, "switch", "-q", "-c", "broken")
    ok(repo, "start", "Doomed")
    git(repo, "switch", "-q", "main")
    ok(repo, "resume", sid)
    (good_ref,) = [r for r in session_refs(repo) if r.endswith(sid)]
    (broken_ref,) = [r for r in session_refs(repo) if r != good_ref]
    parent = git(repo, "rev-parse", "HEAD").strip()
    ids = [SessionRef.of(ref).session_id for ref in (broken_ref, good_ref)]
    trailer_block = "\n".join(f"Session-Id: {i}" for i in ids)
    git(repo, "commit", "-q", "--allow-empty", "-m", "by hand", "-m", trailer_block, env={"GIT_SESSION_DISABLE": "1"})
    made = git(repo, "rev-parse", "HEAD").strip()
    queue = repo / ".git" / "git-session" / "queue"
    for name, ref in (("pending.1.a", broken_ref), ("pending.2.b", good_ref)):
        tip = git(repo, "rev-parse", ref).strip()
        (queue / name).write_text(f"parent {parent}\nbranch main\nref {ref}\ntip {tip}\n")
    blob = git(repo, "hash-object", "-w", "--stdin", input="not a session").strip()
    git(repo, "update-ref", broken_ref, blob)
    result = run(repo, "hook", "drain")
    assert result.exit_code == 0
    assert result.stderr.startswith(f"git-session: warning: commit {made[:12]} stays queued: ")
    assert [p.name for p in queue.iterdir()] == ["pending.1.a"]
    assert made in linked(repo, sid)


def test_an_aborted_commit_links_nothing_until_one_is_made(hooked: tuple[Path, str]) -> None:
    repo, sid = hooked
    queue = repo / ".git" / "git-session" / "queue"
    result = subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", ""], cwd=repo, capture_output=True)
    assert result.returncode != 0
    ok(repo, "hook", "drain")
    assert linked(repo, sid) == []
    assert len(list(queue.iterdir())) == 1  # kept: the commit may still be made
    sha = commit(repo, "a")
    assert linked(repo, sid) == [sha]
    assert list(queue.iterdir()) == []
