"""Lost work in checkpoints and restore (issue 9, items 7, 8, 9): a snapshot records the
working tree's true content, restore never removes what no checkpoint holds, and a restore
that fails part way puts everything back and says how to get back."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import as_json, git, make_repo, ok

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
