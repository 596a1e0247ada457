"""Review of i14-link2: the pack and index written in-process are as safe on disk as the
ones ``git index-pack`` writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from git_session.gitrepo import Repo
from tests.helpers import git, make_repo


def test_a_pack_and_its_index_reach_the_disk_before_they_are_renamed_into_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``git index-pack`` syncs the pack, then its index (core.fsync's default): without it a
    power cut can leave an index (or a ref) naming a pack whose bytes never reached the disk."""
    repo = make_repo(tmp_path)
    opened = Repo.discover(str(repo))
    synced: set[int] = set()
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        synced.add(os.fstat(fd).st_ino)
        real_fsync(fd)

    def replace(source: str, target: str) -> None:
        kept = os.stat(source).st_ino in synced
        events.append(f"{Path(target).suffix} {'synced' if kept else 'NOT synced'}")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    with opened.packed_writes():
        blob = opened.write_blob(b"kept\n")
    monkeypatch.undo()
    assert events == [".pack synced", ".idx synced"]
    assert git(repo, "cat-file", "-p", blob) == "kept\n"


def test_a_pack_and_its_index_are_no_more_readable_than_the_umask_lets_git_make_them(tmp_path: Path) -> None:
    """git creates a pack and its index 0444 less the umask (0440 under umask 027): the
    session data packed here is not readable by others where git's own would not be."""
    repo = make_repo(tmp_path)
    opened = Repo.discover(str(repo))
    folder = repo / ".git" / "objects" / "pack"
    before = set(folder.iterdir())
    old = os.umask(0o027)
    try:
        with opened.packed_writes():
            opened.write_blob(b"private\n")
    finally:
        os.umask(old)
    made = sorted(set(folder.iterdir()) - before)
    assert [(path.suffix, oct(path.stat().st_mode & 0o777)) for path in made] == [(".idx", "0o440"), (".pack", "0o440")]
