"""Why a commit was made: the session it belongs to, its objectives and decisions, in words.

Three sources, read defensively (a note or a trailer may come from anywhere: a pull, a
hand-edited note, a forged message): the commit's lines in ``refs/notes/sessions`` (the
state of the session when it was made), its ``Session-Id`` trailer (the key configured by
``session.trailer.id``), and the ``commit`` entries of the sessions' journals. A session
named only by the trailer or the journal is still shown, without the objectives and
decisions a note would have recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from git_session import notes, trailers
from git_session.errors import DataError, UserError
from git_session.model import EntryKind, Meta
from git_session.names import ObjectId
from git_session.plaintext import clip, quoted, safe
from git_session.sessions import Workspace, abbreviate
from git_session.store import Handle

MAX_ITEMS = 200  # per list of a note: a forged note never floods the terminal
MAX_ID = 64  # a session id longer than this is not one


@dataclass(frozen=True)
class Item:
    """An objective or decision as the note recorded it."""

    id: str
    text: str
    status: str  # an objective's "open"/"done"; "" for a decision
    rationale: str = ""


@dataclass
class Linked:
    """One session a commit is linked to."""

    session_id: str
    sources: list[str] = field(default_factory=list)  # "note", "trailer", "journal"
    branch: str = ""
    objectives: list[Item] = field(default_factory=list)
    decisions: list[Item] = field(default_factory=list)
    meta: Meta | None = None  # None: the session is not in this repository
    short_id: str = ""
    abbrev: dict[str, str] = field(default_factory=dict)  # entry id -> its shortest unique prefix


@dataclass(frozen=True)
class Explanation:
    commit: ObjectId
    subject: str
    sessions: tuple[Linked, ...]
    problems: tuple[str, ...]
    trailer_key: str = "Session-Id"


def explain(ws: Workspace, revision: str) -> Explanation:
    """What links the commit ``revision`` names to sessions (raises ``UserError`` when it names none)."""
    repo = ws.repo
    commit = repo.resolve_commit(revision)
    info = repo.commit(commit)
    problems: list[str] = []
    linked: dict[str, Linked] = {}

    def get(session_id: str, source: str) -> Linked:
        entry = linked.setdefault(session_id, Linked(session_id))
        if source not in entry.sources:
            entry.sources.append(source)
        return entry

    try:
        lines = notes.read_note(repo, commit, problems)
    except (DataError, UserError) as exc:
        problems.append(f"the session notes cannot be read: {exc.message}")
        lines = []
    for line in lines:
        session_id = _session_id(line.get("session"))
        if session_id is None:
            problems.append(f"a line of the note on {commit[:12]} names no session")
            continue
        entry = get(session_id, "note")
        entry.branch = entry.branch or _text(line.get("branch"))
        _merge(entry.objectives, _items(line.get("objectives"), objective=True))
        _merge(entry.decisions, _items(line.get("decisions"), objective=False))

    trailer_key = trailers.keys(repo)[0]
    for session_id in _trailer_ids(info.message, trailer_key):
        get(session_id, "trailer")

    handles: dict[str, Handle] = {str(h.id): h for h in ws.store.handles()}
    for handle in handles.values():
        if _journal_links(ws, handle, commit, problems):
            get(handle.id, "journal")

    for entry in linked.values():
        _describe(ws, entry, handles.get(entry.session_id), problems)
    subject = info.message.split("\n", 1)[0]
    return Explanation(commit, subject, tuple(linked.values()), tuple(problems), trailer_key)


def _describe(ws: Workspace, entry: Linked, handle: Handle | None, problems: list[str]) -> None:
    """The session's title, status and short ids, when it is here and readable; the entry
    ids abbreviated among the session's own (among the note's when it is not here)."""
    known: dict[EntryKind, list[str]] = {"objective": [], "decision": []}
    if handle is not None:
        try:
            entry.meta = ws.store.meta(handle)
            known = {kind: ws.store.entry_ids(handle, kind, private=True) for kind in known}
        except (DataError, UserError) as exc:
            entry.meta = None
            problems.append(f"session {ws.short_session_id(entry.session_id)} cannot be read: {exc.message}")
    if entry.meta is not None:
        entry.short_id = ws.short_session_id(entry.session_id)
        entry.branch = entry.branch or entry.meta.branch
    pairs: tuple[tuple[EntryKind, list[Item]], ...] = (("objective", entry.objectives), ("decision", entry.decisions))
    for kind, items in pairs:
        ids = [i.id for i in items if i.id]
        entry.abbrev.update(abbreviate([*known[kind], *ids], only=ids))


def _journal_links(ws: Workspace, handle: Handle, commit: ObjectId, problems: list[str]) -> bool:
    try:
        return any(e.commit == commit for e in ws.store.entries(handle, "commit"))
    except (DataError, UserError) as exc:
        problems.append(f"the journal of session {ws.short_session_id(handle.id)} cannot be read: {exc.message}")
        return False


def _session_id(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    if not value or len(value) > MAX_ID or not value.isalnum() or not value.isascii():
        return None
    return value


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _items(value: object, objective: bool) -> list[Item]:
    if not isinstance(value, list):
        return []
    items = []
    for raw in value[:MAX_ITEMS]:
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            continue
        status = _text(raw.get("status")) if objective else ""
        items.append(Item(_text(raw.get("id")), raw["text"], status, _text(raw.get("rationale"))))
    return items


def _merge(into: list[Item], new: Iterable[Item]) -> None:
    """Add items not there yet (an amended commit's note has two lines of one session)."""
    for item in new:
        same = next((i for i, old in enumerate(into) if old.id == item.id and old.text == item.text), None)
        if same is None:
            into.append(item)
        elif item.status == "done":
            into[same] = item  # the later line of an amend: done wins over open


def _trailer_ids(message: str, key: str) -> list[str]:
    """The session ids the message's last paragraph gives under ``key`` (as git finds trailers)."""
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return []
    found = []
    for line in paragraphs[-1].splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == key.lower():
            session_id = _session_id(value)
            if session_id is not None and session_id not in found:
                found.append(session_id)
    return found


# --- output ------------------------------------------------------------------------------


def text(explanation: Explanation) -> str:
    """The explanation in words; one line when the commit is linked to no session."""
    short = explanation.commit[:12]
    if not explanation.sessions:
        return f"Commit {short} is not linked to any session\n"
    lines = [f"Commit {short} {quoted(explanation.subject)}"]
    for entry in explanation.sessions:
        lines.append("")
        if entry.meta is None:
            lines.append(f"Made in session {entry.session_id} (not in this repository)")
        else:
            lines.append(
                f"Made in session {entry.short_id} {quoted(entry.meta.title)} ({entry.meta.status}) "
                f"on branch {safe(entry.branch)}"
            )
        words = {**_SOURCE_WORDS, "trailer": f"its {safe(explanation.trailer_key)} trailer"}
        lines.append(f"  linked by: {', '.join(words[s] for s in entry.sources)}")
        if "note" not in entry.sources:
            lines.append("  no note records the session's objectives and decisions for this commit")
            continue
        done = [o for o in entry.objectives if o.status == "done"]
        advanced = [o for o in entry.objectives if o.status != "done"]
        lines += _section("Objectives completed by it:", done, entry.abbrev)
        lines += _section("Objectives it worked towards:", advanced, entry.abbrev)
        lines += _section("Decisions taken since the previous commit:", entry.decisions, entry.abbrev)
        if not entry.objectives and not entry.decisions:
            lines.append("  no objectives or decisions were recorded")
    return "\n".join(lines) + "\n"


_SOURCE_WORDS = {"note": "its note", "journal": "the session's journal"}


def _section(title: str, items: Sequence[Item], abbrev: Mapping[str, str]) -> list[str]:
    if not items:
        return []
    lines = [f"  {title}"]
    for item in items:
        line = f"    {safe(abbrev.get(item.id, item.id[:12])) + ' ' if item.id else ''}{clip(item.text)}"
        if item.rationale.strip():
            line += f" (why: {clip(item.rationale)})"
        lines.append(line)
    return lines


def view(explanation: Explanation) -> dict[str, Any]:
    """The explanation as JSON (``sessions`` empty when the commit is linked to none)."""
    return {
        "commit": explanation.commit,
        "subject": explanation.subject,
        "sessions": [_session_view(entry) for entry in explanation.sessions],
    }


def _session_view(entry: Linked) -> dict[str, Any]:
    meta: Mapping[str, Any] | None = None
    if entry.meta is not None:
        meta = {"title": entry.meta.title, "status": entry.meta.status, "short_id": entry.short_id}
    return {
        "id": entry.session_id,
        "known": entry.meta is not None,
        **(dict(meta) if meta else {"title": None, "status": None, "short_id": None}),
        "branch": entry.branch or None,
        "linked_by": list(entry.sources),
        "objectives": [
            {"id": o.id, "short_id": entry.abbrev.get(o.id), "text": o.text, "status": o.status}
            for o in entry.objectives
        ],
        "decisions": [
            {"id": d.id, "short_id": entry.abbrev.get(d.id), "text": d.text, "rationale": d.rationale}
            for d in entry.decisions
        ],
    }
