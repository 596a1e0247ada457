"""export then import is lossless: a property over random sessions (issue 17, point 2).

The sessions are folded from random operations (no repository: many cases, fast); the
store path is checked end to end by a few of them imported into a repository."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_session import importing, sessionfile
from git_session.fold import fold
from git_session.model import FieldValue, Op, OpData, SessionState
from git_session.sessionfile import IMPORTED, PROVENANCE, When
from git_session.sessions import Workspace
from git_session.store import new_id
from tests.helpers import make_repo

TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\0"), max_size=40)
# Texts a person writes: markdown syntax of every kind, markers this reader takes for syntax.
TRICKY = st.sampled_from(
    [
        "- [ ] not a box", "[x] done?", "## heading", "### sub", "Decision: x", "Observation: y", "None",
        "none currently", "step <- CURRENT", "at (2025-01-15T10:30)", "(2025-01-15) first", '"quoted"',
        "42", "true", "null", "**bold** (2025-01-01T00:00): z", " padded ", "two\nlines", "a\r\nb", "",
        "1. numbered", "* star", "> quote", "`code`", "ünïcödé ✓ 日本", "tab\there", "---", "<!-- x -->",
    ]
)  # fmt: skip
WORDS = st.one_of(TEXT, TRICKY)
LINE = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12)
TZ = st.sampled_from(["+0000", "+0200", "-0530", "+1345"])
TIME = st.integers(min_value=0, max_value=4_000_000_000)
# (A file's text before its first section, heading "", is one note: fixtures test it.)
UNKNOWN_SECTIONS = st.sampled_from(["Context", "Technical Context", "Deliverables", "Blockers"])


@st.composite
def sessions(draw: st.DrawFn) -> SessionState:
    clock = [0]

    def op(action: str, data: Any, at: int | None = None, tz: str | None = None, id: str = "") -> Op:
        clock[0] += 1
        when = draw(TIME) if at is None else at
        return Op(id or new_id(), clock[0], when, tz or draw(TZ), "A <a@x>", action, data)  # type: ignore[arg-type]

    fields: dict[str, FieldValue] = {"title": draw(WORDS), "status": draw(st.sampled_from(["active", "completed"]))}
    fields["branch"] = draw(LINE)
    for name in ("tldr", "current", "agent", "model", "reason"):
        if draw(st.booleans()):
            fields[name] = draw(WORDS)
    if draw(st.booleans()):
        fields["tasks"] = draw(st.lists(LINE, unique=True, min_size=1, max_size=3))
    ops = [op("create", {"fields": fields})]
    for _ in range(draw(st.integers(0, 12))):
        ops.append(op("add", _entry(draw)))
    added = [o for o in ops if o.action == "add"]
    for target in draw(st.lists(st.sampled_from(added), max_size=3)) if added else []:
        kind = target.data["kind"]
        change = {"objective": "done", "next": "done", "blocker": "resolved"}.get(kind)
        if change:
            ops.append(op("update", {"kind": kind, "entry": target.id, "fields": {"status": change}}))
    if draw(st.booleans()) and added:  # the current step is an open objective's text
        objective = next((o for o in added if o.data["kind"] == "objective"), None)
        if objective is not None:
            ops.append(op("set", {"fields": {"current": objective.data["fields"]["text"]}}))
    return fold(ops)


def _entry(draw: st.DrawFn) -> OpData:
    kind = draw(st.sampled_from(sessionfile.EXPORTED_KINDS))
    fields: dict[str, FieldValue] = {"text": draw(WORDS)}
    if kind in ("objective", "next", "blocker"):
        fields["status"] = "open"
    if kind == "objective" and draw(st.booleans()):
        fields["group"] = draw(st.sampled_from(["Wave 1: setup", "Wave 2", "Stretch"]))
    if kind == "next" and draw(st.booleans()):
        fields["priority"] = draw(st.sampled_from(["high", "medium", "low"]))
    if kind == "decision":
        if draw(st.booleans()):
            fields["rationale"] = draw(WORDS)
        if draw(st.booleans()):
            fields["alternatives"] = draw(st.lists(WORDS, min_size=1, max_size=3))
        if draw(st.booleans()):
            fields["choice"] = draw(WORDS)
    if kind == "blocker" and draw(st.booleans()):
        fields["resolution"] = draw(WORDS)
    if kind == "note" and draw(st.booleans()):
        if draw(st.booleans()):
            fields[sessionfile.SECTION] = draw(UNKNOWN_SECTIONS)
        else:
            fields[sessionfile.LOG_TITLE] = draw(LINE)
    if kind == "discovery" and draw(st.booleans()):
        fields["evidence"] = draw(WORDS)
    prose = sessionfile.SECTION in fields or sessionfile.LOG_TITLE in fields  # an import keeps only its text
    if not prose and draw(st.booleans()):
        fields["custom_field"] = draw(st.one_of(WORDS, st.integers(-5, 5), st.booleans(), st.lists(LINE, max_size=2)))
    return OpData(kind=kind, fields=fields)


def _values(values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in (IMPORTED, PROVENANCE) and v not in (None, "", [])}


def _shape(state: SessionState) -> tuple[Any, ...]:
    """What a round trip must keep: the session's fields, times and entries (as a multiset:
    an export lists an entry by its section, an import adds it in the file's order)."""
    meta = state.meta
    entries = Counter(
        (e.kind, repr(sorted(_values(e.values).items())), e.created, e.tz)
        for e in state.entries
        if PROVENANCE not in e.values and e.kind in sessionfile.EXPORTED_KINDS
    )
    return meta.id, _values(meta.values), meta.created, meta.tz, meta.updated, entries


def _parsed_shape(parsed: sessionfile.SessionFile, state: SessionState) -> tuple[Any, ...]:
    created = parsed.created or When(0)
    updated = parsed.updated or created
    entries = Counter(
        (i.kind, repr(sorted(_values(i.fields).items())), parsed.when(i).at, parsed.when(i).tz) for i in parsed.items
    )
    return parsed.identity, _values(parsed.fields), created.at, created.tz, updated.at, entries


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions(), st.sampled_from(sessionfile.EXPORT_FORMATS))
def test_export_reads_back_to_the_same_session(state: SessionState, fmt: str) -> None:
    text = sessionfile.render(state, fmt)
    assert sessionfile.detect(text) == fmt
    text = sessionfile.decode(text.encode("utf-8"))  # as a file is read: every line ending made "\n"
    parsed = sessionfile.parse(text, fmt, When(0))
    assert _parsed_shape(parsed, state) == _shape(state), text


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sessions())
def test_export_imported_into_another_repository_is_the_same_session(tmp_path: Path, state: SessionState) -> None:
    """Through the store: the file imported gives the same state, and importing it again, or
    importing its own export, writes nothing new."""
    repo = make_repo(tmp_path, new_id())
    path = repo / "session.md"
    ws = Workspace.open(str(repo))
    state = _with_branch(state)
    path.write_text(sessionfile.render(state, "md"), encoding="utf-8")
    first = importing.import_file(ws, str(path))
    imported = ws.store.state(ws.store.handles()[0])
    assert _shape(imported) == _shape(state)
    assert importing.import_file(ws, str(path)).outcome == "unchanged"
    path.write_text(importing.export(imported, "md"), encoding="utf-8")
    again = importing.import_file(ws, str(path))
    assert (first.outcome, again.added, again.changed) == ("created", 0, 0)
    assert _shape(ws.store.state(ws.store.handles()[0])) == _shape(state)


@pytest.mark.parametrize("title", ["0\r0", "a\rb\r", "x\r\ny"])
def test_a_title_with_a_carriage_return_is_imported_as_written(tmp_path: Path, title: str) -> None:
    """A file's lone "\r" ends a line when it is read: a title holding one is written quoted,
    or its second half came back as a note of the preamble (found by the property below)."""
    repo = make_repo(tmp_path, new_id())
    path = repo / "session.md"
    ws = Workspace.open(str(repo))
    state = _with_branch(fold([Op(new_id(), 1, 0, "+0000", "A <a@x>", "create", {"fields": {"title": title}})]))
    path.write_text(sessionfile.render(state, "md"), encoding="utf-8")
    importing.import_file(ws, str(path))
    imported = ws.store.state(ws.store.handles()[0])
    assert imported.meta.values["title"] == title
    assert _shape(imported) == _shape(state)  # no note made of the title's second line


def _with_branch(state: SessionState) -> SessionState:
    """The session on a branch git takes (the store files a session under its branch)."""
    import dataclasses

    values = {**state.meta.values, "branch": "feature/x"}
    return dataclasses.replace(state, meta=dataclasses.replace(state.meta, values=values))
