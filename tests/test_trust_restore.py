"""Lost work in checkpoints and restore (issue 9, items 7, 8, 9): a snapshot records the
working tree's true content, restore never removes what no checkpoint holds, and a restore
that fails part way puts everything back and says how to get back."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from git_session import checkpoints
from git_session.names import ObjectId
from git_session.sessions import Workspace, abbreviate
from tests.helpers import as_json, fails, git, make_repo, ok

RACY = 1_700_000_000 * 10**9  # one instant (ns) for the file and the index, as within one second


def racy_edit(repo: Path, path: str, staged: str, edited: str) -> None:
    """Stage ``staged`` then edit it to ``edited`` (same size) in the same instant as the
    index was written: only git's racy-clean check can tell the file changed."""
    assert len(staged) == len(edited)
    target = repo / path
    target.write_text(staged)
    os.utime(target, ns=(RACY, RACY))
    git(repo, "add", path)
    target.write_text(edited)  # same inode, same size
    os.utime(target, ns=(RACY, RACY))
    os.utime(repo / ".git/index", ns=(RACY, RACY))


def racy_repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path)
    git(repo, "config", "core.trustCtime", "false")  # the ctime of a real same-second edit matches too
    ok(repo, "start", "Racy")
    return repo


def snapshot_text(repo: Path, checkpoint: dict[str, str], path: str) -> str:
    return git(repo, "cat-file", "-p", f"{checkpoint['snapshot']}:{path}")


# --- item 7: a snapshot records what is on disk ----------------------------------------------


def test_a_file_edited_in_the_second_of_its_add_is_snapshotted_as_it_is(tmp_path: Path) -> None:
    repo = racy_repo(tmp_path)
    racy_edit(repo, "f.txt", "staged\n", "edited\n")
    assert "f.txt" in git(repo, "diff", "--name-only")  # git itself sees the edit

    ok(repo, "checkpoint", "-m", "racy")

    (saved,) = as_json(repo, "checkpoints")
    assert snapshot_text(repo, saved, "f.txt") == "edited\n"
    assert ok(repo, "diff", saved["id"]) == ""


def test_restore_keeps_a_fresh_edit_in_its_undo_checkpoint(tmp_path: Path) -> None:
    repo = racy_repo(tmp_path)
    (repo / "f.txt").write_text("checkpointed\n")
    ok(repo, "checkpoint", "-m", "old")
    (old,) = as_json(repo, "checkpoints")
    racy_edit(repo, "f.txt", "staged text\n", "fresh edit!\n")

    ok(repo, "restore", old["id"])

    assert (repo / "f.txt").read_text() == "checkpointed\n"
    undo = as_json(repo, "checkpoints")[-1]
    assert snapshot_text(repo, undo, "f.txt") == "fresh edit!\n"
    ok(repo, "restore", undo["id"])
    assert (repo / "f.txt").read_text() == "fresh edit!\n"


# --- building checkpoints a teammate (or an attacker) could have pushed ----------------------


def blob(repo: Path, text: str) -> str:
    return git(repo, "hash-object", "-w", "--stdin", input=text).strip()


def mktree(repo: Path, *entries: tuple[str, str, str]) -> str:
    """A tree of (mode, object id, name) entries exactly as given: git's checks are not applied."""
    kinds = {"040000": "tree", "160000": "commit"}
    lines = "".join(f"{mode} {kinds.get(mode, 'blob')} {oid}\t{name}\n" for mode, oid, name in entries)
    return git(repo, "mktree", "--missing", input=lines).strip()


def file_at(repo: Path, path: str, text: str, mode: str = "100644") -> tuple[str, str, str]:
    """A top-level entry holding ``text`` at ``path``, with the folders it needs."""
    *folders, name = path.split("/")
    entry = (mode, blob(repo, text), name)
    for folder in reversed(folders):
        entry = ("040000", mktree(repo, entry), folder)
    return entry


def plant(repo: Path, tree: str) -> str:
    """A checkpoint of the session whose snapshot is ``tree``; its id."""
    ws = Workspace.open(str(repo))
    found = ws.find(None)
    draft = checkpoints._checkpoint_draft(ws, "from elsewhere", checkpoints.Snapshot(ObjectId(tree), None))
    ws._append(found.handle.id, lambda handle, meta: [draft], "checkpoint: from elsewhere", found=found)
    return draft.id


def files(root: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every file, symbolic link and folder below ``root`` (outside .git), with its content."""
    state: dict[str, tuple[str, bytes | str]] = {}
    for folder, dirs, names in os.walk(root):
        if Path(folder) == root:
            dirs.remove(".git")
        for name in [*dirs, *names]:
            path = Path(folder, name)
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                state[key] = ("link", os.readlink(path))
            elif path.is_dir():
                state[key] = ("dir", "")
            else:
                state[key] = ("file", path.read_bytes())
    return state


def session_repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path)
    for name in ("a.txt", "b.txt"):
        (repo / name).write_text(f"{name} as committed\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "files")
    ok(repo, "start", "Restoring")
    return repo


def short_checkpoint(repo: Path, checkpoint: str) -> str:
    return abbreviate([c["id"] for c in as_json(repo, "checkpoints")])[checkpoint]


def count_checkpoints(repo: Path) -> int:
    return len(as_json(repo, "checkpoints"))


# --- item 9: a snapshot is untrusted data, and a failed restore puts everything back ---------

HOSTILE = {
    ".git/hooks/pre-commit": "it names the .git folder",
    ".GIT/config": "it names the .git folder",
    ".g\u200cit/config": "it names the .git folder",
    "git~1/config": "it names the .git folder",
    ".git. /config": "it names the .git folder",
    "sub/.git/config": "it names the .git folder",
    "../escaped": "an empty, . or .. part",
    "./here": "an empty, . or .. part",
}


@pytest.mark.parametrize("path", sorted(HOSTILE))
def test_a_snapshot_with_a_path_git_refuses_changes_nothing(tmp_path: Path, path: str) -> None:
    repo = session_repo(tmp_path)
    tree = mktree(repo, file_at(repo, "a.txt", "changed\n"), file_at(repo, path, "#!/bin/sh\necho owned\n"))
    checkpoint = plant(repo, tree)
    before, checkpoints_before = files(repo), count_checkpoints(repo)

    err = fails(repo, "restore", checkpoint, code=3)

    bad = path.split("/")[0] if path != "sub/.git/config" else "sub/.git"
    assert err == (
        f"git-session: the checkpoint's snapshot holds a path that cannot be restored: {bad!r} ({HOSTILE[path]})\n"
    )
    assert files(repo) == before and count_checkpoints(repo) == checkpoints_before
    assert not (repo / ".git/hooks/pre-commit").exists() and not (tmp_path / "escaped").exists()


def test_restoring_other_paths_of_a_hostile_snapshot_writes_only_those(tmp_path: Path) -> None:
    repo = session_repo(tmp_path)
    hostile = file_at(repo, ".git/hooks/pre-commit", "#!/bin/sh\necho owned\n", mode="100755")
    checkpoint = plant(repo, mktree(repo, file_at(repo, "a.txt", "from the checkpoint\n"), hostile))
    ok(repo, "restore", checkpoint, "--", "a.txt")
    assert (repo / "a.txt").read_text() == "from the checkpoint\n"
    assert not (repo / ".git/hooks/pre-commit").exists()
    err = fails(repo, "restore", checkpoint, code=3)
    assert "'.git' (it names the .git folder)" in err


def test_a_snapshot_naming_a_path_twice_or_inside_a_file_changes_nothing(tmp_path: Path) -> None:
    repo = session_repo(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    link = ("120000", blob(repo, str(outside)), "link")
    through = ("040000", mktree(repo, file_at(repo, "planted", "through the link\n")), "link")
    twice = mktree(repo, file_at(repo, "twice", "one\n"), file_at(repo, "twice", "two\n"))
    before = files(repo)
    for tree, bad in ((mktree(repo, link, through), "'link' (it is in the snapshot twice)"), (twice, "'twice'")):
        err = fails(repo, "restore", plant(repo, tree), code=3)
        assert err.startswith(f"git-session: the checkpoint's snapshot holds a path that cannot be restored: {bad}")
        assert files(repo) == before
    assert list(outside.iterdir()) == []
    assert count_checkpoints(repo) == 2  # the two planted ones: no undo checkpoint was needed


TOO_LONG = "x" * 300  # a name git stores but no file system here can create


def long_name_checkpoint(repo: Path) -> str:
    """A checkpoint that changes a.txt, adds new/inner.txt and a file named TOO_LONG, and
    lacks README and b.txt (a restore deletes those first)."""
    tree = mktree(
        repo,
        file_at(repo, "a.txt", "as in the checkpoint\n"),
        file_at(repo, "new/inner.txt", "new\n"),
        file_at(repo, TOO_LONG, "cannot be written\n"),
    )
    return plant(repo, tree)


def test_a_path_that_cannot_exist_here_is_refused_before_anything_changes(tmp_path: Path) -> None:
    repo = session_repo(tmp_path)
    checkpoint = long_name_checkpoint(repo)
    before = files(repo)
    err = fails(repo, "restore", checkpoint)
    assert err == f"git-session: cannot restore {TOO_LONG!r}: File name too long; nothing was changed\n"
    assert files(repo) == before and count_checkpoints(repo) == 1


def test_a_restore_that_fails_while_writing_puts_every_file_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = session_repo(tmp_path)
    (repo / "untracked.txt").write_text("only on disk\n")
    checkpoint = long_name_checkpoint(repo)
    before = files(repo)
    checked: list[str] = []  # a failure no check foresees (a full disk, another process): the check is skipped
    monkeypatch.setattr(checkpoints, "_check_unsaved", lambda repo, top, path, *rest: checked.append(path))

    err = fails(repo, "restore", checkpoint)

    assert checked == sorted(["a.txt", "new/inner.txt", TOO_LONG])
    assert files(repo) == before  # README, b.txt and untracked.txt are back, a.txt as it was, new/ gone
    undo = as_json(repo, "checkpoints")[-1]
    short = short_checkpoint(repo, undo["id"])
    assert undo["label"] == f"before restore of {checkpoint[:4]}"
    assert err == (
        f"git-session: restore failed (unable to create file {TOO_LONG}: File name too long); "
        f"the files were put back as checkpoint {short} holds them (git session restore {short})\n"
    )
    assert ok(repo, "restore", short) == f"Nothing to restore: the working tree already matches checkpoint {short}\n"


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """A folder nobody may write in: immutable for root (whom permissions do not stop), else mode 0555."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.fail("chattr +i failed: root needs an immutable folder to meet a read-only one (e2fsprogs)")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        return
    folder.chmod(0o555)
    try:
        yield
    finally:
        folder.chmod(0o755)


def test_a_read_only_folder_changes_nothing(tmp_path: Path) -> None:
    repo = session_repo(tmp_path)
    (repo / "locked").mkdir()
    (repo / "locked/old.txt").write_text("old\n")
    ok(repo, "checkpoint", "-m", "with old.txt")
    checkpoint = as_json(repo, "checkpoints")[0]["id"]
    (repo / "locked/old.txt").unlink()
    (repo / "locked/new.txt").write_text("new\n")
    (repo / "a.txt").unlink()
    before = files(repo)

    with read_only(repo / "locked"):
        err = fails(repo, "restore", checkpoint)

    assert files(repo) == before
    assert (
        err
        == "git-session: cannot restore 'locked/new.txt': the folder 'locked' is not writable; nothing was changed\n"
    )


def test_when_putting_back_fails_too_the_error_says_how_to_get_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = session_repo(tmp_path)
    checkpoint = plant(repo, mktree(repo, file_at(repo, "a.txt", "other\n")))
    calls: list[tuple[str, ...]] = []

    def broken_disk(repo_: object, paths: tuple[str, ...]) -> None:
        calls.append(tuple(paths))
        raise OSError(errno.EIO, "Input/output error", "README")

    monkeypatch.setattr(checkpoints, "_delete", broken_disk)
    err = fails(repo, "restore", checkpoint, "--session", "restoring")

    undo = short_checkpoint(repo, as_json(repo, "checkpoints")[-1]["id"])
    sid = as_json(repo, "show")["id"][:4]
    assert err == (
        "git-session: restore failed (README: Input/output error) and putting the files back failed too "
        f"(README: Input/output error); checkpoint {undo} holds them: git session restore {undo} --session {sid}\n"
    )
    assert calls == [("README", "b.txt"), ()]


# --- item 8: restore never deletes what no checkpoint holds -----------------------------------


def ignoring(tmp_path: Path, pattern: str) -> tuple[Path, str]:
    """A repository whose checkpoint has a file ``conf`` (and lib/a.txt), which is then ignored."""
    repo = session_repo(tmp_path)
    (repo / "conf").write_text("checkpointed conf\n")
    (repo / "lib").mkdir()
    (repo / "lib/a.txt").write_text("checkpointed lib\n")
    ok(repo, "checkpoint", "-m", "with conf")
    (checkpoint,) = as_json(repo, "checkpoints")
    (repo / "conf").unlink()
    (repo / ".gitignore").write_text(pattern)
    return repo, checkpoint["id"]


def refused(repo: Path, *args: str) -> str:
    before, count = files(repo), count_checkpoints(repo)
    err = fails(repo, "restore", *args)
    assert files(repo) == before and count_checkpoints(repo) == count  # nothing changed, no checkpoint needed
    return err


HINT = "hint: move it out of the way, then restore again; nothing was changed\n"


def test_an_ignored_folder_where_the_checkpoint_has_a_file_is_kept(tmp_path: Path) -> None:
    repo, checkpoint = ignoring(tmp_path, "conf/\n")
    (repo / "conf/deep").mkdir(parents=True)
    (repo / "conf/secret.yaml").write_text("only here\n")
    (repo / "conf/deep/more.yaml").write_text("only here too\n")

    for args in ([checkpoint], [checkpoint, "--", "conf"]):
        assert refused(repo, *args) == (
            "git-session: writing 'conf' would delete 'conf/secret.yaml', "
            "which no checkpoint holds (ignored, or in a nested repository)\n" + HINT
        )
    ok(repo, "restore", checkpoint, "--", "lib")  # other paths restore as before


def test_ignored_files_inside_a_folder_of_saved_files_are_kept(tmp_path: Path) -> None:
    repo, checkpoint = ignoring(tmp_path, "*.log\n")
    (repo / "conf").mkdir()
    (repo / "conf/saved.txt").write_text("in the undo checkpoint\n")
    (repo / "conf/nested").mkdir()
    (repo / "conf/nested/run.log").write_text("ignored\n")
    err = refused(repo, checkpoint)
    assert err.startswith("git-session: writing 'conf' would delete 'conf/nested/run.log', which no checkpoint")


def test_an_ignored_file_or_link_where_the_checkpoint_has_a_folder_is_kept(tmp_path: Path) -> None:
    repo, checkpoint = ignoring(tmp_path, "lib\n")
    (repo / "conf").write_text("checkpointed conf\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(repo / "lib")
    for kind in ("file", "symbolic link"):
        if kind == "file":
            (repo / "lib").write_text("ignored\n")
        else:
            (repo / "lib").unlink()
            (repo / "lib").symlink_to(outside)
        assert refused(repo, checkpoint, "--", "lib") == (
            f"git-session: writing 'lib/a.txt' would delete 'lib', which no checkpoint holds "
            f"(a {kind} where the checkpoint has a folder)\n" + HINT
        )
    assert list(outside.iterdir()) == []


def test_an_ignored_file_or_link_where_the_checkpoint_has_a_file_is_kept(tmp_path: Path) -> None:
    repo, checkpoint = ignoring(tmp_path, "conf\n")
    (repo / "conf").write_text("mine, ignored\n")
    assert refused(repo, checkpoint) == (
        "git-session: writing 'conf' would replace it, which no checkpoint holds (an ignored file)\n" + HINT
    )
    (repo / "conf").unlink()
    (repo / "conf").symlink_to("elsewhere")
    assert refused(repo, checkpoint).startswith(
        "git-session: writing 'conf' would replace it, which no checkpoint holds (an ignored symbolic link)\n"
    )
    (repo / "conf").unlink()
    (repo / "conf").write_text("checkpointed conf\n")  # the very content it would write: nothing is lost
    ok(repo, "restore", checkpoint)
    assert (repo / "conf").read_text() == "checkpointed conf\n"


def test_a_nested_repository_where_the_checkpoint_has_a_file_is_kept(tmp_path: Path) -> None:
    repo, checkpoint = ignoring(tmp_path, "")
    nested = make_repo(repo, "conf")
    err = refused(repo, checkpoint)
    assert err.startswith("git-session: writing 'conf' would delete 'conf/README', which no checkpoint holds")
    assert (nested / "README").read_text() == "hello\n"


def test_a_file_marked_assume_unchanged_is_snapshotted_as_it_is(tmp_path: Path) -> None:
    repo = racy_repo(tmp_path)
    (repo / "f.txt").write_text("committed\n")
    git(repo, "add", "f.txt")
    git(repo, "commit", "-q", "-m", "f")
    git(repo, "update-index", "--assume-unchanged", "f.txt")
    (repo / "f.txt").write_text("edited since, and longer\n")
    index = (repo / ".git/index").read_bytes()

    ok(repo, "checkpoint", "-m", "assumed")

    (saved,) = as_json(repo, "checkpoints")
    assert snapshot_text(repo, saved, "f.txt") == "edited since, and longer\n"
    assert (repo / ".git/index").read_bytes() == index  # the user's flag stays
    assert git(repo, "ls-files", "-v", "f.txt") == "h f.txt\n"
