"""Round 21 at the merge: texts quoted in one-line answers are escaped once (``repr`` of
a ``clip``-ped text wrote each escape twice: ``'\\\\x1b[31m'``); an imported list over the limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session.plaintext import quoted
from tests.helpers import fails, ok


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


def test_an_imported_file_with_too_many_tasks_is_one_line_naming_it(repo: Path, tmp_path: Path) -> None:
    """A list field over the limit is bad input, named as such (it was "not written: …" with
    a hint about the system clock), as the command line and the MCP tools now say it."""
    tasks = "".join(f"  - T-{i}\n" for i in range(1001))
    path = tmp_path / "s.md"
    path.write_text(f"---\ntitle: Many\ntask_ids:\n{tasks}---\n\n## Objectives\n- one\n")
    error = fails(repo, "import", str(path))
    assert error.startswith(f"git-session: {path}: tasks: 1001 given; the limit is 1000")
    assert "clock" not in error
