"""Texts quoted in a command's one-line answers are escaped once: ``repr`` of an already
``clip``-ped text wrote each of its escapes a second time (``'\\\\x1b[31m'`` for ESC)."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session.plaintext import quoted
from tests.helpers import ok


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "'plain'"),
        ("it's", '"it\'s"'),
        ('say "it\'s"', "'say \"it\\'s\"'"),
        ("evil \x1b[31m\u202e", "'evil \\x1b[31m\\u202e'"),
        ("x" * 70, "'" + "x" * 59 + "…'"),
    ],
)
def test_a_quoted_text_is_escaped_once_and_quoted_as_repr_quotes_it(text: str, shown: str) -> None:
    assert quoted(text, 60) == shown


def test_a_checkpoint_label_and_a_session_title_are_shown_escaped_once(repo: Path) -> None:
    """The command-line answers that quote a text (checkpoint, pause, end: every
    ``clip(…)!r`` was the same) show a control character as one ``\\x1b``."""
    ok(repo, "start", "Title \x1b[2J")
    saved = ok(repo, "checkpoint", "-m", "label \x1b[31m")
    assert "'label \\x1b[31m'" in saved and "\\\\x1b" not in saved
    paused = ok(repo, "pause")
    assert "'Title \\x1b[2J'" in paused and "\\\\x1b" not in paused
