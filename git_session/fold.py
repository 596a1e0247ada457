"""State as a pure function of operations: ``fold(ops) -> SessionState``.

Every operation either adds an entry or sets fields, last writer (by Lamport clock,
then operation id) winning. So applying a set of operations gives the same state in
any order, and applying one twice changes nothing: histories merge as a union.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from git_session.model import Entry, Fields, FieldValue, Meta, Op, SessionState, Stamp

# A checkpoint an agent's hook took before its context was compacted carries its number
# in this field, and is counted under this name too (``Meta.count(COMPACTION)``): an older
# reader takes it for the checkpoint it also is.
COMPACTION = "compaction"

EMPTY_META = Meta(id="", created=0, tz="+0000", updated=0, clock=0, values={}, stamps={})


def live_entries(entries: Iterable[Entry]) -> list[Entry]:
    """The entries that still stand for what they name: a commit entry marked ``rewritten``
    (an amend or rebase replaced its commit, and another entry names the new one) is left out.
    The one query every view, and linking, asks."""
    return [e for e in entries if not e.values.get("rewritten")]


def target_entry(op: Op) -> str | None:
    """The id of the entry an operation touches, if any."""
    if op.action == "add":
        return op.id
    if op.action == "update":
        return str(op.data["entry"])
    return None


def apply(meta: Meta, entry: Entry | None, op: Op) -> tuple[Meta, Entry | None]:
    """Apply one operation to a session's fields and to the entry it touches."""
    changed = _observed(meta, op)  # every field that changes, set in one replace
    if op.action in ("create", "set"):
        if op.action == "create":
            changed.update(id=op.id, created=op.at, tz=op.tz)
        changed["values"], changed["stamps"] = _last_writer_wins(meta.values, meta.stamps, op.data["fields"], op.stamp)
        return dataclasses.replace(meta, **changed), entry
    before = entry
    if op.action == "add":
        entry = entry or _new_entry(op)
    elif entry is not None and entry.kind == op.data["kind"]:
        values, stamps = _last_writer_wins(entry.values, entry.stamps, op.data["fields"], op.stamp)
        entry = dataclasses.replace(entry, values=values, stamps=stamps)
    counts = _recounted(meta.counts, before, entry)
    if counts is not None:
        changed["counts"] = counts
    return dataclasses.replace(meta, **changed), entry


def fold(ops: Iterable[Op]) -> SessionState:
    """The state a journal describes."""
    meta = EMPTY_META
    entries: dict[str, Entry] = {}
    for op in sorted(ops, key=lambda o: o.stamp):
        target = target_entry(op)
        meta, entry = apply(meta, entries.get(target) if target else None, op)
        if target and entry is not None:
            entries[target] = entry
    return SessionState(meta, tuple(sorted(entries.values(), key=lambda e: e.added)))


def _observed(meta: Meta, op: Op) -> dict[str, Any]:
    """The fields every operation moves: its clock, its author, the time of the last change."""
    authors = meta.authors if op.author in meta.authors else tuple(sorted({*meta.authors, op.author}))
    updated = meta.updated if op.minor else max(meta.updated, op.at)
    return {"clock": max(meta.clock, op.clock), "authors": authors, "updated": updated}


def _new_entry(op: Op) -> Entry:
    fields = dict(op.data["fields"])
    return Entry(
        id=op.id,
        kind=op.data["kind"],
        created=op.at,
        tz=op.tz,
        author=op.author,
        agent=op.agent,
        values=fields,
        stamps={name: op.stamp for name in fields},
        added=op.stamp,
    )


def _last_writer_wins(
    values: Fields,
    stamps: Mapping[str, Stamp],
    changes: Fields,
    stamp: Stamp,
) -> tuple[dict[str, FieldValue], dict[str, Stamp]]:
    new_values, new_stamps = dict(values), dict(stamps)
    for name, value in changes.items():
        if name not in new_stamps or stamp > new_stamps[name]:
            new_values[name] = value
            new_stamps[name] = stamp
    return new_values, new_stamps


def _recounted(
    counts: Mapping[str, Mapping[str, int]], before: Entry | None, after: Entry | None
) -> dict[str, dict[str, int]] | None:
    """The counts of entries once ``before`` became ``after`` (``None``: unchanged)."""
    if after is None or (before is not None and before.status == after.status):
        return None
    new = {kind: dict(by_status) for kind, by_status in counts.items()}
    for kind in _counted_as(after):
        by_status = new.setdefault(kind, {})
        if before is not None:
            by_status[before.status or "all"] -= 1
        by_status[after.status or "all"] = by_status.get(after.status or "all", 0) + 1
    # Zero counts are dropped so that equal states always serialize to equal bytes.
    new = {kind: {s: n for s, n in by.items() if n} for kind, by in new.items()}
    return {kind: by for kind, by in new.items() if by}


def _counted_as(entry: Entry) -> tuple[str, ...]:
    """The names an entry is counted under: its kind, and a compaction's checkpoint also as one."""
    if entry.kind == "checkpoint" and entry.values.get(COMPACTION) not in (None, False):
        return (entry.kind, COMPACTION)
    return (entry.kind,)
