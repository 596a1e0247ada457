"""Value types: operations, entries and the materialized state of a session."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, TypedDict, get_args

FORMAT_VERSION = 1

SessionStatus = Literal["active", "paused", "handoff", "completed", "abandoned"]
SESSION_STATUSES: tuple[SessionStatus, ...] = get_args(SessionStatus)
OPEN_STATUSES: tuple[SessionStatus, ...] = ("active", "paused")
ENDED_STATUSES: tuple[SessionStatus, ...] = ("handoff", "completed", "abandoned")

EntryKind = Literal[
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
]
ENTRY_KINDS: tuple[EntryKind, ...] = get_args(EntryKind)
EntryStatus = Literal["open", "done", "dropped", "resolved"]
# The statuses an entry of each kind can take; the first is its initial one.
ENTRY_STATUSES: Mapping[EntryKind, tuple[EntryStatus, ...]] = {
    "objective": ("open", "done", "dropped"),
    "blocker": ("open", "resolved"),
    "next": ("open", "done"),
}
# The kinds a person or an agent records, each with the fields it takes beside its text (the
# other kinds are written by the commands that make them: checkpoint, commit, handoff, allow).
# The command line names its options after these fields; the MCP server builds its schema from them.
RECORDED_KINDS: Mapping[EntryKind, tuple[str, ...]] = {
    "objective": (),
    "decision": ("rationale", "alternatives"),
    "blocker": (),
    "discovery": (),
    "next": ("priority",),
    "note": (),
    "source": (),
}
Priority = Literal["high", "medium", "low"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)  # the one priority order, most urgent first
DEFAULT_PRIORITY: Priority = "medium"  # a next step's, when none was given


def priority_order(entry: Entry) -> tuple[int, Stamp]:
    """Where a next step goes: by priority, most urgent first (one unknown here counts as the
    default), then in the order they were added."""
    priority = entry.priority
    return PRIORITIES.index(priority if priority in PRIORITIES else DEFAULT_PRIORITY), entry.added


def by_priority(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=priority_order)


# Session fields that a `set` operation may change (last writer wins).
SessionField = Literal[
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
]
SESSION_FIELDS: tuple[SessionField, ...] = get_args(SessionField)
Action = Literal["create", "set", "add", "update"]
ACTIONS: tuple[Action, ...] = get_args(Action)

# What a field of a session or an entry may hold (codec.py checks every stored one).
FieldValue = str | int | bool | list[str] | None
Fields = Mapping[str, FieldValue]


class _OpFields(TypedDict):
    fields: Fields


class OpData(_OpFields, total=False):
    """An operation's data: ``fields`` always; ``kind`` for ``add`` and ``update``, which also
    names its ``entry``. (Built by ``store.Draft``'s constructors; codec.py checks what is read.)"""

    kind: EntryKind
    entry: str


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
    action: Action
    data: OpData
    agent: str | None = None
    minor: bool = False

    @property
    def stamp(self) -> Stamp:
        return Stamp(self.clock, self.id)


@dataclass(frozen=True)
class Entry:
    """An objective, decision, blocker, … as it stands after every operation on it.

    Its fields are read through the properties below; ``values`` holds them all, as stored."""

    id: str
    kind: EntryKind
    created: int
    tz: str
    author: str
    agent: str | None
    values: Fields
    stamps: Mapping[str, Stamp]
    added: Stamp  # the stamp of the operation that added it: entries sort by it

    @property
    def text(self) -> str:
        return str(self.values.get("text", ""))

    @property
    def status(self) -> str | None:
        return self._optional("status")

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def priority(self) -> str:
        """A next step's priority (the default unless given), as stored: one this version does
        not know (a newer version's, read from a remote) is shown, not taken for the default."""
        return str(self.values.get("priority", DEFAULT_PRIORITY))

    @property
    def rationale(self) -> str:
        """Why a decision was taken ("" when not said)."""
        return str(self.values.get("rationale") or "")

    @property
    def alternatives(self) -> list[str]:
        """The options a decision set aside."""
        return _items(self.values.get("alternatives"))

    @property
    def resolution(self) -> str | None:
        """How a blocker was resolved."""
        return self._optional("resolution")

    @property
    def commit(self) -> str | None:
        """The commit a commit entry links, or that a checkpoint was taken at."""
        return self._optional("commit")

    @property
    def rewritten(self) -> str | None:
        """The commit a linked commit was rewritten into (an amend, a rebase): set, the
        entry no longer stands for a live commit."""
        return self._optional("rewritten")

    @property
    def label(self) -> str | None:
        """A checkpoint's label."""
        return self._optional("label")

    @property
    def snapshot(self) -> str | None:
        """The tree of a checkpoint's working-tree snapshot."""
        return self._optional("snapshot")

    @property
    def format(self) -> str:
        """The format of a stored handoff document."""
        return str(self.values.get("format", "markdown"))

    @property
    def tip(self) -> str | None:
        """The branch tip a stored handoff document was written at."""
        return self._optional("tip")

    @property
    def private(self) -> bool:
        """Kept in the session's private layer, never pushed."""
        return bool(self.values.get("private"))

    def _optional(self, name: str) -> str | None:
        return _text(self.values.get(name))


def _text(value: FieldValue) -> str | None:
    """A field read as a text, as the string lookups read it: ``None`` when not set, ""
    when false (``False``, ``0``, ``[]`` are shown as nothing), else its ``str()``."""
    if value is None:
        return None
    return str(value) if value else ""


def _items(value: FieldValue) -> list[str]:
    """A field read as a list, as the string lookups read it (a text is its characters);
    nothing when it cannot be read as one (a number, ``True``)."""
    return [str(item) for item in value] if isinstance(value, (list, str)) else []


@dataclass(frozen=True)
class Meta:
    """A session's own fields plus counters kept up to date with every operation."""

    id: str
    created: int
    tz: str
    updated: int
    clock: int
    values: Fields
    stamps: Mapping[str, Stamp]
    authors: tuple[str, ...] = ()
    counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def get(self, name: str) -> FieldValue:
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

    @property
    def tldr(self) -> str:
        return str(self.values.get("tldr") or "")

    @property
    def current(self) -> str:
        """What the session is working on right now."""
        return str(self.values.get("current") or "")

    @property
    def agent(self) -> str | None:
        """The coding agent the session was started for."""
        return self._optional("agent")

    @property
    def model(self) -> str | None:
        """The agent's model."""
        return self._optional("model")

    @property
    def reason(self) -> str | None:
        """Why the session was paused or ended."""
        return self._optional("reason")

    @property
    def parent(self) -> str | None:
        """The id of the session this one continues."""
        return self._optional("parent")

    @property
    def base(self) -> str | None:
        """The commit the branch was at when the session started."""
        return self._optional("base")

    @property
    def tasks(self) -> list[str]:
        return _items(self.values.get("tasks"))

    def count(self, kind: str, status: str | None = None) -> int:
        by_status = self.counts.get(kind, {})
        return by_status.get(status or "all", 0) if status else sum(by_status.values())

    def _optional(self, name: str) -> str | None:
        return _text(self.values.get(name))


@dataclass(frozen=True)
class SessionState:
    """Everything about one session: its fields and all of its entries."""

    meta: Meta
    entries: tuple[Entry, ...]

    def of_kind(self, kind: EntryKind) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind == kind)


# --- state changes ------------------------------------------------------------------
# The one statement of which status an entry or a session may move to, and from which.
# Workspace.transition applies it; the command line builds its commands from it.

Subject = Literal["session"] | EntryKind  # what a state change changes: the session or an entry
SESSION: Literal["session"] = "session"  # the subject of the session's own state changes (entries': their kind)


class Transition(NamedTuple):
    """A state change of a subject (an entry kind, or ``SESSION``), named by its verb."""

    subject: Subject
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


def transitions_of(subject: Subject) -> tuple[Transition, ...]:
    """The state changes of an entry kind (none for a kind without statuses) or of ``SESSION``."""
    return tuple(t for t in TRANSITIONS if t.subject == subject)


def transition(subject: Subject, verb: str) -> Transition:
    """The state change named ``verb`` of ``subject``; a ``KeyError`` for one the table has not."""
    for candidate in TRANSITIONS:
        if candidate.subject == subject and candidate.verb == verb:
            return candidate
    raise KeyError(f"{subject} {verb}")


def entry_kind(change: Transition) -> EntryKind:
    """The entry kind a change is of; a ``ValueError`` for a change of the session."""
    if change.subject == SESSION:
        raise ValueError(f"{change.verb} is a change of the session, not of an entry")
    return change.subject
