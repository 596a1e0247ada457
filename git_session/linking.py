"""Linking commits to sessions, deferred out of the commit path and made durable.

Before git writes a commit, prepare-commit-msg records it in
``<common-dir>/git-session/queue/pending.<pid>.<parent>``: the branch, the commit it is
made on (or, for ``--amend``, the commit it replaces), the session ref and tip whose
trailers it got, and the source of a cherry-pick. The next git-session command (or
``git-session hook drain``) finds the commit that was made, gives the session a
``commit`` entry and the commit a note, then deletes the file; a record whose commit was
never made (an aborted commit) is kept a day in case it still is.

A drain costs what it links, whatever the number of sessions or their size: the records
are planned one after the other (each seeing what those before it did), then written as
one journal commit per session and one notes commit. A session's ref is named by its
branch's key and its id, never looked for among all of them, and its commit entries are
found by the commit they name through its commit index, derived local data kept
outside the session's tree (commitindex.py): made once, then brought up to date from the
operations since the tip it was made for.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from git_session import notes, paths, trailers
from git_session.commitindex import CommitIndex, commit_index, follow
from git_session.errors import ConflictError, SessionError, UserError, file_system_error
from git_session.gitrepo import Ident, Repo, read_data
from git_session.model import Entry, Meta, Op
from git_session.names import ID_PATTERN, SESSIONS_PREFIX, BranchName, ObjectId, SessionRef, Ulid
from git_session.store import Draft, Handle, Store

LOCK_WAIT_SECONDS = 30.0
ABANDON_SECONDS = 24 * 3600
SEARCH_DEPTH = 200
PACKED_FROM = 64  # objects one write of a drain makes: from this many, one pack instead of a file each


@dataclass(frozen=True)
class Queued:
    """A commit recorded by prepare-commit-msg, before git made it."""

    path: Path
    branch: str
    parent: ObjectId | None  # made on this commit (None: the branch's first commit)
    amends: ObjectId | None  # or replacing this one
    ref: SessionRef | None
    tip: ObjectId | None
    pick: ObjectId | None


def pending(repo: Repo) -> list[Queued]:
    """The recorded commits, oldest first; unreadable files are skipped (a hook may be writing)."""
    try:
        recorded = [p for p in paths.queue_dir(repo).iterdir() if p.name.startswith(paths.PENDING_PREFIX)]
        recorded.sort(key=lambda p: p.stat().st_mtime_ns)
    except FileNotFoundError:
        return []
    parsed = [(path, _parse(path)) for path in recorded]
    for path, item in parsed:
        if item is None:  # truncated by a full disk, or being written: kept a day, like an aborted commit's
            _drop_if_abandoned(path)
    return [item for _, item in parsed if item is not None]


def _parse(path: Path) -> Queued | None:
    try:
        fields = dict(line.split(" ", 1) for line in read_data(path).decode("utf-8").splitlines() if " " in line)
        return Queued(
            path,
            fields["branch"],
            _object_id(fields.get("parent")),
            _object_id(fields.get("amends")),
            SessionRef.of(fields["ref"]) if "ref" in fields else None,
            _object_id(fields.get("tip")),
            _object_id(fields.get("pick")),
        )
    except (OSError, KeyError, ValueError, SessionError):
        return None


def _object_id(value: str | None) -> ObjectId | None:
    return None if value in (None, "none") else ObjectId.of(str(value))


def _settled(item: Queued, branches: BranchLines) -> Queued:
    """The record as what was made: "amends X" with a commit made on X on the branch was a
    commit on top of X, not an amend (which replaces X). prepare-commit-msg tells an amend
    from the command line without its argument boundaries, so ``-m "... --amend ..."``
    reads like one."""
    if item.amends is not None and branches.child(item.branch, item.amends) is not None:
        return replace(item, parent=item.amends, amends=None)
    return item


def made_commit(
    repo: Repo, item: Queued, rewritten: Iterable[ObjectId] = (), branches: BranchLines | None = None
) -> ObjectId | None:
    """The commit the record was for: the first commit after its parent on the branch, or
    among commits rewritten since (a rebase), that carries the session's trailer.

    ``branches``: the first-parent lines read so far in this drain (each branch read once)."""
    parent = item.parent
    if item.amends is not None:
        if not repo.has_object(item.amends):
            return None
        parents = repo.commit(item.amends).parents
        parent = parents[0] if parents else None
    child = (branches or BranchLines(repo)).child(item.branch, parent)
    candidates = [c for c in (child,) if c is not None]
    candidates += [c for c in rewritten if repo.has_object(c) and (repo.commit(c).parents[:1] or (None,))[0] == parent]
    return next((c for c in candidates if _carries(repo, c, item)), None)


class BranchLines:
    """Each branch's first-parent line from its tip, as deep as a record is looked for,
    read once per drain: finding the commit made on a parent is then a look-up."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._lines: dict[str, list[tuple[ObjectId, bool]]] = {}

    def child(self, branch: str, parent: ObjectId | None) -> ObjectId | None:
        """The commit made on ``parent`` (``None``: the branch's first) along the branch."""
        found = None
        for depth, (commit, has_parents) in enumerate(self._line(branch)):
            if depth >= SEARCH_DEPTH or commit == parent:
                return found if commit == parent else None
            found = commit
            if not has_parents:
                return found if parent is None else None
        return None

    def _line(self, branch: str) -> list[tuple[ObjectId, bool]]:
        if branch not in self._lines:
            tip = self.repo.ref_target(f"refs/heads/{branch}")
            walk = self.repo.walk(tip, topological=False, first_parent=True) if tip else iter(())
            self._lines[branch] = [(c.id, bool(c.parents)) for c in itertools.islice(walk, SEARCH_DEPTH + 1)]
        return self._lines[branch]


def _carries(repo: Repo, commit: ObjectId, item: Queued) -> bool:
    """Whether the commit is the one recorded: it carries the session's id (a pick: any)."""
    if item.ref is None:
        return True
    key = trailers.keys(repo)[0]
    return f"\n{key}: {item.ref.session_id}" in repo.commit(commit).message


@contextmanager
def drain_lock(repo: Repo, wait: float | None = None) -> Iterator[None]:
    """Held while linking; waits ``wait`` seconds for another linker (default ``LOCK_WAIT_SECONDS``)."""
    path = paths.drain_lock(repo)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a")  # noqa: SIM115 - closed below
    except OSError as exc:  # read-only, full, not ours: the records wait for the next command
        raise file_system_error(exc, "write") from None
    with handle:
        deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ConflictError(
                        "another git-session kept linking the recorded commits", "they are linked by the next command"
                    ) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Drained:
    branches: tuple[str, ...]  # whose trailers need rendering again
    problems: tuple[str, ...]  # items that stay queued, and why


def drain(repo: Repo, wait: float | None = None) -> Drained:
    """Link every recorded commit that was made, and follow the rewrites recorded, in one
    journal commit per session touched and one notes commit. A record that fails stays
    queued; the others go on.

    ``wait``: how long to wait for another process linking them (see ``drain_lock``).
    """
    with drain_lock(repo, wait):
        batch = Batch(Store(repo))
        rewrites = _rewrites(repo)
        mappings = {path: _mapping(path) for path in rewrites}
        rewritten_olds = [ObjectId(old) for path in rewrites for old, _ in mappings[path]]
        branches = BranchLines(repo)
        for queued in pending(repo):
            item = _settled(queued, branches)
            commit = made_commit(repo, item, rewritten_olds, branches)
            if commit is None:
                _drop_if_abandoned(item.path)
                continue
            batch.plan(item.path, f"commit {commit[:12]}", functools.partial(Plan.link, item=item, commit=commit))
        for path in rewrites:
            batch.plan(path, path.name, functools.partial(Plan.rewrite, pairs=mappings[path]))
        with repo.packed_writes(loose_below=PACKED_FROM):  # each ref moved has its objects stored first
            return batch.write()


def note_line(store: Store, handle: Handle, branch: str) -> dict[str, object]:
    """What a commit records of its session: the state when it was made."""
    since = trailers.since_last_commit(store, handle)
    objectives = [*store.open_entries(handle, "objective"), *since.done]
    return {
        "session": handle.id,
        "branch": branch,
        "objectives": [
            {"id": e.id, "text": e.text, "status": e.status} for e in sorted(objectives, key=lambda e: e.added)
        ],
        "decisions": [  # the rationale as stored: the note keeps what the session holds
            {"id": e.id, "text": e.text, "rationale": e.values.get("rationale") or ""} for e in since.decisions
        ],
    }


# --- one drain as one write per session and one of the notes --------------------------------

# A change of a session's commit entries: the drafts it makes of them as they are by then.
Step = Callable[["CommitEntries", Meta], list[Draft]]
NoteChange = Callable[[notes.Pending], None]


@dataclass
class Record:
    """A queued file and what linking it changes (nothing is written while it is planned)."""

    path: Path
    name: str  # how a problem names it
    steps: list[tuple[SessionRef, str, Step]] = field(default_factory=list)  # (session, subject, step)
    notes: list[NoteChange] = field(default_factory=list)
    notes_first: bool = False  # a rewrite's notes are copied even when its sessions cannot be written
    branches: list[str] = field(default_factory=list)


class Plan:
    """What one record changes, planned against the notes as the records before it left them."""

    def __init__(self, batch: Batch, record: Record) -> None:
        self.batch, self.record, self.store = batch, record, batch.store

    def link(self, item: Queued, commit: ObjectId) -> None:
        """A journal entry in the session and a note on the commit (or its source's note)."""
        lines: list[dict[str, object]] = []
        if item.ref is not None and item.tip is not None and self.batch.sessions.exists(item.ref):
            handle = Handle(item.ref, item.tip)
            lines.append(self.batch.note_line(handle, item.branch))
            self._commit_entry(handle, commit, item)
        if item.pick is not None and self.store.repo.has_object(item.pick):
            picked = self.batch.notes.lines(item.pick)
            lines += picked
            for line in picked:  # a commit of the session picked again onto its branch, in its place
                ref = self.batch.sessions.of_line(line)
                if ref is not None:
                    self._repoint(ref, item.pick, commit)
        if lines:
            # One line per session: an amended commit's note already has the line git copied
            # from the commit it replaces (notes.rewriteMode), the session's state back then.
            raw = [notes.canonical_line(line) for line in lines]
            self._note(lambda pending: pending.add(commit, raw))
        self.record.branches.append(item.branch)

    def rewrite(self, pairs: list[tuple[str, str]]) -> None:
        """Give rewritten commits the notes of the ones they replace (git copies only notes
        that existed at the time) and point the sessions' commit entries at them."""
        self.record.notes_first = True
        pairs = [(old, new) for old, new in pairs if self.store.repo.has_object(ObjectId(new))]
        sources: dict[ObjectId, list[ObjectId]] = {}
        for old, new in pairs:  # a squash: several commits into one
            sources.setdefault(ObjectId(new), []).append(ObjectId(old))
        self._note(lambda pending: pending.copy(sources))
        for old, new in pairs:
            for line in self.batch.notes.lines(ObjectId(new)):
                ref = self.batch.sessions.of_line(line)
                if ref is not None:
                    self._repoint(ref, old, new)
                    self.record.branches.append(str(line.get("branch", "")))

    def _note(self, change: NoteChange) -> None:
        change(self.batch.notes)  # what the next records read
        self.record.notes.append(change)

    def _commit_entry(self, handle: Handle, commit: ObjectId, item: Queued) -> None:
        """The session's ``commit`` entry for the commit: a new one, or for an amend the entry
        of the commit it replaces, moved onto it (one entry per commit on the branch)."""
        subject = self.store.repo.commit(commit).message.split("\n", 1)[0]
        text = subject or commit
        covers = self.batch.clock(handle)

        def step(entries: CommitEntries, meta: Meta) -> list[Draft]:
            if entries.named(commit):
                return []
            amended = entries.live(item.amends) if item.amends is not None else []
            if amended:
                moved: dict[str, str | int] = {"commit": commit, "covers": covers}
                fields = moved if amended[0].text == text else {**moved, "text": text}
                return [Draft.update("commit", amended[0].id, fields)]
            return [Draft.add("commit", {"text": text, "commit": commit, "covers": covers, "branch": item.branch})]

        verb = "amend" if item.amends is not None else "commit"
        self.record.steps.append((handle.ref, f"{verb}: {subject}", step))

    def _repoint(self, ref: SessionRef, old: str, new: str) -> None:
        """The session's entry of ``old`` moved onto ``new``, which replaced it on the branch:
        one entry per commit, so when ``new`` has one already (a squash, a fixup), the old
        entry only says it was rewritten. A commit still on the session's branch (an amend
        made on another branch, a cherry-pick elsewhere) keeps its entry, and one goes only
        onto a commit on that branch (as far as the branch is there to ask)."""
        repo = self.store.repo
        subject = repo.commit(ObjectId(new)).message.split("\n", 1)[0] or new

        def step(entries: CommitEntries, meta: Meta) -> list[Draft]:
            stale = entries.live(old)
            tip = entries.branch_tip(meta.branch) if meta.branch else None
            reaches = self.batch.reaches
            if not stale or (tip is not None and (reaches(tip, old) or not reaches(tip, new))):
                return []
            taken = bool(entries.live(new))
            drafts: list[Draft] = []
            for entry in stale:
                if taken or drafts:
                    drafts.append(Draft.update("commit", entry.id, {"rewritten": new}))
                else:
                    fields = {"commit": new} if entry.text == subject else {"commit": new, "text": subject}
                    drafts.append(Draft.update("commit", entry.id, fields))
            return drafts

        self.batch.asked.update((ObjectId(old), ObjectId(new)))
        self.record.steps.append((ref, f"rewrite: {old[:12]} -> {new[:12]}", step))


class Batch:
    """The records of one drain: planned one after the other, then written as one journal
    commit per session (each session's ref resolved once) and one notes commit."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sessions = SessionRefs(store.repo)
        self.notes = notes.Pending(notes.Notes.current(store.repo))
        self.records: list[Record] = []
        self.problems: list[str] = []
        self._lines: dict[tuple[Handle, str], dict[str, object]] = {}
        self._clocks: dict[Handle, int] = {}
        self._who: Ident | None = None
        self.asked: set[ObjectId] = set()  # the commits whose place on a branch the steps ask
        self._unreached: dict[ObjectId, set[str]] = {}
        self._present: dict[str, bool] = {}  # whether this repository has them, asked once each

    def plan(self, path: Path, name: str, planning: Callable[[Plan], None]) -> None:
        """Plan one record; one that cannot be planned stays queued (and changes nothing)."""
        record = Record(path, name)
        before = self.notes.snapshot()
        try:
            planning(Plan(self, record))
        except SessionError as exc:
            self.notes.restore(before)
            self.problems.append(f"{name} stays queued: {exc.message}")
            return
        self.records.append(record)

    def note_line(self, handle: Handle, branch: str) -> dict[str, object]:
        """A session's note line at a tip (commits made with the same trailers share it)."""
        if (handle, branch) not in self._lines:
            self._lines[handle, branch] = note_line(self.store, handle, branch)
        return self._lines[handle, branch]

    def clock(self, handle: Handle) -> int:
        if handle not in self._clocks:
            self._clocks[handle] = self.store.meta(handle).clock
        return self._clocks[handle]

    def reaches(self, tip: ObjectId, commit: str) -> bool:
        """Whether the branch at ``tip`` has ``commit``: for every commit the steps ask
        about, one walk from them down to the branch (``git rev-list ASKED ^TIP``)."""
        repo = self.store.repo
        if commit not in self.asked:
            return _reaches(repo, tip, commit)
        if tip not in self._unreached:
            present = [c for c in sorted(self.asked) if self._has(c)]
            self._unreached[tip] = {c.id for c in repo.walk_all(present, [tip], topological=False)}
        return self._has(commit) and commit not in self._unreached[tip]

    def _has(self, commit: str) -> bool:
        if commit not in self._present:
            self._present[commit] = self.store.repo.has_object(commit)
        return self._present[commit]

    def write(self) -> Drained:
        """Every session's steps in one journal commit; then the notes of every record
        whose sessions were written (a rewrite's in any case: git copied them already)."""
        failed = self._write_sessions()
        done = [r for r in self.records if r.notes_first or not failed.keys() & {ref for ref, _, _ in r.steps}]
        try:  # every record written: the notes as planned (unless the notes moved meanwhile)
            planned = self.notes if len(done) == len(self.records) else None
            self._write_notes([change for record in done for change in record.notes], planned)
        except SessionError as exc:
            self.problems += [f"{r.name} stays queued: {exc.message}" for r in self.records]
            return Drained((), tuple(self.problems))
        branches: list[str] = []
        for record in self.records:
            problem = next((failed[ref] for ref, _, _ in record.steps if ref in failed), None)
            if problem is not None:
                self.problems.append(f"{record.name} stays queued: {problem}")
                continue
            record.path.unlink(missing_ok=True)
            branches += record.branches
        return Drained(tuple(dict.fromkeys(branches)), tuple(self.problems))

    def _write_sessions(self) -> dict[SessionRef, str]:
        """One append per session; returns the sessions that could not be written, and why."""
        steps: dict[SessionRef, list[tuple[str, Step]]] = {}
        for record in self.records:
            for ref, subject, step in record.steps:
                steps.setdefault(ref, []).append((subject, step))
        failed: dict[SessionRef, str] = {}
        for ref, planned in steps.items():
            replay = Replay(self.store, planned)
            try:
                written, ops = self.store.append(ref, replay, self._ident(), _subject(planned))
            except SessionError as exc:
                failed[ref] = exc.message
                continue
            if replay.on is not None:
                _follow_indexes(self.store, replay.on, written, ops)
        return failed

    def _write_notes(self, changes: list[NoteChange], planned: notes.Pending | None) -> None:
        if changes:
            notes.write_pending(self.store.repo, changes, self._ident(), "git-session: link commits", planned)

    def _ident(self) -> Ident:
        self._who = self._who or self.store.repo.ident()
        return self._who


class Replay:
    """The build of a session's one journal commit: each step sees what those before it did.
    ``on``: the tip it was last built on (the parent of the commit written)."""

    def __init__(self, store: Store, planned: list[tuple[str, Step]]) -> None:
        self.store, self.planned = store, planned
        self.on: Handle | None = None

    def __call__(self, current: Handle, meta: Meta) -> list[Draft]:
        self.on = current
        entries = CommitEntries(self.store, current)
        drafts: list[Draft] = []
        for _, step in self.planned:
            made = step(entries, meta)
            entries.record(made)
            drafts += made
        return drafts


def _follow_indexes(store: Store, before: Handle, after: Handle, ops: list[Op]) -> None:
    """The session's indexes (commit index, at-risk index) brought along the journal commit
    just written, from what it holds: the next reader (the at-risk check of this very
    command, the next drain) finds them at the tip, with no ancestry check or walk."""
    from git_session import atrisk  # (the command that links asks it next: status, push, doctor)

    follow(store, before, after, ops, paths.commit_index_file(store.repo, after.id))
    atrisk.follow_index(store, before, after, ops)


def _subject(planned: list[tuple[str, Step]]) -> str:
    first = planned[0][0]
    return first if len(planned) == 1 else f"{first} (and {len(planned) - 1} more)"


@dataclass(frozen=True)
class Linked:
    """A commit entry as linking asks about it."""

    id: str
    text: str
    commit: str | None
    rewritten: bool

    @classmethod
    def of(cls, entry: Entry) -> Linked:
        return cls(entry.id, entry.text, entry.commit, bool(entry.values.get("rewritten")))


class CommitEntries:
    """A session's commit entries by the commit they name, as the steps of one journal
    commit leave them: read through the session's commit index (commitindex.py), or, when
    an entry it names does not check out, all of them, once."""

    def __init__(self, store: Store, handle: Handle) -> None:
        self.store, self.handle = store, handle
        self._stored: dict[str, list[Linked]] = {}
        self._all = False
        self._index: CommitIndex | None = None
        self._looked = False  # for the index
        self._changed: dict[str, Linked] = {}  # by entry id, as the steps made them
        self._tips: dict[str, ObjectId | None] = {}

    def branch_tip(self, branch: str) -> ObjectId | None:
        """The branch's tip as the steps of this journal commit see it: read once, not once a step."""
        if branch not in self._tips:
            self._tips[branch] = self.store.repo.ref_target(f"refs/heads/{branch}")
        return self._tips[branch]

    def named(self, commit: str) -> list[Linked]:
        """Every entry naming ``commit`` (rewritten ones too), in the store's order."""
        stored = [self._changed.get(e.id, e) for e in self._stored_named(commit)]
        known = {e.id for e in stored}
        made = [e for e in self._changed.values() if e.id not in known]
        return sorted((e for e in [*stored, *made] if e.commit == commit), key=_tree_order)

    def live(self, commit: str) -> list[Linked]:
        return [e for e in self.named(commit) if not e.rewritten]

    def record(self, drafts: Iterable[Draft]) -> None:
        for draft in drafts:
            fields = draft.data["fields"]
            if draft.action == "add":
                self._changed[draft.id] = Linked(draft.id, str(fields["text"]), str(fields["commit"]), False)
                continue
            entry = str(draft.data["entry"])
            was = self._changed.get(entry) or next((e for c in self._stored.values() for e in c if e.id == entry), None)
            if was is None:  # not one of these entries (the steps only update those they were given)
                continue
            self._changed[entry] = Linked(
                entry,
                str(fields.get("text", was.text)),
                str(fields["commit"]) if "commit" in fields else was.commit,
                was.rewritten or bool(fields.get("rewritten")),
            )

    def _stored_named(self, commit: str) -> list[Linked]:
        if commit not in self._stored and not self._all:
            if not self._looked:
                self._index, self._looked = commit_index(self.store, self.handle), True
            index = self._index if ObjectId.is_full(commit) else None
            found = None if index is None else index.named(ObjectId(commit))
            if found is None:
                self._read_all()
            else:
                self._stored[commit] = [Linked.of(e) for e in found]
        return self._stored.get(commit, [])

    def _read_all(self) -> None:
        """The fallback: every commit entry decoded, once (an index not to be trusted)."""
        by_commit: dict[str, list[Linked]] = {}
        for entry in self.store.entries(self.handle, "commit"):
            by_commit.setdefault(entry.commit or "", []).append(Linked.of(entry))
        self._stored, self._all = by_commit, True


def _tree_order(entry: Linked) -> tuple[str, str, str]:
    """Where the store keeps an entry (``entries/commit/<x>/<y>/<id>.json``): the order it reads them in."""
    return (entry.id[-2:-1], entry.id[-1:], entry.id)


class SessionRefs:
    """The session refs one drain touches, each looked up once. A note line names its
    session's ref by its branch and id (the ref's path is the branch's key and the id);
    only a line without a branch has its session looked for among all of them (once)."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._found: dict[SessionRef, bool] = {}
        self._by_id: dict[str, SessionRef] | None = None

    def exists(self, ref: SessionRef) -> bool:
        if ref not in self._found:
            self._found[ref] = self.repo.ref_target(ref) is not None
        return self._found[ref]

    def of_line(self, line: Mapping[str, object]) -> SessionRef | None:
        session, branch = line.get("session"), line.get("branch")
        if not isinstance(session, str) or not ID_PATTERN.fullmatch(session):
            return None
        if isinstance(branch, str) and branch:
            try:
                ref = SessionRef.for_session(BranchName.of(branch), Ulid(session))
            except UserError:
                return None
            return ref if self.exists(ref) else None
        if self._by_id is None:
            self._by_id = {}
            for name in self.repo.ref_names(SESSIONS_PREFIX):
                with contextlib.suppress(UserError):  # a ref that is not ours in shape: not a session
                    self._by_id.setdefault(SessionRef.of(name).session_id, SessionRef.of(name))
        found = self._by_id.get(session)
        return found if found is not None and self.exists(found) else None


def _rewrites(repo: Repo) -> list[Path]:
    try:
        return sorted(p for p in paths.queue_dir(repo).iterdir() if p.name.startswith(paths.REWRITE_PREFIX))
    except FileNotFoundError:
        return []


def _mapping(path: Path) -> list[tuple[str, str]]:
    """The ``old new`` pairs post-rewrite recorded (a line that is not two object ids is not one)."""
    pairs = []
    try:
        records = read_data(path).decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    for record in records:
        fields = record.split(" ")
        if len(fields) >= 2 and ObjectId.is_sha1(fields[0]) and ObjectId.is_sha1(fields[1]):
            pairs.append((fields[0], fields[1]))
    return pairs


def _reaches(repo: Repo, tip: ObjectId, commit: str) -> bool:
    return repo.has_object(ObjectId(commit)) and repo.is_ancestor(ObjectId(commit), tip)


def _drop_if_abandoned(path: Path) -> None:
    """A record whose commit was never made (an aborted commit) goes after a day."""
    with contextlib.suppress(OSError):  # gone already
        if time.time() - path.stat().st_mtime > ABANDON_SECONDS:
            path.unlink()
