"""Round 22's defects in the agent integrations: uninstall gives Codex's config.toml back
byte for byte; ... (each test fails on 6e124df unless it says otherwise)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from git_session.integrations.agent_records import UserRecord
from tests.helpers import ok


@pytest.fixture
def codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "codex-home"
    monkeypatch.setenv("CODEX_HOME", str(home))
    home.mkdir()
    return home


# --- uninstall gives Codex's config.toml back byte for byte ---------------------------------

DOCS = '[mcp_servers.docs]\ncommand = "docs"\n'
LAYOUTS = {
    # tomlkit put a blank line after the table before ours, and left it there when taking ours out
    "a server table followed by another table": DOCS + "[other]\nx = 1\n",
    "a comment between them": DOCS + "# about other\n[other]\nx = 1\n",
    "two server tables then another": DOCS + '[mcp_servers.more]\ncommand = "more"\n[other]\nx = 1\n',
    "the servers' own header": "[mcp_servers]\n" + DOCS + "[other]\nx = 1\n",
    "indented keys": '[mcp_servers.docs]\n  command = "docs"\n[other]\n  x = 1\n',
    "an array of tables after": DOCS + "[[rules]]\nx = 1\n",
    "line ends of Windows": (DOCS + "[other]\nx = 1\n").replace("\n", "\r\n"),
    # these came back already
    "a blank line between them": DOCS + "\n[other]\nx = 1\n",
    "the servers at the end": 'model = "m"\n\n' + DOCS,
    "no final newline": 'model = "m"\n\n' + DOCS.rstrip(),
    "blank lines at the end": 'model = "m"\n\n' + DOCS + "\n\n",
    "a comment at the end": DOCS + "# the end\n",
    "a comment at the end, no final newline": DOCS + "# the end",
    "line ends of Windows, no final one": ('model = "m"\n' + DOCS.rstrip()).replace("\n", "\r\n"),
    "no servers": 'model = "m"\n',
    "no servers, a table after": 'model = "m"\n[other]\nx = 1\n',
    "only a comment": "# only a comment\n",
    "dotted keys": 'mcp_servers.docs.command = "docs-server"\nmodel = "gpt-5"\n',
}


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_uninstall_gives_codex_config_back_byte_for_byte(repo: Path, codex_home: Path, text: str) -> None:
    config = codex_home / "config.toml"
    config.write_bytes(text.encode())
    ok(repo, "agent", "install", "codex", "--mcp")
    assert b"[mcp_servers.git-session]" in config.read_bytes()
    ok(repo, "agent", "uninstall", "codex")
    assert config.read_bytes() == text.encode()


def test_the_users_edits_after_install_stay_byte_for_byte(repo: Path, codex_home: Path) -> None:
    config = codex_home / "config.toml"
    config.write_text(DOCS + "[other]\nx = 1\n")
    ok(repo, "agent", "install", "codex", "--mcp")
    config.write_text(config.read_text().replace("x = 1\n", "x = 1\ny = 2 # theirs\n"))
    ok(repo, "agent", "uninstall", "codex")
    assert config.read_text() == DOCS + "[other]\nx = 1\ny = 2 # theirs\n"


def test_a_record_edited_to_name_the_users_comment_takes_out_only_our_table(repo: Path, codex_home: Path) -> None:
    """The record is data from the disk (on 6e124df it had no such field)."""
    config = codex_home / "config.toml"
    config.write_text(DOCS + "# theirs\n[other]\nx = 1\n")
    ok(repo, "agent", "install", "codex", "--mcp")
    record = Path(UserRecord(os.environ).path)
    raw = json.loads(record.read_text())
    (entry,) = raw["mcp"]
    assert entry["added"] == '\n[mcp_servers.git-session]\ncommand = "git"\nargs = ["session", "mcp"]\n\n'
    entry["added"] = "# theirs\n" + entry["added"]
    record.write_text(json.dumps(raw))
    ok(repo, "agent", "uninstall", "codex")
    assert "# theirs\n" in config.read_text() and "git-session" not in config.read_text()
