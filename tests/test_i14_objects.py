"""Issue 14, reading objects: the bounded loose reader serves a whole id without listing
the object's folder or inflating it twice (libgit2 looks ``repo[id]`` up by prefix)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from git_session.gitrepo import ObjectError, Repo
from git_session.names import ObjectId
from tests.helpers import git, make_repo


def test_a_blob_is_read_without_listing_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    blob = ObjectId.of(git(repo, "hash-object", "-w", "--stdin", input="some content\n").strip())
    opened = Repo.discover(str(repo))
    listed: list[str] = []
    real_listdir = os.listdir

    def listdir(path: str) -> list[str]:
        listed.append(str(path))
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", listdir)
    assert opened.read_blob(blob) == b"some content\n"
    assert [path for path in listed if "objects" in path] == []


def test_a_damaged_loose_object_read_by_its_whole_id_is_still_reported(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    blob = git(repo, "hash-object", "-w", "--stdin", input="x" * 4000 + "\n").strip()
    path = repo / ".git" / "objects" / blob[:2] / blob[2:]
    data = path.read_bytes()
    path.chmod(0o644)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ObjectError, match="damaged"):
        Repo.discover(str(repo)).read_blob(ObjectId.of(blob))
