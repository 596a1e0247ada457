"""Issue 14, the at-risk check (fourth round): ``Repo.present`` looks for the objects it
missed a second time only when a pack folder changed during the first look (git adds a
pack before it deletes the loose copies), or when its time is too recent to tell. A
session of 10,000 commits absent from the repository paid the second look on every ``status``."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from git_session.gitrepo import Repo
from tests.helpers import git, make_repo


def aged(folder: Path, seconds: int = 60) -> None:
    then = time.time_ns() - seconds * 1_000_000_000
    os.utime(folder, ns=(then, then))


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many objects each look of ``present`` was given."""
    counted: list[int] = []
    real = Repo._present

    def look(self: Repo, oids: object, found: set[str]) -> list[str]:
        asked = list(oids)  # type: ignore[call-overload]
        counted.append(len(asked))
        return real(self, asked, found)

    monkeypatch.setattr(Repo, "_present", look)
    return counted


def test_missed_objects_are_not_looked_for_again_when_no_pack_came(tmp_path: Path, looks: list[int]) -> None:
    repo = make_repo(tmp_path)
    git(repo, "repack", "-adq")
    aged(repo / ".git" / "objects" / "pack")
    head = git(repo, "rev-parse", "HEAD").strip()
    missing = [os.urandom(20).hex() for _ in range(50)]

    assert Repo.discover(str(repo)).present([*missing, head]) == {head}
    assert looks == [51]


def test_a_pack_folder_changed_too_recently_to_tell_gets_the_second_look(tmp_path: Path, looks: list[int]) -> None:
    repo = make_repo(tmp_path)
    git(repo, "repack", "-adq")  # (just now)
    missing = [os.urandom(20).hex() for _ in range(5)]

    assert Repo.discover(str(repo)).present(missing) == set()
    assert looks == [5, 4]  # (the first missed is looked for through the database, which rescans)


def test_an_object_packed_during_the_look_is_found_with_an_old_pack_folder(tmp_path: Path, looks: list[int]) -> None:
    """As the review of the last round found it (``git gc --auto`` meanwhile), with a pack
    folder whose time says nothing recent: the pack added changes it."""
    repo = make_repo(tmp_path)
    git(repo, "repack", "-adq")
    git(repo, "commit", "-q", "--allow-empty", "-m", "loose")
    loose = git(repo, "rev-parse", "HEAD").strip()
    aged(repo / ".git" / "objects" / "pack")
    r = Repo.discover(str(repo))

    def asked() -> Iterator[str]:
        yield os.urandom(20).hex()  # absent: the packs are looked for again here
        git(repo, "repack", "-a", "-d", "-q")  # another process: into a new pack, the loose copy gone
        assert not (repo / ".git" / "objects" / loose[:2] / loose[2:]).exists()
        yield loose
        yield os.urandom(20).hex()

    assert r.present(asked()) == {loose}
    assert looks == [3, 1]  # the pack folder changed: what was missed is looked for again
