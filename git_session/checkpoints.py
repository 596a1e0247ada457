"""Checkpoints: labelled snapshots of the working tree, kept as git objects in the session.

A snapshot is what ``git add -A && git write-tree`` would record — staged, unstaged and
untracked-but-not-ignored files, with their modes and symlinks — made in a temporary
index, so that HEAD, the index and the working tree are never touched (``git stash
create``, plus the untracked files). The store links each checkpoint's snapshot tree
into the session's own tree, which keeps it reachable: ``git gc`` never drops it.

Restoring writes the working tree only (never HEAD or the index), and first checkpoints
the current state, so that a restore can itself be undone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from git_session import codec, gitcli
from git_session.errors import DataError, UserError
from git_session.gitrepo import Repo
from git_session.model import Entry
from git_session.names import ObjectId
from git_session.sessions import Found, Workspace
from git_session.store import Draft

KIND = "checkpoint"


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
            "run git session in a work tree (a clone, or git worktree add)",
        )
    return repo.workdir


def snapshot(repo: Repo) -> Snapshot:
    """Write the working tree as git objects; nothing else changes."""
    with _scratch_index(repo, copy_real=True) as env:
        _git(repo, ["add", "--all"], env)
        tree = _git(repo, ["write-tree"], env).strip()
    return Snapshot(ObjectId.of(tree), repo.head_commit())


@contextmanager
def _scratch_index(repo: Repo, copy_real: bool) -> Iterator[dict[str, str]]:
    """An index of our own (a copy of the real one, or empty), removed afterwards.

    The copy keeps the real index's modification time: git trusts an entry's cached stat
    data only when the file is older than the index (its racy-clean check), so a copy
    with a new time would record a file edited in the second of its ``git add`` stale."""
    with tempfile.TemporaryDirectory(prefix="git-session-") as folder:
        path = os.path.join(folder, "index")
        real = os.path.join(repo.git_dir, "index")
        if copy_real and os.path.isfile(real):
            shutil.copy2(real, path)
        yield {"GIT_INDEX_FILE": path}


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
) -> Created:
    """Snapshot the working tree and record it as a checkpoint (and a decision, if given)."""
    if rationale is not None and decision is None:
        raise UserError("--rationale goes with --decision TEXT")
    work_tree(ws.repo)
    found = ws.find(spec)
    taken = snapshot(ws.repo)
    text = codec.check_text(label or _default_label(ws.repo, taken), "label")
    drafts = [_checkpoint_draft(ws, text, taken)]
    if decision is not None:
        fields: dict[str, Any] = {"text": codec.check_text(decision, "decision"), "checkpoint": drafts[0].id}
        if rationale:
            fields["rationale"] = codec.check_text(rationale, "rationale")
        drafts.append(Draft("add", {"kind": "decision", "fields": fields}, agent=ws.agent))
    found, _ = ws._append(found.handle.id, lambda handle, meta: drafts, f"checkpoint: {text}", found=found)
    checkpoint = ws.store.entry(found.handle, KIND, drafts[0].id)
    made = ws.store.entry(found.handle, "decision", drafts[1].id) if decision is not None else None
    assert checkpoint is not None
    return Created(found, checkpoint, made)


def _default_label(repo: Repo, taken: Snapshot) -> str:
    branch = repo.head_branch()
    where = f" on {branch}" if branch else ""
    return f"checkpoint{where} at {taken.head[:7]}" if taken.head else f"checkpoint{where} (no commit yet)"


def _checkpoint_draft(ws: Workspace, label: str, taken: Snapshot) -> Draft:
    fields = {"text": label, "label": label, "commit": taken.head, "snapshot": taken.tree}
    return Draft("add", {"kind": KIND, "fields": fields}, agent=ws.agent)


def listing(ws: Workspace, spec: str | None) -> tuple[Found, list[Entry]]:
    found = ws.find(spec)
    entries = ws.store.entries(found.handle, KIND)
    return found, sorted(entries, key=lambda e: e.added)


def find(ws: Workspace, spec: str | None, prefix: str) -> tuple[Found, Entry, ObjectId]:
    """A checkpoint by id prefix, with its snapshot tree (which must be here)."""
    work_tree(ws.repo)
    found = ws.find(spec)
    entry = ws.find_entry(found, KIND, prefix)
    tree = entry.values.get("snapshot")
    if not isinstance(tree, str) or not ws.repo.is_tree(tree):
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
    """Make the working tree (or the given paths of it) match a checkpoint.

    The current state is checkpointed first. HEAD and the index are left alone.
    """
    found, entry, old = find(ws, spec, prefix)
    selected = tree_paths(ws.repo, cwd, paths)
    now = snapshot(ws.repo)
    _check_paths_exist(ws.repo, selected, (old, now.tree))
    changes = _changed(ws.repo, old, now.tree, selected)
    if not changes:
        return Restored(found, entry, None, (), ())
    label = f"before restore of {ws.short_entry_id(found, KIND, entry.id)}"
    draft = _checkpoint_draft(ws, label, now)
    found, _ = ws._append(found.handle.id, lambda handle, meta: [draft], f"checkpoint: {label}", found=found)
    before = ws.store.entry(found.handle, KIND, draft.id)
    deleted = [path for status, path in changes if status == "A"]
    written = [path for status, path in changes if status != "A"]
    _delete(ws.repo, deleted)
    _write(ws.repo, old, written)
    return Restored(found, entry, before, tuple(written), tuple(deleted))


def _check_paths_exist(repo: Repo, paths: Sequence[str], trees: Sequence[ObjectId]) -> None:
    for path in paths:
        if path != "." and not any(repo.entry_at(tree, path) for tree in trees):
            raise UserError(f"{path!r} is neither in the checkpoint nor in the working tree")


def _changed(repo: Repo, old: ObjectId, new: ObjectId, paths: Sequence[str]) -> list[tuple[str, str]]:
    """(status, path) of every file that differs: A exists only now, D only then, M/T both."""
    output = _git(repo, ["diff-tree", "-r", "-z", "--no-renames", "--name-status", old, new, "--", *paths])
    records = gitcli.split_z(output)
    return [(records[i][0], records[i + 1]) for i in range(0, len(records) - 1, 2)]


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


def _write(repo: Repo, tree: ObjectId, paths: Sequence[str]) -> None:
    """Write files from a tree with their exact content, mode and symlinks (git checkout-index)."""
    if not paths:
        return
    with _scratch_index(repo, copy_real=False) as env:
        _git(repo, ["read-tree", tree], env)
        _git(repo, ["checkout-index", "--force", "-z", "--stdin"], env, input="".join(f"{p}\0" for p in paths))
