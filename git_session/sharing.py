"""Sharing sessions through git remotes: fetch, pull, push (SPEC §3, §7).

Transfers run the ``git`` binary, one process each, with explicit refspecs, so every
transport and the user's SSH config and credential helpers work. A remote's copies
land in ``refs/session-remotes/<remote>/sessions/…`` and ``…/notes/sessions``: never
under ``refs/remotes/``, so ``git branch -r`` does not list them and a plain
``git fetch --prune`` leaves them alone. Nothing is force-pushed: a rejected push
fetches, merges and tries again, a bounded number of times.

What leaves is scanned first (``secrets.py``): the operations of every session commit
the remote does not have, the files of new checkpoint snapshots that differ from their
commit, and new note lines. Private entries live under ``refs/session-private/``,
which no refspec here names.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from git_session import gitcli
from git_session.errors import DataError, GitError, SessionError, UserError
from git_session.gitrepo import Repo
from git_session.model import Op
from git_session.names import NOTES_REF, REMOTE_SESSIONS_PREFIX, SESSIONS_PREFIX, ObjectId, SessionRef
from git_session.store import Store

PUSH_ATTEMPTS = 5
SCAN_LIMIT = 1 << 20  # snapshot files larger than this are not scanned
_REMOTE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")
# Rejections a fetch, a merge and another try cure: the remote moved on, or another push
# held the ref's lock at that very moment.
_RETRYABLE = ("non-fast-forward", "fetch first", "stale info", "failed to update ref", "cannot lock ref")

Progress = Callable[[str, int, int], None]


def _no_progress(label: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class Remote:
    """Where sessions are shared: a configured remote, or a URL or path given as is."""

    name: str  # what the user typed (or the default): passed to git as is
    key: str  # its folder under refs/session-remotes/

    @property
    def sessions_prefix(self) -> str:
        return f"{REMOTE_SESSIONS_PREFIX}{self.key}/sessions/"

    @property
    def notes_ref(self) -> str:
        return f"{REMOTE_SESSIONS_PREFIX}{self.key}/notes/sessions"

    def local_ref(self, copy: str) -> str:
        """The local session ref of a remote copy's name."""
        return SESSIONS_PREFIX + copy.removeprefix(self.sessions_prefix)

    def copy_ref(self, local: str) -> str:
        return self.sessions_prefix + local.removeprefix(SESSIONS_PREFIX)


@dataclass
class MergeReport:
    """What a pull did to each session, and the sessions it refused."""

    outcomes: dict[str, list[str]] = field(default_factory=dict)  # outcome -> session ids
    skipped: list[str] = field(default_factory=list)  # one line per refused session
    notes: str = "none"  # "none", "up-to-date", "merged", "refused: …"

    def count(self, outcome: str) -> int:
        return len(self.outcomes.get(outcome, []))


@dataclass(frozen=True)
class Finding:
    where: str
    what: str
    excerpt: str


@dataclass
class PushReport:
    pushed: list[str] = field(default_factory=list)  # the session refs the remote took
    notes_pushed: bool = False
    attempts: int = 1
    merged: MergeReport | None = None  # what was merged after a rejection


class SecretsFound(UserError):
    """The push would send secrets: nothing was sent."""

    def __init__(self, findings: list[Finding]) -> None:
        first = findings[0]
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        super().__init__(
            f"push stopped: {first.what} in {first.where}: {first.excerpt}{more}",
            "remove it with: git session redact ENTRY (then push again); nothing was sent",
        )
        self.findings = findings


# --- remotes ----------------------------------------------------------------------------


def resolve_remote(repo: Repo, spec: str | None) -> Remote:
    """The remote named (or by default: session.remote, the branch's upstream remote,
    ``origin``, the only remote)."""
    names = _remote_names(repo)
    if spec is None:
        spec = _default_remote(repo, names)
    if spec in names:
        if not _REMOTE_NAME.fullmatch(spec) or ".." in spec or spec.endswith(".lock"):
            raise UserError(f"remote name {spec!r} cannot name a folder of refs/session-remotes/")
        return Remote(spec, spec)
    if "/" in spec or ":" in spec or spec.startswith("."):
        digest = hashlib.sha1(spec.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        return Remote(spec, f"url-{digest}")
    raise UserError(f"no remote named {spec!r}", "see them with: git remote -v")


def _remote_names(repo: Repo) -> list[str]:
    result = gitcli.run(["remote"], git_dir=repo.git_dir, check=False)
    return result.stdout.split()


def _default_remote(repo: Repo, names: list[str]) -> str:
    configured = repo.config_value("session.remote")
    if configured:
        return configured
    branch = repo.head_branch()
    upstream = repo.config_value(f"branch.{branch}.remote") if branch else None
    if upstream and upstream in names:
        return upstream
    if "origin" in names:
        return "origin"
    if len(names) == 1:
        return names[0]
    raise UserError("no remote to share sessions with", "name one: git session push REMOTE")


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
        "--progress" if show_progress else "--quiet",
        remote.name,
        f"+{SESSIONS_PREFIX}*:{remote.sessions_prefix}*",
        # A pattern, not the name itself: a remote without notes is not an error.
        f"+{NOTES_REF}*:{remote.notes_ref}*",
    ]
    _transfer(repo, args, show_progress, f"cannot fetch sessions from {remote.name}")


def merge_remote(repo: Repo, remote: Remote, progress: Progress = _no_progress) -> MergeReport:
    """Merge every session copied from the remote into ours, and the notes.

    Each session is validated before it is merged (``Store.merge``); one that is not
    valid is reported and skipped, and the others go on.
    """
    store = Store(repo)
    report = MergeReport()
    copies = repo.refs_with_prefix(remote.sessions_prefix)
    for done, (name, tip) in enumerate(copies, 1):
        progress("Merging sessions", done, len(copies))
        try:
            ref = SessionRef.of(remote.local_ref(name))
        except UserError:
            report.skipped.append(f"{name}: not a session ref")
            continue
        try:
            outcome = store.merge(ref, tip).outcome
        except (DataError, UserError) as exc:
            named = exc.message.startswith(f"session {ref.session_id}")
            report.skipped.append(exc.message if named else f"session {ref.session_id}: {exc.message}")
            continue
        report.outcomes.setdefault(outcome, []).append(ref.session_id)
    report.notes = _merge_notes(repo, remote)
    return report


def _merge_notes(repo: Repo, remote: Remote) -> str:
    from git_session import notes

    theirs = repo.ref_target(remote.notes_ref)
    if theirs is None:
        return "none"
    ours = repo.ref_target(NOTES_REF)
    if ours is not None and repo.is_ancestor(theirs, ours):
        return "up-to-date"
    try:
        notes.merge_notes(repo, theirs)
    except (DataError, UserError) as exc:
        return f"refused: {exc.message}"
    return "merged"


def pull(repo: Repo, remote: Remote, show_progress: bool = False, progress: Progress = _no_progress) -> MergeReport:
    fetch(repo, remote, show_progress)
    return merge_remote(repo, remote, progress)


# --- push -------------------------------------------------------------------------------


def push(
    repo: Repo,
    remote: Remote,
    scan: Callable[[Iterable[tuple[str, str]]], list[Finding]],
    show_progress: bool = False,
    progress: Progress = _no_progress,
    prefixes: Sequence[str] = (SESSIONS_PREFIX,),
) -> PushReport:
    """Push the sessions under ``prefixes`` (by default all) and the notes, never forcing.

    What would leave is scanned first; a finding stops the push before anything is
    sent. A rejection (the remote moved on) fetches, merges and tries again.
    """
    report = PushReport()
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        report.attempts = attempt
        findings = scan(outgoing_texts(repo, remote, prefixes))
        if findings:
            raise SecretsFound(findings)
        rejected = _push_once(repo, remote, report, show_progress, prefixes)
        if not rejected:
            return report
        if attempt < PUSH_ATTEMPTS:
            time.sleep(random.uniform(0, 0.05 * attempt))  # two pushers out of step
            report.merged = pull(repo, remote, show_progress, progress)
    raise GitError(
        f"the remote {remote.name} kept rejecting the push ({PUSH_ATTEMPTS} attempts): {rejected[0]}",
        "try again later: git session push " + remote.name,
    )


def _push_once(
    repo: Repo, remote: Remote, report: PushReport, show_progress: bool, prefixes: Sequence[str]
) -> list[str]:
    """One ``git push``; records what the remote took and returns the rejections that a
    merge can cure (anything else is an error)."""
    refspecs = [f"{prefix}*:{prefix}*" for prefix in prefixes]
    if repo.ref_target(NOTES_REF) is not None:
        refspecs.append(f"{NOTES_REF}:{NOTES_REF}")
    # Not --quiet: it silences the porcelain lines too. Without a terminal, stderr is captured.
    args = ["push", "--porcelain", "--no-verify", *(["--progress"] if show_progress else []), remote.name]
    result = gitcli.run([*args, *refspecs], git_dir=repo.git_dir, check=False, stderr_to_terminal=show_progress)
    statuses = list(_porcelain(result.stdout))
    if result.returncode != 0 and not statuses:
        raise _transfer_error(f"cannot push sessions to {remote.name}", result.stderr)
    curable: list[str] = []
    fatal: list[str] = []
    for flag, local, summary in statuses:
        if flag == "!":
            retryable = any(reason in summary for reason in _RETRYABLE)  # "[rejected] (fetch first)"
            (curable if retryable else fatal).append(f"{local}: {summary}")
            continue
        if local == NOTES_REF:
            report.notes_pushed = report.notes_pushed or flag != "="
            _remember(repo, remote.notes_ref, local)
        elif local.startswith(SESSIONS_PREFIX):
            if flag != "=":
                report.pushed.append(local)
            _remember(repo, remote.copy_ref(local), local)
    if fatal:
        raise GitError(f"the remote {remote.name} refused the push: {fatal[0]}", "nothing was forced")
    return curable


def _porcelain(stdout: str) -> Iterator[tuple[str, str, str]]:
    """``git push --porcelain`` lines: flag, local ref, summary."""
    for line in stdout.splitlines():
        flag, tab, rest = line[:1], line[1:2], line[2:]
        if tab != "\t" or flag not in " +-*=!":
            continue
        refs, _, summary = rest.partition("\t")
        yield flag, refs.partition(":")[0], summary


def _remember(repo: Repo, copy: str, local: str) -> None:
    """After a push, the remote holds our tip: the copy says so (as git's remote-tracking
    refs do), so that the next scan skips what has left already."""
    tip = repo.ref_target(local)
    if tip is not None:
        repo.cas_ref(copy, tip, repo.ref_target(copy), "git-session: pushed")


# --- what would leave -------------------------------------------------------------------


def outgoing_texts(
    repo: Repo, remote: Remote, prefixes: Sequence[str] = (SESSIONS_PREFIX,)
) -> Iterator[tuple[str, str]]:
    """(where, text) of everything a push would send that the remote's copies lack."""
    store = Store(repo)
    local = [ref for prefix in prefixes for ref in repo.refs_with_prefix(prefix)]
    for name, tip in local:
        copy = repo.ref_target(remote.copy_ref(name))
        if copy == tip:
            continue
        session_id = name.rsplit("/", 1)[1]
        hide = [copy] if copy is not None and repo.has_object(copy) else []
        for commit in repo.walk(tip, hide):
            try:
                ops = store.commit_ops(commit, session_id)
            except DataError:
                continue  # not ours to judge here: whoever fetches it validates it
            for op in ops:
                yield from _op_texts(repo, session_id, op)
    yield from _note_texts(repo, remote)


def _op_texts(repo: Repo, session_id: str, op: Op) -> Iterator[tuple[str, str]]:
    data = op.data
    fields = data.get("fields") or {}
    if op.action in ("add", "update"):
        kind = str(data.get("kind", "entry"))
        where = f"session {session_id[:12]}, {kind} {str(data.get('entry', op.id))[:12]}"
    else:
        where = f"session {session_id[:12]}, its fields"
    for name, value in fields.items():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and text:
                yield f"{where} ({name})", text
    snapshot, commit = fields.get("snapshot"), fields.get("commit")
    if isinstance(snapshot, str) and repo.is_tree(snapshot):
        base = repo.commit(ObjectId(commit)).tree if isinstance(commit, str) and repo.has_object(commit) else None
        for path, blob in repo.changed_blobs(base, ObjectId(snapshot), SCAN_LIMIT):
            if b"\0" not in blob[:8000]:
                yield f"{where} (file {path})", blob.decode("utf-8", "replace")


def _note_texts(repo: Repo, remote: Remote) -> Iterator[tuple[str, str]]:
    ours = repo.ref_target(NOTES_REF)
    if ours is None:
        return
    theirs = repo.ref_target(remote.notes_ref)
    if theirs is not None and repo.is_ancestor(ours, theirs):
        return
    old = repo.commit(theirs).tree if theirs is not None else None
    for path, blob in repo.changed_blobs(old, repo.commit(ours).tree, SCAN_LIMIT):
        yield f"the note on commit {path.replace('/', '')[:12]}", blob.decode("utf-8", "replace")


# --- running git ------------------------------------------------------------------------


def _transfer(repo: Repo, args: list[str], show_progress: bool, failure: str) -> None:
    result = gitcli.run(args, git_dir=repo.git_dir, check=False, stderr_to_terminal=show_progress)
    if result.returncode != 0:
        raise _transfer_error(failure, result.stderr)


def _transfer_error(failure: str, stderr: str) -> SessionError:
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    detail = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[-1] if lines else "")
    return GitError(f"{failure}: {detail}" if detail else failure, "check the remote with: git remote -v")
