"""Creating a ref is a compare-and-swap too: ``Repo.cas_ref`` with no old value creates the
ref only if it is absent when its lock is held. libgit2's own creation looked before it locked:
two processes creating the notes ref at once could both succeed, the second overwriting the
first, whose note was lost (``test_notes``'s four writers lost one now and then under load)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from git_session.gitrepo import Repo
from git_session.names import ObjectId
from tests.helpers import git, make_repo

ROOT = Path(__file__).resolve().parent.parent

CREATOR = textwrap.dedent(
    """
    import os, sys
    from git_session.gitrepo import Repo
    where, commit, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    repo = Repo.discover(where)
    print("ready", flush=True)
    for n in range(rounds):
        while not os.path.exists(os.path.join(where, f"go{n}")):
            pass
        print(int(repo.cas_ref(f"refs/notes/race{n}", commit, None, "mine")), flush=True)
    """
)


def commits(repo: Path, count: int) -> list[ObjectId]:
    made = []
    for n in range(count):
        git(repo, "commit", "-q", "--allow-empty", "-m", f"commit {n}")
        made.append(ObjectId(git(repo, "rev-parse", "HEAD").strip()))
    return made


@pytest.mark.slow
def test_of_processes_creating_one_ref_at_once_one_wins_and_it_is_the_ref(tmp_path: Path) -> None:
    """Four processes create the same ref at once, 300 times: each time exactly one is told
    it won, and the ref is that one's (main's code: 9 rounds of 400 had two winners)."""
    repo = make_repo(tmp_path)
    mine = commits(repo, 4)
    rounds = 300
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    creators = [
        subprocess.Popen(
            [sys.executable, "-c", CREATOR, str(repo), commit, str(rounds)], stdout=subprocess.PIPE, text=True, env=env
        )
        for commit in mine
    ]
    try:
        for creator in creators:
            assert creator.stdout is not None and creator.stdout.readline() == "ready\n"
        wrong = []
        for n in range(rounds):
            (repo / f"go{n}").touch()
            won = [commit for commit, creator in zip(mine, creators, strict=True) if creator.stdout.readline() == "1\n"]  # type: ignore[union-attr]
            tip = git(repo, "rev-parse", f"refs/notes/race{n}").strip()
            if won != [tip]:
                wrong.append((n, won, tip))
        assert wrong == []
    finally:
        for creator in creators:
            creator.kill()
            creator.wait()


def test_a_ref_that_exists_is_not_created_again_and_no_lock_is_left(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    first, second = commits(repo, 2)
    ours = Repo.discover(str(repo))
    assert ours.cas_ref("refs/notes/sessions", first, None, "first")
    assert not ours.cas_ref("refs/notes/sessions", second, None, "second")
    assert git(repo, "rev-parse", "refs/notes/sessions").strip() == first
    assert not (repo / ".git" / "refs" / "notes" / "sessions.lock").exists()
    log = git(repo, "reflog", "show", "--format=%H %gs", "refs/notes/sessions").splitlines()
    assert log == [f"{first} first"]  # logged once, by whoever logs it


def test_a_ref_whose_lock_another_writer_holds_is_not_created(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (commit,) = commits(repo, 1)
    lock = repo / ".git" / "refs" / "sessions" / "k" / "s.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text("")
    assert not Repo.discover(str(repo)).cas_ref("refs/sessions/k/s", commit, None, "mine")
    assert lock.exists() and not (lock.parent / "s").exists()  # theirs, left as it was
