"""Review of round 21's ``Repo.create_packed_refs``: the file it writes must be the one git
would write in the same repository (through a symlink, with the shared mode, no trait
claimed that the old records do not keep)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from git_session.gitrepo import Repo
from git_session.names import ObjectId
from tests.helpers import git, make_repo, ok
from tests.test_i14_share import pull_in_process, session_tips, sessions_on_branches
from tests.test_sharing import two_clones

NEW = "refs/sessions/a-1/one"


def head(repo: Path) -> ObjectId:
    return ObjectId(git(repo, "rev-parse", "HEAD").strip())


def test_a_symlinked_packed_refs_is_written_through_as_git_does(tmp_path: Path) -> None:
    """git-new-workdir links ``packed-refs`` to the first work dir's: git writes the file it
    names; replacing the link split the two repositories' packed refs."""
    repo_path = make_repo(tmp_path)
    git(repo_path, "pack-refs", "--all")
    shared = tmp_path / "shared-packed-refs"
    link = repo_path / ".git" / "packed-refs"
    link.rename(shared)
    link.symlink_to(shared)

    assert Repo.discover(str(repo_path)).create_packed_refs({NEW: head(repo_path)}) == set()

    assert link.is_symlink() and f" {NEW}\n" in shared.read_text()
    assert git(repo_path, "for-each-ref", "--format=%(refname)", NEW).strip() == NEW


def test_a_new_packed_refs_has_the_mode_core_shared_repository_asks(tmp_path: Path) -> None:
    """git gives the file it creates the group's permissions in a shared repository: a
    teammate who cannot read ``packed-refs`` has no branches left."""
    repo_path = make_repo(tmp_path)
    git(repo_path, "config", "core.sharedRepository", "group")
    mask = os.umask(0o077)
    try:
        assert Repo.discover(str(repo_path)).create_packed_refs({NEW: head(repo_path)}) == set()
    finally:
        os.umask(mask)

    mode = stat.S_IMODE((repo_path / ".git" / "packed-refs").stat().st_mode)
    assert mode == 0o660, oct(mode)  # what git pack-refs writes under the same umask


def test_a_packed_refs_without_header_is_not_said_fully_peeled(tmp_path: Path) -> None:
    """A file with no header (an old git's, another tool's) gives no peeled line for its
    annotated tags: the "fully-peeled" trait would tell git those tags peel to nothing."""
    repo_path = make_repo(tmp_path)
    git(repo_path, "tag", "-a", "-m", "annotated", "v1")
    git(repo_path, "pack-refs", "--all")
    packed = repo_path / ".git" / "packed-refs"
    lines = packed.read_text().splitlines(keepends=True)
    packed.write_text("".join(line for line in lines if not line.startswith(("#", "^"))))
    peeled = git(repo_path, "show-ref", "-d", "v1")

    assert Repo.discover(str(repo_path)).create_packed_refs({NEW: head(repo_path)}) == set()

    assert git(repo_path, "show-ref", "-d", "v1") == peeled
    assert git(repo_path, "describe").strip() == "v1"


def test_a_few_refs_are_not_written_into_a_large_packed_refs(tmp_path: Path) -> None:
    """Rewriting packed-refs costs each ref it holds (~2.5 us; 300,000 tags: 0.75 s of CPU,
    and git's writers of packed-refs wait on its lock meanwhile, one second at most): one
    new session there is git update-ref's loose file (~2 ms), the file left as it was."""
    repo_path = make_repo(tmp_path)
    tip = head(repo_path)
    packed = repo_path / ".git" / "packed-refs"
    records = sorted(f"{tip} refs/tags/t{number:05d}\n" for number in range(20_000))
    packed.write_text("# pack-refs with: peeled fully-peeled sorted \n" + "".join(records))
    before = packed.read_bytes()

    assert Repo.discover(str(repo_path)).create_packed_refs({NEW: tip}) == {NEW}

    assert packed.read_bytes() == before and not (repo_path / ".git" / "packed-refs.lock").exists()


def test_a_reference_transaction_hook_sees_every_session_a_pull_creates(tmp_path: Path) -> None:
    """git runs the reference-transaction hook for every ref it creates (a mirror, an audit
    may hang on it); a file written by hand runs none: with such a hook, git writes them."""
    _, alice, bob = two_clones(tmp_path)
    sessions_on_branches(alice, 2)
    ok(alice, "push")
    seen = tmp_path / "seen"
    hook = bob / ".git" / "hooks" / "reference-transaction"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f'#!/bin/sh\n[ "$1" = committed ] && cat >> "{seen}"\nexit 0\n')
    hook.chmod(0o755)

    pull_in_process(bob)

    told = {line.split()[2] for line in seen.read_text().splitlines()}
    assert set(session_tips(alice)) <= told


def test_a_pull_stopped_by_sigterm_leaves_no_packed_refs_lock(tmp_path: Path) -> None:
    """SIGTERM (a timeout, an editor closing) ends Python at once; git removes its locks on it.
    A packed-refs.lock left stops every git pack-refs, gc and ref deletion until removed."""
    repo_path = make_repo(tmp_path)
    script = (
        "import os, signal, sys\n"
        "from git_session.gitrepo import Repo\n"
        "os.replace = lambda source, target: os.kill(os.getpid(), signal.SIGTERM)\n"
        f"Repo.discover(sys.argv[1]).create_packed_refs({{{NEW!r}: sys.argv[2]}})\n"
    )
    stopped = subprocess.run(
        [sys.executable, "-c", script, str(repo_path), head(repo_path)], capture_output=True, text=True
    )

    assert stopped.returncode != 0
    assert not (repo_path / ".git" / "packed-refs.lock").exists()
    git(repo_path, "pack-refs", "--all")
