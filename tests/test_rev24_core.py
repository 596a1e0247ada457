"""Review of core24 (refs moved aside, temporary files, reflog identity)."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from git_session import committer
from git_session.gitrepo import Ident, Repo
from git_session.integrations.files import write_file
from tests.helpers import git


@pytest.fixture
def looked_up_anew() -> Iterator[None]:
    committer._default_email.cache_clear()
    yield
    committer._default_email.cache_clear()  # (not the stand-in host's, for later tests)


def test_the_default_email_is_looked_up_once_not_on_every_ref_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, looked_up_anew: None
) -> None:
    """With no email configured the reflog line names ``login@host`` as git does, the host's
    canonical name asked of the resolver (``getaddrinfo``: seconds where DNS does not answer).
    git asks once a process; every ref update asked again (a hook's command makes several)."""
    for name in ("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name)
    asked: list[str] = []

    def getaddrinfo(host: str, *args: object, **kwargs: object) -> list[object]:
        asked.append(host)
        raise socket.gaierror("no answer")

    git(tmp_path, "init", "-q", "--bare", str(tmp_path / "repo"))
    repo = Repo.discover(str(tmp_path / "repo"))
    tip = repo.write_commit(repo.edit_tree(None, {}), [], "a", Ident("t", "t@example.com", 1700000000, "+0000"))
    monkeypatch.setattr(socket, "gethostname", lambda: "box")
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for number in range(3):
        assert repo.cas_ref(f"refs/sessions/s{number}", tip, None, "git-session: made")
    assert asked == ["box"]
    line = Path(repo.reflog_path("refs/sessions/s2")).read_text(encoding="utf-8")
    assert "@box.(none)> " in line


def test_an_agent_file_rewritten_is_on_the_disk_before_it_takes_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``integrations.files.write_file`` (the user's agent instructions and settings, with our
    block added; the hooks) kept a temporary-file pattern of its own, never synced: a crash
    after its rename could leave the user's file empty, their own text lost."""
    target = tmp_path / "CLAUDE.md"
    target.write_bytes(b"the user's own instructions\n")
    synced: list[bytes | str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        where = f"/proc/self/fd/{fd}"
        synced.append(Path(where).read_bytes() if os.path.isfile(where) else os.readlink(where))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    write_file(str(target), b"the user's own instructions\nour block\n", 0o640)
    assert synced == [b"the user's own instructions\nour block\n", str(tmp_path)]  # the bytes, then the name
    assert target.read_bytes() == b"the user's own instructions\nour block\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["CLAUDE.md"]
