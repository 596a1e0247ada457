"""Linking commits to sessions, deferred out of the commit path and made durable.

The post-commit hook only writes ``<common-dir>/git-session/queue/<commit>`` (which
commit, which session ref and tip, and the source of a cherry-pick) and starts
``git-session hook drain`` in the background. The drain turns each queued commit into a
``commit`` entry of the session and a note on the commit, then deletes the queue file;
a drain that dies leaves the file for the next one.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from git_session import notes, trailers
from git_session.errors import SessionError
from git_session.gitrepo import Ident, Repo
from git_session.model import Entry, Meta, Stamp
from git_session.names import ObjectId, SessionRef
from git_session.store import Draft, Handle, Store

LOCK_WAIT_SECONDS = 30.0
ABANDON_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Queued:
    path: Path
    commit: ObjectId
    ref: SessionRef
    tip: ObjectId
    branch: str
    pick: ObjectId | None


def queue_dir(repo: Repo) -> Path:
    return trailers.private_dir(repo) / "queue"


def pending(repo: Repo) -> list[Queued]:
    """The queued commits, oldest first; unreadable files are skipped (a hook may be writing)."""
    try:
        paths = sorted(queue_dir(repo).iterdir(), key=lambda p: p.stat().st_mtime_ns)
    except FileNotFoundError:
        return []
    found = []
    for path in paths:
        item = _parse(path)
        if item is not None:
            found.append(item)
    return found


def _parse(path: Path) -> Queued | None:
    try:
        fields = dict(line.split(" ", 1) for line in path.read_text("utf-8").splitlines() if " " in line)
        pick = fields.get("pick")
        return Queued(
            path,
            ObjectId.of(fields["commit"]),
            SessionRef.of(fields["ref"]),
            ObjectId.of(fields["tip"]),
            fields["branch"],
            ObjectId.of(pick) if pick else None,
        )
    except (OSError, KeyError, ValueError, SessionError):
        return None


def pending_tips(repo: Repo, ref: str) -> list[ObjectId]:
    return [item.tip for item in pending(repo) if item.ref == ref]


@contextmanager
def drain_lock(repo: Repo) -> Iterator[None]:
    path = trailers.private_dir(repo) / "drain.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Drained:
    branches: tuple[str, ...]  # whose trailers need rendering again
    problems: tuple[str, ...]  # items that stay queued, and why


def drain(repo: Repo) -> Drained:
    """Link every queued commit. One that fails stays queued; the others go on."""
    branches: list[str] = []
    problems: list[str] = []
    with drain_lock(repo):
        store = Store(repo)
        ident = repo.ident()
        for item in pending(repo):
            try:
                if repo.has_object(item.commit) and store.repo.ref_target(item.ref) is not None:
                    link(store, item, ident)
            except SessionError as exc:
                problems.append(f"commit {item.commit[:12]} stays queued: {exc.message}")
                continue
            item.path.unlink(missing_ok=True)
            branches.append(item.branch)
        for path in _rewrites(repo):
            try:
                branches += rewrite(store, path, ident)
            except SessionError as exc:
                problems.append(f"{path.name} stays queued: {exc.message}")
                continue
            path.unlink(missing_ok=True)
        _drop_abandoned(repo)
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
        "decisions": [
            {"id": e.id, "text": e.text, "rationale": e.values.get("rationale") or ""} for e in since.decisions
        ],
    }


def _added(entry: Entry) -> Stamp:
    return entry.added


def link(store: Store, item: Queued, ident: Ident) -> None:
    handle = Handle(item.ref, item.tip)
    covers = store.meta(handle).clock
    line = note_line(store, handle, item.branch)
    subject = store.repo.commit(item.commit).message.split("\n", 1)[0]

    def build(current: Handle, meta: Meta) -> list[Draft]:
        if any(e.values.get("commit") == item.commit for e in store.entries(current, "commit")):
            return []
        fields = {"text": subject or item.commit, "commit": item.commit, "covers": covers, "branch": item.branch}
        return [Draft("add", {"kind": "commit", "fields": fields})]

    store.append(item.ref, build, ident, f"commit: {subject}")

    lines: dict[ObjectId, list[dict[str, object]]] = {item.commit: [line]}
    if item.pick is not None and store.repo.has_object(item.pick):
        lines[item.commit] += notes.read_note(store.repo, item.pick)
    notes.add_note_lines(store.repo, lines, ident, "git-session: link commits")


def _rewrites(repo: Repo) -> list[Path]:
    try:
        return sorted(p for p in queue_dir(repo).iterdir() if p.name.startswith("rewrite-"))
    except FileNotFoundError:
        return []


def rewrite(store: Store, path: Path, ident: Ident) -> list[str]:
    """Point the sessions' commit entries at the commits that replaced theirs."""
    branches = []
    for record in path.read_text("utf-8").splitlines():
        old, _, rest = record.partition(" ")
        new = rest.split(" ", 1)[0]
        if not (old and new and store.repo.has_object(new)):
            continue
        for line in notes.read_note(store.repo, ObjectId(new)):
            ref = _session_ref(store, str(line.get("session", "")))
            if ref is not None:
                _repoint(store, ref, old, new, ident)
                branches.append(str(line.get("branch", "")))
    return branches


def _session_ref(store: Store, session_id: str) -> SessionRef | None:
    return next((h.ref for h in store.handles() if h.id == session_id), None)


def _repoint(store: Store, ref: SessionRef, old: str, new: str, ident: Ident) -> None:
    def build(current: Handle, meta: Meta) -> list[Draft]:
        entries = store.entries(current, "commit")
        stale = [e for e in entries if e.values.get("commit") == old and not e.values.get("rewritten")]
        # The new commit may already be linked (post-commit runs for an amend): then the
        # old entries only say they were rewritten; else they move to the new commit.
        field = "rewritten" if any(e.values.get("commit") == new for e in entries) else "commit"
        return [Draft("update", {"kind": "commit", "entry": e.id, "fields": {field: new}}) for e in stale]

    store.append(ref, build, ident, f"rewrite: {old[:12]} -> {new[:12]}")


def _drop_abandoned(repo: Repo) -> None:
    """Queue files nobody could read for a day (a hook killed while writing) are dropped."""
    now = time.time()
    for path in queue_dir(repo).glob("*"):
        try:
            if now - path.stat().st_mtime > ABANDON_SECONDS and _parse(path) is None:
                path.unlink()
        except OSError:
            continue
