"""git session agent install CLIENT --mcp (issue 13): ``git session mcp`` registered with each
client where it reads MCP servers, recorded with the hooks and taken out again byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import fails, git, make_repo, ok, run

SERVER = {"command": "git", "args": ["session", "mcp"]}

# A user's own files, each with what must survive a round trip: comments, layout, no final newline.
CODEX_CONFIG = (
    '# my Codex\nmodel = "o3"  # the model\n\n'
    '[mcp_servers.docs]\ncommand = "docs-server"\n\n[features]\nplugins = false\n'
)
MCP_JSON = '{\n    "mcpServers": {\n        "docs": {"command": "docs-server"}\n    }\n}'
GEMINI_SETTINGS = '{\n  // the theme\n  "theme": "dark",\n  "mcpServers": {}\n}\n'
CLAUDE_USER = '{"numStartups": 3, "projects": {}}'


@pytest.fixture
def codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "codex-home"
    monkeypatch.setenv("CODEX_HOME", str(home))
    return home


def install_lines(out: str) -> list[str]:
    """The lines install printed about the MCP server (the hooks' lines are issue 12's)."""
    return [line for line in out.splitlines() if "MCP server" in line or "info/exclude (it stays" in line]


def test_claude_local_registers_in_mcp_json_approved_in_the_local_settings(repo: Path) -> None:
    out = ok(repo, "agent", "install", "claude", "--mcp")
    assert install_lines(out) == [
        "Registered the MCP server git-session in .mcp.json",
        "Added /.mcp.json to .git/info/exclude (it stays this clone's)",
        "Approved the MCP server git-session in .claude/settings.local.json",
    ]
    assert json.loads((repo / ".mcp.json").read_text()) == {"mcpServers": {"git-session": SERVER}}
    settings = json.loads((repo / ".claude/settings.local.json").read_text())
    assert settings["enabledMcpjsonServers"] == ["git-session"] and "hooks" in settings
    assert ".mcp.json" not in git(repo, "status", "--porcelain")  # not to be committed by accident
    assert install_lines(ok(repo, "agent", "install", "claude", "--mcp")) == [
        "The MCP server git-session is already registered in .mcp.json",
        "The MCP server git-session is already approved in .claude/settings.local.json",
    ]
    assert "  MCP server git-session: .mcp.json, .claude/settings.local.json\n" in ok(repo, "agent", "status")
    out = ok(repo, "agent", "uninstall", "claude")
    assert out.splitlines()[:2] == [
        "Removed the MCP server git-session in .mcp.json",
        "Removed the approval of the MCP server git-session in .claude/settings.local.json",
    ]
    assert not (repo / ".mcp.json").exists() and not (repo / ".claude").exists()
    assert not (repo / ".git/info/exclude").exists()  # made for the line, gone with it


def test_a_users_mcp_json_keeps_every_byte(repo: Path) -> None:
    (repo / ".mcp.json").write_text(MCP_JSON)
    ok(repo, "agent", "install", "claude", "--project", "--mcp")
    servers = json.loads((repo / ".mcp.json").read_text())["mcpServers"]
    assert servers == {"docs": {"command": "docs-server"}, "git-session": SERVER}
    assert json.loads((repo / ".claude/settings.json").read_text())["enabledMcpjsonServers"] == ["git-session"]
    ok(repo, "agent", "uninstall", "claude")
    assert (repo / ".mcp.json").read_text() == MCP_JSON


def test_codex_gets_a_table_in_its_config_toml_with_its_comments_kept(repo: Path, codex_home: Path) -> None:
    codex_home.mkdir()
    config = codex_home / "config.toml"
    config.write_text(CODEX_CONFIG)
    out = ok(repo, "agent", "install", "codex", "--mcp")
    assert install_lines(out) == [f"Registered the MCP server git-session in {config}"]
    ours = '[mcp_servers.git-session]\ncommand = "git"\nargs = ["session", "mcp"]\n\n'
    assert config.read_text() == CODEX_CONFIG.replace("[features]", ours + "[features]")  # beside the other server
    ok(repo, "agent", "uninstall", "codex")
    assert config.read_text() == CODEX_CONFIG


def test_codex_config_made_by_install_goes_with_uninstall(repo: Path, codex_home: Path) -> None:
    ok(repo, "agent", "install", "codex", "--mcp")
    assert (
        codex_home / "config.toml"
    ).read_text() == '[mcp_servers.git-session]\ncommand = "git"\nargs = ["session", "mcp"]\n'
    ok(repo, "agent", "uninstall", "codex")
    assert not (codex_home / "config.toml").exists()


def test_gemini_settings_with_comments_round_trip(repo: Path) -> None:
    settings = repo / ".gemini/settings.json"
    settings.parent.mkdir()
    settings.write_text(GEMINI_SETTINGS)
    ok(repo, "agent", "install", "gemini", "--mcp")
    text = settings.read_text()
    assert "// the theme" in text
    server = json.loads("\n".join(line for line in text.splitlines() if "//" not in line))["mcpServers"]
    assert server == {"git-session": {**SERVER, "trust": True}}
    ok(repo, "agent", "uninstall", "gemini")
    assert settings.read_text() == GEMINI_SETTINGS


def test_claude_user_scope_is_shared_until_the_last_repository_uninstalls(tmp_path: Path, repo: Path) -> None:
    user_file = Path.home() / ".claude.json"
    user_file.write_text(CLAUDE_USER)
    other = make_repo(tmp_path, "other")
    for where in (repo, other):
        ok(where, "agent", "install", "claude", "--user", "--mcp")
    assert json.loads(user_file.read_text())["mcpServers"] == {"git-session": {"type": "stdio", **SERVER}}
    assert "Kept the MCP server git-session in ~/.claude.json (still used by 1 other repositories)" in ok(
        repo, "agent", "uninstall", "claude"
    )
    assert "git-session" in user_file.read_text()
    ok(other, "agent", "uninstall", "claude")
    assert user_file.read_text() == CLAUDE_USER


def test_another_server_of_that_name_is_left_alone(repo: Path) -> None:
    theirs = '{"mcpServers": {"git-session": {"command": "something-else"}}}'
    (repo / ".mcp.json").write_text(theirs)
    err = fails(repo, "agent", "install", "claude", "--mcp")
    assert (
        err.splitlines()[0]
        == "git-session: .mcp.json registers another MCP server named 'git-session'; nothing changed"
    )
    assert (repo / ".mcp.json").read_text() == theirs


def test_a_registration_changed_since_install_is_kept_and_named(repo: Path) -> None:
    ok(repo, "agent", "install", "claude", "--mcp")
    mcp_json = repo / ".mcp.json"
    changed = json.loads(mcp_json.read_text())
    changed["mcpServers"]["git-session"]["args"].append("--verbose")
    mcp_json.write_text(json.dumps(changed))
    out = ok(repo, "agent", "uninstall", "claude")
    assert out.splitlines()[0] == "Kept the MCP server git-session in .mcp.json (changed since install)"
    assert json.loads(mcp_json.read_text()) == changed


def test_git_session_uninstall_takes_the_registration_out_with_the_hooks(repo: Path) -> None:
    ok(repo, "agent", "install", "claude", "--mcp")
    out = ok(repo, "uninstall")
    assert "Removed the MCP server git-session in .mcp.json" in out
    assert not (repo / ".mcp.json").exists() and not (repo / ".claude").exists()


def test_doctor_finds_a_registration_gone_and_fix_puts_it_back(repo: Path) -> None:
    ok(repo, "agent", "install", "claude", "--mcp")
    (repo / ".mcp.json").unlink()
    found = run(repo, "doctor").stdout
    assert "problem: claude .mcp.json: the MCP server git-session is missing\n" in found
    assert "ok: claude .claude/settings.local.json: the approval of the MCP server git-session\n" in found
    assert "fixed: put back the claude MCP server git-session in .mcp.json\n" in run(repo, "doctor", "--fix").stdout
    assert json.loads((repo / ".mcp.json").read_text()) == {"mcpServers": {"git-session": SERVER}}
    ok(repo, "agent", "uninstall", "claude")
    assert not (repo / ".mcp.json").exists() and not (repo / ".git/info/exclude").exists()
