"""``import``: session files into sessions; ``export``: a session into a file.

A file becomes one session whose id comes from the file itself: the front matter's ``id``
(a git-session id is taken as it is; any other is hashed), else the file's path in the
repository (a Cline memory bank: its folder, so that ``activeContext.md`` and
``progress.md`` make one session), or for a file outside the work tree its absolute path
hashed with this clone's random key (no one can confirm a guessed path from the id). Each
item's entry id is a hash of the session id and the item's identity in the file (kind,
section, text), so importing again finds what the last import wrote:

- a file whose bytes are those imported last (its hash is kept in the note that records the
  import) writes nothing;
- otherwise only the difference is written: items not seen before are added, an item that
  changed since it was imported (each entry keeps the hash of its item) gets the fields that
  changed, and session fields changed in the file are set. What was changed in the session
  since (an objective marked done) stays, unless the file changed that item too.

Every operation carries the time the file gives it (an item's own, else the file's
``updated``), so the session keeps the original timestamps. A file is read and checked whole
before anything is written: a malformed one is a ``UserError`` naming the file and line.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from git_session import codec, paths, sessionfile
from git_session.errors import Advised, DataError, FileSystemError, SessionError, UserError
from git_session.gitrepo import Ident, Repo, read_data, staged_file, sync_folder
from git_session.model import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    SESSION,
    SESSION_FIELDS,
    Entry,
    FieldValue,
    Meta,
    Op,
    OpData,
    SessionState,
    transitions_of,
)
from git_session.names import ID_ALPHABET, ID_LENGTH, BranchName, Ulid
from git_session.sessionfile import IMPORTED, PROVENANCE, Item, SessionFile, When
from git_session.sessions import Found, Workspace
from git_session.store import Draft, Handle

_BATCH = 500  # operations per commit
_KEY_BYTES = 32  # the import key's random bytes (kept as hex)


@dataclass(frozen=True)
class Imported:
    """What importing one file did."""

    path: str
    format: str
    session: str  # its id
    title: str
    outcome: str  # "created", "updated", "unchanged"
    added: int
    changed: int


def derived_id(*parts: str) -> Ulid:
    """An id made from ``parts``: the same file gives the same ids in every clone."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).digest()
    return Ulid("".join(ID_ALPHABET[b & 31] for b in digest[:ID_LENGTH]))


def read_file(path: str, fmt: str | None) -> tuple[SessionFile, bytes]:
    """A session file read and checked whole; a ``UserError`` naming it (and the line) if not."""
    data = _read_bytes(path)
    try:
        text = sessionfile.decode(data)
        chosen = fmt or sessionfile.detect(text)
        mtime = int(os.stat(path).st_mtime)
        parsed = sessionfile.parse(text, chosen, When(mtime))
        for item in parsed.items:
            try:
                _check_item(item)
            except (UserError, DataError) as exc:
                raise sessionfile.FileProblem(exc.message, _line_of(text, item), exc.hint) from None
    except sessionfile.FileProblem as exc:
        raise _not_imported(f"{path}:{exc.line}", exc.message, exc.hint) from None
    except (UserError, DataError) as exc:
        raise _not_imported(path, exc.message, exc.hint, exc.advised) from None
    return parsed, data


def _line_of(text: str, item: Item) -> int:
    """The line an item is on: the first one its text starts (line 1 when it is not found as such)."""
    wanted = str(item.fields.get("text") or "").split("\n")[0][:60]
    lines = text.split("\n")
    return next((n for n, line in enumerate(lines, 1) if wanted and wanted in line), 1)


def _check_item(item: Item) -> None:
    """An item as the store would take it (field names, statuses, priorities, texts),
    checked before anything is written: a file is imported whole or not at all."""
    for value in item.fields.values():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, str):
                codec.check_text(one, f"{item.kind} {str(item.fields.get('text'))[:40]!r}")
    op = Op(derived_id(item.key), 1, 0, "+0000", "import", "add", OpData(kind=item.kind, fields=item.fields))
    codec.op_from_json(codec.op_to_json(op), f"{item.kind} {str(item.fields.get('text'))[:40]!r}")


def _read_bytes(path: str) -> bytes:
    try:
        size = os.stat(path).st_size
        if size > sessionfile.MAX_FILE:
            raise UserError(f"{path}: {size} bytes, more than the {sessionfile.MAX_FILE} a session file may have")
        with open(path, "rb") as handle:
            data = handle.read(sessionfile.MAX_FILE + 1)
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > sessionfile.MAX_FILE:
        raise UserError(f"{path}: more than the {sessionfile.MAX_FILE} bytes a session file may have")
    return data


def import_file(ws: Workspace, path: str, fmt: str | None = None) -> Imported:
    parsed, data = read_file(path, fmt)
    source = _source(ws, path, parsed)
    session_id = _session_id(parsed, source.identity)
    fields = dict(parsed.fields)
    if parsed.format == "cline" and "title" not in _front_title(parsed):
        fields["title"] = _cline_title(path, source)
    handle = next((h for h in ws.store.handles() if h.id == session_id), None)
    copy = _fetched_copy(ws, session_id) if handle is None else None
    if copy is not None:
        branch = _guarded(path, copy, lambda: _filed_branch(ws, path, copy, fields))
    else:
        branch = _branch(ws, path, fields) if handle is None else _filed_branch(ws, path, handle, fields)
    fields["branch"] = str(branch)
    fields = {k: v for k, v in fields.items() if k in SESSION_FIELDS}
    _check_fields(path, fields)
    digest = hashlib.sha256(data).hexdigest()
    record = _record(session_id, source, digest, fields)
    if copy is not None:
        return _update(ws, path, parsed, copy, fields, record, source, digest, fetched=True)
    if handle is None:
        return _create(ws, path, parsed, session_id, branch, fields, record, source)
    return _update(ws, path, parsed, handle, fields, record, source, digest, fetched=False)


def _check_fields(path: str, fields: dict[str, FieldValue]) -> None:
    """The session's fields as the store would take them (a list's texts too), or one line
    naming the file: the command imports the other files given."""
    try:
        for name, value in fields.items():
            if isinstance(value, list):
                codec.check_texts(value, name)
            elif isinstance(value, str):
                codec.check_text(value, name)
    except UserError as exc:
        raise _not_imported(path, exc.message, exc.hint, exc.advised) from None


def _fetched_copy(ws: Workspace, session_id: str) -> Handle | None:
    """A copy of the session fetched from a remote, when this repository has none of its
    own: the file then continues it (a history of its own under the teammate's id would
    share no commit with theirs, and every later ``pull`` would skip their session)."""
    from git_session import sharing

    return next((h for _, h in sharing.fetched_copies(ws.store) if h.id == session_id), None)


def _copied(ws: Workspace, path: str, copy: Handle) -> Handle:
    """The fetched copy merged into this repository's sessions, as ``start --from`` merges it."""
    from git_session import sharing

    _guarded(path, copy, lambda: sharing.copy_fetched(ws.store, copy), (DataError, UserError))
    return ws.store.handle(copy.ref)


T = TypeVar("T")


def _guarded(
    path: str, copy: Handle, step: Callable[[], T], refused: tuple[type[SessionError], ...] = (DataError,)
) -> T:
    """``step`` on a fetched copy (data from a remote), its failure one line naming the file
    (``refused``: the failures that are the copy's; the file's own keep their words)."""
    try:
        return step()
    except refused as exc:
        reason = f"the fetched copy of session {copy.id[:12]} cannot be used: {exc.message}"
        raise _not_imported(path, reason, None) from None


def _not_imported(where: str, message: str, hint: str | None, advised: Sequence[Advised] = ()) -> UserError:
    """One line naming the file (and line) and why it was left out, with the hint and advice
    of the error it replaces (the store's "take it out: …"), which the command shows for one file."""
    return UserError(f"{where}: {message}; nothing imported from it", hint, advised=advised)


def _front_title(parsed: SessionFile) -> dict[str, FieldValue]:
    return {k: v for k, v in parsed.fields.items() if k == "title" and parsed.format != "cline"}


def _cline_title(path: str, source: Source) -> str:
    """The bank's project: its folder's name, or the folder above a ``memory-bank`` folder's
    when the bank is in the work tree (outside it, that folder may be the importer's home)."""
    folder = Path(path).resolve().parent
    if source.outside:
        return f"Cline memory bank: {_text(folder.name)}"
    project = folder.parent.name if folder.name.lower() in ("memory-bank", "memory_bank", "memorybank") else folder.name
    return f"Cline memory bank: {_text(project or folder.name)}"


@dataclass(frozen=True)
class Source:
    """Where a file came from: ``identity`` makes the session's id and the import note's;
    ``shown`` is what the session says (pushed to the team). A file in the work tree: its path
    there, both. A file outside it: ``shown`` is only its name, never the importer's folders,
    and ``identity`` is a keyed hash of its absolute path (``_outside_source``). ``shown`` is
    text (``_text``): a name in another encoding could not be written into a commit."""

    identity: str
    shown: str
    outside: bool = False


def _source(ws: Workspace, path: str, parsed: SessionFile) -> Source:
    resolved = Path(path).resolve()
    target = resolved.parent if parsed.format == "cline" else resolved
    workdir = ws.repo.workdir
    if workdir is not None:
        try:
            inside = target.relative_to(Path(workdir).resolve()).as_posix()
            return Source(inside, _text(inside))
        except ValueError:
            pass
    return _outside_source(ws, parsed, target)


def _outside_source(ws: Workspace, parsed: SessionFile, target: Path) -> Source:
    """A file outside the work tree is known by a hash of its absolute path keyed with this
    clone's import key: the same file imported again finds its session, and the ids pushed
    with it (the session's, its import note's) confirm no guessed path. A session that older
    code made from the path itself (its import note's id says so) keeps that identity."""
    shown = f"{_text(target.name)} (outside the work tree)"
    old = Source(target.as_posix(), shown, outside=True)
    handle = next((h for h in ws.store.handles() if h.id == _session_id(parsed, old.identity)), None)
    if handle is not None and ws.store.entry(handle, "note", derived_id(handle.id, _record_key(old))) is not None:
        return old
    keyed = hmac.new(_import_key(ws.repo), old.identity.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return Source(f"outside\0{keyed.hexdigest()}", shown, outside=True)


def _text(name: str) -> str:
    """A file name as text (bytes that are no UTF-8, decoded by Python as surrogates,
    replaced): what a session shows; the file's identity keeps the name's own bytes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _import_key(repo: Repo) -> bytes:
    """This clone's import key: random, made by the first import from outside the work tree,
    kept in the private folder (shared by the worktrees), never pushed. Two imports making
    it at once agree on the first one linked into place."""
    path = paths.import_key(repo)
    try:
        with contextlib.suppress(FileNotFoundError):
            return _key_in(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        key = os.urandom(_KEY_BYTES).hex().encode("ascii") + b"\n"
        with staged_file(path, key, durable=True) as made, contextlib.suppress(FileExistsError):
            os.link(made, path)  # (synced first: a crash never leaves an empty key, every imported id changed)
        sync_folder(path.parent)
        return _key_in(path)
    except OSError as exc:
        raise UserError(f"cannot read or make the import key {path}: {exc.strerror or exc}") from None


def _key_in(path: Path) -> bytes:
    key = read_data(path, 4 * _KEY_BYTES).strip()
    if len(key) < _KEY_BYTES:  # a key file emptied or cut short is not a key: a new one is never made silently
        hint = "remove it: the files imported from outside the work tree then get new sessions"
        raise UserError(f"the import key {path} is damaged", hint)
    return key


def _session_id(parsed: SessionFile, source: str) -> Ulid:
    if parsed.identity:
        if Ulid.looks_like_prefix(parsed.identity) and len(parsed.identity) == ID_LENGTH:
            return Ulid(parsed.identity)
        return derived_id("id", parsed.identity)
    return derived_id(parsed.format if parsed.format == "cline" else "path", source)


def _branch(ws: Workspace, path: str, fields: dict[str, FieldValue]) -> BranchName:
    named = fields.get("branch")
    if isinstance(named, str) and named:
        if not ws.repo.is_branch_name(named):
            raise UserError(f"{path}: git_branch {named!r:.60} is not a branch name; nothing imported from it")
        return BranchName(named)
    try:
        return ws.branch()
    except UserError as exc:
        raise UserError(f"{path}: names no git_branch, and {exc.message}") from None


def _filed_branch(ws: Workspace, path: str, handle: Handle, fields: dict[str, FieldValue]) -> BranchName:
    """The branch of a session the file updates: the one its ref is filed under, whatever
    branch is checked out; a file naming another is refused (setting it would leave the
    session filed under another branch than its own, which every pull refuses)."""
    branch = ws.store.meta(handle).branch
    named = fields.get("branch")
    if isinstance(named, str) and named and named != branch:
        raise UserError(
            f"{path}: git_branch {named!r:.60} is not the branch of session {handle.id[:12]} "
            f"({branch!r:.60}); nothing imported from it"
        )
    return BranchName(branch)


def _record(session_id: str, source: Source, digest: str, fields: dict[str, FieldValue]) -> Item:
    """The note that records the import of a file: where from, its hash, the fields it set."""
    values: dict[str, FieldValue] = {
        "text": f"Imported from {source.shown}",
        PROVENANCE: source.shown,
        "sha256": digest,
        "imported_fields": codec.dumps(fields),
    }
    return Item("note", values, None, _record_key(source))


def _record_key(source: Source) -> str:
    return f"import\0{source.identity}"


def _ident(ws: Workspace, when: When) -> Ident:
    me = ws.ident
    return Ident(me.name, me.email, when.at, when.tz)


def _create(
    ws: Workspace,
    path: str,
    parsed: SessionFile,
    session_id: Ulid,
    branch: BranchName,
    fields: dict[str, FieldValue],
    record: Item,
    source: Source,
) -> Imported:
    _check_new_status(ws, path, branch, fields)
    created = parsed.created or _first_time(parsed)
    subject = f"import: {fields.get('title') or source.shown}"
    handle = ws.store.create(branch, [Draft.create(fields, id=session_id)], _ident(ws, created), subject)
    drafts = [(parsed.when(item), _add(session_id, item)) for item in parsed.items]
    drafts.append((parsed.default, _add(session_id, record)))
    status = str(fields.get("status") or "active")
    _write(ws, path, handle, drafts, subject, status)
    if status in ENDED_STATUSES:
        _store_handoff(ws, path, handle, parsed.default, subject, status)
    return Imported(path, parsed.format, session_id, str(fields.get("title") or ""), "created", len(drafts) - 1, 0)


def _first_time(parsed: SessionFile) -> When:
    """A session's start when the file gives none: its earliest time."""
    return min([parsed.default, *(i.when for i in parsed.items if i.when is not None)], key=lambda w: w.at)


def _update(
    ws: Workspace,
    path: str,
    parsed: SessionFile,
    handle: Handle,
    fields: dict[str, FieldValue],
    record: Item,
    source: Source,
    digest: str,
    fetched: bool,
) -> Imported:
    """The file's difference written into a session; one it knows only as a copy fetched
    from a remote (``fetched``: data from a remote, its failure the copy's) is checked
    against that copy and merged in only then: a refused file leaves the repository as it was."""

    def read(step: Callable[[], T]) -> T:
        return _guarded(path, handle, step) if fetched else step()

    state = read(lambda: ws.store.state(handle))
    title = state.meta.title
    kept = read(lambda: ws.store.entry(handle, "note", derived_id(handle.id, record.key)))
    if kept is not None and kept.values.get("sha256") == digest:
        if not fetched and _handoff_missing(state, fields):  # its second write failed or was cut short
            _store_handoff(ws, path, handle, parsed.default, f"import: {title or source.shown}", state.meta.status)
        return Imported(path, parsed.format, handle.id, title, "unchanged", 0, 0)
    drafts = read(lambda: _differences(ws, handle, parsed))
    added = sum(draft.action == "add" for _, draft in drafts)
    changed = sum(draft.action == "update" for _, draft in drafts)
    set_fields = _changed_fields(state.meta, fields, kept)
    _check_status_change(ws, path, handle, state.meta, set_fields, len(drafts))
    if set_fields:  # after the items: a file ending the session adds them while it is open
        drafts.append((parsed.default, Draft.set(set_fields)))
    drafts.append((parsed.default, _upsert(handle.id, record, kept)))
    target = _copied(ws, path, handle) if fetched else handle
    subject = f"import: {title or source.shown}"
    _write(ws, path, target, drafts, subject, state.meta.status)
    if set_fields.get("status") in ENDED_STATUSES:
        _store_handoff(ws, path, target, parsed.default, subject, str(set_fields["status"]))
    return Imported(path, parsed.format, handle.id, title, "updated", added, changed)


def _handoff_missing(state: SessionState, fields: dict[str, FieldValue]) -> bool:
    """Whether the file ended the session (its status is the session's, an ended one) and the
    handoff that import stores (``_store_handoff``, a write of its own) is not there."""
    status = state.meta.status
    return status in ENDED_STATUSES and fields.get("status") == status and not state.of_kind("handoff")


def _differences(ws: Workspace, handle: Handle, parsed: SessionFile) -> list[tuple[When, Draft]]:
    """What the file's items add to the session or change in it, each at the item's time."""
    drafts = ((parsed.when(item), _difference(ws, handle, item)) for item in parsed.items)
    return [(when, draft) for when, draft in drafts if draft is not None]


def _check_new_status(ws: Workspace, path: str, branch: BranchName, fields: dict[str, FieldValue]) -> None:
    """A new session's status as ``start`` and the lifecycle commands would reach it: open
    only on a branch without an open session, abandoned only with a reason."""
    status = str(fields.get("status") or "active")
    if status in OPEN_STATUSES:
        _check_no_other_open(ws, path, branch, None, status)
    _check_reason(path, status, fields)


def _check_status_change(
    ws: Workspace, path: str, handle: Handle, meta: Meta, changes: dict[str, FieldValue], items: int
) -> None:
    """What the file changes in a session (``changes`` to its fields and ``items`` entries)
    the lifecycle commands would change too: a status moves only as ``pause``, ``resume``,
    ``end`` and ``abandon`` move it, and an ended session takes nothing more (one line naming
    the file otherwise: nothing written)."""
    short = ws.short_session_id(handle.id)
    status = changes.get("status")
    if status is not None and status != meta.status:
        if not any(t.to == status and meta.status in t.allowed_from for t in transitions_of(SESSION)):
            raise _not_imported(path, f"session {short} is {meta.status}; cannot make it {status}", None)
        if status == "active":
            _check_no_other_open(ws, path, BranchName(meta.branch), handle.id, str(status))
        _check_reason(path, str(status), {**meta.values, **changes})
    elif meta.status in ENDED_STATUSES and (changes or items):
        raise _not_imported(path, f"session {short} is {meta.status}: it takes no more entries", None)


def _check_no_other_open(ws: Workspace, path: str, branch: BranchName, own: str | None, status: str) -> None:
    """A branch has at most one open session, as ``start`` and ``resume`` keep it."""
    other = ws.open_session(branch)
    if other is not None and other.handle.id != own:
        short = ws.short_session_id(other.handle.id)
        reason = f"session {short} is already {other.meta.status} on branch {branch!r:.60}; the file's is {status}"
        raise _not_imported(path, reason, "pause or end that session first")


def _check_reason(path: str, status: str, fields: Mapping[str, object]) -> None:
    if status == "abandoned" and not fields.get("reason"):
        raise _not_imported(path, "an abandoned session needs a reason (the file gives none)", None)


def _changed_fields(meta: Meta, fields: dict[str, FieldValue], kept: Entry | None) -> dict[str, FieldValue]:
    """The session fields the file changed since the last import (all of them if it was
    never imported here) that the session does not hold already."""
    before: dict[str, FieldValue] = {}
    if kept is not None:
        try:
            loaded = codec.loads(str(kept.values.get("imported_fields") or "{}"))
            before = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            before = {}
    return {k: v for k, v in fields.items() if before.get(k) != v and meta.values.get(k) != v}


def _difference(ws: Workspace, handle: Handle, item: Item) -> Draft | None:
    entry_id = derived_id(handle.id, item.key)
    existing = ws.store.entry(handle, item.kind, entry_id)
    if existing is None:
        return _add(handle.id, item)
    if existing.values.get(IMPORTED) == item.digest:
        return None
    changes = {k: v for k, v in item.fields.items() if existing.values.get(k) != v}
    return Draft.update(item.kind, entry_id, {**changes, IMPORTED: item.digest}) if changes else None


def _add(session_id: str, item: Item) -> Draft:
    fields = dict(item.fields)
    if PROVENANCE not in fields:
        fields[IMPORTED] = item.digest
    return Draft.add(item.kind, fields, id=derived_id(session_id, item.key))


def _upsert(session_id: str, record: Item, kept: Entry | None) -> Draft:
    if kept is None:
        return _add(session_id, record)
    changes = {k: v for k, v in record.fields.items() if kept.values.get(k) != v}
    return Draft.update("note", kept.id, changes)


def _write(
    ws: Workspace, path: str, handle: Handle, drafts: Sequence[tuple[When, Draft]], subject: str, status: str
) -> None:
    """One commit per run of operations of the same time, in the file's order, each while
    the session's status is what the file was checked against (``status``, then what the
    file set): a lifecycle command in between stops the import, as it stops ``pause``."""
    runs: list[tuple[When, list[Draft]]] = []
    for when, draft in drafts:
        if runs and runs[-1][0] == when:
            runs[-1][1].append(draft)
        else:
            runs.append((when, [draft]))
    for when, run in runs:
        for start in range(0, len(run), _BATCH):  # a commit holds at most codec.MAX_OPS_PER_COMMIT
            batch = run[start : start + _BATCH]
            ws.store.append(handle.ref, _checked(ws, path, batch, status), _ident(ws, when), subject)
            status = next(
                (str(d.data["fields"]["status"]) for d in batch if d.action == "set" and "status" in d.data["fields"]),
                status,
            )
    try:  # what was written stays written: the hooks render the trailers themselves if need be
        ws.refresh_trailers(BranchName(ws.store.meta(ws.store.handle(handle.ref)).branch))
    except (OSError, FileSystemError) as exc:
        ws.warn(f"the commit trailers stay as they were: {exc}")


def _store_handoff(ws: Workspace, path: str, handle: Handle, when: When, subject: str, status: str) -> None:
    """An import that ended the session stores its Markdown handoff, as ``end`` does, once
    the file's entries are in it (the handoff shows them). What was imported stays imported
    if the handoff cannot be rendered (a broken template): a warning says so."""
    from git_session import handoff
    from git_session.sandbox import find_template

    def build(current: Handle, meta: Meta) -> list[Draft]:
        _checked(ws, path, [], status)(current, meta)
        return [handoff.stored_handoff(ws, Found(current, meta), template)]

    try:
        template = find_template(ws.repo, "markdown")
        ws.store.append(handle.ref, build, _ident(ws, when), subject)
    except UserError as exc:
        ws.warn(f"{path}: imported, but its handoff is not stored: {exc.message}")


def _checked(ws: Workspace, path: str, drafts: list[Draft], status: str) -> Callable[[Handle, Meta], list[Draft]]:
    """The same drafts however often the write is retried (their ids are fixed), while the
    session's status is ``status``."""

    def build(handle: Handle, meta: Meta) -> list[Draft]:
        if meta.status != status:
            short = ws.short_session_id(handle.id)
            raise UserError(f"{path}: session {short} became {meta.status} meanwhile; the rest of it not imported")
        return drafts

    return build


def export(state: SessionState, fmt: str) -> str:
    return sessionfile.render(state, fmt)
