"""Sessions whose history lost objects (``git gc --prune=now`` during a write, a damaged
disk): found by ``doctor``, and brought back from their reflog by ``doctor --fix``."""

from __future__ import annotations

from dataclasses import dataclass

from git_session import codec
from git_session.errors import DataError
from git_session.gitrepo import Repo
from git_session.names import BROKEN_PREFIX, NOTES_REF, PRIVATE_PREFIX, SESSIONS_PREFIX, ObjectId
from git_session.store import META_PATH


@dataclass(frozen=True)
class Broken:
    """A ref of ours whose history cannot be read in full."""

    ref: str
    tip: ObjectId | None  # None: the ref's own file is damaged
    problem: str

    @property
    def aside(self) -> str:
        return BROKEN_PREFIX + self.ref.removeprefix("refs/")


def broken_refs(repo: Repo) -> list[Broken]:
    """Every session (and private layer, and the notes) whose history misses an object."""
    found, refs = [], []
    names = [name for prefix in (SESSIONS_PREFIX, PRIVATE_PREFIX) for name in repo.ref_names(prefix)]
    for name in [*names, NOTES_REF]:
        try:
            tip = repo.ref_target(name)
        except DataError as exc:
            found.append(Broken(name, None, exc.message))
            continue
        refs += [(name, tip)] if tip is not None else []
    for name, tip in refs:
        problem = repo.history_problem(tip)
        if problem is not None:
            found.append(Broken(name, tip, problem))
    return found


def repair(repo: Repo, broken: Broken) -> str:
    """Point the ref at the newest value in its reflog whose history is complete; failing
    that, move it (and its reflog) aside, so that every other command works again. A ref
    whose own file is damaged is left to the user: git reports it too."""
    if broken.tip is None:
        return f"{broken.ref} is damaged itself: left as it is (git update-ref -d {broken.ref} removes it)"
    for target in repo.reflog_targets(broken.ref):
        if target != broken.tip and _restorable(repo, broken.ref, target):
            if not repo.cas_ref(broken.ref, target, broken.tip, "git-session: doctor --fix, from the reflog"):
                return f"{broken.ref} changed meanwhile: left as it is"
            repo.drop_broken_reflog_entries(broken.ref)
            return f"restored {broken.ref} to {target[:12]}, the newest complete commit of its reflog"
    if broken.ref == NOTES_REF:
        return f"{NOTES_REF} has no complete commit in its reflog: left as it is (git notes --ref=sessions shows it)"
    if not repo.move_ref_aside(broken.ref, broken.aside, broken.tip):
        return f"{broken.ref} changed meanwhile: left as it is"
    return f"moved {broken.ref} aside to {broken.aside}: its reflog has no complete commit"


def _restorable(repo: Repo, ref: str, target: ObjectId) -> bool:
    """Whether ``ref`` may take ``target`` from its reflog: a commit with a complete history
    and, for a session, one of the session's own (its meta.json names it), not any object
    a hand-edited or damaged reflog names."""
    if not repo.is_commit(target) or repo.history_problem(target) is not None:
        return False
    if not ref.startswith(SESSIONS_PREFIX):
        return True
    try:
        data = repo.blob_at(repo.commit(target).tree, META_PATH)
        return data is not None and codec.meta_from_bytes(data, ref).id == ref.rsplit("/", 1)[1]
    except DataError:
        return False
