"""The ids of the local sessions, for short ids, without listing every session ref.

A session lives at ``refs/sessions/<branch-key>/<id>``: loose, one folder per branch, or in
``packed-refs``. Listing them all reads every branch folder (10,000 of them for 10,000
sessions on their own branches): most of the cost of a command that shows one short id.

``<common-dir>/git-session/session-refs`` keeps, for each branch folder, what it held when
it was last read, with the folder's inode and modification time; and the session ids of
``packed-refs`` with that file's inode, size and time. It is derived data, checked against
the refs on every read, never trusted over them:

- a folder whose inode or time differs from the one recorded is read again (a ref written,
  added or removed in a folder changes its time, whoever writes it: git-session, a plain
  ``git fetch`` or ``update-ref``, a push into this repository); so is ``refs/sessions/``
  itself (a branch folder added or removed) and ``packed-refs``;
- a time too close to when it was recorded (``RACY_NS``, as git judges its index "racy")
  is never taken as proof that nothing changed since: that folder is read every time until
  the file is written again;
- a missing, damaged or unknown file is rebuilt from the refs; one that cannot be written
  (a read-only repository) only costs the full listing.

One session's short id (``ids_sharing``) depends only on the ids that share its first
characters, so only the folders that can change those are checked: ``refs/sessions/`` (a
branch folder added or removed: then every folder is), ``packed-refs``, and the folders
holding an id of that prefix (the session's own among them). A ref that plain git writes
into ANOTHER branch's existing folder (a push of that branch's sessions into this clone)
is seen by the next full check: any listing of the sessions (``list``, ``session_refs``,
``session_ids``), and a read whose last full check is older than ``FULL_CHECK_NS``. A short
id is only shown: a session named by a prefix is always looked up among the refs themselves.

The file is replaced whole (a temporary file renamed over it): two commands writing it at
once leave one of their two versions, each checked as above by the next reader.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass, field

from git_session import paths
from git_session.gitrepo import Repo, read_data, replace_file, share_made
from git_session.names import ID_LENGTH, ID_PATTERN, SESSIONS_PREFIX, ObjectId, SessionRef

HEADER = "git-session session refs 2"
# A time recorded less than this before the file was written is not trusted: a change in
# the same clock tick (or within a file system's coarse time, 2 s on FAT) would not show.
RACY_NS = 3_000_000_000
FULL_CHECK_NS = 60_000_000_000  # a short id reads every folder again at least this often
REWRITE_AFTER = 32  # folders read again without a change of ids before the file is rewritten
_PACKED = "packed-refs"
_NOT_TRUSTED = (0, 0)


@dataclass
class _Index:
    """What the file records: the folder ``refs/sessions/``'s stamp, ``packed-refs``'s and
    the session ids it holds, and each branch folder's stamp and session ids (a stamp is an
    inode and a time in ns; 0 for either: read it again)."""

    root: tuple[int, int] = _NOT_TRUSTED
    packed: tuple[int, int, int] = (0, 0, 0)  # inode, size, time
    packed_ids: list[str] = field(default_factory=list)  # ``<branch-key>/<id>:<tip>``
    names: list[str] = field(default_factory=list)
    inodes: list[int] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    # Each folder's refs, ``<id>:<tip>`` space-separated (``<id>:`` when its file does not
    # hold an object id: counted among the ids, not listed as a session).
    folder_ids: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # all of them, sorted, once each
    checked: int = 0  # when every folder was last checked (time.time_ns())


def session_ids(repo: Repo) -> list[str]:
    """The ids of every local session (well-formed session refs, loose or packed), sorted."""
    return _current(repo).ids


def session_refs(repo: Repo) -> list[tuple[SessionRef, ObjectId]]:
    """Every local session's ref and the commit it points at (a loose ref before a packed one
    of the same name, as git reads them; a ref whose file holds no object id left out), in
    the order of their names: ``Store.handles()`` without reading 10,000 ref files."""
    index = _current(repo)
    tips: dict[str, str] = {}
    for entry in index.packed_ids:
        name, _, tip = entry.partition(":")
        tips[name] = tip
    for key, refs in zip(index.names, index.folder_ids, strict=True):
        for entry in refs.split():
            tips[f"{key}/{entry[:ID_LENGTH]}"] = entry[ID_LENGTH + 1 :]
    listed = sorted((name, tip) for name, tip in tips.items() if ObjectId.is_sha1(tip))
    return [(SessionRef(SESSIONS_PREFIX + name), ObjectId(tip)) for name, tip in listed]


def session_added(repo: Repo) -> None:
    """git-session wrote a new session's ref, maybe into another branch's existing folder
    (``start`` in another worktree, ``pull``), which ``ids_sharing`` does not check: the next
    read checks every folder (their stamps, not their refs) before it shows a short id."""
    target = os.fspath(paths.session_refs_index(repo))
    try:
        head, checked, rest = read_data(target).split(b"\n", 2)
    except (OSError, ValueError):
        return  # none recorded (or none this version reads): the next read checks every folder
    if head != HEADER.encode() or checked == b"0":
        return
    with contextlib.suppress(OSError):  # a read-only repository: no index is written there either
        replace_file(target, b"\n".join([head, b"0", rest]))


def ids_sharing(repo: Repo, one: str, length: int) -> list[str]:
    """The ids of the local sessions that start with ``one[:length]``, sorted: all that the
    short id of ``one`` (at least ``length`` long) depends on. Checks only the folders that
    can change them, and every folder when the last full check is ``FULL_CHECK_NS`` old."""
    prefix = one[:length]
    index_path = paths.session_refs_index(repo)
    unchanged = _unchanged_near(repo.common_dir, index_path, prefix)
    if unchanged is not None:
        return unchanged
    recorded = _load(index_path)
    near = None
    if recorded is not None and _recent(recorded.checked, FULL_CHECK_NS):
        near = _refresh_near(repo.common_dir, recorded, prefix)
    if near is None:
        index = _current(repo, recorded, loaded=True)
    else:
        index, changed = near
        if changed:
            with contextlib.suppress(OSError):  # a read-only repository: read again next time
                _write(index_path, index)
    start = bisect.bisect_left(index.ids, prefix)
    return list(itertools.takewhile(lambda i: i.startswith(prefix), index.ids[start:]))


def _unchanged_near(common_dir: str, index_path: os.PathLike[str], prefix: str) -> list[str] | None:
    """The recorded ids starting with ``prefix`` when nothing that can change them changed
    (the common case: a few ``stat`` calls and no parse of the whole file); ``None``: a
    check failed or the file cannot tell, and ``_refresh_near`` is to decide."""
    try:
        head = read_data(index_path).split(b"\n", 9)
        if len(head) < 10 or head[0] != HEADER.encode() or not _recent(int(head[1]), FULL_CHECK_NS):
            return None
        root = os.path.join(common_dir, *SESSIONS_PREFIX.rstrip("/").split("/"))
        if head[2] == b"0 0" or _stamp(root) != tuple(map(int, head[2].split())):
            return None
        if not _packed_unchanged(common_dir, head[3], head[5]):
            return None
        wanted = prefix.encode("ascii")
        lines = {head[9].count(b"\n", 0, at) for at in _token_starts(head[9], wanted)}
        names, inodes, times = head[6].split(), head[7].split(), head[8].split()
        for line in lines:
            name = names[line].decode("ascii")
            if times[line] == b"0" or not SessionRef.is_branch_key(name):
                return None
            if _stamp(os.path.join(root, name)) != (int(inodes[line]), int(times[line])):
                return None
        return [_token_at(head[4], at).decode("ascii") for at in _token_starts(head[4], wanted)]
    except (OSError, ValueError, IndexError, UnicodeError):
        return None


def _recent(checked: int, within: int) -> bool:
    """Whether a full check recorded at ``checked`` is at most ``within`` old; one ahead of
    the clock (written before the clock was set back) proves nothing."""
    return 0 <= time.time_ns() - checked <= within


def _token_at(text: bytes, at: int) -> bytes:
    end = text.find(b" ", at)
    return text[at:] if end < 0 else text[at:end]


def _token_starts(text: bytes, word: bytes) -> list[int]:
    """Where ``word`` begins a space- or line-separated token of ``text`` (``bytes.find``:
    a regular expression over the megabyte of 10,000 folders' refs costs ten times more)."""
    found = []
    at = text.find(word)
    while at >= 0:
        if at == 0 or text[at - 1] in b" \n":
            found.append(at)
        at = text.find(word, at + 1)
    return found


def _packed_unchanged(common_dir: str, recorded: bytes, packed_ids: bytes) -> bool:
    try:
        info = os.stat(os.path.join(common_dir, _PACKED))
    except OSError:
        return recorded == b"0 0 0" and not packed_ids
    return recorded != b"0 0 0" and recorded == f"{info.st_ino} {info.st_size} {info.st_mtime_ns}".encode()


def _current(repo: Repo, recorded: _Index | None = None, *, loaded: bool = False) -> _Index:
    """The index checked against every folder (written when it changed, or to record the
    check when the last one recorded is half ``FULL_CHECK_NS`` old)."""
    index_path = paths.session_refs_index(repo)
    if recorded is None and not loaded:
        recorded = _load(index_path)
    current, changed = _refresh(repo.common_dir, recorded or _Index())
    current.checked = time.time_ns()
    stale = recorded is None or not _recent(recorded.checked, FULL_CHECK_NS // 2)
    if changed or stale:
        with contextlib.suppress(OSError):  # a read-only repository: the next read lists again
            _write(index_path, current)
    return current


# --- checking the record against the refs ------------------------------------------------


def _refresh(common_dir: str, old: _Index) -> tuple[_Index, bool]:
    """The index as the refs are now, and whether it differs enough from the record to be
    written again."""
    root = os.path.join(common_dir, *SESSIONS_PREFIX.rstrip("/").split("/"))
    root_stamp = _stamp(root)
    current = _Index(root=root_stamp or _NOT_TRUSTED)
    changed = bool(old.names)  # no folder of sessions any more: every loose one was removed
    if root_stamp is not None:
        stamps = _stamps(root, old.names) if root_stamp == old.root else None
        if stamps is not None:  # the same folders: those whose stamp changed are read again
            changed = _patch(root, old, current, *stamps)
        else:
            changed = _reread(root, old, current) or _aged(old.root, root_stamp)
    packed_changed = _refresh_packed(common_dir, old, current)
    if changed or packed_changed:
        current.ids = _all_ids(current)
    else:
        current.ids = old.ids
    return current, changed or packed_changed


def _refresh_near(common_dir: str, old: _Index, prefix: str) -> tuple[_Index, bool] | None:
    """``_refresh`` for the ids starting with ``prefix``: the folders holding one of them
    read again when their stamp changed. ``None``: a folder was added or removed (or is
    gone, or ``refs/sessions/`` changed too recently to tell): every folder is to be checked."""
    root = os.path.join(common_dir, *SESSIONS_PREFIX.rstrip("/").split("/"))
    root_stamp = _stamp(root)
    near = [i for i, refs in enumerate(old.folder_ids) if f" {refs}".find(f" {prefix}") >= 0]
    stamps = _stamps(root, [old.names[i] for i in near]) if root_stamp == old.root and root_stamp else None
    if stamps is None:
        return None
    current = _Index(root=old.root, names=old.names, inodes=list(old.inodes), times=list(old.times))
    current.folder_ids, current.checked = list(old.folder_ids), old.checked
    changed = False
    for i, inode, mtime in zip(near, *stamps, strict=True):
        if (inode, mtime) == (old.inodes[i], old.times[i]):
            continue
        found = _ids_in(os.path.join(root, old.names[i]), old.names[i])
        current.inodes[i], current.times[i] = inode, mtime
        if found is None:  # no longer a folder (a race): read again next time
            current.times[i] = 0
        current.folder_ids[i] = " ".join(found or [])
        changed = changed or current.folder_ids[i] != old.folder_ids[i]
    packed_changed = _refresh_packed(common_dir, old, current)
    current.ids = _all_ids(current) if changed or packed_changed else old.ids
    return current, changed or packed_changed


def _all_ids(index: _Index) -> list[str]:
    loose = (entry[:ID_LENGTH] for entry in " ".join(index.folder_ids).split())
    return sorted({*loose, *(entry.partition(":")[0].rpartition("/")[2] for entry in index.packed_ids)})


def _patch(root: str, old: _Index, current: _Index, inodes: list[int], times: list[int]) -> bool:
    """``current`` as ``old`` with the folders whose stamp changed read again; whether their
    ids changed, or so many stamps that the record is worth writing."""
    current.names, current.inodes, current.times = old.names, inodes, times
    current.folder_ids = old.folder_ids
    if inodes == old.inodes and times == old.times:
        return False
    current.folder_ids = list(old.folder_ids)
    moved = [i for i, stamp in enumerate(zip(inodes, times, strict=True)) if stamp != (old.inodes[i], old.times[i])]
    changed = False
    for i in moved:
        found = _ids_in(os.path.join(root, old.names[i]), old.names[i])
        if found is None:  # no longer a folder (a race): listed again next time
            current.times[i], found = 0, []
        current.folder_ids[i] = " ".join(found)
        changed = changed or current.folder_ids[i] != old.folder_ids[i]
    return changed or len(moved) > REWRITE_AFTER


def _reread(root: str, old: _Index, current: _Index) -> bool:
    """Fill ``current`` from the folders as they are now (after a folder was added or
    removed), reading again those whose stamp changed; whether any ids changed."""
    recorded = {name: i for i, name in enumerate(old.names)}
    changed = False
    for name in _folder_names(root):
        stamp = _stamp(os.path.join(root, name))
        if stamp is None:
            continue
        at = recorded.pop(name, None)
        if at is not None and stamp == (old.inodes[at], old.times[at]):
            ids = old.folder_ids[at]
        else:
            found = _ids_in(os.path.join(root, name), name)
            if found is None:
                continue
            ids = " ".join(found)
            changed = changed or at is None or ids != old.folder_ids[at]
        current.names.append(name)
        current.inodes.append(stamp[0])
        current.times.append(stamp[1])
        current.folder_ids.append(ids)
    return changed or bool(recorded)


def _stamps(root: str, names: list[str]) -> tuple[list[int], list[int]] | None:
    """The inode and time of each folder, in order; ``None`` when one is gone."""
    try:
        folder = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None
    try:
        found = [os.stat(name, dir_fd=folder, follow_symlinks=False) for name in names]
    except OSError:
        return None
    finally:
        os.close(folder)
    return [f.st_ino for f in found], [f.st_mtime_ns for f in found]


def _aged(recorded: tuple[int, int], now_stamp: tuple[int, int]) -> bool:
    """Whether a stamp recorded as not to be trusted (too recent then) could be trusted now:
    worth writing the file again, so that the next read need not list the folder."""
    return recorded == _NOT_TRUSTED and now_stamp[1] < time.time_ns() - RACY_NS


def _refresh_packed(common_dir: str, old: _Index, current: _Index) -> bool:
    path = os.path.join(common_dir, _PACKED)
    try:
        info = os.stat(path)
    except OSError:
        return bool(old.packed_ids) or old.packed != (0, 0, 0)
    stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
    if stamp == old.packed:
        current.packed, current.packed_ids = old.packed, old.packed_ids
        return False
    current.packed, current.packed_ids = stamp, _packed_ids(path)
    return True


def _stamp(path: str) -> tuple[int, int] | None:
    """A folder's inode and modification time; ``None`` when it is not a folder."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None
    return info.st_ino, info.st_mtime_ns


def _folder_names(root: str) -> list[str]:
    try:
        return sorted(name for name in os.listdir(root) if SessionRef.is_branch_key(name))
    except OSError:
        return []


def _ids_in(folder: str, branch_key: str) -> list[str] | None:
    """The loose session refs of a branch folder, ``<id>:<tip>`` (lock files and anything not a
    session's ref left out); ``None`` when it is not a folder after all."""
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if not e.is_dir(follow_symlinks=False)]
    except OSError:
        return None
    refs = [name for name in sorted(names) if _is_session(branch_key, name)]
    return [f"{name}:{_loose_tip(os.path.join(folder, name))}" for name in refs]


def _loose_tip(path: str) -> str:
    """The object id a loose ref's file holds; empty when it holds none (a symbolic ref, a
    damaged file: git-session lists neither)."""
    try:
        data = read_data(path, 128)
    except OSError:
        return ""
    tip = data.decode("ascii", "replace").strip()
    return tip if ObjectId.is_sha1(tip) else ""


def _is_session(branch_key: str, name: str) -> bool:
    """Whether ``refs/sessions/<branch_key>/<name>`` is a session's ref (``SessionRef.of``)."""
    return SessionRef.is_branch_key(branch_key) and ID_PATTERN.fullmatch(name) is not None


def _packed_ids(path: str) -> list[str]:
    try:
        data = read_data(path)
    except OSError:
        return []
    prefix = re.escape(SESSIONS_PREFIX.encode())
    found = re.findall(b"(?:^|\n)([0-9a-f]{40}) " + prefix + b"([a-z0-9-]+)/([0-9a-z]+)(?=\r?\n|$)", data)
    return [f"{k.decode()}/{i.decode()}:{tip.decode()}" for tip, k, i in found if _is_session(k.decode(), i.decode())]


# --- the file ------------------------------------------------------------------------------


_NAMES = re.compile(r"(?:[a-z0-9][a-z0-9-]{0,63}(?: |$))*")


def _load(path: os.PathLike[str]) -> _Index | None:
    """The recorded index; ``None`` when there is none, or none this version reads."""
    try:
        lines = read_data(path).decode("utf-8").split("\n")
        return _parse(lines)
    except (OSError, ValueError, IndexError, UnicodeError):
        return None


def _parse(lines: list[str]) -> _Index | None:
    """Lines: the header; when every folder was last checked; the root's stamp; packed-refs'
    stamp; every id, sorted; the packed ids; the folders' names, inodes and times; then each
    folder's ids, a line each."""
    if lines[0] != HEADER or lines[-1] != "":
        return None
    checked = int(lines[1])
    lines = lines[1:]
    if not _NAMES.fullmatch(lines[5]):
        return None
    root = tuple(map(int, lines[1].split()))
    packed = tuple(map(int, lines[2].split()))
    names = lines[5].split()
    inodes, times = list(map(int, lines[6].split())), list(map(int, lines[7].split()))
    folder_ids = lines[8:-1]
    if len(root) != 2 or len(packed) != 3 or not len(names) == len(inodes) == len(times) == len(folder_ids):
        return None
    return _Index(
        root=(root[0], root[1]),
        packed=(packed[0], packed[1], packed[2]),
        packed_ids=lines[4].split(),
        names=names,
        inodes=inodes,
        times=times,
        folder_ids=folder_ids,
        ids=lines[3].split(),
        checked=checked,
    )


def _write(path: os.PathLike[str], index: _Index) -> None:
    """Write the index whole or not at all; a time too close to now is recorded as not to be
    trusted (the file's own time is the file system's now)."""
    target = os.fspath(path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", dir=os.path.dirname(target))
    try:
        share_made(descriptor)
        with open(descriptor, "w", encoding="utf-8") as handle:
            now = os.fstat(handle.fileno()).st_mtime_ns
            handle.write(_text(index, now - RACY_NS))
        os.replace(temporary, target)
    except BaseException:  # (Ctrl-C too: nothing left behind)
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _text(index: _Index, trusted_before: int) -> str:
    """The file's text; a time from ``trusted_before`` on is written as 0 (read it again)."""
    root = index.root if index.root[1] < trusted_before else _NOT_TRUSTED
    packed = index.packed if index.packed[2] < trusted_before else (0, 0, 0)
    times = [t if t < trusted_before else 0 for t in index.times]
    lines = [
        HEADER,
        str(index.checked),
        " ".join(map(str, root)),
        " ".join(map(str, packed)),
        " ".join(index.ids),
        " ".join(index.packed_ids),
        " ".join(index.names),
        " ".join(map(str, index.inodes)),
        " ".join(map(str, times)),
        *index.folder_ids,
    ]
    return "\n".join(lines) + "\n"
