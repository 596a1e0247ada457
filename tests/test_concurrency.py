"""Concurrent writers — processes and linked worktrees — lose nothing (SPEC §3, §8)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from git_session.fold import fold
from git_session.gitrepo import Repo
from git_session.store import Handle, Store
from tests.helpers import as_json, fsck, git, ok, subprocess_cli
from tests.session_writer import acknowledged, spawn

TIMEOUT = 120


def run_writers(barrier: Path, writers: list[subprocess.Popen[str]]) -> dict[str, str]:
    """Release writers that are all waiting at the barrier; every write they acknowledged."""
    barrier.touch()
    acks: dict[str, str] = {}
    for proc in writers:
        out, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err
        assert err == ""
        acks.update(acknowledged(out))
    return acks


def session_handle(repo: Path, session_id: str) -> tuple[Store, Handle]:
    store = Store(Repo.discover(str(repo)))
    (handle,) = [h for h in store.handles() if h.id == session_id]
    return store, handle


def check_history(repo: Path, store: Store, handle: Handle, expected_ops: int) -> None:
    """One linear chain, one commit per write, every op in it, the tree its fold."""
    commits = git(repo, "rev-list", "--parents", handle.ref).splitlines()
    assert all(len(line.split()) <= 2 for line in commits), "a plain append made a merge"
    journal = store.journal(handle)
    assert len(journal) == expected_ops
    assert len(commits) == len({item.commit for item in journal})
    # Each write saw the one before it: the clocks are 1, 2, 3, … without gaps or ties.
    assert [item.op.clock for item in journal] == list(range(1, expected_ops + 1))
    assert store.state(handle) == fold(item.op for item in journal)


@pytest.mark.slow
def test_eight_processes_write_into_one_session(repo: Path, tmp_path: Path) -> None:
    ok(repo, "start", "Race", "-o", "Survive the race")
    session_id = as_json(repo, "status")["id"]
    barrier = tmp_path / "go"
    writers = [spawn(repo, f"w{n}", 100, barrier=barrier) for n in range(8)]

    acks = run_writers(barrier, writers)

    expected = {f"w{n}-{i}" for n in range(8) for i in range(100)}
    assert sorted(acks.values()) == sorted(expected)
    notes = as_json(repo, "show", "--json")["notes"]
    assert len(notes) == 800
    assert {n["id"]: n["text"] for n in notes} == acks
    store, handle = session_handle(repo, session_id)
    meta = store.meta(handle)
    assert meta.counts == {"note": {"all": 800}, "objective": {"open": 1}}
    assert meta.count("note") == len(store.entry_ids(handle, "note")) == 800
    assert meta.clock == 802
    check_history(repo, store, handle, 802)
    fsck(repo)


@pytest.mark.slow
def test_writers_in_two_linked_worktrees(repo: Path, tmp_path: Path) -> None:
    ok(repo, "start", "Main work")
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(worktree))
    ok(worktree, "start", "Feature work")
    main_id = as_json(repo, "status")["id"]
    feature_id = as_json(worktree, "status")["id"]
    assert main_id != feature_id
    barrier = tmp_path / "go"
    writers = [
        # Each worktree writes into its own branch's session …
        spawn(repo, "main-own-a", 50, barrier=barrier),
        spawn(repo, "main-own-b", 50, barrier=barrier),
        spawn(worktree, "wt-own-a", 50, barrier=barrier),
        spawn(worktree, "wt-own-b", 50, barrier=barrier),
        # … and into the other's, named by --session.
        spawn(repo, "main-into-feature-a", 50, session=feature_id, barrier=barrier),
        spawn(repo, "main-into-feature-b", 50, session=feature_id, barrier=barrier),
        spawn(worktree, "wt-into-main-a", 50, session=main_id, barrier=barrier),
        spawn(worktree, "wt-into-main-b", 50, session=main_id, barrier=barrier),
    ]

    acks = run_writers(barrier, writers)

    assert len(acks) == 400
    into_main = {i: t for i, t in acks.items() if t.startswith(("main-own", "wt-into-main"))}
    into_feature = {i: t for i, t in acks.items() if t.startswith(("wt-own", "main-into-feature"))}
    # Read each session from the worktree it does not belong to, once through the real
    # entry point in a child process.
    shown = subprocess_cli(worktree, "show", "--json", "--session", main_id)
    assert shown.returncode == 0, shown.stderr
    assert {n["id"]: n["text"] for n in json.loads(shown.stdout)["notes"]} == into_main
    assert {n["id"]: n["text"] for n in as_json(repo, "show", "--session", feature_id)["notes"]} == into_feature
    for where, session_id in ((repo, main_id), (worktree, feature_id)):
        store, handle = session_handle(where, session_id)
        assert store.meta(handle).counts == {"note": {"all": 200}}
        check_history(where, store, handle, 201)
    # The sessions are shared refs: both worktrees see the same two, under the common dir.
    assert git(repo, "for-each-ref", "refs/sessions/") == git(worktree, "for-each-ref", "refs/sessions/")
    assert not (Path(git(worktree, "rev-parse", "--git-dir").strip()) / "refs" / "sessions").exists()
    fsck(repo)
    fsck(worktree)
