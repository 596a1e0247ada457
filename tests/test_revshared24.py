"""Review of round 24's shared repositories: the umask a shared repository's command widens
(``Repo.share_new_files``) is this process's; the programs it starts — git writing the work
tree (``git session switch``), the user's pager — run with the user's own (``gitcli.child_umask``):
git gives what it makes in the git dir its shared modes itself, as it does without us.

On 348ae1b, with umask 022, ``git session switch`` in a repository shared ``group`` checked
out the branch's files 0664 (``0666``: 0666, writable by anyone) where ``git switch`` makes
them 0644, and the pager ran with that umask too.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import git, make_repo, ok
from tests.test_i11_log import on_terminal, pager_env
from tests.test_trailers import Session, hooked, session

__all__ = ["hooked", "session"]  # (fixtures)


@pytest.fixture
def user_umask() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.mark.parametrize("shared", ["group", "all", "0666", "0660"])
@pytest.mark.usefixtures("user_umask")
def test_switch_checks_out_with_the_users_umask(tmp_path: Path, shared: str) -> None:
    repo = make_repo(tmp_path)
    git(repo, "config", "core.sharedRepository", shared)
    git(repo, "switch", "-q", "-c", "other")
    (repo / "new").write_text("x\n")
    (repo / "tool").write_text("#!/bin/sh\n")
    (repo / "tool").chmod(0o755)
    git(repo, "add", "new", "tool")
    git(repo, "commit", "-q", "-m", "two")
    git(repo, "switch", "-q", "main")
    ok(repo, "start", "Work")  # (the private folder used: the shared modes in force)
    ok(repo, "switch", "other")
    assert stat.S_IMODE((repo / "new").stat().st_mode) == 0o644  # as git's own checkout makes it
    assert stat.S_IMODE((repo / "tool").stat().st_mode) == 0o755
    private = repo / ".git" / "git-session"
    assert private.stat().st_mode & 0o070 == 0o070  # (the git dir's: still the group's)


@pytest.mark.usefixtures("user_umask")
def test_the_pager_runs_with_the_users_umask(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    git(repo, "config", "core.sharedRepository", "group")
    ok(repo, "start", "Work")
    made = tmp_path / "made-by-pager"
    pager = tmp_path / "pager"
    pager.write_text(f'#!/bin/sh\ncat > "{made}"\necho PAGED\n')
    pager.chmod(0o755)
    shown = on_terminal(repo, sys.executable, "-m", "git_session", "log", env=pager_env(GIT_PAGER=str(pager)))
    assert shown == "PAGED\n"
    assert "create" in made.read_text()
    assert stat.S_IMODE(made.stat().st_mode) == 0o644


def _pending_modes(repo: Path) -> list[int]:
    return [stat.S_IMODE(p.stat().st_mode) for p in (repo / ".git" / "git-session" / "queue").iterdir()]


@pytest.mark.usefixtures("user_umask")
def test_a_repository_no_longer_shared_loses_the_hooks_umask(session: Session) -> None:
    """On 348ae1b the hooks' file stayed after ``core.sharedRepository`` was unset (only a
    trailer cache rendered again refreshed it): the hooks went on writing the queue 0666."""
    repo = session.repo
    git(repo, "config", "core.sharedRepository", "0666")
    ok(repo, "status")
    hooks_umask = repo / ".git" / "git-session" / "umask"
    assert hooks_umask.read_text() == "0000\n"
    git(repo, "config", "--unset", "core.sharedRepository")
    ok(repo, "status")
    assert not hooks_umask.exists()
    (repo / "b.txt").write_text("b\n")
    git(repo, "add", "b.txt")
    git(repo, "commit", "-q", "-m", "after")
    assert _pending_modes(repo) == [0o644]


@pytest.mark.parametrize("hook", ["prepare-commit-msg", "post-rewrite"])
def test_a_fifo_planted_as_the_hooks_umask_never_blocks_a_commit(session: Session, hook: str) -> None:
    """Any member of the group may write the private folder: what is at ``umask`` is read
    only when it is a file (a FIFO would block the hook, and the commit, for ever)."""
    repo = session.repo
    git(repo, "config", "core.sharedRepository", "group")
    ok(repo, "status")
    (repo / "b.txt").write_text("b\n")
    git(repo, "add", "b.txt")
    head = git(repo, "rev-parse", "HEAD").strip()
    hooks_umask = repo / ".git" / "git-session" / "umask"
    hooks_umask.unlink()
    os.mkfifo(hooks_umask)
    argv, given = ["git", "commit", "-q", "-m", "b"], None
    if hook == "post-rewrite":  # (run as git runs it after an amend: alone, prepare-commit-msg aside)
        argv, given = ["sh", str(repo / ".git" / "hooks" / hook), "amend"], f"{head} {head}\n"
    try:
        done = subprocess.run(argv, cwd=repo, input=given, capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        os.close(os.open(hooks_umask, os.O_WRONLY | os.O_NONBLOCK))  # (the hook let go: no process left behind)
        raise
    assert done.returncode == 0, done.stderr
    if hook == "post-rewrite":
        assert [p.name.startswith("rewrite-") for p in (repo / ".git" / "git-session" / "queue").iterdir()] == [True]


@pytest.mark.usefixtures("user_umask")
def test_install_makes_a_hooks_folder_outside_the_repository_with_the_users_umask(tmp_path: Path) -> None:
    """core.hooksPath naming a folder of the user's (here a missing one, made by install
    --force): on 348ae1b, in a repository shared 0666, it was made 0777 — anyone could put a
    hook there that runs as the user in every repository using it."""
    repo = make_repo(tmp_path)
    git(repo, "config", "core.sharedRepository", "0666")
    outside = tmp_path / "home" / "hooks"
    git(repo, "config", "core.hooksPath", str(outside))
    ok(repo, "start", "Work")
    ok(repo, "install", "--force")
    assert (outside / "prepare-commit-msg").exists()
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in (outside.parent, outside)} == {
        "home": "0o755",
        "hooks": "0o755",
    }


@pytest.mark.usefixtures("user_umask")
def test_restore_writes_the_work_tree_with_the_users_umask(tmp_path: Path) -> None:
    """A checkpoint's files written back (git checkout-index, a child of the command): on
    348ae1b with the shared umask, 0666 in a repository shared 0666."""
    repo = make_repo(tmp_path)
    git(repo, "config", "core.sharedRepository", "0666")
    ok(repo, "start", "Work")
    (repo / "notes.txt").write_text("kept\n")
    checkpoint = ok(repo, "checkpoint", "-m", "kept").split()[2]
    (repo / "notes.txt").unlink()
    ok(repo, "restore", checkpoint)
    assert (repo / "notes.txt").read_text() == "kept\n"
    assert stat.S_IMODE((repo / "notes.txt").stat().st_mode) == 0o644
