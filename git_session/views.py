"""Plain data views of sessions: what ``--json`` prints, and what human output reads."""

from __future__ import annotations

from typing import Any

from git_session.fold import live_entries
from git_session.model import Entry, Meta, Op, SessionState, stored_priority
from git_session.plaintext import local_time


def iso_time(epoch: int, tz: str = "+0000") -> str:
    """ISO 8601 in the writer's own offset, as git shows dates."""
    return local_time(epoch, tz).isoformat()


def meta_view(meta: Meta) -> dict[str, Any]:
    return {
        "id": meta.id,
        "title": meta.title,
        "branch": meta.branch,
        "status": meta.status,
        "reason": meta.get("reason"),
        "created": iso_time(meta.created, meta.tz),
        "updated": iso_time(meta.updated, meta.tz),
        "authors": list(meta.authors),
        "agent": meta.get("agent"),
        "model": meta.get("model"),
        "base": meta.get("base"),
        "parent": meta.get("parent"),
        "tasks": list(meta.get("tasks") or []),
        "tldr": meta.get("tldr") or "",
        "current": meta.get("current") or "",
        "compactions": meta.count("compaction"),
        "progress": {"done": meta.count("objective", "done"), "total": progress_total(meta)},
    }


def progress_total(meta: Meta) -> int:
    return meta.count("objective") - meta.count("objective", "dropped")


def entry_view(entry: Entry) -> dict[str, Any]:
    base: dict[str, Any] = {"id": entry.id, "text": entry.text}
    for name in ("status", "priority", "rationale", "resolution", "label", "commit", "snapshot"):
        if name in entry.values:
            base[name] = entry.values[name]
    if entry.kind == "decision":
        base["rationale"] = entry.values.get("rationale") or ""
        base["alternatives"] = list(entry.values.get("alternatives") or [])
    if entry.kind == "blocker":
        base["resolution"] = entry.values.get("resolution")
    if entry.kind == "next":
        base["priority"] = stored_priority(entry)
    if entry.kind == "commit":
        base["sha"] = entry.values.get("commit")
        base["subject"] = entry.text
    if entry.kind == "handoff":
        base["format"] = entry.values.get("format", "markdown")
        base["tip"] = entry.values.get("tip")
    if entry.values.get("private"):
        base["private"] = True
    base.update(created=iso_time(entry.created, entry.tz), author=entry.author, agent=entry.agent)
    return base


_LISTS = {
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


def state_view(state: SessionState) -> dict[str, Any]:
    view = meta_view(state.meta)
    for key, kind in _LISTS.items():
        view[key] = [entry_view(e) for e in live_entries(state.of_kind(kind))]
    return view


def op_view(op: Op, commit: str) -> dict[str, Any]:
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
