"""A writer killed at any moment leaves a valid repository and loses no acknowledged write."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from git_session import gitrepo
from git_session.fold import fold
from git_session.gitrepo import Repo
from git_session.sessions import Workspace
from git_session.store import Handle, Store
from tests.helpers import as_json, fsck, git, ok
from tests.session_writer import acknowledged, read_line, spawn

KILLS = 20
SEED = 20240229


def only_session(repo: Path) -> tuple[Store, Handle]:
    store = Store(Repo.discover(str(repo)))
    (handle,) = store.handles()
    return store, handle


def lock_path(repo: Path, ref: str) -> Path:
    """Where git (and libgit2) lock a ref: beside it, in the common git dir."""
    common = Path(git(repo, "rev-parse", "--git-common-dir").strip())
    return (common if common.is_absolute() else repo / common) / (ref + ".lock")


@pytest.mark.slow
def test_writer_killed_at_random_moments_loses_no_acknowledged_entry(repo: Path) -> None:
    ok(repo, "start", "Crash test")
    _, handle = only_session(repo)
    lock = lock_path(repo, handle.ref)
    rng = random.Random(SEED)
    acks: dict[str, str] = {}
    for round_ in range(KILLS):
        writer = spawn(repo, "kill", 0, start=round_ * 100_000)
        # Once it writes (after breaking any lock an earlier victim left), it is killed
        # at a random moment of its write loop: the delay only picks the moment.
        first = read_line(writer)
        assert len(acknowledged(first)) == 1, first
        time.sleep(rng.uniform(0.0, 0.05))
        writer.send_signal(signal.SIGKILL)
        out, _ = writer.communicate(timeout=60)
        assert writer.returncode == -signal.SIGKILL
        acks.update(acknowledged(first + out))
        if lock.exists():
            # Killed while holding the ref's lock. Age the lock rather than wait
            # STALE_LOCK_SECONDS: the next writer has to break it to write at all.
            old = time.time() - gitrepo.STALE_LOCK_SECONDS - 1
            os.utime(lock, (old, old))

    # The repository is valid, the session reads, and a new writer gets through.
    fsck(repo)
    finisher = spawn(repo, "after", 5)
    out, err = finisher.communicate(timeout=60)
    assert finisher.returncode == 0, err
    acks.update(acknowledged(out))
    assert not lock.exists()
    fsck(repo)

    assert len(acks) > KILLS

    notes = {n["id"]: n["text"] for n in as_json(repo, "show", "--json")["notes"]}
    missing = {i: t for i, t in acks.items() if notes.get(i) != t}
    assert not missing, f"acknowledged but lost: {missing}"
    assert len(set(notes.values())) == len(notes)
    store, handle = only_session(repo)
    assert store.meta(handle).counts == {"note": {"all": len(notes)}}
    journal = store.journal(handle)
    assert store.state(handle) == fold(item.op for item in journal)
    assert len(git(repo, "rev-list", handle.ref).split()) == len(notes) + 1


@pytest.mark.slow
def test_stale_ref_lock_of_a_killed_writer_is_broken(repo: Path) -> None:
    ok(repo, "start", "Locked out")
    _, handle = only_session(repo)
    lock = lock_path(repo, handle.ref)
    assert lock.parent.is_dir()
    lock.write_text(handle.tip + "\n")  # what a writer killed before its rename leaves
    old = time.time() - gitrepo.STALE_LOCK_SECONDS - 60
    os.utime(lock, (old, old))

    _, op = Workspace.open(str(repo)).add(None, "note", "written despite the lock")

    assert not lock.exists()
    assert [n["text"] for n in as_json(repo, "show", "--json")["notes"]] == ["written despite the lock"]
    store, handle = only_session(repo)
    assert [item.op.id for item in store.journal(handle)][-1] == op.id
    # The ref really moved, as git itself sees it.
    assert git(repo, "rev-parse", handle.ref).strip() == handle.tip
    fsck(repo)
