"""Round 21's sweep of the agent integrations and the MCP server: what an odd set-up or a
hostile input found (each test fails on 304df2c)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import fails, ok, run

# --- a copy of the repository (cp -a) names the original's files in its record ------------


def test_uninstall_in_a_copy_leaves_the_originals_mcp_registration_and_instructions_alone(
    repo: Path, tmp_path: Path
) -> None:
    ok(repo, "agent", "install", "claude", "--mcp", "--instructions")
    files = [".mcp.json", "CLAUDE.md", ".claude/settings.local.json"]
    before = {name: (repo / name).read_bytes() for name in files}
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, symlinks=True)
    for name in (".mcp.json", "CLAUDE.md", ".claude"):
        shutil.rmtree(copy / name) if (copy / name).is_dir() else (copy / name).unlink()
    result = run(copy, "agent", "uninstall", "claude")
    assert result.exit_code == 1
    left_alone = "is in none of this repository's work trees: left alone"
    assert result.stdout == (
        f"Failed the MCP server git-session in {repo / '.mcp.json'}: {repo / '.mcp.json'} {left_alone}\n"
        f"Failed the approval of the MCP server git-session in {repo / '.claude/settings.local.json'}: "
        f"{repo / '.claude/settings.local.json'} {left_alone}\n"
        f"Failed claude hooks in {repo / '.claude/settings.local.json'}: "
        f"{repo / '.claude/settings.local.json'} {left_alone}\n"
        f"Failed the git-session block in {repo / 'CLAUDE.md'}: {repo / 'CLAUDE.md'} {left_alone}\n"
    )
    assert {name: (repo / name).read_bytes() for name in files} == before
    out = ok(repo, "agent", "uninstall", "claude")  # the original's own uninstall still takes them all out
    assert "Failed" not in out
    assert not [name for name in files if (repo / name).exists()]


# --- a client's settings nested deeper than the layout parser goes ------------------------

NESTED = 600  # json.loads reads it; the layout parser (two frames a level) did not: a crash


def test_a_settings_file_nested_too_deeply_is_one_line_for_install_status_and_doctor(repo: Path) -> None:
    ok(repo, "agent", "install", "claude")
    settings = repo / ".claude/settings.local.json"
    text = '{"deep": ' + "[" * NESTED + "]" * NESTED + "}\n"
    settings.write_text(text)
    message = ".claude/settings.local.json is nested too deeply to be read"
    assert fails(repo, "agent", "install", "claude") == f"git-session: {message}; nothing changed\n"
    assert message in ok(repo, "agent", "status")
    doctor = run(repo, "doctor")
    assert doctor.exit_code == 1 and "internal error" not in doctor.stderr
    assert f"claude .claude/settings.local.json: {message}" in doctor.stdout
    assert settings.read_text() == text


def test_a_codex_config_toml_nested_too_deeply_leaves_doctor_working(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "codex-home"
    monkeypatch.setenv("CODEX_HOME", str(home))
    ok(repo, "agent", "install", "codex")
    (home / "config.toml").write_text("deep = " + "[" * 5000 + "]" * 5000 + "\n")  # tomllib recurses
    doctor = run(repo, "doctor")
    assert doctor.stderr == ""  # it crashed (RecursionError from tomllib)
    assert f"ok: codex {home / 'hooks.json'}: hooks for SessionStart," in doctor.stdout
