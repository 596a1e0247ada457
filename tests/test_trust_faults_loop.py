"""The kill/fault loop (issue 9): writers SIGKILLed at random moments, a disk that fills up
under them, a read-only repository, held locks, round after round; at the end the
repository is ``git fsck --strict`` clean and every acknowledged write is there.

The faults are real (see tests/faultfs.py): the repository lives on a small tmpfs that
is filled to the last byte and remounted read-only. Bounded: a few rounds of a few
writers, each phase ended by the writers' own output, not by the clock.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from git_session import gitrepo
from git_session.errors import EXIT_CONFLICT, EXIT_FILESYSTEM
from git_session.fold import fold
from tests import faultfs
from tests.helpers import as_json, fsck, git, make_repo, ok, run
from tests.session_writer import acknowledged, read_line, spawn
from tests.test_kill import lock_path, only_session

ROUNDS = 4
WRITERS = 3
MOST_ACKS_BEFORE_KILL = 6
SEED = 20261130
TIMEOUT = 60


def finish(writer: subprocess.Popen[str], seen: str = "") -> tuple[dict[str, str], int, str]:
    out, err = writer.communicate(timeout=TIMEOUT)
    return acknowledged(seen + out), writer.returncode, err


def kill_writers(repo: Path, rng: random.Random, round_: int, barrier: Path) -> dict[str, str]:
    """Concurrent writers into one session, each SIGKILLed after a random number of writes
    (so at a random point of the next one)."""
    writers = [spawn(repo, f"kill{round_}.{n}", 0, barrier=barrier, start=0) for n in range(WRITERS)]
    barrier.touch()
    seen = ["" for _ in writers]
    for index, writer in enumerate(writers):
        for _ in range(rng.randint(1, MOST_ACKS_BEFORE_KILL)):
            seen[index] += read_line(writer)
    acks: dict[str, str] = {}
    for index in rng.sample(range(WRITERS), WRITERS):
        writers[index].send_signal(signal.SIGKILL)
        found, code, _ = finish(writers[index], seen[index])
        assert code == -signal.SIGKILL
        acks.update(found)
    barrier.unlink()
    return acks


def age_a_left_lock(lock: Path) -> None:
    """A victim killed holding the ref's lock left it: age it rather than wait
    STALE_LOCK_SECONDS (the next writer breaks it)."""
    if lock.exists():
        old = time.time() - gitrepo.STALE_LOCK_SECONDS - 1
        os.utime(lock, (old, old))


def fill_the_disk_under_writers(repo: Path, fs: Path) -> dict[str, str]:
    """Writers running when the disk fills: each stops at its first refused write with a
    file-system error; what they acknowledged before stays."""
    writers = [spawn(repo, f"full{n}", 0, start=time.monotonic_ns()) for n in range(2)]
    seen = [read_line(writer) for writer in writers]
    filler = faultfs.fill(fs)
    acks: dict[str, str] = {}
    for writer, first in zip(writers, seen, strict=True):
        found, code, err = finish(writer, first)
        assert code == 1, err
        assert "FileSystemError: cannot " in err and "No space left on device" in err, err
        acks.update(found)
    faultfs.fill(fs)  # topped up: a failed writer may have freed its temporary file
    result = run(repo, "note", "refused: the disk is full")
    assert result.exit_code == EXIT_FILESYSTEM, result.output
    assert "No space left on device" in result.stderr and "internal error" not in result.stderr
    assert run(repo, "status").exit_code == 0
    filler.unlink()
    return acks


def through_a_held_lock(repo: Path, lock: Path, monkeypatch: pytest.MonkeyPatch, barrier: Path) -> dict[str, str]:
    """A ref lock held by another process: a command gives up in one line after its retries;
    a writer waiting on it gets through once it goes."""
    lock.write_text("held\n")  # fresh: another writer's, not one to break
    writer = spawn(repo, "locked", 3, barrier=barrier, start=time.monotonic_ns())
    with monkeypatch.context() as patch:
        patch.setattr(gitrepo, "RETRY_SECONDS", 0.1)
        result = run(repo, "note", "gives up on the lock")
    assert result.exit_code == EXIT_CONFLICT, result.output
    assert f"remove {lock}" in result.stderr
    barrier.touch()
    lock.unlink()
    acks, code, err = finish(writer)
    assert code == 0, err
    assert len(acks) == 3
    barrier.unlink()
    return acks


def while_read_only(repo: Path, fs: Path) -> None:
    """Reading commands work (the recorded commit waits); writes get one line."""
    faultfs.read_only(fs, True)
    try:
        for args in (("status",), ("log",), ("list",), ("brief",), ("doctor",)):
            result = run(repo, *args)
            assert result.exit_code == 0, (args, result.output)
        result = run(repo, "note", "refused: read-only")
        assert result.exit_code == EXIT_FILESYSTEM and "Read-only file system" in result.stderr, result.output
        writer = spawn(repo, "readonly", 1)
        found, code, err = finish(writer)
        assert code == 1 and not found and "Read-only file system" in err, err
    finally:
        faultfs.read_only(fs, False)


def commit(repo: Path, round_: int) -> str:
    """A commit through the hooks: recorded now, linked by whichever command comes next."""
    (repo / "work.txt").write_text(f"round {round_}\n")
    git(repo, "add", "work.txt")
    subject = f"round {round_} work"
    git(repo, "commit", "-q", "-m", subject)
    return subject


@pytest.mark.slow
def test_kill_and_fault_loop_leaves_a_valid_repository_and_every_acknowledged_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(SEED)
    barrier = tmp_path / "go"
    with faultfs.small_fs(64 * 1024) as fs:
        repo = make_repo(fs)
        ok(repo, "install")
        ok(repo, "start", "Kill and fault loop")
        _, handle = only_session(repo)
        lock = Path(lock_path(repo, handle.ref))
        acks: dict[str, str] = {}
        subjects = []
        for round_ in range(ROUNDS):
            subjects.append(commit(repo, round_))
            acks.update(kill_writers(repo, rng, round_, barrier))
            age_a_left_lock(lock)
            acks.update(fill_the_disk_under_writers(repo, fs))
            age_a_left_lock(lock)
            acks.update(through_a_held_lock(repo, lock, monkeypatch, barrier))
            while_read_only(repo, fs)
            fsck(repo)

        finisher = spawn(repo, "after", 3, start=time.monotonic_ns())
        found, code, err = finish(finisher)
        assert code == 0, err
        acks.update(found)
        assert not lock.exists()

        show = as_json(repo, "show")  # links the last recorded commit too
        notes = {n["id"]: n["text"] for n in show["notes"]}
        missing = {i: t for i, t in acks.items() if notes.get(i) != t}
        assert not missing, f"acknowledged but lost: {missing}"
        assert len(acks) > ROUNDS * (WRITERS + 3)
        assert sorted(c["subject"] for c in show["commits"]) == sorted(subjects)
        store, handle = only_session(repo)
        assert store.state(handle) == fold(item.op for item in store.journal(handle))
        fsck(repo)
