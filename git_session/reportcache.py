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

What git reads at the same ids can change under the cache: an object removed (by hand, a
prune), a replace ref or a graft added, a commit-graph file rewritten or damaged. The file
therefore also keeps the object store as it was (``Store``: its packs and commit-graph files,
its loose objects by folder, its alternates, its replace refs and grafts, the environment and
settings that change what git reads) and is used only while that still holds: the same
replace refs, grafts, alternates, commit-graph files, environment and settings, every pack
still there at its size, every loose object still there as it was (or read again, or packed
since). Otherwise it is read again whole, as a first report would (after a prune that lost
objects, or a new commit-graph file: once). The cost is a ``stat`` per loose object folder;
the objects of a folder are listed only when the folder changed. Not seen: a byte damaged
inside a pack kept at its size, or inside a loose object rewritten in place (git writes an
object to a new file, renamed into its folder: that is seen) more than two seconds after the
folder last changed; only reading every object would see those.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from git_session import paths
from git_session.gitrepo import Repo, read_checksummed, read_data, write_checksummed
from git_session.metrics import BlockerFigure, Change, CommitStat, Prepared
from git_session.model import Stamp

# The number says what the file holds and how it was derived: change it whenever ``Prepared``
# or ``metrics.prepare`` changes, so that a file an older git-session wrote is read again.
HEADER = b"git-session report inputs 3 "


# What changes the objects git reads at an id (with ``core.useReplaceRefs`` and ``core.commitGraph``).
_ENVIRONMENT = (
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_GRAFT_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_SHALLOW_FILE",
    "GIT_TEST_COMMIT_GRAPH",
    "GIT_COMMIT_GRAPH_PARANOIA",
)


@dataclass
class Store:
    """The object store as the cache was made from it (see the module's docstring).

    Loose objects are kept by folder (``<n>/<xx>``: the n-th object store, ``0`` this one,
    then its alternates): the folder's time of change, its objects with their sizes and
    times of change (``name size time`` lines), and when they were listed. A folder whose
    time has not changed, and was already more than two seconds old when it was listed (a
    file system's times may be that coarse: a change made after the listing, in the same
    tick, would keep the time), had no object added, removed or renamed in it since: its
    objects are not listed again; the others are, and each object they had must still be
    there as it was, or read again (it must inflate to what its id names), or be packed
    since."""

    fixed: dict[str, Any]  # must be equal: replace refs, grafts, alternates, commit-graph files, environment
    packs: dict[str, int]  # pack file name -> size: each must still be there at that size
    folders: dict[str, int]  # loose object folder -> its time of change
    loose: dict[str, str]  # loose object folder -> its objects (listed when needed)
    listed_at: dict[str, int] = field(default_factory=dict)  # loose object folder -> when it was listed
    stale: bool = False  # objects packed or touched, or a folder changed, since: worth writing the file again
    early: list[str] = field(default_factory=list)  # folders ``list_recent`` listed (before the reading)

    def holds(self, now: Store, repo: Repo) -> bool:
        """Whether what the cache was made of is still read the same way (``now``: as it
        is; the folders it lists are kept in it)."""
        if self.fixed != now.fixed or any(now.packs.get(name) != size for name, size in self.packs.items()):
            return False
        for key, listed in self.loose.items():
            moved = now.folders.get(key)
            settled = self.listed_at.get(key, 0) - _RACY_NS  # its time was older than that when listed
            if moved is not None and moved == self.folders.get(key) and moved < settled:
                now.loose[key] = listed  # nothing added, removed or renamed in it
                now.listed_at[key] = self.listed_at[key]
                continue
            current = _objects_in(now.listed(repo, key))
            if moved is not None and moved < now.listed_at[key] - _RACY_NS:
                now.stale = True  # written again with this listing: the next report need not list it
            for name, stamp in _objects_in(listed).items():
                found = current.get(name)
                if found == stamp:
                    continue
                now.stale = True
                oid = key[-2:] + name
                if not (_intact(repo, oid, key) if found is not None else repo.has_object(oid)):
                    return False
        return True

    def listed(self, repo: Repo, key: str) -> str:
        """The objects of a loose object folder (listed once)."""
        if key not in self.loose:
            self.listed_at[key] = time.time_ns()  # before: a change while it is listed is later
            self.loose[key] = _listing(_folder(repo, key)) if key in self.folders else ""
        return self.loose[key]

    def list_recent(self, repo: Repo) -> None:
        """List, before the sessions are read, the folders not listed yet whose time is too
        recent to show a change made from now on (one in its tick keeps it): ``complete``
        lists the others after the reading, which any change since would have moved."""
        recent = time.time_ns() - _RACY_NS
        for key, moved in self.folders.items():
            if key not in self.loose and moved >= recent:
                self.listed(repo, key)
                self.early.append(key)

    def complete(self, repo: Repo) -> bool:
        """List every folder not listed yet (to be written down); False when a folder listed
        now, or one made since, changed since this store was taken (the sessions were read
        in between: what they read may be gone, and the listing would not show it)."""
        late = [key for key in self.folders if key not in self.loose]
        for key in late:
            self.listed(repo, key)
        after = _folder_times(repo)
        return all(after.get(key) == self.folders[key] for key in late + self.early) and set(after) <= set(self.folders)


@dataclass
class Cache:
    sessions: dict[str, Prepared]  # by tip commit id
    commits: dict[str, CommitStat]  # by commit id
    stale: bool = False  # made from a store whose loose objects were packed or touched since: write it again

    def prepared(self, session_id: str, tip: str) -> Prepared | None:
        """What the session at ``tip`` is made of, unless that commit is cached for another
        session."""
        found = self.sessions.get(tip)
        return found if found is not None and found.id == session_id else None


def load(repo: Repo, now: Store | None = None) -> Cache:
    """The cache (empty when there is no file it can trust, or the object store ``now``, by
    default as it is, no longer holds what it was made of)."""
    body = read_checksummed(paths.report_inputs_cache(repo), HEADER)
    if body is None:
        return Cache({}, {})
    try:
        raw = json.loads(body)
        made_from = raw["store"]
        then = Store(
            made_from["fixed"],
            dict(made_from["packs"]),
            dict(made_from["folders"]),
            dict(made_from["loose"]),
            dict(made_from["listed_at"]),
        )
        now = now if now is not None else store_now(repo)
        if not all(_FOLDER.fullmatch(key) and isinstance(text, str) for key, text in then.loose.items()):
            return Cache({}, {})
        if not all(type(moment) is int for moment in then.listed_at.values()):
            return Cache({}, {})
        if not then.holds(now, repo):
            return Cache({}, {})
        stale = now.stale
        sessions = {tip: _prepared(fields) for tip, fields in raw["sessions"].items()}
        commits = {sha: CommitStat(tuple(stat[0]), stat[1], stat[2]) for sha, stat in raw["commits"].items()}
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
        return Cache({}, {})
    return Cache(sessions, commits, stale)


def store_now(repo: Repo) -> Store:
    """The object store as it is now (what ``Store.holds`` compares): the repository's and
    those its alternates files name (followed as git follows them, chains included); its loose object folders
    by their times of change, listed only when needed."""
    common = repo.common_dir
    stores = repo.object_stores()
    packs: dict[str, int] = {}
    folders = _folder_times(repo)
    for number, folder in enumerate(stores):
        with contextlib.suppress(OSError), os.scandir(os.path.join(folder, "pack")) as found:
            for entry in found:
                if entry.name.endswith((".pack", ".idx")):
                    with contextlib.suppress(OSError):
                        packs[f"{number}/{entry.name}"] = entry.stat().st_size
    fixed = {
        "replace": _replace_refs(repo),
        "grafts": _content(os.environ.get("GIT_GRAFT_FILE") or os.path.join(common, "info", "grafts")),
        # the commits git takes as roots (``git fetch --depth``, ``--unshallow``: the same tips, other histories)
        "shallow": _content(os.environ.get("GIT_SHALLOW_FILE") or os.path.join(common, "shallow")),
        "alternates": [_content(os.path.join(store, "info", "alternates")) for store in stores],
        "graphs": [_graphs(store) for store in stores],  # git reads an alternate's too
        "environment": [os.environ.get(name) for name in _ENVIRONMENT],
        "settings": [repo.config_value(name) for name in ("core.useReplaceRefs", "core.commitGraph")],
    }
    return Store(fixed, packs, folders, {})


def _folder_times(repo: Repo) -> dict[str, int]:
    """The time of change of each loose object folder, by ``<n>/<xx>``."""
    return repo.loose_folder_times()


def _folder(repo: Repo, key: str) -> str | None:
    """The path of a loose object folder (``<n>/<xx>``); None when there is no n-th store."""
    number, _, prefix = key.partition("/")
    stores = repo.object_stores()
    return os.path.join(stores[int(number)], prefix) if int(number) < len(stores) else None


def _listing(folder: str | None) -> str:
    """A loose object folder's objects: ``name size time`` lines."""
    lines = []
    with contextlib.suppress(OSError, TypeError), os.scandir(folder or "") as found:
        for entry in found:
            if len(entry.name) == 38:
                with contextlib.suppress(OSError):
                    info = entry.stat()
                    lines.append(f"{entry.name} {info.st_size} {info.st_mtime_ns}")
    return "\n".join(lines)


def _objects_in(listing: str) -> dict[str, str]:
    """A listing's objects: name -> ``size time``."""
    return dict(line.partition(" ")[::2] for line in listing.split("\n") if line)


_FOLDER = re.compile("[0-9]{1,3}/[0-9a-f]{2}")
_RACY_NS = 2_000_000_000  # a folder changed this recently may change again within its time's tick
_MAX_INFLATED = 64 << 20  # a loose object changed since that inflates to more: not read, the cache dropped


def _intact(repo: Repo, oid: str, key: str) -> bool:
    """Whether the loose object ``oid`` (in the folder ``key``) inflates to an object whose id
    is ``oid``."""
    folder = _folder(repo, key)
    if folder is None or not re.fullmatch("[0-9a-f]{38}", oid[2:]):
        return False
    try:
        raw = read_data(os.path.join(folder, oid[2:]))
        inflater = zlib.decompressobj()
        body = inflater.decompress(raw, _MAX_INFLATED)
    except (OSError, zlib.error):
        return False
    return inflater.eof and not inflater.unconsumed_tail and hashlib.sha1(body).hexdigest() == oid


def _content(path: str) -> str | None:
    """A small file's text (its bytes as Latin-1), None when there is none."""
    try:
        return read_data(path).decode("latin-1")
    except OSError:
        return None


def _graphs(objects: str) -> list[list[Any]]:
    """The commit-graph files: name, size and time of change (git rewrites them in place)."""
    shown: list[list[Any]] = []
    for folder, names in (
        (os.path.join(objects, "info"), ["commit-graph"]),
        (os.path.join(objects, "info", "commit-graphs"), None),
    ):
        try:
            listed = names if names is not None else sorted(os.listdir(folder))
        except OSError:
            continue
        for name in listed:
            with contextlib.suppress(OSError):
                found = os.stat(os.path.join(folder, name))
                shown.append([os.path.join(os.path.basename(folder), name), found.st_size, found.st_mtime_ns])
    return shown


def _replace_refs(repo: Repo) -> list[list[str]]:
    """Every replace ref and what it names (loose and packed), under the base git uses
    (``GIT_REPLACE_REF_BASE``, by default ``refs/replace/``)."""
    common = repo.common_dir
    base = os.environ.get("GIT_REPLACE_REF_BASE") or "refs/replace/"
    found: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in read_data(os.path.join(common, "packed-refs")).decode("latin-1").splitlines():
            oid, _, name = line.partition(" ")
            if name.startswith(base):
                found[name] = oid
    top = os.path.join(common, *base.rstrip("/").split("/"))
    for folder, _, files in os.walk(top):
        for name in files:
            path = os.path.join(folder, name)
            found[base.rstrip("/") + "/" + os.path.relpath(path, top).replace(os.sep, "/")] = _content(path) or ""
    return sorted([name, oid] for name, oid in found.items())


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


def save(repo: Repo, cache: Cache, made_from: Store) -> None:
    """Replace the file with ``cache`` (made from the object store ``made_from``, taken
    before the sessions were read); a repository that cannot be written to only stays
    without one, and one whose objects moved while the sessions were read is not written."""
    if not made_from.complete(repo):
        return  # the next report writes it
    shown = {
        "store": {
            "fixed": made_from.fixed,
            "packs": made_from.packs,
            "folders": made_from.folders,
            "loose": made_from.loose,
            "listed_at": made_from.listed_at,
        },
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
