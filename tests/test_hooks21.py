"""Issue 14, the commit path (eighth round): what the commit hooks cost on their own.

- Read with its boundaries, a cluster of letters ending in one that takes a value (`-qm x`)
  cost a function call (`cluster`) each time: 70,000 `-qm x` cost the hook 3 s of CPU in bash
  (dash 0.6 s). Such a cluster is now told in the loop, and an option that repeats the one
  before its value is not told again (it takes the next argument, as it did). So are its
  siblings: `-qF f`, `-qu`, `--message x` pairs.
- A message of one paragraph (`-m`, fresh or amending) was written whole again with our lines:
  git has just written the file, and ext4 makes a rewrite of it wait for the disk (0.1 ms of
  CPU, milliseconds of wall time). Our lines are now appended when the file is the paragraph
  as it is (no blank line after it, its last line ended), as most `-m` messages are.
Every answer stays as it was, under dash, bash and busybox sh; every commit is a real one.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests import test_trailers
from tests.helpers import git
from tests.test_amend20_hooks import Repeats, costs_no_call_an_argument
from tests.test_i17_hooks import amended, fresh, linked
from tests.test_i19_hooks import shell
from tests.test_trailers import Session, message, run_git

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["shell"]  # (a fixture)

# (main's hook in bash, at 50,000 pairs: 2 s, 1 s, 0.4 s and 1 s of CPU, a call an argument;
# counted, not timed; a repeated -m is git's paragraphs)
REPEATED: dict[str, Repeats] = {
    "-qm x": lambda n: (["-qm", "x"] * n, "\n\n".join(["x"] * n)),
    "-qm x -nm y": lambda n: (["-qm", "x", "-nm", "y"] * n, "\n\n".join(["x", "y"] * n)),
    "--message x -qa": lambda n: (["--message", "x", "-qa"] * n, "\n\n".join(["x"] * n)),
    "-qu -qa": lambda n: (["-qu", "-qa"] * n + ["-m", "one"], "one"),
}


@pytest.mark.parametrize("repeated", list(REPEATED))
def test_a_repeated_cluster_with_a_value_costs_no_call_an_argument(session: Session, shell: str, repeated: str) -> None:
    costs_no_call_an_argument(session, REPEATED[repeated])


# --- the message, appended to --------------------------------------------------------------


def message_writes(repo: Path, *argv: str) -> list[str]:
    """How `git ARGV` and all it starts open the message file for writing: `trunc`, `append`."""
    log = repo.parent / "strace.log"
    strace = ["strace", "-f", "-qq", "-e", "trace=openat", "-o", str(log), "git", *argv]
    done = subprocess.run(strace, cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    opened = [line for line in log.read_text().splitlines() if "COMMIT_EDITMSG" in line and "O_WRONLY" in line]
    return ["append" if "O_APPEND" in line else "trunc" if "O_TRUNC" in line else line for line in opened]


@pytest.mark.parametrize(
    "argv, subject",
    [
        (["commit", "-q", "-m", "subject"], None),
        (["commit", "-q", "--amend", "-m", "subject"], "subject"),
    ],
    ids=["commit -m", "--amend -m"],
)
def test_a_message_of_one_paragraph_gets_our_lines_appended_not_rewritten(
    session: Session, argv: list[str], subject: str | None
) -> None:
    """git has just written the file: rewritten, ext4 waits for the disk (milliseconds)."""
    linked(session)
    assert message_writes(session.repo, *argv) == ["trunc", "append"]  # (git's, then the hook's)
    assert message(session.repo) == (fresh(session, "subject") if subject is None else amended(session, subject))


@pytest.mark.parametrize("text", ["subject\n\n", "subject\n \n", "\nsubject", "subject  ", "a\nb", "\n\n"])
def test_a_message_not_as_the_hook_writes_it_is_written_whole(session: Session, text: str) -> None:
    """Blank lines after the paragraph are dropped, as awk does: the file is written whole
    (and git's clean-up follows, as for any message)."""
    linked(session)
    run_git(session.repo, "commit", "-q", "--allow-empty-message", "-m", text)
    body = git(session.repo, "stripspace", input=text).rstrip("\n")
    assert message(session.repo) == (fresh(session, body) if body else "")
