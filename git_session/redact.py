"""Taking what must not leave out of the history before it is pushed (``git session redact``):
an entry out of its session's history (and out of the commit notes that quote it), or the
lines of a commit's note that hold a secret out of the notes' history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from git_session import codec, notes, reportcache, secrets, trailers
from git_session.errors import NotFoundError, UserError
from git_session.fold import target_entry
from git_session.gitrepo import Repo
from git_session.model import Entry
from git_session.names import NOTES_REF, BranchName, ObjectId
from git_session.sessions import Found, Workspace

_QUOTING = ("objectives", "decisions")  # the lists of a note line that quote entries


@dataclass(frozen=True)
class Redacted:
    entry: Entry
    short: str
    also_in: list[str]  # other entries whose text still contains the redacted text
    notes_rewritten: int = 0  # notes commits rewritten to drop the lines quoting it
    quoting_commits: tuple[ObjectId, ...] = ()  # the session's commits whose message (trailers) quotes it
    reflogs_kept: tuple[str, ...] = ()  # refs whose reflog still names the old history


@dataclass(frozen=True)
class NoteRedacted:
    target: ObjectId
    lines: int  # lines taken out, over every version of the note
    rewritten: int  # notes commits rewritten
    reflogs_kept: tuple[str, ...] = ()  # refs whose reflog still names the old history


def redact(ws: Workspace, found: Found, prefix: str) -> Redacted:
    """Rewrite the session's history without every operation on one entry.

    Refused when a remote's copy already holds one of those operations: the text has
    left, and rewriting here would only bring it back at the next pull.
    """
    entry = ws.find_entry(found, None, prefix)
    short = ws.short_entry_id(found, entry.kind, entry.id)
    if entry.private:
        raise UserError(f"{entry.kind} {short} is private: it never leaves this repository")
    touching = {item.commit for item in ws.store.journal(found.handle) if target_entry(item.op) == entry.id}
    fix = _unquote(entry.id)
    pushed = _remotes_holding(ws, found, touching) or _notes_pushed_to(ws.repo, fix)
    if pushed:
        raise _already_pushed(f"{entry.kind} {short}", pushed)
    # The notes first: should the session's rewrite fail, running redact again finds the entry.
    _, rewritten_notes = notes.rewrite_history(ws.repo, fix, _public_notes(ws.repo), f"redact {entry.id}")
    ws.store.rewrite(found.handle.ref, lambda op: target_entry(op) != entry.id)
    kept = _reflogs_kept(ws.repo, [found.handle.ref, *([NOTES_REF] if rewritten_notes else [])])
    reportcache.forget(ws.repo)  # derived, rebuilt by the next report: it may quote the entry
    rewritten = ws.find(found.handle.id)
    ws.refresh_trailers(BranchName(rewritten.meta.branch))
    quoting = tuple(_commits_quoting(ws, rewritten, entry))
    return Redacted(entry, short, _also_in(ws, rewritten, entry), rewritten_notes, quoting, kept)


def _reflogs_kept(repo: Repo, refs: list[str]) -> tuple[str, ...]:
    """The refs whose reflog still names their old history (``git gc`` keeps what a reflog
    names): the others forget it."""
    return tuple(ref for ref in refs if not repo.forget_unreachable_reflog_entries(ref))


def redact_note(repo: Repo, commit: str) -> NoteRedacted:
    """Take the lines of a commit's session note that hold a secret (what a push would
    stop on) out of every version of that note the notes' history has, so that no
    version reachable from the notes ref holds them. Refused when a remote has one."""
    target = repo.resolve_commit(commit)
    dropped: set[bytes] = set()
    fix = _drop_secret_lines(target, dropped)
    pushed = _notes_pushed_to(repo, fix)
    if pushed:
        raise _already_pushed(f"the note on {target[:12]}", pushed)
    _, rewritten = notes.rewrite_history(repo, fix, _public_notes(repo), f"redact the note on {target[:12]}")
    if not dropped:
        raise NotFoundError(
            f"no line of the note on {target[:12]} holds a secret",
            f"see it with: git notes --ref=sessions show {target[:12]}",
        )
    return NoteRedacted(target, len(dropped), rewritten, _reflogs_kept(repo, [NOTES_REF] if rewritten else []))


def _already_pushed(what: str, remotes: list[str]) -> UserError:
    return UserError(
        f"{what} was pushed to {', '.join(remotes)} already: redacting it here cannot take it back",
        "treat what it holds as leaked (revoke or rotate the secret); the remote's history keeps it",
    )


def _drop_secret_lines(target: ObjectId, dropped: set[bytes]) -> notes.NoteFix:
    def fix(path: str, content: bytes) -> bytes | None:
        if notes.note_target(path) != target:
            return content
        lines = notes.split_lines(content)
        leaking = {line for line in lines if secrets.scan([("", line.decode("utf-8", "replace"))])}
        if not leaking:
            return content
        dropped.update(leaking)
        kept = [line for line in lines if line not in leaking]
        return notes.combine(kept) if kept else None

    return fix


def _unquote(entry_id: str) -> notes.NoteFix:
    """Note lines without the objectives and decisions that quote the entry."""

    def fix(path: str, content: bytes) -> bytes | None:
        lines = notes.split_lines(content)
        new = [_without(line, entry_id) for line in lines]
        if new == lines:
            return content
        return notes.combine(new)

    return fix


def _without(line: bytes, entry_id: str) -> bytes:
    try:
        value: Any = codec.loads(line)
    except ValueError:  # not JSON, or nested too deeply to parse (as a note from a remote may be)
        return line
    if not isinstance(value, dict) or not any(_quotes(value.get(key), entry_id) for key in _QUOTING):
        return line
    for key in _QUOTING:
        if isinstance(value.get(key), list):
            value[key] = [item for item in value[key] if not _quotes([item], entry_id)]
    return notes.canonical_line(value)


def _quotes(items: object, entry_id: str) -> bool:
    return isinstance(items, list) and any(isinstance(i, dict) and i.get("id") == entry_id for i in items)


def _public_notes(repo: Repo) -> list[ObjectId]:
    from git_session.sharing import pushed_notes

    return [tip for _, tip in pushed_notes(repo)]


def _notes_pushed_to(repo: Repo, fix: notes.NoteFix) -> list[str]:
    """The remotes whose notes hold a note that ``fix`` would change."""
    from git_session.sharing import pushed_notes

    def changes(path: str, content: bytes) -> bool:
        return fix(path, content) != content

    return sorted({remote for remote, tip in pushed_notes(repo) if notes.pushed_versions(repo, [tip], changes)})


def _remotes_holding(ws: Workspace, found: Found, commits: set[ObjectId]) -> list[str]:
    """The remotes that hold (or were sent) any of ``commits``."""
    from git_session.sharing import pushed_tips

    holders = set()
    for remote, tip in pushed_tips(ws.repo, found.handle.ref):
        if ws.repo.has_object(tip) and any(ws.repo.is_ancestor(c, tip) for c in commits):
            holders.add(remote)
    return sorted(holders)


def _commits_quoting(ws: Workspace, found: Found, redacted: Entry) -> list[ObjectId]:
    """The session's linked commits whose message quotes the redacted text: the commit hook
    wrote its objectives and decisions into their trailers, which no redaction here reaches
    (as ``trailers.values_of`` gives them: one line, a secret masked, a leading ``#`` dropped)."""
    values = trailers.values_of(redacted)
    shas = [link.commit for link in ws.store.commit_links(found.handle)]
    known = [ObjectId(s) for s in shas if isinstance(s, str) and ObjectId.is_full(s) and ws.repo.is_commit(ObjectId(s))]
    return [sha for sha in known if _quoted_in(ws.repo.commit(sha).message, values)]


def _quoted_in(message: str, values: set[str]) -> bool:
    """Whether a trailer of the message is one of the values, or the message quotes the
    first 60 characters of one of at least 8 anywhere."""
    flat = " ".join(message.split())
    if any(len(v) >= 8 and v[:60] in flat for v in values):
        return True
    for line in message.splitlines():
        _, colon, value = line.partition(": ")
        value = value.strip().removeprefix("[open] ").removeprefix("[done] ")
        if colon and value in values:
            return True
    return False


def _also_in(ws: Workspace, found: Found, redacted: Entry) -> list[str]:
    """Entries that quote the redacted text (a handoff rendered at the end, say)."""
    text = redacted.text.strip()
    if len(text) < 8:
        return []
    state = ws.store.state(found.handle)
    return [
        f"{e.kind} {ws.short_entry_id(found, e.kind, e.id)}"
        for e in state.entries
        if any(isinstance(v, str) and text in v for v in e.values.values())
    ]
