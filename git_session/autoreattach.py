"""Reattach on its own: when a branch gains commits (a ``git fetch``, a ``git pull``, a
forge's squash arriving on the default branch), the next git-session command, and
``git session pull``/``fetch``, look at the NEW commits for copies of linked ones
(``reattach.run``: patch-id, and the ``Session-Id`` trailer a forge kept).

What was examined is remembered in ``<common-dir>/git-session/reattach-seen``: the tips
of the branches (local and remote-tracking) last looked at, and a ``stamp`` of their
folders on disk. A command whose branches did not move pays a ``stat`` of those folders
and reading that file, not one ref read; one whose branches moved examines the
commits the old tips do not reach (at most ``LIMIT``), so the cost follows the new
commits. The first time (no file yet), the newest ``reattach.DEFAULT_LIMIT`` commits are.
After notes arrive from a remote, the newest ``DEFAULT_LIMIT`` of the default branches
are examined again too: the notes may name the sources of copies already here.

The new commits are listed and their patch-ids taken by one ``git log -p | git patch-id``
pipeline (``reattach.logged_with_patch_ids``), when a linked commit is away from the
default branches (else they are only listed). The linked commits' patch-ids that the
cache lacks (the first time after they were linked) go through the same ``git patch-id``,
fed by one ``git diff-tree`` after ``git log``: no second pipeline.

The linked commits' copies are looked for on the *default branches* (each remote's
``HEAD``, and the local branch of that name): a linked commit on one of those is no
source. A file that cannot be read is as none: everything is examined again.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from git_session import codec, gitcli, paths, trailers
from git_session.branchstamp import seen_record as _record
from git_session.branchstamp import stamp as stamp
from git_session.errors import SessionError, file_system_error
from git_session.gitrepo import CommitInfo, Repo
from git_session.names import NOTES_REF, REMOTE_SESSIONS_PREFIX, ObjectId
from git_session.sessions import Workspace

if TYPE_CHECKING:  # reattach (and its imports) is loaded only when a branch moved
    from git_session.reattach import More, Report

LIMIT = 5000  # new commits examined at most, newest first
FALLBACK_DEFAULTS = ("main", "master", "trunk")
_WATCHED = ("refs/heads/", "refs/remotes/")


def watched_tips(repo: Repo) -> dict[str, ObjectId]:
    """The tips of every local and remote-tracking branch (a symbolic ``HEAD`` is none; a
    name that is not UTF-8 neither: it cannot be remembered)."""
    return {name: tip for prefix in _WATCHED for name, tip in repo.refs_with_prefix(prefix) if _utf8(name)}


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def default_tips(repo: Repo, tips: Mapping[str, ObjectId]) -> tuple[ObjectId, ...]:
    """The tips of the default branches: each remote's ``HEAD``, and the local branch of the
    same name (without remotes: init.defaultBranch, main, master or trunk, the first there is)."""
    names: list[str] = []
    for remote in repo.remote_names():
        branch = _remote_default(repo, remote, tips)
        if branch is not None:
            names += [f"refs/remotes/{remote}/{branch}", f"refs/heads/{branch}"]
    if not names:
        wanted = [repo.config_value("init.defaultBranch"), *FALLBACK_DEFAULTS]
        names = [next((f"refs/heads/{b}" for b in wanted if b and f"refs/heads/{b}" in tips), "")]
    return tuple(dict.fromkeys(tips[name] for name in names if name in tips))


def _remote_default(repo: Repo, remote: str, tips: Mapping[str, ObjectId]) -> str | None:
    head = repo.symbolic_target(f"refs/remotes/{remote}/HEAD")
    prefix = f"refs/remotes/{remote}/"
    if head is not None and head.startswith(prefix):
        return head.removeprefix(prefix)
    return next((b for b in FALLBACK_DEFAULTS if f"{prefix}{b}" in tips), None)


def load_seen(repo: Repo) -> dict[str, ObjectId] | None:
    """The tips examined last time (``None``: never, or the file cannot be read)."""
    tips = _record(repo).get("tips")
    if not isinstance(tips, dict):
        return None
    seen = {}
    for name, tip in tips.items():
        with contextlib.suppress(Exception):
            seen[str(name)] = ObjectId.of(str(tip))
    return seen


def save_seen(repo: Repo, tips: Mapping[str, ObjectId], on_disk: str | None = None) -> None:
    """Remembered, with the ``stamp`` taken before the tips were read, if it can be (a
    read-only repository: examined again next time)."""
    record: dict[str, Any] = {"tips": dict(tips)}
    if on_disk is not None:
        record["stamp"] = on_disk
    with contextlib.suppress(OSError):
        trailers.write_atomically(paths.reattach_seen(repo), codec.dumps(record).encode())


def reattach_new(ws: Workspace, *, rescan: bool = False, limit: int = LIMIT) -> Report | None:
    """Reattach the commits the branches gained since last time (``rescan``: and the
    newest of the default branches, after notes arrived); ``None`` when nothing moved."""
    repo = ws.repo
    on_disk = stamp(repo)  # before the tips are read: a change after it is seen next time
    if on_disk is not None and not rescan and _record(repo).get("stamp") == on_disk:
        return None  # no branch folder changed: not one ref is read
    tips = watched_tips(repo)
    seen = load_seen(repo)
    if seen == tips and not rescan:
        save_seen(repo, tips, on_disk)
        return None
    if repo.ref_target(NOTES_REF) is None and not never_fetched(repo):
        save_seen(repo, tips, on_disk)  # no commit is linked: nothing can be a copy of one
        return None
    from git_session.reattach import DEFAULT_LIMIT, Scope, logged, logged_with_patch_ids, run

    onto = default_tips(repo, tips)
    before: tuple[ObjectId, ...] | None = None
    if seen is None:
        new, hide, count = list(tips.values()), [], DEFAULT_LIMIT
    else:
        new = [tip for name, tip in tips.items() if seen.get(name) != tip]
        # A tip of the record that is no commit (a damaged or hostile file) would fail every walk.
        current = set(tips.values())
        usable = {t for t in set(seen.values()) if t in current or (repo.has_object(t) and repo.is_commit(t))}
        hide, count = [tip for tip in seen.values() if tip in usable], limit
        before = tuple(t for t in default_tips(repo, seen) if t in usable)

    examined: list[CommitInfo] = []

    def candidates() -> list[CommitInfo]:
        found = {c.id: c for c in logged(repo, new, hide, count)} if new else {}
        if rescan and onto:
            found.update({c.id: c for c in logged(repo, onto, [], DEFAULT_LIMIT) if c.id not in found})
        examined.extend(found.values())
        return examined

    def listed(want_ids: bool, more: More) -> tuple[list[CommitInfo], dict[ObjectId, str] | None]:
        if not want_ids or not new:
            return candidates(), None
        found, ids = logged_with_patch_ids(repo, new, hide, count, more)
        examined.extend(found)
        return examined, ids

    complete = before is not None and not rescan  # then the candidates are all the new commits
    scope = Scope(candidates, onto, trailers=True, before=before if complete else None, listed=listed)
    report = run(ws, scope)
    save_seen(repo, tips, on_disk)
    _notes_never_fetched(ws, examined)
    return report


def never_fetched(repo: Repo) -> list[str]:
    """The remotes, when this clone has no session notes and never fetched any (none: it has some)."""
    remotes = repo.remote_names()
    if not remotes or repo.ref_target(NOTES_REF) is not None:
        return []
    fetched = [n for n in repo.ref_names(REMOTE_SESSIONS_PREFIX) if n.endswith("/notes/sessions")]
    return [] if fetched else remotes


def history_names_sessions(repo: Repo) -> bool:
    """Whether a commit of the branches (local or remote-tracking) names a session by its
    trailer; git stops at the first (only ``doctor`` asks: it may read the whole history)."""
    key = re.escape(trailers.keys(repo)[0])
    args = ["log", "-1", "-i", "-E", f"--grep=^[[:blank:]>*-]*{key}:", "--format=%H", "--branches", "--remotes"]
    result = gitcli.run(args, git_dir=repo.git_dir, check=False)
    return result.returncode == 0 and bool(result.stdout.strip())


def _notes_never_fetched(ws: Workspace, commits: Sequence[CommitInfo]) -> None:
    """Commits here name sessions, and this clone never fetched their notes: say so."""
    from git_session.reattach import session_pattern

    remotes = never_fetched(ws.repo) if commits else []
    if remotes and any(session_pattern(ws.repo).search(c.message) for c in commits):
        ws.warn(NEVER_FETCHED.format(remote=remotes[0]))


NEVER_FETCHED = (
    "commits here name sessions, but this clone never fetched the session notes of {remote}: "
    "a pull of the sessions fetches them (and links the squashed commits)"
)


def follow_branches(ws: Workspace, *, rescan: bool = False) -> Report | None:
    """What every command does on opening the repository (and ``pull`` after the notes
    arrived): reattach the new commits; what it did, and its problems, are warned about.
    It never fails the command: the tips stay unexamined, for the next one."""
    try:
        report = reattach_new(ws, rescan=rescan)
    except OSError as exc:
        ws.warn(f"reattach: {file_system_error(exc).message}")
        return None
    except SessionError as exc:
        ws.warn(f"reattach: {exc.message}")
        return None
    for line in summary(ws, report):
        ws.warn(line)
    return report


def summary(ws: Workspace, report: Report | None) -> list[str]:
    """What an automatic reattach did (nothing when it did nothing)."""
    if report is None:
        return []
    lines = [
        f"reattached {x.commit[:12]} {x.subject[:60]!r} to session "
        f"{', '.join(ws.short_session_id(s) for s in x.sessions)} ({_HOW[x.how]})"
        for x in report.linked
    ]
    # What the notes hold that cannot be read is for `reattach` and `explain` to say.
    return lines + [f"not reattached {x.commit[:12]} {x.subject[:60]!r}: {x.reason}" for x in report.ambiguous]


_HOW = {"patch": "same change", "squash": "a squash of its commits", "trailer": "its Session-Id trailer"}
