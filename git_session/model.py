"""Value types: operations, entries and the materialized state of a session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

FORMAT_VERSION = 1

SESSION_STATUSES = ("active", "paused", "handoff", "completed", "abandoned")
OPEN_STATUSES = ("active", "paused")
ENDED_STATUSES = ("handoff", "completed", "abandoned")

ENTRY_KINDS = (
    "objective",
    "decision",
    "discovery",
    "blocker",
    "next",
    "note",
    "source",
    "checkpoint",
    "commit",
    "handoff",  # the handoff document `end` rendered and stored (text, format, tip)
    "allow",  # a secret-scan finding acknowledged as no secret: its fingerprint (allowlist.py)
)
# The statuses an entry of each kind can take; the first is its initial one.
ENTRY_STATUSES: Mapping[str, tuple[str, ...]] = {
    "objective": ("open", "done", "dropped"),
    "blocker": ("open", "resolved"),
    "next": ("open", "done"),
}
PRIORITIES = ("high", "medium", "low")
# Session fields that a `set` operation may change (last writer wins).
SESSION_FIELDS = (
    "title",
    "branch",
    "status",
    "reason",
    "tldr",
    "current",
    "agent",
    "model",
    "base",
    "parent",
    "tasks",
)
ACTIONS = ("create", "set", "add", "update")


class Stamp(NamedTuple):
    """The order of operations: Lamport clock, then operation id."""

    clock: int
    op: str


@dataclass(frozen=True)
class Op:
    """One operation of a session's journal."""

    id: str
    clock: int
    at: int
    tz: str
    author: str
    action: str
    data: Mapping[str, Any]
    agent: str | None = None
    minor: bool = False

    @property
    def stamp(self) -> Stamp:
        return Stamp(self.clock, self.id)


@dataclass(frozen=True)
class Entry:
    """An objective, decision, blocker, … as it stands after every operation on it."""

    id: str
    kind: str
    created: int
    tz: str
    author: str
    agent: str | None
    values: Mapping[str, Any]
    stamps: Mapping[str, Stamp]
    added: Stamp  # the stamp of the operation that added it: entries sort by it

    @property
    def text(self) -> str:
        return str(self.values.get("text", ""))

    @property
    def status(self) -> str | None:
        status = self.values.get("status")
        return None if status is None else str(status)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class Meta:
    """A session's own fields plus counters kept up to date with every operation."""

    id: str
    created: int
    tz: str
    updated: int
    clock: int
    values: Mapping[str, Any]
    stamps: Mapping[str, Stamp]
    authors: tuple[str, ...] = ()
    counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.values.get(name)

    @property
    def title(self) -> str:
        return str(self.values.get("title") or "")

    @property
    def branch(self) -> str:
        return str(self.values.get("branch") or "")

    @property
    def status(self) -> str:
        return str(self.values.get("status") or "active")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def count(self, kind: str, status: str | None = None) -> int:
        by_status = self.counts.get(kind, {})
        return by_status.get(status or "all", 0) if status else sum(by_status.values())


@dataclass(frozen=True)
class SessionState:
    """Everything about one session: its fields and all of its entries."""

    meta: Meta
    entries: tuple[Entry, ...]

    def of_kind(self, kind: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind == kind)


# --- state changes ------------------------------------------------------------------
# The one statement of which status an entry or a session may move to, and from which.
# Workspace.transition applies it; the command line builds its commands from it.

SESSION = "session"  # the subject of the session's own state changes (entries': their kind)


@dataclass(frozen=True)
class Transition:
    """A state change of a subject (an entry kind, or ``SESSION``), named by its verb."""

    subject: str
    verb: str
    to: str  # the status it sets
    allowed_from: tuple[str, ...]  # the statuses it may be made from
    note_field: str | None = None  # the entry field a note on the change goes to (if it takes one)
    needs_reason: bool = False  # a session change that must say why


TRANSITIONS: tuple[Transition, ...] = (
    Transition("objective", "done", "done", ("open",)),
    Transition("objective", "reopen", "open", ("done", "dropped")),
    Transition("objective", "drop", "dropped", ("open",)),
    Transition("blocker", "resolve", "resolved", ("open",), note_field="resolution"),
    Transition("next", "done", "done", ("open",)),
    Transition(SESSION, "pause", "paused", ("active",)),
    Transition(SESSION, "resume", "active", ("paused", "active")),
    Transition(SESSION, "handoff", "handoff", OPEN_STATUSES),
    Transition(SESSION, "complete", "completed", OPEN_STATUSES),
    Transition(SESSION, "abandon", "abandoned", OPEN_STATUSES, needs_reason=True),
)


def transitions_of(subject: str) -> tuple[Transition, ...]:
    """The state changes of an entry kind (none for a kind without statuses) or of ``SESSION``."""
    return tuple(t for t in TRANSITIONS if t.subject == subject)


def transition(subject: str, verb: str) -> Transition:
    """The state change named ``verb`` of ``subject``; a ``KeyError`` for one the table has not."""
    for candidate in TRANSITIONS:
        if candidate.subject == subject and candidate.verb == verb:
            return candidate
    raise KeyError(f"{subject} {verb}")
