"""doctor's move of a damaged session aside (``Repo.move_ref_aside``) moved the reflog
outside the ref's lock, then deleted the ref with ``git update-ref -d``: a writer (git's
own ``update-ref``) moving the ref between the two logged nothing (its reflog was away), or
appended to a reflog that then went aside with the ref's copy; its update was kept, its
line lost. Now it is done as git renames a ref: under the ref's lock, checked, written."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from git_session.gitrepo import Ident, Repo
from git_session.names import ObjectId
from tests.helpers import git, reflog_chain_problems

REF = "refs/sessions/raced"
ASIDE = "refs/session-broken/sessions/raced"
ROUNDS = 6

# Moves REF back and forth between two commits with git's own update-ref (compare-and-swap,
# a reflog line each), until REF is gone; prints how many moves it made.
WRITER = """
import subprocess, sys
path, ref, a, b = sys.argv[1:5]
moves = 0
while True:
    old, new = (a, b) if moves % 2 == 0 else (b, a)
    done = subprocess.run(["git", "-C", path, "update-ref", "-m", "writer", ref, new, old], capture_output=True)
    if done.returncode == 0:
        moves += 1
    elif subprocess.run(["git", "-C", path, "rev-parse", "-q", "--verify", ref], capture_output=True).returncode:
        break
print(moves)
"""


def two_commits(repo: Repo) -> tuple[ObjectId, ObjectId]:
    ident = Ident("t", "t@example.com", 1700000000, "+0000")
    first = repo.write_commit(repo.edit_tree(None, {}), [], "a", ident)
    return first, repo.write_commit(repo.edit_tree(None, {}), [first], "b", ident)


@pytest.mark.slow
def test_a_ref_moved_aside_while_git_moves_it_keeps_every_reflog_line(tmp_path: Path) -> None:
    """Each round: git moves the ref to and fro while doctor moves it aside (at one of the
    two values, retried until it is there). The copy aside keeps the ref's whole reflog, the
    last line naming the value put aside; the ref is gone, no lock is left."""
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(path))
    first, second = two_commits(Repo.discover(str(path)))
    for round_ in range(ROUNDS):
        ref, aside = f"{REF}{round_}", f"{ASIDE}{round_}"
        git(path, "update-ref", "--create-reflog", "-m", "created", ref, first)
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), ref, first, second], stdout=subprocess.PIPE, text=True
        )
        repo = Repo.discover(str(path))
        time.sleep(0.05)  # the writer under way
        deadline = time.monotonic() + 60
        while not repo.move_ref_aside(ref, aside, first):
            assert time.monotonic() < deadline
        moves, _ = writer.communicate(timeout=60)
        lines = Path(repo.reflog_path(aside)).read_text(encoding="utf-8").splitlines()
        assert reflog_chain_problems(lines, first) == [], (round_, moves)
        assert len(lines) == 1 + int(moves)
        assert repo.ref_target(ref) is None and repo.ref_target(aside) == first
        assert not Path(repo.reflog_path(ref)).exists()
        assert not list(path.joinpath(".git", "refs").rglob("*.lock"))


def test_a_ref_locked_by_another_writer_is_not_moved_aside(tmp_path: Path) -> None:
    """A writer holding the ref's lock (git's update-ref between its lock and its rename)
    keeps it: nothing is moved, no copy is left aside."""
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(path))
    repo = Repo.discover(str(path))
    first, _ = two_commits(repo)
    git(path, "update-ref", "--create-reflog", "-m", "created", REF, first)
    Path(repo.lock_path(REF)).write_text("")
    assert not repo.move_ref_aside(REF, ASIDE, first)
    assert repo.ref_target(REF) == first and repo.ref_target(ASIDE) is None
    assert Path(repo.reflog_path(REF)).read_text(encoding="utf-8").count("\n") == 1
    assert not Path(repo.reflog_path(ASIDE)).exists()
