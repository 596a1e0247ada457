"""Plain data views of sessions: what ``--json`` prints, and what human output reads."""

from __future__ import annotations

from typing import TypedDict

from git_session.fold import live_entries
from git_session.model import DEFAULT_PRIORITY, Action, Entry, EntryKind, FieldValue, Meta, Op, SessionState
from git_session.plaintext import iso_time as plain_iso_time

# An entry's view: its keys depend on its kind (a decision's rationale, a commit's sha, …).
EntryView = dict[str, FieldValue]


class Progress(TypedDict):
    done: int
    total: int


class MetaView(TypedDict):
    id: str
    title: str
    branch: str
    status: str
    reason: FieldValue  # the session's fields as stored: a text, unless written otherwise
    created: str
    updated: str
    authors: list[str]
    agent: FieldValue
    model: FieldValue
    base: FieldValue
    parent: FieldValue
    tasks: list[str]
    tldr: FieldValue
    current: FieldValue
    compactions: int
    progress: Progress


class OpView(TypedDict):
    id: str
    clock: int
    at: str
    author: str
    agent: str | None
    action: Action
    kind: EntryKind | None
    entry: str | None
    fields: dict[str, FieldValue]
    minor: bool
    commit: str


def iso_time(epoch: int, tz: str = "+0000") -> str:
    """ISO 8601 in the writer's own offset, as git shows dates."""
    return plain_iso_time(epoch, tz)


def meta_view(meta: Meta) -> MetaView:
    return {
        "id": meta.id,
        "title": meta.title,
        "branch": meta.branch,
        "status": meta.status,
        "reason": meta.get("reason"),  # here and below: as stored, whatever it holds
        "created": iso_time(meta.created, meta.tz),
        "updated": iso_time(meta.updated, meta.tz),
        "authors": list(meta.authors),
        "agent": meta.get("agent"),
        "model": meta.get("model"),
        "base": meta.get("base"),
        "parent": meta.get("parent"),
        "tasks": meta.tasks,
        "tldr": meta.get("tldr") or "",
        "current": meta.get("current") or "",
        "compactions": meta.count("compaction"),
        "progress": {"done": meta.count("objective", "done"), "total": progress_total(meta)},
    }


def progress_total(meta: Meta) -> int:
    return meta.count("objective") - meta.count("objective", "dropped")


def entry_view(entry: Entry) -> EntryView:
    base: EntryView = {"id": entry.id, "text": entry.text}
    for name in ("status", "priority", "rationale", "resolution", "label", "commit", "snapshot"):
        if name in entry.values:
            base[name] = entry.values[name]
    stored = entry.values  # --json gives each field as stored, whatever it holds
    if entry.kind == "decision":
        base["rationale"] = stored.get("rationale") or ""
        base["alternatives"] = entry.alternatives
    if entry.kind == "blocker":
        base["resolution"] = stored.get("resolution")
    if entry.kind == "next":
        base["priority"] = stored.get("priority", DEFAULT_PRIORITY)
    if entry.kind == "commit":
        base["sha"] = stored.get("commit")
        base["subject"] = entry.text
    if entry.kind == "handoff":
        base["format"] = stored.get("format", "markdown")
        base["tip"] = stored.get("tip")
    if entry.private:
        base["private"] = True
    base.update(created=iso_time(entry.created, entry.tz), author=entry.author, agent=entry.agent)
    return base


_LISTS: dict[str, EntryKind] = {
    "objectives": "objective",
    "decisions": "decision",
    "blockers": "blocker",
    "discoveries": "discovery",
    "next": "next",
    "notes": "note",
    "sources": "source",
    "checkpoints": "checkpoint",
    "commits": "commit",
    "handoffs": "handoff",
}


def state_view(state: SessionState) -> dict[str, object]:
    """The session's view and a list of each kind of entry (a key per kind: a plain dict)."""
    view: dict[str, object] = {**meta_view(state.meta)}
    for key, kind in _LISTS.items():
        view[key] = [entry_view(e) for e in live_entries(state.of_kind(kind))]
    return view


def op_view(op: Op, commit: str) -> OpView:
    return {
        "id": op.id,
        "clock": op.clock,
        "at": iso_time(op.at, op.tz),
        "author": op.author,
        "agent": op.agent,
        "action": op.action,
        "kind": op.data.get("kind"),
        "entry": op.data.get("entry", op.id if op.action == "add" else None),
        "fields": dict(op.data.get("fields", {})),
        "minor": op.minor,
        "commit": commit,
    }
