"""Review of round 21 (hooks21): the message of one paragraph, appended to.

A cluster with its value in it (`-qmx`), alternated with another argument, cost a call
to cluster each: 50,000 `-qmx -qmy` cost the hook 2.2 s of CPU in bash; told in the loop.

The -m path appends our lines when the file is the paragraph as it is; it must write what
the awk program writes for the same bytes (the -F path, which awk always takes), under
every clean-up mode git has (verbatim keeps what the default strips before the hook), and
when a chained hook of the user's left the file otherwise.
"""

from __future__ import annotations

import pytest

from tests import test_trailers
from tests.test_amend20_hooks import Repeats, costs_no_call_an_argument
from tests.test_i17_hooks import linked
from tests.test_i19_hooks import shell
from tests.test_trailers import Session, message, run_git

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["shell"]  # (a fixture)

MESSAGES = ["subject", "subject\n", "subject\n\n", "subject\n \n", "\nsubject\n", "  subject  \n", "a\nb\n"]


def as_m_writes_it(text: str) -> str:
    """The file git writes for `-m TEXT`: its last line ended (strbuf_complete_line)."""
    return text if text.endswith("\n") or not text else text + "\n"


@pytest.mark.parametrize("cleanup", ["verbatim", "whitespace", "strip", "scissors"])
@pytest.mark.parametrize("amend", [False, True], ids=["fresh", "amend"])
@pytest.mark.parametrize("text", MESSAGES)
def test_a_message_of_m_gets_what_awk_writes_for_the_same_file(
    session: Session, cleanup: str, amend: bool, text: str
) -> None:
    linked(session)
    repo = session.repo
    file = repo.parent / "message"
    file.write_text(as_m_writes_it(text))
    more = ["--amend"] if amend else []
    run_git(repo, "-c", f"commit.cleanup={cleanup}", "commit", "-q", *more, "-F", str(file))
    by_awk = message(repo)
    run_git(repo, "reset", "-q", "--soft", "HEAD@{1}")
    run_git(repo, "-c", f"commit.cleanup={cleanup}", "commit", "-q", *more, "-m", text)
    assert message(repo) == by_awk


@pytest.mark.parametrize("written", ["subject", "subject\n\n", "subject  ", "\n\nsubject\n"])
@pytest.mark.parametrize("amend", [False, True], ids=["fresh", "amend"])
def test_a_message_a_chained_hook_wrote_gets_what_awk_writes(session: Session, amend: bool, written: str) -> None:
    """The user's own prepare-commit-msg (chained, run first) leaves the file as WRITTEN:
    no last newline, blank lines after it (verbatim keeps what the hook writes)."""
    linked(session)
    repo = session.repo
    chained = repo / ".git" / "hooks" / "prepare-commit-msg.git-session-chained"
    chained.write_text(f"#!/bin/sh\nprintf '{written}' > \"$1\"\n")
    chained.chmod(0o755)
    file = repo.parent / "message"
    file.write_text("given\n")
    more = ["--amend"] if amend else []
    run_git(repo, "-c", "commit.cleanup=verbatim", "commit", "-q", *more, "-F", str(file))
    by_awk = message(repo)
    run_git(repo, "reset", "-q", "--soft", "HEAD@{1}")
    run_git(repo, "-c", "commit.cleanup=verbatim", "commit", "-q", *more, "-m", "given")
    assert message(repo) == by_awk


# (main's hook in bash, at 25,000 pairs: 2.2 s of CPU for `-qmx -qmy`, a call an argument;
# counted, not timed)
REPEATED: dict[str, Repeats] = {
    "-qmx -qa": lambda n: (["-qmx", "-qa"] * n, "\n\n".join(["x"] * n)),
    "-qmx -qmy": lambda n: (["-qmx", "-qmy"] * n, "\n\n".join(["x", "y"] * n)),
    "-quno -qa": lambda n: (["-quno", "-qa"] * n + ["-m", "one"], "one"),
}


@pytest.mark.parametrize("repeated", list(REPEATED))
def test_a_repeated_cluster_with_its_value_in_it_costs_no_call_an_argument(
    session: Session, shell: str, repeated: str
) -> None:
    costs_no_call_an_argument(session, REPEATED[repeated])
