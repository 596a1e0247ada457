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
from git_session.names import ObjectId
from tests.helpers import as_json, git, ok, run, session_refs


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GIT_SESSION_DRAIN", "sync")


def note_sessions(repo: Path, rev: str = "HEAD") -> list[str]:
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


def test_the_background_drain_links_too(hooked: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, _ = hooked
    monkeypatch.delenv("GIT_SESSION_DRAIN")
    sha = commit(repo, "a")
    ok(repo, "hook", "drain")  # waits for the background one, then finds nothing left
    assert linked(repo) == [sha]
    assert list((repo / ".git" / "git-session" / "queue").iterdir()) == []


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
    (good_ref,) = [r for r in session_refs(repo) if r.endswith(sid)]
    (broken_ref,) = [r for r in session_refs(repo) if r != good_ref]
    head = git(repo, "rev-parse", "HEAD").strip()
    queue = repo / ".git" / "git-session" / "queue"
    for name, ref in (("a", broken_ref), ("b", good_ref)):
        tip = git(repo, "rev-parse", ref).strip()
        (queue / name).write_text(f"commit {head}\nref {ref}\ntip {tip}\nbranch main\n")
    blob = git(repo, "hash-object", "-w", "--stdin", input="not a session").strip()
    git(repo, "update-ref", broken_ref, blob)
    result = run(repo, "hook", "drain")
    assert result.exit_code == 0
    assert result.stderr.startswith(f"git-session: warning: commit {head[:12]} stays queued: ")
    assert [p.name for p in queue.iterdir()] == ["a"]
    assert linked(repo, sid) == [head]
