"""Remotes, as pushes, fetches and pulls name them, and what a push would send to one
(SPEC §7): the sessions whose tip the remote does not hold, and the notes if it lacks
them, as the remote itself says (one ``git push --dry-run``, as ``git push`` asks it).

Kept apart from ``sharing`` (the transfers, the merges, the secret scan) so that a push
with nothing to send is answered without importing those (``quickpush``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from git_session import gitcli, settings
from git_session.errors import Advice, DataError, GitError, SessionError, UserError
from git_session.gitrepo import Repo
from git_session.names import NOTES_REF, REMOTE_SESSIONS_PREFIX, SESSIONS_PREFIX, ObjectId

# A ref at a missing object (a session lost to `git gc --prune=now`) makes git's own ref
# iteration die ("bad object"), and with it every fetch: git skips such refs with this.
TOLERANT = {"GIT_REF_PARANOIA": "0"}

_REMOTE_NAME = re.compile(r"[A-Za-z0-9%][A-Za-z0-9%_-]*(\.[A-Za-z0-9%_-]+)*")


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


class Reason(NamedTuple):
    """Why a ref stays here, and what a front end adds to that in its own terms."""

    text: str
    advice: Advice | None = None


def resolve_remote(repo: Repo, spec: str | None) -> Remote:
    """The remote named (or by default: session.remote, the branch's upstream remote,
    ``origin``, the only remote)."""
    names = repo.remote_names()
    if spec is None:
        spec = _default_remote(repo, names)
    if spec.startswith("-") or not spec or "\0" in spec:
        raise UserError(f"not a remote: {spec!r} (git would take it for an option)", "see them with: git remote -v")
    if spec in names:
        key = spec.replace("%", "%25").replace("/", "%2F")  # one folder per remote, never nested
        if not _REMOTE_NAME.fullmatch(key) or key.endswith(".lock"):
            raise UserError(f"remote name {spec!r} cannot name a folder of refs/session-remotes/")
        return Remote(spec, key)
    if "/" in spec or ":" in spec or spec.startswith("."):
        return url_remote(spec)
    raise UserError(f"no remote named {spec!r}", "see them with: git remote -v")


def url_remote(spec: str) -> Remote:
    """A URL or path given as is (git took it: a pre-push hook's ``backup.git`` is one)."""
    digest = hashlib.sha1(spec.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return Remote(spec, f"url-{digest}")


def _default_remote(repo: Repo, names: list[str]) -> str:
    chosen = settings.of(repo)["remote"]
    if isinstance(chosen.value, str) and (chosen.origin.startswith("git config") or chosen.value in names):
        return chosen.value  # the shared file only picks among your remotes: never a URL of its own
    branch = repo.head_branch()
    upstream = repo.config_value(f"branch.{branch}.remote") if branch else None
    if upstream and upstream in names:
        return upstream
    if "origin" in names:
        return "origin"
    if len(names) == 1:
        return names[0]
    raise UserError("no remote to share sessions with", advice=Advice.NAME_REMOTE)


def outgoing_notes(repo: Repo, remote: Remote, view: RemoteView | None = None) -> tuple[ObjectId | None, Reason | None]:
    """The notes tip to push, if the remote lacks it (``view``: as it said; without one, as
    its copy here says); or why the notes stay here."""
    try:
        ours, theirs = repo.ref_target(NOTES_REF), repo.ref_target(remote.notes_ref)
    except DataError as exc:
        return None, Reason(exc.message)
    if view is not None:
        if view.held.get(NOTES_REF) == ours:
            return None, None
        theirs = view.had.get(NOTES_REF) or (theirs if NOTES_REF in view.present else None)
    # With a view, a copy here equal to ours is no answer: the remote does not hold ours (it
    # has other notes: re-pointed, rewritten); they leave, and a rejection merges theirs.
    if ours is None or (ours == theirs and view is None):
        return None, None
    if not repo.is_commit(ours):
        return None, Reason(f"{NOTES_REF} is not a notes commit here", Advice.DOCTOR_EXAMINES)
    if theirs is not None and not repo.is_commit(theirs):
        return None, Reason(f"the remote's {NOTES_REF} is not a notes commit: the notes stay here")
    return ours, None


def ref_tips(repo: Repo, prefixes: Iterable[str]) -> dict[str, ObjectId]:
    """Every ref under any of ``prefixes`` (each ending in ``/``) and its target, read by one
    ``git for-each-ref``: a fraction of looking each up. A damaged ref is left out, as git
    leaves it out."""
    patterns = list(dict.fromkeys(prefixes))
    result = gitcli.run(["for-each-ref", "--format=%(objectname)%09%(refname)", *patterns], git_dir=repo.git_dir)
    found = {}
    for line in result.stdout.splitlines():
        tip, _, name = line.partition("\t")
        if ObjectId.is_sha1(tip) and name.startswith(tuple(patterns)):
            found[name] = ObjectId(tip)
    return found


def leaving(tips: Mapping[str, ObjectId], view: RemoteView, prefixes: Sequence[str]) -> dict[str, ObjectId]:
    """The sessions under ``prefixes`` (their tips in ``tips``) that the remote does not
    hold at that tip, as it said (``view``): those a push sends."""
    return {name: tip for name, tip in tips.items() if name.startswith(tuple(prefixes)) and view.held.get(name) != tip}


def in_step(statuses: Iterable[tuple[str, str, str]]) -> bool:
    """Whether a push that found these statuses (``push_statuses``) would send nothing."""
    return all(flag == "=" for flag, _, _ in statuses)


# --- what the remote has ----------------------------------------------------------------


@dataclass(frozen=True)
class RemoteView:
    """What the remote has of the refs a push would send, as the push itself finds it: the
    copies here (fetched, or recorded by the last push) say what it had then, and it may
    have been re-pointed, made anew, or had a session deleted or moved on since."""

    held: Mapping[str, ObjectId]  # ref -> the tip it has there, which is ours
    had: Mapping[str, ObjectId]  # ref -> the tip it has there, which ours descends from
    present: frozenset[str]  # the refs it has, at whatever tip

    @classmethod
    def ask(cls, repo: Repo, remote: Remote, prefixes: Sequence[str], before: Mapping[str, ObjectId]) -> RemoteView:
        """Ask the remote by a ``git push --dry-run`` of the refs (``push_statuses``);
        ``before``: the tips read just before. A ref that moved meanwhile is held by none:
        which of its tips the remote was compared with is not known."""
        key = _question(repo, remote, prefixes, NOTES_REF in before)
        early = _ANSWERS.pop(key, None)
        if early is not None:  # asked by the early answer of this process (``ask_early``)
            statuses, first = early
            # ``before``, read after that dry run, tells which refs stayed where they were then.
            return cls.of(statuses, {name: tip for name, tip in first.items() if before.get(name) == tip})
        statuses = _asked(repo, remote, key)
        after = ref_tips(repo, [*prefixes, NOTES_REF])
        return cls.of(statuses, {name: tip for name, tip in before.items() if after.get(name) == tip})

    @classmethod
    def of(cls, statuses: Iterable[tuple[str, str, str]], steady: Mapping[str, ObjectId]) -> RemoteView:
        """From ``git push --porcelain`` lines (``porcelain``), each destination's (a remote
        may have several push URLs): a ref is held, or had at a tip, where all say so."""
        flags: dict[str, set[tuple[str, str]]] = {}
        for flag, ref, summary in statuses:
            flags.setdefault(ref, set()).add((flag, summary.partition("..")[0] if flag == " " else ""))
        held, had = {}, {}
        for ref, seen in flags.items():
            (flag, old), alone = next(iter(seen)), len(seen) == 1
            if alone and flag == "=" and ref in steady:
                held[ref] = steady[ref]
            elif alone and flag == " " and ObjectId.is_sha1(old):
                had[ref] = ObjectId(old)
        # Push URLs at different tips, one of them said (" old..new"): what one has, another
        # may lack; the copies here (of one of them, at best) are no answer for it.
        present = frozenset(
            ref
            for ref, seen in flags.items()
            if all(flag in "= !" for flag, _ in seen) and (len(seen) == 1 or all(flag != " " for flag, _ in seen))
        )
        return cls(held, had, present)


# A question to the remote (``_question``): the git directory, the remote's name, the
# prefixes, the notes, the tracking branches' prefix.
_Question = tuple[str, str, tuple[str, ...], bool, str | None]
# What the early answer (``quickpush``) asked, for the command run next in the same process
# (``launch``): its dry run's statuses, and the tips read just before it. Taken once.
_ANSWERS: dict[_Question, tuple[list[tuple[str, str, str]], dict[str, ObjectId]]] = {}


def _question(repo: Repo, remote: Remote, prefixes: Sequence[str], notes: bool) -> _Question:
    # Which branches it has too (``refs/remotes/<name>/X`` asked as its ``refs/heads/X``):
    # the scan leaves out the files those hold (``sharing.PublicFiles``).
    tracking = f"refs/remotes/{remote.name}/" if remote.name in repo.remote_names() else None
    return (repo.git_dir, remote.name, tuple(prefixes), notes, tracking)


def _asked(repo: Repo, remote: Remote, key: _Question) -> list[tuple[str, str, str]]:
    return push_statuses(repo, remote, key[2], key[3], tracking=key[4])


def ask_early(
    repo: Repo, remote: Remote, prefixes: Sequence[str], before: Mapping[str, ObjectId], hand_over: bool = False
) -> bool:
    """Whether a push of the sessions under ``prefixes`` and the notes (their tips read just
    before: ``before``) would send nothing, as the remote says: the dry run ``RemoteView.ask``
    makes. ``hand_over``: its answer is kept for the command that runs next in this process
    (``launch``: a push with something to send then connects twice, the dry run and the
    push, not three times); only there, where nothing but that command comes after."""
    key = _question(repo, remote, prefixes, NOTES_REF in before)
    statuses = _asked(repo, remote, key)
    if hand_over:
        _ANSWERS[key] = (statuses, dict(before))
    flags: dict[str, set[str]] = {}
    for flag, ref, _ in statuses:
        flags.setdefault(ref, set()).add(flag)
    ours = tuple(prefixes)
    # Every session and the notes read here "=" at every push URL (one left out of the dry
    # run, at a missing object, is not), and nothing else of ours leaving (written meanwhile).
    return all(flags.get(name) == {"="} for name in before) and all(
        seen == {"="} for ref, seen in flags.items() if ref.startswith(ours) or ref == NOTES_REF
    )


def push_refspecs(prefixes: Sequence[str], notes: bool, tracking: str | None = None) -> list[str]:
    """The refspecs a push of the sessions under ``prefixes`` (and the notes) asks about;
    ``tracking``: the remote-tracking branches too, as the remote's branches."""
    sessions = [f"{prefix}*:{prefix}*" for prefix in prefixes] + ([f"{NOTES_REF}:{NOTES_REF}"] if notes else [])
    return sessions + ([f"{tracking}*:refs/heads/*"] if tracking else [])


def push_statuses(
    repo: Repo, remote: Remote, prefixes: Sequence[str], notes: bool, tracking: str | None = None
) -> list[tuple[str, str, str]]:
    """What a push of the sessions under ``prefixes`` (and of the notes, with ``notes``)
    would do to each ref, as ``git push --dry-run --porcelain`` says: the remote asked at
    the URLs a push goes to, as ``git push`` asks it, sending nothing. A session ref at a
    missing object is left out, as a push leaves it out."""
    # Whole ids in "old..new" (the remote's tip, what a scan need not read again).
    args = ["-c", "core.abbrev=no", "push", "--dry-run", "--porcelain", "--no-verify", "--", remote.name]
    result = gitcli.run(
        [*args, *push_refspecs(prefixes, notes, tracking)], git_dir=repo.git_dir, env=TOLERANT, check=False
    )
    statuses = list(porcelain(result.stdout))
    # A rejection exits 1; anything else (a second push URL unreachable after the first
    # answered: 128) is the push failing, whatever lines came before.
    if result.returncode != 0 and not (result.returncode == 1 and any(flag == "!" for flag, _, _ in statuses)):
        raise transfer_error(f"cannot push sessions to {remote.name}", result.stderr)
    return statuses


def porcelain(stdout: str) -> Iterator[tuple[str, str, str]]:
    """``git push --porcelain`` lines: flag, remote ref, summary."""
    for line in stdout.splitlines():
        flag, tab, rest = line[:1], line[1:2], line[2:]
        if tab != "\t" or flag not in " +-*=!":
            continue
        refs, _, summary = rest.partition("\t")
        yield flag, refs.rpartition(":")[2], summary


def transfer_error(failure: str, stderr: str) -> SessionError:
    detail = gitcli.error_summary(stderr, 0) if (stderr or "").strip() else ""
    return GitError(f"{failure}: {detail}" if detail else failure, "check the remote with: git remote -v")
