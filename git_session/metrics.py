"""Figures of sessions, as pure functions of what was read: a session's materialized state,
the times of its state changes and the stats of its linked commits. No git here.

Times are seconds since the epoch; weeks are ISO weeks in UTC (``2023-W46``). A session's
end is the time of the change that ended it (else its last write); an open one runs to
``now``. Its active time is the time it spent ``active`` (paused spans left out), its wall
time the whole of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from git_session.fold import COMPACTION, live_entries
from git_session.model import ENDED_STATUSES, Entry, EntryKind, SessionState, Stamp

DAY = 86400
WEEK = 7 * DAY
# The bins of the blocker time-to-resolve distribution: (label, upper bound in seconds).
TTR_BINS: tuple[tuple[str, float], ...] = (
    ("< 1h", 3600),
    ("1h–4h", 4 * 3600),
    ("4h–1d", DAY),
    ("1d–3d", 3 * DAY),
    ("3d–7d", WEEK),
    ("≥ 7d", math.inf),
)
TOP = 5  # how many longest-open blockers and busiest branches a report lists


@dataclass(frozen=True)
class Change:
    """A change of a session's status, as its journal recorded it."""

    stamp: Stamp
    at: int
    status: str


@dataclass(frozen=True)
class Timing:
    """What the journals say about when things changed: each state-changing operation's time
    (by operation id), each session's status changes in order, who started each session, and
    the agents that wrote in it."""

    op_times: Mapping[str, int] = field(default_factory=dict)
    changes: Mapping[str, tuple[Change, ...]] = field(default_factory=dict)
    owners: Mapping[str, str] = field(default_factory=dict)
    agents: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CommitStat:
    """A linked commit's changes: the paths it touched and its line counts (binary: 0)."""

    paths: tuple[str, ...]
    added: int
    deleted: int


@dataclass(frozen=True)
class BlockerFigure:
    id: str
    text: str
    opened: int
    resolved: int | None  # when it was resolved (None: open, or resolved at an unknown time)
    is_open: bool


@dataclass(frozen=True)
class SessionFigures:
    """One session's figures."""

    id: str
    title: str
    branch: str
    status: str
    reason: str | None
    remote: str | None  # the remote it was fetched from (None: a local session)
    owner: str
    authors: tuple[str, ...]
    created: int
    ended: int | None
    wall_seconds: int
    paused_seconds: int
    active_seconds: int
    active_spans: tuple[tuple[int, int], ...]
    paused_spans: tuple[tuple[int, int], ...]
    objectives_done: int
    objectives_total: int  # dropped ones left out
    objectives_done_at: tuple[int, ...]  # when each was done, where the journal says
    decisions: int
    discoveries: int
    blockers: tuple[BlockerFigure, ...]
    commits: int
    commits_at: tuple[int, ...]
    files_changed: int
    lines_added: int
    lines_deleted: int
    checkpoints: int
    compactions: int
    agents: tuple[str, ...]
    models: tuple[str, ...]

    @property
    def blockers_resolved(self) -> int:
        return sum(1 for b in self.blockers if not b.is_open)

    @property
    def resolve_seconds(self) -> list[int]:
        return [b.resolved - b.opened for b in self.blockers if b.resolved is not None]


# The kinds of entries whose figures are more than their counts (``Meta.counts`` has those):
# the state a session's figures are made from needs only these of its entries.
READ_KINDS: tuple[EntryKind, ...] = ("objective", "blocker", "commit")


@dataclass(frozen=True)
class Prepared:
    """What a session's figures are made of that its tip alone decides (the rest is the time
    of the report, for a session still open, and its linked commits' stats): derived from its
    state and the times its history gives, so the same for good for the same tip."""

    id: str
    title: str
    branch: str
    status: str
    reason: str | None
    owner: str
    authors: tuple[str, ...]
    created: int
    ended: int | None
    changes: tuple[Change, ...]
    objectives_done: int
    objectives_total: int
    objectives_done_at: tuple[int, ...]
    decisions: int
    discoveries: int
    blockers: tuple[BlockerFigure, ...]
    commits: tuple[tuple[str, int], ...]  # each linked commit's id, and when it was linked
    checkpoints: int
    compactions: int
    agents: tuple[str, ...]
    models: tuple[str, ...]


def session_figures(
    state: SessionState,
    timing: Timing,
    stats: Mapping[str, CommitStat],
    now: int,
    remote: str | None = None,
) -> SessionFigures:
    return finish(prepare(state, timing), stats, now, remote)


def prepare(state: SessionState, timing: Timing) -> Prepared:
    meta = state.meta
    ended = _ended(state, timing) if meta.status in ENDED_STATUSES else None
    objectives = [e for e in state.entries if e.kind == "objective" and e.status != "dropped"]
    done = [e for e in objectives if e.status == "done"]
    commits = [e for e in live_entries(state.entries) if e.kind == "commit" and e.commit]
    agents = {meta.agent, *timing.agents.get(meta.id, ()), *(e.agent for e in state.entries)}
    return Prepared(
        id=meta.id,
        title=meta.title,
        branch=meta.branch,
        status=meta.status,
        reason=meta.reason,
        owner=timing.owners.get(meta.id) or (meta.authors[0] if meta.authors else ""),
        authors=meta.authors,
        created=meta.created,
        ended=ended,
        changes=timing.changes.get(meta.id, ()),
        objectives_done=len(done),
        objectives_total=len(objectives),
        objectives_done_at=tuple(t for t in (_changed_at(e, timing) for e in done) if t is not None),
        decisions=meta.count("decision"),
        discoveries=meta.count("discovery"),
        blockers=tuple(_blocker(e, timing) for e in state.entries if e.kind == "blocker"),
        commits=tuple((c.commit or "", c.created) for c in commits),
        checkpoints=meta.count("checkpoint"),
        compactions=meta.count(COMPACTION),
        agents=tuple(sorted(a for a in agents if a)),
        models=(meta.model,) if meta.model else (),
    )


def finish(p: Prepared, stats: Mapping[str, CommitStat], now: int, remote: str | None = None) -> SessionFigures:
    """The session's figures as of ``now``, with its linked commits' ``stats``."""
    end = max(p.created, p.ended if p.ended is not None else now)
    active, paused = spans(p.created, end, p.changes)
    linked = [stats[sha] for sha, _ in p.commits if sha in stats]
    return SessionFigures(
        id=p.id,
        title=p.title,
        branch=p.branch,
        status=p.status,
        reason=p.reason,
        remote=remote,
        owner=p.owner,
        authors=p.authors,
        created=p.created,
        ended=p.ended,
        wall_seconds=end - p.created,
        paused_seconds=_total(paused),
        active_seconds=_total(active),
        active_spans=tuple(active),
        paused_spans=tuple(paused),
        objectives_done=p.objectives_done,
        objectives_total=p.objectives_total,
        objectives_done_at=p.objectives_done_at,
        decisions=p.decisions,
        discoveries=p.discoveries,
        blockers=p.blockers,
        commits=len(p.commits),
        commits_at=tuple(created for _, created in p.commits),
        files_changed=len({path for stat in linked for path in stat.paths}),
        lines_added=sum(stat.added for stat in linked),
        lines_deleted=sum(stat.deleted for stat in linked),
        checkpoints=p.checkpoints,
        compactions=p.compactions,
        agents=p.agents,
        models=p.models,
    )


def spans(start: int, end: int, changes: Sequence[Change]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The active and the paused spans between ``start`` and ``end``: each status change
    holds until the next (the last until ``end``). Without any change known, all is active."""
    if not changes:
        return ([(start, end)] if end > start else []), []
    active: list[tuple[int, int]] = []
    paused: list[tuple[int, int]] = []
    ordered = sorted(changes, key=lambda c: c.stamp)
    if ordered[0].at > start:  # the start itself was not read: active until the first change
        active.append((start, min(ordered[0].at, end)))
    for change, following in zip(ordered, [*ordered[1:], None], strict=True):
        low = max(start, change.at)
        high = min(end, following.at if following is not None else end)
        if high <= low:
            continue
        if change.status == "active":
            active.append((low, high))
        elif change.status == "paused":
            paused.append((low, high))
    return active, paused


def _total(spans: Iterable[tuple[int, int]]) -> int:
    return sum(high - low for low, high in spans)


def _ended(state: SessionState, timing: Timing) -> int:
    """When the session ended: the time of the change that set its status, else its last write."""
    stamp = state.meta.stamps.get("status")
    at = timing.op_times.get(stamp.op) if stamp is not None else None
    return at if at is not None else state.meta.updated


def _changed_at(entry: Entry, timing: Timing) -> int | None:
    stamp = entry.stamps.get("status")
    return timing.op_times.get(stamp.op) if stamp is not None else None


def _blocker(entry: Entry, timing: Timing) -> BlockerFigure:
    resolved = None if entry.is_open else _changed_at(entry, timing)
    if resolved is not None and resolved < entry.created:  # clocks of two machines: not a negative time
        resolved = entry.created
    return BlockerFigure(entry.id, entry.text, entry.created, resolved, entry.is_open)


# --- across sessions --------------------------------------------------------------------


def week_of(epoch: int) -> str:
    year, week, _ = datetime.fromtimestamp(epoch, timezone.utc).isocalendar()
    return f"{year}-W{week:02d}"


def weeks_between(first: int, last: int) -> list[str]:
    """Every ISO week from the one of ``first`` to the one of ``last``."""
    weeks: list[str] = []
    moment = first - first % DAY
    while moment <= last + WEEK:
        week = week_of(moment)
        if not weeks or weeks[-1] != week:
            weeks.append(week)
        if week == week_of(last):
            break
        moment += DAY
    return weeks


def median(values: Sequence[int]) -> int | None:
    """As ``round(statistics.median(values))`` (that module costs more to import than a report
    of 1,000 sessions spends here)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return round(ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2)


def percentile(values: Sequence[int], share: float) -> int | None:
    """The nearest-rank percentile (``share`` of 0.9: p90)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def velocity(done: int, active_seconds: int) -> float | None:
    """Objectives done per active day (``None`` without active time)."""
    return round(done / (active_seconds / DAY), 2) if active_seconds > 0 else None


def ttr_distribution(seconds: Iterable[int]) -> list[tuple[str, int]]:
    counts = [0] * len(TTR_BINS)
    for value in seconds:
        counts[next(i for i, (_, high) in enumerate(TTR_BINS) if value < high)] += 1
    return [(label, count) for (label, _), count in zip(TTR_BINS, counts, strict=True)]


def overlap(spans: Iterable[tuple[int, int]], since: int | None, until: int | None) -> int:
    """The seconds of ``spans`` within [since, until)."""
    low_bound = since if since is not None else -math.inf
    high_bound = until if until is not None else math.inf
    return int(sum(max(0, min(high, high_bound) - max(low, low_bound)) for low, high in spans))


def within(moment: int | None, since: int | None, until: int | None) -> bool:
    return moment is not None and (since is None or moment >= since) and (until is None or moment < until)
