"""Issue 11, reading the record: the brief carries discoveries, keeps what resumes work
under a small budget, and names (and inherits from) the session it continues, wherever
that session is, or is not; ``start --from`` finds sessions that were only fetched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from git_session.model import EntryKind
from git_session.sessions import Workspace, abbreviate
from git_session.store import Draft, Handle
from tests.helpers import as_json, fails, git, make_two_clones, ok

STAMP = "2023-11-14 22:13"


def short_sid(repo: Path, session_id: str) -> str:
    return Workspace.open(str(repo)).short_session_id(session_id)


def short_entry(repo: Path, session_id: str, kind: EntryKind, entry_id: str) -> str:
    ws = Workspace.open(str(repo))
    return ws.short_entry_id(ws.find(session_id), kind, entry_id)


def parent_session(repo: Path) -> str:
    """A session with decisions and discoveries, handed off; its id."""
    ok(repo, "start", "Fix the sweep race", "-o", "Reproduce it", "-o", "Fix it")
    ok(repo, "current", "Take the lock first")
    reproduce = next(o["id"] for o in as_json(repo, "status")["objectives"] if o["text"] == "Reproduce it")
    ok(repo, "objective", "done", reproduce)
    ok(repo, "decision", "add", "Lock before the check", "--rationale", "simplest", "--alternative", "atomics")
    ok(repo, "discovery", "add", "The sweeper runs every 5s")
    ok(repo, "discovery", "add", "Lock order: watcher before sweeper")
    sid: str = as_json(repo, "status")["id"]
    ok(repo, "end")
    return sid


# --- 1. discoveries -----------------------------------------------------------------------


def test_the_brief_includes_discoveries_newest_first(repo: Path) -> None:
    ok(repo, "start", "W")
    ok(repo, "discovery", "add", "The cache is per process")
    ok(repo, "decision", "add", "Keep the cache")
    ok(repo, "discovery", "add", "Lock order: watcher before sweeper")
    state = as_json(repo, "status")
    sid = state["id"]
    assert ok(repo, "brief") == (
        f"# Session {short_sid(repo, sid)}: W (active, branch main, updated {STAMP})\n"
        "Progress: 0/0 objectives done\n"
        "## Recent decisions\n"
        "- Keep the cache\n"
        "## Recent discoveries\n"
        "- Lock order: watcher before sweeper\n"
        "- The cache is per process\n"
    )
    view = as_json(repo, "brief")
    discoveries = {d["text"]: d for d in as_json(repo, "show")["discoveries"]}
    assert view["discoveries"] == [
        discoveries["Lock order: watcher before sweeper"],
        discoveries["The cache is per process"],
    ]
    assert (view["parent"], view["inherited"], view["omitted"]) == (None, {"decisions": [], "discoveries": []}, {})


def test_discoveries_beyond_the_ten_most_recent_are_counted(repo: Path) -> None:
    ok(repo, "start", "W")
    for i in range(12):
        ok(repo, "discovery", "add", f"fact {i}")
    out = ok(repo, "brief")
    assert out.splitlines()[2:] == [
        "## Recent discoveries",
        *[f"- fact {i}" for i in range(11, 1, -1)],
        "omitted: 2 discoveries — git session show",
    ]


# --- 2. a small budget ----------------------------------------------------------------------


TLDR = "Found the race in sweeper.go:245; the fix takes the lock before the check. " * 2 + "Then: tests."


def busy_session(repo: Path) -> str:
    ok(repo, "start", "Fix the sweep race", "-o", "Reproduce it", "-o", "Fix it")
    ok(repo, "tldr", TLDR)
    ok(repo, "current", "Implement the mutex fix")
    for i in range(6):
        ok(repo, "next", "add", f"Next thing number {i} to do after the fix", "--priority", "high")
        ok(repo, "decision", "add", f"Decision number {i}, with a rationale", "--rationale", "because")
    sid: str = as_json(repo, "status")["id"]
    return sid


def test_a_small_budget_keeps_the_current_step_and_progress_and_a_short_omission_line(repo: Path) -> None:
    sid = busy_session(repo)
    out = ok(repo, "brief", "--max-chars", "120")
    assert out == (
        f"# Session {short_sid(repo, sid)}: Fix the sweep ra…\n"
        "Current step: Implement the mutex fix\n"
        "Progress: 0/2 objectives done\n"
        "omitted: 14 items\n"
    )
    assert len(out) <= 120
    view = as_json(repo, "brief", "--max-chars", "120")
    assert view["text"] == out
    assert (view["current"], view["progress"]) == ("Implement the mutex fix", {"done": 0, "total": 2})
    assert view["omitted"] == {"objectives": 2, "next": 6, "decisions": 6}


def test_the_omission_line_is_short_when_the_budget_is(repo: Path) -> None:
    sid = busy_session(repo)
    header = f"# Session {short_sid(repo, sid)}: Fix the sweep race (active, branch main, updated {STAMP})"
    out = ok(repo, "brief", "--max-chars", "300")
    assert out == (
        f"{header}\n"
        f"TL;DR: {TLDR[:122]}…\n"
        "Current step: Implement the mutex fix\n"
        "Progress: 0/2 objectives done\n"
        "omitted: 14 items\n"  # the long form would take a quarter of 300
    )
    assert len(out) == 300
    out = ok(repo, "brief", "--max-chars", "400")
    assert len(out) <= 400
    assert out.splitlines()[-1] == "omitted: 2 objectives, 6 next steps, 6 decisions — git session show"


def test_a_larger_budget_names_what_it_left_out_by_section(repo: Path) -> None:
    busy_session(repo)
    out = ok(repo, "brief", "--max-chars", "700")
    assert len(out) <= 700
    assert out.splitlines()[-1] == "omitted: 1 next step, 6 decisions — git session show"


# --- 3. the session it continues -------------------------------------------------------------


def test_a_continued_session_names_its_parent_and_inherits_its_decisions_and_discoveries(repo: Path) -> None:
    parent = parent_session(repo)
    git(repo, "switch", "-q", "-c", "part-two")
    ok(repo, "start", "--from", parent[:10], "Part two")
    ok(repo, "discovery", "add", "Own discovery")
    child = as_json(repo, "status")
    objectives = {o["text"]: short_entry(repo, child["id"], "objective", o["id"]) for o in child["objectives"]}
    assert ok(repo, "brief") == (
        f"# Session {short_sid(repo, child['id'])}: Part two (active, branch part-two, updated {STAMP})\n"
        "Current step: Take the lock first\n"
        "Progress: 0/1 objectives done\n"
        f"Continues session {short_sid(repo, parent)}: Fix the sweep race (handoff)\n"
        "## Open objectives\n"
        f"- {objectives['Fix it']} Fix it\n"
        "## Recent discoveries\n"
        "- Own discovery\n"
        "## Decisions inherited from the parent session\n"
        "- Lock before the check — because simplest (alternatives: atomics)\n"
        "## Discoveries inherited from the parent session\n"
        "- Lock order: watcher before sweeper\n"
        "- The sweeper runs every 5s\n"
    )
    view = as_json(repo, "brief")
    shown = as_json(repo, "show", parent)
    assert view["parent"] == {
        "id": parent,
        "short_id": short_sid(repo, parent),
        "title": "Fix the sweep race",
        "status": "handoff",
        "branch": "main",
        "found": True,
        "readable": True,
        "fetched_from": None,
    }
    by_text = {d["text"]: d for d in shown["discoveries"]}
    assert view["inherited"] == {
        "decisions": shown["decisions"],
        "discoveries": [by_text["Lock order: watcher before sweeper"], by_text["The sweeper runs every 5s"]],
    }
    assert [d["text"] for d in view["discoveries"]] == ["Own discovery"]
    # a small budget keeps the parent line before any section
    small = ok(repo, "brief", "--max-chars", "222")
    assert small == (
        f"# Session {short_sid(repo, child['id'])}: Part two (active, branch part-two, updated {STAMP})\n"
        "Current step: Take the lock first\n"
        "Progress: 0/1 objectives done\n"
        f"Continues session {short_sid(repo, parent)}: Fix the sweep race (handoff)\n"
        "omitted: 5 items\n"
    )


def test_a_deleted_parent_is_named_not_an_error(repo: Path) -> None:
    parent = parent_session(repo)
    git(repo, "switch", "-q", "-c", "part-two")
    ok(repo, "start", "--from", parent[:10], "Part two")
    ref = next(r for r in git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").split() if parent in r)
    git(repo, "update-ref", "-d", ref)
    assert ok(repo, "brief").splitlines()[1:4] == [
        "Current step: Take the lock first",
        "Progress: 0/1 objectives done",
        f"Continues session {short_sid(repo, parent)} (not in this repository, nor fetched)",
    ]
    view = as_json(repo, "brief")
    assert view["parent"] == {
        "id": parent,
        "short_id": short_sid(repo, parent),
        "title": None,
        "status": None,
        "branch": None,
        "found": False,
        "readable": False,
        "fetched_from": None,
    }
    assert view["inherited"] == {"decisions": [], "discoveries": []}


def test_an_unreadable_parent_is_named_not_an_error(repo: Path) -> None:
    parent = parent_session(repo)
    git(repo, "switch", "-q", "-c", "part-two")
    ok(repo, "start", "--from", parent[:10], "Part two")
    ref = next(r for r in git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").split() if parent in r)
    junk = git(repo, "hash-object", "-w", "--stdin", input="not json").strip()
    tree = git(repo, "mktree", input=f"100644 blob {junk}\tsession.json\n").strip()
    commit = git(repo, "commit-tree", tree, "-m", "hostile").strip()
    git(repo, "update-ref", ref, commit)
    assert ok(repo, "brief").splitlines()[3] == f"Continues session {short_sid(repo, parent)} (its data cannot be read)"
    view = as_json(repo, "brief")
    assert (view["parent"]["found"], view["parent"]["readable"], view["parent"]["title"]) == (True, False, None)


def test_a_hostile_parent_field_is_shown_safely(repo: Path) -> None:
    ok(repo, "start", "W")
    ws = Workspace.open(str(repo))
    found = ws.find(None)

    def build(handle: Handle, meta: Any) -> list[Draft]:
        return [Draft.set({"parent": "\x1b[31m../../etc/passwd\u202e"})]

    ws.store.append(found.handle.ref, build, ws.ident, "test")
    out = ok(repo, "brief")
    assert out.splitlines()[2] == "Continues session \\x1b[31 (not in this repository, nor fetched)"
    assert json.loads(ok(repo, "brief", "--json"))["parent"]["found"] is False


# --- 4. start --from a fetched session; ended sessions point to start --from ------------------


def test_start_from_a_session_that_was_only_fetched_copies_it_and_says_so(tmp_path: Path) -> None:
    _, alice, bob = make_two_clones(tmp_path)
    parent = parent_session(alice)
    ok(alice, "push")
    ok(bob, "fetch")
    git(bob, "switch", "-q", "-c", "bob-fix")
    out = ok(bob, "start", "--from", parent[:10], "Bob's part")
    child = as_json(bob, "status")["id"]
    assert out == (
        f"Copied session {abbreviate([parent])[parent]} 'Fix the sweep race' from the sessions fetched from origin "
        "into this repository's sessions\n"
        f'Started session {short_sid(bob, child)} "Bob\'s part" on branch bob-fix\n'
    )
    assert as_json(bob, "show", parent)["title"] == "Fix the sweep race"
    assert ok(bob, "brief").splitlines()[3:6] == [
        f"Continues session {short_sid(bob, parent)}: Fix the sweep race (handoff)",
        "## Open objectives",
        f"- {short_entry(bob, child, 'objective', as_json(bob, 'status')['objectives'][0]['id'])} Fix it",
    ]


def test_start_from_a_name_found_nowhere_still_says_no_session_matches(repo: Path) -> None:
    ok(repo, "start", "W")
    ok(repo, "end")
    git(repo, "switch", "-q", "-c", "other")
    assert fails(repo, "start", "--from", "nothing-like-it") == (
        "git-session: no session matches 'nothing-like-it' (by id, branch or title)\n"
        "hint: see them all with: git session list --all\n"
    )


def test_resuming_an_ended_session_points_to_start_from(repo: Path) -> None:
    ok(repo, "start", "W")
    sid = as_json(repo, "status")["id"]
    ok(repo, "end")
    short = short_sid(repo, sid)
    assert fails(repo, "resume", sid[:10]) == (
        f"git-session: session {short} is handoff; cannot make it active\n"
        f"hint: start a new one, continuing it: git session start --from {short}\n"
    )


def test_a_parent_that_is_only_fetched_is_read_from_the_fetched_copy(tmp_path: Path) -> None:
    _, alice, bob = make_two_clones(tmp_path)
    parent = parent_session(alice)
    ok(alice, "push")
    ok(bob, "fetch")
    git(bob, "switch", "-q", "-c", "bob-fix")
    ok(bob, "start", "--from", parent[:10], "Bob's part")
    local = next(r for r in git(bob, "for-each-ref", "--format=%(refname)", "refs/sessions/").split() if parent in r)
    git(bob, "update-ref", "-d", local)  # the local copy gone, the fetched one left
    lines = ok(bob, "brief").splitlines()
    assert lines[3] == f"Continues session {short_sid(bob, parent)}: Fix the sweep race (handoff, fetched from origin)"
    assert lines[-5:] == [
        "## Decisions inherited from the parent session",
        "- Lock before the check — because simplest (alternatives: atomics)",
        "## Discoveries inherited from the parent session",
        "- Lock order: watcher before sweeper",
        "- The sweeper runs every 5s",
    ]
    assert as_json(bob, "brief")["parent"]["fetched_from"] == "origin"
