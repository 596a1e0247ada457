"""An adversarial review of restore and ADRs (issue 9, items 7, 8, 9, 15): Ctrl-C, SIGTERM and
SIGHUP while a restore writes, ignored files already as written, nested repositories, an index
renamed into place while it is copied, skip-worktree files, records renumbered by another writer,
and the hostile inputs that held (pathspec magic, a held index lock, links out of the work tree)."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from git_session import adr, checkpoints
from git_session.errors import EXIT_INTERRUPTED
from git_session.gitrepo import Repo
from tests.helpers import as_json, fails, git, make_repo, ok, run, subprocess_cli
from tests.test_trust_restore import (
    RACY,
    blob,
    count_checkpoints,
    file_at,
    files,
    mktree,
    plant,
    racy_edit,
    racy_repo,
    session_repo,
    short_checkpoint,
    snapshot_text,
)
from tests.test_trust_restore_adr import RECORDS, decided

# --- Ctrl-C while a restore writes -------------------------------------------------------------


def interrupt_writes(monkeypatch: pytest.MonkeyPatch, times: int) -> list[str]:
    """Ctrl-C arrives during the first ``times`` writes of files (after the deletions)."""
    real = checkpoints._git
    seen: list[str] = []

    def git_(repo: Repo, args: Sequence[str], env: dict[str, str] | None = None, input: str | None = None) -> str:
        if "checkout-index" in args:
            seen.append(input or "")
            if len(seen) <= times:
                raise KeyboardInterrupt
        return real(repo, args, env, input)

    monkeypatch.setattr(checkpoints, "_git", git_)
    return seen


def test_ctrl_c_while_writing_puts_every_file_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = session_repo(tmp_path)
    checkpoint = plant(repo, mktree(repo, file_at(repo, "a.txt", "other\n"), file_at(repo, "new.txt", "new\n")))
    before = files(repo)
    seen = interrupt_writes(monkeypatch, times=1)

    result = run(repo, "restore", checkpoint)

    assert len(seen) == 2  # the restore's write, stopped, then the writes putting the files back
    assert files(repo) == before  # README and b.txt were deleted first: they are back
    undo = short_checkpoint(repo, as_json(repo, "checkpoints")[-1]["id"])
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.stderr == (
        f"git-session: restore failed (interrupted); the files were put back as checkpoint {undo} holds them "
        f"(git session restore {undo})\n"
    )


def test_ctrl_c_while_putting_back_names_the_undo_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = session_repo(tmp_path)
    checkpoint = plant(repo, mktree(repo, file_at(repo, "a.txt", "other\n")))
    interrupt_writes(monkeypatch, times=2)

    result = run(repo, "restore", checkpoint)

    undo = short_checkpoint(repo, as_json(repo, "checkpoints")[-1]["id"])
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.stderr == (
        "git-session: restore failed (interrupted) and putting the files back failed too (interrupted); "
        f"checkpoint {undo} holds them: git session restore {undo}\n"
    )
    monkeypatch.undo()
    ok(repo, "restore", undo)
    assert sorted(files(repo)) == ["README", "a.txt", "b.txt"]
    assert (repo / "a.txt").read_text() == "a.txt as committed\n"


@pytest.mark.parametrize("stop", ["TERM", "HUP"])
def test_a_termination_while_writing_puts_every_file_back(tmp_path: Path, stop: str) -> None:
    repo = session_repo(tmp_path)
    (repo / ".gitattributes").write_text("new.txt filter=stop\n")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes")
    # Writing new.txt signals git-session (the parent of the git that runs the filter): killed, or a closed terminal.
    git(repo, "config", "filter.stop.smudge", f"kill -{stop} $(awk '{{print $4}}' /proc/$PPID/stat); cat")
    kept = [file_at(repo, ".gitattributes", (repo / ".gitattributes").read_text())]
    checkpoint = plant(repo, mktree(repo, *kept, file_at(repo, "a.txt", "other\n"), file_at(repo, "new.txt", "new\n")))
    before = files(repo)

    # A signal ignored here (pytest run under nohup ignores SIGHUP) would be ignored by the child too.
    kept_handler = signal.signal(getattr(signal, f"SIG{stop}"), signal.SIG_DFL)
    try:
        result = subprocess_cli(repo, "restore", checkpoint)
    finally:
        signal.signal(getattr(signal, f"SIG{stop}"), kept_handler)

    assert files(repo) == before  # README and b.txt, deleted first, are back; new.txt is gone
    undo = short_checkpoint(repo, as_json(repo, "checkpoints")[-1]["id"])
    assert (result.returncode, result.stderr) == (
        EXIT_INTERRUPTED,
        f"git-session: restore failed (interrupted); the files were put back as checkpoint {undo} holds them "
        f"(git session restore {undo})\n",
    )


def test_ctrl_c_leaves_an_ignored_file_that_already_held_the_checkpoints_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = session_repo(tmp_path)
    (repo / ".gitignore").write_text("conf\n")
    kept = [file_at(repo, name, (repo / name).read_text()) for name in ("README", "b.txt", ".gitignore")]
    checkpoint = plant(repo, mktree(repo, *kept, file_at(repo, "a.txt", "other\n"), file_at(repo, "conf", "same\n")))
    (repo / "conf").write_text("same\n")  # ignored: in no checkpoint, but exactly what the restore would write
    before = files(repo)
    interrupt_writes(monkeypatch, times=1)

    result = run(repo, "restore", checkpoint)

    assert result.exit_code == EXIT_INTERRUPTED
    assert files(repo) == before  # putting the files back did not delete it
    monkeypatch.undo()
    (repo / "a.txt").write_text("other\n")
    assert ok(repo, "restore", checkpoint) == (
        f"Nothing to restore: the working tree already matches checkpoint {short_checkpoint(repo, checkpoint)}\n"
    )


# --- the index copy and another git writing the index (item 7) ----------------------------------


def test_an_index_renamed_into_place_while_it_is_copied_lends_the_copy_no_newer_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = racy_repo(tmp_path)
    racy_edit(repo, "f.txt", "staged\n", "edited\n")
    index = repo / ".git/index"

    def another_git_writes_the_index(copy: Callable[..., Any]) -> Callable[..., Any]:
        def copied(*args: Any, **kwargs: Any) -> Any:
            result = copy(*args, **kwargs)
            newer = repo / ".git/index.new"  # the same entries, written ten seconds later, renamed in
            newer.write_bytes(index.read_bytes())
            os.utime(newer, ns=(RACY + 10**10, RACY + 10**10))
            newer.replace(index)
            return result

        return copied

    for name in ("copyfile", "copyfileobj"):
        monkeypatch.setattr(shutil, name, another_git_writes_the_index(getattr(shutil, name)))
    taken = checkpoints.snapshot(Repo.discover(str(repo)))
    monkeypatch.undo()

    assert git(repo, "cat-file", "-p", f"{taken.tree}:f.txt") == "edited\n"


def test_nothing_is_written_into_a_nested_repository(tmp_path: Path) -> None:
    repo = session_repo(tmp_path)
    nested = make_repo(repo, "nested")  # its files are in no checkpoint: the snapshot holds a gitlink
    planted = mktree(repo, file_at(repo, "nested/new.txt", "planted\n"), file_at(repo, "a.txt", "changed\n"))
    checkpoint = plant(repo, planted)
    before, count = files(repo), count_checkpoints(repo)
    for args in ([], ["--", "nested/new.txt"]):
        err = fails(repo, "restore", checkpoint, *args)
        assert err == (
            "git-session: writing 'nested/new.txt' would put it in the nested repository 'nested', "
            "which no checkpoint holds\nhint: move it out of the way, then restore again; nothing was changed\n"
        )
    assert files(repo) == before and count_checkpoints(repo) == count
    assert not (nested / "new.txt").exists()
    ok(repo, "restore", checkpoint, "--", "a.txt")
    assert (repo / "a.txt").read_text() == "changed\n"


# --- skip-worktree: the same stale snapshot as assume-unchanged (item 7) ------------------------


def test_a_skip_worktree_file_edited_on_disk_is_snapshotted_and_kept_by_restore(tmp_path: Path) -> None:
    repo = session_repo(tmp_path)
    ok(repo, "checkpoint", "-m", "as committed")
    (old,) = as_json(repo, "checkpoints")
    (repo / "a.txt").write_text("staged\n")
    git(repo, "add", "a.txt")
    git(repo, "update-index", "--skip-worktree", "a.txt")  # "ignore my local changes to a tracked file"
    (repo / "a.txt").write_text("my local edit\n")
    index = (repo / ".git/index").read_bytes()

    ok(repo, "restore", old["id"])

    assert (repo / "a.txt").read_text() == "a.txt as committed\n"
    undo = as_json(repo, "checkpoints")[-1]
    assert snapshot_text(repo, undo, "a.txt") == "my local edit\n"
    assert (repo / ".git/index").read_bytes() == index  # the user's flag stays
    ok(repo, "restore", undo["id"])
    assert (repo / "a.txt").read_text() == "my local edit\n"


def test_a_skip_worktree_file_not_on_disk_is_snapshotted_as_staged(tmp_path: Path) -> None:
    repo = session_repo(tmp_path)
    git(repo, "update-index", "--skip-worktree", "b.txt")
    (repo / "b.txt").unlink()  # as a sparse checkout leaves it

    ok(repo, "checkpoint", "-m", "sparse")

    (saved,) = as_json(repo, "checkpoints")
    assert snapshot_text(repo, saved, "b.txt") == "b.txt as committed\n"


# --- ADRs renumbered by another writer (item 15) ------------------------------------------------


def test_records_moved_to_later_numbers_by_another_writer_say_their_own_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = decided(tmp_path)
    folder = tmp_path / "adr"
    real = adr.next_number

    def another_run_too(directory: str) -> int:
        number = real(directory)
        (folder / RECORDS[0]).write_text("# 1. theirs\n")  # the same records, placed after we counted
        (folder / RECORDS[1]).write_text("# 2. theirs\n")
        return number

    monkeypatch.setattr(adr, "next_number", another_run_too)
    ok(repo, "adr", "--dir", str(folder))

    assert (folder / "0002-use-the-pkce-flow.md").read_text().startswith("# 2. Use the PKCE flow\n")
    assert (folder / "0003-keep-sessions-server-side.md").read_text().startswith("# 3. Keep sessions server-side\n")
    assert [(folder / name).read_text() for name in RECORDS] == ["# 1. theirs\n", "# 2. theirs\n"]
    assert len(list(folder.iterdir())) == 4


# --- what held ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [":(top)a.txt", ":!b.txt", "*", "*.txt", "a.*"])
def test_pathspec_magic_is_a_plain_name(tmp_path: Path, path: str) -> None:
    repo = session_repo(tmp_path)
    ok(repo, "checkpoint", "-m", "as committed")
    (checkpoint,) = as_json(repo, "checkpoints")
    (repo / "a.txt").write_text("changed\n")
    err = fails(repo, "restore", checkpoint["id"], "--", path)
    assert err == f"git-session: {path!r} is neither in the checkpoint nor in the working tree\n"
    assert (repo / "a.txt").read_text() == "changed\n"


def test_restore_leaves_a_held_index_lock_and_the_index_alone(tmp_path: Path) -> None:
    repo = session_repo(tmp_path)
    ok(repo, "checkpoint", "-m", "as committed")
    (checkpoint,) = as_json(repo, "checkpoints")
    (repo / "a.txt").write_text("changed\n")
    (repo / "sub").mkdir()
    (repo / ".git/index.lock").write_text("another git holds it\n")
    index = (repo / ".git/index").read_bytes()
    ok(repo / "sub", "restore", checkpoint["id"], "--", "../a.txt")
    assert (repo / "a.txt").read_text() == "a.txt as committed\n"
    assert (repo / ".git/index").read_bytes() == index
    assert (repo / ".git/index.lock").read_text() == "another git holds it\n"


def test_a_link_out_of_the_work_tree_is_written_as_a_link_and_never_followed(tmp_path: Path) -> None:
    repo = session_repo(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    up = ("120000", blob(repo, "../../.."), "up")
    checkpoint = plant(repo, mktree(repo, up, file_at(repo, "a.txt", "a\n")))
    ok(repo, "restore", checkpoint)
    assert files(repo)["up"] == ("link", "../../..")
    through = plant(repo, mktree(repo, file_at(repo, "up/outside/planted", "through the link\n")))
    for args in (["--", "up/outside/planted"], []):
        ok(repo, "restore", through, *args) if not args else fails(repo, "restore", through, *args)
    assert list(outside.iterdir()) == []
    assert (repo / "up/outside/planted").read_text() == "through the link\n"  # in a real folder of the work tree
    assert count_checkpoints(repo) == 4
