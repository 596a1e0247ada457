"""`git session brief`: the most important first, within the budget, saying what it left out."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_session import brief
from git_session.gitrepo import Repo
from git_session.model import EntryKind, FieldValue, Meta
from git_session.names import BranchName
from git_session.sessions import Workspace, abbreviate
from git_session.store import Draft, Handle, Store
from tests.helpers import as_json, git, make_repo, ok, run

STAMP = "2023-11-14 22:13"
HEADINGS = [
    "## Open blockers",
    "## Open objectives",
    "## Next steps",
    "## Recent decisions",
    "## Recent discoveries",
    "## Decisions inherited from the parent session",
    "## Discoveries inherited from the parent session",
    "## Recent commits",
    "## Latest checkpoint",
]


def add(kind: EntryKind, text: str, **fields: FieldValue) -> Draft:
    if kind in ("objective", "blocker", "next"):
        fields.setdefault("status", "open")
    return Draft.add(kind, {"text": text, **fields})


def full_session(repo: Path) -> tuple[str, str]:
    """A session with something in every section, some of it closed; returns (id, HEAD)."""
    ok(repo, "start", "Fix the sweep race", "-o", "Reproduce the race", "-o", "Fix it", "-o", "Dropped one")
    ok(repo, "tldr", "Found the race in sweeper.go:245; fixing it.")
    ok(repo, "current", "Implement the mutex fix")
    state = as_json(repo, "status")
    objectives = {o["text"]: o["id"] for o in state["objectives"]}
    ok(repo, "objective", "done", objectives["Reproduce the race"])
    ok(repo, "objective", "drop", objectives["Dropped one"])
    ok(repo, "blocker", "add", "CI lacks libgit2")
    ok(repo, "blocker", "add", "Solved already")
    ok(repo, "blocker", "resolve", as_json(repo, "blocker", "list")[1]["id"])
    ok(repo, "next", "add", "Write docs", "--priority", "low")
    ok(repo, "next", "add", "Add the regression test", "--priority", "high")
    ok(repo, "decision", "add", "Lock before the check", "--rationale", "simplest", "--alternative", "atomics")
    ok(repo, "decision", "add", "Keep the old API")
    ok(repo, "discovery", "add", "Lock order: watcher before sweeper")
    head = git(repo, "rev-parse", "HEAD").strip()
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    ws = Workspace.open(str(repo))
    drafts = [
        add("commit", "Add a failing test", commit="a" * 40),
        add("commit", "Take the lock first", commit="b" * 40),
        add("checkpoint", "before refactor", label="before refactor", commit=head, snapshot=tree),
        add("checkpoint", "after refactor", label="after refactor", commit=head, snapshot=tree),
    ]
    found = ws.find(None)
    for draft in drafts:  # one commit each: "newest" is well defined

        def build(handle: Handle, meta: Meta, d: Draft = draft) -> list[Draft]:
            return [d]

        ws.store.append(found.handle.ref, build, ws.ident, "test")
    return state["id"], head


def short_ids(repo: Path, key: str) -> dict[str, str]:
    items = as_json(repo, "show")[key]
    ids = abbreviate([i["id"] for i in items])
    return {i["text"]: ids[i["id"]] for i in items}


def test_brief_shows_every_section_most_important_first(repo: Path) -> None:
    sid, head = full_session(repo)
    objectives, blockers, nexts = short_ids(repo, "objectives"), short_ids(repo, "blockers"), short_ids(repo, "next")
    checkpoint = short_ids(repo, "checkpoints")["after refactor"]
    assert ok(repo, "brief") == (
        f"# Session {sid[:4]}: Fix the sweep race (active, branch main, updated {STAMP})\n"
        "TL;DR: Found the race in sweeper.go:245; fixing it.\n"
        "Current step: Implement the mutex fix\n"
        "Progress: 1/2 objectives done\n"
        "## Open blockers\n"
        f"- {blockers['CI lacks libgit2']} CI lacks libgit2\n"
        "## Open objectives\n"
        f"- {objectives['Fix it']} Fix it\n"
        "## Next steps\n"
        f"- {nexts['Add the regression test']} [high] Add the regression test\n"
        f"- {nexts['Write docs']} [low] Write docs\n"
        "## Recent decisions\n"
        "- Keep the old API\n"
        "- Lock before the check — because simplest (alternatives: atomics)\n"
        "## Recent discoveries\n"
        "- Lock order: watcher before sweeper\n"
        "## Recent commits\n"
        "- bbbbbbb Take the lock first\n"
        "- aaaaaaa Add a failing test\n"
        "## Latest checkpoint\n"
        f"- {checkpoint} after refactor · {STAMP} · HEAD {head[:7]}\n"
        "omitted: 1 checkpoint — git session show\n"
    )


def test_a_small_budget_cuts_from_the_least_important_end(repo: Path) -> None:
    full_session(repo)
    whole = ok(repo, "brief")
    out = ok(repo, "brief", "--max-chars", "440")
    assert len(out) <= 440
    lines = out.splitlines()
    assert lines[-1] == "omitted: 2 decisions, 1 discovery, 2 commits, 2 checkpoints — git session show"
    kept = lines[:-1]
    assert kept[-1].startswith("- ")  # the last one kept (ids of 4 characters: it fits whole)
    assert whole.startswith("\n".join(kept[:-1]) + "\n")  # everything before it as in the whole brief


def test_budget_is_exact_and_counts_newlines(repo: Path) -> None:
    full_session(repo)
    for max_chars in [40, 41, 60, 99, 100, 101, 250, 555, 1000]:
        out = ok(repo, "brief", "--max-chars", str(max_chars))
        assert len(out) <= max_chars, (max_chars, out)
        assert out.endswith("\n")


def test_brief_json(repo: Path) -> None:
    sid, head = full_session(repo)
    view = as_json(repo, "brief", "--max-chars", "469")
    assert view["text"] == ok(repo, "brief", "--max-chars", "469")
    assert (view["chars"], view["max_chars"]) == (len(view["text"]), 469)
    assert view["omitted"] == {"decisions": 2, "discoveries": 1, "commits": 2, "checkpoints": 2}
    assert view["session"] == {"id": sid, "short_id": sid[:4], "title": "Fix the sweep race", "branch": "main"}
    assert (view["status"], view["tldr"]) == ("active", "Found the race in sweeper.go:245; fixing it.")
    assert (view["current"], view["progress"]) == ("Implement the mutex fix", {"done": 1, "total": 2})
    assert [b["text"] for b in view["blockers"]] == ["CI lacks libgit2"]
    assert [o["text"] for o in view["objectives"]] == ["Fix it"]
    assert [(n["text"], n["priority"]) for n in view["next"]] == [
        ("Add the regression test", "high"),
        ("Write docs", "low"),
    ]
    assert (view["decisions"], view["commits"], view["checkpoint"]) == ([], [], None)
    whole = as_json(repo, "brief")
    assert [c["sha"] for c in whole["commits"]] == ["b" * 40, "a" * 40]
    assert (whole["checkpoint"]["label"], whole["checkpoint"]["commit"]) == ("after refactor", head)
    assert whole["omitted"] == {"checkpoints": 1}


def test_agent_is_named_in_the_header_and_other_sessions_by_option(repo: Path) -> None:
    ok(repo, "start", "W")
    sid = as_json(repo, "status")["id"]
    git(repo, "switch", "-q", "-c", "elsewhere")
    out = ok(repo, "brief", "--session", sid[:10], "--agent", "claude")
    assert out == (
        f"# Session {sid[:4]}: W (active, branch main, updated {STAMP}) — brief for claude\n"
        "Progress: 0/0 objectives done\n"
    )


def test_too_small_a_budget_is_a_usage_error(repo: Path) -> None:
    ok(repo, "start", "W")
    result = run(repo, "brief", "--max-chars", "39")
    assert result.exit_code == 2
    assert result.stderr == (
        "git-session: Invalid value for '--max-chars': 39 is not in the range x>=40.\n"
        "hint: see: cli brief --help\n"  # in-process the program is called "cli"
    )


def test_hostile_texts_are_made_safe(repo: Path) -> None:
    ok(repo, "start", "W\x1b[31mred")
    ok(repo, "tldr", "line one\nline two\x07\u202e")
    out = ok(repo, "brief")
    assert out.splitlines()[:2] == [
        f"# Session {as_json(repo, 'status')['id'][:4]}: W\\x1b[31mred (active, branch main, updated {STAMP})",
        "TL;DR: line one\\nline two\\x07\\u202e",
    ]


def test_resume_shows_the_brief(repo: Path) -> None:
    sid, _ = full_session(repo)
    ok(repo, "pause")
    out = ok(repo, "resume")
    assert out == f"Resumed session {sid[:4]}\n" + ok(repo, "brief")


# --- any session, any budget ----------------------------------------------------------

_TEXT = st.one_of(
    st.text(min_size=1, max_size=30),
    st.text(alphabet=st.sampled_from("ab \n\t\x00\x1b\x7f\u202eé漢"), min_size=1, max_size=200),
    st.integers(min_value=500, max_value=5000).map(lambda n: "long " * (n // 5)),
)
_COUNTS = st.integers(min_value=0, max_value=25)
_counter = itertools.count()
TREE = "0" * 40  # replaced by the test repository's root tree: snapshots must be trees there


@st.composite
def sessions(draw: st.DrawFn) -> list[Draft]:
    drafts = []
    for kind in ("objective", "decision", "blocker", "next", "note", "commit", "checkpoint", "discovery"):
        for _ in range(draw(_COUNTS)):
            fields: dict[str, Any] = {}
            if kind == "next":
                fields["priority"] = draw(st.sampled_from(["high", "medium", "low"]))
            if kind == "decision" and draw(st.booleans()):
                fields |= {"rationale": draw(_TEXT), "alternatives": draw(st.lists(_TEXT, max_size=3))}
            if kind == "commit":
                fields["commit"] = draw(st.sampled_from(["0123456789abcdef" * 2 + "01234567", "x\x1b"]))
            if kind == "checkpoint":
                fields |= {"label": draw(_TEXT), "commit": "f" * 40, "snapshot": TREE}
            if kind in ("objective", "blocker", "next"):
                fields["status"] = draw(st.sampled_from(["open", "open", "done" if kind != "blocker" else "resolved"]))
            drafts.append(add(kind, draw(_TEXT), **fields))
    return drafts


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entries=sessions(),
    title=_TEXT,
    tldr=st.one_of(st.none(), _TEXT),
    current=st.one_of(st.none(), _TEXT),
    max_chars=st.integers(min_value=40, max_value=6000),
)
def test_brief_never_exceeds_the_budget(
    repo: Path, entries: list[Draft], title: str, tldr: str | None, current: str | None, max_chars: int
) -> None:
    store = Store(Repo.discover(str(repo)))
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    entries = [_with_tree(d, tree) for d in entries]
    handle = _session(store, title, tldr, current, entries)
    meta = store.meta(handle)
    result = brief.build(store, handle, meta, handle.id[:8], max_chars)
    text = result.text
    assert len(text) <= max_chars
    assert text.endswith("\n")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", text), text  # only newlines and tabs are raw
    lines = text.splitlines()
    assert lines[0].startswith("# Session ")
    _assert_ordered(lines)
    if max_chars < 60:  # below that, the text may be just its beginning, cut to the budget
        return
    # What resumes work is cut last: the progress, then the current step (whole, up to 314
    # characters), then the TL;DR.
    assert max_chars < 80 or any(line.startswith("Progress: ") for line in lines)
    if current is not None and current.strip():
        assert max_chars < 110 or any(line.startswith("Current step: ") for line in lines)
    if tldr is not None and tldr.strip():
        assert max_chars < 420 or lines[1].startswith("TL;DR: ")
    if result.omitted:
        assert lines[-1].startswith("omitted: ")
    full = brief.build(store, handle, meta, handle.id[:8], 10**7)
    for key, count in result.omitted.items():  # what is omitted is what the full brief shows more of
        shown = len(full.shown[key]) - len(result.shown[key])
        assert count == shown + full.omitted.get(key, 0)


def _with_tree(draft: Draft, tree: str) -> Draft:
    fields = draft.data["fields"]
    if fields.get("snapshot") != TREE:
        return draft
    return Draft.add(draft.data["kind"], {**fields, "snapshot": tree})


def _session(store: Store, title: str, tldr: str | None, current: str | None, entries: list[Draft]) -> Handle:
    fields = {"title": title, "branch": "main", "status": "active", "tldr": tldr, "current": current}
    create = Draft.create({k: v for k, v in fields.items() if v is not None})
    return store.create(BranchName(f"prop/{next(_counter)}"), [create, *entries], store.repo.ident(), "test")


def _assert_ordered(lines: list[str]) -> None:
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [h for h in HEADINGS if h in headings]
    indices = [next((i for i, line in enumerate(lines) if line.startswith(p)), None) for p in ("Current", "Progress")]
    first_heading = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
    assert all(i is None or i < first_heading for i in indices)


@pytest.mark.slow
def test_a_long_session_shows_its_recent_decisions(tmp_path: Path) -> None:
    """Done objectives are not listed; decisions beyond the ten most recent are counted as omitted."""
    repo = make_repo(tmp_path, "big")
    store = Store(Repo.discover(str(repo)))
    drafts = [add("objective", f"objective {i}", status="done") for i in range(400)]
    drafts += [add("decision", f"decision {i}") for i in range(400)]
    handle = _session(store, "Big", "All of it", None, drafts)
    result = brief.build(store, handle, store.meta(handle), "x", 4000)
    assert result.omitted == {"decisions": 390}
    assert result.text.endswith("omitted: 390 decisions — git session show\n")
