"""Review of hooks17: prepare-commit-msg's reading of what `git commit` was asked.

The text of the parent's command line (dash drops the NULs between the arguments) was taken
as `git commit ...` from the first `/gitcommit` in it when it did not start with `gitcommit`
(the alias case, git running git by its path). That text can come later: from a message, a
path or the value of an option, after the real `commit` (`git -C DIR commit --amend -m "see
/gitcommit"` was taken for a new commit) or before it. And the text was gathered line by line
by appending to a string, quadratic in the lines of a long `-m` message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import test_trailers
from tests.helpers import ok
from tests.test_i14_hooks import AWK, counted, started
from tests.test_i17_hooks import NEW, amended, fresh, linked
from tests.test_trailers import Session, change, head, message, run_git

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["counted"]  # (fixtures)


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


def test_a_long_command_line_is_read_with_its_boundaries_not_gathered_line_by_line(
    session: Session, counted: tuple[dict[str, str], Path]
) -> None:
    """3,000 lines of -m (0.85 s in the hook when the shell gathered them, 8.4 s for four
    such -m, 37 s for 1 MB): past 256 lines (or 16 KB), one `tr` reads the command line."""
    linked(session)
    body = "\n".join(f"line {i} " + "x" * 32 for i in range(3000))
    assert started(session.repo, counted, "commit", "-q", "-m", NEW, "-m", body) == sorted(["tr", AWK])
    assert message(session.repo).startswith(NEW + "\n\n" + body + "\n\n")


def test_a_commit_through_an_alias_still_starts_nothing(session: Session, counted: tuple[dict[str, str], Path]) -> None:
    """git runs git by the path it finds first on its PATH, where it put its own folder
    (`/usr/lib/git-core/git` on Debian): that path is taken as git's when `git` is in it,
    whatever characters it has."""
    run_git(session.repo, "config", "alias.ci", "commit")
    linked(session)
    ok(session.repo, "status")  # (the amend's files are written with the cache)
    change(session.repo)
    assert started(session.repo, counted, "ci", "-q", "--amend", "-m", NEW) == []
    assert message(session.repo) == amended(session, NEW)
