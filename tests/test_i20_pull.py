"""Pull's object writing (ISSUE14, round 20): an edit inside ``packed_writes`` reads its base
tree in one piece and splices it (``gitrepo._Folder``), instead of iterating every entry
through pygit2 and hashing the tree again: a flat folder of 10,000 entries cost 23 ms an
edit against libgit2's 7. A base tree git would not write back as it is still goes to
libgit2, whose tree the edit must give either way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from git_session import gitcli, gitrepo
from git_session.gitrepo import Change, Repo, Subtree
from git_session.names import ObjectId
from tests.helpers import fsck, git
from tests.test_review19_pull import _literal_tree


def _tree_of(repo_path: Path, entries: list[tuple[bytes, bytes, str]]) -> ObjectId:
    """A tree holding ``entries`` (mode, name, id) in the order given, as another tool may write it."""
    body = b"".join(b"%s %s\0%s" % (mode, name, bytes.fromhex(oid)) for mode, name, oid in entries)
    return ObjectId(_literal_tree(repo_path, body))


def _repo(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository with a file and a folder holding it: (path, blob id, folder id)."""
    repo_path = tmp_path / "repo"
    git(tmp_path, "init", "-q", "repo")
    blob = git(repo_path, "hash-object", "-w", "--stdin", input="x\n").strip()
    folder = git(repo_path, "mktree", input=f"100644 blob {blob}\tf\n").strip()
    return repo_path, blob, folder


def _same_inside_and_out(repo: Repo, base: ObjectId, changes: dict[str, Change]) -> ObjectId:
    with repo.packed_writes():
        inside = repo.edit_tree(base, changes)
    outside = repo.edit_tree(base, changes)
    assert inside == outside
    return inside


def test_files_and_folders_whose_names_sort_apart_are_spliced_where_git_puts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder sorts as if its name ended in ``/``: ``a`` the folder after ``a-b`` and ``a.b``
    (``-`` and ``.`` come before ``/``), ``a`` the file before them. Files become folders and
    folders files, entries go, all without libgit2, and every step is the tree libgit2 writes."""
    repo_path, blob, folder = _repo(tmp_path)
    names = ["a", "a-b", "a.b", "a0", "a_", "b"]
    listing = "".join(f"100644 blob {blob}\t{name}\n" for name in names) + f"040000 tree {folder}\tz\n"
    base = ObjectId(git(repo_path, "mktree", input=listing).strip())
    steps: list[dict[str, Change]] = [
        {"a/f": ObjectId(blob)},  # the file a becomes a folder
        {"a0": Subtree(ObjectId(folder)), "a-b/g": ObjectId(blob)},
        {"a": ObjectId(blob), "a-b": None, "z/f": None},  # back to a file; z left empty: gone
        {"a.b/c/d": ObjectId(blob), "b": None, "a_": Subtree(ObjectId(folder))},
    ]
    repo = Repo.discover(str(repo_path))
    monkeypatch.setattr(Repo, "_edit", lambda *_: pytest.fail("left to libgit2"))
    inside = [base]
    with repo.packed_writes():
        assert repo.write_blob(b"x\n") == blob  # kept here: what the steps put in is held
        assert repo.edit_tree(None, {"f": ObjectId(blob)}) == folder
        for changes in steps:
            inside.append(repo.edit_tree(inside[-1], changes))
    monkeypatch.undo()
    outside = [base]
    for changes in steps:
        outside.append(repo.edit_tree(outside[-1], changes))
    assert inside == outside
    fsck(repo_path)


def test_a_large_base_tree_is_read_in_one_piece_and_a_small_one_from_its_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flat folder of many entries is parsed from its content in C (``_Folder.of``), not
    entry by entry through pygit2 (23 ms an edit for 10,000); a small one, which libgit2
    has read already most often, from its entries (``_Folder.of_entries``)."""
    repo_path, blob, _ = _repo(tmp_path)
    lines = [f"100644 blob {blob}\tn{n:04d}.json\n" for n in range(1000)]
    base = ObjectId(git(repo_path, "mktree", input="".join(lines)).strip())
    few = ObjectId(git(repo_path, "mktree", input="".join(lines[:10])).strip())
    read: dict[str, list[str]] = {"of": [], "of_entries": []}
    for name in read:
        real = getattr(gitrepo._Folder, name).__func__

        def spy(cls: Any, tree_id: str, content: Any, real: Any = real, name: str = name) -> Any:
            read[name].append(tree_id)
            return real(cls, tree_id, content)

        monkeypatch.setattr(gitrepo._Folder, name, classmethod(spy))
    repo = Repo.discover(str(repo_path))
    with repo.packed_writes():
        new = repo.write_blob(b"new\n")
        changes: dict[str, Change] = {"n0500.json": new, "sub/n.json": new}
        inside = repo.edit_tree(base, changes)
        small = repo.edit_tree(few, changes)
    assert read == {"of": [base], "of_entries": [few]}
    monkeypatch.undo()
    assert inside == Repo.discover(str(repo_path)).edit_tree(base, changes)
    assert small == Repo.discover(str(repo_path)).edit_tree(few, changes)


def test_pull_and_push_move_refs_with_the_callers_git_c_settings_and_no_ambiguity_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One way for both (``gitcli.ref_transaction``): the pull's transactions set
    ``core.warnAmbiguousRefs=false`` in ``GIT_CONFIG_PARAMETERS`` themselves, the push's
    with ``git -c``. A reference-transaction hook sees, in each, the setting and what the
    caller's own ``git -c`` set."""
    from tests.helpers import ok
    from tests.test_i19_pull import _diverged

    alice, bob = _diverged(tmp_path, 1)
    seen = tmp_path / "seen"
    for clone in (alice, bob):
        hook = clone / git(clone, "rev-parse", "--git-path", "hooks/reference-transaction").strip()
        hook.parent.mkdir(exist_ok=True)
        hook.write_text(
            "#!/bin/sh\n"
            f'[ "$1" = committed ] && echo "$(git config user.name) $(git config core.warnAmbiguousRefs)" >> {seen}\n'
            "cat >/dev/null\n"
        )
        hook.chmod(0o755)
    calls: list[list[str]] = []
    real = gitcli.run

    def run(args: Any, **kwargs: Any) -> Any:
        calls.append(list(args))
        return real(args, **kwargs)

    monkeypatch.setattr(gitcli, "run", run)
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'user.name'='Given Name'")
    assert "1 merged" in ok(bob, "pull")
    ok(bob, "push")  # the merge leaves
    moving = [args for args in calls if "update-ref" in args and "--stdin" in args]
    assert len(moving) == 2  # the pull's merge, the push's copies
    assert {tuple(args[: args.index("--no-deref") + 1]) for args in moving} == {
        ("-c", "core.warnAmbiguousRefs=false", "update-ref", "--no-deref")
    }
    lines = seen.read_text().splitlines()  # (the fetch's and the push's own transactions too)
    assert all(line.startswith("Given Name") for line in lines)
    assert lines.count("Given Name false") == 2


def test_a_large_tree_written_inside_packed_writes_is_edited_again_without_being_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The large trees written here are kept as entries (``_Pending.folders``): the next edit
    of one (a flat notes tree, once per commit linked) splices them, each edit its own copy."""
    repo_path, blob, _ = _repo(tmp_path)
    base = ObjectId(
        git(repo_path, "mktree", input="".join(f"100644 blob {blob}\tn{n:04d}\n" for n in range(500))).strip()
    )
    repo = Repo.discover(str(repo_path))
    parsed: list[str] = []
    real = gitrepo._Folder.of.__func__  # type: ignore[attr-defined]

    def spy(cls: Any, oid: str, body: bytes) -> Any:
        parsed.append(oid)
        return real(cls, oid, body)

    monkeypatch.setattr(gitrepo._Folder, "of", classmethod(spy))
    plan: list[tuple[ObjectId, dict[str, Change]]] = []
    with repo.packed_writes():
        new = repo.write_blob(b"new\n")
        first = repo.edit_tree(base, {"n0100": None, "m": new})
        made = []
        edits: list[dict[str, Change]] = [{"n0200": new}, {"n0300": None, "o": new}, {"m": None}]
        for changes in edits:  # each from first
            plan.append((first, changes))
            made.append(repo.edit_tree(first, changes))
    assert parsed == [base]  # read once: the tree it wrote is kept
    monkeypatch.undo()
    assert first == repo.edit_tree(base, {"n0100": None, "m": new})
    assert made == [repo.edit_tree(tree, changes) for tree, changes in plan]
    fsck(repo_path)
