"""Remotes, as pushes, fetches and pulls name them, and what a push would send to one
(SPEC §7): the sessions whose tip the remote's copy lacks, and the notes if they moved on.

Kept apart from ``sharing`` (the transfers, the merges, the secret scan) so that a push
with nothing to send is answered without importing those (``quickpush``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from git_session import gitcli, settings
from git_session.errors import Advice, DataError, UserError
from git_session.gitrepo import Repo
from git_session.names import NOTES_REF, REMOTE_SESSIONS_PREFIX, SESSIONS_PREFIX, ObjectId

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


def outgoing_notes(repo: Repo, remote: Remote) -> tuple[ObjectId | None, Reason | None]:
    """The notes tip to push, if it moved on; or why the notes stay here."""
    try:
        ours, theirs = repo.ref_target(NOTES_REF), repo.ref_target(remote.notes_ref)
    except DataError as exc:
        return None, Reason(exc.message)
    if ours is None or ours == theirs:
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


def leaving(tips: Mapping[str, ObjectId], remote: Remote, prefixes: Sequence[str]) -> dict[str, ObjectId]:
    """The sessions under ``prefixes`` whose tip (in ``tips``, read by ``ref_tips`` with the
    remote's copies) the remote's copy lacks: those a push sends."""
    return {
        name: tip
        for name, tip in tips.items()
        if name.startswith(tuple(prefixes)) and tips.get(remote.copy_ref(name)) != tip
    }
