"""Review of hooks18 (the commit hook's reading of git's command line).

- The `squash` source (`git merge --squash`, then `git commit`) with the editor now leaves
  the trailers to commit-msg, after the editor. `--no-verify` (`-n`) skips commit-msg: the
  squash commit got no trailers and no link to the session (main added them before the
  editor, as for any message of its own). With -n the trailers go in before the editor
  again, as on main; without it, after the editor (an emptied message still aborts).
Every case is a real commit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import test_trailers
from tests.test_i18_hooks import commit_entries, squashed
from tests.test_trailers import Session, block, head, lines, message, run_git, script, writes

hooked = test_trailers.hooked
session = test_trailers.session


@pytest.mark.parametrize(
    "options", [["--no-verify"], ["-n"], ["-qn"], ["-nq"], ["--no-veri"], ["--verify", "-n"], ["-q", "--no-verify"]]
)
def test_a_squash_edited_without_commit_msg_still_gets_the_trailers_and_the_link(
    session: Session, tmp_path: Path, options: list[str]
) -> None:
    parent = squashed(session)
    editor = writes(tmp_path, "squashed the side\n")
    run_git(session.repo, "commit", *options, env={"GIT_EDITOR": editor})
    assert head(session.repo, "HEAD~1") == parent
    text = message(session.repo)
    assert text.startswith("squashed the side\nSquashed commit of the following:\n\ncommit ")
    assert text.endswith("    on the side\n\n" + lines(block(session.id, ("O1", "O2"))))
    assert commit_entries(session.repo)[-1] == head(session.repo)


@pytest.mark.parametrize("options", [[], ["-n", "--verify"], ["--no-verify", "--no-no-verify"], ["-q"]])
def test_a_squash_edited_with_commit_msg_still_aborts_when_emptied(
    session: Session, tmp_path: Path, options: list[str]
) -> None:
    """(commit-msg runs: the trailers wait for the editor)"""
    parent = squashed(session)
    editor = script(tmp_path, "editor", ': > "$1"\n')
    result = run_git(session.repo, "commit", *options, env={"GIT_EDITOR": editor}, check=False)
    assert result.returncode == 1
    assert "Aborting commit due to empty commit message." in result.stderr
    assert head(session.repo) == parent
