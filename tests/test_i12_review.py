"""Issue 12, review: defects a hostile or unlucky user hits in the agents' install and hooks;
each test failed before its fix. Whole outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import fails

# --- install: settings files ----------------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_settings_file_with_a_non_json_number_is_refused_in_one_line_not_a_crash(repo: Path, constant: str) -> None:
    """Python's json reads NaN and Infinity; JSON (and the clients reading the file) do not.
    Install crashed on them (StopIteration in the layout parser)."""
    settings = repo / ".claude/settings.local.json"
    settings.parent.mkdir()
    text = f'{{"permissions": {{"limit": {constant}}}}}\n'
    settings.write_text(text)
    assert fails(repo, "agent", "install", "claude") == (
        f"git-session: .claude/settings.local.json is not valid JSON ({constant} is no JSON value); nothing changed\n"
        "hint: correct the file, or move it away, and run the command again\n"
    )
    assert settings.read_text() == text
    assert not (repo / ".git/git-session/agents-installed").exists()
