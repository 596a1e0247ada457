"""Review of hooks16: prepare-commit-msg's shell paths against the awk program.

The shell reads a message a byte a call (dash's `read`): a message from a file (`-F`) or
an editor may hold a line of megabytes, which took seconds (6.5 s for a 3 MB line, 0.6 s
through awk). Only a message given with `-m` (bounded by the command line) is read there.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import test_trailers
from tests.helpers import ok
from tests.test_i14_hooks import AWK, counted, started
from tests.test_i14_hooks3 import under_git_commit, without_the_shell
from tests.test_trailers import Session, change, lines, message, run_git, script

hooked = test_trailers.hooked
session = test_trailers.session
editors = test_trailers.editors
__all__ = ["counted"]  # (fixtures)


def test_a_message_from_a_file_goes_to_awk(
    session: Session, tmp_path: Path, counted: tuple[dict[str, str], Path]
) -> None:
    repo = session.repo
    given_file = tmp_path / "message.txt"
    given_file.write_text("subject\n")
    change(repo)
    assert started(repo, counted, "commit", "-q", "-F", str(given_file)) == [AWK]
    assert message(repo) == "subject\n\n" + lines(session.first)
    change(repo)
    assert started(repo, counted, "commit", "-q", f"--file={given_file}") == [AWK]


def test_a_message_from_the_editor_goes_to_awk(
    session: Session, editors: Path, counted: tuple[dict[str, str], Path]
) -> None:
    repo = session.repo
    change(repo)
    typed = script(editors, "typed", "printf 'typed subject\\n' > \"$1\"\n")
    assert started(repo, counted, "commit", "-q", env={"GIT_EDITOR": typed}) == [AWK]
    assert message(repo) == "typed subject\n\n" + lines(session.first)


def test_a_message_with_m_is_still_written_by_the_shell(session: Session, counted: tuple[dict[str, str], Path]) -> None:
    change(session.repo)
    assert started(session.repo, counted, "commit", "-q", "-m", "subject") == []
    assert message(session.repo) == "subject\n\n" + lines(session.first)


PIECES = [
    b"a",
    b" ",
    b"\t",
    b"\\",
    b"\\n",
    b"%s",
    b"-",
    b"#",
    b"\r",
    b"\n",
    b"\n",
    b"\n",
    b"\xff",
    b"\x85",
    b"\xc2\xa0",
    b"\v",
    b"\f",
    b":",
    b"\xc3\xa9",
    b"(cherry picked from commit ",
    b"Signed-off-by: ",
    b"*",
    b"[",
    b"?",
    b"$x",
    b"`",
    b"'",
    b'"',
    b"\x1b",
    b"\x7f",
    b"\xe2\x80\xa8",
    b"Session-Id: ",
]


def run_hook(repo: Path, hook: Path, text: bytes) -> tuple[bytes, int, bytes]:
    msg = repo / ".git" / "TEST_MSG"
    msg.write_bytes(text)
    # (started as by `git commit -q -m`: the hook reads what git was asked from its parent)
    done = under_git_commit(repo, hook, msg, ["message"], ["-q", "-m", "message"], check=False)
    return msg.read_bytes(), done.returncode, done.stderr


@pytest.mark.slow
@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(parts=st.lists(st.sampled_from(PIECES), max_size=12))
def test_the_shell_writes_what_awk_writes_on_any_bytes(session: Session, tmp_path: Path, parts: list[bytes]) -> None:
    """(NUL aside: git refuses a message with one.) Held on the branch as it was."""
    repo = session.repo
    hook = repo / ".git" / "hooks" / "prepare-commit-msg"
    without = without_the_shell(tmp_path)
    text = b"".join(parts)
    assert run_hook(repo, hook, text) == run_hook(repo, without, text), text


def test_amend_with_a_file_goes_to_awk(session: Session, tmp_path: Path, counted: tuple[dict[str, str], Path]) -> None:
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    ok(repo, "status")  # links it, renders the trailers on it
    given_file = tmp_path / "message.txt"
    given_file.write_text("new subject\n")
    change(repo)
    assert started(repo, counted, "commit", "-q", "--amend", "-F", str(given_file)) == [AWK]
    assert message(repo).startswith("new subject\n\nSession-Id: ")
