"""Round 23 review: agent install and uninstall in a work tree that lies inside its
repository's git dir (``git clone --bare URL proj; cd proj; git worktree add main``, a common
layout). The round's check of a link "into the git dir" by identity took every file of such a
work tree for one in the git dir: install refused a committed ``CLAUDE.md -> AGENTS.md``, and
uninstall kept the files install made and refused the block."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import fails, git, make_repo, ok


def worktree_in_bare_clone(tmp_path: Path) -> Path:
    """A work tree made inside a bare clone, whose CLAUDE.md is a committed link to AGENTS.md."""
    source = make_repo(tmp_path, "source")
    (source / "AGENTS.md").write_text("Agents\n")
    (source / "CLAUDE.md").symlink_to("AGENTS.md")
    git(source, "add", "AGENTS.md", "CLAUDE.md")
    git(source, "commit", "-q", "-m", "agents")
    git(tmp_path, "clone", "-q", "--bare", str(source), "proj")
    git(tmp_path / "proj", "worktree", "add", "-q", "main")
    return tmp_path / "proj" / "main"


def test_install_and_uninstall_in_a_work_tree_inside_a_bare_clone(tmp_path: Path) -> None:
    work = worktree_in_bare_clone(tmp_path)
    ok(work, "agent", "install", "claude", "--instructions")
    assert "git-session" in (work / "AGENTS.md").read_text()
    ok(work, "agent", "uninstall", "claude")
    assert (work / "AGENTS.md").read_text() == "Agents\n"
    assert not (work / ".claude").exists()  # install made it: it goes again


def test_a_committed_link_to_the_bare_clones_config_is_still_refused(tmp_path: Path) -> None:
    work = worktree_in_bare_clone(tmp_path)
    (work / ".mcp.json").symlink_to("../config")
    git(work, "add", ".mcp.json")
    git(work, "commit", "-q", "-m", "link")
    before = (tmp_path / "proj" / "config").read_text()
    error = fails(work, "agent", "install", "claude", "--mcp")
    assert "leading into a git folder" in error
    assert (tmp_path / "proj" / "config").read_text() == before


@pytest.mark.usefixtures("as_root")  # (root takes an entry out of a folder without its owner's write bit)
def test_uninstall_takes_no_folder_out_of_a_folder_its_owner_made_read_only(repo: Path) -> None:
    """The round refused writing in such a folder, but uninstall (as root) still removed the
    .claude folder install had made from the work tree its owner made read-only since."""
    ok(repo, "agent", "install", "claude")
    repo.chmod(0o555)
    try:
        ok(repo, "agent", "uninstall", "claude")
        left = sorted(p.name for p in repo.iterdir())
    finally:
        repo.chmod(0o755)
    assert ".claude" in left
    assert not (repo / ".claude/settings.local.json").exists()  # the file went: its folder was writable
