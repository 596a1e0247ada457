"""Reports across sessions: what `report`, `history` and `compare` show, as plain data.

Cost: each session's materialized state is read once and only as far as its figures need
(its meta, whose counts give most of them, and its objectives, blockers and commits: never a
replay), and two ``git`` processes serve all the sessions together:

- the times of the state changes (a pause, a resume, an end, an objective done, a blocker
  resolved): the materialized state orders changes by Lamport stamps, which hold no time,
  so ONE ``git log`` over the selected sessions' histories asks git to keep only the commits
  whose operations set such a status (``--grep``, matched by git itself) and their
  operations give the times. Nothing is folded: the state comes from the tree.
- the linked commits' files and line counts: ONE ``git log --no-walk`` over every linked
  commit that is here (``history.read_line_counts``).

What was made of a session's tip (``metrics.Prepared``) and a linked commit's stats is kept
(``reportcache``): a session whose tip is there is not read, and neither git process runs
when every session and commit is there (the next report after nothing moved).

A session not in the cache is read the quick way (``Store.quick_reads``: its tip's files by
object id, packed ones through the pack reader alone; anything unusual the careful way, which
names it), while the timing log runs in a thread: git walks the histories as we read the trees.

A session whose data cannot be read (its tree, a file, its meta, a commit of its history that
the timing log walks, its tip even when the cache has it) is reported (``warn``) and left out,
as ``list`` leaves one out; a commit message that cannot be read gives no times (its
session's figures fall back on its last write).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple

from git_session import codec, gitcli, history, metrics, reportcache
from git_session.errors import DataError, GitError, UserError
from git_session.metrics import DAY, WEEK, Change, CommitStat, Prepared, SessionFigures, Timing
from git_session.model import ENDED_STATUSES, FORMAT_VERSION, Meta, SessionState, Stamp
from git_session.names import SESSIONS_PREFIX, ObjectId
from git_session.reportcache import Cache
from git_session.sessions import Workspace, abbreviate
from git_session.store import META_PATH, Handle, naming_session

# The statuses whose setting the timing log keeps ("open", set when an entry is added, is not
# a change of state): a session's and an entry's.
_TIMED = ("active", "paused", *ENDED_STATUSES, "done", "resolved")
_RELATIVE = re.compile(r"(\d+)\s*(minute|hour|day|week)s?\s+ago")
_UNITS = {"minute": 60, "hour": 3600, "day": DAY, "week": WEEK}


@dataclass(frozen=True)
class Period:
    """[since, until): ``None`` leaves a side open."""

    since: int | None = None
    until: int | None = None

    def holds(self, moment: int | None) -> bool:
        return metrics.within(moment, self.since, self.until)

    def meets(self, figures: SessionFigures, now: int) -> bool:
        """Whether the session was running at some time of the period."""
        end = figures.ended if figures.ended is not None else now
        return (self.until is None or figures.created < self.until) and (self.since is None or end >= self.since)


@dataclass(frozen=True)
class Selection:
    """Which sessions a report covers."""

    period: Period = Period()
    author: str | None = None
    branch: str | None = None
    remote: str | None = None  # the sessions fetched from this remote instead of the local ones
    all_remotes: bool = False  # the local ones and those fetched from every remote
    weekly: bool = False  # the last 7 days, with the 7 before to compare


class Read(NamedTuple):
    """A session as read: its state (or what the cache had of its tip), the remote it was
    fetched from (None: here), its tip."""

    state: SessionState | Prepared
    remote: str | None
    tip: str


@dataclass(frozen=True)
class Report:
    generated: int
    selection: Selection
    period: Period
    sessions: list[SessionFigures]  # newest first
    short: dict[str, str]
    previous: list[SessionFigures]  # with ``weekly``: the sessions of the week before


# --- dates ---------------------------------------------------------------------------------


def parse_date(text: str, now: int, end_of_day: bool = False) -> int:
    """A date as a report takes it: ``2026-11-30`` (UTC; with ``end_of_day``, the day
    included), an ISO time with its offset, ``@EPOCH``, or ``N minutes|hours|days|weeks ago``."""
    value = _parsed_date(text, now, end_of_day)
    try:  # a moment shown as a date later: one a date cannot be is refused here, not a crash there
        datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise UserError(f"date out of range: {text!r}", "give a date between the years 1 and 9999") from None
    return value


def _parsed_date(text: str, now: int, end_of_day: bool) -> int:
    spec = text.strip()
    relative = _RELATIVE.fullmatch(spec)
    if relative is not None:
        return now - int(relative.group(1)) * _UNITS[relative.group(2)]
    if spec.startswith("@") and spec[1:].isdigit():
        return int(spec[1:])
    try:
        moment = datetime.fromisoformat(spec)
    except ValueError:
        raise UserError(f"not a date: {text!r}", "give YYYY-MM-DD, an ISO time, @EPOCH or 'N days ago'") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    bare_day = len(spec) == 10
    try:
        return int(moment.timestamp()) + (DAY if end_of_day and bare_day else 0)
    except (OverflowError, OSError, ValueError):
        return -(2**63)  # out of range either way


# --- reading --------------------------------------------------------------------------------


def build(ws: Workspace, selection: Selection, limit: int | None = None, now: int | None = None) -> Report:
    """The report of the sessions ``selection`` names (the newest ``limit`` of them), as of
    ``now`` (by default: the time git would stamp a commit with)."""
    now = ws.now() if now is None else now
    period = Period(now - WEEK, now + 1) if selection.weekly else selection.period
    store = reportcache.store_now(ws.repo)  # the cache holds only while git reads the same objects
    cache = reportcache.load(ws.repo, store)
    store.list_recent(ws.repo)  # what the sessions are read from, listed before they are read
    cached = (set(cache.sessions), set(cache.commits))
    skipped: list[DataError] = []  # the sessions that cannot be read: warned about, or the error
    listed = find(ws, selection, cache, skipped)
    found = [f for f in listed if _matches(f.meta, selection.author, selection.branch)]
    rest: list[Found] = []
    if limit is not None and period == Period():  # the newest sessions: only those are read
        found, rest = found[:limit], found[limit:]
    fresh = {f.meta.id: f.handle.tip for f in found if not isinstance(f.meta, Prepared)}
    early = _Background(lambda: read_timing(ws, fresh)) if fresh else None  # git reads while we do
    ws.store.quick_reads = True
    reads = [read for read in (_read(ws, f, skipped) for f in found) if read is not None]
    if early is not None and _fresh(reads) != fresh:
        # a session left out (damaged): its tip given to git could change what git says of
        # the others (``--source``) or fail the log: the log is run again without it
        early.discard()
        early = None
    timing, reads = _timed(ws, reads, early, skipped)
    while rest and limit is not None and len(reads) < limit:  # some left out (damaged): the next ones
        more, rest = rest[: limit - len(reads)], rest[limit - len(reads) :]
        found += more
        reads += [read for read in (_read(ws, f, skipped) for f in more) if read is not None]
        timing, reads = _timed(ws, reads, None, skipped)
    if skipped and len(listed) == len(found) - len(reads):
        raise skipped[0]  # no session can be read: as ``Workspace._readable`` says it
    for problem in skipped:
        ws.warn(f"skipped a session: {problem.message}")
    figures = figures_of(ws, reads, now, cache, timing)
    _prune(cache, {f.handle.tip for f in listed}, {f.handle.id for f in listed})
    if (set(cache.sessions), set(cache.commits)) != cached or cache.stale:
        reportcache.save(ws.repo, cache, store)
    chosen = [f for f in figures if period.meets(f, now)][:limit]
    previous: list[SessionFigures] = []
    if selection.weekly:
        before = Period(now - 2 * WEEK, now - WEEK)
        previous = [f for f in figures if before.meets(f, now)]
    short = abbreviate([f.id for f in figures])
    return Report(now, selection, period, chosen, short, previous)


def of_sessions(ws: Workspace, handles: Sequence[Handle]) -> tuple[list[SessionFigures], dict[str, str]]:
    """The figures of the sessions named (``compare``), and their short ids."""
    states = [Read(ws.store.state(handle), None, handle.tip) for handle in handles]
    timing, states = _timed(ws, states)
    return figures_of(ws, states, ws.now(), timing=timing), {h.id: ws.short_session_id(h.id) for h in handles}


class Found(NamedTuple):
    handle: Handle
    meta: Meta | Prepared  # what the cache had of its tip, when it had it
    remote: str | None


def find(
    ws: Workspace, selection: Selection, cache: Cache | None = None, skipped: list[DataError] | None = None
) -> list[Found]:
    """Each session's fields (newest first), with the remote it was fetched from; a session
    both here and fetched is read here (where it is merged). A tip ``cache`` has is not read.
    A session that cannot be read is left out: added to ``skipped`` (without it: warned)."""
    seen: set[str] = set()
    found: list[Found] = []
    for prefix, remote in _sources(ws, selection):
        for handle in ws.store.handles(prefix):
            if handle.id in seen:
                continue
            prepared = cache.prepared(handle.id, handle.tip) if cache is not None else None
            if prepared is not None and not ws.repo.has_object(handle.tip):
                prepared = None  # a ref at a missing commit: skipped below, as ``list`` skips it
            try:
                found.append(Found(handle, prepared or _meta(ws, handle), remote))
            except DataError as exc:
                if skipped is None:
                    ws.warn(f"skipped a session: {exc.message}")
                else:
                    skipped.append(exc)
                continue
            seen.add(handle.id)
    return sorted(found, key=lambda f: (f.meta.created, f.meta.id), reverse=True)


def _sources(ws: Workspace, selection: Selection) -> list[tuple[str, str | None]]:
    if selection.remote is None and not selection.all_remotes:
        return [(SESSIONS_PREFIX, None)]
    from git_session import sharing

    if selection.remote is not None:
        return [(sharing.resolve_remote(ws.repo, selection.remote).sessions_prefix, selection.remote)]
    sources: list[tuple[str, str | None]] = [(SESSIONS_PREFIX, None)]
    if selection.all_remotes:
        for name in ws.repo.remote_names():
            try:
                sources.append((sharing.resolve_remote(ws.repo, name).sessions_prefix, name))
            except UserError as exc:  # a remote whose name cannot be a folder: none fetched
                ws.warn(f"skipped remote {name!r}: {exc.message}")
    return sources


def _meta(ws: Workspace, handle: Handle) -> Meta:
    """``store.meta``, read the quick way (``Repo.quick_blobs``) when all is well: anything
    else is read by the store, which says what is wrong."""
    files = ws.repo.quick_blobs(handle.tip, META_PATH, file=True)
    if files is not None:
        try:
            meta = codec.meta_from_bytes(files[0][1], f"session {handle.id}")
        except DataError:
            pass  # not taken: the store reads it again below, and says what is wrong
        else:
            if meta.id == handle.id:
                return meta
    return ws.store.meta(handle)


def _read(ws: Workspace, found: Found, skipped: list[DataError]) -> Read | None:
    """The session's fields, and of its entries those whose figures are more than a count
    (none read when the cache had its tip); ``None`` when they cannot be read (in ``skipped``)."""
    if isinstance(found.meta, Prepared):
        return Read(found.meta, found.remote, found.handle.tip)
    try:
        entries = ws.store.entries_of_kinds(found.handle, metrics.READ_KINDS)
    except DataError as exc:
        skipped.append(exc)
        return None
    return Read(SessionState(found.meta, tuple(sorted(entries, key=lambda e: e.added))), found.remote, found.handle.tip)


def _fresh(reads: Iterable[Read]) -> dict[str, str]:
    """The tips of the sessions read from their trees (not from the cache), by session id."""
    return {read.state.meta.id: read.tip for read in reads if isinstance(read.state, SessionState)}


def _timed(
    ws: Workspace, reads: Sequence[Read], early: _Background | None = None, skipped: list[DataError] | None = None
) -> tuple[Timing, list[Read]]:
    """The timing log of the sessions read (``early``'s, when it ran over them), and the
    sessions it covers: when git cannot walk the histories (a commit missing or damaged, a
    replace ref naming a missing object, a damaged commit-graph), the sessions git cannot
    walk by themselves are found by halving (a few more processes for a few damaged
    sessions; past that, git's error) and left out as the other readers leave one out (added
    to ``skipped``; without it, that is the error); the log is run again without them."""
    try:
        return (early.result() if early is not None else read_timing(ws, _fresh(reads))), list(reads)
    except GitError as exc:
        failed = exc
    fresh = [read for read in reads if isinstance(read.state, SessionState)]
    split = gitcli.halved(fresh, lambda part: read_timing(ws, _fresh(part)), failed, _budget(len(fresh)))
    if split is None:
        raise failed
    broken = {read.tip: problem for read, _ in split[1] if (problem := _history_problem(ws, read)) is not None}
    if not broken:
        raise failed
    for problem in broken.values():
        if skipped is None:
            raise problem
        skipped.append(problem)
    kept = [read for read in reads if read.tip not in broken]
    return read_timing(ws, _fresh(kept)), kept


def _budget(items: int) -> int:
    """How many more git processes a search by halving may run over ``items`` (a few
    damaged ones are found; past that, git's error stands)."""
    return 2 + 16 * max(1, items).bit_length()


def _history_problem(ws: Workspace, read: Read) -> DataError | None:
    """Why git cannot walk a session's history, named as the store names it when libgit2
    cannot walk it either (a commit missing or damaged); otherwise what only git reads (a
    replace ref, a commit-graph file) keeps it from walking, when ``git rev-list`` cannot
    walk it either; ``None``: git walks it (the log failed for another reason: a setting
    ``git log`` refuses, another process meanwhile; that is git's error, not the session's)."""
    assert isinstance(read.state, SessionState)
    session = read.state.meta.id
    try:
        with naming_session(session):
            for _ in ws.repo.walk(ObjectId(read.tip), topological=False):
                pass  # every commit read: a missing or damaged one raises
    except DataError as exc:
        return exc
    walked = gitcli.run(["rev-list", "--quiet", read.tip, "--"], git_dir=ws.repo.git_dir, check=False)
    if walked.returncode == 0:
        return None
    return DataError(
        f"session {session}: git cannot walk the history of {read.tip[:12]}",
        "see `git fsck`, the replace refs (`git replace -l`) and the commit-graph (`git commit-graph verify`)",
    )


def _matches(meta: Meta | Prepared, author: str | None, branch: str | None) -> bool:
    if branch is not None and meta.branch != branch:
        return False
    return author is None or any(author.casefold() in a.casefold() for a in meta.authors)


def figures_of(
    ws: Workspace, reads: Sequence[Read], now: int, cache: Cache | None = None, timing: Timing | None = None
) -> list[SessionFigures]:
    """The figures of the sessions, with the two git processes they all share (none for what
    ``cache`` has: what is read here is added to it; no timing log when ``timing`` is the
    one of the sessions read)."""
    cache = cache if cache is not None else Cache({}, {})
    fresh = {read.tip: read.state for read in reads if isinstance(read.state, SessionState)}
    if timing is None:
        timing = read_timing(ws, {state.meta.id: tip for tip, state in fresh.items()})
    for tip, state in fresh.items():
        cache.sessions[tip] = metrics.prepare(state, timing)
    prepared = [read.state if isinstance(read.state, Prepared) else cache.sessions[read.tip] for read in reads]
    stats = read_stats(ws, prepared, cache.commits)
    return [metrics.finish(p, stats, now, read.remote) for p, read in zip(prepared, reads, strict=True)]


def _prune(cache: Cache, tips: set[str], sessions: set[str]) -> None:
    """Keep what the sessions listed use at their tips, and what sessions not listed (fetched
    from a remote the report did not cover, deleted) do, as long as those are not the most;
    the stats of the commits those link."""
    moved = [tip for tip, p in cache.sessions.items() if tip not in tips and p.id in sessions]
    others = [tip for tip, p in cache.sessions.items() if tip not in tips and p.id not in sessions]
    for tip in [*moved, *(others if len(others) > len(tips) else ())]:
        del cache.sessions[tip]
    linked = {sha for p in cache.sessions.values() for sha, _ in p.commits}
    for sha in [sha for sha in cache.commits if sha not in linked]:
        del cache.commits[sha]


class _Background:
    """``work`` run in a thread (a git process and the reading of its output, while the
    caller reads the sessions' trees: two cores, or a core and a wait)."""

    def __init__(self, work: Callable[[], Timing]) -> None:
        self._work = work
        self._done: list[Timing] = []
        self._failed: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._done.append(self._work())
        except BaseException as exc:  # handed to the caller, raised there
            self._failed.append(exc)

    def result(self) -> Timing:
        self._thread.join()
        if self._failed:
            raise self._failed[0]
        return self._done[0]

    def discard(self) -> None:
        """Wait for it, and drop what it gave (or how it failed)."""
        self._thread.join()


def read_timing(ws: Workspace, tips: Mapping[str, str]) -> Timing:
    """The times of the sessions' state changes, from ONE git log over their histories that
    keeps only the commits setting a timed status (see the module's docstring)."""
    if not tips:
        return Timing()
    marker = f"git-session-{secrets.token_hex(16)}"
    args = [
        "log",
        "-z",
        "--no-color",
        "--no-notes",
        "--encoding=UTF-8",
        "--source",
        "--fixed-strings",
        *[f'--grep="status":"{status}"' for status in _TIMED],
        '--grep="agent":"',  # an operation an agent wrote (null is not quoted)
        f"--format={marker}%x00%S%x00%B",
        "--stdin",
    ]
    output = gitcli.run(args, git_dir=ws.repo.git_dir, input="".join(f"{tip}\n" for tip in tips.values())).stdout
    by_tip = {tip: session for session, tip in tips.items()}
    return _parse_timing(output, marker, by_tip)


def _parse_timing(output: str, marker: str, by_tip: Mapping[str, str]) -> Timing:
    op_times: dict[str, int] = {}
    changes: dict[str, list[Change]] = {}
    owners: dict[str, str] = {}
    agents: dict[str, set[str]] = {}
    for record in output.split(marker + "\0")[1:]:
        source, _, message = record.partition("\0")
        session = by_tip.get(source.strip())
        if session is None:
            continue
        for op in _timed_ops(message):
            if op.agent:
                agents.setdefault(session, set()).add(op.agent)
            if op.status is None:
                continue
            op_times[op.id] = op.at
            if op.action in ("create", "set"):
                changes.setdefault(session, []).append(Change(Stamp(op.clock, op.id), op.at, op.status))
            if op.action == "create" and op.id == session:
                owners[session] = op.author
    ordered = {session: tuple(sorted(found, key=lambda c: c.stamp)) for session, found in changes.items()}
    return Timing(op_times, ordered, owners, {session: frozenset(found) for session, found in agents.items()})


class _TimedOp(NamedTuple):
    id: str
    clock: int
    at: int
    author: str
    agent: str | None
    action: str
    status: str | None  # a timed status it sets, if any


def _timed_ops(message: str) -> list[_TimedOp]:
    """The operations of a commit message, only as far as a report needs them: each line
    checked for the shape of those fields (codec.py's full check of every field costs ten
    times more); a commit with a line that is not one is left out whole."""
    found = []
    for line in message.partition("\n\n")[2].split("\n"):
        if not line.startswith("{"):
            continue
        try:
            raw = json.loads(line)
            fields = raw["data"]["fields"]
            op = _TimedOp(
                raw["id"], raw["clock"], raw["at"], raw["author"], raw["agent"], raw["action"], fields.get("status")
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return []
        if raw.get("v") != FORMAT_VERSION or not _well_typed(op):
            return []
        found.append(op if op.status in _TIMED else op._replace(status=None))
    return found


def _well_typed(op: _TimedOp) -> bool:
    """JSON gives exact types (``type`` is the check: a bool is not an int here)."""
    clock, at, agent, status = op.clock, op.at, op.agent, op.status
    return (
        type(clock) is int
        and 0 <= clock < 2**53
        and type(at) is int
        and 0 <= at < 2**53
        and type(op.id) is str
        and type(op.author) is str
        and type(op.action) is str
        and (agent is None or type(agent) is str)
        and (status is None or type(status) is str)
    )


def read_stats(
    ws: Workspace, sessions: Iterable[Prepared], cached: dict[str, CommitStat] | None = None
) -> dict[str, CommitStat]:
    """The files and line counts of every linked commit that is here, by commit id: those
    ``cached`` has (while the commit is here) from there, the others read (and added to it)."""
    cached = cached if cached is not None else {}
    linked = {sha for p in sessions for sha, _ in p.commits}
    shallow = reportcache.shallow_commits(ws.repo)  # seen as roots until deepened: never kept
    stats = {sha: cached[sha] for sha in linked if sha in cached and sha not in shallow and ws.repo.has_object(sha)}
    wanted = sorted(sha for sha in linked if sha not in stats and _is_commit(ws, sha))
    for commit in _read_commits(ws, wanted):
        stats[commit.sha] = CommitStat(commit.paths, commit.added, commit.deleted)
        if commit.sha not in shallow:
            cached[commit.sha] = stats[commit.sha]
    return stats


def _read_commits(ws: Workspace, shas: Sequence[str]) -> list[history.LineCounts]:
    """``history.read_line_counts``; when git cannot show them all (a tree or file of one of them
    missing or damaged), those it can, found by halving the list (a few more processes for a
    few damaged commits; past that, git's error): the others count without their changes."""
    try:
        return history.read_line_counts(ws.repo, shas)
    except GitError as exc:
        failed = exc
    split = gitcli.halved(shas, lambda part: history.read_line_counts(ws.repo, part), failed, _budget(len(shas)))
    if split is None:
        raise failed
    read, unread = split
    for sha, _ in unread:
        ws.warn(f"the changes of linked commit {sha[:12]} cannot be read: it counts without them")
    return [commit for part in read for commit in part]


def _is_commit(ws: Workspace, sha: str) -> bool:
    """A full id of a commit that is here (stored data names anything: git must not fail on it)."""
    return ObjectId.is_full(sha) and ws.repo.is_commit(sha)  # a damaged one is not read as a commit


# --- the plain view (JSON, and what the text, Markdown and HTML show) ------------------------


def iso(epoch: int | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).isoformat()


def session_view(f: SessionFigures, short: Mapping[str, str], now: int) -> dict[str, Any]:
    return {
        "id": f.id,
        "short": short.get(f.id, f.id),
        "title": f.title,
        "branch": f.branch,
        "status": f.status,
        "reason": f.reason,
        "remote": f.remote,
        "owner": f.owner,
        "authors": list(f.authors),
        "created": iso(f.created),
        "ended": iso(f.ended),
        "wall_seconds": f.wall_seconds,
        "active_seconds": f.active_seconds,
        "paused_seconds": f.paused_seconds,
        "objectives_done": f.objectives_done,
        "objectives_total": f.objectives_total,
        "velocity": metrics.velocity(f.objectives_done, f.active_seconds),
        "decisions": f.decisions,
        "discoveries": f.discoveries,
        "blockers_opened": len(f.blockers),
        "blockers_resolved": f.blockers_resolved,
        "blocker_resolve_seconds": f.resolve_seconds,
        "commits": f.commits,
        "files_changed": f.files_changed,
        "lines_added": f.lines_added,
        "lines_deleted": f.lines_deleted,
        "checkpoints": f.checkpoints,
        "compactions": f.compactions,
        "agents": list(f.agents),
        "models": list(f.models),
    }


def view(report: Report) -> dict[str, Any]:
    """The whole report as plain data: what ``--format json`` prints."""
    now, sessions = report.generated, report.sessions
    selection = report.selection
    shown: dict[str, Any] = {
        "generated": iso(now),
        "period": {"since": iso(report.period.since), "until": iso(report.period.until)},
        "filters": {
            "author": selection.author,
            "branch": selection.branch,
            "remote": selection.remote,
            "all_remotes": selection.all_remotes,
        },
        "sessions": [session_view(f, report.short, now) for f in sessions],
        "summary": summary(sessions, report.short, report.period, now),
    }
    if selection.weekly:
        this = totals(sessions, report.period)
        before = totals(report.previous, Period(now - 2 * WEEK, now - WEEK))
        shown["weekly"] = {"this_week": this, "previous_week": before, "change": {k: this[k] - before[k] for k in this}}
    return shown


def summary(sessions: Sequence[SessionFigures], short: Mapping[str, str], period: Period, now: int) -> dict[str, Any]:
    active = sum(f.active_seconds for f in sessions)
    done = sum(f.objectives_done for f in sessions)
    ended = [f for f in sessions if f.status in ENDED_STATUSES]
    abandoned = [f for f in ended if f.status == "abandoned"]
    return {
        "sessions": len(sessions),
        "ended": len(ended),
        "active_seconds": active,
        "wall_seconds": sum(f.wall_seconds for f in sessions),
        "objectives_done": done,
        "objectives_total": sum(f.objectives_total for f in sessions),
        "velocity": metrics.velocity(done, active),
        "commits": sum(f.commits for f in sessions),
        "lines_added": sum(f.lines_added for f in sessions),
        "lines_deleted": sum(f.lines_deleted for f in sessions),
        "blockers": _blockers(sessions, short, now),
        "abandoned": {
            "sessions": len(abandoned),
            "share": round(len(abandoned) / len(ended), 3) if ended else None,
            "reasons": [{"session": short.get(f.id, f.id), "title": f.title, "reason": f.reason} for f in abandoned],
        },
        "weeks": _weeks(sessions, period),
        "branches": _breakdown(sessions, lambda f: [f.branch])[: metrics.TOP],
        "authors": _breakdown(sessions, lambda f: [f.owner]),
        "agents": _breakdown(sessions, lambda f: list(f.agents) or [None]),
        "models": _breakdown(sessions, lambda f: list(f.models) or [None]),
    }


def _blockers(sessions: Sequence[SessionFigures], short: Mapping[str, str], now: int) -> dict[str, Any]:
    times = [seconds for f in sessions for seconds in f.resolve_seconds]
    still_open = sorted(
        ((b.opened, f, b) for f in sessions if f.ended is None for b in f.blockers if b.is_open),
        key=lambda item: (item[0], item[2].id),
    )
    return {
        "opened": sum(len(f.blockers) for f in sessions),
        "resolved": sum(f.blockers_resolved for f in sessions),
        "median_resolve_seconds": metrics.median(times),
        "p90_resolve_seconds": metrics.percentile(times, 0.9),
        "distribution": [{"bin": label, "count": n} for label, n in metrics.ttr_distribution(times)],
        "longest_open": [
            {"session": short.get(f.id, f.id), "text": b.text, "open_seconds": max(0, now - opened)}
            for opened, f, b in still_open[: metrics.TOP]
        ],
    }


def _weeks(sessions: Sequence[SessionFigures], period: Period) -> list[dict[str, Any]]:
    """Sessions started and ended, objectives done, in each week (of the period)."""
    events: dict[str, list[int]] = {"started": [], "ended": [], "objectives_done": []}
    for f in sessions:
        events["started"].append(f.created)
        if f.ended is not None:
            events["ended"].append(f.ended)
        events["objectives_done"].extend(f.objectives_done_at)
    kept = {name: [t for t in times if period.holds(t)] for name, times in events.items()}
    moments = [t for times in kept.values() for t in times]
    if not moments:
        return []
    counts = {name: _per_week(times) for name, times in kept.items()}
    return [
        {"week": week, **{name: counts[name].get(week, 0) for name in events}}
        for week in metrics.weeks_between(min(moments), max(moments))
    ]


def _per_week(times: Iterable[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for moment in times:
        week = metrics.week_of(moment)
        counts[week] = counts.get(week, 0) + 1
    return counts


def _breakdown(
    sessions: Sequence[SessionFigures], keys: Callable[[SessionFigures], list[str | None]]
) -> list[dict[str, Any]]:
    """Sessions, active time, objectives done and commits by a key (a session under each of
    its keys), the most active first."""
    rows: dict[str | None, dict[str, Any]] = {}
    for f in sessions:
        for key in keys(f):
            row = rows.setdefault(
                key, {"name": key, "sessions": 0, "active_seconds": 0, "objectives_done": 0, "commits": 0}
            )
            row["sessions"] += 1
            row["active_seconds"] += f.active_seconds
            row["objectives_done"] += f.objectives_done
            row["commits"] += f.commits
    return sorted(rows.values(), key=lambda r: (-r["active_seconds"], -r["sessions"], r["name"] or ""))


def totals(sessions: Sequence[SessionFigures], period: Period) -> dict[str, int]:
    """What happened within the period: the figures a weekly report compares."""
    return {
        "sessions_started": sum(1 for f in sessions if period.holds(f.created)),
        "sessions_ended": sum(1 for f in sessions if period.holds(f.ended)),
        "active_seconds": sum(metrics.overlap(f.active_spans, period.since, period.until) for f in sessions),
        "objectives_done": sum(1 for f in sessions for t in f.objectives_done_at if period.holds(t)),
        "blockers_opened": sum(1 for f in sessions for b in f.blockers if period.holds(b.opened)),
        "blockers_resolved": sum(1 for f in sessions for b in f.blockers if period.holds(b.resolved)),
        "commits": sum(1 for f in sessions for t in f.commits_at if period.holds(t)),
    }
