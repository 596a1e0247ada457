"""``move_ref_aside`` writes the copy aside as git writes a loose ref: its lock made, filled,
renamed into place. The lock was then removed on the way out whatever happened: once
renamed, the name is free, and a writer of that ref (git's update-ref, another doctor)
may hold its own lock there by then: that lock was removed under it, and a third writer
could then take the ref while the second still wrote it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from git_session.gitrepo import Ident, Repo
from tests.helpers import git

REF = "refs/sessions/01HZX"
ASIDE = "refs/session-broken/sessions/01HZX"


def test_a_lock_taken_on_the_copy_aside_once_it_is_in_place_is_left_to_its_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(path))
    repo = Repo.discover(str(path))
    tip = repo.write_commit(repo.edit_tree(None, {}), [], "a", Ident("t", "t@example.com", 1700000000, "+0000"))
    git(path, "update-ref", "--create-reflog", "-m", "a", REF, tip)
    theirs = Path(repo.lock_path(ASIDE))
    renamed = os.replace

    def then_another_writer_locks(source: str, destination: str) -> None:
        renamed(source, destination)
        if source == str(theirs):
            theirs.write_text("")  # another writer's lock, taken as soon as the name is free

    monkeypatch.setattr(os, "replace", then_another_writer_locks)
    assert repo.move_ref_aside(REF, ASIDE, tip)
    assert theirs.exists()
    assert repo.ref_target(ASIDE) == tip and repo.ref_target(REF) is None
