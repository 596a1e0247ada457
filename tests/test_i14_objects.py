"""Issue 14, reading objects: the bounded loose reader serves a whole id without listing
the object's folder or inflating it twice (libgit2 looks ``repo[id]`` up by prefix)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pygit2
import pytest

from git_session import gitrepo
from git_session.gitrepo import ObjectError, Repo
from git_session.names import ObjectId
from tests.helpers import git, make_repo

T = TypeVar("T")


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


def test_a_packed_object_is_looked_up_in_its_pack_without_trying_a_loose_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Git, too, looks in the packs first: a loose file is tried only for what no pack has
    (pygit2's reads by whole id still ask every backend, so only the look-ups are spared)."""
    repo = make_repo(tmp_path)
    (repo / "packed.txt").write_text("packed content\n")
    git(repo, "add", "packed.txt")
    git(repo, "commit", "-q", "-m", "packed")
    git(repo, "repack", "-adq")
    git(repo, "prune-packed")
    blob = git(repo, "rev-parse", "HEAD:packed.txt").strip()
    loose = git(repo, "hash-object", "-w", "--stdin", input="loose content\n").strip()
    opened = Repo.discover(str(repo))
    tried: list[str] = []
    for name in ("read_cb", "read_header_cb"):
        monkeypatch.setattr(gitrepo._BoundedLoose, name, _recording(getattr(gitrepo._BoundedLoose, name), tried))
    gitrepo._check_size(opened._raw.odb, blob, 100)
    assert opened._raw[blob].type == pygit2.enums.ObjectType.BLOB
    assert tried == []
    gitrepo._check_size(opened._raw.odb, loose, 100)
    assert tried == [loose]


def _recording(real: Callable[[gitrepo._BoundedLoose, pygit2.Oid], T], tried: list[str]) -> Callable[..., T]:
    def read(self: gitrepo._BoundedLoose, oid: pygit2.Oid) -> T:
        tried.append(str(oid))
        return real(self, oid)

    return read
