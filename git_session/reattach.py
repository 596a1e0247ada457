"""``git session reattach``: give session notes back to commits that carry a linked
commit's change under another id — a cherry-pick without notes, a forge's rebase, a
squash merge.

Changes are compared by ``git patch-id --stable``. The *candidates* are the recent
commits of ``--onto``'s history without a session note; the *sources* are the linked
commits (those with a session note) that are not on that history, each on its own,
and each branch's run of linked commits taken together, as a squash would combine them
(from the run's first parent, and from where the branch forks from ``--onto``).

A candidate matching one commit gets that commit's note copied; one matching a squashed
run gets a line per session of the run, with the objectives and decisions of its
commits. It fails closed: a candidate matching sources of different sessions, or a
change found in more than one candidate, gets nothing and is reported as ambiguous.

``run`` is the same over any ``Scope``: ``autoreattach`` gives it the commits the
branches gained since it last looked, and has the ``Session-Id`` trailers a forge kept
in a squash's message checked too: a message naming another session than the change's
is ambiguous, and a commit of a default branch naming exactly one session whose linked
commits are here, but matching no change (a squash whose conflicts the forge resolved),
is linked to it by that trailer. The sources' patch-ids are kept in
``<common-dir>/git-session/patch-ids`` (by commit and base: derived, rebuilt when a line
cannot be read, rewritten with the sources of each run only).
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from git_session import gitcli, paths, trailers
from git_session.errors import DataError, UserError
from git_session.gitrepo import DIFF_TREE_PATCHES, CommitInfo, Ident, Repo, read_data
from git_session.model import Fields, Meta
from git_session.names import ObjectId, SessionRef
from git_session.notes import Notes, add_raw_lines, canonical_line, parse_lines
from git_session.sessions import Workspace
from git_session.store import Draft, Handle

DEFAULT_LIMIT = 500
FEW = 32  # candidates up to this many have their notes looked up one by one
NOTES_MESSAGE = "git-session: reattach notes by patch-id"


@dataclass(frozen=True)
class Link:
    """A commit given session notes: the change of one linked commit (``how`` "patch")
    or of a branch's linked commits together ("squash")."""

    commit: ObjectId
    subject: str
    how: str
    sessions: tuple[str, ...]
    sources: tuple[ObjectId, ...]
    lines: tuple[bytes, ...]


@dataclass(frozen=True)
class Ambiguity:
    commit: ObjectId
    subject: str
    reason: str
    sessions: tuple[str, ...]
    sources: tuple[ObjectId, ...]


@dataclass(frozen=True)
class Report:
    onto: ObjectId
    examined: int
    linked: tuple[Link, ...]
    ambiguous: tuple[Ambiguity, ...]
    journaled: tuple[tuple[ObjectId, str], ...]  # (commit, session) given a `commit` entry
    problems: tuple[str, ...]
    dry_run: bool

    def view(self) -> dict[str, Any]:
        """Plain data (what ``--json`` prints)."""
        return {
            "onto": self.onto,
            "examined": self.examined,
            "dry_run": self.dry_run,
            "linked": [
                {"commit": x.commit, "subject": x.subject, "how": x.how, "sessions": x.sessions, "sources": x.sources}
                for x in self.linked
            ],
            "ambiguous": [
                {
                    "commit": x.commit,
                    "subject": x.subject,
                    "reason": x.reason,
                    "sessions": x.sessions,
                    "sources": x.sources,
                }
                for x in self.ambiguous
            ],
            "journal": [{"commit": commit, "session": session} for commit, session in self.journaled],
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class _Linked:
    info: CommitInfo
    raw: tuple[bytes, ...]
    lines: tuple[dict[str, Any], ...]  # the lines that name a session


@dataclass(frozen=True)
class _Source:
    how: str
    tip: ObjectId
    base: ObjectId | None  # what ``tip`` is diffed against; None: its parent
    commits: tuple[ObjectId, ...]  # oldest first
    sessions: frozenset[str]
    lines: tuple[bytes, ...]
    time: int


def reattach(ws: Workspace, onto: str = "HEAD", *, limit: int = DEFAULT_LIMIT, dry_run: bool = False) -> Report:
    """Link the recent commits of ``onto`` that have no session note to the sessions
    whose commits carry the same change; write nothing when ``dry_run``."""
    tip = ws.repo.resolve_commit(onto)
    scope = Scope(candidates=lambda: list(_newest(ws.repo, [tip], [], limit)), onto=(tip,), limit=limit)
    return run(ws, scope, dry_run=dry_run)


@dataclass(frozen=True)
class Scope:
    """What one reattach looks at: the commits that may be copies (newest first), the
    histories they went into (a linked commit on one of them is no source), and how far
    back a branch's run of linked commits is followed. ``trailers``: a candidate on an
    ``onto`` history whose message names exactly one session by its trailer, and that
    matches no change, is linked to it (the session's linked commits must be here)."""

    candidates: Callable[[], list[CommitInfo]]
    onto: tuple[ObjectId, ...]
    limit: int = DEFAULT_LIMIT
    trailers: bool = False
    # The tips of the ``onto`` histories before, when the candidates are every commit they
    # gained since: a linked commit is then on them when those reach it or it is a
    # candidate, and nothing walks the new commits again.
    before: tuple[ObjectId, ...] | None = None
    # With ``before``, what lists the candidates instead of ``candidates``, given whether
    # their patch-ids are wanted (a linked commit is away from ``before``) and ``More``:
    # the commits, and their patch-ids found as they were listed (a commit without one has
    # an empty diff) with those of the diffs ``More`` asked for, or None.
    listed: Callable[[bool, More], tuple[list[CommitInfo], Mapping[ObjectId, str] | None]] | None = None


# Given the commits listed, more diffs whose patch-ids the same ``git patch-id`` is to take
# (``git diff-tree --stdin`` lines, "" for none): the patch-ids come back by the first id
# of each line.
More = Callable[[list[CommitInfo]], str]


def run(ws: Workspace, scope: Scope, *, dry_run: bool = False) -> Report:
    """Reattach within ``scope``: match, then write the notes and the journal entries."""
    problems: list[str] = []
    found, ids = _examine_all(ws.repo, Notes.current(ws.repo), scope, problems)
    links: list[Link] = []
    ambiguous: list[Ambiguity] = []
    if found.candidates:
        links, ambiguous = _match(ws.repo, found.candidates, found.sources, ids, found.met)
        if scope.trailers:
            _by_trailer(ws, scope, found.candidates, found.away, links, ambiguous)
    journaled: list[tuple[ObjectId, str]] = []
    if links and not dry_run:
        ident = ws.ident  # read once: it may run git
        add_raw_lines(ws.repo, lambda notes: {link.commit: link.lines for link in links}, ident, NOTES_MESSAGE)
        journaled = _journal(ws, links, problems, ident)
    tip = scope.onto[0] if scope.onto else ObjectId("0" * 40)
    return Report(tip, found.examined, tuple(links), tuple(ambiguous), tuple(journaled), tuple(problems), dry_run)


@dataclass(frozen=True)
class _Examined:
    """What one reattach looks at: how many commits, those that may be copies, the linked
    commits they may be copies of (``away``) and what those give (``sources``); ``met``,
    when given, holds every candidate in a source's history."""

    examined: int
    candidates: list[CommitInfo]
    away: Mapping[ObjectId, _Linked]
    sources: list[_Source]
    met: Set[ObjectId] | None


_Early = tuple[dict[ObjectId, _Linked], set[ObjectId]]


def _examine_all(repo: Repo, notes: Notes, scope: Scope, problems: list[str]) -> tuple[_Examined, dict[_DiffKey, str]]:
    """The commits examined, and the patch-ids to match them by. With ``scope.listed``, the
    sources' patch-ids the cache lacks ride the listing's own ``git patch-id``."""
    if scope.before is None or scope.listed is None:
        found = _examine(repo, notes, scope, scope.candidates(), problems, None)
        return found, _patch_ids(repo, found.candidates, found.sources)
    early = _away(repo, notes, notes.index(), scope.before, problems)
    planned: list[tuple[_Examined, _Plan | None]] = []

    def more(commits: list[CommitInfo]) -> str:
        found = _examine(repo, notes, scope, commits, problems, early)
        plan = _plan(repo, found.sources) if found.candidates and found.sources else None
        planned.append((found, plan))
        return plan.lines if plan is not None else ""

    commits, known = scope.listed(bool(early[0]), more)
    if not planned:
        found = _examine(repo, notes, scope, commits, problems, early)
        return found, _patch_ids(repo, found.candidates, found.sources, known)
    found, plan = planned[0]
    return found, _patch_ids(repo, found.candidates, found.sources, known, plan)


def _examine(
    repo: Repo, notes: Notes, scope: Scope, commits: list[CommitInfo], problems: list[str], early: _Early | None
) -> _Examined:
    """``early``: the linked commits away from ``scope.before``, and the commits their walk met."""
    # A few commits (a command after a commit) look their notes up; many read the index once.
    index = notes.index() if len(commits) > FEW else None
    candidates = [c for c in commits if len(c.parents) <= 1 and not _is_linked(notes, index, c.id, problems)]
    if not candidates:
        return _Examined(len(commits), [], {}, [], None)
    hide, new = (scope.onto, set()) if scope.before is None else (scope.before, {c.id for c in commits})
    if early is not None:  # the same, the linked commits among the new ones left out
        away, walked = {c: n for c, n in early[0].items() if c not in new}, early[1]
    else:
        away, walked = _away(repo, notes, notes.index(), hide, problems, new)
    sources = _sources(repo, scope.before or scope.onto, away, scope.limit)
    # With ``before``, a candidate is a new commit, hidden from no walk back from the
    # linked commits: one that walk did not meet is in no source's history.
    return _Examined(len(commits), candidates, away, sources, walked if scope.before is not None else None)


# --- what is linked, what could be -----------------------------------------------------


def _session_lines(notes: Notes, target: ObjectId, problems: list[str]) -> list[dict[str, Any]]:
    raw = notes.raw_lines(target)
    lines = parse_lines(raw, f"note on {target[:12]}", problems)
    return [line for line in lines if isinstance(line.get("session"), str)]


def _is_linked(notes: Notes, index: Mapping[ObjectId, Any] | None, commit: ObjectId, problems: list[str]) -> bool:
    return (index is None or commit in index) and bool(_session_lines(notes, commit, problems))


def _away(
    repo: Repo,
    notes: Notes,
    index: Mapping[ObjectId, Any],
    onto: Sequence[ObjectId],
    problems: list[str],
    on_onto: Set[ObjectId] = frozenset(),
) -> tuple[dict[ObjectId, _Linked], set[ObjectId]]:
    """The linked commits not on any ``onto`` history (nor in ``on_onto``), children first
    (only their notes are read); and every commit the walk back from them met."""
    present = [t for t in index if t not in on_onto and repo.has_object(t) and repo.is_commit(t)]
    found: dict[ObjectId, _Linked] = {}
    walked: set[ObjectId] = set()
    for commit in repo.walk_all(present, hide=onto):
        walked.add(commit.id)
        if commit.id not in index or commit.id in on_onto:
            continue
        lines = _session_lines(notes, commit.id, problems)
        if lines:
            found[commit.id] = _Linked(commit, tuple(notes.raw_lines(commit.id)), tuple(lines))
    return found, walked


def _newest(repo: Repo, tips: Sequence[ObjectId], hide: Sequence[ObjectId], limit: int) -> Iterator[CommitInfo]:
    """The newest ``limit`` commits reachable from ``tips`` and not from ``hide``."""
    for count, commit in enumerate(repo.walk_all(tips, hide=hide, topological=False)):
        if count >= limit:
            return
        yield commit


def logged(repo: Repo, tips: Sequence[ObjectId], hide: Sequence[ObjectId], limit: int) -> list[CommitInfo]:
    """The newest ``limit`` commits (merges left out) reachable from ``tips`` and not from
    ``hide``, as one ``git log`` lists them: no object of them is read here. (Their author,
    time and tree are not needed to match them, and left empty.)"""
    revisions = "".join(f"{tip}\n" for tip in tips) + "".join(f"^{tip}\n" for tip in hide)
    args = ["log", "--no-merges", "--encoding=UTF-8", f"--max-count={limit}", "--format=%H%x1f%P%x1f%B%x1e", "--stdin"]
    output = gitcli.run(args, git_dir=repo.git_dir, input=revisions).stdout
    found = []
    for record in output.split("\x1e"):
        fields = record.lstrip("\n").split("\x1f", 2)
        if len(fields) == 3:
            commit, parents, message = fields
            above = tuple(ObjectId(p) for p in parents.split())
            found.append(CommitInfo(ObjectId(commit), above, message, "", 0, ObjectId("")))
    return found


# What ``git diff-tree`` (``Repo.patch_ids``) would show: a porcelain ``git log -p`` obeys
# the user's diff settings (prefixes, context, algorithm, colour, signatures), which would
# change the patch-ids; these pin every one that does.
_LOG_DIFF = (
    "-c",
    "diff.noprefix=false",
    "-c",
    "diff.mnemonicPrefix=false",
    "-c",
    "diff.suppressBlankEmpty=false",
    "log",
    "-p",
    "--root",
    "--binary",
    "--no-renames",
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--no-show-signature",
    "--unified=3",
    "--inter-hunk-context=0",
    "--diff-algorithm=myers",
    "--indent-heuristic",
    "--ignore-submodules=none",
    "--submodule=short",  # diff.submodule=log or diff shows no "Subproject commit" lines
    "--no-relative",
    "--src-prefix=a/",  # diff.srcPrefix and diff.dstPrefix (git >= 2.45) would change them too
    "--dst-prefix=b/",
)
# The commit line carries the parents (a line starting with an id would be taken by
# ``git patch-id`` for a new commit); the message is indented by four spaces, so none of
# its lines is taken for one either, and it ends at the first line that is not.
_LOG_HEADER = "--format=commit%x20%H%x20%P%n%w(0,4,4)%B"  # %x20: a space


def logged_with_patch_ids(
    repo: Repo, tips: Sequence[ObjectId], hide: Sequence[ObjectId], limit: int, more: More | None = None
) -> tuple[list[CommitInfo], dict[ObjectId, str]]:
    """What ``logged`` lists, and the ``git patch-id --stable`` of each commit (one with an
    empty diff has none), from ONE ``git log -p | git patch-id`` pipeline: the listing is
    taken from the stream as it passes to ``git patch-id``. The diffs ``more`` asks for,
    given the listing, go to the same ``git patch-id`` after it (by ``git diff-tree``)."""
    revisions = "".join(f"{tip}\n" for tip in tips) + "".join(f"^{tip}\n" for tip in hide)
    headers = _Headers()
    args = [*_LOG_DIFF, "--no-merges", "--encoding=UTF-8", f"--max-count={limit}", _LOG_HEADER, "--stdin"]

    def then() -> tuple[Sequence[str], str] | None:
        headers.feed(b"", final=True)
        lines = more(headers.commits) if more is not None else ""
        return (DIFF_TREE_PATCHES, lines) if lines else None

    output = gitcli.tee_pipeline(
        args, ["patch-id", "--stable"], git_dir=repo.git_dir, input=revisions, sink=headers.feed, then=then
    )
    return headers.commits, _by_commit(output)


class _Headers:
    """The commits of a ``git log -p`` stream in ``_LOG_HEADER``'s format, parsed as it
    passes: only each commit's header is looked at, never its diff (no diff line starts
    with ``commit ``: they start with a space, ``+``, ``-``, ``@``, a word of git's, or
    a base85 letter of a binary patch)."""

    def __init__(self) -> None:
        self.commits: list[CommitInfo] = []
        self._tail = b"\n"  # the stream's first line starts after a line break too

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        data = self._tail + chunk
        if final and not data.endswith(b"\n"):
            data += b"\n"
        for found in _HEADER.finditer(data):
            end = found.end()
            if not final and data.find(b"\n", end) < 0 and b"    ".startswith(data[end : end + 4]):
                self._tail = data[found.start() :]  # its next line, not all here, may be one of its own
                return
            commit, parents, lines = found.groups()
            message = lines[4:].replace(b"\n    ", b"\n").decode("utf-8", "surrogateescape")
            above = tuple(ObjectId(p) for p in parents.decode("ascii").split())
            self.commits.append(CommitInfo(ObjectId(commit.decode("ascii")), above, message, "", 0, _NO_ID))
        # A first line cut at the chunk's end, or a "\ncommit" cut there, is read with the next.
        last = data.rfind(b"\ncommit ")
        self._tail = data[last:] if last >= 0 and data.find(b"\n", last + 1) < 0 else data[-7:]


# A header: its first line (the commit, its parents) and its message's lines, indented.
_HEADER = re.compile(rb"\ncommit ([0-9a-f]+) ([0-9a-f ]*)\n((?:    [^\n]*\n)*)")
_NO_ID = ObjectId("")  # what the listing leaves empty: it does not read the commits' trees


def _sources(repo: Repo, onto: Sequence[ObjectId], away: Mapping[ObjectId, _Linked], limit: int) -> list[_Source]:
    """What a candidate may be a copy of: the linked commits not on the ``onto`` histories,
    one by one, and each branch's runs of them squashed."""
    sources = [
        _Source("patch", c, None, (c,), frozenset(_sessions(n.lines)), n.raw, n.info.time)
        for c, n in away.items()
        if len(n.info.parents) <= 1
    ]
    by_branch: dict[str, set[ObjectId]] = defaultdict(set)
    for commit, note in away.items():
        for line in note.lines:
            by_branch[str(line.get("branch") or "")].add(commit)
    for branch, members in sorted(by_branch.items()):
        for run_ in _runs(repo, members, away, limit):
            sources.extend(_squash_sources(repo, onto, branch, run_, away))
    return sources


def _sessions(lines: Iterable[Mapping[str, Any]]) -> set[str]:
    return {str(line["session"]) for line in lines}


def _runs(repo: Repo, members: set[ObjectId], away: Mapping[ObjectId, _Linked], limit: int) -> list[list[ObjectId]]:
    """The members in runs along history, each oldest first: from the newest member not
    in a run yet, back through the members it reaches (looking ``limit`` commits back).

    ``away`` is in topological order, children first: it orders members, not their dates.
    """
    rank = {commit: index for index, commit in enumerate(away)}
    runs: list[list[ObjectId]] = []
    seen: set[ObjectId] = set()
    for last in sorted(members, key=rank.__getitem__):
        if last in seen:
            continue
        run: list[ObjectId] = []
        for count, commit in enumerate(repo.walk(last, topological=False)):
            if count >= limit or len(run) == len(members):
                break
            if commit.id in members:
                run.append(commit.id)
        seen.update(run)
        runs.append(sorted(run, key=rank.__getitem__, reverse=True))
    return runs


def _squash_sources(
    repo: Repo, onto: Sequence[ObjectId], branch: str, run: Sequence[ObjectId], away: Mapping[ObjectId, _Linked]
) -> list[_Source]:
    """A run squashed: from its first commit's parent, and from where it forks from each ``onto``."""
    first, last = away[run[0]].info, away[run[-1]].info
    bases = []
    if len(run) > 1 and len(first.parents) == 1:
        bases.append(first.parents[0])
    for tip in onto:
        fork = repo.merge_base(tip, last.id)
        if fork is not None and fork != last.id and fork not in bases and (len(run) > 1 or (fork,) != first.parents):
            bases.append(fork)
    lines = _squash_lines(branch, run, away)
    sessions = frozenset(_sessions(_lines_of(branch, run, away)))
    return [_Source("squash", last.id, base, tuple(run), sessions, lines, last.time) for base in bases]


def _lines_of(branch: str, run: Sequence[ObjectId], away: Mapping[ObjectId, _Linked]) -> list[dict[str, Any]]:
    return [line for c in run for line in away[c].lines if str(line.get("branch") or "") == branch]


def _squash_lines(branch: str, run: Sequence[ObjectId], away: Mapping[ObjectId, _Linked]) -> tuple[bytes, ...]:
    """One line per session of the run: its objectives and decisions, the newest state of
    each (by id), and the commits squashed."""
    by_session: dict[str, list[tuple[ObjectId, dict[str, Any]]]] = defaultdict(list)
    for commit in run:
        for line in away[commit].lines:
            if str(line.get("branch") or "") == branch:
                by_session[str(line["session"])].append((commit, line))
    lines = []
    for session, found in sorted(by_session.items()):
        value: dict[str, Any] = {"session": session}
        if branch:
            value["branch"] = branch
        for key in ("objectives", "decisions"):
            value[key] = _union(line.get(key) for _, line in found)
        value["squashed"] = list(dict.fromkeys(commit for commit, _ in found))
        lines.append(canonical_line(value))
    return tuple(sorted(lines))


def _union(lists: Iterable[Any]) -> list[Any]:
    """Items of several lists, one per id (the last one seen), in first-seen order."""
    merged: dict[str, Any] = {}
    for items in lists:
        for item in items if isinstance(items, list) else []:
            key = (
                str(item["id"]) if isinstance(item, dict) and "id" in item else canonical_line({"item": item}).decode()
            )
            merged[key] = item
    return list(merged.values())


# --- matching ---------------------------------------------------------------------------

_DiffKey = tuple[ObjectId, ObjectId | None]


def _patch_ids(
    repo: Repo,
    candidates: Sequence[CommitInfo],
    sources: Sequence[_Source],
    known: Mapping[ObjectId, str] | None = None,
    plan: _Plan | None = None,
) -> dict[_DiffKey, str]:
    """Patch-ids of every candidate and source: the candidates' from ``known`` when it is
    given, the sources' from the cache when it has them, else from ``known`` when ``plan``
    (made for these sources) had them computed with it; the rest by ``git diff-tree |
    git patch-id``, the candidates' with them: one run, more only for squashes of a same
    base tree (``_plan``)."""
    if not candidates or not sources:
        return {}
    found = dict(known or {})
    if plan is None:
        plan = _plan(repo, sources)
        wanted = "" if known is not None else "".join(f"{c.id}\n" for c in candidates)
        found.update(_diff_ids(repo, wanted + plan.lines))
    ids: dict[_DiffKey, str] = {(c.id, None): found[c.id] for c in candidates if c.id in found}
    fresh = {key: found.get(output, "") for output, key in plan.by_output.items()}  # "": an empty diff
    fresh.update(_apart(repo, plan.rest))
    cached = {**plan.cached, **fresh}
    ids.update({key: pid for key, pid in cached.items() if pid})
    if cached != plan.cache:
        _save_cache(repo, cached)  # the sources of now only: it follows the linked commits away
    return ids


@dataclass(frozen=True)
class _Plan:
    """How the sources' patch-ids are found: ``cached`` (of ``cache``, the file's), the diffs
    of the others as ``git diff-tree --stdin`` lines, whose patch-ids come back by the first
    id of each line (``by_output``), and those to compute apart (``rest``)."""

    cache: Mapping[_DiffKey, str]
    cached: Mapping[_DiffKey, str]
    lines: str
    by_output: Mapping[ObjectId, _DiffKey]
    rest: Sequence[_DiffKey]


def _plan(repo: Repo, sources: Sequence[_Source]) -> _Plan:
    """A commit against its parents is fed as itself; a squash as its base's tree and its
    last commit's tree, and comes back by the base tree (fed as the commit and its base,
    ``diff-tree`` would take the base for the commit's parent from then on, and the commit
    comes again as itself). A second squash from the same base tree, or from a base that
    cannot be read here, is computed apart."""
    keys = {(s.tip, s.base) for s in sources}
    cache = _load_cache(repo)
    cached = {key: cache[key] for key in keys if key in cache}
    lines: list[str] = []
    by_output: dict[ObjectId, _DiffKey] = {}
    rest: list[_DiffKey] = []
    for tip, base in sorted(keys - cached.keys(), key=lambda key: (key[0], key[1] or "")):
        trees = (tip,) if base is None else _trees(repo, base, tip)
        if trees is None or trees[0] in by_output:
            rest.append((tip, base))
            continue
        by_output[trees[0]] = (tip, base)
        lines.append(" ".join(trees) + "\n")
    return _Plan(cache, cached, "".join(lines), by_output, rest)


def _trees(repo: Repo, base: ObjectId, tip: ObjectId) -> tuple[ObjectId, ObjectId] | None:
    try:
        return repo.commit(base).tree, repo.commit(tip).tree
    except DataError:
        return None


def _diff_ids(repo: Repo, lines: str) -> dict[ObjectId, str]:
    """The ``git patch-id --stable`` of each ``git diff-tree --stdin`` line, by its first id."""
    if not lines:
        return {}
    output = gitcli.pipeline(DIFF_TREE_PATCHES, ["patch-id", "--stable"], git_dir=repo.git_dir, input=lines)
    return _by_commit(output)


def _by_commit(output: str) -> dict[ObjectId, str]:
    """``git patch-id`` lines (``PATCH-ID COMMIT``), by commit."""
    words = output.split()
    return {ObjectId(commit): patch_id for patch_id, commit in zip(words[::2], words[1::2], strict=False)}


def _apart(repo: Repo, diffs: Sequence[_DiffKey]) -> dict[_DiffKey, str]:
    """Patch-ids of squashes in as few runs as can be, a same last commit once in each
    (``Repo.patch_ids``), side by side (each is two git processes; Python only waits)."""
    batches: list[list[_DiffKey]] = []
    ranges = sorted(diffs, key=lambda key: (key[0], key[1] or ""))
    while ranges:
        batch: dict[ObjectId, ObjectId | None] = {}
        later = []
        for last, base in ranges:
            if last in batch:
                later.append((last, base))
            else:
                batch[last] = base
        batches.append(list(batch.items()))
        ranges = later
    if not batches:
        return {}
    with ThreadPoolExecutor(max_workers=min(len(batches), 4)) as pool:
        found = list(pool.map(repo.patch_ids, batches))
    return {(c, b): by_commit.get(c, "") for batch, by_commit in zip(batches, found, strict=True) for c, b in batch}


# The sources' patch-ids, by their diff (commit, base): derived data, so a line that
# cannot be read is left out (and computed again), and the file is rewritten whole.
def _load_cache(repo: Repo) -> dict[_DiffKey, str]:
    try:
        raw = read_data(paths.patch_id_cache(repo))
    except OSError:
        return {}
    if not raw.startswith(_CACHE_HEADER):
        return {}  # written before submodules' ignore settings were overridden: maybe stale
    found: dict[_DiffKey, str] = {}
    for line in raw[len(_CACHE_HEADER) :].decode("ascii", "replace").splitlines():
        fields = line.split(" ")
        if len(fields) != 3 or not all(_CACHED.fullmatch(f) for f in fields):
            continue
        commit, base, patch_id = fields
        if commit != "-":
            found[ObjectId(commit), None if base == "-" else ObjectId(base)] = "" if patch_id == "-" else patch_id
    return found


_CACHED = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}|-")
_CACHE_HEADER = b"patch-ids 2\n"


def _save_cache(repo: Repo, cached: Mapping[_DiffKey, str]) -> None:
    lines = sorted(f"{commit} {base or '-'} {pid or '-'}\n" for (commit, base), pid in cached.items())
    with contextlib.suppress(OSError):  # a read-only repository: computed again next time
        data = _CACHE_HEADER + "".join(lines).encode("ascii")
        trailers.write_atomically(paths.patch_id_cache(repo), data, only_if_changed=True)


def _match(
    repo: Repo,
    candidates: Sequence[CommitInfo],
    sources: Sequence[_Source],
    ids: Mapping[_DiffKey, str],
    met: Set[ObjectId] | None = None,
) -> tuple[list[Link], list[Ambiguity]]:
    """``met``: when given, every candidate in a source's history is in it."""
    by_id: dict[str, list[_Source]] = defaultdict(list)
    for source in sources:
        if (source.tip, source.base) in ids:
            by_id[ids[source.tip, source.base]].append(source)
    matches: dict[str, list[tuple[CommitInfo, list[_Source]]]] = defaultdict(list)
    for candidate in candidates:
        patch_id = ids.get((candidate.id, None))
        if patch_id is None or patch_id not in by_id:
            continue
        # A commit a source grew from is not a copy of it.
        maybe_grew = met is None or candidate.id in met
        found = [s for s in by_id[patch_id] if not (maybe_grew and _grew_from(repo, candidate.id, s.tip))]
        if found:
            matches[patch_id].append((candidate, found))
    links: list[Link] = []
    ambiguous: list[Ambiguity] = []
    for same_change in matches.values():
        for candidate, found in same_change:
            verdict = _verdict(candidate, found, [c for c, _ in same_change if c.id != candidate.id])
            if isinstance(verdict, Link):
                links.append(verdict)
            else:
                ambiguous.append(verdict)
    return sorted(links, key=lambda x: x.commit), sorted(ambiguous, key=lambda x: x.commit)


def _grew_from(repo: Repo, commit: ObjectId, tip: ObjectId) -> bool:
    """Whether ``commit`` is in ``tip``'s history, as git itself says (few are asked: the
    matches; libgit2 would read every new commit of the default branch through our reader)."""
    if commit == tip:
        return True
    result = gitcli.run(["merge-base", "--is-ancestor", commit, tip], git_dir=repo.git_dir, check=False)
    return result.returncode == 0


def _verdict(candidate: CommitInfo, found: Sequence[_Source], twins: Sequence[CommitInfo]) -> Link | Ambiguity:
    subject = candidate.message.split("\n", 1)[0]
    sessions = tuple(sorted(set().union(*(s.sessions for s in found))))
    sources = tuple(dict.fromkeys(c for s in found for c in s.commits))
    if twins:
        reason = f"the same change is also in {', '.join(c.id[:12] for c in twins)}"
        return Ambiguity(candidate.id, subject, reason, sessions, sources)
    if len({s.sessions for s in found}) > 1:
        return Ambiguity(candidate.id, subject, "it matches commits of different sessions", sessions, sources)
    chosen = [s for s in found if s.how == "patch"] or [max(found, key=lambda s: (s.time, s.tip))]
    lines = tuple(sorted({line for s in chosen for line in s.lines}))
    commits = tuple(dict.fromkeys(c for s in chosen for c in s.commits))
    return Link(candidate.id, subject, chosen[0].how, sessions, commits, lines)


# --- by trailer -------------------------------------------------------------------------


def _by_trailer(
    ws: Workspace,
    scope: Scope,
    candidates: Sequence[CommitInfo],
    away: Mapping[ObjectId, _Linked],
    links: list[Link],
    ambiguous: list[Ambiguity],
) -> None:
    """Check the links by the sessions the candidates' messages name (a forge's squash keeps
    the commits' trailers in its body), and link by them a candidate of an ``onto`` history
    that names exactly one session whose linked commits are here but matches no change."""
    pattern = session_pattern(ws.repo)
    by_session: dict[str, list[ObjectId]] = defaultdict(list)
    for commit, note in away.items():
        for session in _sessions(note.lines):
            by_session[session].append(commit)
    decided = {x.commit for x in links} | {x.commit for x in ambiguous}
    for link in list(links):
        named = _named(pattern, _message(candidates, link.commit))
        if named and not set(link.sessions) <= named:
            links.remove(link)
            reason = "its message names another session than the commits with its change"
            ambiguous.append(Ambiguity(link.commit, link.subject, reason, link.sessions, link.sources))
    # One search of all the messages first: most name no session.
    naming = candidates if pattern.search("\n".join(c.message for c in candidates)) else ()
    for candidate in naming:
        named = _named(pattern, candidate.message)
        if candidate.id in decided or not named:
            continue
        subject = candidate.message.split("\n", 1)[0]
        if len(named) > 1:
            sessions = tuple(sorted(named))
            ambiguous.append(Ambiguity(candidate.id, subject, "its message names several sessions", sessions, ()))
        elif (session := next(iter(named))) in by_session and _on_onto(ws.repo, candidate.id, scope.onto):
            lines = _trailer_lines(session, by_session[session], away)
            links.append(Link(candidate.id, subject, "trailer", (session,), tuple(by_session[session]), lines))
    links.sort(key=lambda x: x.commit)
    ambiguous.sort(key=lambda x: x.commit)


def session_pattern(repo: Repo) -> re.Pattern[str]:
    """A line of a message naming a session by the ``Session-Id`` trailer (its configured
    key), also quoted, indented or bulleted as squash messages write their commits'."""
    key = trailers.keys(repo)[0]
    return re.compile(rf"^[ \t>*-]*{re.escape(key)}:[ \t]*([0-9A-Za-z]{{26}})[ \t]*$", re.MULTILINE | re.IGNORECASE)


def _message(candidates: Sequence[CommitInfo], commit: ObjectId) -> str:
    return next((c.message for c in candidates if c.id == commit), "")


def _named(pattern: re.Pattern[str], message: str) -> set[str]:
    return {match.lower() for match in pattern.findall(message)}


def _on_onto(repo: Repo, commit: ObjectId, onto: Sequence[ObjectId]) -> bool:
    return any(_grew_from(repo, commit, tip) for tip in onto)


def _trailer_lines(session: str, commits: Sequence[ObjectId], away: Mapping[ObjectId, _Linked]) -> tuple[bytes, ...]:
    """The line of a commit linked by its trailer: the session's state in its newest linked commit."""
    newest = max(commits, key=lambda c: (away[c].info.time, c))
    found = [line for line in away[newest].lines if line["session"] == session]
    value: dict[str, Any] = {"session": session}
    for key in ("branch", "objectives", "decisions"):
        if key in found[0]:
            value[key] = found[0][key]
    return (canonical_line(value),)


# --- the sessions' journals --------------------------------------------------------------


def _journal(ws: Workspace, links: Sequence[Link], problems: list[str], ident: Ident) -> list[tuple[ObjectId, str]]:
    """A `commit` entry in each linked session (a local one), unless it has one for the commit."""
    refs: dict[str, SessionRef] = {handle.id: handle.ref for handle in ws.store.handles()}
    done = []
    for link in links:
        for session in link.sessions:
            if session not in refs:
                problems.append(f"session {session} is not in this repository: no journal entry for {link.commit[:12]}")
                continue
            try:
                if _add_commit_entry(ws, refs[session], link, ident):
                    done.append((link.commit, session))
            except (DataError, UserError) as exc:
                problems.append(f"session {session}: no journal entry for {link.commit[:12]}: {exc.message}")
    return done


def _add_commit_entry(ws: Workspace, ref: SessionRef, link: Link, ident: Ident) -> bool:
    added = []

    def build(handle: Handle, meta: Meta) -> list[Draft]:
        if any(e.commit == link.commit for e in ws.store.entries(handle, "commit")):
            return []
        added.append(True)
        # Marked: not a commit made on the session's branch, but one found to carry its work.
        fields: Fields = {
            "text": link.subject or link.commit,
            "commit": link.commit,
            "reattached": link.how,
            "sources": list(link.sources),  # what it is a copy of: their links stand (atrisk)
        }
        return [Draft.add("commit", fields, agent=ws.agent)]

    ws.store.append(ref, build, ident, f"commit: {link.subject} (reattached)")
    return bool(added)
