"""Round 24's loose ends in install and uninstall (branch edges24). Each test fails on
f1a830e unless it says otherwise; those about read-only folders run as root (as here, and
in CI), for whom the file system would let every write through.

- Uninstall, with the git hooks kept in a folder made read-only since install (and the rest
  gone by an earlier uninstall), said "git-session is not installed here: nothing to remove"
  and then "Kept the hooks in …": one run, two contradicting lines. It now says what it kept.
- A read-only .git without a hooks folder: install (and doctor --fix) made .git/hooks in it,
  then checked that folder (new, so writable) and wrote the shims. The folder it would be
  made in is checked now, before anything is made; doctor promises no repair there.
- .git/info/exclude reached through the user's link (``info/exclude`` or ``info/`` linked out
  of the repository): install names the file it made in it, as git reads it, through the
  link (as round 23's agent files: the user's link is followed). Uninstall took the line out
  and then removed the file (and the folders) install had made out there, through the link:
  another repository's link may lead there too. As ``agents.may_remove`` has it for the
  agents' files, a file out of the repository stays, with git-session's line taken out.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import fails, git, ok, run

root_only = pytest.mark.usefixtures("as_root")  # (root writes in a folder without its owner's write bit)


@root_only
def test_uninstall_that_keeps_the_hooks_in_a_read_only_folder_says_only_that(repo: Path) -> None:
    ok(repo, "install")
    hooks = repo / ".git/hooks"
    hooks.chmod(0o555)
    try:
        first = ok(repo, "uninstall")  # (the notes config goes)
        again = ok(repo, "uninstall")
    finally:
        hooks.chmod(0o755)
    kept = f"Kept the hooks in {hooks}: the folder is read-only; make it writable (chmod u+w) and uninstall again\n"
    assert first.startswith(kept) and "Unset notes.rewriteMode" in first
    assert again == kept
    assert "Removed" in ok(repo, "uninstall")


def git_dir_files(repo: Path) -> dict[str, bytes | None]:
    """What is in .git, with a file's bytes; git-session's own folder (every command keeps
    what it saw there) only for its install record."""
    found = [p for p in (repo / ".git").rglob("*") if "git-session" not in p.relative_to(repo / ".git").parts]
    found += list((repo / ".git/git-session").glob("*installed*"))
    return {str(p): (p.read_bytes() if p.is_file() else None) for p in found}


@pytest.fixture
def read_only_git_dir(repo: Path) -> Iterator[Path]:
    """``repo`` whose .git has no hooks folder, made read-only (git-session's own folder made first)."""
    shutil.rmtree(repo / ".git/hooks", ignore_errors=True)
    ok(repo, "list")
    (repo / ".git").chmod(0o555)
    yield repo
    (repo / ".git").chmod(0o755)


@root_only
def test_install_makes_no_hooks_folder_in_a_read_only_git_dir(read_only_git_dir: Path) -> None:
    repo = read_only_git_dir
    before = git_dir_files(repo)
    error = fails(repo, "install")
    assert error == (
        f"git-session: {repo / '.git'} is read-only: git-session makes no hooks folder in it ({repo / '.git/hooks'})\n"
        "hint: make the folder writable (chmod u+w), and run the command again\n"
    )
    assert git_dir_files(repo) == before  # no hooks folder, no notes config, no record


@root_only
def test_doctor_fix_makes_no_hooks_folder_in_a_git_dir_made_read_only_since_install(repo: Path) -> None:
    ok(repo, "install")
    shutil.rmtree(repo / ".git/hooks")
    (repo / ".git").chmod(0o555)
    try:
        before = git_dir_files(repo)
        result = run(repo, "doctor", "--fix")
        after = git_dir_files(repo)
    finally:
        (repo / ".git").chmod(0o755)
    assert f"missing from {repo / '.git/hooks'}; {repo / '.git'} is read-only: make it writable" in result.output
    assert "fixed:" not in result.output
    assert after == before
    assert not (repo / ".git/hooks").exists()


# agent, options, the file install makes and excludes
EXCLUDING = [("gemini", [], ".gemini/settings.json"), ("claude", ["--mcp"], ".mcp.json")]
# what the user links out of the repository, to where (missing: install makes it), the exclude file then
# (a link to a file in a missing folder is refused, as round 23 has it for the agents' files)
LINKS = [("info/exclude", "shared/exclude", "shared/exclude"), ("info", "shared/info", "shared/info/exclude")]


@pytest.mark.parametrize(("agent", "options", "made"), EXCLUDING, ids=[e[0] for e in EXCLUDING])
@pytest.mark.parametrize(("link", "target", "exclude"), LINKS, ids=[link[0] for link in LINKS])
def test_uninstall_leaves_the_exclude_file_made_through_the_users_link_out_of_the_repository(
    repo: Path, agent: str, options: list[str], made: str, link: str, target: str, exclude: str
) -> None:
    outside = repo.parent / "outside"
    (outside / "shared").mkdir(parents=True)
    (repo / ".git/info").mkdir(exist_ok=True)  # (the tests' template is empty: none)
    if link == "info":
        (repo / ".git/info").rmdir()
    (repo / ".git" / link).symlink_to(outside / target)
    ok(repo, "agent", "install", agent, *options)
    assert (outside / exclude).read_text() == f"/{made}\n"
    assert made not in git(repo, "status", "--porcelain", "--untracked-files=all")  # git reads it through the link
    assert "Failed" not in ok(repo, "agent", "uninstall", agent)
    assert (outside / exclude).read_text() == ""  # still there, without our line
    assert (repo / ".git" / link).is_symlink()


def test_uninstall_gives_back_the_exclude_file_out_of_the_repository_as_it_was(repo: Path) -> None:
    """(passes on f1a830e too: a file there before install is only edited)"""
    shared = repo.parent / "shared-exclude"
    shared.write_text("*.log")
    (repo / ".git/info").mkdir(exist_ok=True)
    (repo / ".git/info/exclude").symlink_to(shared)
    ok(repo, "agent", "install", "gemini")
    assert shared.read_text() == "*.log\n/.gemini/settings.json\n"
    ok(repo, "agent", "uninstall", "gemini")
    assert shared.read_text() == "*.log"
