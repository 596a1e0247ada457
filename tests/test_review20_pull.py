"""Review of round 20's tree edits inside ``packed_writes`` (``gitrepo._Folder``): a base
tree git would not write back as it is goes to libgit2. test_i20_pull's cases of that wrote
the file they put in outside the block that edits, so each edit went to libgit2 before its
base tree was read at all, and none failed with the checks of ``_Folder._checked`` (entries
in git's order, no name twice) or ``_Folder.of`` (entries that tile the content) taken out.
Here the file put in is one the block holds, so the base tree is read and judged."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from git_session.gitrepo import Change, Repo
from git_session.names import ObjectId
from tests.helpers import git
from tests.test_review19_pull import _literal_tree

_Entries = list[tuple[bytes, bytes, str]]
_BASES: dict[str, Callable[[str, str], _Entries]] = {
    "unsorted": lambda blob, folder: [(b"100644", b"b", blob), (b"100644", b"a", blob)],
    "a name twice": lambda blob, folder: [(b"100644", b"a", blob), (b"100644", b"a", blob)],
    "a file and a folder of one name": lambda blob, folder: [(b"100644", b"a", blob), (b"40000", b"a", folder)],
    "group-writable file": lambda blob, folder: [(b"100644", b"a", blob), (b"100664", b"b", blob)],
    "folder mode 040000": lambda blob, folder: [(b"100644", b"a", blob), (b"040000", b"b", folder)],
}


@pytest.mark.parametrize("large", [False, True], ids=["small", "large"])
@pytest.mark.parametrize("kind", list(_BASES))
@pytest.mark.parametrize("edit", ["add", "replace a", "remove a", "a folder at a"])
def test_an_edit_with_a_held_file_of_a_tree_git_would_not_write_back_is_libgit2s(
    tmp_path: Path, kind: str, large: bool, edit: str
) -> None:
    """Small (entries from libgit2, ``of_entries``) or large (over 64 entries, its content
    parsed, ``of``): the edit gives the tree libgit2's ``TreeBuilder`` gives."""
    git(tmp_path, "init", "-q", "repo")
    repo_path = tmp_path / "repo"
    blob = git(repo_path, "hash-object", "-w", "--stdin", input="x\n").strip()
    folder = git(repo_path, "mktree", input=f"100644 blob {blob}\tf\n").strip()
    entries = _BASES[kind](blob, folder)
    if large:  # sorted after every name above, in git's order
        entries += [(b"100644", b"n%03d" % n, blob) for n in range(100)]
    body = b"".join(b"%s %s\0%s" % (mode, name, bytes.fromhex(oid)) for mode, name, oid in entries)
    base = ObjectId(_literal_tree(repo_path, body))
    repo = Repo.discover(str(repo_path))
    with repo.packed_writes():
        new = repo.write_blob(b"new\n")  # held: the edit is one _edit_held may do itself
        edits: dict[str, dict[str, Change]] = {
            "add": {"c": new},
            "replace a": {"a": new},
            "remove a": {"a": None, "c": new},
            "a folder at a": {"a/g": new},
        }
        changes = edits[edit]
        inside = repo.edit_tree(base, changes)
    assert inside == Repo.discover(str(repo_path)).edit_tree(base, changes)


def test_a_large_tree_with_long_names_holding_a_slash_is_judged_in_linear_time(tmp_path: Path) -> None:
    """Untrusted data (a notes tree fetched from a remote is kept, its odd entries too) must
    not hang the hook that edits it. ``_Folder.of`` found the entries with ``findall``, which
    looks for a match at every later byte once one fails: a name of 65,000 bytes (libgit2
    reads up to 65,535) made of ``100644 `` and ending in ``/`` was scanned to its ``/`` from
    each of its 9,000 modes, 2 s of CPU an entry, where libgit2 reads the tree in a blink."""
    git(tmp_path, "init", "-q", "repo")
    repo_path = tmp_path / "repo"
    blob = git(repo_path, "hash-object", "-w", "--stdin", input="x\n").strip()
    raw = bytes.fromhex(blob)
    odd = b"100644 " * (65_000 // 7) + b"/"
    entries = [b"100644 n%03d\0%s" % (n, raw) for n in range(70)]
    entries += [b"100644 z%d%s\0%s" % (n, odd, raw) for n in range(5)]
    base = ObjectId(_literal_tree(repo_path, b"".join(entries)))
    repo = Repo.discover(str(repo_path))
    with repo.packed_writes():
        new = repo.write_blob(b"new\n")
        began = time.process_time()
        inside = repo.edit_tree(base, {"m": new})
        spent = time.process_time() - began
    assert spent < 1.0  # 10 s before
    assert inside == Repo.discover(str(repo_path)).edit_tree(base, {"m": new})
