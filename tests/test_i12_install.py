"""git session agent install / uninstall / status (issue 12): the coding agents' hooks merged
into their JSON settings and taken out again byte for byte, the record, the instructions
block, and the commands' whole outputs."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from git_session.integrations import instructions
from git_session.integrations.agent_clients import AGENT_NAMES, CLIENTS, TIMEOUTS, hook_command, hook_group
from tests.helpers import fails, git, make_repo, ok, run

CLAUDE_EVENTS = ("SessionStart", "UserPromptSubmit", "PreCompact", "SubagentStop", "Stop", "SessionEnd")
GEMINI_EVENTS = ("SessionStart", "BeforeAgent", "AfterAgent", "SessionEnd")

# A user's own settings: permissions, a hook of theirs, 4-space indentation, a one-line
# array, a non-ASCII text, no final newline.
USERS_SETTINGS = """{
    "permissions": {"allow": ["Bash(ls)", "Read"], "deny": []},
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [{"type": "command", "command": "./check.sh", "timeout": 5}]
            }
        ],
        "SessionStart": [
            {"hooks": [{"type": "command", "command": "echo héllo"}]}
        ]
    },
    "model": "opus"
}"""


@pytest.fixture
def codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "codex-home"
    monkeypatch.setenv("CODEX_HOME", str(home))
    return home


def installed_lines(title: str, where: str, events: tuple[str, ...]) -> str:
    return f"{title} hooks in {where}:\n" + "".join(f"  {name:<17} installed\n" for name in events)


CODEX_TRUST = (
    "Codex runs a new or changed hook only once you trust it: start codex in this repository and choose\n"
    '"Trust all and continue" when it says "Hooks need review", or review them with /hooks.\n'
    "Until then Codex skips them without a word (codex exec too).\n"
)


def removed_line(agent: str, where: str, events: tuple[str, ...]) -> str:
    return f"Removed {agent} hooks in {where} ({', '.join(events)})\n"


# --- round trips ---------------------------------------------------------------------------


def test_claude_local_round_trip_leaves_the_users_settings_byte_for_byte(repo: Path) -> None:
    settings = repo / ".claude/settings.local.json"
    settings.parent.mkdir()
    settings.write_text(USERS_SETTINGS)
    out = ok(repo, "agent", "install", "claude")
    assert out == installed_lines("Claude Code", ".claude/settings.local.json (not committed)", CLAUDE_EVENTS)
    merged = json.loads(settings.read_text())
    assert merged["permissions"] == {"allow": ["Bash(ls)", "Read"], "deny": []}
    assert list(merged) == ["permissions", "hooks", "model"]
    assert list(merged["hooks"]) == ["PreToolUse", "SessionStart", *CLAUDE_EVENTS[1:]]
    assert merged["hooks"]["SessionStart"][1] == hook_group("claude", "session-start")
    assert settings.read_text().startswith(USERS_SETTINGS[:200])  # the user's lines untouched
    assert not settings.read_text().endswith("\n")  # a missing final newline stays missing
    assert '\n                "matcher": "startup|resume|clear|compact",\n' in settings.read_text()  # their indent
    out = ok(repo, "agent", "uninstall", "claude")
    assert out == removed_line("claude", ".claude/settings.local.json", CLAUDE_EVENTS)
    assert settings.read_text() == USERS_SETTINGS
    assert not (repo / ".git/git-session/agents-installed").exists()


def test_claude_project_round_trip_with_tabs(repo: Path) -> None:
    settings = repo / ".claude/settings.json"
    settings.parent.mkdir()
    original = '{\n\t"permissions": {\n\t\t"allow": ["Bash(git status)"]\n\t},\n\t"hooks": {}\n}\n'
    settings.write_text(original)
    out = ok(repo, "agent", "install", "claude", "--project")
    assert out == installed_lines("Claude Code", ".claude/settings.json (committed)", CLAUDE_EVENTS)
    assert '\n\t\t"SessionStart": [\n\t\t\t{\n\t\t\t\t"matcher"' in settings.read_text()
    assert not (repo / ".claude/settings.local.json").exists()
    ok(repo, "agent", "uninstall", "claude", "--project")
    assert settings.read_text() == original


def test_codex_round_trip_in_codex_home(repo: Path, codex_home: Path) -> None:
    hooks = codex_home / "hooks.json"
    codex_home.mkdir()
    original = (
        '{\n  "hooks": {\n    "Stop": [\n      {"hooks": [{"type": "command", "command": "notify"}]}\n    ]\n  }\n}\n'
    )
    hooks.write_text(original)
    out = ok(repo, "agent", "install", "codex")
    assert out == installed_lines("Codex", f"{hooks} (yours, for every repository)", CLAUDE_EVENTS) + CODEX_TRUST
    assert json.loads(hooks.read_text())["hooks"]["Stop"][0] == {"hooks": [{"type": "command", "command": "notify"}]}
    assert ok(repo, "agent", "install", "codex") == (
        f"Codex hooks are already in {hooks} (yours, for every repository); nothing changed\n"
    )
    ok(repo, "agent", "uninstall", "codex")
    assert hooks.read_text() == original


def test_codex_without_codex_home_writes_the_home_folders_file_and_takes_it_away_again(repo: Path) -> None:
    home = Path(os.environ["HOME"])
    out = ok(repo, "agent", "install", "codex")
    assert out.startswith("Codex hooks in ~/.codex/hooks.json (yours, for every repository):\n")
    assert (home / ".codex/hooks.json").exists()
    ok(repo, "agent", "uninstall", "codex")
    assert not (home / ".codex").exists()  # install made the file and its folder


def test_gemini_local_names_the_file_it_created_in_info_exclude_and_uninstall_undoes_both(repo: Path) -> None:
    exclude = repo / ".git/info/exclude"
    exclude.parent.mkdir()
    exclude.write_text("# mine\n*.log")  # no final newline
    out = ok(repo, "agent", "install", "gemini")
    assert out == installed_lines("Gemini CLI", ".gemini/settings.json (not committed)", GEMINI_EVENTS) + (
        "Added /.gemini/settings.json to .git/info/exclude (Gemini CLI has no uncommitted project file)\n"
    )
    assert exclude.read_text() == "# mine\n*.log\n/.gemini/settings.json\n"
    assert git(repo, "status", "--porcelain") == ""
    entry = json.loads((repo / ".gemini/settings.json").read_text())["hooks"]["BeforeAgent"][0]
    assert entry == {
        "hooks": [
            {
                "name": "git-session",
                "type": "command",
                "command": hook_command("gemini", "prompt"),
                "timeout": 10000,
            }
        ]
    }
    out = ok(repo, "agent", "uninstall", "gemini")
    assert out == removed_line("gemini", ".gemini/settings.json", GEMINI_EVENTS) + (
        "Removed /.gemini/settings.json from .git/info/exclude\n"
    )
    assert exclude.read_text() == "# mine\n*.log"
    assert not (repo / ".gemini").exists()


def test_gemini_into_an_existing_settings_file_is_not_excluded_and_round_trips(repo: Path) -> None:
    settings = repo / ".gemini/settings.json"
    settings.parent.mkdir()
    original = '{"theme": "GitHub", "hooks": {"BeforeTool": [{"matcher": "write_file", "hooks": []}]}}\n'
    settings.write_text(original)
    out = ok(repo, "agent", "install", "gemini")
    assert out == installed_lines("Gemini CLI", ".gemini/settings.json (not committed)", GEMINI_EVENTS)
    assert not (repo / ".git/info/exclude").exists()
    assert settings.read_text().count("\n") == 1  # a one-line file stays on one line
    ok(repo, "agent", "uninstall", "gemini")
    assert settings.read_text() == original


def test_gemini_user_scope(repo: Path) -> None:
    settings = Path(os.environ["HOME"]) / ".gemini/settings.json"
    settings.parent.mkdir()
    original = '{\n  "security": {"auth": {"selectedType": "gemini-api-key"}}\n}\n'
    settings.write_text(original)
    out = ok(repo, "agent", "install", "gemini", "--user")
    assert out == installed_lines("Gemini CLI", "~/.gemini/settings.json (yours, for every repository)", GEMINI_EVENTS)
    ok(repo, "agent", "uninstall", "gemini", "--user")
    assert settings.read_text() == original


def test_a_new_file_is_created_with_its_folder_and_both_go_with_uninstall(repo: Path) -> None:
    ok(repo, "agent", "install", "claude")
    created = repo / ".claude/settings.local.json"
    assert json.loads(created.read_text()) == {
        "hooks": {name: [hook_group("claude", event)] for event, name in CLIENTS["claude"].hook_events.items()}
    }
    assert created.read_text().endswith("}\n")
    ok(repo, "agent", "uninstall", "claude")
    assert not (repo / ".claude").exists()


# --- installing twice, the handler already there -------------------------------------------


def test_installing_twice_changes_nothing_and_rewrites_nothing(repo: Path) -> None:
    settings = repo / ".claude/settings.local.json"
    settings.parent.mkdir()
    settings.write_text(USERS_SETTINGS)
    ok(repo, "agent", "install", "claude")
    before = settings.read_bytes(), os.stat(settings).st_ino, os.stat(settings).st_mtime_ns
    record = (repo / ".git/git-session/agents-installed").read_bytes()
    out = ok(repo, "agent", "install", "claude")
    assert out == "Claude Code hooks are already in .claude/settings.local.json (not committed); nothing changed\n"
    assert (settings.read_bytes(), os.stat(settings).st_ino, os.stat(settings).st_mtime_ns) == before
    assert (repo / ".git/git-session/agents-installed").read_bytes() == record


def test_an_identical_handler_already_present_counts_as_present_and_stays_after_uninstall(repo: Path) -> None:
    settings = repo / ".claude/settings.local.json"
    settings.parent.mkdir()
    theirs = {"hooks": [{"type": "command", "command": hook_command("claude", "prompt"), "timeout": 99}]}
    original = json.dumps({"hooks": {"UserPromptSubmit": [theirs]}}, indent=2) + "\n"
    settings.write_text(original)
    out = ok(repo, "agent", "install", "claude")
    events = tuple(e for e in CLAUDE_EVENTS if e != "UserPromptSubmit")
    assert out == installed_lines("Claude Code", ".claude/settings.local.json (not committed)", events) + (
        "  UserPromptSubmit  present\n"
    )
    ok(repo, "agent", "uninstall", "claude")
    assert settings.read_text() == original


# --- the user's edits, invalid files ---------------------------------------------------------


def test_an_entry_the_user_edited_survives_uninstall_and_is_named(repo: Path) -> None:
    ok(repo, "agent", "install", "claude")
    settings = repo / ".claude/settings.local.json"
    settings.write_text(settings.read_text().replace('"timeout": 30', '"timeout": 60'))
    out = ok(repo, "agent", "uninstall", "claude")
    others = tuple(e for e in CLAUDE_EVENTS if e != "PreCompact")
    assert out == removed_line("claude", ".claude/settings.local.json", others) + (
        "Kept claude hooks in .claude/settings.local.json: PreCompact changed since install\n"
    )
    edited = {"type": "command", "command": hook_command("claude", "pre-compact"), "timeout": 60}
    assert json.loads(settings.read_text()) == {"hooks": {"PreCompact": [{"hooks": [edited]}]}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{\n  "hooks": {\n    "Stop": []\n  \n', "is not valid JSON (line 5, column 1: Expecting ',' delimiter)"),
        ('{"a": 1,}', "is not valid JSON (line 1, column 9: Expecting property name enclosed in double quotes)"),
        ("[1, 2]\n", "does not hold a JSON object at its top level"),
        ('{"hooks": []}\n', 'has "hooks" that is not an object'),
    ],
)
def test_a_file_that_cannot_be_merged_into_is_refused_in_one_line_and_left_alone(
    repo: Path, text: str, message: str
) -> None:
    settings = repo / ".claude/settings.local.json"
    settings.parent.mkdir()
    settings.write_text(text)
    err = fails(repo, "agent", "install", "claude")
    first = err.splitlines()[0]
    if "has" in message:
        assert first == """git-session: "hooks" in .claude/settings.local.json is not an object; nothing changed"""
    else:
        assert first == f"git-session: .claude/settings.local.json {message}; nothing changed"
    assert err.splitlines()[1:] == ["hint: correct the file, or move it away, and run the command again"]
    assert settings.read_text() == text
    assert not (repo / ".git/git-session/agents-installed").exists()


def test_an_event_that_is_not_a_list_is_refused_before_anything_is_written(repo: Path) -> None:
    settings = repo / ".claude/settings.local.json"
    settings.parent.mkdir()
    text = '{"hooks": {"SessionStart": [], "Stop": {"oops": 1}}}'
    settings.write_text(text)
    err = fails(repo, "agent", "install", "claude", "--instructions")
    assert err.splitlines()[0] == (
        'git-session: "hooks"."Stop" in .claude/settings.local.json is not an array; nothing changed'
    )
    assert settings.read_text() == text
    assert not (repo / "CLAUDE.md").exists()


def test_the_files_mode_is_kept_and_a_symbolic_link_stays_one(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "dotfiles-settings.json"
    target.write_text('{"model": "opus"}\n')
    target.chmod(0o600)
    (repo / ".claude").mkdir()
    (repo / ".claude/settings.local.json").symlink_to(target)
    ok(repo, "agent", "install", "claude")
    assert (repo / ".claude/settings.local.json").is_symlink()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert "SessionStart" in target.read_text()
    ok(repo, "agent", "uninstall", "claude")
    assert target.read_text() == '{"model": "opus"}\n'
    assert (repo / ".claude/settings.local.json").is_symlink()


# --- the instructions block ------------------------------------------------------------------


def test_the_instructions_block_round_trip(repo: Path) -> None:
    notes = repo / "CLAUDE.md"
    notes.write_text("# Project\n\nUse tabs.")  # no final newline
    out = ok(repo, "agent", "install", "claude", "--instructions")
    assert out.endswith("Added the git-session block to CLAUDE.md\n")
    assert notes.read_text() == "# Project\n\nUse tabs.\n\n" + instructions.BLOCK
    assert "git session decision add" in notes.read_text()
    again = ok(repo, "agent", "install", "claude", "--instructions")
    assert again == (
        "Claude Code hooks are already in .claude/settings.local.json (not committed); nothing changed\n"
        "The git-session block is already in CLAUDE.md\n"
    )
    out = ok(repo, "agent", "uninstall", "claude")
    assert out.endswith("Removed the git-session block in CLAUDE.md\n")
    assert notes.read_text() == "# Project\n\nUse tabs."


def test_an_instructions_file_install_created_goes_and_an_edited_block_stays(repo: Path) -> None:
    ok(repo, "agent", "install", "codex", "--instructions")
    assert (repo / "AGENTS.md").read_text() == instructions.BLOCK
    ok(repo, "agent", "uninstall", "codex")
    assert not (repo / "AGENTS.md").exists()
    ok(repo, "agent", "install", "gemini", "--instructions")
    gemini = repo / "GEMINI.md"
    gemini.write_text(gemini.read_text().replace("Blocked:", "Stuck:"))
    out = ok(repo, "agent", "uninstall", "gemini")
    assert out.endswith("Kept the git-session block in GEMINI.md (changed since install)\n")
    assert "Stuck:" in gemini.read_text()


def test_the_block_between_the_users_text_is_cut_with_its_blank_line(repo: Path) -> None:
    notes = repo / "AGENTS.md"
    notes.write_text("# Agents\n")
    ok(repo, "agent", "install", "codex", "--instructions")
    notes.write_text(notes.read_text() + "\n## Later notes\n")
    ok(repo, "agent", "uninstall", "codex")
    assert notes.read_text() == "# Agents\n\n## Later notes\n"


# --- user files shared by repositories -------------------------------------------------------


def test_a_user_file_shared_by_two_repositories_stays_until_the_last_uninstalls(
    tmp_path: Path, codex_home: Path
) -> None:
    first, second = make_repo(tmp_path, "first"), make_repo(tmp_path, "second")
    codex_home.mkdir()
    hooks = codex_home / "hooks.json"
    hooks.write_text('{"hooks": {}}')
    ok(first, "agent", "install", "codex")
    out = ok(second, "agent", "install", "codex")
    assert out == f"Codex hooks are already in {hooks} (yours, for every repository); nothing changed\n"
    out = ok(first, "agent", "uninstall", "codex")
    assert out == f"Kept codex hooks in {hooks} (still used by 1 other repositories)\n"
    assert "SessionStart" in hooks.read_text()
    out = ok(second, "agent", "uninstall", "codex")
    assert out == removed_line("codex", str(hooks), CLAUDE_EVENTS)
    assert hooks.read_text() == '{"hooks": {}}'


def test_a_repository_that_is_gone_no_longer_holds_a_shared_file(tmp_path: Path, codex_home: Path) -> None:
    first, second = make_repo(tmp_path, "first"), make_repo(tmp_path, "second")
    ok(first, "agent", "install", "codex")
    ok(second, "agent", "install", "codex")
    git(tmp_path, "-C", str(second), "status")
    import shutil

    shutil.rmtree(second)
    ok(first, "agent", "uninstall", "codex")
    assert not (codex_home / "hooks.json").exists()


# --- status ------------------------------------------------------------------------------------


def test_status_whole_output(repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git-session").write_text("#!/bin/sh\n")
    (bin_dir / "git-session").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert ok(repo, "agent", "status") == (
        "Claude Code: not installed\n"
        "  instructions: CLAUDE.md: git-session block absent\n"
        "Codex: not installed\n"
        "  instructions: AGENTS.md: git-session block absent\n"
        "Gemini CLI: not installed\n"
        "  instructions: GEMINI.md: git-session block absent\n"
    )
    ok(repo, "agent", "install", "claude", "--instructions")
    shared = repo / ".gemini/settings.json"  # a teammate's committed file, with our hooks
    shared.parent.mkdir()
    shared.write_text(json.dumps({"hooks": {"SessionStart": [hook_group("gemini", "session-start")]}}))
    assert ok(repo, "agent", "status") == (
        "Claude Code:\n"
        "  .claude/settings.local.json (local)\n"
        f"    events: {' '.join(CLAUDE_EVENTS)}\n"
        "  instructions: CLAUDE.md: git-session block present\n"
        "  warning: the hook shim is not written yet: the hooks run Python until one writes it\n"
        "Codex: not installed\n"
        "  instructions: AGENTS.md: git-session block absent\n"
        "Gemini CLI:\n"
        "  .gemini/settings.json (local, not by this repository's install)\n"
        "    events: SessionStart\n"
        "  instructions: GEMINI.md: git-session block absent\n"
    )


def test_status_names_a_recorded_file_gone_bad_and_git_session_missing_from_path(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ok(repo, "agent", "install", "claude")
    (repo / ".git/git-session/agent-hook").write_text("# the shim\n")
    (repo / ".claude/settings.local.json").write_text("{")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = run(repo, "agent", "status").stdout
    assert out.startswith(
        "Claude Code:\n"
        "  .claude/settings.local.json (local)\n"
        "    .claude/settings.local.json is not valid JSON (line 1, column 2: Expecting property name enclosed in"
        " double quotes); nothing changed\n"
        "  instructions: CLAUDE.md: git-session block absent\n"
        "  problem: .claude/settings.local.json is not valid JSON (line 1, column 2: Expecting property name enclosed"
        " in double quotes)\n"
        "  problem: git-session is not on PATH: the agent's hooks silently do nothing without it\n"
        "Codex: not installed\n"
    )


# --- facts ---------------------------------------------------------------------------------------


def test_the_command_lines_agents_are_the_clients() -> None:
    from git_session.cli import agent_setup

    assert agent_setup.AGENTS == AGENT_NAMES


def test_each_event_has_a_timeout_and_gemini_counts_milliseconds() -> None:
    assert set(TIMEOUTS) == {e for c in CLIENTS.values() for e in c.hook_events}
    assert hook_group("claude", "stop") == {
        "hooks": [{"type": "command", "command": hook_command("claude", "stop"), "timeout": 5}]
    }
    assert hook_group("gemini", "session-end")["hooks"] == [
        {"name": "git-session", "type": "command", "command": hook_command("gemini", "session-end"), "timeout": 3000}
    ]


def test_a_bare_repository_is_refused(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--bare", "bare.git")
    err = fails(tmp_path / "bare.git", "agent", "install", "claude")
    assert err.splitlines()[0].startswith("git-session: ")


def test_a_gemini_settings_file_with_comments_keeps_them_and_round_trips(repo: Path) -> None:
    """Gemini CLI reads // and /* */ comments in its settings (seen on 0.61.0): they are kept."""
    settings = repo / ".gemini/settings.json"
    settings.parent.mkdir()
    original = '{\n  // my theme\n  "theme": "GitHub", /* "hooks": {} */\n  "url": "http://x//y"\n}\n'
    settings.write_text(original)
    ok(repo, "agent", "install", "gemini")
    assert settings.read_text().startswith('{\n  // my theme\n  "theme": "GitHub", /* "hooks": {} */\n')
    assert ok(repo, "agent", "install", "gemini").endswith("nothing changed\n")
    ok(repo, "agent", "uninstall", "gemini")
    assert settings.read_text() == original


def test_a_claude_settings_file_with_a_comment_is_refused_as_claude_code_would(repo: Path) -> None:
    settings = repo / ".claude/settings.local.json"
    settings.parent.mkdir()
    settings.write_text('{\n  // no\n  "model": "opus"\n}\n')
    err = fails(repo, "agent", "install", "claude")
    assert err.splitlines()[0] == (
        "git-session: .claude/settings.local.json is not valid JSON "
        "(line 2, column 3: Expecting property name enclosed in double quotes); nothing changed"
    )


# --- the record, edited by hand ----------------------------------------------------------------


def test_a_record_edited_by_hand_removes_nothing_it_did_not_add(repo: Path, tmp_path: Path) -> None:
    settings = repo / ".claude/settings.local.json"
    settings.parent.mkdir()
    settings.write_text('{"permissions": {}}\n')
    ok(repo, "agent", "install", "claude")
    record = repo / ".git/git-session/agents-installed"
    data = json.loads(record.read_text())
    elsewhere = tmp_path / "empty-folder"
    elsewhere.mkdir()
    data["installs"][0]["added"]["created"].append(["permissions"])
    data["installs"][0]["folders"] = [str(elsewhere)]
    data["installs"][0]["added"]["created_file"] = True
    record.write_text(json.dumps(data))
    ok(repo, "agent", "uninstall", "claude")
    assert settings.read_text() == '{"permissions": {}}\n'
    assert elsewhere.is_dir()


def test_a_record_that_is_not_json_is_no_record(repo: Path) -> None:
    (repo / ".git/git-session").mkdir(parents=True)
    (repo / ".git/git-session/agents-installed").write_text("{not json")
    assert ok(repo, "agent", "uninstall", "claude") == "no claude hooks were installed here: nothing to remove\n"
    assert ok(repo, "agent", "install", "claude").startswith("Claude Code hooks in .claude/settings.local.json")


def test_project_and_user_exclude_each_other(repo: Path) -> None:
    err = fails(repo, "agent", "install", "claude", "--project", "--user", code=2)
    assert err.splitlines()[0] == "git-session: --project and --user exclude each other"
    assert not (repo / ".claude").exists()


def test_hooks_installed_in_a_linked_work_tree_go_with_uninstall_run_from_the_main_one(
    repo: Path, tmp_path: Path
) -> None:
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", "-b", "side", str(linked))
    ok(linked, "agent", "install", "claude")
    assert (linked / ".claude/settings.local.json").exists()
    out = ok(repo, "uninstall")
    assert out.endswith(
        f"Removed claude hooks in {linked / '.claude/settings.local.json'} ({', '.join(CLAUDE_EVENTS)})\n"
    )
    assert not (linked / ".claude").exists()


def test_a_copy_of_the_repository_leaves_the_originals_files_alone(repo: Path, tmp_path: Path) -> None:
    import shutil

    ok(repo, "agent", "install", "claude")
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, symlinks=True)
    shutil.rmtree(copy / ".claude")
    result = run(copy, "agent", "uninstall", "claude")
    assert result.exit_code == 1
    assert result.stdout == (
        f"Failed claude hooks in {repo / '.claude/settings.local.json'}: "
        f"{repo / '.claude/settings.local.json'} is in none of this repository's work trees: left alone\n"
    )
    assert (repo / ".claude/settings.local.json").exists()


def test_through_the_real_entry_point(repo: Path) -> None:
    from tests.helpers import subprocess_cli

    done = subprocess_cli(repo, "agent", "install", "codex", "--project")
    assert done.returncode == 0, done.stderr
    assert done.stdout == installed_lines("Codex", ".codex/hooks.json (committed)", CLAUDE_EVENTS) + (
        "Codex runs a new or changed hook only once you trust it: start codex in this repository and choose\n"
        '"Trust all and continue" when it says "Hooks need review", or review them with /hooks'
        " (and trust the project: Codex reads .codex/ only in trusted projects).\n"
        "Until then Codex skips them without a word (codex exec too).\n"
    )
    done = subprocess_cli(repo, "agent", "uninstall", "codex", "--project")
    assert (done.returncode, done.stdout) == (0, removed_line("codex", ".codex/hooks.json", CLAUDE_EVENTS))
    assert not (repo / ".codex").exists()


def test_a_local_file_git_tracks_is_said_to_be_committed(repo: Path) -> None:
    settings = repo / ".gemini/settings.json"  # Gemini's local file is the project's: a team may commit it
    settings.parent.mkdir()
    settings.write_text("{}\n")
    git(repo, "add", ".gemini/settings.json")
    git(repo, "commit", "-q", "-m", "gemini settings")
    out = ok(repo, "agent", "install", "gemini")
    assert out == installed_lines(
        "Gemini CLI", ".gemini/settings.json (tracked by git: commits take the hooks along)", GEMINI_EVENTS
    )
    assert not (repo / ".git/info/exclude").exists()
