"""Issue 11, ids a person can type: new ids are random from their first character, shown
as the shortest prefix unique among ALL the entries of their session (at least 4
characters, the same in every view), printed by ``start`` and ``add``; ULIDs written
before keep working; a prefix never comes to name another entry after a merge (it
becomes ambiguous, and the error lists the candidates)."""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from git_session import secrets
from git_session.model import EntryKind
from git_session.names import ID_ALPHABET, ID_PATTERN, Ulid
from git_session.sessions import Workspace
from git_session.store import Draft, Handle, new_id
from tests.helpers import FIXED_DATE, as_json, fails, git, make_two_clones, ok

SHORT = "[0-9a-hjkmnp-tv-z]"


def seeded(seed: int) -> Callable[[int], bytes]:
    """os.urandom from a fixed seed: the test sees one random sample, the same every run."""
    rng = random.Random(seed)
    return rng.randbytes


def short_entry(repo: Path, kind: EntryKind, entry_id: str) -> str:
    ws = Workspace.open(str(repo))
    return ws.short_entry_id(ws.find(None), kind, entry_id)


def add_with_id(repo: Path, kind: EntryKind, entry_id: str, text: str) -> None:
    """An entry with an id chosen by the test (an old ULID, or one that collides)."""
    ws = Workspace.open(str(repo))
    found = ws.find(None)

    def build(handle: Handle, meta: Any) -> list[Draft]:
        fields: dict[str, Any] = {"text": text}
        if kind in ("objective", "blocker", "next"):
            fields["status"] = "open"
        return [Draft.add(kind, fields, agent=None, id=Ulid(entry_id))]

    ws.store.append(found.handle.ref, build, ws.ident, f"{kind}: {text}")


# --- making ids ------------------------------------------------------------------------


def test_new_ids_are_random_from_their_first_character() -> None:
    ids = [new_id() for _ in range(200)]
    assert all(ID_PATTERN.fullmatch(i) for i in ids)
    assert len({i[0] for i in ids}) > 20  # a ULID made now starts "01k" every time
    assert len({i[:4] for i in ids}) > 190


def test_ids_of_every_first_character_are_not_taken_for_secrets() -> None:
    ids = [c + new_id()[1:] for c in "0123456789abcdefghjkmnpqrstvwxyz"]
    assert secrets.scan([("text", f"see session {i} and entry {i.upper()}") for i in ids]) == []


# --- printing and using them -----------------------------------------------------------


def test_objective_done_takes_the_ids_add_printed_among_200_added_in_one_second(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "urandom", seeded(11))
    env = {"GIT_AUTHOR_DATE": FIXED_DATE, "GIT_COMMITTER_DATE": FIXED_DATE}  # one second for all
    ok(repo, "start", "Many", env=env)
    printed: list[str] = []
    for i in range(200):
        out = ok(repo, "objective", "add", f"objective {i}", env=env)
        match = re.fullmatch(f"Added objective ({SHORT}{{4,5}})\n", out)
        assert match, out
        printed.append(match.group(1))
    ids = [o["id"] for o in as_json(repo, "objective", "list")]
    assert [i.startswith(p) for i, p in zip(ids, printed, strict=True)] == [True] * 200
    assert {len(p) for p in printed} == {4}
    for i, prefix in enumerate(printed):
        now = short_entry(repo, "objective", ids[i])
        assert ok(repo, "objective", "done", prefix, env=env) == f"Objective {now} done: objective {i}\n"
    assert {o["status"] for o in as_json(repo, "objective", "list")} == {"done"}


def test_start_prints_the_session_id_and_the_ids_of_its_objectives(repo: Path) -> None:
    out = ok(repo, "start", "Fix it", "-o", "Reproduce", "-o", "Fix the race")
    state = as_json(repo, "status")
    sid = Workspace.open(str(repo)).short_session_id(state["id"])
    objectives = {o["text"]: short_entry(repo, "objective", o["id"]) for o in state["objectives"]}
    assert out == (
        f"Started session {sid} 'Fix it' on branch main\n"
        f"  objective {objectives['Reproduce']} Reproduce\n"
        f"  objective {objectives['Fix the race']} Fix the race\n"
    )
    assert len(sid) == 4 and {len(s) for s in objectives.values()} == {4}


def test_every_add_prints_the_id_it_made(repo: Path) -> None:
    ok(repo, "start", "W")
    kinds: list[tuple[tuple[str, ...], EntryKind, str, str]] = [
        (("objective", "add", "it"), "objective", "objective", "objectives"),
        (("decision", "add", "it", "--rationale", "why"), "decision", "decision", "decisions"),
        (("discovery", "add", "it"), "discovery", "discovery", "discoveries"),
        (("blocker", "add", "it"), "blocker", "blocker", "blockers"),
        (("next", "add", "it"), "next", "next step", "next"),
        (("source", "add", "https://example.com"), "source", "source", "sources"),
        (("note", "it"), "note", "note", "notes"),
    ]
    for args, kind, label, key in kinds:
        out = ok(repo, *args)
        (entry,) = as_json(repo, "show")[key]
        assert out == f"Added {label} {short_entry(repo, kind, entry['id'])}\n"
        assert len(out) == len(f"Added {label} xxxx\n")


def test_an_entry_reads_the_same_in_every_view_unique_among_its_kind(repo: Path) -> None:
    """A short id is unique among the entries of its kind, the set a command naming the kind
    resolves it in: the views read only the kinds they show, so a session's thousands of
    notes cost a status nothing. An objective next to a near-twin of its kind shows 7
    characters, in every view; a decision sharing its first 6 does not lengthen it."""
    ok(repo, "start", "W")
    ok(repo, "objective", "add", "Ship it")
    objective = as_json(repo, "objective", "list")[0]["id"]
    twin = objective[:6] + ("0" if objective[6] != "0" else "1") + objective[7:]
    add_with_id(repo, "objective", twin, "Ship the other")
    other = objective[:5] + ("0" if objective[5] != "0" else "1") + objective[6:]
    add_with_id(repo, "decision", other, "Use the lock")
    short = objective[:7]
    assert short_entry(repo, "objective", objective) == short
    assert short_entry(repo, "decision", other) == other[:4]
    assert f"- {short} Ship it" in ok(repo, "brief")
    assert f"{short} [open] Ship it\n" in ok(repo, "objective", "list")
    assert short in ok(repo, "status")
    assert short in ok(repo, "show")
    assert ok(repo, "objective", "done", short) == f"Objective {short} done: Ship it\n"
    assert ok(repo, "decision", "list").startswith(f"{other[:4]} ")


# --- old data, and merges -----------------------------------------------------------------


def test_old_ulid_entries_keep_working(repo: Path) -> None:
    ok(repo, "start", "Old")
    old = ["01hf7x3m0a8e2x9k4pq0rvn1ab", "01hf7x3m0a8e2x9k4pq0rvn1cd", "01hf7x3m0bzzzzzzzzzzzzzzzz"]
    for i, entry_id in enumerate(old):
        add_with_id(repo, "objective", entry_id, f"old {i}")
    assert [short_entry(repo, "objective", i) for i in old] == [
        "01hf7x3m0a8e2x9k4pq0rvn1a",
        "01hf7x3m0a8e2x9k4pq0rvn1c",
        "01hf7x3m0b",
    ]
    assert ok(repo, "objective", "done", "01hf7x3m0b") == "Objective 01hf7x3m0b done: old 2\n"
    err = fails(repo, "objective", "done", "01hf7x3m0a")
    assert err == (
        f"git-session: objective id prefix '01hf7x3m0a' is ambiguous\nhint: candidates: {old[0]}, {old[1]}\n"
    )
    assert ok(repo, "objective", "done", old[0]) == "Objective 01hf7x3m0a8e2x9k4pq0rvn1a done: old 0\n"


def test_a_prefix_never_names_another_entry_after_a_merge(tmp_path: Path) -> None:
    _, alice, bob = make_two_clones(tmp_path)
    ok(alice, "start", "Shared")
    ok(alice, "push")
    git(bob, "fetch", "-q", "origin", "refs/sessions/*:refs/sessions/*")
    sid = as_json(alice, "status")["id"]
    a_id = "k7qm" + new_id()[4:]
    b_id = "k7qm" + ("0" if a_id[4] != "0" else "1") + new_id()[5:]
    add_with_id(alice, "objective", a_id, "alice's")
    assert short_entry(alice, "objective", a_id) == "k7qm"
    ws = Workspace.open(str(bob))
    found = ws.find(sid)

    def build(handle: Handle, meta: Any) -> list[Draft]:
        return [Draft.add("objective", {"text": "bob's", "status": "open"}, agent=None, id=Ulid(b_id))]

    ws.store.append(found.handle.ref, build, ws.ident, "objective: bob's")
    ok(bob, "push")
    ok(alice, "pull")
    # "k7qm" named alice's objective; after the merge it names none: an error listing both
    err = fails(alice, "objective", "done", "k7qm")
    assert err == (
        f"git-session: objective id prefix 'k7qm' is ambiguous\nhint: candidates: {', '.join(sorted([a_id, b_id]))}\n"
    )
    assert short_entry(alice, "objective", a_id) == a_id[:5]
    assert ok(alice, "objective", "done", a_id[:5]) == f"Objective {a_id[:5]} done: alice's\n"


# --- time order is the journal's, never the ids' --------------------------------------------


def test_the_brief_picks_the_newest_decisions_by_time_not_by_id(repo: Path) -> None:
    ok(repo, "start", "W")
    # ids that sort backwards: the newer the decision, the smaller its id
    for i in range(24):
        add_with_id(repo, "decision", ID_ALPHABET[31 - i] + "0" * 25, f"decision {i}")
    lines = ok(repo, "brief").splitlines()
    start = lines.index("## Recent decisions")
    assert lines[start + 1 :] == [
        *[f"- decision {i}" for i in range(23, 13, -1)],
        "omitted: 14 decisions — git session show",
    ]
