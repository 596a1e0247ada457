"""Checkpoints: labelled snapshots of the working tree, kept as git objects in the session.

A snapshot is what ``git add -A && git write-tree`` would record — staged, unstaged and
untracked-but-not-ignored files, with their modes and symlinks — made in a temporary
index, so that HEAD, the index and the working tree are never touched (``git stash
create``, plus the untracked files). The store links each checkpoint's snapshot tree
into the session's own tree, which keeps it reachable: ``git gc`` never drops it.

Restoring writes the working tree only (never HEAD or the index), and first checkpoints
the current state, so that a restore can itself be undone. It is all or nothing: the
snapshot (untrusted: it may come from a remote) and the working tree are checked before
anything changes, what no checkpoint holds (ignored files, nested repositories) is never
deleted, and a failure while writing puts the files back from that checkpoint.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from git_session import codec, gitcli
from git_session.errors import EXIT_INTERRUPTED, Advice, DataError, GitError, UserError
from git_session.gitrepo import Repo, stops_as_interrupts
from git_session.model import Entry, EntryKind, Fields, FieldValue
from git_session.names import ObjectId
from git_session.sessions import Found, Workspace
from git_session.store import Draft

KIND: EntryKind = "checkpoint"
GITLINK = "160000"
TREE = "040000"
INTERRUPTED = "interrupted"
UNSAVED_HINT = "move it out of the way, then restore again; nothing was changed"
# Characters HFS+ ignores in names (".g\u200cit" is ".git" there), as git's is_hfs_dotgit drops them.
_HFS_IGNORED = dict.fromkeys([*range(0x200C, 0x2010), *range(0x202A, 0x202F), *range(0x206A, 0x2070), 0xFEFF])


@dataclass(frozen=True)
class Snapshot:
    """The working tree as a tree object, and the commit HEAD pointed at (``None``: unborn)."""

    tree: ObjectId
    head: ObjectId | None


@dataclass(frozen=True)
class Created:
    found: Found
    checkpoint: Entry
    decision: Entry | None


@dataclass(frozen=True)
class Restored:
    found: Found
    checkpoint: Entry  # the checkpoint restored
    before: Entry | None  # the checkpoint of the state it replaced (None: nothing changed)
    written: tuple[str, ...]
    deleted: tuple[str, ...]


# --- snapshots ------------------------------------------------------------------------


def work_tree(repo: Repo) -> str:
    if repo.is_bare or repo.workdir is None:
        raise UserError(
            "this is a bare repository: it has no working tree to checkpoint or restore",
            advice=Advice.WORK_TREE_NEEDED,
        )
    return repo.workdir


def snapshot(repo: Repo) -> Snapshot:
    """Write the working tree as git objects; nothing else changes."""
    with _scratch_index(repo, copy_real=True) as env:
        _forget_assumed(repo, env)
        _git(repo, ["-c", "core.fsmonitor=false", "-c", "core.ignoreStat=false", "add", "--all"], env)
        tree = _git(repo, ["write-tree"], env).strip()
    return Snapshot(ObjectId.of(tree), repo.head_commit())


def _forget_assumed(repo: Repo, env: dict[str, str]) -> None:
    """Files marked assume-unchanged (by hand, or by core.ignoreStat) or skip-worktree (by
    hand: a file of a sparse checkout that is not on disk keeps its mark) are read again, in
    the copy only: ``git add`` would keep their staged content however they were edited."""
    top = work_tree(repo)
    listed = gitcli.split_z(_git(repo, ["ls-files", "-v", "-z"], env))
    assumed = [record[2:] for record in listed if record[:1].islower()]
    skipped = [r[2:] for r in listed if r[:1] in "Ss" and os.path.lexists(os.path.join(top, *r[2:].split("/")))]
    for flag, paths in (("--no-assume-unchanged", assumed), ("--no-skip-worktree", skipped)):
        if paths:
            _git(repo, ["update-index", flag, "-z", "--stdin"], env, input="".join(f"{path}\0" for path in paths))


@contextmanager
def _scratch_index(repo: Repo, copy_real: bool) -> Iterator[dict[str, str]]:
    """An index of our own (a copy of the real one, or empty), removed afterwards.

    The copy keeps the real index's modification time: git trusts an entry's cached stat
    data only when the file is older than the index (its racy-clean check), so a copy
    with a new time would record a file edited in the second of its ``git add`` stale."""
    with tempfile.TemporaryDirectory(prefix="git-session-") as folder:
        path = os.path.join(folder, "index")
        if copy_real:
            _copy_index(os.path.join(repo.git_dir, "index"), path)
        yield {"GIT_INDEX_FILE": path}


def _copy_index(real: str, path: str) -> None:
    """Copy the index with the time of the very file read: git renames a new index into
    place at any moment, and another file's (newer) time would defeat the racy-clean check."""
    try:
        with open(real, "rb") as source, open(path, "wb") as copy:
            shutil.copyfileobj(source, copy)
            read = os.fstat(source.fileno())
    except FileNotFoundError:
        return  # no index yet: every file is read
    os.utime(path, ns=(read.st_atime_ns, read.st_mtime_ns))


def _git(repo: Repo, args: Sequence[str], env: dict[str, str] | None = None, input: str | None = None) -> str:
    top = work_tree(repo)
    command = ["--work-tree", top, "--literal-pathspecs", *args]
    return gitcli.run(command, git_dir=repo.git_dir, cwd=top, env=env, input=input).stdout


def tree_paths(repo: Repo, cwd: str, paths: Sequence[str]) -> list[str]:
    """Paths given on the command line (relative to ``cwd``) as paths from the work tree's top."""
    top = os.path.realpath(work_tree(repo))
    found = []
    for path in paths:
        full = os.path.normpath(os.path.join(os.path.realpath(cwd), path))
        relative = os.path.relpath(full, top)
        if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
            raise UserError(f"{path!r} is outside the work tree {top}")
        found.append(relative.replace(os.sep, "/"))
    return found


# --- commands -------------------------------------------------------------------------


def create(
    ws: Workspace,
    spec: str | None,
    label: str | None,
    decision: str | None = None,
    rationale: str | None = None,
    extra: Fields | None = None,
) -> Created:
    """Snapshot the working tree and record it as a checkpoint (and a decision, if given);
    ``extra``: more fields of the checkpoint (a compaction's number, the agent's)."""
    if rationale is not None and decision is None:
        raise UserError("a rationale goes with a decision", advice=Advice.RATIONALE_WITHOUT_DECISION)
    for what, given in (("label", label), ("decision", decision)):
        if given is not None:
            codec.check_given(given, what)
    work_tree(ws.repo)
    found = ws.find(spec)
    taken = snapshot(ws.repo)
    # (the default label names the branch, whose name may be no UTF-8)
    text = label if label is not None else codec.check_text(_default_label(ws.repo, taken), "label")
    drafts = [_checkpoint_draft(ws, text, taken, extra or {})]
    if decision is not None:
        fields: dict[str, FieldValue] = {"text": decision, "checkpoint": drafts[0].id}
        if rationale:
            fields["rationale"] = codec.check_text(rationale, "rationale")
        drafts.append(Draft.add("decision", fields, agent=ws.agent))
    found, _ = ws._append(found.handle.id, lambda handle, meta: drafts, f"checkpoint: {text}", found=found)
    checkpoint = ws.store.entry(found.handle, KIND, drafts[0].id)
    made = ws.store.entry(found.handle, "decision", drafts[1].id) if decision is not None else None
    assert checkpoint is not None
    return Created(found, checkpoint, made)


def _default_label(repo: Repo, taken: Snapshot) -> str:
    branch = repo.head_branch()
    where = f" on {branch}" if branch else ""
    return f"checkpoint{where} at {taken.head[:7]}" if taken.head else f"checkpoint{where} (no commit yet)"


def _checkpoint_draft(ws: Workspace, label: str, taken: Snapshot, extra: Fields | None = None) -> Draft:
    fields = {**(extra or {}), "text": label, "label": label, "commit": taken.head, "snapshot": taken.tree}
    return Draft.add(KIND, fields, agent=ws.agent)


def listing(ws: Workspace, spec: str | None) -> tuple[Found, list[Entry]]:
    found = ws.find(spec)
    entries = ws.store.entries(found.handle, KIND)
    return found, sorted(entries, key=lambda e: e.added)


def find(ws: Workspace, spec: str | None, prefix: str) -> tuple[Found, Entry, ObjectId]:
    """A checkpoint by id prefix, with its snapshot tree (which must be here)."""
    work_tree(ws.repo)
    found = ws.find(spec)
    entry = ws.find_entry(found, KIND, prefix)
    tree = entry.snapshot
    if tree is None or not ObjectId.is_full(tree) or not ws.repo.is_tree(tree):
        short = ws.short_entry_id(found, KIND, entry.id)
        raise DataError(f"checkpoint {short} has no snapshot in this repository")
    return found, entry, ObjectId(tree)


def diff(
    ws: Workspace,
    spec: str | None,
    prefix: str,
    paths: Sequence[str] = (),
    *,
    cwd: str,
    stat: bool = False,
    color: bool = False,
) -> str:
    """What changed in the working tree since the checkpoint, as ``git diff`` shows it."""
    _, _, old = find(ws, spec, prefix)
    selected = tree_paths(ws.repo, cwd, paths)
    new = snapshot(ws.repo).tree
    options = ["--color=always" if color else "--no-color", "--no-ext-diff", *(["--stat"] if stat else [])]
    return _git(ws.repo, ["diff", *options, old, new, "--", *selected])


def restore(ws: Workspace, spec: str | None, prefix: str, paths: Sequence[str] = (), *, cwd: str) -> Restored:
    """Make the working tree (or the given paths of it) match a checkpoint, all or nothing.

    Everything is checked before anything changes: the snapshot is untrusted data (it may
    come from a remote), and nothing that no checkpoint holds may be deleted. Then the
    current state is checkpointed, and if writing fails part way it is put back from that
    checkpoint. HEAD and the index are left alone.
    """
    found, entry, old = find(ws, spec, prefix)
    selected = tree_paths(ws.repo, cwd, paths)
    now = snapshot(ws.repo)
    _check_paths_exist(ws.repo, selected, (old, now.tree))
    changes = _changed(ws.repo, old, now.tree, selected)
    if not changes:
        return Restored(found, entry, None, (), ())
    plan = Plan(*(tuple(path for status, path in changes if status in kinds) for kinds in ("A", "MT", "D")))
    with _scratch_index(ws.repo, copy_real=False) as env:
        plan = _check_plan(ws.repo, old, now.tree, selected, plan, env)
        if not (plan.delete or plan.write):  # what differs is already there (an ignored file)
            return Restored(found, entry, None, (), ())
        label = f"before restore of {ws.short_entry_id(found, KIND, entry.id)}"
        draft = _checkpoint_draft(ws, label, now)
        found, _ = ws._append(found.handle.id, lambda handle, meta: [draft], f"checkpoint: {label}", found=found)
        before = ws.store.entry(found.handle, KIND, draft.id)
        assert before is not None
        with stops_as_interrupts():
            _apply_or_roll_back(ws, found, spec, before, now.tree, plan, env)
    return Restored(found, entry, before, plan.write, plan.delete)


@dataclass(frozen=True)
class Plan:
    """What a restore changes: files only here now are deleted, then the files changed
    since (``replace``) and those only in the checkpoint (``create``) are written."""

    delete: tuple[str, ...]
    replace: tuple[str, ...]
    create: tuple[str, ...]

    @property
    def write(self) -> tuple[str, ...]:
        return tuple(sorted((*self.replace, *self.create)))

    def undo(self) -> Plan:
        """The plan that puts the files back as they were."""
        return Plan(delete=self.create, replace=self.replace, create=self.delete)


def _check_paths_exist(repo: Repo, paths: Sequence[str], trees: Sequence[ObjectId]) -> None:
    for path in paths:
        if path != "." and not any(repo.entry_at(tree, path) for tree in trees):
            raise UserError(f"{path!r} is neither in the checkpoint nor in the working tree")


def _changed(repo: Repo, old: ObjectId, new: ObjectId, paths: Sequence[str]) -> list[tuple[str, str]]:
    """(status, path) of every file that differs: A exists only now, D only then, M/T both."""
    output = _git(repo, ["diff-tree", "-r", "-z", "--no-renames", "--name-status", old, new, "--", *paths])
    records = gitcli.split_z(output)
    return [(records[i][0], records[i + 1]) for i in range(0, len(records) - 1, 2)]


# --- checks before anything changes -----------------------------------------------------


def _check_plan(
    repo: Repo, old: ObjectId, now: ObjectId, selected: Sequence[str], plan: Plan, env: dict[str, str]
) -> Plan:
    """Refuse, before anything changes, a snapshot git would not check out, a file no
    checkpoint holds that the restore would delete, and a folder it cannot write in.
    Returns the plan without the files already there as written (ignored ones, which
    putting the files back must not delete)."""
    target = _listing(repo, old, selected)
    _check_tree(target)
    _stage(repo, target, plan.write, env)
    top = work_tree(repo)
    saved = {path: mode for mode, _, path in _listing(repo, now, selected) if mode != GITLINK}
    there = {path for path in plan.write if _check_unsaved(repo, top, path, saved, set(plan.delete), env)}
    for path in (*plan.delete, *plan.write):
        _check_writable(top, path)
    return Plan(plan.delete, plan.replace, tuple(path for path in plan.create if path not in there))


def _listing(repo: Repo, tree: ObjectId, paths: Sequence[str]) -> list[tuple[str, str, str]]:
    """(mode, object id, path) of every entry below ``paths`` of a tree, folders included."""
    output = _git(repo, ["ls-tree", "-r", "-t", "-z", "--full-tree", tree, "--", *paths])
    entries = []
    for record in gitcli.split_z(output):
        info, _, path = record.partition("\t")
        mode, _, oid = info.split(" ")
        entries.append((mode, oid, path))
    return entries


def _check_tree(entries: Sequence[tuple[str, str, str]]) -> None:
    """Every path must be one git would check out, named once, and no file may stand
    where another entry needs a folder (a malformed or hostile snapshot)."""
    kinds: dict[str, str] = {}
    for mode, _, path in entries:
        reason = unsafe_path(path)
        if reason is None and path in kinds:
            reason = "it is in the snapshot twice"
        if reason is not None:
            raise DataError(f"the checkpoint's snapshot holds a path that cannot be restored: {path!r} ({reason})")
        kinds[path] = mode
    for path in kinds:
        parent = path.rpartition("/")[0]
        if parent and kinds.get(parent, TREE) != TREE:
            raise DataError(f"the checkpoint's snapshot holds a path that cannot be restored: {path!r} (inside a file)")


def unsafe_path(path: str) -> str | None:
    """Why git would refuse to write ``path`` in a working tree (None: it would not).

    As git's ``verify_path`` with core.protectNTFS and core.protectHFS: no empty, ``.``
    or ``..`` part, and no part that any file system takes for ``.git``."""
    for part in path.split("/"):
        if part in ("", ".", ".."):
            return "an empty, . or .. part"
        folded = part.translate(_HFS_IGNORED).casefold().rstrip(". ")
        if folded == ".git" or folded.startswith(".git:") or folded == "git~1":
            return "it names the .git folder"
    return None


def _stage(repo: Repo, target: Sequence[tuple[str, str, str]], paths: Sequence[str], env: dict[str, str]) -> None:
    """Put the files to write into the scratch index, and check that git took every one."""
    wanted = set(paths)
    lines = "".join(f"{mode} {oid}\t{path}\0" for mode, oid, path in target if path in wanted and mode != TREE)
    strict = ["-c", "core.protectNTFS=true", "-c", "core.protectHFS=true"]
    _git(repo, [*strict, "update-index", "--add", "-z", "--index-info"], env, input=lines)
    staged = set(gitcli.split_z(_git(repo, ["ls-files", "-z"], env)))
    refused = sorted(wanted - staged)
    if refused:
        raise DataError(f"the checkpoint's snapshot holds a path that cannot be restored: {refused[0]!r}")


def _check_unsaved(
    repo: Repo, top: str, path: str, saved: dict[str, str], deleted: set[str], env: dict[str, str]
) -> bool:
    """Writing ``path`` replaces whatever is there and along its folders: each of those
    must be in the undo checkpoint (or be the very file written: then True), and no folder
    on the way may be a nested repository (no checkpoint sees its files), or nothing is done."""
    parts = path.split("/")
    for depth in range(1, len(parts)):
        leading = "/".join(parts[:depth])
        kind = _kind(top, leading)
        if kind == "dir" and os.path.lexists(os.path.join(top, *parts[:depth], ".git")):
            raise UserError(
                f"writing {path!r} would put it in the nested repository {leading!r}, which no checkpoint holds",
                UNSAVED_HINT,
            )
        if kind == "dir":
            continue
        if kind is None or leading in deleted:
            return False
        _refuse_unsaved(path, leading, f"a {kind} where the checkpoint has a folder")
    full = os.path.join(top, *parts)
    kind = _kind(top, path)
    if kind == "dir":
        for inside in _files_below(top, path):
            if inside not in deleted:
                _refuse_unsaved(path, inside, "ignored, or in a nested repository")
    elif kind is not None and path not in saved:
        if not _same_file(repo, full, path, env):
            _refuse_unsaved(path, path, f"an ignored {kind}")
        return True
    return False


def _kind(top: str, path: str) -> str | None:
    try:
        mode = os.lstat(os.path.join(top, *path.split("/"))).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise UserError(f"cannot restore {path!r}: {exc.strerror or exc}; nothing was changed") from None
    if stat.S_ISLNK(mode):
        return "symbolic link"
    return "dir" if stat.S_ISDIR(mode) else "file"


def _files_below(top: str, path: str) -> Iterator[str]:
    """Every file and symbolic link below a folder (symbolic links are not followed)."""
    for folder, dirs, files in os.walk(os.path.join(top, *path.split("/"))):
        below = os.path.relpath(folder, top).replace(os.sep, "/")
        links = [name for name in dirs if os.path.islink(os.path.join(folder, name))]
        for name in sorted([*files, *links]):
            yield f"{below}/{name}"


def _same_file(repo: Repo, full: str, path: str, env: dict[str, str]) -> bool:
    """Whether a file holds exactly what would be written over it (then nothing is lost)."""
    if not os.path.isfile(full) or os.path.islink(full):
        return False
    staged = _git(repo, ["ls-files", "-s", "-z", "--", path], env).split(" ")
    on_disk = _git(repo, ["hash-object", "--no-filters", "--", full]).strip()
    return len(staged) > 1 and staged[1] == on_disk and (staged[0] == "100755") == os.access(full, os.X_OK)


def _refuse_unsaved(path: str, lost: str, what: str) -> None:
    where = f"writing {path!r} would delete {lost!r}" if lost != path else f"writing {path!r} would replace it"
    raise UserError(f"{where}, which no checkpoint holds ({what})", UNSAVED_HINT)


def _check_writable(top: str, path: str) -> None:
    """The folder a file is written in (or the nearest one that exists) must be writable."""
    folder = os.path.dirname(os.path.join(top, *path.split("/")))
    while not os.path.lexists(folder) and os.path.normpath(folder) != os.path.normpath(top):
        folder = os.path.dirname(folder)
    if os.path.isdir(folder) and not os.access(folder, os.W_OK | os.X_OK):
        shown = os.path.relpath(folder, top).replace(os.sep, "/")
        raise UserError(f"cannot restore {path!r}: the folder {shown!r} is not writable; nothing was changed")


# --- applying -------------------------------------------------------------------------------


def _apply_or_roll_back(
    ws: Workspace, found: Found, spec: str | None, before: Entry, now: ObjectId, plan: Plan, env: dict[str, str]
) -> None:
    """Apply the plan; if that fails (or Ctrl-C stops it), put the files back from the undo
    checkpoint and say so."""
    try:
        _apply(ws.repo, plan, env)
        return
    except (OSError, GitError, KeyboardInterrupt) as exc:
        failure = _reason(exc)
    undo = ws.short_entry_id(found, KIND, before.id)
    data = {"failure": failure, "undo": undo, "session": ws.short_session_id(found.handle.id) if spec else ""}
    try:
        with _scratch_index(ws.repo, copy_real=False) as back:
            _git(ws.repo, ["read-tree", now], back)
            _apply(ws.repo, plan.undo(), back)
    except (OSError, GitError, KeyboardInterrupt) as exc:
        data["also"] = _reason(exc)
        raise _failed(
            f"restore failed ({failure}) and putting the files back failed too ({data['also']}); "
            f"checkpoint {undo} holds them",
            Advice.RESTORE_NOT_PUT_BACK,
            data,
        ) from None
    raise _failed(
        f"restore failed ({failure}); the files were put back as checkpoint {undo} holds them",
        Advice.RESTORE_PUT_BACK,
        data,
    )


def _failed(message: str, advice: Advice, data: dict[str, str]) -> UserError:
    """The error of a failed restore; one that Ctrl-C stopped exits as an interrupted command.

    ``data``: the ``failure``, the ``undo`` checkpoint, the ``session`` named by the user
    (or empty), and the failure to put the files back (``also``)."""
    error = UserError(message, advice=advice, data=data)
    if data["failure"] == INTERRUPTED:
        error.exit_code = EXIT_INTERRUPTED
    return error


def _apply(repo: Repo, plan: Plan, env: dict[str, str]) -> None:
    _delete(repo, plan.delete)
    if plan.write:
        _git(repo, ["checkout-index", "--force", "-z", "--stdin"], env, input="".join(f"{p}\0" for p in plan.write))


def _reason(exc: OSError | GitError | KeyboardInterrupt) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED
    if isinstance(exc, OSError):
        return f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
    lines = [line.removeprefix("error: ") for line in exc.stderr.splitlines() if line.strip()]
    return lines[0] if lines else exc.message


def _delete(repo: Repo, paths: Sequence[str]) -> None:
    """Remove files (never directories: a submodule stays), then the folders they leave empty."""
    top = work_tree(repo)
    for path in paths:
        full = os.path.join(top, *path.split("/"))
        if os.path.lexists(full) and not (os.path.isdir(full) and not os.path.islink(full)):
            os.unlink(full)
            _prune_empty_parents(top, os.path.dirname(full))


def _prune_empty_parents(top: str, folder: str) -> None:
    while os.path.normpath(folder) != os.path.normpath(top):
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = os.path.dirname(folder)
