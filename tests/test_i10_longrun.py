"""The core used from a long-running process (a server): one Workspace serves many calls
while other processes write in between. Each write takes the time of that write, and
each call sees what the others wrote meanwhile."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session.sessions import Workspace
from tests.helpers import subprocess_cli

START, OTHER, SECOND = 1_700_000_000, 1_700_000_100, 1_700_000_200


def _other_process_writes(repo: Path, monkeypatch: pytest.MonkeyPatch, at: int, text: str) -> None:
    monkeypatch.setenv("GIT_AUTHOR_DATE", f"{at} +0000")
    result = subprocess_cli(repo, "note", text)
    assert result.returncode == 0, result.stderr


def test_each_write_of_one_workspace_takes_its_own_time(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace.open(str(repo))
    monkeypatch.setenv("GIT_AUTHOR_DATE", f"{START} +0000")
    found = ws.start("long-running")
    _other_process_writes(repo, monkeypatch, OTHER, "from another process")
    monkeypatch.setenv("GIT_AUTHOR_DATE", f"{SECOND} +0200")
    written, op = ws.add(None, "note", "second write")
    assert (op.at, op.tz) == (SECOND, "+0200")
    journal = ws.store.journal(written.handle)
    assert [item.op.at for item in journal] == [START, OTHER, SECOND]
    assert [item.op.clock for item in journal] == sorted({item.op.clock for item in journal})
    assert written.handle.id == found.handle.id


def test_a_workspace_sees_and_keeps_what_another_process_wrote(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace.open(str(repo))
    found = ws.start("long-running")
    _other_process_writes(repo, monkeypatch, OTHER, "from another process")
    written, _ = ws.add(None, "note", "second write")
    texts = [entry.text for entry in ws.store.entries(written.handle, "note")]
    assert sorted(texts) == ["from another process", "second write"]
    assert ws.repo.ref_target(found.handle.ref) == written.handle.tip
    assert ws.store.meta(written.handle).clock == 3


def test_the_identity_is_read_at_each_write(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace.open(str(repo))
    ws.start("long-running")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "B Nother")
    _, op = ws.add(None, "note", "by someone else now")
    assert op.author == "B Nother <author@example.com>"


def test_now_follows_the_clock(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace.open(str(repo))
    monkeypatch.setenv("GIT_AUTHOR_DATE", f"{START} +0000")
    assert ws.now() == START
    monkeypatch.setenv("GIT_AUTHOR_DATE", f"{SECOND} +0000")
    assert ws.now() == SECOND
