"""All pygit2 access. Everything else sees plain values: ids, texts, dataclasses."""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias

import pygit2
from pygit2.enums import ConfigLevel, DeltaStatus, FileMode, ObjectType, RepositoryOpenFlag, SortMode

from git_session import gitcli
from git_session.errors import GitError, UserError
from git_session.names import PRIVATE_PREFIX, REMOTE_SESSIONS_PREFIX, SESSIONS_PREFIX, BranchName, ObjectId

# Refs only git-session writes, never per-worktree: listed without libgit2 (see ref_names).
_FILE_MODES = (FileMode.BLOB, FileMode.BLOB_EXECUTABLE)
_OWN_REF_PREFIXES = (SESSIONS_PREFIX, REMOTE_SESSIONS_PREFIX, PRIVATE_PREFIX)
_IDENT = re.compile(r"(?P<name>.*) <(?P<email>[^<>]*)> (?P<time>[0-9]+) (?P<tz>[+-][0-9]{4})")


class Ident(NamedTuple):
    """Who writes, and when: what ``git var GIT_AUTHOR_IDENT`` says."""

    name: str
    email: str
    time: int
    tz: str

    @property
    def person(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def offset_minutes(self) -> int:
        sign = -1 if self.tz[0] == "-" else 1
        return sign * (int(self.tz[1:3]) * 60 + int(self.tz[3:5]))


@dataclass(frozen=True)
class CommitInfo:
    id: ObjectId
    parents: tuple[ObjectId, ...]
    message: str
    author: str
    time: int
    tree: ObjectId


class TreeItem(NamedTuple):
    name: str
    id: ObjectId
    is_tree: bool


class Subtree(NamedTuple):
    """A change for ``edit_tree`` that puts a whole tree at a path (a plain id is a blob)."""

    id: ObjectId


Change: TypeAlias = ObjectId | Subtree | None


class Repo:
    """A git repository, opened once per command."""

    def __init__(self, raw: pygit2.Repository) -> None:
        self._raw = raw

    @classmethod
    def discover(cls, start: str | None = None) -> Repo:
        _honour_config_environment()
        path = start or os.environ.get("GIT_DIR") or os.getcwd()
        try:
            return cls(pygit2.Repository(path, RepositoryOpenFlag.FROM_ENV))
        except pygit2.InvalidError as exc:
            if "sha256" in str(exc):
                raise UserError(
                    "this repository uses SHA-256 object names, which git-session cannot read yet",
                    "git-session needs a SHA-1 repository (pygit2 has no SHA-256 support)",
                ) from None
            raise UserError(f"cannot open the repository: {exc}") from None
        except pygit2.GitError:
            raise UserError(
                "not a git repository (or any of the parent directories)",
                "run git session inside a git work tree, or pass -C DIR to git",
            ) from None

    # --- where we are ----------------------------------------------------------------

    @property
    def git_dir(self) -> str:
        return os.path.normpath(self._raw.path)

    @property
    def common_dir(self) -> str:
        commondir = os.path.join(self.git_dir, "commondir")
        if os.path.isfile(commondir):
            with open(commondir, encoding="utf-8") as handle:
                return os.path.normpath(os.path.join(self.git_dir, handle.read().strip()))
        return self.git_dir

    @property
    def workdir(self) -> str | None:
        return None if self._raw.workdir is None else os.path.normpath(self._raw.workdir)

    @property
    def is_bare(self) -> bool:
        return bool(self._raw.is_bare)

    @property
    def is_shallow(self) -> bool:
        return bool(self._raw.is_shallow)

    def head_branch(self) -> BranchName | None:
        """The checked-out branch, born or not; ``None`` when HEAD is detached."""
        try:
            head = self._raw.lookup_reference("HEAD")
        except (pygit2.GitError, KeyError):
            return None
        target = head.target
        if isinstance(target, str) and target.startswith("refs/heads/"):
            return BranchName.of(target)
        return None

    def head_commit(self) -> ObjectId | None:
        """The commit HEAD points at; ``None`` on an unborn branch."""
        if self._raw.head_is_unborn:
            return None
        return ObjectId(str(self._raw.head.target))

    def resolve_commit(self, revision: str) -> ObjectId:
        try:
            obj = self._raw.revparse_single(revision)
            commit = obj.peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            raise UserError(f"unknown revision: {revision!r}") from None
        return ObjectId(str(commit.id))

    def remote_names(self) -> list[str]:
        """The configured remotes (``git remote``)."""
        return [str(name) for name in self._raw.remotes.names()]

    def config_value(self, name: str) -> str | None:
        try:
            value = self._raw.config[name]
        except (KeyError, pygit2.GitError):
            return None
        return str(value)

    def config_entries(self, prefix: str) -> list[tuple[str, str]]:
        """Every config entry whose name starts with ``prefix`` (section names in lower case)."""
        try:
            return [(str(e.name), str(e.value)) for e in self._raw.config if str(e.name).startswith(prefix)]
        except pygit2.GitError:
            return []

    # --- refs ------------------------------------------------------------------------

    def ref_target(self, name: str) -> ObjectId | None:
        try:
            ref = self._raw.lookup_reference(name)
        except (KeyError, pygit2.InvalidSpecError):
            return None
        target = ref.target
        return ObjectId(str(target)) if isinstance(target, pygit2.Oid) else None

    def ref_names(self, prefix: str) -> list[str]:
        """The names of the refs that start with ``prefix``, loose or packed.

        Our own refs are listed as ``git for-each-ref PREFIX`` does, walking only the
        prefix's folder and reading packed-refs: libgit2 lists every ref of the repository
        and reads each loose one, a cost that grows with all the branches and sessions.
        """
        encoded = prefix.encode()
        if not prefix.startswith(_OWN_REF_PREFIXES):
            raw_names = self._raw.raw_listall_references()
            return [n.decode("utf-8", "surrogateescape") for n in raw_names if n.startswith(encoded)]
        names = {n for n in self._loose_ref_names(prefix.rpartition("/")[0]) if n.startswith(prefix)}
        names.update(self._packed_ref_names(encoded))
        return sorted(names)

    def _loose_ref_names(self, folder: str) -> list[str]:
        return _files_below(os.path.join(self.common_dir, *folder.split("/")), folder)

    def _packed_ref_names(self, prefix: bytes) -> list[str]:
        """The packed refs starting with ``prefix`` (``refs/…``): each is a line ``<id> <name>``."""
        try:
            with open(os.path.join(self.common_dir, "packed-refs"), "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return []
        names = re.findall(b" (" + re.escape(prefix) + b"[^\n]*)", data)
        return [name.decode("utf-8", "surrogateescape") for name in names]

    def refs_with_prefix(self, prefix: str) -> list[tuple[str, ObjectId]]:
        found = []
        for name in self.ref_names(prefix):
            try:
                target = self.ref_target(name)
            except pygit2.GitError:  # a damaged loose ref, which libgit2's own listing skips too
                continue
            if target is not None:
                found.append((name, target))
        return found

    def tree_names(self, tree_id: ObjectId) -> list[str]:
        """The names in a tree: ``tree_items`` without the ids and types, much cheaper."""
        tree = self._subtree(tree_id, "")
        return [] if tree is None else [str(e.name) for e in tree]

    def cas_ref(self, name: str, new: ObjectId, old: ObjectId | None, message: str) -> bool:
        """Move ``name`` to ``new`` only if it still points at ``old`` (absent if ``None``).

        Returns False when another writer got there first or holds the ref's lock.
        """
        try:
            if old is None:
                self._raw.create_reference_direct(name, pygit2.Oid(hex=new), False, message=message)
                return True
            ref = self._raw.lookup_reference(name)
            if str(ref.target) != old:
                return False
            ref.set_target(pygit2.Oid(hex=new), message)
            return True
        except (pygit2.AlreadyExistsError, KeyError):
            return False
        except pygit2.GitError as exc:
            if "does not match" in str(exc) or "lock" in str(exc):
                return False
            raise GitError(f"cannot update {name}: {exc}") from None
        except OSError as exc:
            if "lock" in str(exc):
                return False
            raise GitError(f"cannot update {name}: {exc}") from None

    def lock_path(self, ref_name: str) -> str:
        return os.path.join(self.common_dir, *ref_name.split("/")) + ".lock"

    def break_stale_lock(self, ref_name: str, older_than: float) -> None:
        """Remove a ref's lock left by a killed writer, once it is clearly abandoned.

        Only for refs whose locks are held for microseconds (ours, and the notes ref).
        """
        path = self.lock_path(ref_name)
        aside = f"{path}.stale-{os.getpid()}"
        with contextlib.suppress(OSError):  # no lock, or another writer dealt with it
            seen = os.stat(path)
            if time.time() - seen.st_mtime <= older_than:
                return
            os.rename(path, aside)
            moved = os.stat(aside)
            if (moved.st_ino, moved.st_mtime_ns) != (seen.st_ino, seen.st_mtime_ns):
                os.link(aside, path)  # a live lock was taken between stat and rename: put it back
            os.remove(aside)

    # --- objects ---------------------------------------------------------------------

    def write_blob(self, data: bytes) -> ObjectId:
        return ObjectId(str(self._raw.create_blob(data)))

    def read_blob(self, blob_id: ObjectId) -> bytes:
        return bytes(self._raw[blob_id].read_raw())

    def blob_at(self, tree_id: ObjectId, path: str) -> bytes | None:
        entry = self.entry_at(tree_id, path)
        return None if entry is None or entry.is_tree else self.read_blob(entry.id)

    def entry_at(self, tree_id: ObjectId, path: str) -> TreeItem | None:
        """The entry at ``path`` (``a/b``) below a tree, if there is one."""
        try:
            obj = self._raw[tree_id]
            assert isinstance(obj, pygit2.Tree)
            entry = obj[path]
        except (KeyError, ValueError):
            return None
        return TreeItem(str(entry.name), ObjectId(str(entry.id)), entry.type == ObjectType.TREE)

    def tree_items(self, tree_id: ObjectId, path: str = "") -> list[TreeItem]:
        tree = self._subtree(tree_id, path)
        if tree is None:
            return []
        return [TreeItem(str(e.name), ObjectId(str(e.id)), e.type == ObjectType.TREE) for e in tree]

    def blobs_under(self, tree_id: ObjectId, path: str) -> Iterator[tuple[str, bytes]]:
        """Every blob below ``path``, depth first, as (name, content)."""
        tree = self._subtree(tree_id, path)
        if tree is not None:
            yield from _blobs_in(tree)

    def changed_blobs(self, old: ObjectId | None, new: ObjectId) -> Iterator[tuple[str, ObjectId]]:
        """The files (blobs) that ``new`` (a tree) adds or changes against ``old``, as
        (path, blob id); symlinks and submodules left out."""
        new_tree = self._raw[new]
        assert isinstance(new_tree, pygit2.Tree)
        if old is None:
            diff = new_tree.diff_to_tree(swap=True)
        else:
            old_tree = self._raw[old]
            assert isinstance(old_tree, pygit2.Tree)
            diff = old_tree.diff_to_tree(new_tree)
        for delta in diff.deltas:
            if delta.status != DeltaStatus.DELETED and delta.new_file.mode in _FILE_MODES:
                yield str(delta.new_file.path), ObjectId(str(delta.new_file.id))

    def is_tree(self, oid: str) -> bool:
        try:
            return isinstance(self._raw[oid], pygit2.Tree)
        except (KeyError, ValueError):
            return False

    def edit_tree(self, base: ObjectId | None, changes: Mapping[str, Change]) -> ObjectId:
        """A new tree: ``base`` with each path set to a blob (or a ``Subtree``), or removed when ``None``.

        Only the trees along changed paths are rewritten.
        """
        oid = self._edit(self._raw[base] if base else None, changes)
        return ObjectId(str(oid or self._raw.TreeBuilder().write()))

    def _edit(self, tree: pygit2.Object | None, changes: Mapping[str, Change]) -> pygit2.Oid | None:
        assert tree is None or isinstance(tree, pygit2.Tree)
        builder = self._raw.TreeBuilder(tree) if tree is not None else self._raw.TreeBuilder()
        for name, sub in _group_by_head(changes).items():
            if isinstance(sub, dict):
                current = builder.get(name)
                existing = self._raw[current.id] if current is not None and current.type == ObjectType.TREE else None
                subtree = self._edit(existing, sub)
                if subtree is None:
                    if current is not None:
                        builder.remove(name)
                else:
                    builder.insert(name, subtree, FileMode.TREE)
            elif sub is None:
                if builder.get(name) is not None:
                    builder.remove(name)
            elif isinstance(sub, Subtree):
                builder.insert(name, pygit2.Oid(hex=sub.id), FileMode.TREE)
            else:
                builder.insert(name, pygit2.Oid(hex=sub), FileMode.BLOB)
        return builder.write() if len(builder) else None

    def _subtree(self, tree_id: ObjectId, path: str) -> pygit2.Tree | None:
        try:
            obj = self._raw[tree_id]
            if path:
                assert isinstance(obj, pygit2.Tree)
                obj = self._raw[obj[path].id]
        except (KeyError, ValueError):
            return None
        return obj if isinstance(obj, pygit2.Tree) else None

    # --- commits ---------------------------------------------------------------------

    def write_commit(self, tree: ObjectId, parents: Iterable[ObjectId], message: str, ident: Ident) -> ObjectId:
        signature = pygit2.Signature(ident.name, ident.email, ident.time, ident.offset_minutes)
        oid = self._raw.create_commit(
            None, signature, signature, message, pygit2.Oid(hex=tree), [pygit2.Oid(hex=p) for p in parents]
        )
        return ObjectId(str(oid))

    def commit(self, commit_id: ObjectId) -> CommitInfo:
        obj = self._raw[commit_id]
        if not isinstance(obj, pygit2.Commit):
            raise UserError(f"not a commit: {commit_id}")
        return _commit_info(obj)

    def walk(
        self, tip: ObjectId, hide: Iterable[ObjectId] = (), *, topological: bool = True, first_parent: bool = False
    ) -> Iterator[CommitInfo]:
        """Commits reachable from ``tip`` but not from ``hide``, children first.

        Not ``topological``: newest first, as ``git log`` does, without reading the whole
        history before the first commit (a topological walk does). ``first_parent``: only
        the first-parent chain, as ``git log --first-parent``.
        """
        walker = self._raw.walk(pygit2.Oid(hex=tip), SortMode.TOPOLOGICAL if topological else SortMode.NONE)
        if first_parent:
            walker.simplify_first_parent()
        for hidden in hide:
            walker.hide(pygit2.Oid(hex=hidden))
        for commit in walker:
            yield _commit_info(commit)

    def walk_all(self, tips: Iterable[ObjectId], hide: Iterable[ObjectId] = ()) -> Iterator[CommitInfo]:
        """Commits reachable from any of ``tips`` but not from ``hide`` (``git rev-list T… ^H…``),
        children first."""
        pushed = [pygit2.Oid(hex=tip) for tip in tips]
        if not pushed:
            return
        walker = self._raw.walk(None, SortMode.TOPOLOGICAL)
        for tip in pushed:
            walker.push(tip)
        for hidden in hide:
            walker.hide(pygit2.Oid(hex=hidden))
        for commit in walker:
            yield _commit_info(commit)

    def merge_base(self, a: ObjectId, b: ObjectId) -> ObjectId | None:
        base = self._raw.merge_base(pygit2.Oid(hex=a), pygit2.Oid(hex=b))
        return None if base is None else ObjectId(str(base))

    def is_ancestor(self, ancestor: ObjectId, descendant: ObjectId) -> bool:
        if ancestor == descendant:
            return True
        return bool(self._raw.descendant_of(pygit2.Oid(hex=descendant), pygit2.Oid(hex=ancestor)))

    def has_object(self, oid: str) -> bool:
        try:
            return pygit2.Oid(hex=oid) in self._raw
        except ValueError:
            return False

    def patch_ids(self, diffs: Sequence[tuple[ObjectId, ObjectId | None]]) -> dict[ObjectId, str]:
        """``git patch-id --stable`` of many diffs, by one ``git diff-tree | git patch-id`` pipe.

        Each diff is a commit against its own parents (``None``) or against another
        commit. A commit may appear once: its id is how its patch-id is found in the
        output. Commits whose diff is empty (and merges, against their parents) have none.
        """
        commits = [commit for commit, _ in diffs]
        if len(set(commits)) != len(commits):
            raise ValueError("a commit appears twice in one patch-id batch")
        lines = "".join(f"{commit} {base}\n" if base else f"{commit}\n" for commit, base in diffs)
        if not lines:
            return {}
        output = gitcli.pipeline(
            ["diff-tree", "--stdin", "-p", "--root", "--binary", "--no-renames", "--no-ext-diff", "--no-textconv"],
            ["patch-id", "--stable"],
            git_dir=self.git_dir,
            input=lines,
        )
        found = {}
        for line in output.splitlines():
            patch_id, _, commit = line.partition(" ")
            found[ObjectId(commit)] = patch_id
        return found

    # --- identity --------------------------------------------------------------------

    def ident(self) -> Ident:
        """The author identity and time git itself would use for a commit now."""
        result = gitcli.run(["var", "GIT_AUTHOR_IDENT"], git_dir=self.git_dir, check=False)
        match = _IDENT.fullmatch(result.stdout.strip())
        if result.returncode != 0 or match is None:
            raise UserError(
                "no git identity is configured",
                'set one with: git config --global user.name "Your Name" && '
                "git config --global user.email you@example.com",
            )
        return Ident(match["name"], match["email"], int(match["time"]), match["tz"])


def _blobs_in(tree: pygit2.Tree) -> Iterator[tuple[str, bytes]]:
    """The blobs below a tree, walked through its own objects (no look-ups by name)."""
    for obj in tree:
        if isinstance(obj, pygit2.Tree):
            yield from _blobs_in(obj)
        elif isinstance(obj, pygit2.Blob):
            yield str(obj.name), obj.data


def _files_below(path: str, name: str) -> list[str]:
    """The loose refs below a folder, by name (lock files left out)."""
    try:
        with os.scandir(path) as entries:
            found = list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = []
    for entry in found:
        if entry.is_dir(follow_symlinks=False):
            names.extend(_files_below(entry.path, f"{name}/{entry.name}"))
        elif not entry.name.endswith(".lock"):
            names.append(f"{name}/{entry.name}")
    return names


def _honour_config_environment() -> None:
    """Read the configuration files git itself would read (libgit2 ignores these variables)."""
    if os.environ.get("GIT_CONFIG_NOSYSTEM"):
        pygit2.settings.search_path[ConfigLevel.SYSTEM] = os.devnull
    if os.environ.get("HOME"):
        pygit2.settings.search_path[ConfigLevel.GLOBAL] = os.environ["HOME"]


def _commit_info(commit: pygit2.Commit) -> CommitInfo:
    return CommitInfo(
        id=ObjectId(str(commit.id)),
        parents=tuple(ObjectId(str(p)) for p in commit.parent_ids),
        message=commit.message,
        author=f"{commit.author.name} <{commit.author.email}>",
        time=int(commit.commit_time),
        tree=ObjectId(str(commit.tree_id)),
    )


def _group_by_head(changes: Mapping[str, Change]) -> dict[str, Change | dict[str, Change]]:
    grouped: dict[str, Change | dict[str, Change]] = {}
    for path, value in changes.items():
        head, _, rest = path.partition("/")
        if rest:
            sub = grouped.setdefault(head, {})
            assert isinstance(sub, dict)
            sub[rest] = value
        else:
            grouped[head] = value
    return grouped
