"""Round 23's defects in where agent install and uninstall write: uninstall removes no file
(and no folder) outside the work tree that the user's own link leads to, and writes nothing
through a link into the repository's git dir, whatever its name. Each test fails on 33dbdc8
unless it says otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import fails, git, make_repo, ok

# --- uninstall removes no file outside the work tree -----------------------------------------

# agent, options, the user's link (untracked), where it leads (outside), the file install makes there
OUTSIDE = [
    ("claude", ["--instructions"], "CLAUDE.md", "notes/claude.md", "notes/claude.md"),
    ("claude", [], ".claude/settings.local.json", "dotfiles/claude.json", "dotfiles/claude.json"),
    ("claude", [], ".claude", "dotfiles/claude", "dotfiles/claude/settings.local.json"),
    ("gemini", [], ".gemini", "dotfiles/gemini", "dotfiles/gemini/settings.json"),
    ("claude", ["--mcp"], ".mcp.json", "shared/mcp.json", "shared/mcp.json"),
]


@pytest.mark.parametrize(("agent", "options", "link", "target", "made"), OUTSIDE, ids=[o[2] for o in OUTSIDE])
def test_uninstall_leaves_the_file_install_made_through_the_users_link_out_of_the_work_tree(
    tmp_path: Path, agent: str, options: list[str], link: str, target: str, made: str
) -> None:
    """On 33dbdc8 uninstall removed the file (and the folders made for it) outside the work
    tree: another repository's link may lead there too, and it is not this work tree's."""
    repo = make_repo(tmp_path)
    outside = tmp_path / "outside"
    (outside / target).parent.mkdir(parents=True)
    (repo / link).parent.mkdir(parents=True, exist_ok=True)
    (repo / link).symlink_to(outside / target)
    ok(repo, "agent", "install", agent, *options)
    assert "git-session" in (outside / made).read_text()
    out = ok(repo, "agent", "uninstall", agent)
    assert "Failed" not in out
    text = (outside / made).read_text()  # still there, without git-session's part
    assert "git-session" not in text
    assert text == "" if made.endswith(".md") else json.loads(text) == {}
    assert (repo / link).is_symlink()
    assert (outside / made).parent.is_dir()  # a folder install made for it outside stays too


def test_uninstall_still_removes_the_file_made_through_a_link_inside_the_work_tree(repo: Path) -> None:
    """Passes on 33dbdc8 too: the guard does not keep a file of the work tree."""
    (repo / "docs").mkdir()
    (repo / "CLAUDE.md").symlink_to("docs/agents.md")  # the user's own, untracked
    ok(repo, "agent", "install", "claude", "--instructions")
    assert "git-session" in (repo / "docs/agents.md").read_text()
    ok(repo, "agent", "uninstall", "claude")
    assert not (repo / "docs/agents.md").exists() and (repo / "CLAUDE.md").is_symlink()


# --- a link into the repository's git dir, whatever its name ---------------------------------


def separate_git_dir(repo: Path, name: str) -> Path:
    """Move the repository's git dir to ``name`` in the work tree (``--separate-git-dir``, a
    bare "dotfiles" repository's folder): .git becomes a file naming it."""
    (repo / ".git").rename(repo / name)
    (repo / ".git").write_text(f"gitdir: {name}\n")
    return repo / name


@pytest.mark.parametrize(
    ("link", "target", "options"),
    [
        ("CLAUDE.md", "gitdata/config", ["--instructions"]),
        (".claude", "gitdata/hooks", ["--project"]),
        (".mcp.json", "gitdata/info/mcp.json", ["--mcp"]),
    ],
)
def test_install_writes_nothing_through_a_committed_link_into_a_git_dir_of_another_name(
    repo: Path, link: str, target: str, options: list[str]
) -> None:
    """On 33dbdc8 only a folder named .git was refused: the block went into the git dir's config."""
    gitdata = separate_git_dir(repo, "gitdata")
    (gitdata / "hooks").mkdir(exist_ok=True)
    commit_link(repo, link, target)
    before = files_below(gitdata)
    error = fails(repo, "agent", "install", "claude", *options)
    assert error == (
        f"git-session: {link} is a symbolic link committed in this repository leading into a git folder: "
        "nothing written through it\n"
    )
    assert files_below(gitdata) == before
    git(repo, "status")  # its config still reads


def test_install_writes_nothing_through_a_committed_link_into_a_git_folder_of_another_case(repo: Path) -> None:
    """On 33dbdc8 the name was compared as it is: on a case-insensitive file system .GIT is .git."""
    (repo / ".GIT").mkdir()
    (repo / ".GIT/config").write_text("[core]\n")
    commit_link(repo, "CLAUDE.md", ".GIT/config")
    fails(repo, "agent", "install", "claude", "--instructions")
    assert (repo / ".GIT/config").read_text() == "[core]\n"


def files_below(folder: Path) -> dict[Path, bytes]:
    """The git dir's files but git-session's own (its lock, its notes of what it showed)."""
    found = [p for p in folder.rglob("*") if p.is_file() and "git-session" not in p.relative_to(folder).parts]
    return {path: path.read_bytes() for path in found}


def commit_link(repo: Path, name: str, target: str) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).symlink_to(target)
    git(repo, "add", "-f", name)
    git(repo, "commit", "-q", "-m", f"link {name}")
