"""The commits a ``git push`` sends, checked for secrets in their messages (pre-push hook).

Trailers are masked when they are rendered (``trailers.py``), but a message can carry a
secret by other ways: typed by hand, pasted, or committed before the hooks were in. The
pre-push hook checks the messages of every commit the push sends that the remote does
not have (the commits of the pushed ranges, less those on the remote's tracking
branches; for a URL, less those on any remote's), within a time and a count bound: a
hook never hangs a push. It checks too what else the push sends: the messages of the
annotated tags pushed, and session notes and session refs pushed by hand (``git push
origin refs/notes/sessions``, ``--mirror``), scanned as ``git session push`` scans them;
and a session's private layer, which no push sends, stops it too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from git_session import allowlist, secrets, settings, sharing
from git_session.errors import DataError, SessionError, UserError
from git_session.gitrepo import Repo
from git_session.names import NOTES_REF, PRIVATE_PREFIX, SESSIONS_PREFIX, ObjectId
from git_session.remotes import Remote, RemoteView
from git_session.secrets import Finding

MAX_COMMITS = 20_000
TIME_LIMIT = 10.0  # seconds
MODES = ("block", "warn", "off")  # session.pushCheck: what a finding does to the push


@dataclass(frozen=True)
class Checked:
    findings: list[Finding]  # not acknowledged (``git session secrets allow``)
    commits: int  # how many commit messages were checked
    complete: bool  # False when a bound cut the check short
    private: list[str] = field(default_factory=list)  # private layers of sessions pushed (--mirror)


def mode(repo: Repo) -> str:
    value = settings.of(repo).text("pushCheck") or "block"  # git config only: a clone cannot turn it off
    return value if value in MODES else "block"


def check(repo: Repo, remote: str, lines: Iterable[str], clock: Callable[[], float] = time.monotonic) -> Checked:
    """Check the messages of the commits the pushed lines (``<local ref> <local sha>
    <remote ref> <remote sha>``, as git gives them to pre-push) send."""
    pushed = [fields for fields in (line.split() for line in lines) if len(fields) == 4]
    tips, hide = _ranges(repo, pushed)
    tracking = f"refs/remotes/{remote}/" if remote in repo.remote_names() else "refs/remotes/"
    hide += [tip for _, tip in repo.refs_with_prefix(tracking)]
    deadline = clock() + TIME_LIMIT
    count, complete = 0, True

    def messages() -> Iterator[tuple[str, str]]:
        nonlocal count, complete
        yield from _tag_messages(repo, pushed)
        for commit in repo.walk_all(tips, [h for h in hide if repo.has_object(h)], topological=False):
            if count >= MAX_COMMITS or clock() > deadline:
                complete = False
                return
            count += 1
            yield f"the message of commit {commit.id[:12]}", commit.message

    found = secrets.scan(messages())
    allowed = allowlist.Allowed(repo)
    findings = [f for f in found if not allowed.covers(None, f.fingerprint)]
    private = [fields[2] for fields in pushed if fields[1].strip("0") and _private(fields[0], fields[2])]
    try:
        data = _session_data(repo, remote, pushed)
    except SessionError as exc:  # the hook lets the push go on: it was not "stopped", things were sent
        raise DataError(
            f"the sessions and notes pushed could not be checked: {exc.message.removeprefix(sharing.STOPPED)}"
        ) from None
    return Checked(findings + data, count, complete, private)


def _private(ours: str, theirs: str) -> bool:
    """Whether a pushed ref is a session's private layer, which stays on this machine."""
    return ours.startswith(PRIVATE_PREFIX) or theirs.startswith(PRIVATE_PREFIX)


def _ranges(repo: Repo, pushed: Iterable[list[str]]) -> tuple[list[ObjectId], list[ObjectId]]:
    tips: list[ObjectId] = []
    hide: list[ObjectId] = []
    for fields in pushed:
        local, theirs = fields[1], fields[3]
        if local.strip("0"):
            tips += _commit_of(repo, local)
        if theirs.strip("0"):
            hide += _commit_of(repo, theirs)
    return tips, hide


def _commit_of(repo: Repo, oid: str) -> list[ObjectId]:
    """The commit an object is or points to (a tag), if it is here."""
    try:
        return [repo.resolve_commit(oid)] if repo.has_object(oid) else []
    except UserError:
        return []


def _tag_messages(repo: Repo, pushed: Iterable[list[str]]) -> Iterator[tuple[str, str]]:
    """The messages of the annotated tags pushed (and of the tags they point to)."""
    for _, local, _, theirs in pushed:
        if local.strip("0") and local != theirs and repo.has_object(local):
            for name, message in repo.tag_messages(local):
                yield f"the message of tag {name}", message


def _session_data(repo: Repo, remote: str, pushed: Iterable[list[str]]) -> list[Finding]:
    """What session refs and session notes pushed by hand hold: their snapshots, and the
    notes' texts, which no commit message carries (those the remote has left aside)."""
    # The sessions pushed, by name: two lines may give one name two tips (``X:Y`` beside
    # another ref pushed to ``X``), each scanned (a later batch holds the second).
    sessions: list[dict[str, ObjectId]] = [{}]
    # Every notes tip pushed: several lines may (``refs/notes/sessions:refs/notes/archive``
    # and another notes ref to ``refs/notes/sessions``), each scanned.
    notes: dict[ObjectId, None] = {}
    # What the remote has where each goes (the tip of the remote ref of its line: pushed
    # under another name, ``X:Y``, the tip of Y): its history does not leave again.
    sent: dict[str, ObjectId] = {}
    # Those the remote has under their own name: only for them do the copies here and the
    # log of what was sent speak (``git push origin X:Y`` says nothing of the remote's X).
    same: set[str] = set()
    for ours, local, theirs, remote_tip in pushed:
        if not local.strip("0") or not repo.is_commit(local):
            continue
        if NOTES_REF in (ours, theirs):
            notes[ObjectId(local)] = None
            name = NOTES_REF
        elif ours.startswith(SESSIONS_PREFIX) or theirs.startswith(SESSIONS_PREFIX):
            name = ours if ours.startswith(SESSIONS_PREFIX) else theirs
            batch = next((b for b in sessions if b.get(name, local) == local), None)
            if batch is None:
                sessions.append(batch := {})
            batch[name] = ObjectId(local)
        else:
            continue
        if remote_tip.strip("0") and (theirs == name or name not in same):
            sent[name] = ObjectId(remote_tip)
            if theirs == name:
                same.add(name)
    if not sessions[0] and not notes:
        return []
    target = sharing.resolve_remote(repo, remote) if remote in repo.remote_names() else sharing.url_remote(remote)
    view = _view(repo, target, same, sent)
    found: list[tuple[Finding, sharing.OutgoingText]] = []
    tips = [*notes]
    for index in range(max(len(sessions), len(tips))):
        batch = sessions[index] if index < len(sessions) else {}
        leaving = sharing.Outgoing(batch, tips[index] if index < len(tips) else None, view=view)
        found += _scanned(repo, target, leaving, sent)
    return [finding for finding, _ in sharing.shorten_findings(repo, found)[0]] if found else []


def _scanned(
    repo: Repo, remote: Remote, leaving: sharing.Outgoing, sent: Mapping[str, ObjectId]
) -> list[tuple[Finding, sharing.OutgoingText]]:
    """The findings in what leaves. One ref that cannot be scanned (not a session, a file
    too large) does not hide the others' findings: each is then scanned alone, and only
    where none finds anything does the failure stand (the check could not be made)."""
    try:
        return sharing.scan_outgoing(repo, remote, leaving, secrets.scan, sent)
    except SessionError:
        if len(leaving.sessions) + (leaving.notes is not None) < 2:
            raise
        parts = [sharing.Outgoing({name: tip}, None, view=leaving.view) for name, tip in leaving.sessions.items()]
        parts += [sharing.Outgoing({}, leaving.notes, view=leaving.view)] if leaving.notes else []
    found: list[tuple[Finding, sharing.OutgoingText]] = []
    failure: SessionError | None = None
    for part in parts:
        try:
            found += sharing.scan_outgoing(repo, remote, part, secrets.scan, sent)
        except SessionError as exc:
            failure = failure or exc
    if failure is not None and not found:
        raise failure
    return found


def _view(repo: Repo, remote: Remote, same: Iterable[str], theirs: Mapping[str, ObjectId]) -> RemoteView:
    """What the remote has of the session refs and notes pushed, as git told the hook
    (``theirs``: the remote's tip where each goes; ``same``: those it has under their own
    name): the copies here and the log of what was sent are believed only for a ref the
    remote still has (a remote re-pointed or made anew, a session deleted there, or pushed
    under another name: the whole history past that tip leaves, and is scanned). Of its branches git
    tells only those pushed: the remote-tracking branches here stand for the others, as
    they did (the files they hold are not scanned as new, ``sharing.PublicFiles``)."""
    tracking = f"refs/remotes/{remote.name}/"
    branches = [f"refs/heads/{name.removeprefix(tracking)}" for name, _ in repo.refs_with_prefix(tracking)]
    return RemoteView(held={}, had=dict(theirs), present=frozenset(same) | frozenset(branches))
