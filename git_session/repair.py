"""Sessions whose history lost objects (``git gc --prune=now`` during a write, a damaged
disk): found by ``doctor``, and brought back from their reflog by ``doctor --fix``.

A history is judged as git reads it (``git rev-list --objects``: replace refs and grafts
followed, objects libgit2 reads and git refuses refused), never by libgit2 alone. The fix
never moves a ref back over what git can read: it restores a ref from its reflog only
when git cannot read the commit it points at, nor any newer value of its reflog that is
one of the session's own commits; otherwise the ref stays as it is and the finding says
how to move it back by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from git_session import codec, gitcli
from git_session.errors import DataError, GitError
from git_session.gitrepo import Repo
from git_session.names import BROKEN_PREFIX, NOTES_REF, PRIVATE_PREFIX, SESSIONS_PREFIX, ObjectId
from git_session.store import META_PATH

Action = Literal["restore", "aside", "leave"]


@dataclass(frozen=True)
class Broken:
    """A ref of ours whose history git cannot read in full, and what ``--fix`` does with it:
    ``restore`` (to ``target``), ``aside``, or ``leave`` (``why`` says why)."""

    ref: str
    tip: ObjectId | None  # None: the ref's own file is damaged
    problem: str
    action: Action = "leave"
    target: ObjectId | None = None
    why: str = ""

    @property
    def aside(self) -> str:
        return BROKEN_PREFIX + self.ref.removeprefix("refs/")

    @property
    def fixable(self) -> bool:
        """Whether ``--fix`` has something to do or say (the notes with no complete commit
        in their reflog: it says so); a ref it leaves for a reason (``why``) is not."""
        return self.tip is not None and not self.why


def broken_refs(repo: Repo) -> list[Broken]:
    """Every session (and private layer, and the notes) whose history git cannot read in full."""
    refs, damaged = _our_refs(repo)
    found = [Broken(name, None, problem) for name, problem in damaged]
    unreadable = unreadable_histories(repo, [tip for _, tip in refs])
    for name, tip in refs:
        if tip in unreadable:
            found.append(_planned(repo, name, tip, repo.history_problem(tip) or unreadable[tip]))
    return found


def _our_refs(repo: Repo) -> tuple[list[tuple[str, ObjectId]], list[tuple[str, str]]]:
    """The sessions, private layers and the notes: those with a tip, and those whose ref file
    is damaged, with its problem."""
    refs: list[tuple[str, ObjectId]] = []
    damaged: list[tuple[str, str]] = []
    names = [name for prefix in (SESSIONS_PREFIX, PRIVATE_PREFIX) for name in repo.ref_names(prefix)]
    for name in [*names, NOTES_REF]:
        try:
            tip = repo.ref_target(name)
        except DataError as exc:
            damaged.append((name, exc.message))
            continue
        refs += [(name, tip)] if tip is not None else []
    return refs, damaged


def unfollowed(repo: Repo) -> list[tuple[str, str]]:
    """The refs of ours whose history git reads only through a replace ref (``refs/replace/``),
    which libgit2, and so git-session's own reads (``log``), do not follow: each with what
    libgit2 misses. None looked at where the repository has no replace ref (the usual case)."""
    listed = gitcli.run(["for-each-ref", "--count=1", "--format=x", "refs/replace/"], git_dir=repo.git_dir, check=False)
    if listed.returncode != 0 or not listed.stdout.strip():
        return []
    refs, _ = _our_refs(repo)  # (a damaged ref file: a problem of its own)
    missed = [(name, tip, problem) for name, tip in refs if (problem := repo.history_problem(tip)) is not None]
    unreadable = unreadable_histories(repo, [tip for _, tip, _ in missed])
    read = [(name, tip, problem) for name, tip, problem in missed if tip not in unreadable]
    # only through refs/replace/: not what git reads without them (a partial clone's objects, say)
    replaced = unreadable_histories(repo, [tip for _, tip, _ in read], replace=False)
    return [(name, problem) for name, tip, problem in read if tip in replaced]


def unreadable_histories(repo: Repo, tips: Sequence[str], replace: bool = True) -> dict[str, str]:
    """Those of ``tips`` whose history git cannot read in full (commits, trees, and the
    files those name), each with git's reason: one ``git rev-list --objects`` for them all
    and, when it fails, halves of them until each failing tip is found alone. Without
    ``replace``, as git reads them when it does not follow refs/replace/."""
    unique = list(dict.fromkeys(tips))
    try:
        _walked(repo, unique, replace)
        return {}
    except GitError as exc:
        split = gitcli.halved(unique, lambda part: _walked(repo, part, replace), exc)
    assert split is not None  # (no bound given)
    return {tip: error.message for tip, error in split[1]}


def _walked(repo: Repo, tips: Sequence[str], replace: bool) -> None:
    reason = _history_unreadable(repo, tips, replace) if tips else None
    if reason is not None:
        raise GitError(reason)


def _history_unreadable(repo: Repo, tips: Sequence[str], replace: bool = True) -> str | None:
    """Why git cannot read the histories of ``tips`` in full; ``None``: it can. An object a
    partial clone's promisor remote holds counts as readable (and is not fetched)."""
    walked = gitcli.run(
        [
            *([] if replace else ["--no-replace-objects"]),
            *("rev-list", "--objects", "--quiet", "--missing=allow-promisor", "--stdin"),
        ],
        git_dir=repo.git_dir,
        input="".join(f"{tip}^{{commit}}\n" for tip in tips),  # a history: a ref at a file is none
        check=False,
    )
    if walked.returncode == 0:
        return None
    lines = [line.strip() for line in walked.stderr.splitlines() if line.strip()]
    first = lines[0] if lines else f"exit status {walked.returncode}"
    for prefix in ("error: ", "fatal: "):
        first = first.removeprefix(prefix)
    return f"git cannot read its history: {first[:200]}"


def _planned(repo: Repo, ref: str, tip: ObjectId, problem: str) -> Broken:
    """What ``--fix`` does with ``ref``: never move it back over what git reads."""
    if _git_commit(repo, tip) or repo.is_commit(tip):  # either reader: never moved back over it
        why = (
            f"git reads its newest commit, which the fix never moves back over "
            f"(git reflog {ref} lists its earlier values)"
        )
        return Broken(ref, tip, problem, "leave", None, why)
    for value in repo.reflog_targets(ref):
        if value == tip:
            continue
        if _restorable(repo, ref, value):
            return Broken(ref, tip, problem, "restore", value)
        if (_git_commit(repo, value) or repo.is_commit(value)) and _own(repo, ref, value) is not False:
            why = f"git reads the commit {value[:12]} of its reflog, whose history is not whole: the fix leaves it"
            return Broken(ref, tip, problem, "leave", None, why)
    if ref == NOTES_REF:
        return Broken(ref, tip, problem, "leave", None, "")
    return Broken(ref, tip, problem, "aside")


def repair(repo: Repo, broken: Broken) -> str:
    """Point the ref at the newest value in its reflog whose history is complete; failing
    that, move it (and its reflog) aside, so that every other command works again. A ref
    whose own file is damaged is left to the user: git reports it too; so is one that
    git still reads (see ``_planned``)."""
    if broken.tip is None:
        return f"{broken.ref} is damaged itself: left as it is (git update-ref -d {broken.ref} removes it)"
    if broken.action == "restore" and broken.target is not None:
        target = broken.target
        if not repo.cas_ref(broken.ref, target, broken.tip, "git-session: doctor --fix, from the reflog"):
            return f"{broken.ref} changed meanwhile: left as it is"
        repo.drop_broken_reflog_entries(broken.ref, present=lambda oids: _git_objects(repo, oids))
        return f"restored {broken.ref} to {target[:12]}, the newest complete commit of its reflog"
    if broken.ref == NOTES_REF and not broken.why:
        return f"{NOTES_REF} has no complete commit in its reflog: left as it is (git notes --ref=sessions shows it)"
    if broken.action == "leave":
        return f"{broken.ref} left as it is: {broken.why}"
    aside = repo.move_ref_aside(broken.ref, broken.aside, broken.tip)
    if aside is None:
        return f"{broken.ref} changed meanwhile, or another writer holds it: left as it is"
    kept = f" ({broken.aside} holds an earlier copy, kept)" if aside != broken.aside else ""
    return f"moved {broken.ref} aside to {aside}{kept}: its reflog has no complete commit"


def _restorable(repo: Repo, ref: str, target: ObjectId) -> bool:
    """Whether ``ref`` may take ``target`` from its reflog: a commit whose history git reads
    in full and, for a session, one of the session's own (its meta.json names it), not any
    object a hand-edited or damaged reflog names."""
    if not _git_commit(repo, target) or _history_unreadable(repo, [target]) is not None:
        return False
    return _own(repo, ref, target) is True


def _own(repo: Repo, ref: str, commit: ObjectId) -> bool | None:
    """Whether ``commit`` (which git reads) is one of the session's own: its meta.json, as
    git reads it, names the session; ``None``: git cannot read its tree, or the meta.json
    the tree names, to tell."""
    if not ref.startswith(SESSIONS_PREFIX):
        return True
    shown = gitcli.run(["cat-file", "blob", f"{commit}:{META_PATH}"], git_dir=repo.git_dir, check=False)
    if shown.returncode != 0:  # no meta.json: not the session's; one git cannot read: cannot tell
        if not _git_object(repo, f"{commit}^{{tree}}"):
            return None
        listed = gitcli.run(["ls-tree", commit, "--", META_PATH], git_dir=repo.git_dir, check=False)
        return None if listed.stdout.split(" ", 2)[1:2] == ["blob"] else False  # a file named, gone
    try:
        data = shown.stdout.encode("utf-8", "surrogateescape")
        return codec.meta_from_bytes(data, ref).id == ref.rsplit("/", 1)[1]
    except DataError:
        return False


def _git_commit(repo: Repo, oid: str) -> bool:
    """Whether git reads ``oid`` as a commit (a replace ref followed)."""
    return gitcli.run(["cat-file", "commit", oid], git_dir=repo.git_dir, check=False).returncode == 0


def _git_object(repo: Repo, name: str) -> bool:
    """Whether git finds the object ``name`` (a replace ref followed)."""
    return gitcli.run(["cat-file", "-e", name], git_dir=repo.git_dir, check=False).returncode == 0


def _git_objects(repo: Repo, oids: Sequence[str]) -> set[str]:
    """Which of ``oids`` git finds (replace refs followed), by one ``git cat-file --batch-check``."""
    if not oids:
        return set()
    checked = gitcli.run(
        ["cat-file", "--batch-check=%(objectname)"],
        git_dir=repo.git_dir,
        input="".join(f"{oid}\n" for oid in oids),
        check=False,
    )
    answers = checked.stdout.splitlines()
    if checked.returncode != 0 or len(answers) != len(oids):
        return {oid for oid in oids if repo.has_object(oid)}
    return {oid for oid, answer in zip(oids, answers, strict=True) if not answer.endswith(" missing")}
