"""Review of hooks17: prepare-commit-msg's reading of what `git commit` was asked.

The text of the parent's command line (dash drops the NULs between the arguments) was taken
as `git commit ...` from the first `/gitcommit` in it when it did not start with `gitcommit`
(the alias case, git running git by its path). That text can come later: from a message, a
path or the value of an option, after the real `commit` (`git -C DIR commit --amend -m "see
/gitcommit"` was taken for a new commit) or before it.
"""

from __future__ import annotations

import pytest

from tests import test_trailers
from tests.test_i17_hooks import amended, fresh, linked
from tests.test_trailers import Session, head, message, run_git

hooked = test_trailers.hooked
session = test_trailers.session


@pytest.mark.parametrize("text", ["see /gitcommit", "in tools/gitcommit-msg.sh"])
def test_an_amend_whose_message_holds_slash_gitcommit_after_global_options_is_an_amend(
    session: Session, text: str
) -> None:
    parent = linked(session)
    run_git(session.repo, "-C", str(session.repo), "commit", "--amend", "-m", text)
    assert head(session.repo, "HEAD~1") == head(session.repo, f"{parent}~1")
    assert message(session.repo) == amended(session, text)


@pytest.mark.parametrize(
    "argv",
    [
        ["-C", ".", "commit", "-m", "x /gitcommit--amend"],
        ["-c", "bench.x=/gitcommit--amend-m", "commit", "-m", "x"],
    ],
)
def test_a_new_commit_whose_command_line_holds_slash_gitcommit_amend_is_a_new_commit(
    session: Session, argv: list[str]
) -> None:
    parent = linked(session)
    run_git(session.repo, *argv)
    assert head(session.repo, "HEAD~1") == parent
    assert message(session.repo) == fresh(session, argv[-1])
