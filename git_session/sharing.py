"""Sharing sessions through git remotes: fetch, pull, push (SPEC §3, §7).

Transfers run the ``git`` binary, one process each, with explicit refspecs, so every
transport and the user's SSH config and credential helpers work. A remote's copies
land in ``refs/session-remotes/<remote>/sessions/…`` and ``…/notes/sessions``: never
under ``refs/remotes/``, so ``git branch -r`` does not list them and a plain
``git fetch --prune`` leaves them alone. Nothing is force-pushed: a rejected push
fetches, merges and tries again, a bounded number of times.

What leaves is scanned first (``secrets.py``): the operations of every session commit
the remote was not sent before, every file of their checkpoint snapshots, and new note
lines. Private entries live under ``refs/session-private/``, which no refspec here names.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from git_session import gitcli, paths, sessionids
from git_session.errors import (
    Advice,
    Advised,
    ConflictError,
    DataError,
    FileSystemError,
    GitError,
    SessionError,
    UserError,
    file_system_error,
)
from git_session.gitrepo import CommitInfo, Repo, open_data, replace_file
from git_session.model import Op
from git_session.names import NOTES_REF, REMOTE_SESSIONS_PREFIX, SESSIONS_PREFIX, BranchName, ObjectId, SessionRef
from git_session.remotes import TOLERANT as _TOLERANT
from git_session.remotes import Reason as Reason
from git_session.remotes import Remote as Remote
from git_session.remotes import RemoteView, outgoing_notes
from git_session.remotes import leaving as leaving_sessions
from git_session.remotes import porcelain as _porcelain
from git_session.remotes import ref_tips as ref_tips
from git_session.remotes import resolve_remote as resolve_remote
from git_session.remotes import transfer_error as _transfer_error
from git_session.remotes import url_remote as url_remote
from git_session.store import Handle, MergeResult, Store, naming_session

if TYPE_CHECKING:  # the scan's module is imported when something is scanned: a push with
    # nothing new compiles none of its patterns
    from git_session.secrets import Finding

PUSH_ATTEMPTS = 5
EXACT_REFSPECS_UP_TO = 64
SCAN_LIMIT = 16 << 20  # a snapshot file larger than this cannot be scanned: the push stops
STOPPED = "push stopped: "  # how a refused push begins (`git session push` stops; the pre-push check only warns)

# Rejections a fetch, a merge and another try cure: the remote moved on, or another push
# held the ref's lock at that very moment.
_RETRYABLE = ("non-fast-forward", "fetch first", "stale info", "failed to update ref", "cannot lock ref")

Progress = Callable[[str, int, int], None]


def _no_progress(label: str, done: int, total: int) -> None:
    return None


def scan_secrets(texts: Iterable[tuple[str, str]]) -> list[Finding]:
    """``secrets.scan``, its module imported on the first text to scan."""
    from git_session import secrets

    return secrets.scan(texts)


@dataclass
class MergeReport:
    """What a pull did to each session, and the sessions it refused."""

    outcomes: Counter[str] = field(default_factory=Counter)  # "created", "merged", … -> sessions
    skipped: list[str] = field(default_factory=list)  # one line per refused session
    notes: str = "none"  # "none", "up-to-date", "merged", "refused: …"

    def count(self, outcome: str) -> int:
        return self.outcomes[outcome]


@dataclass
class PushReport:
    pushed: list[str] = field(default_factory=list)  # the session refs the remote took
    notes_pushed: bool = False
    merged: MergeReport | None = None  # what was merged after a rejection
    unreadable: dict[str, Reason] = field(default_factory=dict)  # refs that stayed here: why


class SecretsFound(UserError):
    """The push would send secrets: nothing was sent. Each finding is listed with its
    fingerprint, the command that takes it out, and the one that acknowledges it."""

    SHOWN = 10

    def __init__(self, found: list[tuple[Finding, OutgoingText]], short: Mapping[str, str] | None = None) -> None:
        """``short``: session ids as they are shown (the texts' places already are)."""
        first, item = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        advised = [
            Advised(
                Advice.SECRET_ALSO,
                {"what": f.what, "where": f.where, "excerpt": f.excerpt, "fingerprint": f.fingerprint},
            )
            for f, _ in found[1 : self.SHOWN]
        ]
        advised += [Advised(Advice.SECRET_REMOVE, item.remedy_data), Advised(Advice.NOTHING_SENT, {})]
        by_session: dict[str | None, dict[str, None]] = {}
        for finding, text in found[: self.SHOWN]:  # acknowledged in the session it is in (notes: in any)
            by_session.setdefault(text.session, {})[finding.fingerprint] = None
        for session, prints in by_session.items():
            data = {"prints": " ".join(prints), "session": (short or {}).get(session, session) if session else ""}
            advised.append(Advised(Advice.SECRET_ACKNOWLEDGE, data))
        super().__init__(
            f"{STOPPED}{first.what} in {first.where}: {first.excerpt} [{first.fingerprint}]{more}",
            advised=advised,
        )
        self.findings = [f for f, _ in found]


# --- fetch and pull ---------------------------------------------------------------------


def fetch(repo: Repo, remote: Remote, show_progress: bool = False) -> None:
    """Copy the remote's sessions and notes under ``refs/session-remotes/<remote>/``.

    The copies mirror the remote (``--prune`` within these refspecs only); they are
    never merged by this step.
    """
    args = [
        "fetch",
        "--no-tags",
        "--no-write-fetch-head",
        "--no-recurse-submodules",
        "--prune",
        "--refmap=",  # no copies under refs/remotes/ by the remote's own fetch refspecs
        "--progress" if show_progress else "--quiet",
        "--",  # whatever the remote is called, it is never an option
        remote.name,
        f"+{SESSIONS_PREFIX}*:{remote.sessions_prefix}*",
        # A pattern, not the name itself: a remote without notes is not an error.
        f"+{NOTES_REF}*:{remote.notes_ref}*",
    ]
    failure = f"cannot fetch sessions from {remote.name}"
    result = gitcli.run(args, git_dir=repo.git_dir, env=_TOLERANT, check=False, stderr_to_terminal=show_progress)
    if result.returncode == 0:
        return
    # The remote's ref names become file names here: one git cannot write (a folder name
    # too long, say) fails the whole fetch. Those that name no session are left out, and
    # the others fetched again (not when the remote itself failed: it is not asked twice).
    local = result.stderr is None or "cannot lock ref" in result.stderr
    foreign = [f"^{name}" for name in _remote_refs(repo, remote) if not _is_ours(name)] if local else []
    if not foreign:
        raise _transfer_error(failure, result.stderr)
    _transfer(repo, [*args, *foreign], show_progress, failure)


def _remote_refs(repo: Repo, remote: Remote) -> list[str]:
    """The names of the remote's refs that the fetch refspecs match (none if it cannot say)."""
    args = ["ls-remote", "--refs", "--", remote.name, f"{SESSIONS_PREFIX}*", f"{NOTES_REF}*"]
    result = gitcli.run(args, git_dir=repo.git_dir, env=_TOLERANT, check=False)
    names = (line.partition("\t")[2] for line in (result.stdout if result.returncode == 0 else "").splitlines())
    return [name for name in names if name.startswith((SESSIONS_PREFIX, NOTES_REF))]


def _is_ours(name: str) -> bool:
    """Whether a remote ref names a session, or the notes, as git-session names them."""
    if name == NOTES_REF:
        return True
    try:
        SessionRef.of(name)
    except UserError:
        return False
    return True


def fetched_copies(store: Store) -> list[tuple[str, Handle]]:
    """Every session copy fetched from any remote, by the folder of its remote under
    ``refs/session-remotes/`` (a remote's name, escaped), each named by the local ref it
    would merge into."""
    names = store.repo.ref_names(REMOTE_SESSIONS_PREFIX)
    keys = sorted({n.removeprefix(REMOTE_SESSIONS_PREFIX).split("/", 1)[0] for n in names if "/sessions/" in n})
    return [(key, h) for key in keys for h in store.handles(f"{REMOTE_SESSIONS_PREFIX}{key}/sessions/")]


def copy_fetched(store: Store, handle: Handle) -> str:
    """Merge one fetched copy into the local sessions, validated as ``pull`` validates it;
    the outcome ("created", "fast-forward", ...)."""
    _check_filed(store, handle.ref, handle.tip)
    return store.merge(handle.ref, handle.tip).outcome


def merge_remote(repo: Repo, remote: Remote, progress: Progress = _no_progress) -> MergeReport:
    """Merge every session copied from the remote into ours, and the notes.

    Each session is validated before it is merged (``Store.merged``): only the commits
    ours lacks are read, and a copy whose tip is ours already is not read at all. One that
    is not valid is reported and skipped, and the others go on. The session refs then
    move together, by compare-and-swap (``_move_refs``).
    """
    store = Store(repo)
    report = MergeReport()
    tips = ref_tips(repo, [remote.sessions_prefix, SESSIONS_PREFIX])  # one for-each-ref for both
    copies = {name: tip for name, tip in tips.items() if name.startswith(remote.sessions_prefix)}
    ours = {name: tip for name, tip in tips.items() if name.startswith(SESSIONS_PREFIX)}
    planned: dict[SessionRef, tuple[ObjectId, ObjectId | None, str]] = {}  # ref -> (new, old, outcome)
    with repo.packed_writes():  # the merge commits and their trees: one pack, not a file each
        for done, (name, tip) in enumerate(sorted(copies.items()), 1):
            progress("Merging sessions", done, len(copies))
            try:
                ref = SessionRef.of(remote.local_ref(name))
            except UserError:
                report.skipped.append(f"{name}: not a session ref")
                continue
            current = ours.get(ref)
            try:
                result = _merged(store, ref, tip, current)
            except (DataError, UserError) as exc:
                named = exc.message.startswith(f"session {ref.session_id}")
                report.skipped.append(exc.message if named else f"session {ref.session_id}: {exc.message}")
                continue
            if result.tip == current:
                report.outcomes[result.outcome] += 1
            else:
                planned[ref] = (result.tip, current, result.outcome)
    stayed = _move_refs(repo, planned)
    for ref, (_, _, outcome) in planned.items():
        if ref in stayed:  # it moved meanwhile (or could not be written): merged again, on its own
            _merge_one(store, ref, copies[remote.copy_ref(ref)], report)
        else:
            report.outcomes[outcome] += 1
    report.notes = _merge_notes(repo, remote)
    return report


def _merge_one(store: Store, ref: SessionRef, tip: ObjectId, report: MergeReport) -> None:
    """Merge one fetched tip by ``Store.merge`` (compare-and-swap, retried), into ``report``."""
    try:
        _check_filed(store, ref, tip)
        outcome = store.merge(ref, tip).outcome
    except (DataError, UserError) as exc:
        named = exc.message.startswith(f"session {ref.session_id}")
        report.skipped.append(exc.message if named else f"session {ref.session_id}: {exc.message}")
        return
    report.outcomes[outcome] += 1


def _move_refs(repo: Repo, planned: Mapping[SessionRef, tuple[ObjectId, ObjectId | None, str]]) -> set[SessionRef]:
    """Move the session refs, each from the tip it was merged on (absent: created). The new
    sessions are written in one piece into ``packed-refs`` (``Repo.create_packed_refs``:
    no loose file, lock and reflog each, most of what 1,000 new sessions cost), those it
    leaves in one ``git update-ref --stdin`` transaction, the others in another: all of
    a transaction's refs move, or none (one moved meanwhile). The moved sessions' reflogs
    are kept, as every write of a session keeps them. Returns the refs that did not move."""
    created: dict[str, ObjectId] = {ref: new for ref, (new, old, _) in planned.items() if old is None}
    left = repo.create_packed_refs(created) if created else set()
    if len(left) < len(created):
        sessionids.session_added(repo)
    stayed: set[SessionRef] = set()
    for creating, message in ((True, "git-session: copy"), (False, "git-session: merge")):
        batch = {
            ref: (new, old)
            for ref, (new, old, _) in planned.items()
            if (old is None) == creating and (not creating or ref in left)
        }
        if not batch:
            continue
        commands = "".join(
            f"create {ref} {new}\n" if old is None else f"update {ref} {new} {old}\n"
            for ref, (new, old) in sorted(batch.items())
        )
        if not gitcli.ref_transaction(commands, git_dir=repo.git_dir, message=message):
            stayed.update(batch)
        if creating:
            sessionids.session_added(repo)
    return stayed


def _merged(store: Store, ref: SessionRef, tip: ObjectId, current: ObjectId | None) -> MergeResult:
    """What merging one fetched tip into the session at ``current`` makes, validated."""
    if tip == current:  # ours already: nothing of it to read
        return MergeResult("up-to-date", tip)
    if current is None:  # its fields are known once its state is checked: not read again
        result = store.merged(ref, tip, current)
        _check_filed(store, ref, tip)
        return result
    _check_filed(store, ref, tip)
    return store.merged(ref, tip, current)


def _check_filed(store: Store, ref: SessionRef, tip: ObjectId) -> None:
    """A session is filed under its own branch's key: never slipped in under another's."""
    meta = store.meta(Handle(ref, tip))
    if BranchName(meta.branch).key() != ref.branch_key:
        raise DataError(f"session {ref.session_id}: filed under another branch than its own ({meta.branch!r})")


def _merge_notes(repo: Repo, remote: Remote) -> str:
    from git_session import notes

    try:
        theirs = repo.ref_target(remote.notes_ref)
    except DataError as exc:
        return f"refused: {exc.message}"
    if theirs is None:
        return "none"
    if not repo.is_commit(theirs):
        return f"refused: the remote's {NOTES_REF} ({theirs[:12]}) is not a notes commit"
    ours = repo.ref_target(NOTES_REF)
    try:
        if ours is not None and repo.is_ancestor(theirs, ours):
            return "up-to-date"
        notes.merge_notes(repo, theirs)
    except (DataError, UserError) as exc:
        return f"refused: {exc.message}"
    return "merged"


def pull(repo: Repo, remote: Remote, show_progress: bool = False, progress: Progress = _no_progress) -> MergeReport:
    """Fetch, then merge: when this returns, the session refs (and notes) have moved, all
    at once; what must follow a pull goes right after ``merge_remote``."""
    fetch(repo, remote, show_progress)
    report = merge_remote(repo, remote, progress)
    return report


# --- push -------------------------------------------------------------------------------


def push(
    repo: Repo,
    remote: Remote,
    scan: Callable[[Iterable[tuple[str, str]]], list[Finding]],
    show_progress: bool = False,
    progress: Progress = _no_progress,
    prefixes: Sequence[str] = (SESSIONS_PREFIX,),
    leased: bool = False,
) -> PushReport:
    """Push the sessions under ``prefixes`` (by default all) and the notes, never forcing.

    What would leave is scanned first; a finding stops the push before anything is
    sent. A rejection (the remote moved on) fetches, merges and tries again.
    ``leased``: first try the one-connection push of ``_push_leased`` (the pre-push hook's).
    """
    if leased:
        report = PushReport()
        if _push_leased(repo, remote, report, prefixes, scan):
            return report
    report = PushReport()
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        leaving = _scanned(repo, remote, prefixes, scan)
        if not leaving.sessions and leaving.notes is None:  # nothing changed since the last push
            report.unreadable = leaving.unreadable
            return report
        report.unreadable = leaving.unreadable
        rejected = _push_once(repo, remote, report, show_progress, prefixes, leaving, scan)
        if not rejected:
            return report
        if attempt < PUSH_ATTEMPTS:
            time.sleep(random.uniform(0, 0.05 * attempt))  # two pushers out of step
            report.merged = pull(repo, remote, show_progress, progress)
    raise GitError(
        f"the remote {remote.name} kept rejecting the push ({PUSH_ATTEMPTS} attempts): {rejected[0]}",
        advice=Advice.PUSH_LATER,
        data={"remote": remote.name},
    )


@dataclass
class Reads:
    """What the looks of one push read of each session that would leave: why its commits
    cannot be read, or those commits with their operations, which the scan then takes from
    here instead of reading them again (the same commits, hiding the same tips)."""

    verdicts: dict[tuple[str, ObjectId, tuple[ObjectId, ...]], Reason | None] = field(default_factory=dict)
    commits: dict[tuple[ObjectId, tuple[ObjectId, ...]], list[tuple[CommitInfo, list[Op]]]] = field(
        default_factory=dict
    )


@dataclass(frozen=True)
class Outgoing:
    """The tips a push would send: the sessions whose tip the remote's copy lacks, and the
    notes if they moved on."""

    sessions: dict[str, ObjectId]
    notes: ObjectId | None
    unreadable: dict[str, Reason] = field(default_factory=dict)  # ref -> why it stays here
    # The remote's copies as read with the tips (copy ref -> tip); None: not read, each is
    # looked up when needed.
    copies: dict[str, ObjectId] | None = None
    # What the remote said it has (``RemoteView.ask``); None: its copies here are taken at
    # their word (a push by hand, checked by its pre-push hook, which git gave the remote's tips).
    view: RemoteView | None = None

    @classmethod
    def of(
        cls,
        repo: Repo,
        remote: Remote,
        prefixes: Sequence[str],
        reads: Reads | None = None,
        view: RemoteView | None = None,
    ) -> Outgoing:
        """What would leave; a session (or the notes) that cannot be read stays, and says why.

        A session whose tip the remote holds does not leave: a push after a push reads no
        commit. What it holds is asked of it (``RemoteView.ask``: one ``git push --dry-run``,
        as ``git push`` itself asks) unless ``view`` says it already; the copies here only
        say what it had when they were written. ``reads``: what earlier looks read, kept (the
        same commits, hiding the same tips, read the same), and added to.
        """
        tips = ref_tips(repo, [*prefixes, remote.sessions_prefix, NOTES_REF])
        view = RemoteView.ask(repo, remote, prefixes, tips) if view is None else view
        pushed = pushed_log(repo, remote).tips()
        sessions = leaving_sessions(tips, view, prefixes)
        reads = Reads() if reads is None else reads
        unreadable = {}
        for name, tip in sessions.items():
            hide = _hidden(repo, remote, name, pushed, copies=tips, view=view)
            key = (name, tip, tuple(hide))
            if key not in reads.verdicts:
                reads.verdicts[key] = _unreadable(repo, hide, name, tip, reads)
            problem = reads.verdicts[key]
            if problem is not None:
                unreadable[name] = problem
        notes, problem = outgoing_notes(repo, remote, view)
        if problem is not None:
            unreadable[NOTES_REF] = problem
        readable = {name: tip for name, tip in sessions.items() if name not in unreadable}
        copies = {name: tip for name, tip in tips.items() if name.startswith(remote.sessions_prefix)}
        return cls(readable, notes, unreadable, copies, view)


def _hidden(
    repo: Repo,
    remote: Remote,
    name: str,
    pushed: Mapping[str, list[ObjectId]],
    also: ObjectId | None = None,
    copies: Mapping[str, ObjectId] | None = None,
    view: RemoteView | None = None,
) -> list[ObjectId]:
    """The tips of ``name`` the remote has, or was sent: their history does not leave again.
    ``copies``: the remote's copies as read with the tips (else the copy is looked up).
    ``view``: what the remote said; its copy here and the log of what was sent to it are
    believed only while it still has the ref (a remote made anew, or the session deleted
    there, is sent, and scanned, in full)."""
    copy = remote.copy_ref(name)
    recorded = [repo.ref_target(copy) if copies is None else copies.get(copy), *pushed.get(name, [])]
    if view is None:
        known = [*recorded, also]
    else:
        # Where the remote said its tip (and it is here), that tip is what it has: a copy or
        # a log ahead of it (a remote re-pointed to an older one) is history it lacks.
        had = view.had.get(name)
        trusted = name in view.present and (had is None or not repo.has_object(had))
        known = [had, also, *(recorded if trusted else [])]
    return [k for k in known if k is not None and repo.has_object(k)]


def _unreadable(repo: Repo, hide: list[ObjectId], name: str, tip: ObjectId, reads: Reads) -> Reason | None:
    """Why the commits of ``name`` that would leave cannot be read, if they cannot (if they
    can, they are kept in ``reads``, with their operations)."""
    store = Store(repo)
    session_id = name.rsplit("/", 1)[1]
    try:
        with naming_session(session_id):
            read = [(commit, store.commit_ops(commit, session_id)) for commit in repo.walk(tip, hide)]
    except DataError as exc:
        return Reason(exc.message)
    reads.commits[(tip, tuple(hide))] = read
    return None


def _scanned(
    repo: Repo, remote: Remote, prefixes: Sequence[str], scan: Callable[[Iterable[tuple[str, str]]], list[Finding]]
) -> Outgoing:
    """Scan what would leave, again if a session moved meanwhile, until the tips read before
    and after a scan agree (a session read once is not read again, to scan it or to say that)."""
    reads = Reads()
    leaving = Outgoing.of(repo, remote, prefixes, reads)
    for _ in range(PUSH_ATTEMPTS):
        if not leaving.sessions and leaving.notes is None:
            return leaving  # nothing to scan, nor to read twice
        found = scan_outgoing(repo, remote, leaving, scan, reads=reads)
        if found:
            raise SecretsFound(*shorten_findings(repo, found))
        again = Outgoing.of(repo, remote, prefixes, reads, leaving.view)  # the remote asked once
        if again == leaving:
            return leaving
        leaving = again
    raise ConflictError("the sessions kept changing while they were scanned", "push again when they settle")


def _push_once(
    repo: Repo,
    remote: Remote,
    report: PushReport,
    show_progress: bool,
    prefixes: Sequence[str],
    leaving: Outgoing,
    scan: Callable[[Iterable[tuple[str, str]]], list[Finding]],
) -> list[str]:
    """One ``git push``; records what the remote took and returns the rejections that a
    merge can cure (anything else is an error).

    The sessions that changed go by exact refspecs (``<scanned tip>:<ref>``), so that what
    leaves is what was scanned. Past ``EXACT_REFSPECS_UP_TO`` of them (a first push of
    many sessions) they go by pattern: git matches explicit refspecs against every ref,
    0.6 s more for 1,000. Then a session written between the scan and git reading its
    refs (milliseconds) would leave unscanned: it is scanned right after, and reported.
    """
    if not leaving.sessions and leaving.notes is None:
        return []
    # A pattern would send the sessions that stay here for being unreadable too.
    stays = any(ref.startswith(SESSIONS_PREFIX) for ref in leaving.unreadable)
    exact = len(leaving.sessions) <= EXACT_REFSPECS_UP_TO or stays
    if exact:
        refspecs = [f"{tip}:{name}" for name, tip in sorted(leaving.sessions.items())]
    else:
        refspecs = [f"{prefix}*:{prefix}*" for prefix in prefixes]
    refspecs += [f"{leaving.notes}:{NOTES_REF}"] if leaving.notes else []
    # Not --quiet: it silences the porcelain lines too. Without a terminal, stderr is captured.
    args = ["push", "--porcelain", "--no-verify", *(["--progress"] if show_progress else []), "--", remote.name]
    result = gitcli.run(
        [*args, *refspecs], git_dir=repo.git_dir, env=_TOLERANT, check=False, stderr_to_terminal=show_progress
    )
    statuses = list(_porcelain(result.stdout))
    if result.returncode != 0 and not statuses:
        raise _transfer_error(f"cannot push sessions to {remote.name}", result.stderr)
    curable, fatal = _took(repo, remote, report, leaving, statuses, exact, scan)
    if fatal:
        raise GitError(f"the remote {remote.name} refused the push: {fatal[0]}", "nothing was forced")
    return curable


def _took(
    repo: Repo,
    remote: Remote,
    report: PushReport,
    leaving: Outgoing,
    statuses: Iterable[tuple[str, str, str]],
    exact: bool,
    scan: Callable[[Iterable[tuple[str, str]]], list[Finding]],
) -> tuple[list[str], list[str]]:
    """Note what the remote took (``statuses``: the push's porcelain lines), in the report,
    the log of what was sent and the remote's copies here; return the rejections a merge
    can cure, and the others."""
    curable: list[str] = []
    fatal: list[str] = []
    sent: dict[str, ObjectId | None] = {}
    held: dict[str, ObjectId] = {}  # what the remote had already
    for flag, ref, summary in statuses:
        if flag == "!":
            retryable = any(reason in summary for reason in _RETRYABLE)  # "[rejected] (fetch first)"
            (curable if retryable else fatal).append(f"{ref}: {summary}")
        elif ref == NOTES_REF and leaving.notes:
            report.notes_pushed = report.notes_pushed or flag != "="
            repo.cas_ref(remote.notes_ref, leaving.notes, repo.ref_target(remote.notes_ref), "git-session: pushed")
        elif flag != "=":
            report.pushed.append(ref)
            sent[ref] = leaving.sessions.get(ref)
        elif leaving.sessions.get(ref):
            held[ref] = leaving.sessions[ref]
    if exact:
        taken = {ref: tip for ref, tip in sent.items() if tip is not None}
        pushed_log(repo, remote).add(taken)
    else:
        taken = _record_sent(repo, remote, leaving, sent, scan)
    # (a session that moved while git pushed: which tip left is not known, so no copy says)
    taken_now = {ref: tip for ref, tip in taken.items() if sent.get(ref) == tip}
    _mirror(repo, remote, {**held, **taken_now}, leaving.copies or {})
    return curable, fatal


def _push_leased(
    repo: Repo,
    remote: Remote,
    report: PushReport,
    prefixes: Sequence[str],
    scan: Callable[[Iterable[tuple[str, str]]], list[Finding]],
) -> bool:
    """The push in one connection (no ``git push --dry-run`` first), when the copies here
    are right; ``False`` when it did not go (nothing was sent that was not scanned): the
    push then runs as always, asking the remote first.

    What the remote has is taken from the copies (``_copies_view``), what leaves is scanned
    against that, and the push makes the remote prove it: ``git push --atomic`` with a lease
    on every session under ``prefixes`` and on the notes (``--force-with-lease=<ref>:<copy>``,
    empty where there is no copy: the ref must not be there). Where any ref is not where
    its copy says, git rejects it before sending anything, and ``--atomic`` sends nothing
    at all to that URL. A lease allows what a plain push refuses only where the remote is
    at the copy, and every tip pushed descends from its copy: no ref is ever forced.

    Not tried (``False`` at once) where the copies cannot be held to: a session or the
    notes not descending from its copy, a copy at a missing object, a ref that cannot be
    read, a snapshot leaving (the files the remote has are those of its branches, which
    only a dry run asks), a finding (the push as always finds and says it), a session that
    moved during the scan."""
    tips = ref_tips(repo, [*prefixes, remote.sessions_prefix, NOTES_REF])
    view = _copies_view(repo, remote, prefixes, tips)
    if view is None:
        return False
    reads = Reads()
    leaving = Outgoing.of(repo, remote, prefixes, reads, view)
    if leaving.unreadable or any(_snapshot(op) for read in reads.commits.values() for _, ops in read for op in ops):
        return False
    try:
        if (leaving.sessions or leaving.notes) and scan_outgoing(repo, remote, leaving, scan, reads=reads):
            return False
    except SessionError:  # (a file too large to scan): said as always, if the remote lacks it
        return False
    if Outgoing.of(repo, remote, prefixes, reads, view) != leaving:
        return False
    # Besides what leaves (scanned), only what the remote holds as its copy says: a ref read
    # before and gone by the scan's read (deleted meanwhile) was never scanned.
    ours = {name: tip for name, tip in view.held.items() if name != NOTES_REF}
    notes = leaving.notes or view.held.get(NOTES_REF)
    refs = {**ours, **leaving.sessions, **({NOTES_REF: notes} if notes else {})}
    if not refs:  # nothing of ours there (and git pushes what push.default says without refspecs)
        return True
    copies = {**view.held, **view.had}  # each ref's copy (none: it must not be there)
    # What leaves descends from the copy (a ref moved since the copies were read too): the
    # lease then allows nothing a plain push would not.
    if any(
        copies.get(name) not in (None, tip) and not repo.is_ancestor(copies[name], tip) for name, tip in refs.items()
    ):
        return False
    leases = [f"--force-with-lease={name}:{copies.get(name) or ''}" for name in sorted(refs)]
    refspecs = [f"{tip}:{name}" for name, tip in sorted(refs.items())]
    args = ["push", "--atomic", "--porcelain", "--no-verify", *leases, "--", remote.name, *refspecs]
    result = gitcli.run(args, git_dir=repo.git_dir, env=_TOLERANT, check=False)
    statuses = list(_porcelain(result.stdout))
    if result.returncode != 0 or not statuses or any(flag == "!" for flag, _, _ in statuses):
        return False  # (at one of several push URLs, the others may have taken it: asked again)
    _took(repo, remote, report, leaving, statuses, True, scan)
    return True


def _copies_view(
    repo: Repo, remote: Remote, prefixes: Sequence[str], tips: Mapping[str, ObjectId]
) -> RemoteView | None:
    """What the remote has, as its copies here say (``tips``: the sessions' and their
    copies'), to be proved by the push's leases (``_push_leased``); ``None`` where a copy
    cannot be held to: a tip that does not descend from its copy, a copy at an object not
    here, the notes' copy damaged."""
    try:
        notes_copy = repo.ref_target(remote.notes_ref)
    except DataError:
        return None
    pairs = [
        (name, tip, tips.get(remote.copy_ref(name))) for name, tip in tips.items() if name.startswith(tuple(prefixes))
    ]
    if NOTES_REF in tips:
        pairs.append((NOTES_REF, tips[NOTES_REF], notes_copy))
    held, had = {}, {}
    for name, tip, copy in pairs:
        if copy is None:
            continue
        try:  # (a tip at a missing object, lost to gc: the push as always leaves it here)
            if not repo.is_commit(copy) or not repo.is_ancestor(copy, tip):
                return None
        except DataError:
            return None
        if copy == tip:
            held[name] = tip
        else:
            had[name] = copy
    return RemoteView(held=held, had=had, present=frozenset([*held, *had]))


def _snapshot(op: Op) -> bool:
    """Whether an operation records a snapshot (its files are scanned against the remote's branches)."""
    fields = op.data.get("fields")
    return isinstance(fields, dict) and "snapshot" in fields


def _record_sent(
    repo: Repo,
    remote: Remote,
    leaving: Outgoing,
    sent: dict[str, ObjectId | None],
    scan: Callable[[Iterable[tuple[str, str]]], list[Finding]],
) -> dict[str, ObjectId]:
    """After a push by pattern: note the tips the remote took (and return them), and scan
    any session that moved during the push (git sent its newer tip, or the one scanned)."""
    current = {ref: repo.ref_target(ref) for ref in sent}
    moved = {ref: tip for ref, tip in current.items() if tip is not None and tip != sent[ref]}
    if moved:
        found = scan_outgoing(
            repo,
            remote,
            Outgoing(moved, None, copies=leaving.copies, view=leaving.view),
            scan,
            also_sent=leaving.sessions,
        )
        if found:
            first = shorten_findings(repo, found)[0][0][0]
            raise UserError(
                f"a session written during the push left with it, holding {first.what} in {first.where}",
                "the remote has it now: revoke or rotate that secret",
            )
    taken = {ref: tip for ref, tip in current.items() if tip is not None}
    pushed_log(repo, remote).add(taken)
    return taken


def _mirror(repo: Repo, remote: Remote, held: Mapping[str, ObjectId], copies: Mapping[str, ObjectId]) -> None:
    """The remote's copies of the sessions it holds now, as a fetch would have set them (one
    transaction, each copy compared with what it was before the push: a fetch that set one
    meanwhile is never undone): the next push compares with them and sends nothing it has.
    A copy that cannot be written only costs that push a look at the session again."""
    lines = "".join(
        f"update {remote.copy_ref(ref)} {tip} {copies.get(remote.copy_ref(ref), _ABSENT)}\n"
        for ref, tip in sorted(held.items())
    )
    if lines:  # (a copy made a symbolic ref by hand is replaced, never written through onto the session)
        gitcli.ref_transaction(lines, git_dir=repo.git_dir)


_ABSENT = "0" * 40  # update-ref's old value for "the ref must not exist yet"


class PushedLog:
    """The session tips pushed to a remote, one ``<tip> <ref>`` line each, appended after
    every push: the next scan skips what has left already, and ``redact`` knows what
    cannot be taken back. (One file write per push; a ref per session would cost a
    file per session, as much as the transfer itself.)"""

    COMPACT_AT = 1 << 20

    def __init__(self, path: str) -> None:
        self.path = path

    def tips(self) -> dict[str, list[ObjectId]]:
        found: dict[str, list[ObjectId]] = {}
        with contextlib.suppress(FileNotFoundError), open_data(self.path) as handle:
            for line in handle.read().decode("utf-8", "replace").splitlines():
                tip, _, ref = line.rstrip("\n").partition(" ")
                if ObjectId.is_sha1(tip) and ref.startswith(SESSIONS_PREFIX):
                    found.setdefault(ref, []).append(ObjectId(tip))
        return found

    def add(self, taken: dict[str, ObjectId]) -> None:
        if not taken:
            return
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write("".join(f"{tip} {ref}\n" for ref, tip in sorted(taken.items())))
        except OSError as exc:
            error = file_system_error(exc, "note what was pushed in")
            raise FileSystemError(f"the push went through, but {error.message}", error.hint) from None
        if os.path.getsize(self.path) > self.COMPACT_AT:
            self._compact()

    def _compact(self) -> None:
        """Keep the last tip of each ref (a line appended meanwhile by another push may be
        lost: its commits are then scanned once more, nothing worse)."""
        lines = "".join(f"{tips[-1]} {ref}\n" for ref, tips in sorted(self.tips().items()))
        with contextlib.suppress(OSError):  # the log only stays longer
            replace_file(self.path, lines.encode("utf-8"))


def pushed_log(repo: Repo, remote: Remote) -> PushedLog:
    return PushedLog(os.path.join(_pushed_folder(repo), remote.key))


def pushed_tips(repo: Repo, ref: str) -> Iterator[tuple[str, ObjectId]]:
    """(remote, tip) for every tip of ``ref`` that any remote was sent or is known to hold."""
    suffix = "/sessions/" + ref.removeprefix(SESSIONS_PREFIX)
    for name, tip in repo.refs_with_prefix(REMOTE_SESSIONS_PREFIX):
        key = name.removeprefix(REMOTE_SESSIONS_PREFIX).removesuffix(suffix)
        if name.endswith(suffix) and "/" not in key:
            yield _unescape(key), tip
    with contextlib.suppress(FileNotFoundError):
        for key in os.listdir(_pushed_folder(repo)):
            for tip in PushedLog(os.path.join(_pushed_folder(repo), key)).tips().get(ref, []):
                yield _unescape(key), tip


def pushed_notes(repo: Repo) -> Iterator[tuple[str, ObjectId]]:
    """(remote, notes tip) for every remote whose notes are known: fetched, or pushed there."""
    for name, tip in repo.refs_with_prefix(REMOTE_SESSIONS_PREFIX):
        key, _, rest = name.removeprefix(REMOTE_SESSIONS_PREFIX).partition("/")
        if rest == "notes/sessions":
            yield _unescape(key), tip


def _unescape(key: str) -> str:
    return key.replace("%2F", "/").replace("%25", "%")


def _pushed_folder(repo: Repo) -> str:
    return str(paths.pushed_folder(repo))


# --- what would leave -------------------------------------------------------------------

MERGE_BASES_AT_MOST = 64  # remote-tracking branches a snapshot is compared with


@dataclass(frozen=True)
class OutgoingText:
    """A text a push would send: where it is, the session whose acknowledged findings
    apply (``None``: the notes, where every session's do), and what takes it out."""

    where: str
    text: str
    session: str | None
    remedy: Advised

    @property
    def remedy_data(self) -> dict[str, str]:
        return remedy_data(self.remedy)


def shorten_findings(
    repo: Repo, found: list[tuple[Finding, OutgoingText]]
) -> tuple[list[tuple[Finding, OutgoingText]], dict[str, str]]:
    """The findings with the ids in their places and remedies shown as everywhere else: a
    session as the shortest prefix no other session here shares, an entry as the shortest
    that no other entry of its session shares (``redact`` resolves it among all of them).
    Worked out for the findings only: a push without one reads no entry ids."""
    from git_session.model import ENTRY_KINDS
    from git_session.sessions import abbreviate, short_among

    store = Store(repo)
    handles: dict[str, Handle] = {h.id: h for h in store.handles()}
    session_ids = store.session_ids()
    short: dict[str, str] = {}
    for _, item in found:
        if item.session and item.session not in short:
            short[item.session] = short_among(session_ids, item.session)
            handle = handles.get(item.session)
            if handle is not None:
                try:
                    ids = [i for kind in ENTRY_KINDS for i in store.entry_ids(handle, kind, private=True)]
                except SessionError:  # unreadable: its entries keep their whole ids
                    ids = []
                wanted = {str(item.remedy.data.get("entry")) for _, item in found if item.session == handle.id}
                short.update(abbreviate(ids, only=wanted))

    def cut(text: str) -> str:
        for whole, prefix in short.items():
            text = text.replace(whole, prefix)
        return text

    shortened = [
        (
            dataclasses.replace(finding, where=cut(finding.where)),
            OutgoingText(
                cut(item.where),
                item.text,
                item.session,
                Advised(item.remedy.advice, {k: cut(str(v)) for k, v in item.remedy.data.items()}),
            ),
        )
        for finding, item in found
    ]
    return shortened, short


def remedy_data(remedy: Advised) -> dict[str, str]:
    """A remedy as the data of the advice that names it (``remedy``: which one)."""
    return {**remedy.data, "remedy": remedy.advice.value}


def outgoing_texts(
    repo: Repo,
    remote: Remote,
    leaving: Outgoing,
    also_sent: Mapping[str, ObjectId] | None = None,
    reads: Reads | None = None,
) -> Iterator[OutgoingText]:
    """Everything in ``leaving`` that the remote was not sent before: the session commits'
    subjects and operations (texts, authors, agents), every file and symlink of their
    snapshots the remote does not have already, and every notes commit it lacks. The
    commits ``reads`` holds are taken from it."""
    store = Store(repo)
    seen: set[object] = set()
    pushed = pushed_log(repo, remote).tips()
    public = PublicFiles(repo, remote, leaving.view)
    for name, tip in sorted(leaving.sessions.items()):
        session_id = name.rsplit("/", 1)[1]
        hide = _hidden(repo, remote, name, pushed, (also_sent or {}).get(name), leaving.copies, leaving.view)
        read = reads.commits.get((tip, tuple(hide))) if reads is not None else None
        for commit, ops in _decoded(store, session_id, tip, hide) if read is None else read:
            for op in ops:
                yield from _op_texts(repo, session_id, op, seen, public)
            remedy = Advised(Advice.REDACT_COMMIT, {"session": session_id})
            subject = commit.message.partition("\n")[0]
            yield OutgoingText(f"session {session_id}, a commit's subject", subject, session_id, remedy)
    if leaving.notes:
        yield from _note_texts(repo, remote, leaving.notes, (also_sent or {}).get(NOTES_REF), leaving.view)


def _decoded(
    store: Store, session_id: str, tip: ObjectId, hide: list[ObjectId]
) -> Iterator[tuple[CommitInfo, list[Op]]]:
    """The commits of ``tip`` not reachable from ``hide``, each with its operations."""
    for commit in store.repo.walk(tip, hide):
        try:
            ops = store.commit_ops(commit, session_id)
        except DataError as exc:  # what cannot be read cannot be scanned: it does not leave
            raise DataError(f"{STOPPED}{exc.message}", "nothing was sent") from None
        yield commit, ops


def _op_texts(repo: Repo, session_id: str, op: Op, seen: set[object], public: PublicFiles) -> Iterator[OutgoingText]:
    data = op.data
    fields = data.get("fields") or {}
    if op.action in ("add", "update"):
        kind, entry = str(data.get("kind", "entry")), str(data.get("entry", op.id))
        where = f"session {session_id}, {kind} {entry}"
        remedy = Advised(Advice.REDACT_ENTRY, {"entry": entry, "session": session_id})
    else:
        where = f"session {session_id}, its fields"
        remedy = Advised(Advice.ROTATE_FIELD, {})
    texts = [(name, value) for name, value in fields.items()] + [("author", op.author), ("agent", op.agent)]
    for name, value in texts:
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and text:
                yield OutgoingText(f"{where} ({name})", text, session_id, remedy)
    snapshot, head = fields.get("snapshot"), fields.get("commit")
    if isinstance(snapshot, str) and repo.is_tree(snapshot):
        # Every file of the snapshot the remote lacks: the commit it was taken on may never have been pushed.
        files = public.new_files(ObjectId(snapshot), ObjectId(head) if isinstance(head, str) else None)
        for path, text in _file_texts(repo, files, f"{where} (file {{}})", seen, remedy):
            yield OutgoingText(path, text, session_id, remedy)


class PublicFiles:
    """What the remote has of the repository's files already: the trees of the commits
    its remote-tracking branches (``refs/remotes/<remote>/*``) hold. A snapshot's file
    that one of them has byte for byte leaves nothing new (a lockfile, a checksum file);
    of a file they have another version of, only the lines they lack are new.

    A snapshot is compared with the commits where its HEAD meets those branches (their
    merge bases: what HEAD shares with the remote), cheap tree comparisons."""

    def __init__(self, repo: Repo, remote: Remote, view: RemoteView | None = None) -> None:
        self.repo = repo
        configured = remote.name in repo.remote_names()
        tracking = f"refs/remotes/{remote.name}/"
        refs = repo.refs_with_prefix(tracking) if configured else []
        if view is not None:  # only the branches the remote said it has (a stale copy is no answer)
            refs = [(name, tip) for name, tip in refs if f"refs/heads/{name.removeprefix(tracking)}" in view.present]
        self.tips = list(dict.fromkeys(tip for _, tip in refs))[:MERGE_BASES_AT_MOST]
        self._bases: dict[ObjectId | None, list[ObjectId]] = {}

    def bases(self, head: ObjectId | None) -> list[ObjectId]:
        """The trees of the commits the remote has that are closest to ``head``."""
        if head not in self._bases:
            known = head is not None and self.repo.has_object(head)
            commits = [self.repo.merge_base(head, tip) for tip in self.tips] if known and head else self.tips
            trees = [self.repo.commit(c).tree for c in dict.fromkeys(c for c in commits if c is not None)]
            self._bases[head] = list(dict.fromkeys(trees))
        return self._bases[head]

    def new_files(
        self, snapshot: ObjectId, head: ObjectId | None
    ) -> Iterator[tuple[str, ObjectId, tuple[ObjectId, ...]]]:
        """(path, blob, the blobs the remote has at that path) of each file of the snapshot
        that no base has byte for byte."""
        bases = self.bases(head)
        changed: set[tuple[str, ObjectId]] | None = None
        for base in bases:
            differ = set(self.repo.changed_blobs(base, snapshot, links=True))
            changed = differ if changed is None else changed & differ
        for path, blob in self.repo.changed_blobs(None, snapshot, links=True):
            if changed is None or (path, blob) in changed:
                old = (self.repo.entry_at(base, path) for base in bases)
                yield path, blob, tuple(dict.fromkeys(e.id for e in old if e is not None and not e.is_tree))


def _file_texts(
    repo: Repo,
    files: Iterable[tuple[str, ObjectId, tuple[ObjectId, ...]]],
    where: str,
    seen: set[object],
    remedy: Advised,
    names: bool = True,
) -> Iterator[tuple[str, str]]:
    """The new text of files, each once, and their names (with ``names``): decoded
    whatever its encoding (true binaries left out), without the lines the remote's
    versions of it have; labelled with their paths, secrets masked. One too large to
    scan stops the push."""
    from git_session import secrets

    for path, blob_id, old in files:
        label = where.format(secrets.masked(path)[0])
        if names and path not in seen:
            seen.add(path)
            yield label, path
        if (blob_id, old) in seen:
            continue
        seen.add((blob_id, old))
        content = repo.read_blob(blob_id)
        if len(content) > SCAN_LIMIT:
            raise UserError(
                f"{STOPPED}{label} is {len(content) >> 20} MiB, too large to scan for secrets",
                advice=Advice.TOO_LARGE_TO_SCAN,
                data=remedy_data(remedy),
            )
        text = secrets.decode(content)
        if text is not None:
            yield label, _new_lines(repo, text, old)


def _new_lines(repo: Repo, text: str, old: Sequence[ObjectId]) -> str:
    from git_session import secrets

    known: set[str] = set()
    for blob in old:
        content = repo.read_blob(blob)
        decoded = secrets.decode(content) if len(content) <= SCAN_LIMIT else None
        known.update(decoded.splitlines() if decoded else ())
    return "\n".join(line for line in text.splitlines() if line not in known) if known else text


def _note_texts(
    repo: Repo, remote: Remote, ours: ObjectId, also: ObjectId | None = None, view: RemoteView | None = None
) -> Iterator[OutgoingText]:
    """Every note blob that a notes commit the remote lacks adds or changes: the whole
    history leaves, not only its last tree (a note removed since still goes). ``also``: a
    notes tip the remote has besides the one last fetched. ``view``: what the remote said
    (its copy here believed only while it has notes)."""
    copy = repo.ref_target(remote.notes_ref)
    if view is not None and NOTES_REF not in view.present:
        copy = None
    had = view.had.get(NOTES_REF) if view is not None else None
    if had is not None and repo.has_object(had):  # its tip: a copy ahead of it is history it lacks
        copy = None
    known = [t for t in (had, copy, also) if t is not None and repo.is_commit(t)]
    if any(repo.is_ancestor(ours, theirs) for theirs in known):
        return
    hide = known
    seen: set[object] = set()
    for commit in repo.walk(ours, hide):
        for parent in commit.parents or (None,):
            old = repo.commit(parent).tree if parent is not None else None
            for path, blob in repo.changed_blobs(old, commit.tree):
                target = path.replace("/", "")
                where = f"the note on commit {target[:12]}"
                remedy = Advised(Advice.REDACT_NOTE, {"target": target[:12]})
                for _, text in _file_texts(repo, [(path, blob, ())], where, seen, remedy, names=False):
                    yield OutgoingText(where, text, None, remedy)


def scan_outgoing(
    repo: Repo,
    remote: Remote,
    leaving: Outgoing,
    scan: Callable[[Iterable[tuple[str, str]]], list[Finding]],
    also_sent: Mapping[str, ObjectId] | None = None,
    reads: Reads | None = None,
) -> list[tuple[Finding, OutgoingText]]:
    """The findings in what would leave, but those acknowledged (``secrets allow``) in
    the session they are in (for the notes: in any session), each with its text."""
    items: dict[str, OutgoingText] = {}

    def labelled() -> Iterator[tuple[str, str]]:
        for item in outgoing_texts(repo, remote, leaving, also_sent, reads):
            items.setdefault(item.where, item)
            yield item.where, item.text

    found = [(finding, items[finding.where]) for finding in scan(labelled())]
    from git_session import allowlist

    allowed = allowlist.Allowed(repo)
    return [(f, item) for f, item in found if not allowed.covers(item.session, f.fingerprint)]


# --- running git ------------------------------------------------------------------------


def _transfer(repo: Repo, args: list[str], show_progress: bool, failure: str) -> None:
    result = gitcli.run(args, git_dir=repo.git_dir, env=_TOLERANT, check=False, stderr_to_terminal=show_progress)
    if result.returncode != 0:
        raise _transfer_error(failure, result.stderr)
