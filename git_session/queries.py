"""What the reading commands show, gathered for any front end to render: a session at a
glance, the sessions, the journal and the entries of a kind, with the short ids to show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from git_session import views
from git_session.model import ENTRY_STATUSES, Entry, EntryKind, Meta
from git_session.sessions import Found, Workspace, abbreviate, entry_abbrev
from git_session.store import JournalItem


@dataclass(frozen=True)
class Status:
    """A session at a glance: its fields and the entries still open, with their short ids."""

    found: Found
    short_id: str
    meta: Meta  # read with the private layer: counted as its entries are listed
    open_items: dict[EntryKind, list[Entry]]  # by kind, for each kind that has statuses
    abbrev: dict[str, str]


@dataclass(frozen=True)
class Listing:
    """Some of the sessions (newest first), and the short id of each."""

    sessions: list[Found]
    abbrev: dict[str, str]


@dataclass(frozen=True)
class Journal:
    """Operations of a session as views (oldest first), and what could not be read."""

    items: list[views.OpView]
    problems: list[str]

    @property
    def abbrev(self) -> dict[str, str]:
        return abbreviate([v["entry"] for v in self.items if v["entry"]])


@dataclass(frozen=True)
class Entries:
    """The entries of one kind of a session, oldest first, and their short ids."""

    found: Found
    entries: list[Entry]
    abbrev: dict[str, str]


def status(ws: Workspace, found: Found) -> Status:
    open_items = {kind: ws.store.open_entries(found.handle, kind, private=True) for kind in ENTRY_STATUSES}
    shown = [e.id for entries in open_items.values() for e in entries]
    abbrev = entry_abbrev(ws.store, found.handle, [kind for kind, entries in open_items.items() if entries], shown)
    meta = ws.store.meta(found.handle, private=True)
    return Status(found, ws.short_session_id(found.handle.id), meta, open_items, abbrev)


def sessions(
    ws: Workspace,
    remote: str | None = None,
    branch: str | None = None,
    status: str | None = None,
    show_all: bool = False,
) -> Listing:
    """The sessions here (or those last fetched from ``remote``), of a branch, in a status;
    by default those not ended for good (completed or abandoned). Short ids are among all."""
    if remote is not None:
        from git_session import sharing  # only for a remote's

        found = ws.all_sessions(sharing.resolve_remote(ws.repo, remote).sessions_prefix)
    else:
        found = ws.all_sessions()
    abbrev = abbreviate([f.meta.id for f in found])  # the handle's id (``Workspace._readable``), read
    if branch is not None:
        found = [f for f in found if f.meta.branch == branch]
    if status is not None:
        found = [f for f in found if f.meta.status == status]
    elif not show_all:
        found = [f for f in found if f.meta.status not in _GONE]
    return Listing(found, abbrev)


def matches(meta: Meta, query: str) -> bool:
    """Whether the session's id, title, branch, summary, current step, tasks or authors hold
    every word of ``query`` (case aside)."""
    fields = [meta.id, meta.title, meta.branch, meta.tldr, meta.current, *meta.tasks, *meta.authors]
    haystack = " ".join(fields).casefold()
    return all(word in haystack for word in query.casefold().split())


_GONE = ("completed", "abandoned")  # a handed-off session is listed: it waits for its taker


def journal(ws: Workspace, found: Found, kind: str | None = None, limit: int | None = None) -> Journal:
    """The journal, only changes of ``kind`` (``"session"``: of the session's own fields),
    only the last ``limit``; a commit that cannot be read is left out and described."""
    problems: list[str] = []
    items = [views.op_view(item.op, item.commit) for item in _once(ws.store.journal(found.handle, problems))]
    if kind is not None:
        items = [v for v in items if (v["kind"] or "session") == kind]
    if limit is not None:
        items = items[len(items) - limit :] if limit else []
    return Journal(items, problems)


def _once(items: list[JournalItem]) -> list[JournalItem]:
    """Each operation once. A history can hold one operation in two commits: a redact
    rewrites the commits after the entry, pushed ones too, and a later merge with the
    remote's copy brings the old ones back. The state counts it once (applying an operation
    twice changes nothing); so does the journal, with the first commit found holding it."""
    seen: set[str] = set()
    kept = []
    for item in items:
        if item.op.id not in seen:
            seen.add(item.op.id)
            kept.append(item)
    return kept


def entries(ws: Workspace, found: Found, kind: EntryKind) -> Entries:
    listed = sorted(ws.store.entries(found.handle, kind, private=True), key=lambda e: e.added)
    return Entries(found, listed, entry_abbrev(ws.store, found.handle, (kind,), [e.id for e in listed]))


def abbrev_by_kind(entries: Iterable[Entry]) -> dict[str, str]:
    """Short ids of entries, each unique among all of them (of every kind): the session's
    entries given, the same short ids as everywhere else."""
    return abbreviate([e.id for e in entries])
