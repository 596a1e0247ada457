"""Linking commits to sessions, deferred out of the commit path and made durable.

Before git writes a commit, prepare-commit-msg records it in
``<common-dir>/git-session/queue/pending.<pid>.<parent>``: the branch, the commit it is
made on (or, for ``--amend``, the commit it replaces), the session ref and tip whose
trailers it got, and the source of a cherry-pick. The next git-session command (or
``git-session hook drain``) finds the commit that was made, gives the session a
``commit`` entry and the commit a note, then deletes the file; a record whose commit was
never made (an aborted commit) is kept a day in case it still is.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from git_session import notes, paths, trailers
from git_session.errors import ConflictError, SessionError, file_system_error
from git_session.fold import live_entries
from git_session.gitrepo import Ident, Repo
from git_session.model import Meta
from git_session.names import ObjectId, SessionRef
from git_session.store import Draft, Handle, Store

LOCK_WAIT_SECONDS = 30.0
ABANDON_SECONDS = 24 * 3600
SEARCH_DEPTH = 200


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
        fields = dict(line.split(" ", 1) for line in path.read_text("utf-8").splitlines() if " " in line)
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


def made_commit(repo: Repo, item: Queued, rewritten: Iterable[ObjectId] = ()) -> ObjectId | None:
    """The commit the record was for: the first commit after its parent on the branch, or
    among commits rewritten since (a rebase), that carries the session's trailer."""
    parent = item.parent
    if item.amends is not None:
        if not repo.has_object(item.amends):
            return None
        parents = repo.commit(item.amends).parents
        parent = parents[0] if parents else None
    candidates = [c for c in (_child_on_branch(repo, item.branch, parent),) if c is not None]
    candidates += [c for c in rewritten if repo.has_object(c) and (repo.commit(c).parents[:1] or (None,))[0] == parent]
    return next((c for c in candidates if _carries(repo, c, item)), None)


def _child_on_branch(repo: Repo, branch: str, parent: ObjectId | None) -> ObjectId | None:
    tip = repo.ref_target(f"refs/heads/{branch}")
    found = None
    for depth, commit in enumerate(repo.walk(tip, topological=False, first_parent=True) if tip else ()):
        if depth >= SEARCH_DEPTH or commit.id == parent:
            return found if commit.id == parent else None
        found = commit.id
        if not commit.parents:
            return found if parent is None else None
    return None


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
    """Link every recorded commit that was made. One that fails stays queued; the others go on.

    ``wait``: how long to wait for another process linking them (see ``drain_lock``).
    """
    branches: list[str] = []
    problems: list[str] = []
    with drain_lock(repo, wait):
        store = Store(repo)
        ident: Ident | None = None
        rewrites = _rewrites(repo)
        rewritten_olds = [ObjectId(old) for path in rewrites for old, _ in _mapping(path)]
        for item in pending(repo):
            commit = made_commit(repo, item, rewritten_olds)
            if commit is None:
                _drop_if_abandoned(item.path)
                continue
            try:
                ident = ident or repo.ident()
                link(store, item, commit, ident)
            except SessionError as exc:
                problems.append(f"commit {commit[:12]} stays queued: {exc.message}")
                continue
            item.path.unlink(missing_ok=True)
            branches.append(item.branch)
        for path in rewrites:
            try:
                ident = ident or repo.ident()
                branches += rewrite(store, path, ident)
            except SessionError as exc:
                problems.append(f"{path.name} stays queued: {exc.message}")
                continue
            path.unlink(missing_ok=True)
    return Drained(tuple(dict.fromkeys(branches)), tuple(problems))


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


def link(store: Store, item: Queued, commit: ObjectId, ident: Ident) -> None:
    """A journal entry in the session and a note on the commit (or its source's note)."""
    lines: list[dict[str, object]] = []
    if item.ref is not None and item.tip is not None and store.repo.ref_target(item.ref) is not None:
        handle = Handle(item.ref, item.tip)
        lines.append(note_line(store, handle, item.branch))
        _add_commit_entry(store, handle, commit, item, store.meta(handle).clock, ident)
    if item.pick is not None and store.repo.has_object(item.pick):
        picked = notes.read_note(store.repo, item.pick)
        lines += picked
        for line in picked:  # a commit of the session picked again onto its branch, in its place
            ref = _session_ref(store, str(line.get("session", "")))
            if ref is not None:
                _repoint(store, ref, item.pick, commit, ident)
    if lines:
        # One line per session: an amended commit's note already has the line git copied
        # from the commit it replaces (notes.rewriteMode), the session's state back then.
        notes.add_note_lines(store.repo, {commit: lines}, ident, "git-session: link commits", one_per_session=True)


def _add_commit_entry(store: Store, handle: Handle, commit: ObjectId, item: Queued, covers: int, ident: Ident) -> None:
    """The session's ``commit`` entry for the commit: a new one, or for an amend the entry
    of the commit it replaces, moved onto it (one entry per commit on the branch)."""
    subject = store.repo.commit(commit).message.split("\n", 1)[0]
    text = subject or commit

    def build(current: Handle, meta: Meta) -> list[Draft]:
        entries = store.entries(current, "commit")
        if any(e.commit == commit for e in entries):
            return []
        amended = [e for e in live_entries(entries) if item.amends is not None and e.commit == item.amends]
        if amended:
            moved: dict[str, str | int] = {"commit": commit, "covers": covers}
            return [
                Draft.update("commit", amended[0].id, moved if amended[0].text == text else {**moved, "text": text})
            ]
        return [Draft.add("commit", {"text": text, "commit": commit, "covers": covers, "branch": item.branch})]

    verb = "amend" if item.amends is not None else "commit"
    store.append(handle.ref, build, ident, f"{verb}: {subject}")


def _rewrites(repo: Repo) -> list[Path]:
    try:
        return sorted(p for p in paths.queue_dir(repo).iterdir() if p.name.startswith(paths.REWRITE_PREFIX))
    except FileNotFoundError:
        return []


def _mapping(path: Path) -> list[tuple[str, str]]:
    """The ``old new`` pairs post-rewrite recorded (a line that is not two object ids is not one)."""
    pairs = []
    try:
        records = path.read_bytes().decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    for record in records:
        fields = record.split(" ")
        if len(fields) >= 2 and ObjectId.is_sha1(fields[0]) and ObjectId.is_sha1(fields[1]):
            pairs.append((fields[0], fields[1]))
    return pairs


def rewrite(store: Store, path: Path, ident: Ident) -> list[str]:
    """Give rewritten commits the notes of the ones they replace (git copies only notes
    that existed at the time) and point the sessions' commit entries at them."""
    branches = []
    pairs = [(old, new) for old, new in _mapping(path) if store.repo.has_object(new)]
    sources: dict[ObjectId, list[ObjectId]] = {}
    for old, new in pairs:  # a squash: several commits into one
        sources.setdefault(ObjectId(new), []).append(ObjectId(old))
    notes.copy_notes(store.repo, sources, ident, "git-session: rewrite", one_per_session=True)
    for old, new in pairs:
        for line in notes.read_note(store.repo, ObjectId(new)):
            ref = _session_ref(store, str(line.get("session", "")))
            if ref is not None:
                _repoint(store, ref, old, new, ident)
                branches.append(str(line.get("branch", "")))
    return branches


def _session_ref(store: Store, session_id: str) -> SessionRef | None:
    return next((h.ref for h in store.handles() if h.id == session_id), None)


def _repoint(store: Store, ref: SessionRef, old: str, new: str, ident: Ident) -> None:
    """The session's entry of ``old`` moved onto ``new``, which replaced it on the branch:
    one entry per commit, so when ``new`` has one already (a squash, a fixup), the old
    entry only says it was rewritten. A commit still on the session's branch (an amend
    made on another branch, a cherry-pick elsewhere) keeps its entry, and one goes only
    onto a commit on that branch (as far as the branch is there to ask)."""
    subject = store.repo.commit(ObjectId(new)).message.split("\n", 1)[0] or new

    def build(current: Handle, meta: Meta) -> list[Draft]:
        entries = store.entries(current, "commit")
        stale = [e for e in live_entries(entries) if e.commit == old]
        tip = store.repo.ref_target(f"refs/heads/{meta.branch}") if meta.branch else None
        if not stale or (tip is not None and (_reaches(store.repo, tip, old) or not _reaches(store.repo, tip, new))):
            return []
        drafts: list[Draft] = []
        for entry in stale:
            if any(e.commit == new for e in live_entries(entries)) or drafts:
                drafts.append(Draft.update("commit", entry.id, {"rewritten": new}))
            else:
                fields = {"commit": new} if entry.text == subject else {"commit": new, "text": subject}
                drafts.append(Draft.update("commit", entry.id, fields))
        return drafts

    store.append(ref, build, ident, f"rewrite: {old[:12]} -> {new[:12]}")


def _reaches(repo: Repo, tip: ObjectId, commit: str) -> bool:
    return repo.has_object(ObjectId(commit)) and repo.is_ancestor(ObjectId(commit), tip)


def _drop_if_abandoned(path: Path) -> None:
    """A record whose commit was never made (an aborted commit) goes after a day."""
    with contextlib.suppress(OSError):  # gone already
        if time.time() - path.stat().st_mtime > ABANDON_SECONDS:
            path.unlink()
