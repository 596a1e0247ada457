"""All pygit2 access. Everything else sees plain values: ids, texts, dataclasses."""

from __future__ import annotations

import bisect
import contextlib
import errno
import functools
import hashlib
import itertools
import json
import operator
import os
import re
import signal
import stat
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple, TypeAlias, overload

import pygit2
from pygit2.enums import ConfigLevel, DeltaStatus, FileMode, ObjectType, RepositoryOpenFlag, SortMode

from git_session import gitcli
from git_session.committer import Committer, committer
from git_session.errors import Advice, ConflictError, DataError, FileSystemError, GitError, UserError, file_system_error
from git_session.names import PRIVATE_PREFIX, REMOTE_SESSIONS_PREFIX, SESSIONS_PREFIX, BranchName, ObjectId

# Refs only git-session writes, never per-worktree: listed without libgit2 (see ref_names).
_FILE_MODES = (FileMode.BLOB, FileMode.BLOB_EXECUTABLE)
_LOGGED_REF_PREFIXES = (SESSIONS_PREFIX, PRIVATE_PREFIX)
_OWN_REF_PREFIXES = (SESSIONS_PREFIX, REMOTE_SESSIONS_PREFIX, PRIVATE_PREFIX)
# Listed from their folders and packed-refs, not by libgit2's listing of every ref: the
# branches are looked at by every command (``autoreattach``), beside 10,000 sessions.
_LISTED_REF_PREFIXES = (*_OWN_REF_PREFIXES, "refs/heads/", "refs/remotes/", "refs/tags/")
_IDENT = re.compile(r"(?P<name>.*) <(?P<email>[^<>]*)> (?P<time>[0-9]+) (?P<tz>[+-][0-9]{4})")
RETRY_SECONDS = 30.0  # how long update_ref rebuilds and retries before it gives up
RACY_NS = 2_000_000_000  # a folder changed this recently may change again within the same file time
STALE_LOCK_SECONDS = 60.0  # a lock of ours is held for microseconds; even a starved process lets go sooner
# ``git diff-tree --stdin`` writing the patches ``git patch-id`` reads: each line fed is a
# commit (against its parents), a commit and the commits standing for its parents, or two
# trees; the user's diff settings are not read by this plumbing command (but a submodule's
# ``ignore`` setting is).
DIFF_TREE_PATCHES = (
    "diff-tree",
    "--stdin",
    "-p",
    "--root",
    "--binary",
    "--no-renames",
    "--no-ext-diff",
    "--no-textconv",
    "--ignore-submodules=none",  # as git log -p is told: submodule.<name>.ignore=all hides a bump
)


@contextlib.contextmanager
def _writing(what: str) -> Iterator[None]:
    """A fault of the file system while libgit2 writes becomes one line naming it."""
    try:
        yield
    except OSError as exc:
        raise file_system_error(exc, f"write {what}") from None
    except SystemError as exc:  # pygit2 wraps what our object backend's write raised (see _BoundedLoose)
        if not isinstance(exc.__cause__, OSError):
            raise
        raise file_system_error(exc.__cause__, f"write {what}") from None


def open_data(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for reading, never waiting: data on disk is untrusted, and a FIFO, a
    device or a folder planted where a file of ours (or git's) belongs would block ``open``
    or a read forever. Anything but a regular file raises an ``OSError``, so each caller's
    handling of an unreadable file applies (a cache is rebuilt, data says it cannot be read)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):  # what open() says of one
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fsdecode(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fsdecode(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_data(path: str | os.PathLike[str], limit: int = -1) -> bytes:
    """The bytes (at most ``limit``) of the regular file at ``path`` (``open_data``)."""
    with open_data(path) as handle:
        return handle.read(limit)


def read_checksummed(path: str | os.PathLike[str], header: bytes) -> bytes | None:
    """The body of a file ``write_checksummed`` wrote with ``header``; ``None`` when there is
    none, it cannot be read, or its header or checksum is not what it should be."""
    try:
        data = read_data(path)
    except OSError:
        return None
    head, body = data[: len(header) + _DIGEST_LENGTH + 1], data[len(header) + _DIGEST_LENGTH + 1 :]
    if head != header + hashlib.sha1(body).hexdigest().encode() + b"\n":
        return None
    return body


def write_checksummed(path: Path, header: bytes, body: bytes) -> None:
    """Replace the file at ``path`` whole with ``header``, the body's checksum and ``body``
    (derived data: a repository that cannot be written to only stays without it)."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, header + hashlib.sha1(body).hexdigest().encode() + b"\n" + body)


@contextlib.contextmanager
def staged_file(
    path: str | os.PathLike[str], data: bytes, mode: int | None = None, *, durable: bool = False
) -> Iterator[str]:
    """``data`` in a new file beside ``path`` (hidden: ``.<name>.<pid>.tmp``; ``mode``, else
    the umask's), for the caller to put in place (``os.replace``, ``os.link``), and removed
    on the way out whatever happened: a full disk or a read-only folder (an ``OSError``),
    Ctrl-C, a link refused; nothing is ever left behind. ``durable``: its bytes on the disk
    (fsync) before it is put in place, where a crash leaving the name with no bytes loses
    data (then ``sync_folder`` once it is in place). The one home of the files of
    ``<common dir>/git-session/`` (and ``.git``, and the user's files) written whole."""
    folder, name = os.path.split(os.fspath(path))
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        with making(path):  # (outside a shared repository's git dir: with the user's umask)
            descriptor = _created(temporary)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        yield temporary
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _created(path: str) -> int:
    """A new file at ``path``, opened for writing; made as git makes a lock (``O_EXCL``):
    whatever is found at the name (a file left by a process of ours that died, or a link
    planted by whoever can write the folder: a shared repository's group) is removed, never
    written through, and the file made anew (``OSError`` if something is there again)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        return os.open(path, flags, 0o666)
    except FileExistsError:
        os.unlink(path)  # (a link itself, not what it names)
        return os.open(path, flags, 0o666)


def replace_file(path: str | os.PathLike[str], data: bytes, mode: int | None = None, *, durable: bool = False) -> None:
    """The file at ``path`` replaced whole at once by ``data`` (a reader sees the old or the
    new, whole); on a failure (an ``OSError``) it stays as it was and nothing is left behind.
    ``durable``: on the disk, bytes and name, when it returns (``staged_file``)."""
    with staged_file(path, data, mode, durable=durable) as temporary:
        os.replace(temporary, path)
    if durable:
        sync_folder(os.path.dirname(os.path.abspath(path)))


def sync_folder(folder: str | os.PathLike[str]) -> None:
    """The names of ``folder`` on the disk (fsync of the folder: a file renamed or linked
    into place is there after a crash); where a folder cannot be synced (Windows), nothing."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def read_memo(path: str | os.PathLike[str], header: bytes) -> tuple[object, list[str]] | None:
    """What ``write_memo`` wrote with ``header``: its head and its ids; ``None`` when there is
    no such file or it cannot be read as one (what the head holds is the caller's to check)."""
    body = read_checksummed(path, header)
    if body is None:
        return None
    head, _, ids = body.partition(b"\n")
    try:
        return json.loads(head), ids.decode("ascii").split()
    except (ValueError, RecursionError):  # (RecursionError: JSON nested too deep)
        return None


def write_memo(path: Path, header: bytes, head: object, ids: Iterable[str]) -> None:
    """A memo of ids (one a line, sorted) under a JSON head, checksummed (``write_checksummed``)."""
    body = json.dumps(head, sort_keys=True).encode() + b"\n" + "\n".join(sorted(ids)).encode("ascii")
    write_checksummed(path, header, body)


_DIGEST_LENGTH = 40  # a SHA-1 in hex


_GIT_ERROR_OS = 2  # libgit2's class of the errors of the operating system (GIT_ERROR_OS)


class _Moved(Exception):
    """A ref found, under its lock, elsewhere than where a compare-and-swap expected it."""


def _held_lock(exc: BaseException) -> bool:
    """libgit2's words for a lock file another writer holds (not for one it cannot create:
    a read-only or full file system)."""
    if isinstance(exc, FileExistsError) and str(exc.filename).endswith(".lock"):  # (a lock we make by hand)
        return True
    text = str(exc)
    return "failed to lock file" in text or text.rstrip().endswith("File exists")


_LOOSE_TYPES = {
    b"commit": ObjectType.COMMIT,
    b"tree": ObjectType.TREE,
    b"blob": ObjectType.BLOB,
    b"tag": ObjectType.TAG,
}
_MAX_HEADER = 64
_HEX_ID_LENGTH = 40
_CHUNK = 1 << 20  # an object larger than this is measured before it is inflated whole
_MAX_SIZE_DIGITS = 18  # 10**18 bytes: more than any object, and within what zlib can be asked for
_MAX_DEPTH = 16  # folders below a tree we read: entries/<kind>/<x>/<y>/ is four
MAX_DATA_FILE = 32 << 20  # bytes of one file of session data (meta.json, an entry, a note) we read or write

# libgit2 keeps the objects it has read in memory, by id, but no tree over 4 KiB: a flat
# notes tree of a hundred notes, looked into once per note, was read from disk every time.
pygit2.settings.cache_object_limit(ObjectType.TREE, 256 << 10)
_CACHED_BLOB_BYTES = 8 << 20  # what read_blob keeps of the blobs read and written (never a blob above 64 KiB)
_CACHED_BLOB_MAX = 64 << 10


class ObjectError(DataError):
    """An object that is missing or damaged: reported at once, never waited on."""


_NOT_HELD = object()  # ``Repo._edit_held``: left to libgit2
_TREE_MODE = int(FileMode.TREE)
_SMALL_TREE = 64  # entries: a tree no larger is read entry by entry (``Repo._folder``)
_KEPT_FOLDERS = 8  # the large trees written inside ``packed_writes`` kept to be edited again
_PLAIN_IDENT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 ._@+-]{0,254}[A-Za-z0-9])?")  # nothing libgit2 trims or refuses
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}")  # a name put in a tree without libgit2's checks


# A tree's entries as git writes them: ``<mode> <name>\0<raw id>``, each mode one git writes
# (octal, no leading 0), the name without a ``/``. Read by regular expressions: a flat folder
# of 10,000 entries is parsed in C, not entry by entry (ISSUE14).
_WRITTEN_ENTRY = re.compile(rb"(?:100644|100755|120000|40000|160000) [^\0/]+\0.{20}", re.DOTALL)
# The whole content, entry after entry: checked before ``findall``, which looks for a match
# at every later byte once one fails (quadratic: a 65,000-byte name of "100644 " ending in
# "/", 2 s of CPU an entry); one pass from the start, its one way of reading each entry.
_WRITTEN_TREE = re.compile(b"(?:%s)*" % _WRITTEN_ENTRY.pattern, re.DOTALL)
_ENTRY_NAME = re.compile(rb"[0-7]+ ([^\0]+)\0.{20}", re.DOTALL)
_FOLDER_NAME = re.compile(rb"(?:40000 ([^\0]+)|[0-7]+ [^\0]+)\0.{20}", re.DOTALL)  # b"" for a file


class _Folder:
    """A tree's entries, each as git writes it, in git's order (by name, a folder's as if
    it ended in ``/``: ``keys``), edited in place: an edit costs a search and a splice of
    lists, not a pass over every entry."""

    def __init__(self, entries: list[bytes], keys: list[bytes]) -> None:
        self.entries, self.keys = entries, keys

    @classmethod
    def of(cls, tree_id: str, body: bytes) -> _Folder | None:
        """The entries of the tree ``tree_id`` whose content is ``body``; ``None`` unless git
        would write them back as they are (a mode it writes otherwise, 100664 or 040000;
        entries out of its order or named twice, as other tools write them; content that is
        not the tree's)."""
        if not _WRITTEN_TREE.fullmatch(body):  # not all written as git writes
            return None
        entries = _WRITTEN_ENTRY.findall(body)  # (each found where the one before ends)
        names = _ENTRY_NAME.findall(body)
        folders = _FOLDER_NAME.findall(body) if b"40000 " in body else []  # (none without those bytes)
        keys = (
            [name + b"/" if folder else name for name, folder in zip(names, folders, strict=True)]
            if any(folders)
            else names
        )
        return cls._checked(tree_id, body, entries, keys, names)

    @classmethod
    def of_entries(cls, tree_id: str, tree: Iterable[pygit2.Object]) -> _Folder | None:
        """``of`` a tree read by libgit2 (each entry's mode as it reads it: 100664 as 100644),
        written out again entry by entry: cheaper for a few entries than reading it again."""
        read = [(int(e.filemode), e.raw_name or b"", e.id.raw) for e in tree]  # (a name it cannot give: None)
        names = [name for _, name, _ in read]
        if not all(names) or b"/" in b"\0".join(names):
            return None
        entries = [b"%o %s\0%s" % entry for entry in read]
        keys = [name + b"/" if mode == _TREE_MODE else name for mode, name, _ in read]
        return cls._checked(tree_id, b"".join(entries), entries, keys, names)

    @classmethod
    def _checked(
        cls, tree_id: str, body: bytes, entries: list[bytes], keys: list[bytes], names: list[bytes]
    ) -> _Folder | None:
        if not all(map(operator.lt, keys, itertools.islice(keys, 1, None))):  # in git's order, no key twice
            return None
        if keys != names and len(set(names)) != len(names):  # a file and a folder of one name
            return None
        if hashlib.sha1(b"tree %d\0%s" % (len(body), body)).hexdigest() != tree_id:
            return None
        return cls(entries, keys)

    def get(self, name: bytes) -> tuple[int, bytes] | None:
        """The (mode, raw id) of the entry named ``name``, if there is one."""
        at = self._find(name)
        if at is None:
            return None
        entry = self.entries[at]
        return int(entry[: entry.index(b" ")], 8), entry[-20:]

    def put(self, name: bytes, mode: int, raw_id: bytes) -> None:
        self.remove(name)
        key = name + b"/" if mode == _TREE_MODE else name
        at = bisect.bisect_left(self.keys, key)
        self.keys.insert(at, key)
        self.entries.insert(at, b"%o %s\0%s" % (mode, name, raw_id))

    def remove(self, name: bytes) -> None:
        at = self._find(name)
        if at is not None:
            del self.keys[at], self.entries[at]

    def body(self) -> bytes:
        return b"".join(self.entries)

    def _find(self, name: bytes) -> int | None:
        for key in (name, name + b"/"):  # a file's, then a folder's
            at = bisect.bisect_left(self.keys, key)
            if at < len(self.keys) and self.keys[at] == key:
                return at
        return None


class _Pending:
    """The objects written while ``Repo.packed_writes`` is open: kept in memory, by id, as
    (kind, content), until they are stored as one pack (or, fewer than ``loose_below``,
    through ``writer``: loose)."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[int, bytes]] | None = None
        self.loose_below = 0
        self.writer: pygit2.Odb | None = None
        # The large trees written here, as ``_Folder`` parts by id: edited again (a flat notes
        # tree, once per commit linked) without being read and checked again.
        self.folders: dict[str, tuple[list[bytes], list[bytes]]] = {}

    def keep_folder(self, tree_id: str, folder: _Folder) -> None:
        if len(folder.entries) > _SMALL_TREE:
            self.folders[tree_id] = (list(folder.entries), list(folder.keys))
            if len(self.folders) > _KEPT_FOLDERS:
                del self.folders[next(iter(self.folders))]  # the oldest

    def folder(self, tree_id: str) -> _Folder | None:
        kept = self.folders.get(tree_id)
        return None if kept is None else _Folder(list(kept[0]), list(kept[1]))

    def get(self, oid: object) -> tuple[int, bytes] | None:
        return None if self.objects is None else self.objects.get(str(oid))


class _BoundedLoose(pygit2.OdbBackend):
    """Reads loose objects before libgit2's own backend does, and reports a damaged one.

    libgit2 (1.9) spins forever inflating a truncated loose object: a walk or a look-up
    that meets one never returns. This reader inflates with Python's zlib, which stops at
    the end of its input, and raises ``ObjectError``. Writes and existence checks are left
    to libgit2's loose backend (through ``writer``, and by answering "not here").
    """

    def __init__(self, objects: str, writer: pygit2.Odb, pending: _Pending) -> None:
        super().__init__()
        self._objects = objects
        self._writer = writer
        self._pending = pending

    def _path(self, oid: object) -> str:
        name = str(oid)
        return os.path.join(self._objects, name[:2], name[2:])

    def _raw(self, oid: object) -> bytes:
        try:
            with open(self._path(oid), "rb", buffering=0) as handle:  # one read, no buffer to fill
                return handle.readall()
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(str(oid)) from None
        except OSError as exc:
            raise ObjectError(f"object {str(oid)[:12]} cannot be read: {exc.strerror}") from None

    def read_cb(self, oid: pygit2.Oid) -> tuple[int, bytes]:
        """The object, inflated no further than its header says: a small file that inflates
        to gigabytes (a zlib bomb) is damage, found without holding what it inflates to."""
        pending = self._pending.get(oid)
        if pending is not None:
            return pending
        inflater = zlib.decompressobj()
        raw = self._raw(oid)
        try:
            head = inflater.decompress(raw, _MAX_HEADER)
            kind, size, body = _header(oid, head)
            if size > _CHUNK and _inflated_size(raw) != len(head) - len(body) + size:
                raise _damaged(oid, "its header does not match its content")
            if len(body) <= size:
                body += inflater.decompress(inflater.unconsumed_tail, size - len(body) + 1)
        except zlib.error:
            raise _damaged(oid, "it does not inflate") from None
        if len(body) > size or inflater.unconsumed_tail:
            raise _damaged(oid, "its header does not match its content")
        if not inflater.eof:
            raise _damaged(oid, "it is truncated")
        if len(body) != size:
            raise _damaged(oid, "its header does not match its content")
        return kind, body

    def read_header_cb(self, oid: pygit2.Oid) -> tuple[int, int]:
        pending = self._pending.get(oid)
        if pending is not None:
            return pending[0], len(pending[1])
        inflater = zlib.decompressobj()
        try:
            kind, size, _ = _header(oid, inflater.decompress(self._raw(oid), _MAX_HEADER))
        except zlib.error:
            raise _damaged(oid, "it does not inflate") from None
        return kind, size

    def read_prefix_cb(self, prefix: str) -> tuple[int, bytes, pygit2.Oid]:
        """A damaged loose object that the prefix names is reported; the rest is libgit2's.

        libgit2 looks a whole id up through here too (``repo[id]``): that one is read
        as ``read_cb`` reads it, its folder never listed nor the object inflated twice."""
        if len(prefix) == _HEX_ID_LENGTH:
            oid = pygit2.Oid(hex=prefix)
            kind, body = self.read_cb(oid)
            return kind, body, oid
        folder = os.path.join(self._objects, prefix[:2])
        with contextlib.suppress(OSError):
            for name in os.listdir(folder):
                if (prefix[:2] + name).startswith(prefix) and len(name) == 38:
                    self.read_cb(pygit2.Oid(hex=prefix[:2] + name))
        raise KeyError(prefix)

    def exists_cb(self, oid: pygit2.Oid) -> bool:
        return self._pending.get(oid) is not None  # else libgit2's loose backend answers (and freshens)

    def exists_prefix_cb(self, prefix: str) -> pygit2.Oid:
        raise KeyError(prefix)

    def write_cb(self, oid: pygit2.Oid, data: bytes, kind: int) -> None:
        if self._pending.objects is not None:
            self._pending.objects[str(oid)] = (kind, bytes(data))
            return
        self._writer.write(kind, data)

    def refresh_cb(self) -> None:
        return None


def _damaged(oid: object, why: str) -> ObjectError:
    return ObjectError(
        f"object {str(oid)[:12]} is damaged ({why})",
        "git fsck shows the damage; fetch the object again from a clone that has it",
    )


def _inflated_size(raw: bytes) -> int:
    """How many bytes ``raw`` inflates to, counted a chunk at a time (never held at once)."""
    inflater, total, rest = zlib.decompressobj(), 0, raw
    while rest and not inflater.eof:
        total += len(inflater.decompress(rest, _CHUNK))
        rest = inflater.unconsumed_tail
    return total + len(inflater.flush())


def _header(oid: object, head: bytes) -> tuple[int, int, bytes]:
    """A loose object's kind and size, from the first bytes it inflates to, and the start
    of its content."""
    header, nul, body = head.partition(b"\0")
    kind, _, size = header.partition(b" ")
    if not nul or kind not in _LOOSE_TYPES or not size.isdigit() or len(size) > _MAX_SIZE_DIGITS:
        raise _damaged(oid, "its header is malformed")
    return _LOOSE_TYPES[kind], int(size), body


def _bound_reads(raw: pygit2.Repository, objects: str, pending: _Pending) -> None:
    """Put the bounded loose reader in front of libgit2's loose backend, for the repository's
    objects and those it borrows (``git clone --shared``); every write goes to its own.
    It ranks with the packs, added after them, so a look-up finds a packed object without
    trying a loose file first, as git does."""
    writer = pygit2.Odb()
    writer.add_backend(pygit2.OdbBackendLoose(objects, -1, False), 1)
    pending.writer = writer
    for folder in [objects, *alternates(objects)]:
        raw.odb.add_backend(_BoundedLoose(folder, writer, pending), 2)


def _write_pack(objects_dir: str, objects: Mapping[str, tuple[int, bytes]]) -> None:
    """``objects`` stored as one pack (version 2, no deltas) and its index (version 2),
    named and laid out as ``git index-pack`` makes them, without starting it: the pack
    first, then its index (git and libgit2 use a pack only once its index is there)."""
    parts = [b"PACK" + struct.pack(">II", 2, len(objects))]
    placed: list[tuple[bytes, int, int]] = []  # (id, CRC-32 of its bytes in the pack, offset)
    offset = len(parts[0])
    for oid, (kind, data) in objects.items():
        packed = _packed(kind, data)
        placed.append((bytes.fromhex(oid), zlib.crc32(packed), offset))
        parts.append(packed)
        offset += len(packed)
    checksum = hashlib.sha1(b"".join(parts)).digest()
    index = _pack_index(sorted(placed), checksum)
    folder = os.path.join(objects_dir, "pack")
    os.makedirs(folder, exist_ok=True)
    _write_read_only(os.path.join(folder, f"pack-{checksum.hex()}.pack"), [*parts, checksum])
    _write_read_only(os.path.join(folder, f"pack-{checksum.hex()}.idx"), [index, hashlib.sha1(index).digest()])


def _packed(kind: int, data: bytes) -> bytes:
    """An object as a pack holds it: its kind and size, then its content deflated."""
    size = len(data)
    header = bytearray([(kind << 4) | (size & 0x0F)])
    size >>= 4
    while size:
        header[-1] |= 0x80
        header.append(size & 0x7F)
        size >>= 7
    return bytes(header) + zlib.compress(data, 1)


def _pack_index(placed: Sequence[tuple[bytes, int, int]], checksum: bytes) -> bytes:
    """A pack's index (version 2, without its own checksum) of its objects sorted by id."""
    fanout = [0] * 256
    for name, _, _ in placed:
        fanout[name[0]] += 1
    large = [at for _, _, at in placed if at >= 1 << 31]  # offsets past 2 GiB: in a table of their own
    small = [at if at < 1 << 31 else (1 << 31) | large.index(at) for _, _, at in placed]
    return b"".join(
        [
            b"\377tOc" + struct.pack(">I", 2),
            struct.pack(">256I", *itertools.accumulate(fanout)),
            *(name for name, _, _ in placed),
            struct.pack(f">{len(placed)}I", *(crc for _, crc, _ in placed)),
            struct.pack(f">{len(placed)}I", *small),
            struct.pack(f">{len(large)}Q", *large),
            checksum,
        ]
    )


def _write_read_only(path: str, content: Sequence[bytes]) -> None:
    """A file written whole under a temporary name, synced (as ``git index-pack`` syncs a
    pack and its index: a power cut never leaves a name for bytes not on the disk), then
    renamed into place, read-only as git and libgit2 leave an object file (0444 less the
    umask, as git makes it: created so, not changed after)."""
    handle, temporary = _created_read_only(os.path.dirname(path))
    try:
        with os.fdopen(handle, "wb") as out:
            out.writelines(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def _created_read_only(folder: str) -> tuple[int, str]:
    """A new file ``tmp_pack_*`` in ``folder`` (the name git's prune clears when left),
    open for writing, its mode 0444 less the umask."""
    import random  # (here: an import the early answers need not pay, ISSUE14)

    while True:
        temporary = os.path.join(folder, f"tmp_pack_{random.getrandbits(64):016x}")
        with contextlib.suppress(FileExistsError):
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
            return os.open(temporary, flags, 0o444), temporary


_LOOSE_PREFIXES = [f"{n:02x}" for n in range(256)]
_ID_LINES = re.compile("(?:(?:[0-9a-f]{40}|[0-9a-f]{64})\n)*")  # ``ObjectId.is_full`` ids, a line each


@dataclass
class _AbsentMemo:
    """Ids found absent from the object store, and the store as it was just before they were
    looked up: its object folders (``Repo.object_stores``), their pack folders' stamps
    (``Repo._packs_stamp``: inode and time) and the time of each loose object folder.

    An object comes to be here only by a new file in one of those folders (git and libgit2
    write a loose object under a temporary name renamed into ``<xx>/``, a pack and its index
    into ``pack/``: either changes that folder's time) or by a new object folder (an
    alternate added). So an id recorded absent is still absent while the object folders are
    the same, no pack folder changed, and its own ``<xx>`` folder in each of them has the
    time it had, a time older than ``RACY_NS`` when it was taken (a change in the same tick
    of a coarse file time would not show: such a folder is recorded as not to be trusted,
    and its ids are looked up again). A file that cannot be read or fails its checksum is
    no memo; the objects ``packed_writes`` holds in memory are never judged by one."""

    stores: list[str]
    packs: list[list[int]] | None
    folders: dict[str, int]  # ``<n>/<xx>`` -> its time; -1: not there; left out: not to be trusted
    ids: set[str]
    listed: list[str] = field(default_factory=list)  # ``ids`` as the file lists them: sorted

    HEADER = b"git-session absent objects 1 "

    @classmethod
    def taken(cls, repo: Repo) -> _AbsentMemo:
        """The object store as it is now (no ids yet)."""
        stores = repo.object_stores()
        packs = repo._packs_stamp()
        times = repo.loose_folder_times()
        trusted = time.time_ns() - RACY_NS
        folders = {
            f"{number}/{prefix}": times.get(f"{number}/{prefix}", -1)
            for number in range(len(stores))
            for prefix in _LOOSE_PREFIXES
            if times.get(f"{number}/{prefix}", -1) < trusted
        }
        return cls(stores, None if packs is None else [list(stamp) for stamp in packs], folders, set())

    @classmethod
    def load(cls, path: Path) -> _AbsentMemo | None:
        memo = read_memo(path, cls.HEADER)
        if memo is None:
            return None
        head, listed = memo
        if not isinstance(head, dict):
            return None
        stores, packs, folders = head.get("stores"), head.get("packs"), head.get("folders")
        if not (isinstance(stores, list) and isinstance(folders, dict)):
            return None
        return cls(stores, packs, folders, set(listed), listed)

    def save(self, path: Path) -> None:
        write_memo(path, self.HEADER, {"stores": self.stores, "packs": self.packs, "folders": self.folders}, self.ids)

    def still_absent(self, now: _AbsentMemo) -> set[str]:
        """The ids recorded absent that the object store ``now`` cannot have gained."""
        if self.packs is None or self.packs != now.packs or self.stores != now.stores:
            return set()
        count = len(self.stores)
        changed = [
            prefix
            for prefix in _LOOSE_PREFIXES
            if not all(
                (key := f"{n}/{prefix}") in self.folders and self.folders[key] == now.folders.get(key)
                for n in range(count)
            )
        ]
        if self.listed != sorted(self.listed):  # (as written: sorted; a file that is not is not trusted)
            return set()
        gained: set[str] = set()  # the ids under a folder that may have gained them, each a run of ``listed``
        for prefix in changed:  # (the ids are hexadecimal: those of a prefix sort before prefix + "g")
            start, end = bisect.bisect_left(self.listed, prefix), bisect.bisect_left(self.listed, prefix + "g")
            gained.update(self.listed[start:end])
        return self.ids - gained


def alternates(objects: str) -> list[str]:
    """The object folders ``objects/info/alternates`` names, and theirs in turn, as git reads
    them: relative ones from the folder that names them, each once, five levels deep at most,
    a line cut at a NUL byte (git reads it as a C string); ``GIT_ALTERNATE_OBJECT_DIRECTORIES``
    too. The file is untrusted: what it names is only ever read as an object folder."""
    found: list[str] = []
    seen = {os.path.normpath(objects)}

    def follow(store: str, lines: list[str], depth: int) -> None:
        for line in (line.partition("\0")[0].strip() for line in lines):
            path = os.path.normpath(os.path.join(store, line))
            if not line or line.startswith("#") or path in seen:
                continue
            seen.add(path)
            found.append(path)
            if depth < _ALTERNATES_DEPTH:
                follow(path, _alternates_file(path), depth + 1)

    from_environment = [p for p in os.environ.get("GIT_ALTERNATE_OBJECT_DIRECTORIES", "").split(os.pathsep) if p]
    follow(objects, _alternates_file(objects) + from_environment, 0)
    return found


_ALTERNATES_DEPTH = 5  # git: "alternate ref chain too deep" past it


def _alternates_file(objects: str) -> list[str]:
    try:  # paths: as the file system names them
        return os.fsdecode(read_data(os.path.join(objects, "info", "alternates"))).splitlines()
    except OSError:
        return []


class Ident(NamedTuple):
    """Who writes, and when: what ``git var GIT_AUTHOR_IDENT`` says."""

    name: str
    email: str
    time: int
    tz: str

    @property
    def person(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def offset_minutes(self) -> int:
        sign = -1 if self.tz[0] == "-" else 1
        return sign * (int(self.tz[1:3]) * 60 + int(self.tz[3:5]))


MERGE_IDENT = ("git-session", "git-session@localhost")  # who merges two histories (sessions, notes)


class CommitInfo(NamedTuple):
    id: ObjectId
    parents: tuple[ObjectId, ...]
    message: str
    author: str
    time: int
    tree: ObjectId


class TreeItem(NamedTuple):
    name: str
    id: ObjectId
    is_tree: bool


class Subtree(NamedTuple):
    """A change for ``edit_tree`` that puts a whole tree at a path (a plain id is a blob)."""

    id: ObjectId


Change: TypeAlias = ObjectId | Subtree | None


class Repo:
    """A git repository, opened once per command."""

    def __init__(self, raw: pygit2.Repository) -> None:
        self._raw = raw
        objects = os.environ.get("GIT_OBJECT_DIRECTORY") or os.path.join(self.common_dir, "objects")
        self._objects = os.path.abspath(objects)
        self._pending = _Pending()
        _bound_reads(raw, os.path.abspath(objects), self._pending)
        self._blobs: dict[str, bytes] = {}  # small blobs read or written, by id: an object never changes
        self._blob_bytes = 0
        self._packs: pygit2.Odb | None = None  # the packs alone, for quick_blobs

    def object_stores(self) -> list[str]:
        """The object folders git reads: this repository's, then those its alternates name."""
        return [self._objects, *alternates(self._objects)]

    @classmethod
    def discover(cls, start: str | None = None) -> Repo:
        _honour_config_environment()
        path = start or os.environ.get("GIT_DIR") or os.getcwd()
        try:
            return cls(pygit2.Repository(path, RepositoryOpenFlag.FROM_ENV))
        except pygit2.InvalidError as exc:
            if "sha256" in str(exc):
                raise UserError(
                    "this repository uses SHA-256 object names, which git-session cannot read yet",
                    "git-session needs a SHA-1 repository (pygit2 has no SHA-256 support)",
                ) from None
            raise UserError(f"cannot open the repository: {exc}") from None
        except pygit2.GitError:
            raise UserError(
                "not a git repository (or any of the parent directories)",
                advice=Advice.NOT_A_REPOSITORY,
            ) from None

    # --- where we are ----------------------------------------------------------------

    @property
    def git_dir(self) -> str:
        return os.path.normpath(self._raw.path)

    @property
    def common_dir(self) -> str:
        commondir = os.path.join(self.git_dir, "commondir")
        if os.path.isfile(commondir):
            with open(commondir, encoding="utf-8") as handle:
                return os.path.normpath(os.path.join(self.git_dir, handle.read().strip()))
        return self.git_dir

    @property
    def workdir(self) -> str | None:
        return None if self._raw.workdir is None else os.path.normpath(self._raw.workdir)

    @property
    def is_bare(self) -> bool:
        return bool(self._raw.is_bare)

    @property
    def is_shallow(self) -> bool:
        return bool(self._raw.is_shallow)

    def head_branch(self) -> BranchName | None:
        """The checked-out branch, born or not; ``None`` when HEAD is detached."""
        try:
            head = self._raw.lookup_reference("HEAD")
        except (pygit2.GitError, KeyError):
            return None
        target = head.target
        if isinstance(target, str) and target.startswith("refs/heads/"):
            return BranchName.of(target)
        return None

    def head_commit(self) -> ObjectId | None:
        """The commit HEAD points at; ``None`` on an unborn branch."""
        if self._raw.head_is_unborn:
            return None
        return ObjectId(str(self._raw.head.target))

    def resolve_commit(self, revision: str) -> ObjectId:
        try:
            obj = self._raw.revparse_single(revision)
            commit = obj.peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            raise UserError(f"unknown revision: {revision!r}") from None
        return ObjectId(str(commit.id))

    def remote_names(self) -> list[str]:
        """The configured remotes (``git remote``)."""
        return [str(name) for name in self._raw.remotes.names()]

    # --- config: the one reader ----------------------------------------------------------

    def config_value(self, name: str) -> str | None:
        """The value git uses for ``name`` (the last one set, ``git -c`` included); ``None``
        when unset, ``""`` for a key written without a value."""
        values = self.config_values(name)
        return None if not values else values[-1] or ""

    def config_flag(self, name: str) -> bool | None:
        """``name`` read as git reads a boolean; ``None`` when unset or not a boolean."""
        values = self.config_values(name)
        return config_bool(values[-1]) if values else None

    def config_values(self, name: str) -> list[str | None]:
        """Every value of ``name`` in git's order (``None``: a key without a value)."""
        return list(self._config.get(config_key(name), ()))

    def config_entries(self, prefix: str) -> list[tuple[str, str]]:
        """Every config entry whose canonical name starts with ``prefix`` (section names in lower case)."""
        return [(k, v or "") for k, values in self._config.items() if k.startswith(prefix) for v in values]

    def config_origin(self, name: str) -> str | None:
        """Where the value git uses for ``name`` is set: ``command line``, or the level of
        its file (``local``, ``worktree``, ``global``, ``xdg``, ``system``); ``None`` when unset."""
        key = config_key(name)
        if any(k == key for k, _ in command_line_config(os.environ)):
            return "command line"
        try:
            levels = [e.level for e in self._raw.config if config_key(str(e.name)) == key]
        except pygit2.GitError:
            return None
        return ConfigLevel(max(int(level) for level in levels)).name.lower() if levels else None

    @functools.cached_property
    def _config(self) -> dict[str, list[str | None]]:
        """All the config git sees, read once: the files, then the command-line layer."""
        found: dict[str, list[str | None]] = {}
        for name, value in [*_config_files(self._raw), *command_line_config(os.environ)]:
            found.setdefault(name, []).append(value)
        return found

    # --- refs ------------------------------------------------------------------------

    def ref_target(self, name: str) -> ObjectId | None:
        """What ``name`` points at (``None``: no such ref); a damaged ref file is an ``ObjectError``."""
        try:
            ref = self._raw.lookup_reference(name)
        except (KeyError, pygit2.InvalidSpecError, ValueError, UnicodeError):  # ValueError: a name too long for libgit2
            return None
        except pygit2.GitError:
            raise ObjectError(f"{name} cannot be read: its file is damaged", advice=Advice.DOCTOR_LISTS_REFS) from None
        target = ref.target
        return ObjectId(str(target)) if isinstance(target, pygit2.Oid) else None

    def symbolic_target(self, name: str) -> str | None:
        """The ref a symbolic ref names (``refs/remotes/origin/HEAD``); ``None``: not a symbolic ref."""
        try:
            target = self._raw.lookup_reference(name).target
        except (KeyError, pygit2.InvalidSpecError, ValueError, UnicodeError, pygit2.GitError):
            return None
        return target if isinstance(target, str) else None

    def ref_names(self, prefix: str) -> list[str]:
        """The names of the refs that start with ``prefix``, loose or packed.

        Our own refs are listed as ``git for-each-ref PREFIX`` does, walking only the
        prefix's folder and reading packed-refs: libgit2 lists every ref of the repository
        and reads each loose one, a cost that grows with all the branches and sessions.
        """
        encoded = prefix.encode()
        if not prefix.startswith(_LISTED_REF_PREFIXES):
            raw_names = self._raw.raw_listall_references()
            return [n.decode("utf-8", "surrogateescape") for n in raw_names if n.startswith(encoded)]
        names = {n for n in self._loose_ref_names(prefix.rpartition("/")[0]) if n.startswith(prefix)}
        names.update(self._packed_ref_names(encoded))
        return sorted(names)

    def _loose_ref_names(self, folder: str) -> list[str]:
        return _files_below(os.path.join(self.common_dir, *folder.split("/")), folder)

    def _packed_ref_names(self, prefix: bytes) -> list[str]:
        """The packed refs starting with ``prefix`` (``refs/…``): each is a line ``<id> <name>``."""
        try:
            data = read_data(os.path.join(self.common_dir, "packed-refs"))
        except FileNotFoundError:
            return []
        names = re.findall(b" (" + re.escape(prefix) + b"[^\n]*)", data)
        return [name.decode("utf-8", "surrogateescape") for name in names]

    def refs_with_prefix(self, prefix: str) -> list[tuple[str, ObjectId]]:
        found = []
        for name in self.ref_names(prefix):
            try:
                target = self.ref_target(name)
            except ObjectError:  # a damaged loose ref, which libgit2's own listing skips too
                continue
            if target is not None:
                found.append((name, target))
        return found

    def tree_names(self, tree_id: ObjectId) -> list[str]:
        """The names in a tree: ``tree_items`` without the ids and types, much cheaper."""
        tree = self._subtree(tree_id, "")
        return [] if tree is None else [str(e.name) for e in tree]

    def cas_ref(self, name: str, new: ObjectId, old: ObjectId | None, message: str) -> bool:
        """Move ``name`` to ``new`` only if it still points at ``old`` (absent if ``None``).

        Returns False when another writer got there first or holds the ref's lock.
        """
        message = " ".join(message.replace("\0", " ").split())  # one line, as a reflog keeps it
        self._store_pending()  # a ref never names an object only packed_writes holds (in memory)
        try:
            self._move_ref(name, new, old, message)
            return True
        except (pygit2.AlreadyExistsError, _Moved):
            return False
        except pygit2.GitError as exc:
            if _held_lock(exc):
                return False
            raise GitError(f"cannot update {name}: {exc}") from None
        except OSError as exc:
            if _held_lock(exc):
                return False
            raise file_system_error(exc, f"update {name}") from None

    def _move_ref(self, name: str, new: ObjectId, old: ObjectId | None, message: str) -> None:
        """``cas_ref``'s write, looking at the ref only once its lock is held (libgit2's own
        creation looks before it locks: a writer creating the ref in between was overwritten,
        its update lost); raises ``pygit2.AlreadyExistsError`` or ``_Moved`` when it is not
        at ``old``."""
        if self._libgit2_would_begin_a_reflog_git_does_not(name):
            self._move_ref_by_git(name, new, old, message)
            return
        try:
            with stops_deferred():  # the lock is never left, nor our reflog line without its update
                self._move_ref_locked(name, new, old, message)
        except pygit2.GitError as exc:  # the transaction's faults of the file system are GitErrors
            if getattr(exc, "error_class", None) == _GIT_ERROR_OS:
                raise OSError(str(exc)) from None
            raise

    def _libgit2_would_begin_a_reflog_git_does_not(self, name: str) -> bool:
        """Whether libgit2, which reads ``core.logAllRefUpdates`` from the files only, would
        begin a reflog for ``name`` that git does not begin (``git -c
        core.logAllRefUpdates=false`` over a work tree's ``true``: a branch, the notes ref)."""
        return not name.startswith(_LOGGED_REF_PREFIXES) and (
            _begins_reflog(self._libgit2_log_level, name) and not self._git_logs(name)
        )

    def _move_ref_by_git(self, name: str, new: ObjectId, old: ObjectId | None, message: str) -> None:
        """``cas_ref``'s write made by ``git update-ref`` (its locks, its reflog rules); raises
        ``_Moved`` when ``name`` is not at ``old`` or another writer holds its lock."""
        expected = old or "0" * len(new)
        done = gitcli.run(
            ["update-ref", "--no-deref", "-m", message, name, new, expected], git_dir=self.git_dir, check=False
        )
        if done.returncode == 0:
            return
        said = done.stderr.strip().splitlines()
        reason = said[0].removeprefix("fatal: ") if said else f"exit status {done.returncode}"
        if any(words in done.stderr for words in ("but expected", "already exists", "File exists")):
            raise _Moved(name)
        raise pygit2.GitError(reason)

    def _move_ref_locked(self, name: str, new: ObjectId, old: ObjectId | None, message: str) -> None:
        """The reflog line we write ourselves (where libgit2 writes none) is written under the
        ref's lock, before the ref is, as git writes its own: concurrent writers' lines follow
        the order the ref moved in, and a writer that lost the race logs nothing."""
        if self._shared:  # (folders libgit2 makes, and the ref file it writes, have the umask's modes)
            self._make_folders(os.path.dirname(self._ref_path(name)))
        with self._raw.transaction() as held:
            held.lock_ref(name)
            self._check_unmoved(name, old)
            # Our refs keep a reflog; another is logged where git logs it (``_git_logs``). Begun
            # here, not by libgit2: with core.sharedRepository's modes; made only for a ref that
            # is written (a refused one's could stand in the way of a folder).
            logged = name.startswith(_LOGGED_REF_PREFIXES) or self._git_logs(name)
            if logged:
                self._keep_reflog(name)
            signer = committer(self.config_value)  # (libgit2's own is user.* only: git's is the committer)
            self._raw.set_ident(signer.name or None, signer.email or None)  # (libgit2's line: now, local time)
            held.set_target(name, pygit2.Oid(hex=new), message=message)
            if logged and self._libgit2_log_level == "false":  # (where libgit2 logs to a reflog there is)
                self._append_reflog(name, old, new, message, signer)
        if self._shared:
            with contextlib.suppress(OSError):  # (replaced meanwhile by another writer's file, with its mode)
                self._share(self._ref_path(name))

    def _check_unmoved(self, name: str, old: ObjectId | None) -> None:
        """Raise unless ``name`` is at ``old`` (absent, where nothing is in its way, if ``None``)."""
        now = self._raw.references.get(name)
        if old is not None:
            if now is None or str(now.target) != old:  # (a symbolic ref's target is a name)
                raise _Moved(name)
        elif now is not None:
            raise pygit2.AlreadyExistsError(name)  # leaves the transaction: nothing written
        elif self._collides_with_packed(name):  # the transaction's write looks at loose refs only
            raise pygit2.GitError(f"path to reference '{name}' collides with existing one")

    def _collides_with_packed(self, name: str) -> bool:
        """A ref above ``name`` or below it exists (packed: the loose ones fail the lock)."""
        parts = name.split("/")
        parents = ("/".join(parts[:end]) for end in range(2, len(parts)))
        return any(self._raw.references.get(p) is not None for p in parents) or bool(
            self._packed_ref_names((name + "/").encode())
        )

    def create_packed_refs(self, refs: Mapping[str, ObjectId]) -> set[str]:
        """Create ``refs``, each absent, in one write of ``packed-refs`` (as ``git pack-refs``
        writes it: under ``packed-refs.lock``, renamed into place), not a loose file, a lock
        and a reflog each: 1,000 new refs cost one file. Returns those not created, for the
        caller to write its own way: a ref that exists, is in the way of another (a folder,
        a file above it) or is being written (its lock is held), and every ref when
        ``packed-refs`` is locked or cannot be written, or is too large for so few refs to
        be worth its rewrite (``_PACKED_BYTES_PER_REF``), or when a ``reference-transaction``
        hook is to see each ref git creates (a file written by hand runs none).

        No reflog is begun (git begins none for a packed ref; a session's first write begins
        it, its first line naming the value created). A writer creating one of them loose
        reads ``packed-refs`` only once it holds the ref's lock: a lock or a loose ref found
        after the rename is a creation that may not have seen ours, and the ref is returned
        too (created or not: the caller merges it again, by compare-and-swap). A ref whose
        creation git would log (``_git_logs``: ``core.logAllRefUpdates=always``, a reflog
        already there) is returned too: the usual way logs it."""
        logged = {name for name in refs if self._git_logs(name)}
        unlogged = {name: tip for name, tip in refs.items() if name not in logged}
        return logged | (self._create_packed(unlogged) if unlogged else set())

    def _create_packed(self, refs: Mapping[str, ObjectId]) -> set[str]:
        """``create_packed_refs`` of refs whose creation git would not log."""
        self._store_pending()  # a ref never names an object only packed_writes holds (in memory)
        path = os.path.realpath(os.path.join(self.common_dir, "packed-refs"))  # a link written through, as git does
        with contextlib.suppress(FileNotFoundError):
            if os.path.getsize(path) > len(refs) * _PACKED_BYTES_PER_REF:
                return set(refs)
        if self._transaction_hooked():
            return set(refs)
        with stops_as_interrupts():  # SIGTERM, SIGHUP: the lock removed as on Ctrl-C (git removes its own)
            return self._write_packed_refs(path, refs)

    def _write_packed_refs(self, path: str, refs: Mapping[str, ObjectId]) -> set[str]:
        """``create_packed_refs``' write of ``path``, under its lock; returns the refs not created."""
        try:
            lock = os.open(f"{path}.lock", os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except OSError:  # held by git (a gc, another writer): written the usual way
            return set(refs)
        written = False
        try:
            with os.fdopen(lock, "wb") as out:
                old = _read_packed_refs(path)
                new = {name: tip for name, tip in refs.items() if self._packable(name, old)}
                out.write(_packed_refs_content(old, new))
                os.chmod(f"{path}.lock", self._packed_refs_mode(path))
            os.replace(f"{path}.lock", path)
            written = True
        except (OSError, ValueError):  # ValueError: a packed-refs git would not read, left alone
            return set(refs)
        finally:
            if not written:  # (an interrupt too: a lock left would stop every git pack-refs and ref deletion)
                with contextlib.suppress(OSError):
                    os.remove(f"{path}.lock")
        return {name for name in refs if name not in new or self._loose_or_locked(name)}

    def _transaction_hooked(self) -> bool:
        """Whether git runs a ``reference-transaction`` hook here (or cannot say where it is)."""
        asked = ["rev-parse", "--git-path", "hooks/reference-transaction"]
        where = gitcli.run(asked, git_dir=self.git_dir, check=False)
        return where.returncode != 0 or os.access(where.stdout.rstrip("\n"), os.X_OK)

    def _packed_refs_mode(self, path: str) -> int:
        """The old file's mode (a new one's: the lock's, as the umask made it), widened as
        ``core.sharedRepository`` asks (git's ``adjust_shared_perm``, which git applies to
        every file it writes there: a teammate who cannot read ``packed-refs`` loses refs)."""
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            mode = stat.S_IMODE(os.stat(f"{path}.lock").st_mode)
        return _shared_mode(mode, self._sharing)

    @functools.cached_property
    def _sharing(self) -> str | None:
        """``core.sharedRepository`` as git reads it (unset: ``umask``, git's default)."""
        values = self.config_values("core.sharedRepository")
        return values[-1] if values else "umask"

    @functools.cached_property
    def _shared(self) -> bool:
        """Whether files and folders are made for a group or all (not with the umask's modes)."""
        return _shared_perm(self._sharing) != 0

    def _share(self, path: str) -> None:
        """A file or folder git-session made in the repository given the mode git gives its
        own (``adjust_shared_perm``): in a repository shared by a group, the group (git's own
        ``update-ref`` run by another user) can write it after us."""
        if not self._shared:
            return
        mode = os.stat(path).st_mode
        wanted = _shared_mode(mode, self._sharing)
        if wanted != mode:
            os.chmod(path, stat.S_IMODE(wanted))

    def share_new_files(self, private: str, told: str) -> None:
        """From now on (to the command's end: ``restore_umask``), the files and folders this
        process makes in the repository's git dir (``private``: git-session's folder) get the
        modes git's ``adjust_shared_perm`` gives its own in a shared repository, whatever the
        umask: the process's umask is ``shared_umask``'s (the writers outside the git dir, the
        work tree's and the user's own files, take the user's back: ``making``,
        ``shared_file_mode``); and the hooks, which cannot ask git cheaply, are told how
        (``hook_umask``: the file ``told``, in ``private``, they read). Once a repository; nothing
        changes in one that is not shared."""
        if self._shares_new_files:
            return
        self._shares_new_files = True
        if not self._shared:  # (the hooks' file left from when it was: they would go on widening)
            self.tell_hooks(told)
            return
        global _umask_before, _umask_shared, _sharing_now
        before = os.umask(0)
        _umask_shared, _sharing_now = shared_umask(self._sharing, before), (self._sharing, os.path.dirname(private))
        os.umask(_umask_shared)
        if _umask_before is None:
            _umask_before = gitcli.child_umask = before  # (git and the pager: the user's, gitcli.child_umask)
        with contextlib.suppress(OSError):  # (a read-only repository: nothing is written there)
            self._make_folders(private)  # (set-group-ID: what is made below it is the group's)
        self.tell_hooks(told)

    def tell_hooks(self, path: str) -> None:
        """The hooks' file at ``path`` (``paths.hook_umask``: in git-session's folder) as
        ``hook_umask`` has it (removed when not shared)."""
        wanted = hook_umask(self._sharing)
        with contextlib.suppress(OSError):  # (a read-only repository: its hooks write nothing there either)
            if wanted is None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
            elif not os.path.isdir(os.path.dirname(path)):
                return
            elif not os.path.isfile(path) or read_data(path, len(wanted) + 2) != f"{wanted}\n".encode():
                replace_file(path, f"{wanted}\n".encode())  # (read no further: any of the group may write it)

    _shares_new_files = False

    def _make_folders(self, folder: str) -> None:
        """``folder`` and those above it that are missing, each made as git makes its own (``_share``)."""
        if os.path.isdir(folder):
            return
        self._make_folders(os.path.dirname(folder))
        with contextlib.suppress(FileExistsError):  # (made meanwhile: by whoever made it, with its mode)
            os.mkdir(folder)
            self._share(folder)

    def _packable(self, name: str, packed: _PackedRefs) -> bool:
        """Whether a ref is absent, loose and packed, with no ref above or below it, nor a lock."""
        parts = name.split("/")
        above = ["/".join(parts[:end]) for end in range(2, len(parts))]
        in_packed = name in packed.names or name in packed.folders or any(a in packed.names for a in above)
        in_loose = self._loose_or_locked(name) or any(os.path.isfile(self._ref_path(a)) for a in above)
        return not (in_packed or in_loose)

    def _loose_or_locked(self, name: str) -> bool:
        """Whether a loose ref (or a folder of them) or a ref's lock is at ``name``'s place."""
        return os.path.lexists(self._ref_path(name)) or os.path.lexists(self.lock_path(name))

    def _ref_path(self, name: str) -> str:
        return os.path.join(self.common_dir, *name.split("/"))

    @overload
    def update_ref(
        self, name: str, build: Callable[[ObjectId | None], ObjectId], message: str, *, what: str, writers: str
    ) -> ObjectId: ...

    @overload
    def update_ref(
        self, name: str, build: Callable[[ObjectId | None], ObjectId | None], message: str, *, what: str, writers: str
    ) -> ObjectId | None: ...

    def update_ref(
        self, name: str, build: Callable[[ObjectId | None], ObjectId | None], message: str, *, what: str, writers: str
    ) -> ObjectId | None:
        """Move ``name`` from the tip read to what ``build`` makes of it, by compare-and-swap:
        if another writer moved it meanwhile, read it again, build again, retry. The one retry
        loop for every ref git-session writes.

        ``build`` gets the tip (``None``: no such ref) and returns the new one, or that tip or
        ``None`` to leave the ref alone; it may raise to refuse. Retries back off (jittered,
        2 ms doubling to 100 ms) for ``RETRY_SECONDS``; a lock left by a writer that died is
        broken after ``STALE_LOCK_SECONDS``. ``what`` names the ref in the error, ``writers``
        who could be holding its lock. Returns where the ref points now.
        """
        deadline = time.monotonic() + RETRY_SECONDS
        delay = 0.002
        while True:
            old = self.ref_target(name)
            new = build(old)
            if new is None or new == old or self.cas_ref(name, new, old, message):
                return old if new is None else new
            if time.monotonic() > deadline:
                raise ConflictError(
                    f"could not update {what}: it kept changing or stayed locked",
                    f"if no {writers} is running, remove {self.lock_path(name)}",
                )
            self.break_stale_lock(name, STALE_LOCK_SECONDS)
            import random  # (here: an import the early answers need not pay)

            time.sleep(random.uniform(delay / 2, delay))
            delay = min(delay * 2, 0.1)

    @staticmethod
    def is_branch_name(name: str) -> bool:
        """Whether git would take ``name`` as a branch (``refs/heads/<name>`` is a valid ref name);
        a name that is not UTF-8 cannot be checked, and is not taken."""
        try:
            return bool(name) and "\0" not in name and pygit2.reference_is_valid_name(f"refs/heads/{name}")
        except UnicodeError:
            return False

    # --- reflogs of our refs --------------------------------------------------------------

    def reflog_path(self, ref_name: str) -> str:
        return os.path.join(self.common_dir, "logs", *ref_name.split("/"))

    def _keep_reflog(self, name: str) -> None:
        """Make sure ``name`` has a reflog file: libgit2 (and git) then log every update of
        it, which is how a session lost to ``git gc --prune=now`` is brought back."""
        path = self.reflog_path(name)
        if not os.path.isfile(path):
            with contextlib.suppress(OSError):  # no reflog is no reason to refuse the write
                self._make_folders(os.path.dirname(path))
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666))  # as git makes one
                self._share(path)  # (a group's git update-ref appends to it after us)

    def _git_logs(self, name: str) -> bool:
        """Whether git logs an update of ``name``: to its reflog if there is one (whatever
        ``core.logAllRefUpdates`` says), else if it begins one (``_begins_reflog``)."""
        level = _log_level(self.config_values("core.logAllRefUpdates"), self.is_bare)
        return _begins_reflog(level, name) or os.path.isfile(self.reflog_path(name))

    @functools.cached_property
    def _libgit2_log_level(self) -> str:
        """``core.logAllRefUpdates`` as libgit2 reads it: from the config files only (``git
        -c``, which we see, does not change what it does). libgit2 logs an update as git
        does, but never when it is false (by default in a bare repository): git appends to
        a reflog that is there anyway, and we do for it then."""
        key = config_key("core.logAllRefUpdates")
        return _log_level([value for name, value in _config_files(self._raw) if name == key], self.is_bare)

    def _append_reflog(self, name: str, old: ObjectId | None, new: ObjectId, message: str, signer: Committer) -> None:
        line = f"{old or '0' * 40} {new} {signer.line_part()}\t{' '.join(message.split())}\n"
        with contextlib.suppress(OSError), open(self.reflog_path(name), "ab") as handle:
            handle.write(line.encode("utf-8", "surrogateescape"))  # (a name from the environment: its own bytes)

    def reflog_targets(self, ref_name: str) -> list[ObjectId]:
        """The values ``ref_name`` took, newest first, as its reflog has them: each line's
        new value, then its old one (a ref created without a reflog, as a pull creates
        sessions, has its first value only there: the old value of its first line)."""
        try:
            lines = read_data(self.reflog_path(ref_name)).splitlines()
        except OSError:
            return []
        found: dict[ObjectId, None] = {}
        for line in reversed(lines):
            fields = line.split(b" ", 2)
            if len(fields) == 3:
                for value in (fields[1], fields[0]):
                    text = value.decode("ascii", "replace")
                    if ObjectId.is_sha1(text) and value.strip(b"0"):
                        found.setdefault(ObjectId(text))
        return list(found)

    def drop_broken_reflog_entries(self, ref_name: str, present: Callable[[list[str]], set[str]] | None = None) -> None:
        """Leave out of ``ref_name``'s reflog the entries that name a missing commit (git
        fsck reports each), atomically; a reflog that cannot be rewritten stays. ``present``:
        which of the objects named are here, all asked at once (default: ``has_object``).
        The ref's lock is held meanwhile (git and libgit2 append to a reflog under it): a
        writer's line is never dropped by the rewrite; a ref locked by a writer keeps its reflog."""
        path = self.reflog_path(ref_name)
        with contextlib.suppress(OSError), self._ref_locked(ref_name):
            lines = read_data(path).splitlines(keepends=True)
            named = {f.decode("ascii", "replace") for line in lines for f in line.split(b" ", 2)[:2]}
            here = present(sorted(n for n in named if ObjectId.is_sha1(n) and n.strip("0"))) if present else None
            kept = [
                line for line in lines if all(self._logged_object_present(f, here) for f in line.split(b" ", 2)[:2])
            ]
            if len(kept) != len(lines):
                replace_file(path, b"".join(kept), stat.S_IMODE(os.stat(path).st_mode))  # (a shared one's mode kept)

    def forget_unreachable_reflog_entries(self, ref_name: str) -> bool:
        """Leave out of ``ref_name``'s reflog the entries naming a commit its history no longer
        holds (after a rewrite: the old history, which a reflog keeps from ``git gc``), each
        entry kept then starting where the one kept before it ended. Done by git itself (``git
        reflog expire --rewrite``: git's locks, its file format, a shared repository's modes);
        the ref is not moved. False when git could not (the ref locked by another writer);
        True when there is no reflog."""
        if not os.path.isfile(self.reflog_path(ref_name)):
            return True  # (git says "points nowhere")
        args = ["reflog", "expire", "--expire=never", "--expire-unreachable=now", "--rewrite", ref_name]
        return gitcli.run(args, git_dir=self.git_dir, check=False).returncode == 0

    @contextlib.contextmanager
    def _ref_locked(self, ref_name: str) -> Iterator[None]:
        """Hold ``ref_name``'s lock file (``OSError``: another holds it)."""
        lock = self.lock_path(ref_name)
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.unlink(lock)

    def _logged_object_present(self, field: bytes, here: set[str] | None = None) -> bool:
        name = field.decode("ascii", "replace")
        if not ObjectId.is_sha1(name) or not name.strip("0"):
            return True
        return name in here if here is not None else self.has_object(name)

    def lock_path(self, ref_name: str) -> str:
        return os.path.join(self.common_dir, *ref_name.split("/")) + ".lock"

    def break_stale_lock(self, ref_name: str, older_than: float) -> None:
        """Remove a ref's lock left by a killed writer, once it is clearly abandoned.

        Only for refs whose locks are held for microseconds (ours, and the notes ref).
        """
        path = self.lock_path(ref_name)
        aside = f"{path}.stale-{os.getpid()}"
        with contextlib.suppress(OSError):  # no lock, or another writer dealt with it
            seen = os.stat(path)
            if time.time() - seen.st_mtime <= older_than:
                return
            os.rename(path, aside)
            moved = os.stat(aside)
            if (moved.st_ino, moved.st_mtime_ns) != (seen.st_ino, seen.st_mtime_ns):
                os.link(aside, path)  # a live lock was taken between stat and rename: put it back
            os.remove(aside)

    # --- objects ---------------------------------------------------------------------

    @contextlib.contextmanager
    def packed_writes(self, loose_below: int = 0) -> Iterator[None]:
        """The objects written inside are kept in memory (and read from there), then stored
        at the end as one pack (``_write_pack``): thousands of new objects cost one file,
        not one file each (fewer than ``loose_below``: written loose, as a pack each would
        pile packs up). A ref moved inside (``cas_ref``) has those kept so far stored first,
        so that no ref names an object held only in memory. If the block fails, the objects
        not stored yet are dropped."""
        if self._pending.objects is not None or os.environ.get("GIT_OBJECT_DIRECTORY"):
            yield  # inside one already (the outer one stores them); or git would store them elsewhere
            return
        self._pending.objects, self._pending.loose_below = {}, loose_below
        try:
            yield
            self._store_pending()
        finally:
            for dropped in self._pending.objects or ():  # not stored: not to be read either
                self._blob_bytes -= len(self._blobs.pop(dropped, b""))
            self._pending.objects = None
            self._pending.folders.clear()

    def _store_pending(self) -> None:
        """The objects ``packed_writes`` holds, stored: one pack, or loose when few."""
        objects = self._pending.objects
        if not objects:
            return
        with _writing("to the object store"):
            if len(objects) < self._pending.loose_below and self._pending.writer is not None:
                for kind, data in objects.values():
                    self._pending.writer.write(kind, data)
            else:
                _write_pack(self._objects, objects)
        objects.clear()

    def write_blob(self, data: bytes) -> ObjectId:
        if self._pending.objects is not None:  # packed_writes: kept as it is, named here (_held)
            blob = self._held(ObjectType.BLOB, b"blob", data)
        else:
            with _writing("to the object store"):
                blob = ObjectId(str(self._raw.create_blob(data)))
        self._keep_blob(blob, data)
        return blob

    def _held(self, kind: int, name: bytes, data: bytes) -> ObjectId:
        """An object written inside ``packed_writes``, put with those it keeps without going
        through libgit2: its write first looks for the object everywhere, and a new one is
        missed, which makes it list the pack folder again (``git_odb_refresh``) for every
        object (ISSUE14: most of what 1,000 merges cost). One the repository has already is
        kept again, and stored again in the pack: git takes such a copy as it takes any."""
        assert self._pending.objects is not None
        oid = ObjectId(hashlib.sha1(b"%s %d\0" % (name, len(data)) + data).hexdigest())
        self._pending.objects[oid] = (int(kind), data)
        return oid

    def read_blob(self, blob_id: ObjectId, limit: int | None = None) -> bytes:
        """A file's content; one larger than ``limit`` bytes is refused before it is read.
        A small one is read once per command (then kept: ``_keep_blob``)."""
        kept = self._blobs.get(blob_id)
        if kept is not None and (limit is None or len(kept) <= limit):
            return kept
        if limit is not None:
            _check_size(self._raw.odb, blob_id, limit)
        obj = self._object(blob_id)
        if not isinstance(obj, pygit2.Blob):
            raise ObjectError(f"object {blob_id[:12]} is a {obj.type_str}, not a file")
        data = bytes(memoryview(obj))  # what was read (``data`` and ``read_raw`` read it again)
        self._keep_blob(blob_id, data)
        return data

    def _keep_blob(self, blob_id: str, data: bytes) -> None:
        """Kept by its whole id only (a prefix could name another object tomorrow)."""
        fits = len(data) <= _CACHED_BLOB_MAX and self._blob_bytes + len(data) <= _CACHED_BLOB_BYTES
        fits &= len(blob_id) == _HEX_ID_LENGTH
        if fits and self._blobs.setdefault(blob_id, data) is data:
            self._blob_bytes += len(data)

    def _object(self, oid: str) -> pygit2.Object:
        """The object ``oid``; a missing or damaged one is an ``ObjectError``."""
        try:
            return self._raw[oid]
        except (KeyError, ValueError):
            raise ObjectError(
                f"object {oid[:12]} is missing",
                advice=Advice.DOCTOR_FINDS_SESSIONS,
                data={"what": "what is missing"},
            ) from None
        except pygit2.GitError as exc:
            raise ObjectError(f"object {oid[:12]} cannot be read: {exc}") from None

    def _tree(self, oid: str) -> pygit2.Tree:
        obj = self._object(oid)
        if not isinstance(obj, pygit2.Tree):
            raise ObjectError(f"object {oid[:12]} is a {obj.type_str}, not a tree")
        return obj

    def blob_at(self, tree_id: ObjectId, path: str) -> bytes | None:
        entry = self.entry_at(tree_id, path)
        return None if entry is None or entry.is_tree else self.read_blob(entry.id, MAX_DATA_FILE)

    def entry_at(self, tree_id: ObjectId, path: str) -> TreeItem | None:
        """The entry at ``path`` (``a/b``) below a tree, if there is one."""
        tree = self._tree(tree_id)
        try:
            entry = tree[path]
        except (KeyError, ValueError, pygit2.GitError):
            return None
        return TreeItem(str(entry.name), ObjectId(str(entry.id)), entry.type == ObjectType.TREE)

    def tree_items(self, tree_id: ObjectId, path: str = "") -> list[TreeItem]:
        tree = self._subtree(tree_id, path)
        if tree is None:
            return []
        return [TreeItem(str(e.name), ObjectId(str(e.id)), e.type == ObjectType.TREE) for e in tree]

    def blobs_under(self, tree_id: ObjectId, path: str) -> Iterator[tuple[str, bytes]]:
        """Every blob below ``path``, depth first, as (name, content)."""
        tree = self._subtree(tree_id, path)
        if tree is not None:
            yield from _blobs_in(self._raw.odb, tree)

    def quick_blobs(self, commit_id: ObjectId, path: str, file: bool = False) -> list[tuple[str, bytes]] | None:
        """What ``blobs_under(commit(commit_id).tree, path)`` gives when all is well (with
        ``file``: the file at ``path`` alone, as ``blob_at`` reads it), read for many sessions
        at a time (a report): no ``CommitInfo`` made, objects looked up by id. ``None`` for
        anything else (an object missing, damaged, too large, nested too deep or of another
        kind; with ``file``, no file there): the caller reads it the careful way, which says
        what is wrong."""
        if not file:
            found = self.quick_folders(commit_id, [path])
            return None if found is None else found[0]
        try:
            tree = self._quick_tree(commit_id)
            entry = tree[path] if tree is not None else None
            if entry is None or entry.type != ObjectType.BLOB:
                return None
            return [(path.rsplit("/", 1)[-1], _quick_blob(self._pack_reader(), self._raw.odb, entry.id))]
        except (KeyError, ValueError, pygit2.GitError, DataError):  # nothing there, or not readable
            return None

    def quick_folders(self, commit_id: ObjectId, paths: Sequence[str]) -> list[list[tuple[str, bytes]]] | None:
        """``quick_blobs`` of each of ``paths`` below the same commit, its commit and tree
        looked up once (a report reads three folders of each of 1,000 sessions); ``None``
        when any of them is ``None``."""
        found: list[list[tuple[str, bytes]]] = []
        try:
            tree = self._quick_tree(commit_id)
            for path in paths:
                blobs = self._quick_folder(tree, path) if tree is not None else None
                if blobs is None:
                    return None
                found.append(blobs)
        except (KeyError, ValueError, pygit2.GitError, DataError):
            return None
        return found

    def _pack_reader(self) -> pygit2.Odb:
        """The packs alone: packed files are read through libgit2's pack reader (never a loose try)."""
        if self._packs is None:
            self._packs = pygit2.Odb()
            for folder in self.object_stores():
                self._packs.add_backend(pygit2.OdbBackendPack(folder), 1)
        return self._packs

    def _quick_tree(self, commit_id: ObjectId) -> pygit2.Tree | None:
        """The tree of a commit, for ``quick_blobs`` (``None``: not a commit)."""
        commit = self._raw[commit_id]
        return commit.tree if isinstance(commit, pygit2.Commit) else None

    def _quick_folder(self, tree: pygit2.Tree, path: str) -> list[tuple[str, bytes]] | None:
        """``quick_blobs`` of a folder below ``tree``; raises what a missing or damaged object raises."""
        try:
            entry = tree[path]
        except (KeyError, ValueError, pygit2.GitError):  # nothing there: none, as _subtree says
            return []
        if entry.type != ObjectType.TREE:
            return []
        # each folder looked up by its id: an entry's mode says "tree" for whatever object
        # it names, and pygit2 iterates a file or a commit as a tree (a commit: a segfault)
        folder = self._raw[entry.id]
        if not isinstance(folder, pygit2.Tree):
            return None
        packs, odb = self._pack_reader(), self._raw.odb
        found: list[tuple[str, bytes]] = []
        stack = [iter(list(folder))]  # depth first, as _blobs_in
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
            elif item.type == ObjectType.TREE:
                if len(stack) > _MAX_DEPTH:
                    return None
                folder = self._raw[item.id]
                if not isinstance(folder, pygit2.Tree):
                    return None
                stack.append(iter(list(folder)))
            elif item.type == ObjectType.BLOB:
                found.append((str(item.name), _quick_blob(packs, odb, item.id)))
        return found

    def changed_blobs(
        self, old: ObjectId | None, new: ObjectId, *, links: bool = False
    ) -> Iterator[tuple[str, ObjectId]]:
        """The files (blobs) that ``new`` (a tree) adds or changes against ``old``, as
        (path, blob id); submodules left out, and symlinks unless ``links`` (their blob
        is the link's target)."""
        modes = (*_FILE_MODES, FileMode.LINK) if links else _FILE_MODES
        for delta in self._deltas(old, new):
            if delta.status != DeltaStatus.DELETED and delta.new_file.mode in modes:
                yield str(delta.new_file.path), ObjectId(str(delta.new_file.id))

    def tree_changes(self, old: ObjectId | None, new: ObjectId) -> Iterator[tuple[str, ObjectId | None]]:
        """Every path whose blob ``new`` (a tree) adds, changes or removes against ``old``:
        (path, its blob in ``new``, ``None`` when removed)."""
        for delta in self._deltas(old, new):
            if delta.status == DeltaStatus.DELETED:
                yield str(delta.old_file.path), None
            else:
                yield str(delta.new_file.path), ObjectId(str(delta.new_file.id))

    def _deltas(self, old: ObjectId | None, new: ObjectId) -> list[pygit2.DiffDelta]:
        new_tree = self._tree(new)
        with _reading(new):
            diff = new_tree.diff_to_tree(swap=True) if old is None else self._tree(old).diff_to_tree(new_tree)
            return list(diff.deltas)

    def is_tree(self, oid: str) -> bool:
        try:
            return isinstance(self._raw[oid], pygit2.Tree)
        except (KeyError, ValueError, pygit2.GitError, ObjectError):
            return False

    def edit_tree(self, base: ObjectId | None, changes: Mapping[str, Change]) -> ObjectId:
        """A new tree: ``base`` with each path set to a blob (or a ``Subtree``), or removed when ``None``.

        Only the trees along changed paths are rewritten.
        """
        with _writing("to the object store"):
            oid = self._edit_id(base, changes)
            return ObjectId(str(oid or self._raw.TreeBuilder().write()))

    def _edit_id(self, tree_id: str | None, changes: Mapping[str, Change]) -> pygit2.Oid | None:
        """The tree ``tree_id`` edited: inside ``packed_writes`` without libgit2 when it can
        be (``_edit_held``), else by libgit2's ``TreeBuilder`` (``_edit``)."""
        if self._pending.objects is not None:
            held = self._edit_held(tree_id, changes)
            if held is not _NOT_HELD:
                return held if isinstance(held, pygit2.Oid) else None
        return self._edit(self._tree(tree_id) if tree_id else None, changes)

    def _edit(self, tree: pygit2.Tree | None, changes: Mapping[str, Change]) -> pygit2.Oid | None:
        builder = self._raw.TreeBuilder(tree) if tree is not None else self._raw.TreeBuilder()
        for name, sub in _group_by_head(changes).items():
            if isinstance(sub, dict):
                current = builder.get(name)
                existing = str(current.id) if current is not None and current.type == ObjectType.TREE else None
                subtree = self._edit_id(existing, sub)
                if subtree is None:
                    if current is not None:
                        builder.remove(name)
                else:
                    builder.insert(name, subtree, FileMode.TREE)
            elif sub is None:
                if builder.get(name) is not None:
                    builder.remove(name)
            elif isinstance(sub, Subtree):
                builder.insert(name, pygit2.Oid(hex=sub.id), FileMode.TREE)
            else:
                builder.insert(name, pygit2.Oid(hex=sub), FileMode.BLOB)
        return builder.write() if len(builder) else None

    def _edit_held(self, tree_id: str | None, changes: Mapping[str, Change]) -> pygit2.Oid | object | None:
        """``_edit`` inside ``packed_writes``: the tree written as ``TreeBuilder.write`` writes
        it (entries sorted as git sorts them, each mode in octal), kept with the other objects
        (``_held``). Left to libgit2 (``_NOT_HELD``): a base tree that git would not write back
        as it is (``_Folder.of``), a name that is not plain, and an object to put in that is
        not one kept here of its kind."""
        grouped = _group_by_head(changes)
        for name, sub in grouped.items():
            if not _PLAIN_NAME.fullmatch(name):
                return _NOT_HELD
            if isinstance(sub, (str, Subtree)):  # a blob, or a tree: one kept here, of that kind
                wanted, oid = (ObjectType.TREE, sub.id) if isinstance(sub, Subtree) else (ObjectType.BLOB, sub)
                held = self._pending.get(oid)
                if held is None or held[0] != wanted:
                    return _NOT_HELD
        folder = _Folder([], []) if tree_id is None else self._folder(tree_id)
        if folder is None:
            return _NOT_HELD
        for name, sub in grouped.items():
            key = name.encode()
            if isinstance(sub, dict):
                current = folder.get(key)
                existing = current[1].hex() if current and current[0] == FileMode.TREE else None
                made = self._edit_id(existing, sub)
                if made is None:
                    folder.remove(key)
                else:
                    folder.put(key, FileMode.TREE, made.raw)
            elif sub is None:
                folder.remove(key)
            elif isinstance(sub, Subtree):
                folder.put(key, FileMode.TREE, bytes.fromhex(sub.id))
            else:
                folder.put(key, FileMode.BLOB, bytes.fromhex(sub))
        if not folder.entries:
            return None
        written = self._held(ObjectType.TREE, b"tree", folder.body())
        self._pending.keep_folder(written, folder)
        return pygit2.Oid(hex=written)

    def _folder(self, tree_id: str) -> _Folder | None:
        """A base tree's entries. A large tree is read in one piece; a small one, looked up
        already most often (libgit2 keeps it), is written out again from its entries: what
        does not hash back to its id (a mode libgit2 reads as another) is not taken."""
        held = self._pending.get(tree_id)
        if held is not None:
            kept = self._pending.folder(tree_id)
            return kept or (_Folder.of(tree_id, held[1]) if held[0] == ObjectType.TREE else None)
        tree = self._tree(tree_id)
        return _Folder.of(tree_id, tree.read_raw()) if len(tree) > _SMALL_TREE else _Folder.of_entries(tree_id, tree)

    def _subtree(self, tree_id: ObjectId, path: str) -> pygit2.Tree | None:
        obj = self._tree(tree_id)
        if path:
            try:
                entry = obj[path]
            except (KeyError, ValueError, pygit2.GitError):
                return None
            if entry.type != ObjectType.TREE:
                return None
            obj = self._tree(str(entry.id))
        return obj

    # --- commits ---------------------------------------------------------------------

    def write_commit(self, tree: ObjectId, parents: Iterable[ObjectId], message: str, ident: Ident) -> ObjectId:
        parents = list(parents)
        if self._pending.objects is not None:
            held = self._commit_held(tree, parents, message, ident)
            if held is not None:
                return held
        signature = pygit2.Signature(ident.name, ident.email, ident.time, ident.offset_minutes)
        return self._create_commit(signature, signature, message, tree, parents)

    def _commit_held(self, tree: ObjectId, parents: list[ObjectId], message: str, ident: Ident) -> ObjectId | None:
        """``write_commit`` inside ``packed_writes``: the commit as libgit2 writes it, kept with
        the other objects (``_held``); ``None`` (left to libgit2) unless its tree is one kept
        here, each parent a commit here, the name and address plain (nothing for libgit2 to
        trim or refuse), the time one libgit2 writes as it is, and the message UTF-8 without a NUL."""
        held = self._pending.get(tree)
        if held is None or held[0] != ObjectType.TREE:
            return None
        if not (_PLAIN_IDENT.fullmatch(ident.name) and _PLAIN_IDENT.fullmatch(ident.email)):
            return None
        if not 0 <= ident.time < 1 << 31:  # libgit2 writes another time as a 32-bit unsigned one
            return None
        if not all(isinstance(self._raw.get(parent), pygit2.Commit) for parent in parents):
            return None
        try:
            text = message.encode("utf-8")
        except UnicodeEncodeError:
            return None
        if b"\0" in text:  # libgit2 takes the message as a C string: it ends at the NUL
            return None
        offset = ident.offset_minutes
        when = b"%d %c%02d%02d" % (ident.time, 45 if offset < 0 else 43, abs(offset) // 60, abs(offset) % 60)
        person = b"%s <%s> %s" % (ident.name.encode(), ident.email.encode(), when)
        head = [b"tree %s\n" % tree.encode(), *(b"parent %s\n" % p.encode() for p in parents)]
        body = b"".join([*head, b"author %s\ncommitter %s\n\n" % (person, person), text])
        return self._held(ObjectType.COMMIT, b"commit", body)

    def _create_commit(
        self,
        author: pygit2.Signature,
        committer: pygit2.Signature,
        message: str,
        tree: ObjectId,
        parents: Iterable[ObjectId],
    ) -> ObjectId:
        with _writing("to the object store"):
            oid = self._raw.create_commit(
                None, author, committer, message, pygit2.Oid(hex=tree), [pygit2.Oid(hex=p) for p in parents]
            )
        if not self._raw.odb.exists(oid):
            raise self._not_stored(f"commit {str(oid)[:12]}")
        return ObjectId(str(oid))

    def _not_stored(self, what: str) -> FileSystemError:
        """libgit2 (1.9) can return a commit's id on a full disk without having stored it."""
        objects = os.path.join(self.common_dir, "objects")
        try:
            full = os.statvfs(objects).f_bavail == 0
        except OSError:
            full = False
        if full:
            return file_system_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), objects), "write")
        return FileSystemError(f"cannot write to the object store: {what} was not stored in {objects}")

    def copy_commit(self, commit_id: ObjectId, tree: ObjectId, parents: Iterable[ObjectId]) -> ObjectId:
        """A commit like ``commit_id`` (message, author, committer, times) with another
        tree and parents: a history rewritten, as ``git filter-branch`` does."""
        old = self._raw[commit_id]
        assert isinstance(old, pygit2.Commit)
        return self._create_commit(old.author, old.committer, old.message, tree, parents)

    def commit(self, commit_id: ObjectId) -> CommitInfo:
        obj = self._object(commit_id)
        if not isinstance(obj, pygit2.Commit):
            raise ObjectError(f"object {commit_id[:12]} is a {obj.type_str}, not a commit")
        return _commit_info(obj)

    def tag_messages(self, oid: str) -> list[tuple[str, str]]:
        """(name, message) of an annotated tag and of each tag it points to in turn (a
        bounded chain); none for any other object."""
        found: list[tuple[str, str]] = []
        obj = self._object(oid)
        while isinstance(obj, pygit2.Tag) and len(found) < _MAX_DEPTH:
            found.append((str(obj.name), str(obj.message or "")))
            obj = self._object(str(obj.target))
        return found

    def is_commit(self, oid: str) -> bool:
        try:
            return isinstance(self._raw[oid], pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError, ObjectError):
            return False

    def walk(
        self, tip: ObjectId, hide: Iterable[ObjectId] = (), *, topological: bool = True, first_parent: bool = False
    ) -> Iterator[CommitInfo]:
        """Commits reachable from ``tip`` but not from ``hide``, children first.

        Not ``topological``: newest first, as ``git log`` does, without reading the whole
        history before the first commit (a topological walk does). ``first_parent``: only
        the first-parent chain, as ``git log --first-parent``.
        """
        with _reading(tip):
            walker = self._raw.walk(pygit2.Oid(hex=tip), SortMode.TOPOLOGICAL if topological else SortMode.NONE)
            if first_parent:
                walker.simplify_first_parent()
            for hidden in hide:
                walker.hide(pygit2.Oid(hex=hidden))
            for commit in walker:
                yield _commit_info(commit)

    def walk_all(
        self, tips: Iterable[ObjectId], hide: Iterable[ObjectId] = (), *, topological: bool = True
    ) -> Iterator[CommitInfo]:
        """Commits reachable from any of ``tips`` but not from ``hide`` (``git rev-list T… ^H…``),
        children first (not ``topological``: newest first, without reading the whole
        history before the first commit)."""
        pushed = [pygit2.Oid(hex=tip) for tip in tips]
        if not pushed:
            return
        with _reading(str(pushed[0])):
            walker = self._raw.walk(None, SortMode.TOPOLOGICAL if topological else SortMode.NONE)
            for tip in pushed:
                walker.push(tip)
            for hidden in hide:
                walker.hide(pygit2.Oid(hex=hidden))
            for commit in walker:
                yield _commit_info(commit)

    def merge_base(self, a: ObjectId, b: ObjectId) -> ObjectId | None:
        with _reading(a):
            base = self._raw.merge_base(pygit2.Oid(hex=a), pygit2.Oid(hex=b))
        return None if base is None else ObjectId(str(base))

    def is_ancestor(self, ancestor: ObjectId, descendant: ObjectId) -> bool:
        if ancestor == descendant:
            return True
        with _reading(descendant):
            return bool(self._raw.descendant_of(pygit2.Oid(hex=descendant), pygit2.Oid(hex=ancestor)))

    def has_object(self, oid: str) -> bool:
        """Whether the object is here (found by name; it is not read)."""
        try:
            return bool(self._raw.odb.exists(pygit2.Oid(hex=oid)))
        except (ValueError, pygit2.GitError):
            return False

    def present(self, oids: Iterable[str], absent_memo: Path | None = None) -> set[str]:
        """Which of ``oids`` are here, as ``has_object`` says of each; the object database
        looks for new packs on the first one missing (and once more for the others it
        missed), not on every one. With ``absent_memo`` (a file of derived data), the ids it
        records as absent are not looked up again while the object store cannot have gained
        them (``_AbsentMemo``); it is written again with what this look-up found."""
        if absent_memo is None:
            return self._present_now(oids)
        wanted = set(oids)
        now = _AbsentMemo.taken(self)  # before any look-up: an object added during one changes it
        memo = _AbsentMemo.load(absent_memo)
        known = memo.still_absent(now) if memo is not None and self._pending.objects is None else set()
        found = self._present_now(wanted - known)
        absent = wanted - found
        if memo is None or absent != memo.ids or len(wanted) - len(known) - len(found) > max(64, len(absent) // 16):
            listed = "\n".join(absent) + "\n"  # (one pattern for 10,000 ids; an id of two lines is none)
            if listed.count("\n") != len(absent) or not _ID_LINES.fullmatch(listed):
                absent = {oid for oid in absent if ObjectId.is_full(oid)}
            now.ids = absent  # (rechecking the few ids a folder changed under costs less than the file)
            now.save(absent_memo)
        return found

    def loose_folder_times(self) -> dict[str, int]:
        """The time of change of each loose object folder, by ``<n>/<xx>`` (the n-th of
        ``object_stores``); a folder that is not there is left out."""
        times: dict[str, int] = {}
        for number, folder in enumerate(self.object_stores()):
            for prefix in _LOOSE_PREFIXES:
                with contextlib.suppress(OSError):
                    times[f"{number}/{prefix}"] = os.stat(os.path.join(folder, prefix)).st_mtime_ns
        return times

    def _present_now(self, oids: Iterable[str]) -> set[str]:
        """``present``, every one looked up."""
        found: set[str] = set()
        # Missed after the rescan: looked for once more after one more rescan (another
        # process, ``git gc --auto`` say, may have packed it and deleted its loose copy since),
        # unless no pack folder changed meanwhile (git adds the pack before it deletes the copies).
        packs = self._packs_stamp()
        again = self._present(oids, found)
        if again and (packs is None or self._packs_stamp() != packs):
            self._present(again, found)
        return found

    def _packs_stamp(self) -> tuple[tuple[int, int], ...] | None:
        """The inode and time of each pack folder (this repository's and its alternates');
        ``None`` when one cannot show a pack added from now on: absent, unreadable, or changed
        within the last ``RACY_NS`` (file times are coarse: a change in the same tick keeps the time)."""
        stamps = []
        now = time.time_ns()
        for folder in self.object_stores():
            try:
                found = os.stat(os.path.join(folder, "pack"))
            except OSError:
                return None
            if now - found.st_mtime_ns < RACY_NS:
                return None
            stamps.append((found.st_ino, found.st_mtime_ns))
        return tuple(stamps)

    def _present(self, oids: Iterable[str], found: set[str]) -> list[str]:
        """Add to ``found`` which of ``oids`` are here; those the backends missed after the
        object database's rescan (``present``)."""
        missed = []
        # after a miss (the database refreshed): each backend asked, which refreshes nothing
        asked: list[Callable[[pygit2.Oid | str], bool]] | None = None
        exists = self._raw.odb.exists
        for oid in oids:
            try:
                # (a full id as it is: pygit2 reads its hex without an Oid made first, for a
                # third of the cost; anything else is made one, which refuses a short id)
                key = oid if len(oid) == _HEX_ID_LENGTH else pygit2.Oid(hex=oid)
                if asked is None:
                    here = bool(exists(key))
                    asked = None if here else [backend.exists for backend in self._raw.odb.backends]
                else:
                    here = False
                    for exists in asked:
                        if exists(key):
                            here = True
                            break
                    else:
                        missed.append(oid)
            except (ValueError, pygit2.GitError):
                here = False
            if here:
                found.add(oid)
        return missed

    def history_problem(self, tip: ObjectId) -> str | None:
        """What is missing or damaged in the history of ``tip``: its commits, their trees,
        and the files those name (which are looked up, not read). ``None``: nothing."""
        seen: set[str] = set()
        try:
            for commit in self.walk(tip, topological=False):
                self._check_tree(commit.tree, seen)
        except ObjectError as exc:
            return exc.message
        return None

    def _check_tree(self, tree_id: str, seen: set[str]) -> None:
        stack = [tree_id]
        while stack:
            oid = stack.pop()
            if oid in seen:
                continue
            seen.add(oid)
            with _reading(oid):
                entries = [(str(e.id), e.type) for e in self._tree(oid)]
            for entry_id, kind in entries:
                if kind == ObjectType.TREE:
                    stack.append(entry_id)
                elif kind == ObjectType.BLOB and entry_id not in seen:
                    if not self.has_object(entry_id):
                        raise ObjectError(f"object {entry_id[:12]} is missing")
                    seen.add(entry_id)

    def move_ref_aside(self, name: str, aside: str, tip: ObjectId) -> str | None:
        """Move a ref (whose objects may be missing) and its reflog to ``aside`` or, where a
        ref (loose or packed) or a reflog is there already (what an earlier move kept), to
        the first free of ``aside-2``, ``aside-3``…: recovery material is never overwritten.
        Returns the name taken; ``None`` when ``name`` no longer points at ``tip``, or another
        writer holds its lock or the lock of the name aside. Done as git renames a ref: under
        the ref's lock (every writer of it, git's too, waits, and appends to its reflog only
        under it), checked, the copy written (under its own lock), the reflog moved, then the
        ref removed as the lock is let go. libgit2 and git refuse to create a ref to a missing
        object: the copy is written as git's own loose ref file."""
        done: dict[str, str] = {}  # what is to be undone if the removal fails: "copy", "reflog"
        try:
            with stops_deferred(), self._raw.transaction() as held:
                held.lock_ref(name)
                if self._locked_target(name) != tip:  # moved meanwhile: its reflog stays, nothing put aside
                    return None
                done["copy"] = self._write_free_loose_ref(aside, tip)
                if self._move_reflog(name, done["copy"]):
                    done["reflog"] = done["copy"]
                held.remove(name)  # (done as the transaction ends)
            return done["copy"]
        except (pygit2.GitError, OSError) as exc:
            self._undo_aside(name, done)
            if _held_lock(exc):
                return None
            if isinstance(exc, OSError):
                raise file_system_error(exc, f"move {name} aside") from None
            raise GitError(f"cannot move {name} aside: {exc}") from None

    def _locked_target(self, name: str) -> str | None:
        """What ``name`` (whose lock we hold) points at; a loose ref file libgit2 cannot read
        (git may), by its first line as git reads it."""
        try:
            return self.ref_target(name)
        except ObjectError:
            with contextlib.suppress(OSError):
                return read_data(self._ref_path(name), 128).partition(b"\n")[0].strip().decode("ascii", "replace")
            return None

    def _write_free_loose_ref(self, name: str, tip: ObjectId) -> str:
        """``tip`` written as a new loose ref: ``name``, else the first free of ``name-2``,
        ``name-3``… (``_taken``); the name written. ``OSError`` when a lock is held."""
        for number in itertools.count(1):
            candidate = name if number == 1 else f"{name}-{number}"
            if self._write_loose_ref(candidate, tip):
                return candidate
        raise AssertionError("unreachable")  # (itertools.count never ends)

    def _write_loose_ref(self, name: str, tip: ObjectId) -> bool:
        """Write ``name`` as git writes a loose ref: its lock made (``OSError`` if held),
        checked, filled, renamed into place; False, nothing written, when ``name`` is taken
        (``_taken``). The lock never left behind (removed only while it is ours: once
        renamed, the name is another writer's to lock)."""
        path = self._ref_path(name)
        self._make_folders(os.path.dirname(path))
        lock = f"{path}.lock"
        handle = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        try:
            with os.fdopen(handle, "wb") as out:
                if self._taken(name):  # (looked at under the lock, as git does before it writes)
                    os.unlink(lock)
                    return False
                out.write(f"{tip}\n".encode("ascii"))
            self._share(lock)
            os.replace(lock, path)
            return True
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock)
            raise

    def _taken(self, name: str) -> bool:
        """Whether ``name`` is a ref (loose or packed), has refs below it, or has a reflog."""
        packed = self._packed_ref_names(name.encode("utf-8", "surrogateescape"))
        below = name + "/"
        return (
            os.path.lexists(self._ref_path(name))
            or os.path.lexists(self.reflog_path(name))
            or any(found == name or found.startswith(below) for found in packed)
        )

    def _move_reflog(self, name: str, aside: str) -> bool:
        """``name``'s reflog moved to ``aside``'s (its folders made as git makes them);
        False when it has none."""
        if not os.path.isfile(self.reflog_path(name)):
            return False
        self._make_folders(os.path.dirname(self.reflog_path(aside)))
        os.replace(self.reflog_path(name), self.reflog_path(aside))
        return True

    def _undo_aside(self, name: str, done: Mapping[str, str]) -> None:
        """What ``move_ref_aside`` did before its removal of ``name`` failed, undone: the
        reflog back (unless a writer began one since), the copy aside removed."""
        with contextlib.suppress(OSError):
            if "reflog" in done and not os.path.exists(self.reflog_path(name)):
                os.replace(self.reflog_path(done["reflog"]), self.reflog_path(name))
            if "copy" in done:
                os.unlink(self._ref_path(done["copy"]))

    def patch_ids(self, diffs: Sequence[tuple[ObjectId, ObjectId | None]]) -> dict[ObjectId, str]:
        """``git patch-id --stable`` of many diffs, by one ``git diff-tree | git patch-id`` pipe.

        Each diff is a commit against its own parents (``None``) or against another
        commit. A commit may appear once: its id is how its patch-id is found in the
        output. Commits whose diff is empty (and merges, against their parents) have none.
        """
        commits = [commit for commit, _ in diffs]
        if len(set(commits)) != len(commits):
            raise ValueError("a commit appears twice in one patch-id batch")
        lines = "".join(f"{commit} {base}\n" if base else f"{commit}\n" for commit, base in diffs)
        if not lines:
            return {}
        output = gitcli.pipeline(
            DIFF_TREE_PATCHES,
            ["patch-id", "--stable"],
            git_dir=self.git_dir,
            input=lines,
        )
        found = {}
        for line in output.splitlines():
            patch_id, _, commit = line.partition(" ")
            found[ObjectId(commit)] = patch_id
        return found

    # --- identity --------------------------------------------------------------------

    def ident(self) -> Ident:
        """The author identity and time git itself would use for a commit now."""
        result = gitcli.run(["var", "GIT_AUTHOR_IDENT"], git_dir=self.git_dir, check=False)
        match = _IDENT.fullmatch(result.stdout.strip())
        if result.returncode != 0 or match is None:
            raise UserError(
                "no git identity is configured",
                'set one with: git config --global user.name "Your Name" && '
                "git config --global user.email you@example.com",
            )
        try:
            (match["name"] + match["email"]).encode("utf-8")
        except UnicodeEncodeError:
            raise UserError(
                f"the git identity {match['name']!r} <{match['email']!r}> is not valid UTF-8",
                "set it in UTF-8: git config user.name / user.email (or GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL)",
            ) from None
        return Ident(match["name"], match["email"], int(match["time"]), match["tz"])


@contextlib.contextmanager
def _reading(start: str) -> Iterator[None]:
    """libgit2's failures while it reads history from ``start``, as ``ObjectError``."""
    try:
        yield
    except (KeyError, ValueError, pygit2.GitError) as exc:
        detail = str(exc).strip("'")
        missing = isinstance(exc, KeyError) or "not found" in detail
        raise ObjectError(
            f"the history of {start[:12]} " + ("misses an object" if missing else f"cannot be read: {detail}"),
            advice=Advice.DOCTOR_FINDS_SESSIONS,
            data={"what": "what is missing or damaged"},
        ) from None


def _check_size(odb: pygit2.Odb, oid: str, limit: int) -> None:
    """Refuses an object larger than ``limit`` bytes, read from its header only."""
    with _reading(oid):
        _, size = odb.read_header(oid)
    if size > limit:
        raise ObjectError(f"object {oid[:12]} is {size} bytes: more than the {limit} that session data may be")


def _blobs_in(odb: pygit2.Odb, tree: pygit2.Tree) -> Iterator[tuple[str, bytes]]:
    """The blobs below a tree, depth first, walked through its own objects (no look-ups
    by name); a nesting deeper than any we write is damage, not a reason to recurse, and
    a file larger than any we write is refused before it is read."""
    stack = [_entries_of(tree)]
    while stack:
        obj = next(stack[-1], None)
        if obj is None:
            stack.pop()
        elif isinstance(obj, pygit2.Tree):
            if len(stack) > _MAX_DEPTH:
                raise ObjectError(f"tree {str(tree.id)[:12]} nests deeper than {_MAX_DEPTH} folders")
            _check_is_tree(odb, str(obj.id))
            stack.append(_entries_of(obj))
        elif isinstance(obj, pygit2.Blob):
            _check_size(odb, str(obj.id), MAX_DATA_FILE)
            with _reading(str(obj.id)):
                data = obj.data
            yield str(obj.name), data


def _quick_blob(packs: pygit2.Odb, odb: pygit2.Odb, oid: pygit2.Oid) -> bytes:
    """A file's content for ``Repo.quick_blobs``, from the packs if it is there (else through
    ``odb``): ``KeyError`` for one too large (checked from its header before it is read) or
    not a file."""
    try:
        kind, size = packs.read_header(oid)
        odb = packs
    except (KeyError, ValueError, pygit2.GitError):
        kind, size = odb.read_header(oid)
    if kind != ObjectType.BLOB or size > MAX_DATA_FILE:
        raise KeyError(str(oid))
    kind, data = odb.read(oid)
    if kind != ObjectType.BLOB or len(data) != size:
        raise KeyError(str(oid))
    return bytes(data)


def _check_is_tree(odb: pygit2.Odb, oid: str) -> None:
    """Refuses a folder entry whose object is not a tree: an entry's mode says "tree" for
    whatever it names, and pygit2 walks a file as an empty folder and a commit into a crash."""
    with _reading(oid):
        kind, _ = odb.read_header(oid)
    if kind != ObjectType.TREE:
        name = {ObjectType.COMMIT: "commit", ObjectType.BLOB: "blob", ObjectType.TAG: "tag"}.get(kind, "object")
        raise ObjectError(f"object {oid[:12]} is a {name}, not a tree")


def _entries_of(tree: pygit2.Tree) -> Iterator[pygit2.Object]:
    with _reading(str(tree.id)):
        return iter(list(tree))


_PACKED_HEADER = b"# pack-refs with: peeled fully-peeled sorted \n"  # as git pack-refs begins the file
# packed-refs rewritten costs ~2.5 us a ref it holds (~60 bytes), git update-ref ~0.4 ms a ref it creates:
# more than ~60 held for each created, and update-ref is the cheaper (and holds no lock git's writers wait on)
_PACKED_BYTES_PER_REF = 4096
_PACKED_LINE = re.compile(rb"(?:[0-9a-f]{40}|[0-9a-f]{64}) ([^\n]+)\n((?:\^(?:[0-9a-f]{40}|[0-9a-f]{64})\n)*)")


@dataclass
class _PackedRefs:
    """``packed-refs`` as read: its header, each ref's lines (a peeled tag's two) by name."""

    header: bytes
    records: dict[bytes, bytes]
    names: set[str]
    folders: set[str]  # every folder a packed ref lies in (``refs``, ``refs/heads``, …)


def _read_packed_refs(path: str) -> _PackedRefs:
    """``packed-refs``; a line git would not read is a ``ValueError`` (the file is left alone)."""
    try:
        data = read_data(path)
    except FileNotFoundError:
        data = b""
    header = data.partition(b"\n")[0] + b"\n" if data.startswith(b"# pack-refs with:") else b""
    body = data[len(header) :]
    if body and not body.endswith(b"\n"):
        body += b"\n"
    records, end = {}, 0
    for match in _PACKED_LINE.finditer(body):
        if match.start() != end:
            break
        records[match[1]] = match[0]
        end = match.end()
    if end != len(body):
        raise ValueError("packed-refs holds a line git would not read")
    names = {name.decode("utf-8", "surrogateescape") for name in records}
    folders = {name[:at] for name in names for at, char in enumerate(name) if char == "/"}
    if not header and not records:  # a new file: git's header (records with none claim no trait: not peeled)
        header = _PACKED_HEADER
    return _PackedRefs(header, records, names, folders)


def _packed_refs_content(old: _PackedRefs, new: Mapping[str, ObjectId]) -> bytes:
    """``packed-refs`` with ``new`` added, every ref in the byte order git sorts them by."""
    records = dict(old.records)
    records.update((name.encode("utf-8", "surrogateescape"), f"{tip} {name}\n".encode()) for name, tip in new.items())
    return old.header + b"".join(records[name] for name in sorted(records))


_SHARED_PERMS = {"umask": 0, "group": 0o660, "all": 0o664, "world": 0o664, "everybody": 0o664}


def _shared_perm(shared: str | None) -> int:
    """git's ``git_config_perm`` of ``core.sharedRepository``: the bits a named level adds
    (0: the umask's modes, as if unset); an octal mode, negative: the mode itself."""
    if shared is None or shared in _SHARED_PERMS:
        return _SHARED_PERMS.get(shared or "group", 0)
    if re.fullmatch(r"[0-7]+", shared):
        number = int(shared, 8)
        return {0: 0, 1: 0o660, 2: 0o664}.get(number, -(number & 0o666))
    return 0o660 if config_bool(shared) else 0


_umask_before: int | None = None  # the process's umask before ``Repo.share_new_files`` widened it
_umask_shared: int | None = None  # and the one it set
_sharing_now: tuple[str | None, str] | None = None  # for that repository's core.sharedRepository, and its common dir


def restore_umask() -> None:
    """The umask as it was before a shared repository's commands widened it (at a command's end)."""
    global _umask_before, _umask_shared, _sharing_now
    if _umask_before is not None:
        os.umask(_umask_before)
    _umask_before = _umask_shared = _sharing_now = None
    gitcli.child_umask = -1


def share_made(file: int | str) -> None:
    """A new file of the git dir made for its owner alone (``tempfile.mkstemp``: 0600; its
    descriptor or its path) given, while a shared repository's modes are in force
    (``Repo.share_new_files``), those of any new file."""
    if _umask_shared is not None:
        os.chmod(file, 0o666 & ~_umask_shared)


def shared_file_mode(path: str, mode: int) -> int:
    """The ``mode`` of a file at ``path``, set exactly by its writer, as git gives it in the
    git dir of a repository whose shared modes are in force (``Repo.share_new_files``); a
    file elsewhere (the work tree, a user's agent settings) keeps it."""
    return stat.S_IMODE(_shared_mode(mode, _sharing_now[0])) if _sharing_now and _in_shared(path) else mode


@contextlib.contextmanager
def making(path: str | os.PathLike[str]) -> Iterator[None]:
    """What is made in the block (``path``, the folders above it) made, outside the git dir
    of a repository whose shared modes are in force, with the user's own umask."""
    if _umask_before is None or _umask_shared is None or _in_shared(path):
        yield
        return
    os.umask(_umask_before)
    try:
        yield
    finally:
        os.umask(_umask_shared)


def _in_shared(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` lies in the git dir whose shared modes are in force."""
    if _sharing_now is None:
        return False
    common = os.path.abspath(_sharing_now[1])
    return os.path.commonpath([os.path.abspath(path), common]) == common


def _shared_bits(shared: str | None) -> int:
    """The bits git's ``adjust_shared_perm`` gives a new folder (and a file with its execute
    bits) for ``core.sharedRepository=shared``: the level's, with their execute bits."""
    perm = abs(_shared_perm(shared))
    return perm | (perm & 0o444) >> 2


def shared_umask(shared: str | None, umask: int) -> int:
    """The umask under which a file (made 0666 or 0777) or a folder (0777) comes out with the
    mode git gives it in a repository shared so (``_shared_mode``, but for a folder's
    set-group-ID bit, which a folder made in such a folder inherits): a named level allows
    its bits whatever else the umask takes away; an octal mode is the mode itself."""
    perm = _shared_perm(shared)
    if perm == 0:
        return umask
    return umask & ~_shared_bits(shared) if perm > 0 else 0o777 & ~_shared_bits(shared)


def hook_umask(shared: str | None) -> str | None:
    """``shared_umask`` as the shell's ``umask`` builtin takes it (the hooks apply it to their
    own umask; ``None``: not shared): ``g+rwx``, ``g+rwx,o+rx`` or an octal umask."""
    perm = _shared_perm(shared)
    if perm == 0:
        return None
    if perm < 0:
        return f"{shared_umask(shared, 0):04o}"
    bits = _shared_bits(shared)
    allowed = [
        (who, "".join(c for c, b in zip("rwx", (4, 2, 1), strict=True) if bits >> shift & b))
        for who, shift in (("u", 6), ("g", 3), ("o", 0))
    ]
    return ",".join(f"{who}+{letters}" for who, letters in allowed if letters)


def _shared_mode(mode: int, shared: str | None) -> int:
    """A file's or folder's ``mode`` as git widens it for ``core.sharedRepository=shared``
    (``adjust_shared_perm`` and ``calc_shared_perm``: a named level adds its bits; an octal
    mode is the mode, save the owner's write and the execute bits a file does not have; a
    folder gets the execute bits of its read bits, and, where the group has some access,
    the set-group-ID bit that makes the files below it the group's)."""
    perm = _shared_perm(shared)
    if perm == 0:
        return mode
    tweak = abs(perm) if mode & stat.S_IWUSR else abs(perm) & ~0o222
    if mode & stat.S_IXUSR:
        tweak |= (tweak & 0o444) >> 2
    shared_mode = (mode & ~0o777) | tweak if perm < 0 else mode | tweak
    if stat.S_ISDIR(mode):
        shared_mode |= (shared_mode & 0o444) >> 2
        if shared_mode & 0o060:  # ("g+s matters only if any extra access is granted based on group membership")
            shared_mode |= stat.S_ISGID
    return shared_mode


# The refs whose reflog git (and libgit2) begins unless core.logAllRefUpdates is false or
# "always" (which begins every ref's): refs/files-backend.c's should_autocreate_reflog.
_AUTO_LOGGED = ("refs/heads/", "refs/remotes/", "refs/notes/")


def _log_level(values: Sequence[str | None], bare: bool) -> str:
    """``core.logAllRefUpdates`` (its values, the last one wins) as git reads it: ``always``,
    ``true`` or ``false`` (unset: ``true`` but in a bare repository); ``invalid`` for a value
    git and libgit2 refuse (neither writes a ref then: no line of ours either)."""
    if not values:
        return "false" if bare else "true"
    value = values[-1]
    if value is not None and value.lower() == "always":
        return "always"
    logs = config_bool(value)
    return "invalid" if logs is None else "true" if logs else "false"


def _begins_reflog(level: str, name: str) -> bool:
    """Whether an update of ``name`` begins its reflog where there is none, at ``level``."""
    return level == "always" or (level == "true" and (name == "HEAD" or name.startswith(_AUTO_LOGGED)))


_STOPS = (signal.SIGTERM, signal.SIGHUP)  # signals that end a write as Ctrl-C does


@contextlib.contextmanager
def stops_as_interrupts() -> Iterator[None]:
    """While files are written, SIGTERM and SIGHUP (a closed terminal) stop the command as
    Ctrl-C does, so that what is half done is undone (a restore's files put back, a lock
    removed): by default they end the process at once. A signal the user has set to be
    ignored or handled stays so."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in _STOPS}
    for number, handler in previous.items():
        if handler == signal.SIG_DFL:
            signal.signal(number, _interrupt)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def stops_deferred() -> Iterator[None]:
    """While a ref's lock is held (microseconds), Ctrl-C, SIGTERM and SIGHUP wait for it to
    be released, the update made or given up whole: a process stopped in between left the
    lock (refusing every writer of the ref, git's too, for a minute) or our reflog line of
    an update it did not make. (Blocked, ~4 us: swapping their handlers costs ~40 us an
    update.) A thread but the main one, where no handler runs, and Windows: as they are."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


_DEFERRED = (signal.SIGINT, *_STOPS)


def _interrupt(number: int, frame: object) -> None:
    raise KeyboardInterrupt


def _files_below(path: str, name: str) -> list[str]:
    """The loose refs below a folder, by name (lock files, and what is no regular file, left
    out: libgit2 lists none of them either)."""
    try:
        with os.scandir(path) as entries:
            found = list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = []
    for entry in found:
        if entry.is_dir(follow_symlinks=False):
            names.extend(_files_below(entry.path, f"{name}/{entry.name}"))
        elif not entry.name.endswith(".lock") and entry.is_file():  # a FIFO is no ref (reading it would block)
            names.append(f"{name}/{entry.name}")
    return names


def _honour_config_environment() -> None:
    """Read the configuration files git itself would read: opened ``FROM_ENV``, libgit2
    honours ``GIT_CONFIG_GLOBAL``, ``GIT_CONFIG_SYSTEM`` and ``GIT_CONFIG_NOSYSTEM`` for
    their own files, but not for these search paths (tests/test_i10_config.py pins both)."""
    if os.environ.get("GIT_CONFIG_NOSYSTEM"):
        pygit2.settings.search_path[ConfigLevel.SYSTEM] = os.devnull
    home = os.environ.get("HOME")
    if home:
        pygit2.settings.search_path[ConfigLevel.GLOBAL] = home
    xdg = os.environ.get("XDG_CONFIG_HOME") or (home and os.path.join(home, ".config"))
    if "GIT_CONFIG_GLOBAL" in os.environ or xdg:  # GIT_CONFIG_GLOBAL replaces the XDG file too
        pygit2.settings.search_path[ConfigLevel.XDG] = os.devnull if "GIT_CONFIG_GLOBAL" in os.environ else f"{xdg}/git"


ConfigPair: TypeAlias = tuple[str, str | None]  # canonical name, value (None: a key without a value)


def config_key(name: str) -> str:
    """git's canonical name: section and variable in lower case, a subsection as written."""
    section, _, rest = name.partition(".")
    subsection, dot, variable = rest.rpartition(".")
    return f"{section.lower()}.{subsection}{dot}{variable.lower()}"


def config_bool(value: str | None) -> bool | None:
    """A value read as git reads a boolean (a key without a value is true, an empty one
    false); ``None`` for one git would refuse."""
    if value is None:
        return True
    word = value.lower()
    if word in ("true", "yes", "on"):
        return True
    if word in ("false", "no", "off", ""):
        return False
    try:
        return int(word) != 0
    except ValueError:
        return None


def _config_files(raw: pygit2.Repository) -> list[ConfigPair]:
    """The config files' entries, lowest priority first (the last value of a key wins)."""
    try:
        leveled = sorted(raw.config, key=lambda e: int(e.level))
    except pygit2.GitError:
        return []
    return [(config_key(str(e.name)), None if e.value is None else str(e.value)) for e in leveled]


def command_line_config(environ: Mapping[str, str]) -> list[ConfigPair]:
    """The layer git puts over every file and hands to the commands it runs:
    ``GIT_CONFIG_COUNT`` pairs, then ``git -c`` (``GIT_CONFIG_PARAMETERS``), in git's order."""
    pairs = [*_counted_pairs(environ), *_parameter_pairs(environ.get("GIT_CONFIG_PARAMETERS", ""))]
    return [(config_key(name), value) for name, value in pairs if name]


def _counted_pairs(environ: Mapping[str, str]) -> list[ConfigPair]:
    """``GIT_CONFIG_COUNT`` with ``GIT_CONFIG_KEY_<n>`` / ``GIT_CONFIG_VALUE_<n>``."""
    try:
        count = int(environ.get("GIT_CONFIG_COUNT") or 0)
    except ValueError:
        return []
    keys = [(environ.get(f"GIT_CONFIG_KEY_{n}"), environ.get(f"GIT_CONFIG_VALUE_{n}", "")) for n in range(count)]
    return [(key, value) for key, value in keys if key]


def _parameter_pairs(text: str) -> list[ConfigPair]:
    """git's ``GIT_CONFIG_PARAMETERS``: shell-quoted ``'key'='value'`` items (``'key'=`` a key
    without a value) or the older ``'key=value'``, separated by blanks (config.c's
    ``parse_config_env_list``). git refuses a malformed list before running us; we keep
    the items before the fault."""
    pairs: list[ConfigPair] = []
    at = len(text) - len(text.lstrip())
    while at < len(text):
        word = _sq_word(text, at)
        if word is None:
            break
        key, at = word
        if text.startswith("=", at):
            value = _sq_word(text, at + 1)
            pairs.append((key, None) if value is None else (key, value[0]))
            at = at + 1 if value is None else value[1]
        else:
            name, equals, old_value = key.partition("=")
            pairs.append((name, old_value if equals else None))
        rest = text[at:]
        if rest and not rest[0].isspace():
            break
        at = len(text) - len(rest.lstrip())
    return pairs


def _sq_word(text: str, at: int) -> tuple[str, int] | None:
    """One word of git's ``sq_quote`` at ``at`` (``'`` written ``'\\''``, ``!`` ``'\\!'``):
    its text and where it ends (quote.c's ``sq_dequote_step``)."""
    if not text.startswith("'", at):
        return None
    parts = []
    at += 1
    while (end := text.find("'", at)) >= 0:
        parts.append(text[at:end])
        at = end + 1
        if text[at : at + 1] != "\\" or text[at + 1 : at + 2] not in ("'", "!") or text[at + 2 : at + 3] != "'":
            return "".join(parts), at
        parts.append(text[at + 1])
        at += 3
    return None


def _commit_info(commit: pygit2.Commit) -> CommitInfo:
    return CommitInfo(
        id=ObjectId(str(commit.id)),
        parents=tuple(ObjectId(str(p)) for p in commit.parent_ids),
        message=_decoded(lambda: commit.message, commit.raw_message),
        author=_decoded(
            lambda: f"{commit.author.name} <{commit.author.email}>",
            commit.author.raw_name + b" <" + commit.author.raw_email + b">",
        ),
        time=int(commit.commit_time),
        tree=ObjectId(str(commit.tree_id)),
    )


def _decoded(text: Callable[[], str], raw: bytes) -> str:
    """A commit's text in the encoding it names; one naming an encoding Python does not
    know (from another tool, or a hostile remote) is read as UTF-8, never an error."""
    try:
        return text()
    except (LookupError, UnicodeError):
        return raw.decode("utf-8", "replace")


def _group_by_head(changes: Mapping[str, Change]) -> dict[str, Change | dict[str, Change]]:
    grouped: dict[str, Change | dict[str, Change]] = {}
    for path, value in changes.items():
        head, _, rest = path.partition("/")
        if rest:
            sub = grouped.setdefault(head, {})
            assert isinstance(sub, dict)
            sub[rest] = value
        else:
            grouped[head] = value
    return grouped


EMPTY_TREE = ObjectId("4b825dc642cb6eb9a060e54bf8d69288fbee4904")


def hashed_blob(data: bytes) -> ObjectId:
    """The id git gives ``data`` as a file, worked out without storing it."""
    return ObjectId(hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest())


def hashed_tree(changes: Mapping[str, Change]) -> ObjectId:
    """The id of the tree ``Repo.edit_tree(None, changes)`` writes, worked out without
    storing or reading anything: git sorts a tree's entries by name, a folder's as if it
    ended in ``/``, and names each object by the SHA-1 of its content."""
    return _hashed_tree(changes) or EMPTY_TREE


def _hashed_tree(changes: Mapping[str, Change]) -> ObjectId | None:
    entries: list[tuple[bytes, bytes, ObjectId]] = []  # (sort key, "<mode> <name>", id)
    for name, sub in _group_by_head(changes).items():
        encoded = name.encode("utf-8", "surrogateescape")
        if isinstance(sub, dict):
            folder = _hashed_tree(sub)
            if folder is not None:
                entries.append((encoded + b"/", b"40000 " + encoded, folder))
        elif isinstance(sub, Subtree):
            entries.append((encoded + b"/", b"40000 " + encoded, sub.id))
        elif sub is not None:
            entries.append((encoded, b"100644 " + encoded, sub))
    if not entries:
        return None
    body = b"".join(head + b"\0" + bytes.fromhex(oid) for _, head, oid in sorted(entries))
    return ObjectId(hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest())
