"""Issue 9, item 1: nothing stored or pulled names a path.

A teammate's (or an attacker's) session arrives with a ``branch`` field of their choosing.
The trailer cache of a branch is named by the branch's bytes in hex, never by the name
itself; the shell hook computes the same path. These tests pull hostile sessions from a
bare remote, install the hooks, write to those sessions and commit through the hooks:
nothing outside the repository's private folder is written or removed, commits work.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from git_session import trailers
from git_session.gitrepo import Repo
from git_session.names import BranchName
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


def test_the_cache_path_is_hex_below_the_private_folder(tmp_path: Path) -> None:
    repo = Repo.discover(str(make_repo(tmp_path)))
    private = trailers.private_dir(repo) / trailers.CACHE_FOLDER
    for branch in ["../../x", "/etc/passwd", "..", "a\0b", "main", "é/" + "x" * 300, ""]:
        path = trailers.cache_path(repo, branch)
        parts = path.relative_to(private).parts
        assert parts[-1] == "trailers" and private in path.parents
        assert all(part and set(part) <= set("0123456789abcdef") for part in parts[:-1]), parts
        assert all(len(part) <= trailers.KEY_CHUNK for part in parts)


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
