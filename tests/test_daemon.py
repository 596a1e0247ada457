"""The test ``git daemon``: the real git binary clones, pushes and fetches over git://,
and nothing of the daemon outlives its fixture."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import daemon
from tests.daemon import HOST, DaemonError, group_members, serve
from tests.helpers import git

# The fixture, bound by assignment: an import would be "unused", then "redefined" (F811)
# by every test's parameter of that name.
git_daemon = daemon.git_daemon


def commit(repo: Path, name: str) -> str:
    (repo / name).write_text(f"{name}\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"add {name}")
    return git(repo, "rev-parse", "HEAD").strip()


def test_clone_push_and_fetch_over_git_protocol(git_daemon: tuple[Path, str], tmp_path: Path) -> None:
    base, url = git_daemon
    git(base, "init", "-q", "--bare", "-b", "main", "shared.git")
    git(tmp_path, "clone", "-q", f"{url}shared.git", "alice")  # an empty repository, served
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    first = commit(alice, "one")
    git(alice, "update-ref", "refs/sessions/main/s1", first)

    git(alice, "push", "-q", "origin", "main", "refs/sessions/*:refs/sessions/*")  # receive-pack

    assert git(base / "shared.git", "for-each-ref", "--format=%(refname) %(objectname)") == (
        f"refs/heads/main {first}\nrefs/sessions/main/s1 {first}\n"
    )
    git(tmp_path, "clone", "-q", f"{url}shared.git", "bob")
    assert git(bob, "rev-parse", "HEAD").strip() == first
    second = commit(alice, "two")
    git(alice, "push", "-q", "origin", "main")
    git(bob, "fetch", "-q", "origin", "refs/sessions/*:refs/session-remotes/origin/sessions/*")
    git(bob, "fetch", "-q", "origin")
    assert git(bob, "rev-parse", "origin/main", "refs/session-remotes/origin/sessions/main/s1").split() == [
        second,
        first,
    ]


def test_only_the_base_directory_is_served(git_daemon: tuple[Path, str], tmp_path: Path) -> None:
    _, url = git_daemon
    git(tmp_path, "init", "-q", "--bare", "outside.git")

    with pytest.raises(AssertionError, match="no such repository"):  # --informative-errors
        git(tmp_path, "ls-remote", f"{url}../outside.git")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="looks for the processes in /proc")
def test_nothing_outlives_the_daemon(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--bare", "served.git")
    with serve(tmp_path) as url:
        port = urlsplit(url).port
        assert port is not None
        # A fetch left waiting after the refs advertisement: the child forked to serve it
        # and its upload-pack are alive when the daemon is stopped.
        hanging = socket.create_connection((HOST, port))
        hanging.sendall(pkt_line(f"git-upload-pack /served.git\0host={HOST}\0"))
        assert hanging.recv(4)  # the advertisement has begun
        (group,) = {os.getpgid(pid) for pid in listening_on(port)}
        # git daemon, the git-daemon it runs, the child serving us, its upload-pack:
        assert sorted(command_name(pid) for pid in group_members(group)) == ["git", "git", "git-daemon", "git-daemon"]
    try:
        assert group_members(group) == set()
        assert listening_on(port) == []
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((HOST, port)).close()
    finally:
        hanging.close()


def test_a_daemon_that_cannot_start_says_why(tmp_path: Path) -> None:
    error = r"exited with status 128:\nfatal: base-path '\S+/missing' does not exist"
    with pytest.raises(DaemonError, match=error), serve(tmp_path / "missing"):
        pass


def pkt_line(text: str) -> bytes:
    return f"{len(text) + 4:04x}{text}".encode()


def listening_on(port: int) -> list[int]:
    """Live processes with ``--port=<port>`` in their arguments: the daemon and its children."""
    wanted = f"--port={port}".encode()
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if wanted in cmdline.read_bytes().split(b"\0"):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue  # it ended meanwhile
    return found


def command_name(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()
