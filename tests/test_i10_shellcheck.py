"""What shellcheck found in the hook shims (issue 10): the prepare-commit-msg hook split the
path of HEAD's old message into words (SC2086), so an amend with a new message in a linked
worktree of a repository whose path has a space lost its trailers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.helpers import as_json, make_repo, ok
from tests.test_trailers import block, change, install_hooks, lines, message, run_git


@pytest.fixture
def spaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository under a folder with a space in its name, hooks installed, a session started."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    repo = make_repo(tmp_path, "my repo")
    install_hooks(repo)
    worktree = tmp_path / "my repo" / "linked tree"
    run_git(repo, "worktree", "add", "-q", "-b", "topic", str(worktree))
    ok(worktree, "start", "work", "-o", "O1")
    return worktree


@pytest.mark.slow
def test_an_amend_with_a_new_message_in_a_linked_worktree_under_a_space_keeps_the_trailers(spaced: Path) -> None:
    sid = str(as_json(spaced, "status")["id"])
    change(spaced)
    run_git(spaced, "commit", "-q", "-m", "subject")
    change(spaced)
    result = run_git(spaced, "commit", "-q", "--amend", "-m", "new subject")
    assert "could not add the session trailers" not in result.stderr
    assert message(spaced) == "new subject\n\n" + lines(block(sid, ("O1",)))
    assert not list(Path(spaced.parent, ".git", "git-session").glob("amend-old*"))
