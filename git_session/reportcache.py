"""What a report's figures are made of, by the commit each session's ref points at: a second
``report`` over 1,000 sessions reads neither their trees nor their histories again.

A session's figures come from its tip alone (its fields and entries, and the times its
history gives its state changes: ``metrics.Prepared``), from the time of the report and from
its linked commits' stats; a commit never changes, so what was derived once from a tip, or
read of a commit, holds for good. ``<common-dir>/git-session/report-inputs`` keeps them, as
``report`` derived them from data it had checked (they are not checked again). Derived data
keyed by immutable ids, never trusted over the refs: the sessions are always listed from the
refs, a tip is used only under the ref of the session its data names (the same commit under
another session's ref is read again), a commit's stats only while the commit is here, and a
missing, damaged or unknown file is only read again from the repository. The file carries
the SHA-1 of its content (a damaged one is ignored whole) and is replaced whole, never edited.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from typing import Any

from git_session import paths
from git_session.gitrepo import Repo, read_checksummed, read_data, write_checksummed
from git_session.metrics import BlockerFigure, Change, CommitStat, Prepared
from git_session.model import Stamp

# The number says what the file holds and how it was derived: change it whenever ``Prepared``
# or ``metrics.prepare`` changes, so that a file an older git-session wrote is read again.
HEADER = b"git-session report inputs 1 "


@dataclass
class Cache:
    sessions: dict[str, Prepared]  # by tip commit id
    commits: dict[str, CommitStat]  # by commit id

    def prepared(self, session_id: str, tip: str) -> Prepared | None:
        """What the session at ``tip`` is made of, unless that commit is cached for another
        session."""
        found = self.sessions.get(tip)
        return found if found is not None and found.id == session_id else None


def load(repo: Repo) -> Cache:
    """The cache (empty when there is no file it can trust)."""
    body = read_checksummed(paths.report_inputs_cache(repo), HEADER)
    if body is None:
        return Cache({}, {})
    try:
        raw = json.loads(body)
        sessions = {tip: _prepared(fields) for tip, fields in raw["sessions"].items()}
        commits = {sha: CommitStat(tuple(stat[0]), stat[1], stat[2]) for sha, stat in raw["commits"].items()}
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
        return Cache({}, {})
    return Cache(sessions, commits)


def replaced(repo: Repo) -> bool:
    """Whether git may see a commit otherwise than its id names it (``git replace``, grafts):
    the times and stats git gives then are not the commit's for good, so none is kept or used."""
    common = repo.common_dir
    if os.path.exists(os.path.join(common, "info", "grafts")):
        return True
    for _, _, files in os.walk(os.path.join(common, "refs", "replace")):
        if files:
            return True
    try:
        return b" refs/replace/" in read_data(os.path.join(common, "packed-refs"))
    except OSError:
        return False


def shallow_commits(repo: Repo) -> set[str]:
    """The commits a shallow clone has without their parents: git diffs each against nothing
    (the whole tree added) until the clone is deepened, so their stats are never kept."""
    try:
        return set(read_data(os.path.join(repo.common_dir, "shallow")).decode("ascii", "replace").split())
    except OSError:
        return set()


def forget(repo: Repo) -> None:
    """Drop the file (``redact``: it may hold a text that was taken out of the history)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(paths.report_inputs_cache(repo))


def save(repo: Repo, cache: Cache) -> None:
    """Replace the file with ``cache``; a repository that cannot be written to only stays
    without one."""
    shown = {
        "sessions": {tip: _fields(prepared) for tip, prepared in cache.sessions.items()},
        "commits": {sha: [list(stat.paths), stat.added, stat.deleted] for sha, stat in cache.commits.items()},
    }
    body = json.dumps(shown, separators=(",", ":")).encode()
    write_checksummed(paths.report_inputs_cache(repo), HEADER, body)


def _fields(p: Prepared) -> list[Any]:
    """``Prepared``'s fields in order (as ``dataclasses.astuple``, at a fraction of its cost)."""
    changes = [[list(c.stamp), c.at, c.status] for c in p.changes]
    blockers = [[b.id, b.text, b.opened, b.resolved, b.is_open] for b in p.blockers]
    return [
        p.id, p.title, p.branch, p.status, p.reason, p.owner, p.authors, p.created, p.ended, changes,
        p.objectives_done, p.objectives_total, p.objectives_done_at, p.decisions, p.discoveries, blockers,
        p.commits, p.checkpoints, p.compactions, p.agents, p.models,
    ]  # fmt: skip


def _prepared(fields: list[Any]) -> Prepared:
    """``Prepared`` from its fields in order, as ``_fields`` gave them (tuples as lists)."""
    (sid, title, branch, status, reason, owner, authors, created, ended, changes, done, total, done_at, decisions,
     discoveries, blockers, commits, checkpoints, compactions, agents, models) = fields  # fmt: skip
    return Prepared(
        sid,
        title,
        branch,
        status,
        reason,
        owner,
        tuple(authors),
        created,
        ended,
        tuple(Change(Stamp(*stamp), at, changed) for stamp, at, changed in changes),
        done,
        total,
        tuple(done_at),
        decisions,
        discoveries,
        tuple(BlockerFigure(*blocker) for blocker in blockers),
        tuple((sha, at) for sha, at in commits),
        checkpoints,
        compactions,
        tuple(agents),
        tuple(models),
    )
