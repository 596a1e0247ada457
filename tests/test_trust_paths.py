"""Issue 9, item 1: nothing stored or pulled names a path.

A teammate's (or an attacker's) session arrives with a ``branch`` field of their choosing.
The trailer cache of a branch is named by the branch's bytes in hex, never by the name
itself; the shell hook computes the same path. These tests pull hostile sessions from a
bare remote, install the hooks, write to those sessions and commit through the hooks:
nothing outside the repository's private folder is written or removed, commits work.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from git_session import trailers
from git_session.errors import UserError
from git_session.gitrepo import Repo
from git_session.integrations import commands, shims
from git_session.names import BranchName, SessionRef
from git_session.sessions import Workspace
from git_session.store import Draft
from tests.helpers import fails, git, make_repo, make_repo_with_remote, ok, run

OUTSIDE = "outside"  # a folder beside the repositories, with a file the attacker aims at


@pytest.fixture(autouse=True)
def git_session_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hooks call ``git-session`` when their cache is stale."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def forge_branch_session(tmp_path: Path, remote: Path, branch: str) -> str:
    """Push to ``remote`` a session claiming ``branch`` (filed under that name's key); returns its id."""
    forger = tmp_path / "forger"
    if not forger.exists():
        make_repo(tmp_path, "forger")
    ws = Workspace(Repo.discover(str(forger)))
    fields = {"title": f"forged {branch!r}", "branch": branch, "status": "active"}
    handle = ws.store.create(BranchName(branch), [Draft("create", {"fields": fields})], ws.ident, "start")
    git(forger, "push", "-q", str(remote), f"{handle.ref}:{handle.ref}")
    return handle.id


def files_outside(tmp_path: Path, repo: Path) -> dict[str, bytes | None]:
    """Every path below ``tmp_path`` but the repository's git dir and the remote, with file contents."""
    found: dict[str, bytes | None] = {}
    skip = {repo / ".git", tmp_path / "remote.git"}
    for root, dirs, files in os.walk(tmp_path):
        dirs[:] = [d for d in dirs if Path(root, d) not in skip]
        for name in dirs:
            found[os.path.join(root, name)] = None
        for name in files:
            found[os.path.join(root, name)] = Path(root, name).read_bytes()
    return found


def hostile_branches(tmp_path: Path) -> list[str]:
    # <common-dir>/git-session/heads/ is four levels below tmp_path
    return [
        "../../../../" + OUTSIDE,
        str(tmp_path / OUTSIDE),
        "../../hooks/pre-commit",
        "../../hooks",
        "..",
        "main/trailers",  # a valid name: its cache folder would sit where main's cache file is
        "main/../../../../../" + OUTSIDE,
    ]


def test_hostile_branch_names_from_a_pull_write_nothing_outside_the_private_folder(tmp_path: Path) -> None:
    repo, remote = make_repo_with_remote(tmp_path)
    (tmp_path / OUTSIDE).mkdir()
    (tmp_path / OUTSIDE / "trailers").write_text("the user's own file\n")
    forged = [forge_branch_session(tmp_path, remote, branch) for branch in hostile_branches(tmp_path)]
    ok(repo, "start", "Mine", "-o", "Ship it")
    before = files_outside(tmp_path, repo)

    result = run(repo, "pull")
    assert result.exit_code == 0, result.output
    ok(repo, "install")
    for session_id in forged:
        ok(repo, "note", "--session", session_id, "written to a pulled session")
    (repo / "file").write_text("work\n")
    git(repo, "add", "file")
    git(repo, "commit", "-q", "-m", "Work")

    assert files_outside(tmp_path, repo) == {**before, str(repo / "file"): b"work\n"}
    assert (tmp_path / OUTSIDE / "trailers").read_text() == "the user's own file\n"
    hooks = repo / ".git" / "hooks"
    assert not (hooks / "pre-commit").exists() and not (hooks / "trailers").exists()
    private = repo / ".git" / "git-session"
    strays = [p for p in (repo / ".git").rglob("trailers") if private not in p.parents]
    assert strays == []
    assert "Session-Id: " in git(repo, "log", "-1", "--format=%B")


def test_the_cache_path_is_named_only_by_names_git_takes_as_branches(tmp_path: Path) -> None:
    repo = Repo.discover(str(make_repo(tmp_path)))
    private = trailers.private_dir(repo) / trailers.CACHE_FOLDER
    for hostile in ["../../x", "/etc/passwd", "..", "a\0b", "", "a//b", "x/.hidden", "a.lock", "caf\udce9", "é" * 150]:
        assert trailers.cache_path(repo, hostile) is None, hostile
    for branch in ["main", "main/trailers", "feature/x-1", "é/" + "x" * 150]:
        path = trailers.cache_path(repo, branch)
        assert path is not None and path.name == trailers.CACHE_FILE
        assert os.path.normpath(path) == str(path) and private in path.parents
    # A branch's folder never holds another branch's cache file: `~` is in no ref name.
    assert trailers.cache_path(repo, "main") != trailers.cache_path(repo, "main/trailers~")


@pytest.mark.parametrize("branch", ["../../../../" + OUTSIDE, "{tmp}/" + OUTSIDE, "..", "a/../../../../../" + OUTSIDE])
def test_hook_refresh_with_a_hostile_branch_writes_and_removes_nothing(tmp_path: Path, branch: str) -> None:
    branch = branch.format(tmp=tmp_path)
    (tmp_path / OUTSIDE).mkdir()
    (tmp_path / OUTSIDE / "trailers").write_text("the user's own file\n")
    repo = make_repo(tmp_path)
    ok(repo, "install")
    ok(repo, "start", "Mine")  # the cache folders exist
    before = files_outside(tmp_path, repo)
    listing = sorted(p for p in (repo / ".git").rglob("*") if (repo / ".git" / "git-session") not in p.parents)
    ok(repo, "hook", "refresh", f"--branch={branch}")
    assert files_outside(tmp_path, repo) == before
    assert sorted(p for p in (repo / ".git").rglob("*") if (repo / ".git" / "git-session") not in p.parents) == listing


@pytest.mark.parametrize(
    "name", ["refs/sessions/../01h0000000000000000000000a", "refs/sessions/./01h0000000000000000000000a"]
)
def test_a_session_ref_never_has_a_dot_folder(name: str) -> None:
    with pytest.raises(UserError):
        SessionRef.of(name)


@pytest.mark.parametrize("branch", ["main", "feature/x", "fé-ü/ñ", "long/" + "y" * 150 + "/z" + "w" * 120])
def test_the_hook_and_python_agree_on_the_cache_path(tmp_path: Path, branch: str) -> None:
    """A commit through the shell hook carries the trailers Python rendered: both found one file."""
    repo = make_repo(tmp_path, branch=branch)
    ok(repo, "install")
    ok(repo, "start", "Pinned", "-o", "Agree")
    cache = trailers.cache_path(Repo.discover(str(repo)), branch)
    assert cache.is_file()
    (repo / "file").write_text("work\n")
    git(repo, "add", "file")
    git(repo, "commit", "-q", "-m", "Work")
    assert "Session-Objectives: [open] Agree" in git(repo, "log", "-1", "--format=%B")
    cache.unlink()  # the hook looks at that path and no other: without it, no trailers
    (repo / "file").write_text("more\n")
    git(repo, "commit", "-q", "-am", "More")
    assert "Session-Id" not in git(repo, "log", "-1", "--format=%B")


# --- issue 9, item 6: nothing from a user, the config or the disk becomes a git option -------------

INJECTED = "--upload-pack=touch {marker}; false"


@pytest.mark.parametrize("command", ["fetch", "pull", "push"])
def test_a_remote_argument_starting_with_a_dash_is_refused(tmp_path: Path, command: str) -> None:
    repo, _ = make_repo_with_remote(tmp_path)
    ok(repo, "start", "Shared")
    marker = tmp_path / "ran"
    error = fails(repo, command, "--", INJECTED.format(marker=marker))
    assert "git would take it for an option" in error
    assert not marker.exists()


@pytest.mark.parametrize("command", [("fetch",), ("pull",), ("push",), ("list", "--remote", "origin")])
def test_a_session_remote_setting_starting_with_a_dash_is_refused(tmp_path: Path, command: tuple[str, ...]) -> None:
    repo, _ = make_repo_with_remote(tmp_path)
    ok(repo, "start", "Shared")
    marker = tmp_path / "ran"
    git(repo, "config", "session.remote", INJECTED.format(marker=marker))
    if command[0] == "list":
        git(repo, "config", f"remote.{INJECTED.format(marker=marker)}.url", str(tmp_path / "remote.git"))
        command = ("list", "--remote", INJECTED.format(marker=marker))
    error = fails(repo, *command)
    assert "git would take it for an option" in error
    assert not marker.exists()


def test_the_pre_push_hook_passes_the_remote_as_an_argument(tmp_path: Path) -> None:
    repo, _ = make_repo_with_remote(tmp_path)
    marker = tmp_path / "ran"
    result = run(repo, "hook", "push", "--", INJECTED.format(marker=marker), input="main\n")
    assert result.exit_code == 1 and "git would take it for an option" in result.stderr
    assert b'git-session hook push -- "$1"' in trailers.shipped("pre-push")
    assert not marker.exists()


def test_switch_takes_the_branch_as_a_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    result = run(repo, "switch", "--", "--orphan=evil")
    assert result.exit_code != 0
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert git(repo, "branch", "--list", "evil") == ""


def test_uninstall_removes_only_the_settings_install_adds(tmp_path: Path) -> None:
    """The install record is data on disk: a key in it that is not ours (or an option) is left alone."""
    repo = make_repo(tmp_path)
    ok(repo, "install")
    git(repo, "config", "user.signingkey", "mine")
    record = repo / ".git" / "git-session" / trailers.INSTALLED_MARKER
    data = json.loads(record.read_text())
    data["config"] += [["user.signingkey", "mine"], ["--remove-section", "user"]]
    record.write_text(json.dumps(data))
    ok(repo, "uninstall")
    assert git(repo, "config", "user.signingkey").strip() == "mine"


# --- issue 9, item 12 and "Smaller": installs at once, copies, shared hooks folders -------------

USER_HOOK = '#!/bin/sh\necho "$0 ran" >> "$(git rev-parse --git-common-dir)/user-hook-ran"\n'
USER_HOOKS = ("prepare-commit-msg", "pre-push")


def add_user_hooks(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in USER_HOOKS:
        (folder / name).write_text(USER_HOOK.replace("$0", name))
        (folder / name).chmod(0o755)


def assert_user_hooks_chained(folder: Path) -> None:
    for name in USER_HOOKS:
        assert shims.is_shim(str(folder / name)), name
        assert (folder / f"{name}{shims.CHAINED_SUFFIX}").read_text() == USER_HOOK.replace("$0", name)


def commit(repo: Path, text: str) -> str:
    (repo / "file").write_text(text)
    git(repo, "add", "file")
    git(repo, "commit", "-q", "-m", text)
    return git(repo, "log", "-1", "--format=%B")


def _install_after(barrier: Any, path: str, force: bool = False) -> None:
    barrier.wait()
    try:
        commands.install(Repo.discover(path), force=force)
    except BaseException:
        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def test_installs_started_at_once_keep_the_users_hook(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for round in range(4):
        repo = make_repo(tmp_path, f"repo{round}")
        add_user_hooks(repo / ".git" / "hooks")
        barrier = context.Barrier(6)
        processes = [context.Process(target=_install_after, args=(barrier, str(repo))) for _ in range(6)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        assert [p.exitcode for p in processes] == [0] * 6
        assert_user_hooks_chained(repo / ".git" / "hooks")
        ok(repo, "start", "Racing", "-o", "Keep hooks")
        assert "Session-Id: " in commit(repo, "work")
        assert (repo / ".git" / "user-hook-ran").read_text() == "prepare-commit-msg ran\n"


def test_installs_at_once_from_repositories_sharing_a_hooks_folder_keep_the_users_hook(tmp_path: Path) -> None:
    """Each repository has its own lock: the chaining step itself must be safe between them."""
    context = multiprocessing.get_context("fork")
    for round in range(4):
        shared = tmp_path / f"shared{round}"
        add_user_hooks(shared)
        repos = [make_repo(tmp_path, f"repo{round}-{n}") for n in range(6)]
        for repo in repos:
            git(repo, "config", "core.hooksPath", str(shared))
        barrier = context.Barrier(len(repos))
        processes = [context.Process(target=_install_after, args=(barrier, str(r), True)) for r in repos]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        assert [p.exitcode for p in processes] == [0] * len(repos)
        assert_user_hooks_chained(shared)


def test_a_hook_chained_by_an_install_killed_midway_is_installed_over(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    hooks = repo / ".git" / "hooks"
    add_user_hooks(hooks)
    for name in USER_HOOKS:  # what another install leaves between its link and its rename
        os.link(hooks / name, hooks / f"{name}{shims.CHAINED_SUFFIX}")
    ok(repo, "install")
    assert_user_hooks_chained(hooks)


@pytest.mark.parametrize("record", ["as written", "absolute (earlier versions)"])
def test_uninstall_in_a_copy_leaves_the_original_alone(tmp_path: Path, record: str) -> None:
    original = make_repo(tmp_path, "original")
    add_user_hooks(original / ".git" / "hooks")
    ok(original, "install")
    if record != "as written":
        marker = original / ".git" / "git-session" / trailers.INSTALLED_MARKER
        data = json.loads(marker.read_text())
        data["hooks_dirs"] = [str(original / ".git" / "hooks")]
        marker.write_text(json.dumps(data))
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(original), str(copy)], check=True)

    ok(copy, "uninstall")
    assert_user_hooks_chained(original / ".git" / "hooks")
    for name in USER_HOOKS:
        assert (copy / ".git" / "hooks" / name).read_text() == USER_HOOK.replace("$0", name)
        assert not (copy / ".git" / "hooks" / f"{name}{shims.CHAINED_SUFFIX}").exists()
    ok(original, "start", "Still wired", "-o", "Trailers")
    assert "Session-Id: " in commit(original, "after the copy's uninstall")


def test_uninstall_leaves_a_hooks_folder_another_repository_uses(tmp_path: Path) -> None:
    shared = tmp_path / "shared-hooks"
    add_user_hooks(shared)
    first, second = make_repo(tmp_path, "first"), make_repo(tmp_path, "second")
    for repo in (first, second):
        git(repo, "config", "core.hooksPath", str(shared))
        ok(repo, "install", "--force")
    assert_user_hooks_chained(shared)

    out = ok(first, "uninstall")
    assert f"Kept the hooks in {shared}: other repositories use them too ({second / '.git'})" in out
    assert_user_hooks_chained(shared)
    ok(second, "start", "Shared", "-o", "Still wired")
    assert "Session-Id: " in commit(second, "after the first one's uninstall")

    out = ok(second, "uninstall")
    assert "Kept the hooks" not in out
    for name in USER_HOOKS:
        assert (shared / name).read_text() == USER_HOOK.replace("$0", name)
    assert sorted(p.name for p in shared.iterdir()) == sorted(USER_HOOKS)


def test_a_repository_removed_from_disk_no_longer_holds_a_shared_folder(tmp_path: Path) -> None:
    shared = tmp_path / "shared-hooks"
    first, second = make_repo(tmp_path, "first"), make_repo(tmp_path, "second")
    for repo in (first, second):
        git(repo, "config", "core.hooksPath", str(shared))
        ok(repo, "install", "--force")
    subprocess.run(["rm", "-rf", str(second)], check=True)
    out = ok(first, "uninstall")
    assert "Kept the hooks" not in out
    assert list(shared.iterdir()) == []
