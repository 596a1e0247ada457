"""Round 23: a folder whose owner took away their own write bit is not written in by agent
install or uninstall, even run as root (for whom os.access says every folder is writable).
Each test fails on 33dbdc8 when run as root (as here); as another user the file system
refuses the write itself, mid-way."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import fails, make_repo, ok, run

pytestmark = pytest.mark.usefixtures("as_root")  # (root writes in a folder without its owner's write bit)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    repo = make_repo(tmp_path)
    yield repo
    for folder in [repo, *repo.rglob("*")]:  # pytest can clean it up
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)


def snapshot(repo: Path) -> dict[str, bytes | None]:
    """Every path under the work tree but .git, with a file's bytes."""
    found = (p for p in repo.rglob("*") if ".git" not in p.relative_to(repo).parts)
    return {str(p): (p.read_bytes() if p.is_file() else None) for p in found}


# the folder made read-only, the files put there first, the install asked, what it names
CASES = [
    (".claude", {}, ["claude"], ".claude/settings.local.json"),
    (".claude", {"settings.local.json": '{"model": "m"}\n'}, ["claude"], ".claude/settings.local.json"),
    ("", {}, ["claude", "--instructions"], ".claude/settings.local.json"),  # .claude would be made in it
    ("docs", {}, ["codex", "--instructions"], "AGENTS.md"),
]


@pytest.mark.parametrize(("folder", "files", "install", "named"), CASES)
def test_install_refuses_a_folder_its_owner_made_read_only_and_writes_nothing(
    repo: Path, monkeypatch: pytest.MonkeyPatch, folder: str, files: dict[str, str], install: list[str], named: str
) -> None:
    if install[0] == "codex":  # AGENTS.md -> docs/AGENTS.md, the user's own link into the read-only folder
        (repo / "docs").mkdir()
        (repo / "AGENTS.md").symlink_to("docs/AGENTS.md")
        monkeypatch.setenv("CODEX_HOME", str(repo.parent / "codex-home"))
    where = repo / folder
    where.mkdir(exist_ok=True)
    for name, text in files.items():
        (where / name).write_text(text)
    where.chmod(0o555)
    before = snapshot(repo)
    error = fails(repo, "agent", "install", *install)
    assert error == (
        f"git-session: {named} is in a read-only folder, {os.path.realpath(where)}; nothing changed\n"
        "hint: make the folder writable (chmod u+w), and run the command again\n"
    )
    assert snapshot(repo) == before


def test_uninstall_leaves_a_file_in_a_folder_made_read_only_since(repo: Path) -> None:
    ok(repo, "agent", "install", "claude", "--instructions")
    settings = repo / ".claude/settings.local.json"
    kept = settings.read_bytes()
    settings.parent.chmod(0o555)
    result = run(repo, "agent", "uninstall", "claude")
    assert result.exit_code == 1
    assert f"is in a read-only folder, {os.path.realpath(settings.parent)}; nothing changed" in result.stdout
    assert settings.read_bytes() == kept  # install made it: not removed either
    assert not (repo / "CLAUDE.md").exists()  # the rest went
    settings.parent.chmod(0o755)
    ok(repo, "agent", "uninstall", "claude")  # the record still names it
    assert not settings.exists()


def test_install_writes_no_git_hook_in_a_hooks_folder_its_owner_made_read_only(repo: Path) -> None:
    """The sibling in the git hooks: on 33dbdc8 root wrote the shims in it."""
    hooks = repo / ".git/hooks"
    hooks.mkdir(exist_ok=True)
    hooks.chmod(0o555)
    before = sorted(p.name for p in hooks.iterdir())
    result = run(repo, "install")
    assert result.exit_code != 0
    assert f"{hooks} is read-only: git-session writes no hooks in it" in result.output
    assert "hint: make the folder writable (chmod u+w), and run the command again" in result.output
    assert sorted(p.name for p in hooks.iterdir()) == before


def test_uninstall_keeps_the_git_hooks_in_a_folder_made_read_only_since_and_their_record(repo: Path) -> None:
    """On 33dbdc8 root removed the shims from it."""
    ok(repo, "install")
    hooks = repo / ".git/hooks"
    shims = sorted(p.name for p in hooks.iterdir())
    hooks.chmod(0o555)
    out = ok(repo, "uninstall")
    assert (
        f"Kept the hooks in {hooks}: the folder is read-only; make it writable (chmod u+w) and uninstall again" in out
    )
    assert sorted(p.name for p in hooks.iterdir()) == shims
    hooks.chmod(0o755)
    assert "Removed" in ok(repo, "uninstall")  # the record still names the folder
    assert not (hooks / "commit-msg").exists()
