"""Review of the integrations plug-in point (issue 10): what the move out of install.py kept.

The one deliberate change of the move is that uninstall takes away an empty ``.git/hooks``
that install made (an empty template makes none). Nothing else a user named, and nothing a
record names, is removed: a folder ``core.hooksPath`` names stays, and the record (data on
disk, edited by hand or copied) never names a folder to delete. A record an install before
the move wrote is read as it is and, installing twice, left byte for byte.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from git_session import paths
from git_session.errors import UserError
from git_session.gitrepo import Repo
from git_session.integrations import commands, git_hooks, shims
from git_session.integrations.base import Options
from git_session.integrations.files import write_file
from git_session.integrations.registry import INTEGRATIONS
from tests.helpers import git, make_repo, ok


def bare_template_repo(tmp_path: Path) -> Path:
    """A repository made from an empty template (as every test repository here): git made no
    ``.git/hooks`` folder."""
    template = tmp_path / "empty-template"
    template.mkdir()
    git(tmp_path, "init", "-q", "-b", "main", f"--template={template}", "repo")
    repo = tmp_path / "repo"
    git(repo, "commit", "-q", "--allow-empty", "-m", "initial")
    assert not (repo / ".git" / "hooks").exists()
    return repo


def record_of(repo: Path) -> Path:
    return repo / ".git" / "git-session" / paths.INSTALLED_MARKER


def edit_record(repo: Path, **changes: object) -> None:
    data = json.loads(record_of(repo).read_text())
    data.update(changes)
    record_of(repo).write_text(json.dumps(data, indent=2) + "\n")


@pytest.mark.parametrize("git_hooks_folder", [True, False])
def test_a_core_hooks_path_folder_in_the_work_tree_that_install_made_stays_after_uninstall(
    tmp_path: Path, git_hooks_folder: bool
) -> None:
    """Only git's own hooks folder is taken away again: a folder core.hooksPath names is the
    user's (git still looks there after uninstall), as it was before the move."""
    repo = bare_template_repo(tmp_path)
    if git_hooks_folder:
        (repo / ".git" / "hooks").mkdir()
    git(repo, "config", "core.hooksPath", "custom")
    ok(repo, "install", "--force")
    assert shims.is_shim(str(repo / "custom" / "prepare-commit-msg"))
    ok(repo, "uninstall")
    assert (repo / "custom").is_dir() and list((repo / "custom").iterdir()) == []


def test_a_record_naming_a_shared_folder_as_made_by_install_removes_nothing_there(tmp_path: Path) -> None:
    """created_dirs is data on disk: a folder outside the repository (core.hooksPath shared
    by several) is never taken away because the record says install made it."""
    repo = make_repo(tmp_path)
    shared = tmp_path / "shared-hooks"
    git(repo, "config", "core.hooksPath", str(shared))
    ok(repo, "install", "--force")
    edit_record(repo, created_dirs=[str(shared)])
    ok(repo, "uninstall")
    assert shared.is_dir()


@pytest.mark.parametrize("named", ["../empty", "../../empty", "../.git/empty"])
def test_a_record_naming_a_users_empty_folder_as_made_by_install_removes_nothing(tmp_path: Path, named: str) -> None:
    """A folder inside the repository that is not git's hooks folder, named by a hand-edited
    record both as a hooks folder and as made by install, stays."""
    repo = make_repo(tmp_path)
    ok(repo, "install")
    folder = (repo / ".git" / named).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    edit_record(repo, hooks_dirs=["hooks", named], created_dirs=["hooks", named])
    ok(repo, "uninstall")
    assert folder.is_dir()


def test_an_empty_hooks_folder_install_made_still_goes_with_uninstall(tmp_path: Path) -> None:
    """The deliberate change stays: from an empty template, uninstall leaves .git as it was,
    also when it runs from a linked worktree."""
    repo = bare_template_repo(tmp_path)
    git(repo, "worktree", "add", "-q", str(tmp_path / "linked"))
    ok(repo, "install")
    assert (repo / ".git" / "hooks").is_dir()
    ok(tmp_path / "linked", "uninstall")
    assert not (repo / ".git" / "hooks").exists()


def test_installing_again_leaves_a_record_written_before_the_move_byte_for_byte(tmp_path: Path) -> None:
    """A record without created_dirs (every install before the move wrote one) names what
    is installed exactly: installing twice changes nothing, the record included."""
    repo = make_repo(tmp_path)
    ok(repo, "install")
    data = json.loads(record_of(repo).read_text())
    older = {key: data[key] for key in ("version", "hooks_dirs", "config")}
    text = json.dumps(older, indent=2) + "\n"
    record_of(repo).write_text(text)
    assert "Set " not in ok(repo, "install")
    assert record_of(repo).read_text() == text
    ok(repo, "doctor", "--fix")
    assert record_of(repo).read_text() == text


def test_the_git_hooks_integration_asked_for_manual_writes_no_hook(tmp_path: Path) -> None:
    """Options.manual means "write no hooks" for every integration that writes hooks, as
    `git session install --manual` does: a front end installing by name gets the same."""
    repo = bare_template_repo(tmp_path)
    handle = Repo.discover(str(repo))
    hooks = INTEGRATIONS["git-hooks"]
    assert hooks.plan(handle, Options(manual=True)).changes == ()
    assert not commands.install_one(handle, "git-hooks", Options(manual=True)).changed
    assert not (repo / ".git" / "hooks").exists()
    assert not record_of(repo).exists()


def test_uninstall_after_an_install_that_failed_midway_leaves_no_hooks_folder_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An install that made .git/hooks and then failed (a full disk on the second shim, or a
    kill) has already noted the folder it made, so uninstall still leaves .git as it was."""
    repo = bare_template_repo(tmp_path)
    written: list[str] = []

    def full_disk_after_one(path: str, data: bytes, mode: int) -> None:
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        write_file(path, data, mode)
        written.append(path)

    monkeypatch.setattr(git_hooks, "write_file", full_disk_after_one)
    with pytest.raises(UserError, match="No space left on device"):
        commands.install(Repo.discover(str(repo)))
    monkeypatch.undo()
    assert [Path(p).name for p in written] == [shims.shipped_hooks()[0].name]
    ok(repo, "uninstall")
    assert not (repo / ".git" / "hooks").exists()
