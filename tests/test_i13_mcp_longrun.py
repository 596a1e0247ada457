"""``git session mcp`` as the long-running process it is: two servers and the command line
writing to one session at once lose nothing, and a server started long ago stamps each
write with the time of that write and sees what others wrote meanwhile."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.helpers import as_json, git, make_two_clones, ok, subprocess_cli
from tests.mcpclient import connect, server_env
from tests.mcpclient import ok as call

WRITES = 8  # by each of the three writers
START, OTHER, SECOND = 1_700_000_000, 1_700_000_100, 1_700_000_200


@pytest.mark.slow
def test_two_servers_and_the_command_line_writing_at_once_lose_nothing(repo: Path) -> None:
    ok(repo, "start", "Crowded")

    def command_line() -> None:
        for number in range(WRITES):
            done = subprocess_cli(repo, "note", f"cli {number}")
            assert done.returncode == 0, done.stderr

    async def server(name: str) -> None:
        async with connect(repo) as session:
            for number in range(WRITES):
                await call(session, "record", kind="note", text=f"{name} {number}")

    async def main() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(server, "one")
            group.start_soon(server, "two")
            group.start_soon(anyio.to_thread.run_sync, command_line)

    anyio.run(main)
    notes = [n["text"] for n in as_json(repo, "show")["notes"]]
    expected = {f"{writer} {n}" for writer in ("one", "two", "cli") for n in range(WRITES)}
    assert len(notes) == 3 * WRITES and set(notes) == expected


def _clock_git(where: Path) -> tuple[Path, Path]:
    """A ``git`` that takes its author date from a file (the test's clock): a server started
    once sees it move without sleeping. Returns the folder to put first on PATH, and the file."""
    clock, folder = where / "clock", where / "bin"
    folder.mkdir()
    shim = folder / "git"
    shim.write_text(
        f'#!/bin/sh\nGIT_AUTHOR_DATE="$(cat {clock})"\nexport GIT_AUTHOR_DATE\nexec {shutil.which("git")} "$@"\n'
    )
    shim.chmod(0o755)
    return folder, clock


def test_a_long_running_server_stamps_each_write_with_its_own_time_and_sees_others(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(repo, "start", "Long-running")
    folder, clock = _clock_git(tmp_path)
    env = server_env({"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"})
    del env["GIT_AUTHOR_DATE"]
    params = StdioServerParameters(command=sys.executable, args=["-m", "git_session", "mcp"], cwd=str(repo), env=env)

    async def main() -> None:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            clock.write_text(f"{START} +0000\n")
            await call(session, "record", kind="note", text="first, at the start")
            monkeypatch.setenv("GIT_AUTHOR_DATE", f"{OTHER} +0000")
            ok(repo, "objective", "add", "written by the command line meanwhile")
            objective = as_json(repo, "objective", "list")[0]["id"]
            clock.write_text(f"{SECOND} +0200\n")
            status = await call(session, "read")
            assert "written by the command line meanwhile" in status
            await call(session, "change", id=objective[:6], action="done")

    anyio.run(main)
    journal = as_json(repo, "log")
    assert [(item["at"], item["action"]) for item in journal][1:] == [
        ("2023-11-14T22:13:20+00:00", "add"),
        ("2023-11-14T22:15:00+00:00", "add"),
        ("2023-11-15T00:16:40+02:00", "update"),
    ]


def test_teammates_sessions_fetched_from_a_remote_are_listed_and_read(tmp_path: Path) -> None:
    _remote, alice, bob = make_two_clones(tmp_path)
    git(bob, "switch", "-q", "-c", "feature/bob")
    ok(bob, "start", "Bob's work", "--task", "WEB-9")
    ok(bob, "push")
    ok(alice, "fetch")
    ok(alice, "start", "Alice's own")

    async def main() -> None:
        async with connect(alice) as session:
            assert "Bob's work" not in await call(session, "sessions")
            fetched = await call(session, "sessions", remote="origin")
            assert "Bob's work" in fetched and "feature/bob" in fetched
            assert "Bob's work" in await call(session, "sessions", remote="origin", query="web-9")

    anyio.run(main)
