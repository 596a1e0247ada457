"""doctor and uninstall with the agents' integrations (issue 12): each agent client is an
integration of the registry; one integration failing is one line, and the others still run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from git_session.gitrepo import Repo
from git_session.integrations.registry import INTEGRATIONS
from tests.helpers import ok, run

EVENTS = "SessionStart, UserPromptSubmit, PreCompact, SubagentStop, Stop, SessionEnd"
SHIM = "warning: claude: the hook shim is not written yet: the hooks run Python until one writes it\n"
NO_PATH = "problem: claude: git-session is not on PATH: the agent's hooks silently do nothing without it\n"
JSON_ERROR = "Expecting property name enclosed in double quotes"
INVALID = f".claude/settings.local.json is not valid JSON (line 1, column 2: {JSON_ERROR})"


@pytest.fixture
def installed(repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """git-session and the Claude Code hooks installed; git-session is not on PATH."""
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here") + os.pathsep + "/usr/bin:/bin")
    ok(repo, "install")
    ok(repo, "agent", "install", "claude")
    (repo / ".git/git-session/agent-hook").unlink()  # as an older install left it: no shim yet
    return repo


def base_lines(repo: Path) -> str:
    return (
        f"ok: hooks: prepare-commit-msg, commit-msg, pre-push, post-rewrite in {repo / '.git/hooks'}\n"
        "ok: config: notes follow amend and rebase (notes.rewriteRef and friends)\n"
    )


def test_doctor_checks_the_agents_hooks_the_shim_and_path(installed: Path) -> None:
    result = run(installed, "doctor")
    assert result.exit_code == 1
    assert result.stdout == (
        base_lines(installed)
        + f"ok: claude .claude/settings.local.json: hooks for {EVENTS}\n"
        + SHIM
        + NO_PATH
        + "1 problem(s)\n"
    )


def test_doctor_fix_puts_back_hooks_the_user_removed(installed: Path) -> None:
    (installed / ".claude/settings.local.json").write_text("{}\n")
    result = run(installed, "doctor")
    assert f"problem: claude .claude/settings.local.json: the hooks for {EVENTS} are missing\n" in result.stdout
    fixed = run(installed, "doctor", "--fix")
    assert fixed.stdout.startswith(f"fixed: put back the claude hooks for {EVENTS} in .claude/settings.local.json\n")
    assert "SessionStart" in (installed / ".claude/settings.local.json").read_text()


def test_doctor_reports_a_settings_file_gone_bad_and_still_checks_the_rest(installed: Path) -> None:
    (installed / ".claude/settings.local.json").write_text("{,")
    result = run(installed, "doctor")
    assert result.exit_code == 1
    assert result.stdout == (
        base_lines(installed)
        + f"problem: claude .claude/settings.local.json: {INVALID}\n"
        + SHIM
        + NO_PATH
        + "2 problem(s)\n"
    )


def test_doctor_goes_on_when_an_integration_cannot_check_itself(
    installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(repo: Repo) -> list[object]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(INTEGRATIONS["codex"], "diagnose", broken)
    result = run(installed, "doctor")
    assert result.stdout == (
        base_lines(installed)
        + f"ok: claude .claude/settings.local.json: hooks for {EVENTS}\n"
        + SHIM
        + NO_PATH
        + "problem: codex: could not be checked: Permission denied\n"
        + "2 problem(s)\n"
    )


def test_uninstall_removes_the_agents_hooks_too(installed: Path) -> None:
    ok(installed, "agent", "install", "gemini", "--instructions")
    out = ok(installed, "uninstall")
    assert out.endswith(
        f"Removed claude hooks in .claude/settings.local.json ({EVENTS})\n"
        "Removed gemini hooks in .gemini/settings.json "
        "(SessionStart, BeforeAgent, AfterAgent, SessionEnd)\n"
        "Removed /.gemini/settings.json from .git/info/exclude\n"
        "Removed the git-session block in GEMINI.md\n"
    )
    assert sorted(p.name for p in installed.iterdir()) == [".git", "README"]
    assert not (installed / ".git/git-session/agents-installed").exists()


def test_uninstall_goes_on_past_a_settings_file_gone_bad_names_it_and_exits_1(installed: Path) -> None:
    settings = installed / ".claude/settings.local.json"
    settings.write_text("{,")
    result = run(installed, "uninstall")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"Removed {installed / '.git/hooks/prepare-commit-msg'}\n")
    assert result.stdout.endswith(f"Failed claude hooks in .claude/settings.local.json: {INVALID}; nothing changed\n")
    assert settings.read_text() == "{,"
    assert not (installed / ".git/hooks/commit-msg").exists()  # the others were removed
    settings.write_text(settings.read_text().replace("{,", "{}"))
    assert ok(installed, "uninstall") == "Removed claude hooks in .claude/settings.local.json\n"  # kept in the record


def test_uninstall_goes_on_when_an_integration_raises(installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(repo: Repo) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(INTEGRATIONS["git-hooks"], "uninstall", broken)
    result = run(installed, "uninstall")
    assert result.exit_code == 1
    assert result.stdout.startswith("Failed git-hooks: Permission denied\nUnset notes.rewriteRef=")
    assert result.stdout.endswith(f"Removed claude hooks in .claude/settings.local.json ({EVENTS})\n")


def test_doctor_names_a_client_setting_that_turns_every_hook_off(installed: Path, tmp_path: Path) -> None:
    user = Path(os.environ["HOME"]) / ".claude/settings.json"
    user.parent.mkdir()
    user.write_text('{"disableAllHooks": true}\n')
    off = "problem: claude: disableAllHooks is true in ~/.claude/settings.json: Claude Code runs no hooks\n"
    assert off in run(installed, "doctor").stdout
    local = installed / ".claude/settings.local.json"
    local.write_text(local.read_text().replace("{", '{\n  "disableAllHooks": false,', 1))  # the most local wins
    assert "disableAllHooks" not in run(installed, "doctor").stdout


def test_doctor_names_codex_hooks_turned_off_in_its_config(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.version_info < (3, 11) and not os.environ.get("CI"):  # CI runs 3.11: there, never a skip
        pytest.skip("doctor reads config.toml with tomllib, which Python has from 3.11")
    home = tmp_path / "codex-home"
    monkeypatch.setenv("CODEX_HOME", str(home))
    ok(installed, "agent", "install", "codex")
    (home / "config.toml").write_text('model = "x"\n\n[features]\n# no hooks here\nhooks = false\n')
    off = f"problem: codex: {home / 'config.toml'} sets [features] hooks = false: Codex runs no hooks\n"
    assert off in run(installed, "doctor").stdout
    (home / "config.toml").write_text("[features]\nhooks = true\n")
    assert "Codex runs no hooks" not in run(installed, "doctor").stdout
