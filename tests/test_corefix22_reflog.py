"""A reflog git-session writes itself (libgit2 does not: a bare repository, or
``core.logAllRefUpdates=false``) gets each line under the lock of the update it records:
concurrent writers' lines form one chain, in the order the ref moved."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from git_session.gitrepo import Repo
from tests.helpers import git, reflog_chain_problems

REF = "refs/sessions/raced"
WRITES = 150

# One writer: waits for the barrier, then moves REF WRITES times, each a new commit on top
# of the tip it read (Repo.update_ref: compare-and-swap, retried on a race).
WRITER = """
import os, sys, time
from git_session.gitrepo import Ident, Repo
repo = Repo.discover(sys.argv[1])
tree = repo.edit_tree(None, {})
ident = Ident("w", "w@example.com", 1700000000, "+0000")
barrier = sys.argv[2]
while not os.path.exists(barrier):
    time.sleep(0.001)
for n in range(int(sys.argv[3])):
    build = lambda old: repo.write_commit(tree, [old] if old else [], f"{sys.argv[4]}-{n}", ident)
    repo.update_ref(%r, build, "git-session: raced", what="the ref", writers="writer")
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["bare", "logging off"])
def test_concurrent_writers_reflog_is_one_chain(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "repo.git"
    git(tmp_path, "init", "-q", *(["--bare"] if kind == "bare" else []), str(path))
    if kind == "logging off":
        git(path, "config", "core.logAllRefUpdates", "false")
    barrier = tmp_path / "go"
    script = WRITER % REF
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path), str(barrier), str(WRITES), f"w{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    time.sleep(1.0)  # each has opened the repository and waits
    barrier.touch()
    for proc in writers:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    repo = Repo.discover(str(path))
    tip = repo.ref_target(REF)
    assert tip is not None
    lines = Path(repo.reflog_path(REF)).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 * WRITES
    assert reflog_chain_problems(lines, tip) == []
