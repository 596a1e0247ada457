"""Links at risk: the commits of a session that no branch reaches any more (a rewrite the
hooks did not follow, a branch dropped, a squash nobody matched) and that no copy was
found for. ``status``, ``push`` and ``doctor`` say so, with the session's last commit
that still stands (on a branch, or a copy reattached).

A commit counts when its ``commit`` entry is live (not marked rewritten: the hooks
followed that one) and is not itself a reattached copy. It is matched when a reattached
copy names it among its ``sources``, or a note of a copy lists it as ``squashed``.
The walk goes from those commits and stops at the branches: its cost follows the
session's commits that left them, not the repository's history.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from git_session import paths
from git_session.autoreattach import watched_tips
from git_session.commitindex import current_lines, follow
from git_session.errors import DataError, UserError
from git_session.gitrepo import Repo, read_data, read_memo, write_memo
from git_session.model import Entry, Op
from git_session.names import ID_PATTERN, OBJECT_ID_PATTERN, ObjectId
from git_session.sessions import Workspace
from git_session.store import Handle, Store


@dataclass(frozen=True)
class AtRisk:
    lost: tuple[ObjectId, ...]  # oldest first
    last: ObjectId | None  # the newest commit of the session that still stands
    last_subject: str

    def message(self, short: str) -> str:
        """The warning, for the session shown as ``short``."""
        count = len(self.lost)
        what = f"{count} commit{'s' if count != 1 else ''} of session {short} {'were' if count != 1 else 'was'}"
        if self.last is None:
            return f"{what} rewritten or dropped; no commit of it is on a branch any more"
        return f"{what} rewritten or dropped; the last link is {self.last[:12]} {self.last_subject[:60]!r}"


def at_risk(ws: Workspace, handle: Handle) -> AtRisk | None:
    """The session's commits no branch reaches and no copy matched; ``None``: none."""
    with contextlib.suppress(_NotSaid, DataError, UserError):  # damaged data: as the entries say it
        if sum(ws.store.meta(handle).counts.get("commit", {}).values()):  # none: nothing to index
            return _from_index(ws, handle)
    return _from_entries(ws, handle)


def _from_entries(ws: Workspace, handle: Handle) -> AtRisk | None:
    """``at_risk`` from every commit entry, decoded (the index could not say)."""
    entries = [e for e in ws.store.entries(handle, "commit") if e.commit and not e.rewritten]
    originals = [e for e in entries if not e.values.get("reattached")]
    if not originals:
        return None
    gone = _unreachable([ObjectId(str(e.commit)) for e in originals], ws, handle) - _matched(ws, entries)
    if not gone:
        return None
    lost = tuple(ObjectId(str(e.commit)) for e in originals if e.commit in gone)
    standing = [e for e in entries if e.commit not in gone]
    last = standing[-1] if standing else None
    return AtRisk(lost, ObjectId(str(last.commit)) if last else None, last.text if last else "")


# The at-risk index: one line per commit entry, ``<kind> <commit> <entry id>``, kept as the
# commit index is (``commitindex.current_lines``: made for the session's tip, brought up to
# date from the operations since, made again when it cannot be). ``<kind>``: ``r`` rewritten,
# ``c`` a reattached copy, ``o`` an original; ``<commit>``: ``-`` none, ``?`` one that is no
# full id (the entries are then read, as they always were).
INDEX_FOLDER = paths.AT_RISK_INDEX_FOLDER  # at-risk-index/<session id>, in the private folder
ABSENT_FOLDER = "at-risk-absent"  # at-risk-absent/<session id>: its commits found absent (Repo.present)
ORIGINAL, COPY, REWRITTEN = "o", "c", "r"
NO_COMMIT, ODD_COMMIT = "-", "?"


class _NotSaid(Exception):
    """The at-risk index does not say (an entry is not what it says, or it holds a
    commit value that is no full id): the entries are read."""


def index_line(entry: Entry) -> bytes:
    """The at-risk index's line of a commit entry."""
    kind = REWRITTEN if entry.rewritten else COPY if entry.values.get("reattached") else ORIGINAL
    commit = (
        entry.commit if entry.commit and ObjectId.is_full(entry.commit) else ODD_COMMIT if entry.commit else NO_COMMIT
    )
    return f"{kind} {commit} {entry.id}\n".encode("ascii")


def index_file(repo: Repo, session_id: str) -> Path:
    """A session's at-risk index (``session_id`` is a checked id: never a path)."""
    return paths.private_dir(repo) / INDEX_FOLDER / session_id


def follow_index(store: Store, before: Handle, after: Handle, ops: Sequence[Op]) -> None:
    """The session's at-risk index brought along the commit this process just wrote on
    ``before`` (``commitindex.follow``): the check after a link then reads it as it is."""
    follow(store, before, after, ops, index_file(store.repo, after.id), index_line)


def _from_index(ws: Workspace, handle: Handle) -> AtRisk | None:
    """``at_risk`` from the at-risk index: the entries are read only where the answer needs
    them (each copy, for what it matched; the last link that stands, for its subject), each
    checked to be what its line says; ``_NotSaid`` when the index cannot say (the entries are read)."""
    live = _live(current_lines(ws.store, handle, index_file(ws.repo, handle.id), index_line).decode("ascii", "replace"))
    originals = [commit for kind, commit, _ in live if kind == ORIGINAL]
    if not originals:
        return None
    gone = _unreachable(originals, ws, handle)
    if gone:
        copies = [_read(ws, handle, line) for line in live if line[0] == COPY]
        if None in copies:
            raise _NotSaid
        gone -= _matched(ws, [copy for copy in copies if copy is not None])
    if not gone:
        return None
    # As the store lists the entries: by the folder each is in (``store.entry_path``: named by
    # its id's last two characters), then by id (the key: those two characters, then the id).
    live.sort(key=lambda line: line[2][-2:] + line[2])
    lost = tuple(commit for kind, commit, _ in live if kind == ORIGINAL and commit in gone)
    standing = [line for line in live if line[1] not in gone]
    if not standing:
        return AtRisk(lost, None, "")
    last = _read(ws, handle, standing[-1])
    if last is None:
        raise _NotSaid
    return AtRisk(lost, standing[-1][1], last.text)


# Index lines as ``index_line`` writes them, all of them.
_WELL_FORMED = re.compile(
    rf"(?:[{ORIGINAL}{COPY}{REWRITTEN}] (?:{OBJECT_ID_PATTERN.pattern}|{NO_COMMIT}) {ID_PATTERN.pattern}\n)*"
)


def _live(text: str) -> list[tuple[str, ObjectId, str]]:
    """(kind, commit, entry id) of the entries not rewritten that name a commit, in the
    index's order: found by one pattern over the whole text when every line is as written
    (a 10,000-line index), else line by line. ``_NotSaid`` when a line cannot say."""
    if _WELL_FORMED.fullmatch(text):  # then its words are the lines' three fields, in turn
        words = text.split()
        # (each commit is an ``ObjectId`` as it is: every line matched ``OBJECT_ID_PATTERN``)
        lines = cast("Iterable[tuple[str, ObjectId, str]]", zip(words[0::3], words[1::3], words[2::3], strict=True))
        return [line for line in lines if line[0] != REWRITTEN and line[1] != NO_COMMIT]
    live = []
    for line in text.splitlines():
        kind, commit, entry_id = [*line.split(" "), "", ""][:3]
        if commit == ODD_COMMIT or kind not in (ORIGINAL, COPY, REWRITTEN) or not ID_PATTERN.fullmatch(entry_id):
            raise _NotSaid
        if kind != REWRITTEN and commit != NO_COMMIT:
            live.append((kind, ObjectId(commit), entry_id))
    return live


def _read(ws: Workspace, handle: Handle, line: tuple[str, ObjectId, str]) -> Entry | None:
    """The entry of an index line, if it is what the line says."""
    kind, commit, entry_id = line
    entry = ws.store.commit_entry(handle, entry_id)
    if (
        entry is None
        or entry.id != entry_id
        or entry.kind != "commit"
        or index_line(entry) != f"{kind} {commit} {entry_id}\n".encode()
    ):
        return None
    return entry


def _unreachable(commits: Iterable[ObjectId], ws: Workspace, handle: Handle) -> set[ObjectId]:
    """The commits no branch reaches, nor a tag, nor a detached HEAD (those hold a commit
    as a branch does: a release tagged, a commit checked out; they are looked at only when
    the branches leave some commit, so a repository's many tags cost nothing otherwise).
    Those of the session's commits found absent are remembered, with the object store as it
    was (``Repo.present``): looked up again only where the store may have gained them; and
    those the branches reached, with the branches' tips (``_Reached``): walked again only when
    a branch no longer holds the tip it had."""
    repo = ws.repo
    wanted = set(commits)
    private = paths.private_dir(repo)  # (a session id is checked: never a path)
    here = repo.present(wanted, private / ABSENT_FOLDER / handle.id)
    tips = watched_tips(repo)
    # (a graft, or a shallow clone's: history changed under the same tips, as the walk and gc see it)
    grafted = repo.is_shallow or os.path.lexists(os.path.join(repo.common_dir, "info", "grafts"))
    reached = None if grafted else _Reached.load(private / REACHED_FOLDER / handle.id)
    known = reached.still_reached(repo, tips) & here if reached is not None else set()
    present = [c for c in wanted if c in here and c not in known and repo.is_commit(c)]
    branches = list(tips.values())
    found = {c.id for c in repo.walk_all(present, hide=branches) if c.id in wanted}
    now = _Reached(tips, (known | set(present)) - found)
    # (what a graft joins is no memo without it; a few commits the memo lacks are walked
    # again next time rather than the memo written whole again for them: a link adds one)
    if not grafted and (reached is None or (len(present) > WALKED_UNSAVED and now != reached)):
        now.save(private / REACHED_FOLDER / handle.id)
    if found:
        found = {c.id for c in repo.walk_all(list(found), hide=[*branches, *_held(repo)]) if c.id in wanted}
    return found | (wanted - known - set(present))


# at-risk-reached/<session id>: the session's commits the branches reached, with the branches' tips then.
REACHED_FOLDER = "at-risk-reached"
WALKED_UNSAVED = 64  # commits the memo lacks walked on each check before it is written again with them


@dataclass
class _Reached:
    """Commits the branches reached, and the branches' tips then. A commit reached from a
    tip is reached from every commit that has that tip in its history: while each branch
    still holds its tip (the same, or one it is an ancestor of), the commits are reached
    still (whether they are still here is looked up all the same). A branch gone, moved to
    a commit that does not hold its tip (a rebase, a reset), or a file that cannot be read:
    every commit is walked again."""

    tips: dict[str, ObjectId]
    ids: set[str]

    HEADER = b"git-session at-risk reached 1 "

    @classmethod
    def load(cls, path: Path) -> _Reached | None:
        memo = read_memo(path, cls.HEADER)
        if memo is None:
            return None
        tips, ids = memo
        if not isinstance(tips, dict) or not all(
            isinstance(tip, str) and ObjectId.is_full(tip) for tip in tips.values()
        ):
            return None
        return cls({str(name): ObjectId(tip) for name, tip in tips.items()}, set(ids))

    def save(self, path: Path) -> None:
        write_memo(path, self.HEADER, self.tips, self.ids)

    def still_reached(self, repo: Repo, tips: dict[str, ObjectId]) -> set[str]:
        """The commits reached then that the branches ``tips`` reach now."""
        for name, tip in self.tips.items():
            now = tips.get(name)
            if now is None:
                return set()
            try:
                if now != tip and not repo.is_ancestor(tip, now):
                    return set()
            except (DataError, UserError):
                return set()
        return self.ids


def _held(repo: Repo) -> list[ObjectId]:
    """The commits the tags point at (through annotated tags), and a detached HEAD's."""
    held = []
    for name in repo.ref_names("refs/tags/"):
        with contextlib.suppress(DataError, UserError):  # a tag of a tree or a blob holds no commit
            held.append(repo.resolve_commit(name))
    if repo.head_branch() is None:
        with contextlib.suppress(DataError, UserError):
            head = repo.head_commit()
            if head is not None:
                held.append(head)
    return held + _other_detached_heads(repo)


def _other_detached_heads(repo: Repo) -> list[ObjectId]:
    """The detached HEADs of the repository's other worktrees too (``git gc`` keeps what
    any of them holds): each ``HEAD`` file that names a commit (the current one's is
    among them: it is held already)."""
    files = [os.path.join(repo.common_dir, "HEAD")]
    with contextlib.suppress(OSError), os.scandir(os.path.join(repo.common_dir, "worktrees")) as entries:
        files += [os.path.join(e.path, "HEAD") for e in entries if e.is_dir(follow_symlinks=False)]
    held = []
    for path in files:
        try:
            text = read_data(path, 100).decode("ascii").strip()
        except (OSError, ValueError):
            continue
        if ObjectId.is_full(text) and repo.has_object(text) and repo.is_commit(text):
            held.append(ObjectId(text))
    return held


def _matched(ws: Workspace, entries: Iterable[Entry]) -> set[str]:
    """The commits a reattached copy carries the work of (by the journal, or by its note)."""
    matched: set[str] = set()
    for entry in entries:
        if not entry.values.get("reattached"):
            continue
        from git_session.notes import read_note  # only when there is a copy to look up

        sources = entry.values.get("sources")
        if isinstance(sources, list):
            matched.update(s for s in sources if isinstance(s, str))
        try:
            lines = read_note(ws.repo, ObjectId.of(str(entry.commit)))
        except (DataError, UserError):
            continue
        for line in lines:
            squashed = line.get("squashed")
            if isinstance(squashed, list):
                matched.update(s for s in squashed if isinstance(s, str))
    return matched


def warnings(ws: Workspace, handles: Iterable[Handle]) -> list[str]:
    """One line per session at risk (a session that cannot be read is left to the others' checks)."""
    lines = []
    for handle in handles:
        try:
            found = at_risk(ws, handle)
        except (DataError, UserError):
            continue
        if found is not None:
            lines.append(found.message(ws.short_session_id(handle.id)))
    return lines
