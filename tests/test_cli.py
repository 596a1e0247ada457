"""Every command through the CLI, in-process, asserting whole outputs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from git_session.sessions import abbreviate
from tests.helpers import as_json, fails, git, ok, run

STAMP = "2023-11-14 22:13"


def start(repo: Path, *args: str) -> dict[str, Any]:
    ok(repo, "start", *args)
    state: dict[str, Any] = as_json(repo, "status")
    return state


def first_byte_zero(urandom: Callable[[int], bytes]) -> Callable[[int], bytes]:
    """os.urandom whose first byte is 0: ids made with it all start with "0", as ULIDs did."""
    return lambda n: b"\0" + urandom(n - 1)


def short_sid(repo: Path, sid: str) -> str:
    """How git-session abbreviates a session id among all sessions of the repository."""
    return abbreviate([s["id"] for s in as_json(repo, "list", "--all")])[sid]


def ids(state: dict[str, Any], key: str) -> list[str]:
    return [item["id"] for item in state[key]]


def test_start_reports_the_new_session(repo: Path) -> None:
    out = ok(repo, "start", "Fix the bug", "-o", "Reproduce", "-o", "Fix")
    state = as_json(repo, "status")
    o = {x["text"]: x["id"][:4] for x in state["objectives"]}
    assert out == (
        f"Started session {short_sid(repo, state['id'])} 'Fix the bug' on branch main\n"
        f"  objective {o['Reproduce']} Reproduce\n  objective {o['Fix']} Fix\n"
    )


def test_start_records_every_field(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    state = start(repo, "Work", "--task", "BACK-1", "--task", "#42", "--agent", "claude", "--model", "opus")
    assert state["tasks"] == ["BACK-1", "#42"]
    assert (state["agent"], state["model"], state["base"], state["branch"]) == ("claude", "opus", head, "main")
    assert state["status"] == "active"
    assert state["created"] == state["updated"] == "2023-11-14T22:13:20+00:00"
    assert state["authors"] == ["A U Thor <author@example.com>"]


def test_start_without_title_uses_the_branch_name(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature/login")
    assert start(repo)["title"] == "feature/login"


def test_start_refuses_a_second_open_session_on_the_branch(repo: Path) -> None:
    sid = start(repo, "One")["id"]
    err = fails(repo, "start", "Two")
    assert err == (
        f"git-session: session {short_sid(repo, sid)} is already active on branch 'main'\n"
        "hint: pause or end it first, or work in it: git session status\n"
    )
    ok(repo, "pause")
    fails(repo, "start", "Two")
    ok(repo, "end")
    assert start(repo, "Two")["title"] == "Two"


def test_status_at_a_glance(repo: Path) -> None:
    state = start(repo, "Fix the bug", "-o", "Reproduce", "-o", "Fix")
    o1, o2 = ids(state, "objectives")
    ok(repo, "objective", "done", o1)
    ok(repo, "blocker", "add", "Waiting on API docs")
    ok(repo, "next", "add", "Low thing", "--priority", "low")
    ok(repo, "next", "add", "Urgent thing", "--priority", "high")
    ok(repo, "tldr", "Fixing the race")
    ok(repo, "current", "Writing the fix")
    state = as_json(repo, "status")
    (b,) = ids(state, "blockers")
    n_low, n_high = ids(state, "next")
    short = {**abbreviate([o1, o2]), **abbreviate([b]), **abbreviate([n_low, n_high])}
    assert ok(repo, "status") == (
        f"session {short_sid(repo, state['id'])}  Fix the bug  [active]\n"
        f"branch main · started {STAMP} · updated {STAMP}\n"
        "TL;DR    Fixing the race\n"
        "Current  Writing the fix\n"
        "Progress 1/2 objectives done, 1 open blocker(s)\n"
        "Open objectives\n"
        f"  {short[o2]} Fix\n"
        "Blockers\n"
        f"  {short[b]} Waiting on API docs\n"
        "Next steps\n"
        f"  {short[n_high]} [high] Urgent thing\n"
        f"  {short[n_low]} [low] Low thing\n"
    )


def test_status_json_has_the_documented_fields(repo: Path) -> None:
    start(repo, "Work", "-o", "One")
    ok(repo, "decision", "add", "Use X", "--rationale", "because", "--alternative", "Y", "--alternative", "Z")
    ok(repo, "blocker", "add", "Stuck")
    ok(repo, "discovery", "add", "Found")
    ok(repo, "next", "add", "Then")
    ok(repo, "note", "Progress")
    ok(repo, "source", "add", "https://example.com/doc")
    state = as_json(repo, "status")
    for key in (
        "id",
        "title",
        "branch",
        "status",
        "created",
        "updated",
        "base",
        "tldr",
        "current",
        "tasks",
        "compactions",
        "objectives",
        "decisions",
        "blockers",
        "discoveries",
        "next",
        "notes",
        "sources",
        "checkpoints",
        "commits",
    ):
        assert key in state, key
    assert {k: state["decisions"][0][k] for k in ("text", "rationale", "alternatives")} == {
        "text": "Use X",
        "rationale": "because",
        "alternatives": ["Y", "Z"],
    }
    assert state["blockers"][0]["status"] == "open" and state["blockers"][0]["resolution"] is None
    assert state["next"][0]["priority"] == "medium" and state["next"][0]["status"] == "open"
    assert state["objectives"][0]["status"] == "open"
    assert state["sources"][0]["text"] == "https://example.com/doc"
    for key in ("objectives", "decisions", "blockers", "discoveries", "next", "notes", "sources"):
        for item in state[key]:
            assert item["created"] == "2023-11-14T22:13:20+00:00"
            assert item["author"] == "A U Thor <author@example.com>"


def test_objective_lifecycle(repo: Path) -> None:
    (o,) = ids(start(repo, "W", "-o", "Ship it"), "objectives")
    short = abbreviate([o])[o]
    assert ok(repo, "objective", "done", o[:9]) == f"Objective {short} done: Ship it\n"
    assert fails(repo, "objective", "done", o) == f"git-session: objective {short} is already done\n"
    assert ok(repo, "objective", "reopen", o) == f"Objective {short} open: Ship it\n"
    assert ok(repo, "objective", "drop", o) == f"Objective {short} dropped: Ship it\n"
    assert ok(repo, "objective", "list") == f"{short} [dropped] Ship it\n"
    assert [x["status"] for x in as_json(repo, "objective", "list")] == ["dropped"]
    assert as_json(repo, "status")["progress"] == {"done": 0, "total": 0}


def test_unknown_and_ambiguous_entry_ids(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "urandom", first_byte_zero(os.urandom))  # every new id starts with 0
    start(repo, "W", "-o", "A", "-o", "B")
    sid = as_json(repo, "status")["id"]
    assert fails(repo, "objective", "done", "zzzz") == (
        f"git-session: no objective 'zzzz' in session {short_sid(repo, sid)}\n"
        "hint: list them with: git session objective list\n"
    )
    err = fails(repo, "objective", "done", "0")
    assert err.startswith("git-session: objective id prefix '0' is ambiguous\nhint: candidates: ")


def test_added_entries_print_their_short_id(repo: Path) -> None:
    start(repo, "W")
    for args, label in [
        (("objective", "add", "O"), "objective"),
        (("decision", "add", "D"), "decision"),
        (("blocker", "add", "B"), "blocker"),
        (("discovery", "add", "F"), "discovery"),
        (("next", "add", "N"), "next step"),
        (("note", "P"), "note"),
        (("source", "add", "./docs/x.md"), "source"),
    ]:
        out = ok(repo, *args)
        assert out.startswith(f"Added {label} ") and len(out.split()[-1]) >= 4, out
    state = as_json(repo, "show")
    for key in ("objectives", "decisions", "blockers", "discoveries", "next", "notes", "sources"):
        assert len(state[key]) == 1, key


def test_decision_list(repo: Path) -> None:
    start(repo, "W")
    ok(repo, "decision", "add", "Use signed cookies", "--rationale", "stateless", "--alternative", "JWT")
    (d,) = as_json(repo, "decision", "list")
    assert ok(repo, "decision", "list") == f"{d['id'][:4]} Use signed cookies — stateless\n"
    assert d["alternatives"] == ["JWT"]


def test_blocker_resolve_with_note(repo: Path) -> None:
    start(repo, "W")
    ok(repo, "blocker", "add", "No API key")
    (b,) = as_json(repo, "blocker", "list")
    ok(repo, "blocker", "resolve", b["id"][:10], "--note", "Ops sent it")
    (b,) = as_json(repo, "blocker", "list")
    assert (b["status"], b["resolution"]) == ("resolved", "Ops sent it")
    assert ok(repo, "blocker", "list") == f"{b['id'][:4]} [resolved] No API key — Ops sent it\n"
    assert as_json(repo, "status")["blockers"][0]["status"] == "resolved"


def test_next_steps_by_priority_and_done(repo: Path) -> None:
    start(repo, "W")
    ok(repo, "next", "add", "later", "--priority", "low")
    ok(repo, "next", "add", "soon")
    ok(repo, "next", "add", "now", "--priority", "high")
    assert [n["text"] for n in as_json(repo, "next", "list")] == ["now", "soon", "later"]
    first = as_json(repo, "next", "list")[0]["id"]
    ok(repo, "next", "done", first)
    assert [n["status"] for n in as_json(repo, "next", "list")] == ["done", "open", "open"]
    fails(repo, "next", "add", "x", "--priority", "urgent", code=2)


def test_discovery_and_source_lists(repo: Path) -> None:
    start(repo, "W")
    ok(repo, "discovery", "add", "Lock order matters")
    ok(repo, "source", "add", "https://example.com")
    assert [d["text"] for d in as_json(repo, "discovery", "list")] == ["Lock order matters"]
    assert [s["text"] for s in as_json(repo, "source", "list")] == ["https://example.com"]


def test_show_everything(repo: Path) -> None:
    start(repo, "Fix", "-o", "One", "--task", "T-1")
    ok(repo, "decision", "add", "Use X", "--rationale", "why", "--alternative", "Y")
    ok(repo, "note", "halfway")
    state = as_json(repo, "show")
    (o,), (d,), (n,) = state["objectives"], state["decisions"], state["notes"]
    assert ok(repo, "show") == (
        f"session {short_sid(repo, state['id'])}  Fix  [active]\n"
        f"branch main · started {STAMP} · updated {STAMP}\n"
        "authors A U Thor <author@example.com>\n"
        f"base {state['base'][:12]}\n"
        "tasks T-1\n"
        "Progress 0/1 objectives done\n"
        "Objectives\n"
        f"  {o['id'][:4]} [open] One\n"
        "Decisions\n"
        f"  {d['id'][:4]} Use X — why\n"
        "      alternative: Y\n"
        "Notes\n"
        f"  {n['id'][:4]} halfway\n"
    )


def test_session_named_by_id_prefix_branch_or_title_slug(repo: Path) -> None:
    sid = start(repo, "Fix the Sweep Bug!")["id"]
    git(repo, "switch", "-q", "-c", "other")
    for name in (sid, sid[:6], sid.upper()[:10], "main", "fix-the-sweep-bug"):
        assert as_json(repo, "show", name)["id"] == sid, name
        assert as_json(repo, "status", "--session", name)["id"] == sid, name
    ok(repo, "note", "from another branch", "--session", "main")
    assert as_json(repo, "show", "main")["notes"][0]["text"] == "from another branch"
    assert fails(repo, "show", "nothing-like-it") == (
        "git-session: no session matches 'nothing-like-it' (by id, branch or title)\n"
        "hint: see them all with: git session list --all\n"
    )


def test_ambiguous_session_prefix(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "urandom", first_byte_zero(os.urandom))  # every new id starts with 0
    start(repo, "One")
    git(repo, "switch", "-q", "-c", "two")
    start(repo, "Two")
    assert fails(repo, "show", "0").startswith("git-session: session id prefix '0' is ambiguous\nhint: candidates:")


def test_list_filters(repo: Path) -> None:
    a = start(repo, "Alpha")["id"]
    ok(repo, "end", "--complete")
    b = start(repo, "Beta")["id"]
    git(repo, "switch", "-q", "-c", "feature")
    c = start(repo, "Gamma")["id"]
    ok(repo, "pause")
    # all started in the same second (the tests' fixed clock): listed newest first, then by id
    assert [s["id"] for s in as_json(repo, "list")] == sorted([c, b], reverse=True)
    assert [s["id"] for s in as_json(repo, "list", "--all")] == sorted([c, b, a], reverse=True)
    assert [s["id"] for s in as_json(repo, "list", "--branch", "main", "--all")] == sorted([b, a], reverse=True)
    assert [s["id"] for s in as_json(repo, "list", "--status", "paused")] == [c]
    short = abbreviate([a, b, c])
    lines = {
        c: f"{short[c]}  paused     {STAMP}  {'feature':<30}  Gamma\n",
        b: f"{short[b]}  active     {STAMP}  {'main':<30}  Beta\n",
    }
    assert ok(repo, "list") == "".join(lines[i] for i in sorted([c, b], reverse=True))


def test_log_is_the_journal_in_order(repo: Path) -> None:
    state = start(repo, "W", "-o", "One")
    (o,) = ids(state, "objectives")
    ok(repo, "objective", "done", o)
    ok(repo, "tldr", "Summary")
    journal = as_json(repo, "log")
    assert [(j["action"], j["kind"]) for j in journal] == [
        ("create", None),
        ("add", "objective"),
        ("update", "objective"),
        ("set", None),
    ]
    assert [j["clock"] for j in journal] == [1, 2, 3, 4]
    assert journal[2]["entry"] == o and journal[2]["fields"] == {"status": "done"}
    assert as_json(repo, "log", "-n", "1")[0]["fields"] == {"tldr": "Summary"}
    assert [j["action"] for j in as_json(repo, "log", "--kind", "objective")] == ["add", "update"]
    assert ok(repo, "log").splitlines()[1:] == [
        f"{STAMP}  A U Thor  objective {o[:4]}: One",
        f"{STAMP}  A U Thor  objective {o[:4]} status=done",
        f"{STAMP}  A U Thor  set tldr=Summary",
    ]


def test_typo_fix_does_not_move_updated(repo: Path) -> None:
    start(repo, "W")
    ok(repo, "tldr", "Fixing the sweep race in the chain watcher", env={"GIT_AUTHOR_DATE": "1700000100 +0000"})
    ok(repo, "tldr", "Fixing the sweep race in the chain-watcher.", env={"GIT_AUTHOR_DATE": "1700000200 +0000"})
    assert as_json(repo, "status")["updated"] == "2023-11-14T22:15:00+00:00"
    ok(repo, "tldr", "Now writing the regression test", env={"GIT_AUTHOR_DATE": "1700000300 +0000"})
    state = as_json(repo, "status")
    assert (state["updated"], state["created"]) == ("2023-11-14T22:18:20+00:00", "2023-11-14T22:13:20+00:00")
    assert [j["minor"] for j in as_json(repo, "log", "--kind", "session")] == [False, False, True, False]


def test_pause_resume_end(repo: Path) -> None:
    sid = start(repo, "W", "-o", "One")["id"]
    assert ok(repo, "pause", "-m", "lunch") == f"Paused session {short_sid(repo, sid)} 'W'\n"
    state = as_json(repo, "status")
    assert (state["status"], state["notes"][0]["text"]) == ("paused", "lunch")
    fails(repo, "pause")
    out = ok(repo, "resume")
    objective = state["objectives"][0]["id"][:4]
    assert out == (
        f"Resumed session {short_sid(repo, sid)}\n"
        f"# Session {short_sid(repo, sid)}: W (active, branch main, updated {STAMP})\n"
        "Progress: 0/1 objectives done\n"
        "## Open objectives\n"
        f"- {objective} One\n"
    )
    assert ok(repo, "end") == (
        f"Ended session {short_sid(repo, sid)} 'W': handoff\n"
        f"Stored its handoff; print it with: git session handoff {short_sid(repo, sid)}\n"
    )
    assert as_json(repo, "show", sid)["status"] == "handoff"
    assert fails(repo, "note", "more", "--session", sid) == (
        f"git-session: session {short_sid(repo, sid)} is handoff: it takes no more entries\n"
        f"hint: start a new one, continuing it: git session start --from {short_sid(repo, sid)}\n"
    )


@pytest.mark.parametrize(
    ("args", "status"), [(("--complete",), "completed"), (("--abandon", "--reason", "obsolete"), "abandoned")]
)
def test_end_outcomes(repo: Path, args: tuple[str, ...], status: str) -> None:
    sid = start(repo, "W")["id"]
    ok(repo, "end", *args)
    state = as_json(repo, "show", sid)
    assert state["status"] == status
    assert state["reason"] == ("obsolete" if status == "abandoned" else None)


def test_end_usage_errors(repo: Path) -> None:
    start(repo, "W")
    result = run(repo, "end", "--abandon")
    assert result.exit_code == 2 and "--abandon needs --reason R" in result.stderr
    result = run(repo, "end", "--reason", "x")
    assert result.exit_code == 2 and "--reason goes with --abandon" in result.stderr
    assert as_json(repo, "status")["status"] == "active"


def test_switch_pauses_and_resumes(repo: Path) -> None:
    a = start(repo, "On main")["id"]
    git(repo, "switch", "-q", "-c", "feature")
    b = start(repo, "On feature")["id"]
    out = ok(repo, "switch", "main")
    assert out.startswith(f"Paused session {short_sid(repo, b)} 'On feature'\n")
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert as_json(repo, "show", b)["status"] == "paused"
    assert as_json(repo, "show", a)["status"] == "active"
    ok(repo, "pause")
    out = ok(repo, "switch", "feature")
    assert out.startswith(f"Resumed session {short_sid(repo, b)}\n")
    assert as_json(repo, "show", b)["status"] == "active"
    assert fails(repo, "switch", "no-such-branch", code=4).startswith(
        "git-session: `git switch -- no-such-branch` failed"
    )
    assert git(repo, "branch", "--show-current").strip() == "feature"


def test_resume_of_another_branch_hints_to_switch(repo: Path) -> None:
    sid = start(repo, "W")["id"]
    ok(repo, "pause")
    git(repo, "switch", "-q", "-c", "other")
    out = ok(repo, "resume", sid)
    assert out.endswith("hint: the session is on branch main; git session switch main\n")


def test_text_from_standard_input(repo: Path) -> None:
    start(repo, "W")
    result = run(repo, "note", "-", input="line one\nline two\n")
    assert result.exit_code == 0, result.output
    assert as_json(repo, "show")["notes"][0]["text"] == "line one\nline two"
    assert "the text is empty" in run(repo, "note", "  ").stderr


def test_no_session_on_branch(repo: Path) -> None:
    assert fails(repo, "status") == (
        "git-session: no session on branch 'main'\nhint: start one with: git session start \"TITLE\"\n"
    )
    fails(repo, "note", "x")
    assert ok(repo, "list") == 'No sessions yet: git session start "TITLE" starts one on the current branch\n'
    assert as_json(repo, "list") == []
