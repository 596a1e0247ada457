"""A session's commit entries by the commit they name: derived, local data that linking
reads instead of decoding every commit entry (issue 14).

The index lives outside the session's tree, in the private folder
(``commit-index/<session id>``), so that a session's tree is exactly what its operations
make of it on every clone, whichever git-session wrote it. The file says the session tip
it was made for, then holds the records appended since, each bringing it from one tip to
the next (a link adds a line or a few: the file is not written whole again for them)::

    git-session commit-index 2 <tip> <lines> <bytes> <sha256 of the lines>
    <commit> <entry id>            one line per commit entry (``-``: the entry names no full id)
    git-session commit-index record <from tip> <to tip> <lines> <bytes> <sha256 of its lines>
    <commit> <entry id>            the lines it adds

A record counts only whole (its checksum) and only from the tip the file is at when it
comes (two writers appending from the same tip: the second one's does not); the records
before a torn or damaged one, or one that does not follow, still count, and the next
writer writes the file whole again. So does one whose update moves an entry (a rewrite),
or when the records pass ``MAX_RECORDS`` or a quarter of the base's bytes.

It is never trusted over the store. Made for the session's tip: used as it is. Made for an
ancestor of the tip: brought up to date from the operations since that tip only (the commit
entries they add or move, each read from the tip's tree). Anything else (a rewritten or
redacted history, a missing, damaged or unreadable file, a count that is not the meta's):
made again from every commit entry, once. An entry it names is read and checked to name
that commit, else the caller reads every entry. Failing to write it fails no command.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from git_session import paths, trailers
from git_session.errors import SessionError
from git_session.fold import EMPTY_META, apply, target_entry
from git_session.gitrepo import Repo, read_data
from git_session.model import Entry, Op
from git_session.names import ID_PATTERN, REMOTE_SESSIONS_PREFIX, ObjectId
from git_session.store import Handle, Store

MAGIC = b"git-session commit-index 2"
RECORD = b"git-session commit-index record"
MAX_RECORDS = 32  # records appended before the file is written whole again
SEARCHED_FIRST = 8  # commits looked for line by line before the lines are split once
NO_COMMIT = b"-"
_TIP = rb"([0-9a-f]{40}|[0-9a-f]{64})"
_SIZES = rb" ([0-9]{1,9}) ([0-9]{1,10}) ([0-9a-f]{64})\n"
_HEADER = re.compile(re.escape(MAGIC) + rb" " + _TIP + _SIZES)
_RECORD = re.compile(re.escape(RECORD) + rb" " + _TIP + rb" " + _TIP + _SIZES)
Line = Callable[[Entry], bytes]  # an entry's line in an index, ending in `` <entry id>\n``


class CommitIndex:
    """The commit entries of one session (at one tip) found by the commit they name."""

    def __init__(self, store: Store, handle: Handle, lines: bytes) -> None:
        self.store, self.handle, self.lines = store, handle, lines
        self._by_commit: dict[bytes, list[bytes]] | None = None
        self._asked = 0

    def named(self, commit: ObjectId) -> list[Entry] | None:
        """The entries naming ``commit`` (rewritten ones too); ``None`` when one the index
        names does not (the index is then not to be trusted)."""
        found = []
        for raw in self._entry_ids(commit.encode("ascii")):
            entry_id = raw.decode("ascii", "replace")
            entry = self.store.entry(self.handle, "commit", entry_id) if ID_PATTERN.fullmatch(entry_id) else None
            if entry is None or entry.kind != "commit" or entry.commit != commit:
                return None
            found.append(entry)
        return found

    def pairs(self) -> Iterator[tuple[str, str]]:
        """(commit, entry id) of every line, in order (``-``: the entry names no full commit id)."""
        for line in self.lines.splitlines():
            commit, _, entry_id = line.decode("ascii", "replace").partition(" ")
            yield commit, entry_id

    @staticmethod
    def stands_for(commit: str, entry: Entry) -> bool:
        """Whether ``entry``, read from the store, is what a line naming it with ``commit`` says."""
        return entry.kind == "commit" and _line(entry) == f"{commit} {entry.id}\n".encode()

    def _entry_ids(self, commit: bytes) -> list[bytes]:
        """The entry ids on the lines ``<commit> <id>``: the first few commits asked are
        searched for, then the lines are split once (a rebase asks about every commit)."""
        self._asked += 1
        if self._by_commit is None and self._asked <= SEARCHED_FIRST:
            return [word for whole, word in self._lines_from(commit + b" ") if whole]
        if self._by_commit is None:
            self._by_commit = {}
            for line in self.lines.split(b"\n"):
                named, _, word = line.partition(b" ")
                if _one_word(word):
                    self._by_commit.setdefault(named, []).append(word)
        return self._by_commit.get(commit, [])

    def _lines_from(self, prefix: bytes) -> Iterator[tuple[bool, bytes]]:
        """After each place ``prefix`` is found: whether it starts a line that ends in one
        word after it, and what follows it on that line."""
        at = self.lines.find(prefix)
        while at >= 0:
            end = self.lines.find(b"\n", at)
            end = len(self.lines) if end < 0 else end
            word = self.lines[at + len(prefix) : end]
            yield (at == 0 or self.lines[at - 1] == 0x0A) and _one_word(word), word
            at = self.lines.find(prefix, at + 1)


def _one_word(word: bytes) -> bool:
    """One word and nothing else (what the index writes after a commit)."""
    return word.split() == [word]


def commit_index(store: Store, handle: Handle) -> CommitIndex:
    """The session's commit index at its tip: read, brought up to date, or made again."""
    return CommitIndex(
        store, handle, current_lines(store, handle, paths.commit_index_file(store.repo, handle.id), _line)
    )


def current_lines(store: Store, handle: Handle, path: Path, line: Line) -> bytes:
    """The lines of the index file at ``path`` at the session's tip: read, brought up to
    date, or made again. ``line`` makes an entry's line, which ends in `` <entry id>\n``
    (the at-risk check keeps its own index this way: ``atrisk.py``)."""
    cached = _read(path)
    expected = sum(store.meta(handle).counts.get("commit", {}).values())
    lines, added = None, None
    if cached is not None:
        lines = cached.lines
        if cached.tip != handle.tip:
            lines, added = _updated(store, handle, cached.tip, lines, line) or (None, None)
    if lines is None or lines.count(b"\n") != expected:
        lines, added = _made(store, handle, line), None
    _keep(path, cached, handle, lines, added)
    return lines


def _keep(path: Path, cached: _Cached | None, handle: Handle, lines: bytes, added: bytes | None) -> None:
    """The file at ``path`` (read as ``cached``) made to hold ``lines`` at the handle's tip:
    ``added`` appended as one record when they are what it adds, else written whole (when
    it does not hold them already). Failing to write it fails nothing."""
    if cached is not None and added is not None and cached.takes(added) and _appended(path, cached, handle, added):
        return
    with contextlib.suppress(OSError):  # a cache: the next command makes it again
        if cached is None or cached.torn or (cached.tip, cached.lines) != (handle.tip, lines):
            trailers.write_atomically(path, index_bytes(handle.tip, lines))


def _line(entry: Entry) -> bytes:
    commit = entry.commit.encode("ascii") if entry.commit and ObjectId.is_full(entry.commit) else NO_COMMIT
    return commit + b" " + entry.id.encode("ascii") + b"\n"


def _made(store: Store, handle: Handle, line: Line = _line) -> bytes:
    return b"".join(line(entry) for entry in store.entries(handle, "commit"))


def _updated(
    store: Store, handle: Handle, tip: ObjectId, lines: bytes, line: Line = _line
) -> tuple[bytes, bytes | None] | None:
    """``lines`` (made at ``tip``) brought up to the handle's tip, and the lines added when
    that is all the update did (``None``: it moved some); ``None``: to be made again."""
    try:
        if not store.repo.has_object(tip):
            return None
        since = list(store.repo.walk(handle.tip, [tip], topological=False))
        if not any(tip in info.parents for info in since):  # (what proves ``tip`` an ancestor: no check of its own)
            return None
        touched: dict[str, Op | None] = {}  # each entry's add, if nothing since updated it
        moved = False
        for info in since:
            moved |= _touch(store.commit_ops(info, handle.id), touched)
        if moved:  # the lines of the entries an update touched go: each is written again below
            gone = {entry_id.encode("ascii") for entry_id in touched}
            kept = []
            for each in lines.splitlines(keepends=True):
                named = each[:-1].rpartition(b" ")[2]
                if named not in gone:
                    kept.append(each)
                else:  # there already: a second copy of its add (a history merged in) changed nothing
                    touched[named.decode("ascii")] = None
            lines = b"".join(kept)
        added = []
        for entry_id, added_by in touched.items():  # an entry only added is what its add makes
            entry = (
                store.entry(handle, "commit", entry_id) if added_by is None else apply(EMPTY_META, None, added_by)[1]
            )
            if entry is None:
                return None
            added.append(line(entry))
        return lines + b"".join(added), None if moved else b"".join(added)
    except (SessionError, KeyError, ValueError):
        return None


def _touch(ops: Iterable[Op], touched: dict[str, Op | None]) -> bool:
    """Note in ``touched`` the commit entries ``ops`` touch, each with its add if that is
    all that touched it so far (``None``: to be read from the store); whether one moved."""
    moved = False
    for op in ops:
        target = target_entry(op)
        if target is not None and op.data.get("kind") == "commit":
            touched[target] = op if op.action == "add" and target not in touched else None
            moved |= op.action != "add"
    return moved


def follow(store: Store, before: Handle, after: Handle, ops: Iterable[Op], path: Path, line: Line = _line) -> None:
    """The index file at ``path``, at ``before``'s tip, brought to ``after``: the commit this
    process has just written on that tip with ``ops``, whose entries are known without
    reading them back (no ancestry check, walk or decoding of the commit). Only for ops that
    add commit entries and nothing else (an update moves lines: the next reader brings the
    file up to date as it does for another writer's commit); a file at another tip, torn or
    damaged is left to the next reader too. Failing to write it fails nothing."""
    touched: dict[str, Op | None] = {}
    if _touch(ops, touched) or None in touched.values():
        return
    cached = _read(path)
    if cached is None or cached.torn or cached.tip != before.tip or after.tip == before.tip:
        return
    entries = [apply(EMPTY_META, None, op)[1] for op in touched.values() if op is not None]
    added = b"".join(line(entry) for entry in entries if entry is not None)
    _keep(path, cached, after, cached.lines + added, added)


def forget_others(repo: Repo, ids: Collection[str]) -> None:
    """Remove the indexes (this one and the at-risk check's) of the sessions not among
    ``ids``: deleted, or gone from here. Called where the other derived data of sessions
    that are gone is dropped (``Workspace.all_sessions``, when the sessions' fields are
    cached again); one made again later costs one read of its session's entries. Those of
    the sessions fetched from a remote (``handoff`` of one makes them) stay while a copy
    is here: the refs under refs/session-remotes/ are listed only when an index is of no
    local session."""
    others: list[tuple[str, str]] = []
    # (at-risk-absent/, at-risk-reached/: the at-risk check's memos of the session's commits, atrisk.py)
    for folder in (paths.COMMIT_INDEX_FOLDER, paths.AT_RISK_INDEX_FOLDER, "at-risk-absent", "at-risk-reached"):
        with contextlib.suppress(OSError), os.scandir(paths.private_dir(repo) / folder) as found:
            others += [(e.name, e.path) for e in found if ID_PATTERN.fullmatch(e.name) and e.name not in ids]
    if not others:
        return
    fetched = {name.rsplit("/", 1)[1] for name in repo.ref_names(REMOTE_SESSIONS_PREFIX)}
    for name, path in others:
        if name not in fetched:
            with contextlib.suppress(OSError):  # (a folder planted there, say: left as it is)
                os.unlink(path)


def index_bytes(tip: ObjectId, lines: bytes) -> bytes:
    """The index file of ``lines`` made for ``tip``."""
    return b"%s %s%s" % (MAGIC, tip.encode("ascii"), _sized(lines))


def record_bytes(tip: ObjectId, to: ObjectId, lines: bytes) -> bytes:
    """The record that brings an index at ``tip`` to ``to`` by adding ``lines``."""
    return b"%s %s %s%s" % (RECORD, tip.encode("ascii"), to.encode("ascii"), _sized(lines))


def _sized(lines: bytes) -> bytes:
    """`` <lines> <bytes> <sha256>\n`` and the lines."""
    checksum = hashlib.sha256(lines).hexdigest().encode()
    return b" %d %d %s\n" % (lines.count(b"\n"), len(lines), checksum) + lines


class _Cached(NamedTuple):
    """An index file as read: the tip its last whole record brings it to, and its lines."""

    tip: ObjectId
    lines: bytes
    base: int  # the bytes of the lines the header counts
    tail: int  # the bytes of the records that follow them
    records: int
    torn: bool  # something after the last record that counts: written whole by the next writer

    def takes(self, added: bytes) -> bool:
        """Whether ``added`` is appended as one more record (else the file is written whole)."""
        return not self.torn and self.records < MAX_RECORDS and self.tail + len(added) <= self.base // 4


def _read(path: Path) -> _Cached | None:
    """The index file at ``path``, or ``None``: absent, unreadable, damaged or not one."""
    try:
        data = read_data(path)
    except OSError:
        return None
    match = _HEADER.match(data)
    lines = _counted(data, match)
    if match is None or lines is None:
        return None
    tip, parts, at = ObjectId(match.group(1).decode("ascii")), [lines], match.end() + len(lines)
    while at < len(data):
        record = _RECORD.match(data, at)
        added = _counted(data, record, 1)
        if record is None or added is None or record.group(1) != tip.encode("ascii"):
            break
        tip = ObjectId(record.group(2).decode("ascii"))
        parts.append(added)
        at = record.end() + len(added)
    base = len(parts[0])
    return _Cached(tip, b"".join(parts), base, at - match.end() - base, len(parts) - 1, at < len(data))


def _counted(data: bytes, match: re.Match[bytes] | None, tips: int = 0) -> bytes | None:
    """The lines after a header or record line ``match``: as many lines and bytes as it
    says, whose checksum it holds; ``None`` when they are not."""
    if match is None:
        return None
    count, size, checksum = match.group(tips + 2, tips + 3, tips + 4)
    lines = data[match.end() : match.end() + int(size)]
    if len(lines) != int(size) or lines.count(b"\n") != int(count) or lines[-1:] not in (b"", b"\n"):
        return None
    return lines if hashlib.sha256(lines).hexdigest().encode() == checksum else None


def _appended(path: Path, cached: _Cached, handle: Handle, added: bytes) -> bool:
    """Whether the record bringing the index file from its tip to the handle's by adding
    ``added`` was appended to it in one write (another writer's record lands whole before or
    after it). ``False``: no regular file there, one that cannot be appended to (a symbolic
    link, another user's file in a shared repository) or one with another name too (a copy of
    the repository made of hard links, whose file it also is): the caller writes the file
    whole, as it would without records (else it would stay at its tip, or change the copy's)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        found = os.fstat(descriptor)
        if not stat.S_ISREG(found.st_mode) or found.st_nlink != 1:  # (a hard link: another copy's file too)
            return False
        record = record_bytes(cached.tip, handle.tip, added)
        return os.write(descriptor, record) == len(record)
    except OSError:  # (a full disk: what was written of it is a torn record, which is not believed)
        return False
    finally:
        os.close(descriptor)
