"""Issue 9: a pulled session never takes a branch over; file-system faults are one clear line."""

from __future__ import annotations

from pathlib import Path

from git_session import choices
from git_session.gitrepo import Repo
from tests.helpers import as_json, fails, git, make_repo, ok, run

ALICE = {
    "GIT_AUTHOR_NAME": "Alice",
    "GIT_AUTHOR_EMAIL": "alice@example.com",
    "GIT_AUTHOR_DATE": "4000000000 +0000",  # a crafted far-future `created`
    "GIT_COMMITTER_DATE": "4000000000 +0000",
}


def clones(tmp_path: Path) -> tuple[Path, Path]:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = make_repo(tmp_path, "seed")
    git(seed, "push", "-q", str(remote), "main")
    for name in ("alice", "bob"):
        git(tmp_path, "clone", "-q", str(remote), name)
    return tmp_path / "alice", tmp_path / "bob"


def alice_session(alice: Path) -> str:
    """Alice's active session on main, pushed."""
    ok(alice, "start", "Alice on main", env=ALICE)
    ok(alice, "note", "alice was here", env=ALICE)
    ok(alice, "push", env=ALICE)
    return str(as_json(alice, "status")["id"])


def notes_of(repo: Path, session: str) -> list[str]:
    return [n["text"] for n in as_json(repo, "show", session)["notes"]]


def test_a_pulled_teammates_session_does_not_take_over_the_branch(tmp_path: Path) -> None:
    alice, bob = clones(tmp_path)
    ok(bob, "start", "Bob on main")
    mine = as_json(bob, "status")["id"]
    theirs = alice_session(alice)

    ok(bob, "pull")
    ok(bob, "note", "bob's progress")
    ok(bob, "decision", "add", "Keep the cache", "--rationale", "it is warm")

    assert as_json(bob, "status")["id"] == mine
    assert notes_of(bob, mine) == ["bob's progress"]
    assert [d["text"] for d in as_json(bob, "show", mine)["decisions"]] == ["Keep the cache"]
    assert notes_of(bob, theirs) == ["alice was here"]
    assert "Also on this branch: session" in ok(bob, "status")
    ok(bob, "push")
    ok(alice, "pull", env=ALICE)
    assert notes_of(alice, theirs) == ["alice was here"]  # nothing of Bob's went into hers


def test_working_in_a_teammates_session_is_an_explicit_choice(tmp_path: Path) -> None:
    alice, bob = clones(tmp_path)
    ok(bob, "start", "Bob on main")
    mine = as_json(bob, "status")["id"]
    theirs = alice_session(alice)
    ok(bob, "pull")

    ok(bob, "note", "--session", theirs[:10], "helping alice")
    assert notes_of(bob, theirs) == ["alice was here", "helping alice"]
    ok(bob, "note", "back to mine")
    assert notes_of(bob, mine) == ["back to mine"]

    fails(bob, "resume", theirs[:10])  # one open session of one's own per branch
    ok(bob, "end", "--complete", "--no-handoff")
    ok(bob, "resume", theirs[:10])
    ok(bob, "note", "now in hers")
    assert as_json(bob, "status")["id"] == theirs
    assert notes_of(bob, theirs)[-1] == "now in hers"


def test_with_no_session_of_ones_own_a_teammates_is_not_picked(tmp_path: Path) -> None:
    alice, bob = clones(tmp_path)
    theirs = alice_session(alice)
    ok(bob, "pull")

    stderr = fails(bob, "note", "where does this go?")
    assert "no session of yours on branch 'main'" in stderr
    assert f"git session resume {theirs[:8]}" in stderr
    assert notes_of(bob, theirs) == ["alice was here"]

    ok(bob, "start", "Bob's own")  # a teammate's open session does not block one's own
    ok(bob, "note", "in my own")
    mine = as_json(bob, "status")["id"]
    assert mine != theirs and notes_of(bob, mine) == ["in my own"]


def test_sessions_started_before_choices_were_recorded_stay_the_default(repo: Path) -> None:
    ok(repo, "start", "Older session")
    older = as_json(repo, "status")["id"]
    choices.path(Repo.discover(str(repo))).unlink()  # as a clone that predates the record

    ok(repo, "note", "still mine")
    assert notes_of(repo, older) == ["still mine"]


def test_a_branch_named_session_prefers_ones_own(tmp_path: Path) -> None:
    alice, bob = clones(tmp_path)
    ok(bob, "start", "Bob on main")
    mine = as_json(bob, "status")["id"]
    alice_session(alice)
    ok(bob, "pull")
    assert as_json(bob, "show", "main")["id"] == mine
    result = run(bob, "status")
    assert result.exit_code == 0
