"""The session store: one ref per session, one commit per operation, state in the tree.

Layout of every commit's tree (the materialized state after its operations)::

    meta.json                               the session's fields and counters
    entries/<kind>/<x>/<y>/<id>.json        every entry (x, y: the id's last two chars)
    open/<kind>/<id>.json                   the open objectives, blockers and next steps
    snapshots/<id>                          each checkpoint's working-tree snapshot (a tree):
                                            reachable from the session, so gc keeps it

Reads touch only what they show; an append rewrites only the trees along the paths it
changes. Every ref update is a compare-and-swap, retried on a race.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from git_session import codec, sessionids
from git_session.errors import Advice, ConflictError, DataError, NotFoundError, UserError
from git_session.fold import EMPTY_META, apply, target_entry
from git_session.gitrepo import (
    MAX_DATA_FILE,
    MERGE_IDENT,
    Change,
    CommitInfo,
    Ident,
    ObjectError,
    Repo,
    Subtree,
    hashed_blob,
    hashed_tree,
)
from git_session.model import (
    ENTRY_STATUSES,
    FORMAT_VERSION,
    Action,
    Entry,
    EntryKind,
    Fields,
    FieldValue,
    Meta,
    Op,
    OpData,
    SessionState,
)
from git_session.names import (
    ID_ALPHABET,
    ID_LENGTH,
    ID_PATTERN,
    SESSIONS_PREFIX,
    BranchName,
    ObjectId,
    SessionRef,
    Ulid,
    branch_prefix,
)

META_PATH = "meta.json"


def new_id() -> Ulid:
    """An id random from its first character (130 bits), so that ids made in one burst
    differ at once and a few characters name one: a person can type it. Time order is
    never read from an id but from the operation's stamp and time."""
    return Ulid("".join(ID_ALPHABET[byte & 31] for byte in os.urandom(ID_LENGTH)))


def entry_path(kind: EntryKind, entry_id: str) -> str:
    return f"entries/{kind}/{entry_id[-2]}/{entry_id[-1]}/{entry_id}.json"


def open_path(kind: EntryKind, entry_id: str) -> str:
    return f"open/{kind}/{entry_id}.json"


def snapshot_path(entry_id: str) -> str:
    return f"snapshots/{entry_id}"


@dataclass(frozen=True)
class Draft:
    """An operation before it is given its place in the journal (clock, time, author).

    Made by its constructors, one per action: the only statement of each operation's shape.
    """

    action: Action
    data: OpData
    agent: str | None = None
    minor: bool = False
    id: Ulid = field(default_factory=new_id)

    @classmethod
    def create(cls, fields: Fields, agent: str | None = None, id: Ulid | None = None) -> Draft:
        """Create a session with its first fields; its id is the session's."""
        return cls("create", OpData(fields=dict(fields)), agent, id=id or new_id())

    @classmethod
    def set(cls, fields: Fields, agent: str | None = None, minor: bool = False, id: Ulid | None = None) -> Draft:
        """Set session fields (a ``minor`` change does not move ``updated``)."""
        return cls("set", OpData(fields=dict(fields)), agent, minor, id or new_id())

    @classmethod
    def add(cls, kind: EntryKind, fields: Fields, agent: str | None = None, id: Ulid | None = None) -> Draft:
        """Add an entry of a kind; its id is the operation's."""
        return cls("add", OpData(kind=kind, fields=dict(fields)), agent, id=id or new_id())

    @classmethod
    def update(
        cls, kind: EntryKind, entry: str, fields: Fields, agent: str | None = None, id: Ulid | None = None
    ) -> Draft:
        """Set fields of an entry (the last writer of each field wins)."""
        return cls("update", OpData(kind=kind, entry=entry, fields=dict(fields)), agent, id=id or new_id())


class Handle(NamedTuple):
    """A session ref and the commit it pointed at when read."""

    ref: SessionRef
    tip: ObjectId

    @property
    def id(self) -> Ulid:
        return self.ref.session_id


class JournalItem(NamedTuple):
    op: Op
    commit: ObjectId


class MergeResult(NamedTuple):
    outcome: str  # "created", "up-to-date", "fast-forward", "merged"
    tip: ObjectId


class Store:
    METAS_KEPT = 4096
    # ``entries`` and ``entries_of_kinds`` read the quick way (``Repo.quick_folders``) when all is
    # well: set by a command that reads the entries of many sessions (a report)
    quick_reads = False

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._metas: dict[tuple[str, ObjectId], Meta] = {}  # (session, commit) -> its fields: a commit never changes

    # --- finding sessions ------------------------------------------------------------

    def handles(self, prefix: str = SESSIONS_PREFIX) -> list[Handle]:
        """The sessions under ``prefix``. Copies fetched from a remote
        (``refs/session-remotes/R/sessions/``) are named by the local ref they merge into."""
        found = []
        for name, tip in self.repo.refs_with_prefix(prefix):
            local = name if prefix.startswith(SESSIONS_PREFIX) else SESSIONS_PREFIX + name.removeprefix(prefix)
            try:
                found.append(Handle(SessionRef.of(local), tip))
            except UserError:  # a ref that is not ours in shape: not a session
                continue
        return found

    def session_ids(self) -> list[str]:
        """The ids of every local session, from ref names alone."""
        return [name.rsplit("/", 1)[1] for name in self.repo.ref_names(SESSIONS_PREFIX)]

    def branch_handles(self, branch: BranchName) -> list[Handle]:
        return self.handles(branch_prefix(branch))

    def handle(self, ref: SessionRef) -> Handle:
        tip = self.repo.ref_target(ref)
        if tip is None:
            raise NotFoundError(f"session ref {ref} does not exist")
        return Handle(ref, tip)

    # --- reading ---------------------------------------------------------------------

    def meta(self, handle: Handle, private: bool = False) -> Meta:
        """The session's fields; with ``private``, its counts include the private entries
        (as do the lists of entries read with ``private``)."""
        meta = self._meta(handle)
        layer = self.repo.ref_target(handle.ref.private_layer) if private else None
        if layer is None:
            return meta
        return dataclasses.replace(
            meta, counts=_added_counts(meta.counts, self._meta(Handle(handle.ref, layer)).counts)
        )

    def _meta(self, handle: Handle) -> Meta:
        key = (handle.id, handle.tip)
        if key not in self._metas:
            if len(self._metas) >= self.METAS_KEPT:
                self._metas.clear()
            self._metas[key] = self._read_meta(handle)
        return self._metas[key]

    def _read_meta(self, handle: Handle) -> Meta:
        where = f"session {handle.id}"
        with naming_session(handle.id):
            tree = self.repo.commit(handle.tip).tree
            data = self.repo.blob_at(tree, META_PATH)
        if data is None:
            raise DataError(f"{where}: {META_PATH} is missing from {handle.tip[:12]}")
        meta = codec.meta_from_bytes(data, where)
        if meta.id != handle.id:
            raise DataError(f"{where}: its data names another session ({meta.id})")
        return meta

    def open_entries(self, handle: Handle, kind: EntryKind, private: bool = False) -> list[Entry]:
        with naming_session(handle.id):
            return [e for tree in self._trees(handle, private) for e in self._decode(handle, tree, f"open/{kind}")]

    def entries(self, handle: Handle, kind: EntryKind, private: bool = False) -> list[Entry]:
        quick = self._quick_entries(handle, [kind]) if self.quick_reads and not private else None
        if quick is not None:
            return quick
        return self._careful_entries(handle, kind, private)

    def entries_of_kinds(self, handle: Handle, kinds: Sequence[EntryKind]) -> list[Entry]:
        """``entries`` of each of ``kinds`` in turn (the shared layer's): with ``quick_reads``,
        the tip's commit and tree looked up once for all of them."""
        quick = self._quick_entries(handle, kinds) if self.quick_reads else None
        if quick is not None:
            return quick
        return [e for kind in kinds for e in self._careful_entries(handle, kind, False)]

    def _careful_entries(self, handle: Handle, kind: EntryKind, private: bool) -> list[Entry]:
        with naming_session(handle.id):
            return [e for tree in self._trees(handle, private) for e in self._decode(handle, tree, f"entries/{kind}")]

    def entry(self, handle: Handle, kind: EntryKind, entry_id: str, private: bool = False) -> Entry | None:
        where = f"session {handle.id}"
        with naming_session(handle.id):
            found = (self._entry_in_tree(tree, kind, entry_id, where) for tree in self._trees(handle, private))
            return next((entry for entry in found if entry is not None), None)

    def entry_ids(self, handle: Handle, kind: EntryKind, private: bool = False) -> list[str]:
        """The ids of every entry of a kind, read from tree names alone."""
        ids: list[str] = []
        with naming_session(handle.id):
            for tree in self._trees(handle, private):
                for x in self.repo.tree_items(tree, f"entries/{kind}"):
                    for y in self.repo.tree_items(x.id) if x.is_tree else ():
                        ids.extend(name.removesuffix(".json") for name in self.repo.tree_names(y.id) if y.is_tree)
        return ids

    def state(self, handle: Handle, private: bool = False, without: Collection[EntryKind] = ()) -> SessionState:
        """The session's fields and entries (with ``private``, its private entries too);
        the kinds ``without`` are not read at all (``SessionState.of_kind`` of them is empty)."""
        meta = self.meta(handle, private)
        with naming_session(handle.id):
            entries = [e for tree in self._trees(handle, private) for e in self._decode_kinds(handle, tree, without)]
        return SessionState(meta, tuple(sorted(entries, key=lambda e: e.added)))

    def _decode_kinds(self, handle: Handle, tree: ObjectId, without: Collection[EntryKind]) -> list[Entry]:
        if not without:
            return self._decode(handle, tree, "entries")
        kinds = [item.name for item in self.repo.tree_items(tree, "entries") if item.name not in without]
        return [e for kind in kinds for e in self._decode(handle, tree, f"entries/{kind}")]

    def commit_links(self, handle: Handle) -> list[CommitLink]:
        """What the commit entries link (their ids, commits and whether rewritten), read
        without decoding the entries: only the few fields asked for are looked at. An entry
        that does not have them as expected is decoded whole (which reports its damage)."""
        where = f"session {handle.id}"
        links = []
        with naming_session(handle.id):
            tree = self.repo.commit(handle.tip).tree
            for name, data in self.repo.blobs_under(tree, "entries/commit"):
                link = _commit_link(name, data)
                if link is None:
                    entry = codec.entry_from_bytes(data, f"{where}: {name}")
                    link = CommitLink(entry.id, entry.values.get("commit"), bool(entry.values.get("rewritten")))
                links.append(link)
        return links

    def commit_entry(self, handle: Handle, entry_id: str) -> Entry | None:
        """One commit entry, decoded whole (of the session's shared layer)."""
        with naming_session(handle.id):
            return self._entry_in_tree(self.repo.commit(handle.tip).tree, "commit", entry_id, f"session {handle.id}")

    def _trees(self, handle: Handle, private: bool) -> list[ObjectId]:
        trees = [self.repo.commit(handle.tip).tree]
        if private:
            layer = self.repo.ref_target(handle.ref.private_layer)
            if layer is not None:
                trees.append(self.repo.commit(layer).tree)
        return trees

    def _quick_entries(self, handle: Handle, kinds: Sequence[EntryKind]) -> list[Entry] | None:
        """The entries of ``kinds`` of the session's tip when all is well, read the quick way
        (``Repo.quick_folders``: a report reads them for 1,000 sessions); ``None`` for anything
        else, which the careful way then reads and names."""
        folders = self.repo.quick_folders(handle.tip, [f"entries/{kind}" for kind in kinds])
        if folders is None:
            return None
        where = f"session {handle.id}"
        try:
            return [codec.entry_from_bytes(data, f"{where}: {name}") for blobs in folders for name, data in blobs]
        except DataError:
            return None

    def _decode(self, handle: Handle, tree: ObjectId, path: str) -> list[Entry]:
        return self._decode_entries(handle, self.repo.blobs_under(tree, path))

    def journal(self, handle: Handle, problems: list[str] | None = None) -> list[JournalItem]:
        """Every operation of the session in (clock, id) order: its history is its journal.

        With ``problems``, a commit whose operations cannot be read is left out and
        described there (for showing the rest); without, it is an error.
        """
        items = []
        with naming_session(handle.id):
            for commit in self.repo.walk(handle.tip):
                try:
                    items += [JournalItem(op, commit.id) for op in self.commit_ops(commit, handle.id)]
                except DataError as exc:
                    if problems is None:
                        raise
                    problems.append(exc.message)
        return sorted(items, key=lambda item: item.op.stamp)

    # --- writing ---------------------------------------------------------------------

    def create(self, branch: BranchName, drafts: Sequence[Draft], ident: Ident, subject: str) -> Handle:
        """A new session whose first operation (a ``create``) names it."""
        ops = _stamp(drafts, EMPTY_META, ident)
        tree, _ = self._apply(None, EMPTY_META, ops)
        commit = self.repo.write_commit(tree, [], codec.encode_commit_message(subject, ops), ident)
        ref = SessionRef.for_session(branch, Ulid(ops[0].id))
        if not self.repo.cas_ref(ref, commit, None, f"git-session: {subject}"):
            raise ConflictError(f"session ref {ref} already exists")
        sessionids.session_added(self.repo)
        return Handle(ref, commit)

    def append(
        self,
        ref: SessionRef,
        build: Callable[[Handle, Meta], Sequence[Draft]],
        ident: Ident,
        subject: str,
        clock_floor: int = 0,
    ) -> tuple[Handle, list[Op]]:
        """Add operations on top of the session's tip, retrying the build on a race.

        ``build`` sees the current state and returns the drafts to record (it may raise
        to refuse, e.g. when an entry does not exist).
        """
        written: list[Op] = []

        def next_commit(tip: ObjectId) -> ObjectId:
            handle = Handle(ref, tip)
            meta = self.meta(handle)
            ops = _stamp(build(handle, meta), meta, ident, clock_floor)
            if not ops:
                written[:] = []
                return tip
            tree, _ = self._apply(self.repo.commit(tip).tree, meta, ops)
            written[:] = ops
            message = codec.encode_commit_message(subject, ops)
            return self.repo.write_commit(tree, [tip], message, ident)

        tip = self._update(ref, next_commit, f"git-session: {subject}")
        return Handle(ref, tip), written

    def append_private(
        self, handle: Handle, build: Callable[[Handle, Meta], Sequence[Draft]], ident: Ident, subject: str
    ) -> tuple[Handle, list[Op]]:
        """Add operations to the session's private layer (made on first use).

        The layer is a history of the same format under ``refs/session-private/``, which no
        push refspec names. Its clocks continue the session's, so that its entries sort
        among the others by when they were added.
        """
        layer = handle.ref.private_layer
        if self.repo.ref_target(layer) is None:
            ops = _stamp([Draft.create({}, id=handle.id)], EMPTY_META, ident)
            tree, _ = self._apply(None, EMPTY_META, ops)
            commit = self.repo.write_commit(tree, [], codec.encode_commit_message("private entries", ops), ident)
            self.repo.cas_ref(layer, commit, None, "git-session: private entries")  # lost race: theirs will do
        return self.append(layer, build, ident, subject, clock_floor=self.meta(handle).clock)

    def merge(self, ref: SessionRef, theirs: ObjectId) -> MergeResult:
        """Bring another history of the same session in: a union of their operations.

        Their new commits are validated first (``merged``); the ref moves by compare-and-swap,
        merged again if it moved meanwhile.
        """
        if self.repo.ref_target(ref) is None:
            created = self.merged(ref, theirs, None)
            if self.repo.cas_ref(ref, theirs, None, "git-session: copy"):
                sessionids.session_added(self.repo)
                return created
        outcome = ["merged"]

        def merged_commit(ours: ObjectId) -> ObjectId:
            result = self.merged(ref, theirs, ours)
            outcome[0] = result.outcome
            return result.tip

        tip = self._update(ref, merged_commit, "git-session: merge")
        return MergeResult(outcome[0], tip)

    def merged(self, ref: SessionRef, theirs: ObjectId, ours: ObjectId | None) -> MergeResult:
        """What bringing ``theirs`` into the session at ``ours`` (``None``: not here) makes,
        validated, without moving the ref: their commits that ``ours`` lacks are read once
        and their state checked against their operations. Diverged histories are joined by
        a merge commit whose content and identity depend only on the two tips, so two
        clones merging the same pair make the same commit."""
        try:
            their_tree = self.repo.commit(theirs).tree  # (read once: the state checks compare with it)
        except (KeyError, ValueError, UserError, DataError):
            raise DataError(f"session {ref.session_id}: {theirs[:12]} is not a commit of this repository") from None
        if ours is None:
            self._check_state(ref, None, theirs, self._ops_since(theirs, None, ref.session_id), their_tree)
            return MergeResult("created", theirs)
        # One merge base says all three: theirs is ours' ancestor, ours theirs', or neither.
        base = theirs if theirs == ours else self.repo.merge_base(ours, theirs)
        if base == theirs:
            return MergeResult("up-to-date", ours)
        their_ops = self._ops_since(theirs, ours, ref.session_id)
        if base == ours:
            self._check_state(ref, ours, theirs, their_ops, their_tree)
            return MergeResult("fast-forward", theirs)
        if base is None:
            raise DataError(f"session {ref.session_id}: the two histories share no commit")
        return MergeResult("merged", self._merge_commit(ref, ours, theirs, their_ops))

    def rewrite(self, ref: SessionRef, keep: Callable[[Op], bool]) -> ObjectId:
        """Rewrite the session's history without the operations ``keep`` rejects.

        The history up to the newest commit of its first-parent line that no rejected
        operation precedes stays as it is (what was pushed before is not made again, so a
        merging push brings back no second copy of it). Every later commit is made again on
        top of it, in the order of its first operation, with its own subject (one made
        from what is left when it lost an operation: the old one may quote it), author
        and time; commits left without an operation are dropped and merges become a line.
        The ref moves by compare-and-swap (rebuilt if it moved meanwhile); the old history
        stays in its reflog.
        """

        def rewritten(tip: ObjectId) -> ObjectId:
            base = self._kept_base(ref, tip, keep)
            groups: dict[ObjectId, list[Op]] = {}
            subjects: dict[ObjectId, str] = {}
            for commit in self.repo.walk(tip, [base] if base else []):
                every = self.commit_ops(commit, ref.session_id)
                ops = [op for op in every if keep(op)]
                if ops:
                    groups[commit.id] = ops
                    kept_whole = len(ops) == len(every)
                    subjects[commit.id] = commit.message.partition("\n")[0] if kept_whole else _subject_of(ops)
            parent: ObjectId | None = base
            meta, tree = (self.meta(Handle(ref, base)), self.repo.commit(base).tree) if base else (EMPTY_META, None)
            for commit_id in sorted(groups, key=lambda c: min(op.stamp for op in groups[c])):
                ops = groups[commit_id]
                tree, meta = self._apply(tree, meta, ops)
                message = codec.encode_commit_message(subjects[commit_id], ops)
                parent = self.repo.write_commit(tree, [parent] if parent else [], message, _op_ident(ops[0]))
            if parent is None:
                raise UserError(f"session {ref.session_id}: nothing would be left of it")
            return parent

        return self._update(ref, rewritten, "git-session: redact")

    def _kept_base(self, ref: SessionRef, tip: ObjectId, keep: Callable[[Op], bool]) -> ObjectId | None:
        """The newest commit of ``tip``'s first-parent line whose history holds no operation
        ``keep`` rejects (``None``: the first commit holds one)."""
        rejected = [c.id for c in self.repo.walk(tip) if not all(keep(op) for op in self.commit_ops(c, ref.session_id))]
        for commit in self.repo.walk(tip, topological=False, first_parent=True):
            if not any(self.repo.is_ancestor(r, commit.id) for r in rejected):
                return commit.id
        return None

    def _check_state(
        self, ref: SessionRef, ours: ObjectId | None, theirs: ObjectId, their_ops: list[Op], their_tree: ObjectId
    ) -> None:
        """Adopting their tip means adopting their materialized state: it must be exactly
        what their operations make of ours. A new session's is checked in one pass that
        writes nothing: the id of the tree its operations make, worked out in memory, is
        their tree's (else the state is built as a write would build it, to say why not)."""
        if ours is None:
            tree, made = self._hashed_state(their_ops)
            if tree == their_tree and made is not None and made.id == ref.session_id:
                self._metas[(ref.session_id, theirs)] = made  # what its meta.json reads as, byte for byte
                return
        self.meta(Handle(ref, theirs))  # a newer format is reported as such
        meta = self.meta(Handle(ref, ours)) if ours else EMPTY_META
        tree, _ = self._apply(self.repo.commit(ours).tree if ours else None, meta, their_ops)
        if tree != their_tree:
            raise DataError(f"session {ref.session_id}: its stored state does not match its operations")

    def _merge_commit(self, ref: SessionRef, ours: ObjectId, theirs: ObjectId, their_ops: list[Op]) -> ObjectId:
        meta = self.meta(Handle(ref, ours))
        tree, _ = self._apply(self.repo.commit(ours).tree, meta, their_ops)
        parents = sorted([ours, theirs])
        when = max(self.repo.commit(p).time for p in parents)
        ident = Ident(*MERGE_IDENT, when, "+0000")
        return self.repo.write_commit(tree, parents, "Merge two histories of this session\n", ident)

    # --- internals -------------------------------------------------------------------

    def _update(self, ref: SessionRef, build: Callable[[ObjectId], ObjectId], message: str) -> ObjectId:
        def from_tip(tip: ObjectId | None) -> ObjectId:
            if tip is None:
                raise NotFoundError(f"session {ref.session_id} no longer exists")
            return build(tip)

        return self.repo.update_ref(ref, from_tip, message, what=f"session {ref.session_id}", writers="git-session")

    def _hashed_state(self, ops: Sequence[Op]) -> tuple[ObjectId | None, Meta | None]:
        """The tree ``_apply(None, EMPTY_META, ops)`` would write, with the same checks,
        worked out without writing, and its fields as they read back (``None``: the checks
        refuse them)."""
        read_back: list[object] = []

        def hashed(data: bytes, read: object) -> ObjectId:
            read_back.append(read)  # meta.json is named first
            return hashed_blob(data)

        try:
            entries, meta = self._touched(None, EMPTY_META, ops)
            tree = hashed_tree(self._changes(meta, entries.values(), hashed))
        except (DataError, UserError):
            return None, None
        return tree, read_back[0] if isinstance(read_back[0], Meta) else None

    def _apply(self, tree: ObjectId | None, meta: Meta, ops: Sequence[Op]) -> tuple[ObjectId, Meta]:
        touched, meta = self._touched(tree, meta, ops)
        return self.repo.edit_tree(tree, self._changes(meta, touched.values())), meta

    def _touched(self, tree: ObjectId | None, meta: Meta, ops: Sequence[Op]) -> tuple[dict[str, Entry], Meta]:
        """The session's fields after ``ops``, and each entry they change as it is then."""
        touched: dict[str, Entry] = {}
        for op in sorted(ops, key=lambda o: o.stamp):
            target = target_entry(op)
            before = None
            if target is not None:
                kind = op.data["kind"]
                before = touched.get(target) or (
                    self._entry_in_tree(tree, kind, target, f"session {meta.id or op.id}") if tree else None
                )
            meta, after = apply(meta, before, op)
            if target is not None and after is not None and after != before:
                touched[target] = after
        return touched, meta

    def _changes(
        self, meta: Meta, entries: Iterable[Entry], store: Callable[[bytes, object], ObjectId] | None = None
    ) -> dict[str, Change]:
        """The blobs of the new state, each read back with the reader's own rules first:
        what is stored can always be read. ``store``: what names a blob, given it and what
        it read back as (by default, writing it)."""
        where = f"session {meta.id}"
        store = store or (lambda data, _: self.repo.write_blob(data))
        changes: dict[str, Change] = {
            META_PATH: self._write_checked(codec.meta_to_bytes(meta), codec.meta_from_bytes, where, store)
        }
        for entry in entries:
            blob = self._write_checked(
                codec.entry_to_bytes(entry), codec.entry_from_bytes, f"{where}: entry {entry.id}", store
            )
            changes[entry_path(entry.kind, entry.id)] = blob
            if entry.kind in ENTRY_STATUSES:
                changes[open_path(entry.kind, entry.id)] = blob if entry.is_open else None
            if entry.kind == "checkpoint" and entry.snapshot is not None:
                changes[snapshot_path(entry.id)] = self._snapshot(entry, meta)
        return changes

    def _write_checked(
        self, data: bytes, read: Callable[[bytes, str], object], where: str, store: Callable[[bytes, object], ObjectId]
    ) -> ObjectId:
        if len(data) > MAX_DATA_FILE:  # its reader would refuse it
            raise UserError(f"{where}: {len(data)} bytes to store, more than the {MAX_DATA_FILE} a file may hold")
        return store(data, read(data, where))

    def _snapshot(self, entry: Entry, meta: Meta) -> Subtree:
        """A checkpoint's snapshot, linked into the session's tree so that it stays reachable."""
        snapshot = entry.values["snapshot"]
        if not (isinstance(snapshot, str) and ObjectId.is_full(snapshot) and self.repo.is_tree(snapshot)):
            raise DataError(f"session {meta.id}: checkpoint {entry.id}: snapshot {snapshot!r:.50} is not a tree here")
        return Subtree(ObjectId(snapshot))

    def _entry_in_tree(self, tree: ObjectId, kind: EntryKind, entry_id: str, where: str) -> Entry | None:
        data = self.repo.blob_at(tree, entry_path(kind, entry_id))
        return None if data is None else codec.entry_from_bytes(data, f"{where}: entry {entry_id}")

    def _decode_entries(self, handle: Handle, blobs: Iterator[tuple[str, bytes]]) -> list[Entry]:
        where = f"session {handle.id}"
        return [codec.entry_from_bytes(data, f"{where}: {name}") for name, data in blobs]

    def commit_ops(self, commit: CommitInfo, session_id: str) -> list[Op]:
        where = f"session {session_id}: commit {commit.id[:12]}"
        if len(commit.parents) > 1:
            return []
        ops = codec.decode_commit_message(commit.message, where)
        if not ops:
            raise DataError(f"{where}: carries no operation")
        if not commit.parents and (ops[0].action != "create" or ops[0].id != session_id):
            raise DataError(f"{where}: the first commit does not create this session")
        if any(op.action == "create" for op in ops[0 if commit.parents else 1 :]):
            raise DataError(f"{where}: creates the session a second time")
        return ops

    def _ops_since(self, tip: ObjectId, known: ObjectId | None, session_id: str) -> list[Op]:
        """The operations of the commits reachable from ``tip`` and not from ``known``."""
        if not self.repo.has_object(tip):
            raise DataError(f"session {session_id}: commit {tip[:12]} is missing")
        hide = [known] if known else []
        return [op for commit in self.repo.walk(tip, hide) for op in self.commit_ops(commit, session_id)]


def _added_counts(a: Mapping[str, Mapping[str, int]], b: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Two layers' counts of entries (kind -> status -> number) as one."""
    added = {kind: dict(by_status) for kind, by_status in a.items()}
    for kind, by_status in b.items():
        for status, number in by_status.items():
            added.setdefault(kind, {})[status] = added.get(kind, {}).get(status, 0) + number
    return added


@contextlib.contextmanager
def naming_session(session_id: str) -> Iterator[None]:
    """A missing or damaged object met while reading a session: an error that names it."""
    try:
        yield
    except ObjectError as exc:
        raise DataError(f"session {session_id}: {exc.message}", exc.hint, advised=exc.advised) from None


def _subject_of(ops: Sequence[Op]) -> str:
    """The subject of a commit remade without some of its operations: its own may quote
    what was taken out (``checkpoint: LABEL`` of a checkpoint taken with a decision)."""
    op = ops[0]
    kind, text = op.data.get("kind"), op.data["fields"].get("text")
    if op.action == "add" and isinstance(text, str):
        return f"{kind}: {text}"
    return f"{op.action} {kind or 'session'}"


def _op_ident(op: Op) -> Ident:
    name, _, email = op.author.rpartition(" <")
    return Ident(name, email.removesuffix(">"), op.at, op.tz)


def _stamp(drafts: Sequence[Draft], meta: Meta, ident: Ident, clock_floor: int = 0) -> list[Op]:
    """The drafts as operations, refused here if this git-session could not read them back."""
    clock = max(meta.clock, clock_floor)
    ops = [
        Op(
            id=draft.id,
            clock=clock + 1 + index,
            at=ident.time,
            tz=ident.tz,
            author=ident.person,
            action=draft.action,
            data=draft.data,
            agent=draft.agent,
            minor=draft.minor,
        )
        for index, draft in enumerate(drafts)
    ]
    session = meta.id or (ops[0].id if ops else "")
    try:
        codec.decode_commit_message(codec.encode_commit_message("check", ops), f"session {session}")
    except DataError as exc:
        raise UserError(
            f"not written: {exc.message}", advice=Advice.CLOCK_OR_NEW, data={"short": session[:12]}
        ) from None
    return ops


class CommitLink(NamedTuple):
    """A commit entry as linking reads it: its id, the commit it names, whether rewritten."""

    entry_id: str
    commit: FieldValue  # as stored: None when the entry names none
    rewritten: bool


def _commit_link(name: str, data: bytes) -> CommitLink | None:
    """The link of a commit entry's file, from its id, ``values.commit`` and
    ``values.rewritten`` alone; ``None`` when they are not as a valid entry has them."""
    try:
        obj = codec.loads(data)
    except ValueError:
        return None
    if not isinstance(obj, dict) or type(obj.get("v")) is not int or not 1 <= obj["v"] <= FORMAT_VERSION:
        return None
    values, entry_id = obj.get("values"), obj.get("id")
    if not isinstance(values, dict) or not isinstance(entry_id, str) or name != f"{entry_id}.json":
        return None
    if obj.get("kind") != "commit" or not ID_PATTERN.fullmatch(entry_id):
        return None
    commit = values.get("commit")
    if commit is not None and not isinstance(commit, str):
        return None
    return CommitLink(entry_id, commit, bool(values.get("rewritten")))
