"""Issue 14, the commit path (fourth round): what `git commit` was asked.

git passes prepare-commit-msg no sign of `--amend` given with `-m` (the source is `message`
either way), and passes `commit HEAD` for `-c HEAD` / `-C HEAD` as for `--amend`. The hook
read its parent's command line with dash, which drops the NULs between the arguments, and
took any `--am` in that text for an amend: `git commit -m "explain the --amend flag"` got an
amend's trailers (the old message's decisions kept), and `-C HEAD` was taken for an amend
too. It also took a message with a capital F ("Fix ...") for `-F`, and sent it to awk.

Now the text tells only the command lines it can tell (no `--am` in it; `git commit` and
only -q, --amend, --no-edit before -m; no `F`), and the others are read again with their
boundaries and parsed as git parses them. Every case below is a real `git commit`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests import test_i14_hooks3, test_trailers
from tests.helpers import ok
from tests.test_i14_hooks import AWK, counted, started
from tests.test_trailers import Session, block, change, head, lines, message, run_git

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["counted"]  # (fixtures)

NEW = "new"  # (the message the amend cases and the fresh ones get)


def linked(session: Session) -> str:
    """A commit `subject` made with D1, linked; then D2 decided: returns the commit."""
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject")
    session.decide("D2", "later")
    change(session.repo)
    return head(session.repo)


def fresh(session: Session, subject: str) -> str:
    """A new commit's message: D1 went with the commit before, D2 is news."""
    return subject + "\n\n" + lines(block(session.id, ("O1", "O2"), decided=("D2 -- later",)))


def amended(session: Session, subject: str) -> str:
    """An amend's: the amended commit's D1 kept, D2 added."""
    return subject + "\n\n" + lines(block(session.id, ("O1", "O2"), decided=("D1 -- why", "D2 -- later")))


FRESH = [
    (["commit", "-m", "explain the --amend flag"], "explain the --amend flag"),
    (["commit", "-q", "-m", "a", "-m", "b --amend"], "a\n\nb --amend"),
    (["commit", "-qm", "--amend"], "--amend"),
    (["commit", "--message=--amend"], "--amend"),
    (["commit", "--message", "--amend"], "--amend"),
    (["commit", "-m", "x", "--amend", "--no-amend"], "x"),
    (["commit", "--amend", "-m", "x", "--no-amend"], "x"),
    (["commit", "--author", "A --amend <a@example.com>", "-m", "x"], "x"),
    (["commit", "-m", "see -- --amend"], "see -- --amend"),
    (["-c", "bench.x=--amend", "commit", "-m", "x"], "x"),
    (["-c", "alias.ci=commit", "ci", "-m", "alias --amend"], "alias --amend"),
    (["commit", "-m", "Fix the --amend case"], "Fix the --amend case"),
]


@pytest.mark.parametrize("argv, subject", FRESH)
def test_a_commit_whose_command_line_mentions_amend_gets_a_new_commits_trailers(
    session: Session, argv: list[str], subject: str
) -> None:
    parent = linked(session)
    run_git(session.repo, *argv)
    assert head(session.repo, "HEAD~1") == parent
    assert message(session.repo) == fresh(session, subject)


AMENDS = [
    ["commit", "--amend", "-m", NEW],
    ["commit", "-q", "--amend", "-m", NEW],
    ["commit", "-m", NEW, "--amend"],
    ["commit", "-qm", NEW, "--amend"],
    ["commit", "--am", "-m", NEW],
    ["commit", "--amend", "--message", NEW],
    ["commit", "--amend", "-m", NEW, "--", "file"],
    ["commit", "--allow-empty", "--amend", "-m", NEW],
    ["-C", ".", "commit", "--amend", "-m", NEW],
    ["-c", "alias.ci=commit", "ci", "--amend", "-m", NEW],
]


@pytest.mark.parametrize("argv", AMENDS)
def test_an_amend_with_a_message_gets_an_amends_trailers(session: Session, argv: list[str]) -> None:
    parent = linked(session)
    run_git(session.repo, *argv)
    assert head(session.repo, "HEAD~1") == head(session.repo, f"{parent}~1")
    assert message(session.repo) == amended(session, NEW)


@pytest.mark.parametrize(
    "argv",
    [
        ["commit", "--amend", "--no-edit"],
        ["commit", "-q", "--amend", "-C", "HEAD"],
        ["commit", "--amend", "-c", "HEAD", "--no-edit"],
    ],
)
def test_an_amend_keeping_the_message_gets_an_amends_trailers(session: Session, argv: list[str]) -> None:
    linked(session)
    run_git(session.repo, *argv)
    assert message(session.repo) == amended(session, "subject")


@pytest.mark.parametrize("argv", [["commit", "-C", "HEAD"], ["commit", "-q", "-c", "HEAD", "--no-edit"]])
def test_reusing_heads_message_is_a_new_commit_that_keeps_what_it_carries(session: Session, argv: list[str]) -> None:
    """As `-C` of any other commit (test_trailers): HEAD's message as it is, no amend."""
    parent = linked(session)
    before = message(session.repo)
    run_git(session.repo, *argv)
    assert head(session.repo, "HEAD~1") == parent
    assert message(session.repo) == before


# --- what it costs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["-q", "-m", "Fix the thing"], "Fix the thing"),  # (awk before: an F could be -F)
        (["-q", "--amend", "-m", NEW], NEW),
        (["-q", "--amend", "--no-edit"], "subject"),
    ],
)
def test_the_usual_command_lines_start_nothing(
    session: Session, counted: tuple[dict[str, str], Path], argv: list[str], expected: str
) -> None:
    linked(session)
    ok(session.repo, "status")  # (the amend's files are written with the cache)
    change(session.repo)
    assert started(session.repo, counted, "commit", *argv) == []
    assert message(session.repo) == (fresh if "--amend" not in argv else amended)(session, expected)


def test_a_command_line_the_text_cannot_tell_is_read_with_its_boundaries(
    session: Session, counted: tuple[dict[str, str], Path]
) -> None:
    """(one `tr`, and no awk for a message of one paragraph)"""
    linked(session)
    assert started(session.repo, counted, "commit", "-q", "-m", "explain --amend") == ["tr"]
    assert message(session.repo) == fresh(session, "explain --amend")


def test_a_file_still_goes_to_awk(session: Session, counted: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    linked(session)
    (tmp_path / "msg").write_text("from a file\n")
    assert started(session.repo, counted, "commit", "-q", "-F", str(tmp_path / "msg")) == [AWK]
    assert message(session.repo) == fresh(session, "from a file")


def test_started_by_another_process_than_git_commit_the_message_goes_to_awk(session: Session, tmp_path: Path) -> None:
    """A hook manager's shell starts the hook: its command line says nothing of git's."""
    linked(session)
    msg = session.repo / ".git" / "TEST_MSG"
    msg.write_text("one line\n")
    hook = session.repo / ".git" / "hooks" / "prepare-commit-msg"
    subprocess.run(["sh", "-c", 'sh "$0" "$1" message; exit $?', str(hook), str(msg)], cwd=session.repo, check=True)
    assert msg.read_text() == fresh(session, "one line")


def test_the_differential_tests_run_the_hook_as_git_commit_does(
    session: Session, counted: tuple[dict[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """test_i14_hooks3 compares the hook with and without its shell's paths: the hook with
    them must take them there, whatever the command line of the tests' own process (the hook
    read pytest's before, and an `F` in it sent every message to awk)."""
    env, log = counted
    monkeypatch.setenv("PATH", env["PATH"])
    hook = session.repo / ".git" / "hooks" / "prepare-commit-msg"
    written = test_i14_hooks3.run_hook(session.repo, hook, "one line\n")
    assert not log.exists(), log.read_text()
    assert written.decode() == "one line\n\n" + lines(session.first)
