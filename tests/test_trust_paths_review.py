"""Issue 9, items 1, 6 and 12: what an adversarial review of the first fixes still found.

A pulled session names a branch of any length; a shared hooks folder holds other users'
files; the shell hook and Python must name one cache file for every branch git takes.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from git_session import sandbox, trailers
from git_session.gitrepo import Repo
from git_session.integrations import shims
from git_session.integrations.shared import USERS_FOLDER
from tests.helpers import fails, git, make_repo, make_repo_with_remote, ok, run
from tests.test_trust_paths import forge_branch_session

LONG_BRANCH = "/".join(["a" * 200] * 15)  # a valid ref name: git sets no length, libgit2 reads at most 1 KiB


@pytest.fixture(autouse=True)
def git_session_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def test_a_pulled_session_on_a_very_long_branch_is_written_and_handed_off(tmp_path: Path) -> None:
    """Its trailer cache would need a path longer than the system allows, and libgit2 cannot
    look the branch up: the session is still written to and read, with no cache."""
    repo, remote = make_repo_with_remote(tmp_path)
    forged = forge_branch_session(tmp_path, remote, LONG_BRANCH)
    ok(repo, "install")
    ok(repo, "start", "Mine")
    ok(repo, "pull")
    ok(repo, "note", "--session", forged, "written to a pulled session")
    ok(repo, "hook", "refresh", f"--branch={LONG_BRANCH}")
    assert "written to a pulled session" in ok(repo, "handoff", forged)
    cached = trailers.private_dir(Repo.discover(str(repo))) / trailers.CACHE_FOLDER
    assert sorted(p.name for p in cached.iterdir()) == ["main"]


def test_uninstall_removes_nothing_through_a_planted_users_folder(tmp_path: Path) -> None:
    """The users folder of a shared hooks folder is written by other users: a symlink there
    (or a name that is not an entry) never makes uninstall remove a file elsewhere."""
    shared, elsewhere = tmp_path / "shared-hooks", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text("the user's own file\n")
    repo = make_repo(tmp_path)
    git(repo, "config", "core.hooksPath", str(shared))
    ok(repo, "install", "--force")
    users = shared / USERS_FOLDER
    (users / "README").write_text("not an entry\n")
    entry = next(p for p in users.iterdir() if p.name != "README")
    os.symlink(elsewhere / "notes.txt", users / ("0" * 40))

    ok(repo, "uninstall")
    assert (elsewhere / "notes.txt").read_text() == "the user's own file\n"
    assert not entry.exists() and (users / ("0" * 40)).is_symlink() and (users / "README").exists()

    ok(repo, "install", "--force")
    os.rename(users, tmp_path / "aside")
    os.symlink(elsewhere, users)
    ok(repo, "uninstall")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["notes.txt"]
    assert (elsewhere / "notes.txt").read_text() == "the user's own file\n"
    assert "is a symbolic link" in fails(repo, "install", "--force")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_a_repository_template_linking_outside_the_work_tree_is_not_read(tmp_path: Path, linked: str) -> None:
    """The work tree's .git-session/templates/ arrives with the project (a clone, a pull): a
    symbolic link there names a file of the user's (a credentials file) that would be rendered."""
    secret = tmp_path / "outside" / sandbox.TEMPLATE_FILES["markdown"]
    secret.parent.mkdir()
    secret.write_text("aws_secret_access_key = hunter2\n")
    repo = make_repo(tmp_path)
    folder = repo / sandbox.REPO_TEMPLATE_DIR
    if linked == "file":
        folder.mkdir(parents=True)
        os.symlink(secret, folder / sandbox.TEMPLATE_FILES["markdown"])
    else:
        folder.parent.mkdir()
        os.symlink(secret.parent, folder)
    ok(repo, "start", "Mine")
    result = run(repo, "handoff")
    assert "hunter2" not in result.output
    assert result.exit_code == 1 and "outside the repository" in result.stderr


def test_a_remote_ref_whose_name_cannot_be_a_file_here_does_not_stop_a_pull(tmp_path: Path) -> None:
    """A remote's ref names become file names under refs/session-remotes/: one with a folder
    name over 255 bytes (kept in the remote's packed-refs) failed every fetch and pull."""
    repo, remote = make_repo_with_remote(tmp_path)
    forged = forge_branch_session(tmp_path, remote, "feature")
    tip = git(remote, "rev-parse", "main").strip()
    with open(remote / "packed-refs", "a") as packed:
        packed.write(f"{tip} refs/sessions/{'a' * 300}/01m8n7aedr3ha4wgg11fv5h6sa\n")
        packed.write(f"{tip} refs/notes/sessions{'b' * 300}\n")
    ok(repo, "pull")
    assert forged in ok(repo, "list", "--all", "--json")
    ok(repo, "fetch")


def test_uninstall_does_not_wait_on_a_record_that_is_not_a_file(tmp_path: Path) -> None:
    """An entry in a shared hooks folder names another repository, whose install record is
    read: a FIFO planted there made uninstall wait forever."""
    shared, planted = tmp_path / "shared-hooks", tmp_path / "planted"
    repo = make_repo(tmp_path)
    git(repo, "config", "core.hooksPath", str(shared))
    ok(repo, "install", "--force")
    (planted / "git-session").mkdir(parents=True)
    os.mkfifo(planted / "git-session" / trailers.INSTALLED_MARKER)
    (shared / USERS_FOLDER / ("f" * 40)).write_text(f"{planted}\n")
    uninstall = [sys.executable, "-m", "git_session", "uninstall"]
    result = subprocess.run(uninstall, cwd=repo, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert not (shared / "prepare-commit-msg").exists()


def test_a_fifo_among_the_hooks_never_makes_install_doctor_or_uninstall_wait(tmp_path: Path) -> None:
    """Hooks are read to tell ours from the user's: one that is a FIFO (in a shared folder,
    anyone's) made install block on open. It is chained and put back like any other hook."""
    shared = tmp_path / "shared-hooks"
    shared.mkdir()
    for name in ("prepare-commit-msg", "pre-commit"):
        os.mkfifo(shared / name)
    repo = make_repo(tmp_path)
    git(repo, "config", "core.hooksPath", str(shared))
    for command in (["install", "--force"], ["doctor"], ["uninstall"]):
        argv = [sys.executable, "-m", "git_session", *command]
        result = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    assert all((shared / name).is_fifo() for name in ("prepare-commit-msg", "pre-commit"))


def test_uninstall_leaves_the_hooks_a_repository_holding_the_folder_uses(tmp_path: Path) -> None:
    """A hooks folder checked out in one repository's work tree (a team's hooks repository,
    a dotfiles repository at ~) that others use too: that repository never registers in
    it (it is its own folder), so another one's uninstall took its hooks away."""
    holder = make_repo(tmp_path, "team-hooks")
    shared = holder / "hooks"
    other = make_repo(tmp_path, "other")
    for repo in (holder, other):
        git(repo, "config", "core.hooksPath", str(shared))
        ok(repo, "install", "--force")

    out = ok(other, "uninstall")
    assert f"Kept the hooks in {shared}" in out
    assert shims.is_shim(str(shared / "prepare-commit-msg"))
    out = ok(holder, "uninstall")
    assert not (shared / "prepare-commit-msg").exists()


def test_the_shipped_hook_names_the_cache_as_python_does_for_any_branch_bytes(tmp_path: Path) -> None:
    """The very line of the prepare-commit-msg hook, under /bin/sh (dash here), against
    cache_path for names git takes: multi-byte UTF-8, option-like, quotes, long."""
    repo = Repo.discover(str(make_repo(tmp_path)))
    line = next(x for x in trailers.shipped("prepare-commit-msg").decode().splitlines() if x.startswith("cache="))
    rng = random.Random(9)
    alphabet = [chr(c) for c in [*range(0x21, 0x7F), 0xA0, 0xE9, 0x4E2D, 0x1F600] if chr(c) not in "~^:?*[\\"]
    names = ["-n", "-e", "%s", "a'b\"c$d`e", *("a" * n for n in (1, 99, 100, 101, 200)), "é" * 100]
    names += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300))) for _ in range(40)]
    private = str(trailers.private_dir(repo))
    checked = 0
    for branch in names:
        expected = trailers.cache_path(repo, branch)
        if expected is None:
            continue
        script = f'dir=$1 branch=$2\n{line}\nprintf %s "$cache"'
        shell = subprocess.run(["/bin/sh", "-c", script, "sh", private, branch], capture_output=True, check=True).stdout
        assert shell.decode() == str(expected), branch
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    "record",
    ['{"version": 1, "hooks_dirs": 5, "config": null}', '{"hooks_dirs": "hooks", "config": {"a": "b"}}', "[1]", "7"],
)
def test_a_malformed_install_record_never_crashes_install_doctor_or_uninstall(tmp_path: Path, record: str) -> None:
    """The record is data on disk (edited by hand; in a shared hooks folder, another user's
    repository's record is read too): what is not a list of folders or settings is none."""
    repo = make_repo(tmp_path)
    ok(repo, "install")
    marker = repo / ".git" / "git-session" / trailers.INSTALLED_MARKER
    marker.write_text(record)
    ok(repo, "doctor")
    ok(repo, "uninstall")
    assert not shims.is_shim(str(repo / ".git" / "hooks" / "prepare-commit-msg"))
    ok(repo, "install")
    marker.write_text(record)
    ok(repo, "install")
    assert shims.is_shim(str(repo / ".git" / "hooks" / "prepare-commit-msg"))
