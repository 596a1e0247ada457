"""Internal validation does not raise the user-error class: git output that cannot be read
is git's problem, and a value the core built wrongly is a bug, not the user's mistake."""

from __future__ import annotations

import pytest

from git_session import history, notes
from git_session.errors import EXIT_GIT, GitError, SessionError, UserError

MARKER = "git-session-marker"
COMMIT = "a" * 40


@pytest.mark.parametrize(
    ("output", "says"),
    [
        ("not a commit\0rest\0", "near 'not a commit'"),
        (
            "\0".join([COMMIT, "", "A", "a@example.com", "1700000000", "2023-11-14T22:13:20+00:00", "s", ""]) + "\0",
            "cut short",
        ),
    ],
)
def test_git_log_output_that_cannot_be_read_is_a_git_error(output: str, says: str) -> None:
    with pytest.raises(GitError) as caught:
        history.parse_log(output, MARKER)
    assert not isinstance(caught.value, UserError)
    assert caught.value.exit_code == EXIT_GIT
    assert caught.value.command == ("log",)
    assert says in caught.value.message


def test_a_note_line_that_is_no_json_is_the_callers_bug() -> None:
    with pytest.raises(TypeError):
        notes.canonical_line({"commit": object()})


def test_a_note_line_that_is_no_unicode_is_the_callers_bug() -> None:
    with pytest.raises(ValueError) as caught:
        notes.canonical_line({"text": "\ud800"})
    assert not isinstance(caught.value, SessionError)


def test_a_note_line_of_valid_json_is_canonical() -> None:
    assert notes.canonical_line({"session": "01h", "b": [1], "a": "é"}) == '{"a":"é","b":[1],"session":"01h"}'.encode()
