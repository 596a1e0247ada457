"""A real ``git daemon`` on 127.0.0.1, for tests that need a ``git://`` remote.

    from tests import daemon

    git_daemon = daemon.git_daemon  # the fixture (imported by name, ruff's F811 flags its uses)

    def test_push(git_daemon: tuple[Path, str]) -> None:
        base, url = git_daemon          # url is git://127.0.0.1:<port>/
        git(base, "init", "-q", "--bare", "shared.git")
        ... git clone f"{url}shared.git" ...

Every repository under the base directory is exported, pushes are allowed
(``receive-pack``), and errors are told to the client. The daemon inherits the
environment, hence the hermetic seal of the tests. It forks a process per connection:
it runs in a process group of its own, which is killed as a whole on exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

import pytest

HOST = "127.0.0.1"
START_TIMEOUT = 10.0  # seconds until the daemon must accept connections
STOP_TIMEOUT = 10.0
BIND_ATTEMPTS = 5  # another process may take the free port before the daemon binds it
POLL_INTERVAL = 0.02
_BIND_FAILURE = "unable to allocate any listen sockets"


class DaemonError(RuntimeError):
    """The daemon died or did not listen in time; the message carries its stderr."""


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick); it may be taken again at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def daemon_argv(base: Path, port: int) -> list[str]:
    return [
        "git",
        "daemon",
        "--reuseaddr",
        f"--listen={HOST}",
        f"--port={port}",
        f"--base-path={base}",
        "--export-all",
        "--enable=receive-pack",
        "--informative-errors",
        str(base),  # the whitelist: only what is under the base directory
    ]


@contextmanager
def serve(base: Path) -> Iterator[str]:
    """Serve every repository under ``base``; yields the base URL ``git://127.0.0.1:<port>/``."""
    base = base.resolve()  # the daemon compares the whitelist with resolved paths
    with tempfile.TemporaryFile("a+b") as log:  # appending: the daemon's writes never overlap our reads
        process, port = _start(base, log)
        try:
            yield f"git://{HOST}:{port}/"
        finally:
            _stop(process)


def _start(base: Path, log: IO[bytes]) -> tuple[subprocess.Popen[bytes], int]:
    for _ in range(BIND_ATTEMPTS):
        log.truncate(0)
        port = free_port()
        process = subprocess.Popen(
            daemon_argv(base, port),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,  # a file, not a pipe: a full pipe would block the daemon's logging
            start_new_session=True,
        )
        try:
            listening = _wait_until_listening(process, port, log)
        except BaseException:  # a dead or deaf daemon, or Ctrl-C: leave nothing behind
            _stop(process)
            raise
        if listening:
            return process, port
    raise DaemonError(f"git daemon could not bind a port in {BIND_ATTEMPTS} attempts:\n{_read(log)}")


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> bool:
    """True once the daemon accepts connections; False if it died failing to bind the port."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if accepts(port) and process.poll() is None:
            return True
        try:
            process.wait(timeout=POLL_INTERVAL)
        except subprocess.TimeoutExpired:
            continue
        if _BIND_FAILURE in _read(log):
            return False
        raise DaemonError(f"git daemon exited with status {process.returncode}:\n{_read(log)}")
    raise DaemonError(f"git daemon did not accept connections on port {port} in {START_TIMEOUT:.0f} s:\n{_read(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the daemon, then kill what it forked: the per-connection processes (its
    group) ignore SIGTERM, as seen with git 2.39, so a served fetch would outlive it."""
    group = process.pid  # the leader of its own session and process group
    _signal_group(group, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        _signal_group(group, signal.SIGKILL)
        process.wait()
    _signal_group(group, signal.SIGKILL)
    deadline = time.monotonic() + STOP_TIMEOUT
    while group_members(group) and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL)


def _signal_group(group: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):  # the group is gone already
        os.killpg(group, sig)


def group_members(group: int) -> set[int]:
    """The processes of a group that still run: zombies, which nobody may ever reap here
    (an init that does not), do not count. Without /proc, whether the group exists."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return set()
        return {group}
    members = set()
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # what follows "pid (command name)"
        except OSError:
            continue  # it ended meanwhile
        if int(fields[2]) == group and fields[0] != "Z":
            members.add(int(stat.parent.name))
    return members


def _read(log: IO[bytes]) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")


@pytest.fixture
def git_daemon(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A daemon serving ``tmp_path/served``: yields that directory and the base URL."""
    base = tmp_path / "served"
    base.mkdir()
    with serve(base) as url:
        yield base, url
