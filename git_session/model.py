"""Value types: operations, entries and the materialized state of a session."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
PRIORITIES = ("high", "medium", "low")  # the one priority order, most urgent first
DEFAULT_PRIORITY = "medium"  # a next step's, when none was given


def stored_priority(entry: Entry) -> Any:
    """A next step's priority as stored, the default when none was: data written without
    git-session's checks may hold any JSON value there, which the JSON views pass on as it is."""
    return entry.values.get("priority", DEFAULT_PRIORITY)


def priority_of(entry: Entry) -> str:
    """A next step's priority as text (as the text views print it)."""
    return str(stored_priority(entry))


def priority_order(entry: Entry) -> tuple[int, Stamp]:
    """Where a next step goes: by priority, most urgent first (one unknown here counts as the
    default), then in the order they were added."""
    priority = priority_of(entry)
    return PRIORITIES.index(priority if priority in PRIORITIES else DEFAULT_PRIORITY), entry.added


def by_priority(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=priority_order)


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
