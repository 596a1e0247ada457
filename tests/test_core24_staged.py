"""Files written whole through a temporary file beside them: ``handoff --output``'s file,
the ADRs, the session-refs index and the checksummed caches each kept a temporary-file
pattern of their own, and left the temporary file behind on Ctrl-C. They now go through
``gitrepo.staged_file`` / ``replace_file`` (removed on every way out). The import key was
not synced before it was linked into place: a crash could leave an empty key (every id
imported from outside the work tree then changes); its bytes, and the name, are synced."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from git_session import handoff, importing, paths, sessionids
from git_session.gitrepo import Repo
from tests.helpers import git, make_repo, ok, run


def interrupted(real: Callable[..., object], when: Callable[[], bool]) -> Callable[..., object]:
    def call(*args: object) -> object:
        if when():
            raise KeyboardInterrupt
        return real(*args)

    return call


def test_handoff_output_interrupted_before_its_rename_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out" / "handoff.md"
    target.parent.mkdir()
    target.write_text("old\n")
    monkeypatch.setattr(os, "replace", interrupted(os.replace, lambda: True))
    with pytest.raises(KeyboardInterrupt):
        handoff.write_output(str(target), "new\n")
    assert sorted(p.name for p in target.parent.iterdir()) == ["handoff.md"]
    assert target.read_text() == "old\n"


def test_adrs_interrupted_while_one_is_staged_leave_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "Auth rewrite")
    ok(repo, "decision", "add", "Use the PKCE flow")
    ok(repo, "decision", "add", "Keep sessions server-side")
    folder = tmp_path / "adr"
    folder.mkdir()
    staged: list[str] = []

    def second_adr_synced(fd: int) -> bool:  # Ctrl-C as the second record is staged (synced)
        name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
        staged.extend([name] if name.startswith(".git-session-adr-") else [])
        return len(staged) == 2

    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: interrupted(real, lambda: second_adr_synced(fd))(fd))
    with contextlib.suppress(KeyboardInterrupt):
        run(repo, "end", "--adr", str(folder))
    assert len(staged) == 2
    assert list(folder.iterdir()) == []


def test_the_import_key_is_on_the_disk_before_it_takes_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(tmp_path, "init", "-q", str(tmp_path / "repo"))
    repo = Repo.discover(str(tmp_path / "repo"))
    synced: list[bytes] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        if os.path.isfile(f"/proc/self/fd/{fd}"):
            synced.append(Path(f"/proc/self/fd/{fd}").read_bytes())
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    key = importing._import_key(repo)
    assert paths.import_key(repo).read_bytes().strip() == key
    assert paths.import_key(repo).read_bytes() in synced


def test_the_session_refs_index_interrupted_before_its_rename_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = Repo.discover(str(make_repo(tmp_path)))
    index = paths.session_refs_index(repo)
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_bytes(f"{sessionids.HEADER}\n1\nrest\n".encode())
    monkeypatch.setattr(os, "replace", interrupted(os.replace, lambda: True))
    with pytest.raises(KeyboardInterrupt):
        sessionids.session_added(repo)
    assert [p.name for p in index.parent.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".")] == []
    assert index.read_bytes() == f"{sessionids.HEADER}\n1\nrest\n".encode()
