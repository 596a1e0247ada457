"""Checkpoints (SPEC §2): snapshots of the working tree that restore exactly, survive gc,
and never touch HEAD or the index."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from git_session import codec
from git_session.errors import DataError
from git_session.names import ObjectId
from git_session.sessions import abbreviate
from tests.helpers import as_json, fails, fsck, git, make_repo, ok, subprocess_cli
from tests.test_merge import clones, fetch_theirs, forge, store_of, tip

Kind = tuple[Any, ...]
IGNORED = re.compile(r"(.*\.log|build(/.*)?)$")


def tree_state(root: Path) -> dict[str, Kind]:
    """Every file, symlink and folder below ``root`` (outside .git): content, exec bit, target."""
    state: dict[str, Kind] = {}
    for folder, dirs, files in os.walk(root):
        if Path(folder) == root:
            dirs.remove(".git")
        for name in [*dirs, *files]:
            path = Path(folder, name)
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                state[key] = ("link", os.readlink(path))
            elif path.is_dir():
                state[key] = ("dir",)
            else:
                state[key] = ("file", path.read_bytes(), bool(path.stat().st_mode & stat.S_IXUSR))
    return state


def visible(state: dict[str, Kind]) -> dict[str, Kind]:
    return {path: kind for path, kind in state.items() if not IGNORED.match(path)}


def ignored(state: dict[str, Kind]) -> dict[str, Kind]:
    return {path: kind for path, kind in state.items() if IGNORED.match(path)}


def write(repo: Path, path: str, data: bytes | str, executable: bool = False) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.is_file():
        target.unlink()
    target.write_bytes(data.encode() if isinstance(data, str) else data)
    mode = target.stat().st_mode
    target.chmod(mode | 0o111 if executable else mode & ~0o111)


def symlink(repo: Path, path: str, to: str) -> None:
    target = repo / path
    if target.is_symlink() or target.is_file():
        target.unlink()
    target.symlink_to(to)


BINARY = bytes(range(256)) * 3 + b"\xff\xfe\x00\r\n"


def scene(tmp_path: Path) -> Path:
    """A repository with every kind of change a checkpoint must capture, and a session."""
    repo = make_repo(tmp_path)
    for path in ("kept.txt", "staged.txt", "unstaged.txt", "deleted.txt", "removed.txt", "both.txt"):
        write(repo, path, f"{path} as committed\n")
    write(repo, "mode.sh", "#!/bin/sh\necho mode\n")
    write(repo, "bin.dat", b"\x00committed binary\x00")
    write(repo, "dir/sub/deep.txt", "deep\n")
    write(repo, "typechange", "a file at first\n")
    write(repo, ".gitignore", "*.log\nbuild/\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "files")
    ok(repo, "start", "Checkpoints")
    write(repo, "staged.txt", "staged change\n")
    git(repo, "add", "staged.txt")
    write(repo, "unstaged.txt", "unstaged change\n")
    (repo / "deleted.txt").unlink()
    git(repo, "rm", "-q", "removed.txt")
    write(repo, "both.txt", "staged version\n")
    git(repo, "add", "both.txt")
    write(repo, "both.txt", "working version\n")
    write(repo, "new.txt", "untracked\n")
    write(repo, "newdir/inner.txt", "untracked, in a new folder\n")
    write(repo, "blob.bin", BINARY)
    write(repo, "bin.dat", BINARY[::-1])
    write(repo, "run.sh", "#!/bin/sh\necho run\n", executable=True)
    write(repo, "mode.sh", "#!/bin/sh\necho mode\n", executable=True)
    write(repo, "crlf.txt", b"no final newline\r\nand CRLF")
    write(repo, "spa ce \u00fc.txt", "odd name\n")
    symlink(repo, "link", "kept.txt")
    symlink(repo, "dangling", "does/not/exist")
    symlink(repo, "typechange", "kept.txt")
    write(repo, "ignored.log", "ignored at checkpoint time\n")
    write(repo, "build/out.o", b"\x7fELF ignored")
    return repo


def mess_up(repo: Path) -> None:
    """Change everything scene() set up, every way a file can change."""
    write(repo, "kept.txt", "kept, changed\n")
    git(repo, "add", "kept.txt")
    (repo / "staged.txt").unlink()
    symlink(repo, "unstaged.txt", "new.txt")
    write(repo, "deleted.txt", "back again\n")
    write(repo, "removed.txt", "back again too\n", executable=True)
    write(repo, "new.txt", "untracked, changed\n")
    shutil.rmtree(repo / "newdir")
    write(repo, "blob.bin", BINARY + b"!")
    write(repo, "run.sh", "#!/bin/sh\necho run\n", executable=False)
    write(repo, "mode.sh", "#!/bin/sh\necho mode\n", executable=False)
    symlink(repo, "link", "new.txt")
    write(repo, "dangling", "now a file\n")
    write(repo, "typechange", "a file again\n")
    shutil.rmtree(repo / "dir")
    write(repo, "dir", "a file where a folder was\n")
    (repo / "crlf.txt").unlink()
    write(repo, "crlf.txt/inside.txt", "a folder where a file was\n")
    write(repo, "fresh/a/b.txt", "created after the checkpoint\n")
    write(repo, "ignored.log", "ignored, changed\n")
    write(repo, "later.log", "ignored, created later\n")
    write(repo, "build/out.o", b"\x7fELF changed")


def checkpoint_list(repo: Path) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = as_json(repo, "checkpoints")
    return result


def index_and_head(repo: Path) -> tuple[bytes, str, str]:
    return (repo / ".git/index").read_bytes(), git(repo, "rev-parse", "HEAD"), git(repo, "symbolic-ref", "HEAD")


# --- the round trip ---------------------------------------------------------------------


def test_a_restore_brings_back_every_kind_of_file_exactly_and_can_be_undone(tmp_path: Path) -> None:
    repo = scene(tmp_path)
    at_checkpoint = tree_state(repo)
    ok(repo, "checkpoint", "-m", "everything")
    assert tree_state(repo) == at_checkpoint
    (saved,) = checkpoint_list(repo)
    mess_up(repo)
    messed = tree_state(repo)
    assert visible(messed) != visible(at_checkpoint)
    git(repo, "status", "--porcelain")  # let git refresh the index before its bytes are taken
    before_restore = index_and_head(repo)
    status_before = git(repo, "status", "--porcelain")

    out = ok(repo, "restore", saved["id"][:10])

    restored = tree_state(repo)
    assert visible(restored) == visible(at_checkpoint)
    assert ignored(restored) == ignored(messed)  # ignored files are never touched
    assert not (repo / "fresh").exists()  # folders left empty by the deletions go too
    assert index_and_head(repo) == before_restore  # restore leaves HEAD and the index alone
    assert git(repo, "status", "--porcelain") != status_before
    first, undo = checkpoint_list(repo)
    assert first == saved and undo["label"] == f"before restore of {saved['id'][:4]}"
    assert undo["commit"] == saved["commit"] == git(repo, "rev-parse", "HEAD").strip()
    short = abbreviate([saved["id"], undo["id"]])
    assert out == (
        f"Saved the current state as checkpoint {short[undo['id']]} "
        f"(undo with: git session restore {short[undo['id']]})\n"
        f"Restored checkpoint {short[saved['id']]} 'everything': 13 file(s) written, 5 deleted\n"
    )

    # Undo: restoring the automatic checkpoint gives the messed-up state back.
    ok(repo, "restore", undo["id"])
    assert tree_state(repo) == messed
    assert [c["label"] for c in checkpoint_list(repo)] == [
        "everything",
        f"before restore of {saved['id'][:4]}",
        f"before restore of {short[undo['id']]}",
    ]
    fsck(repo)


def test_checkpoint_touches_neither_head_nor_index_nor_working_tree(tmp_path: Path) -> None:
    repo = scene(tmp_path)
    status = git(repo, "status", "--porcelain", "--untracked-files=all")
    before = index_and_head(repo), tree_state(repo), sorted(p.name for p in (repo / ".git").iterdir())
    stash = git(repo, "stash", "list")

    ok(repo, "checkpoint")

    assert (index_and_head(repo), tree_state(repo), sorted(p.name for p in (repo / ".git").iterdir())) == before
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == status
    assert git(repo, "stash", "list") == stash == ""


def test_the_snapshot_is_what_git_add_all_would_record(tmp_path: Path) -> None:
    repo = scene(tmp_path)
    head = git(repo, "rev-parse", "HEAD").strip()
    out = ok(repo, "checkpoint", "-m", "snap")
    expected = git(repo, "write-tree", env={"GIT_INDEX_FILE": str(prepared_index(repo))}).strip()
    (saved,) = checkpoint_list(repo)
    assert saved == {
        "id": saved["id"],
        "text": "snap",
        "label": "snap",
        "commit": head,
        "snapshot": expected,
        "created": "2023-11-14T22:13:20+00:00",
        "author": "A U Thor <author@example.com>",
        "agent": None,
    }
    assert out == f"Saved checkpoint {saved['id'][:4]} 'snap' (HEAD {head[:7]})\n"
    names = git(repo, "ls-tree", "-r", "--name-only", expected).split("\n")
    assert "new.txt" in names and "ignored.log" not in names and "deleted.txt" not in names
    assert git(repo, "cat-file", "-p", f"{expected}:both.txt") == "working version\n"
    modes = {line.split("\t")[1]: line.split()[0] for line in git(repo, "ls-tree", "-r", expected).splitlines()}
    assert (modes["run.sh"], modes["link"], modes["kept.txt"]) == ("100755", "120000", "100644")
    assert ok(repo, "checkpoints") == f"{saved['id'][:4]}  2023-11-14 22:13  {head[:7]}  snap\n"
    assert as_json(repo, "show")["checkpoints"] == [saved]


def prepared_index(repo: Path) -> Path:
    """The index git itself makes with `git add --all`, in a copy."""
    copy = repo.parent / "index-copy"
    shutil.copyfile(repo / ".git/index", copy)
    git(repo, "add", "--all", env={"GIT_INDEX_FILE": str(copy)})
    return copy


def test_gc_keeps_the_snapshot_objects(tmp_path: Path) -> None:
    repo = scene(tmp_path)
    write(repo, "only-here.txt", "content that exists nowhere else\n")
    ok(repo, "checkpoint", "-m", "keep me")
    (saved,) = checkpoint_list(repo)
    blob = git(repo, "rev-parse", f"{saved['snapshot']}:only-here.txt").strip()
    loose = git(repo, "hash-object", "-w", "--stdin", input="unreferenced, so gc drops it\n").strip()
    (repo / "only-here.txt").unlink()
    git(repo, "reset", "-q", "--hard")  # what the user staged is gone from the index too
    git(repo, "reflog", "expire", "--expire=now", "--all")
    git(repo, "gc", "-q", "--prune=now")

    for obj in (saved["snapshot"], blob):
        git(repo, "cat-file", "-e", obj)
    with pytest.raises(AssertionError):
        git(repo, "cat-file", "-e", loose)  # the control: gc did prune what nothing references
    ok(repo, "restore", saved["id"], "--", "only-here.txt")
    assert (repo / "only-here.txt").read_text() == "content that exists nowhere else\n"
    fsck(repo)


# --- restoring part of the tree -----------------------------------------------------------


def test_restore_with_paths_restores_only_those_paths(tmp_path: Path) -> None:
    repo = scene(tmp_path)
    ok(repo, "checkpoint", "-m", "cp")
    (saved,) = checkpoint_list(repo)
    write(repo, "kept.txt", "changed\n")
    write(repo, "dir/sub/deep.txt", "changed\n")
    write(repo, "dir/sub/added.txt", "new\n")
    write(repo, "dir/other.txt", "new\n")
    after = tree_state(repo)

    # Paths are relative to where the command runs, as in git.
    out = ok(repo / "dir", "restore", saved["id"], "--", "sub")

    restored = tree_state(repo)
    assert restored["dir/sub/deep.txt"] == ("file", b"deep\n", False)
    assert "dir/sub/added.txt" not in restored
    assert {k: v for k, v in restored.items() if not k.startswith("dir/sub")} == {
        k: v for k, v in after.items() if not k.startswith("dir/sub")
    }
    undo = checkpoint_list(repo)[-1]
    short = abbreviate([saved["id"], undo["id"]])
    assert out == (
        f"Saved the current state as checkpoint {short[undo['id']]} "
        f"(undo with: git session restore {short[undo['id']]})\n"
        f"Restored checkpoint {short[saved['id']]} 'cp': 1 file(s) written, 1 deleted\n"
    )
    # A single file, named from the top.
    ok(repo, "restore", saved["id"], "--", "kept.txt")
    assert (repo / "kept.txt").read_text() == "kept.txt as committed\n"
    assert (repo / "dir/other.txt").exists()


def test_restore_of_an_unchanged_tree_does_nothing(tmp_path: Path) -> None:
    repo = scene(tmp_path)
    ok(repo, "checkpoint", "-m", "cp")
    (saved,) = checkpoint_list(repo)
    write(repo, "kept.txt", "changed\n")
    short = saved["id"][:4]
    assert ok(repo, "restore", short, "--", "new.txt") == (
        f"Nothing to restore: the working tree already matches checkpoint {short}\n"
    )
    assert len(checkpoint_list(repo)) == 1


def test_restore_refuses_paths_that_are_nowhere_and_paths_outside(tmp_path: Path) -> None:
    repo = scene(tmp_path)
    ok(repo, "checkpoint")
    (saved,) = checkpoint_list(repo)
    err = fails(repo, "restore", saved["id"], "--", "no-such-file")
    assert err == "git-session: 'no-such-file' is neither in the checkpoint nor in the working tree\n"
    err = fails(repo, "restore", saved["id"], "--", "../elsewhere")
    assert err == f"git-session: '../elsewhere' is outside the work tree {os.path.realpath(repo)}\n"
    assert len(checkpoint_list(repo)) == 1


def test_ignored_files_survive_a_restore(tmp_path: Path) -> None:
    repo = scene(tmp_path)
    ok(repo, "checkpoint")
    (saved,) = checkpoint_list(repo)
    write(repo, "build/more/deep.o", "ignored\n")
    write(repo, "x.log", "ignored\n")
    write(repo, "new-file", "not ignored\n")
    ok(repo, "restore", saved["id"])
    assert (repo / "build/more/deep.o").exists() and (repo / "x.log").exists()
    assert not (repo / "new-file").exists()


# --- other situations -------------------------------------------------------------------


def test_unborn_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, commit=False)
    ok(repo, "start", "From nothing")
    write(repo, "staged.txt", "staged\n")
    git(repo, "add", "staged.txt")
    write(repo, "untracked.sh", "#!/bin/sh\n", executable=True)
    symlink(repo, "link", "staged.txt")
    at_checkpoint = tree_state(repo)
    index = (repo / ".git/index").read_bytes()
    assert ok(repo, "checkpoint").startswith("Saved checkpoint ")
    assert (repo / ".git/index").read_bytes() == index
    (saved,) = checkpoint_list(repo)
    assert saved["commit"] is None and saved["label"] == "checkpoint on main (no commit yet)"
    assert ok(repo, "checkpoints") == f"{saved['id'][:4]}  2023-11-14 22:13  -------  {saved['label']}\n"
    (repo / "staged.txt").unlink()
    write(repo, "other", "x")
    ok(repo, "restore", saved["id"])
    assert tree_state(repo) == at_checkpoint
    fsck(repo)


def test_an_empty_unborn_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, commit=False)
    ok(repo, "start", "Empty")
    ok(repo, "checkpoint", "-m", "nothing")
    (saved,) = checkpoint_list(repo)
    assert saved["snapshot"] == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # the empty tree
    write(repo, "a/b", "later\n")
    ok(repo, "restore", saved["id"])
    assert tree_state(repo) == {}


def test_a_linked_worktree_from_a_subdirectory(tmp_path: Path) -> None:
    repo = scene(tmp_path)
    main_index = (repo / ".git/index").read_bytes()
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "other", str(worktree))
    ok(worktree, "start", "In a worktree")
    write(worktree, "sub/here.txt", "in the worktree\n")
    index = (repo / ".git/worktrees/wt/index").read_bytes()
    ok(worktree / "sub", "checkpoint", "-m", "wt")
    assert (repo / ".git/worktrees/wt/index").read_bytes() == index
    assert (repo / ".git/index").read_bytes() == main_index
    (saved,) = checkpoint_list(worktree)
    in_snapshot = git(worktree, "ls-tree", "-r", "--name-only", saved["snapshot"]).split()
    assert in_snapshot == sorted([*git(worktree, "ls-files").split(), "sub/here.txt"])
    (worktree / "sub/here.txt").unlink()
    ok(worktree / "sub", "restore", saved["id"], "--", "here.txt")
    assert (worktree / "sub/here.txt").read_text() == "in the worktree\n"
    fsck(repo)


def test_a_checkpoint_during_a_merge_conflict(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    git(repo, "switch", "-q", "-c", "side")
    write(repo, "README", "side\n")
    git(repo, "commit", "-q", "-am", "side")
    git(repo, "switch", "-q", "main")
    write(repo, "README", "main\n")
    git(repo, "commit", "-q", "-am", "main")
    ok(repo, "start", "Conflicted")
    assert git_may_fail(repo, "merge", "-q", "side") != 0
    unmerged = git(repo, "ls-files", "-u")
    index = (repo / ".git/index").read_bytes()
    ok(repo, "checkpoint", "-m", "mid-merge")
    assert (git(repo, "ls-files", "-u"), (repo / ".git/index").read_bytes()) == (unmerged, index)
    (saved,) = checkpoint_list(repo)
    assert "<<<<<<< HEAD" in git(repo, "cat-file", "-p", f"{saved['snapshot']}:README")


def git_may_fail(cwd: Path, *args: str) -> int:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True).returncode


def test_a_bare_repository_is_refused(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    for command in (["checkpoint"], ["diff", "01"], ["restore", "01"]):
        result = subprocess_cli(bare, *command)
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == (
            "git-session: this is a bare repository: it has no working tree to checkpoint or restore\n"
            "hint: run git session in a work tree (a clone, or git worktree add)\n"
        )


def test_decision_with_the_checkpoint(tmp_path: Path) -> None:
    repo = scene(tmp_path)
    out = ok(repo, "checkpoint", "-m", "before the rewrite", "--decision", "Rewrite the parser", "--rationale", "speed")
    (saved,) = checkpoint_list(repo)
    (decision,) = as_json(repo, "decision", "list")
    assert (decision["text"], decision["rationale"]) == ("Rewrite the parser", "speed")
    assert out.splitlines()[1] == f"Added decision {decision['id'][:4]}"
    # One write: both entries in one commit of the session.
    (ref,) = git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").split()
    assert git(repo, "log", "-1", "--format=%s", ref) == "checkpoint: before the rewrite\n"
    body = git(repo, "log", "-1", "--format=%b", ref)
    assert saved["id"] in body and decision["id"] in body and '"checkpoint":"' + saved["id"] in body
    assert fails(repo, "checkpoint", "--rationale", "why") == "git-session: --rationale goes with --decision TEXT\n"


def test_diff_shows_what_changed_since(tmp_path: Path) -> None:
    repo = scene(tmp_path)
    ok(repo, "checkpoint")
    (saved,) = checkpoint_list(repo)
    write(repo, "new.txt", "untracked\nplus a line\n")
    old = git(repo, "rev-parse", f"{saved['snapshot']}:new.txt").strip()
    new = git(repo, "hash-object", "new.txt").strip()
    assert ok(repo, "diff", saved["id"][:9]) == (
        "diff --git a/new.txt b/new.txt\n"
        f"index {old[:7]}..{new[:7]} 100644\n"
        "--- a/new.txt\n"
        "+++ b/new.txt\n"
        "@@ -1 +1,2 @@\n"
        " untracked\n"
        "+plus a line\n"
    )
    assert ok(repo, "diff", "--stat", saved["id"]) == (" new.txt | 1 +\n 1 file changed, 1 insertion(+)\n")
    assert ok(repo, "diff", saved["id"], "--", "kept.txt") == ""
    write(repo, "blob.bin", BINARY + b"more")
    assert "Binary files a/blob.bin and b/blob.bin differ" in ok(repo, "diff", saved["id"])


def test_unknown_and_ambiguous_checkpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = scene(tmp_path)
    real = os.urandom
    monkeypatch.setattr(os, "urandom", lambda n: b"\0" + real(n - 1))  # new ids all start with "0"
    ok(repo, "checkpoint")
    ok(repo, "checkpoint")
    first, second = (c["id"] for c in checkpoint_list(repo))
    common = next(first[:n] for n in range(len(first)) if first[: n + 1] != second[: n + 1])
    err = fails(repo, "restore", common)
    assert err.startswith(f"git-session: checkpoint id prefix {common!r} is ambiguous\nhint: candidates: ")
    err = fails(repo, "diff", "zzzz")
    assert err.startswith("git-session: no checkpoint 'zzzz' in session ")


def test_checkpoints_of_two_clones_merge_the_same_way_and_keep_both_snapshots(tmp_path: Path) -> None:
    a, b, ref = clones(tmp_path, objective=False)
    write(a, "a.txt", "from a\n")
    ok(a, "checkpoint", "-m", "in a")
    write(b, "b.txt", "from b\n")
    ok(b, "checkpoint", "-m", "in b")
    theirs_in_a, theirs_in_b = fetch_theirs(a, b, ref), fetch_theirs(b, a, ref)
    merged = store_of(a).merge(ref, theirs_in_a)
    assert store_of(b).merge(ref, theirs_in_b) == merged
    tree = git(a, "rev-parse", f"{merged.tip}^{{tree}}")
    assert tree == git(b, "rev-parse", f"{merged.tip}^{{tree}}")
    snapshots = git(a, "ls-tree", merged.tip, "snapshots/").splitlines()
    assert len(snapshots) == 2 and all(line.startswith("040000 tree ") for line in snapshots)
    assert sorted(c["label"] for c in checkpoint_list(a)) == ["in a", "in b"]
    git(a, "reflog", "expire", "--expire=now", "--all")
    git(a, "gc", "-q", "--prune=now")
    from_b = next(c for c in checkpoint_list(a) if c["label"] == "in b")
    assert git(a, "cat-file", "-p", f"{from_b['snapshot']}:b.txt") == "from b\n"
    fsck(a)
    fsck(b)


@pytest.mark.parametrize("snapshot", ["blob", "missing", "not-hex"])
def test_a_checkpoint_whose_snapshot_is_no_tree_is_refused(tmp_path: Path, snapshot: str) -> None:
    a, _, ref = clones(tmp_path, objective=False)
    value = {
        "blob": git(a, "rev-parse", "HEAD:README").strip(),
        "missing": "1" * 40,
        "not-hex": "../../etc",
    }[snapshot]
    store = store_of(a)
    meta = store.meta(store.handle(ref))
    op = {
        "v": 1,
        "id": "01hzzzzzzzzzzzzzzzzzzzzzzz",
        "clock": meta.clock + 1,
        "at": 1700000000,
        "tz": "+0000",
        "author": "X <x@example.com>",
        "agent": None,
        "action": "add",
        "minor": False,
        "data": {"kind": "checkpoint", "fields": {"text": "bad", "snapshot": value}},
    }
    forged = forge(a, tip(a, ref), line=codec.dumps(op))
    with pytest.raises(DataError, match="is not a tree here"):
        store_of(a).merge(ref, ObjectId(forged))
