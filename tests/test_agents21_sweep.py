"""Round 21's sweep of the agent integrations and the MCP server: what an odd set-up or a
hostile input found (each test fails on 304df2c)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mcp import ClientSession

from tests.helpers import as_json, fails, git, ok, run, subprocess_cli
from tests.mcpclient import error
from tests.test_i13_mcp import drive

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


def test_uninstall_takes_our_hooks_out_of_a_claude_folder_that_links_to_the_users_dotfiles(
    repo: Path, tmp_path: Path
) -> None:
    dotfiles = tmp_path / "dotfiles" / "claude"
    dotfiles.mkdir(parents=True)
    (dotfiles / "settings.local.json").write_text('{"permissions": {"allow": []}}\n')
    (repo / ".claude").symlink_to(dotfiles)
    ok(repo, "agent", "install", "claude", "--mcp")
    result = run(repo, "agent", "uninstall", "claude")
    assert result.exit_code == 0, result.output  # "in none of this repository's work trees": never taken out
    assert "Failed" not in result.stdout
    assert (dotfiles / "settings.local.json").read_text() == '{"permissions": {"allow": []}}\n'
    assert (repo / ".claude").is_symlink()


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


# --- the MCP tools check their texts as the command line does -------------------------------


def test_the_mcp_tools_refuse_blank_texts_and_too_many_alternatives_as_the_command_line_does(repo: Path) -> None:
    ok(repo, "start", "Blank")
    before = as_json(repo, "show")
    too_many = [f"option {i}" for i in range(1001)]

    async def scenario(session: ClientSession) -> None:
        assert await error(session, "record", kind="note", text="  \n") == "git-session: the text is empty"
        assert await error(session, "record", kind="decision", text="") == "git-session: the text is empty"
        assert await error(session, "checkpoint", label="") == "git-session: the label is empty"
        assert await error(session, "checkpoint", decision=" ") == "git-session: the decision is empty"
        # Refused on reading it back, with a hint about the clock: a one-line input error instead.
        assert await error(session, "record", kind="decision", text="d", alternatives=too_many) == (
            "git-session: alternatives: 1001 given; the limit is 1000"
        )

    drive(repo, scenario)
    assert as_json(repo, "show") == before


def test_the_command_line_refuses_too_many_alternatives_or_tasks_in_one_line(repo: Path) -> None:
    ok(repo, "start", "Lists")
    alternatives = [arg for i in range(1001) for arg in ("--alternative", f"a{i}")]
    assert fails(repo, "decision", "add", "d", *alternatives) == (
        "git-session: alternatives: 1001 given; the limit is 1000\n"
    )
    git(repo, "checkout", "-q", "-b", "other")
    tasks = [arg for i in range(1001) for arg in ("--task", f"T-{i}")]
    assert fails(repo, "start", "Tasks", *tasks) == "git-session: tasks: 1001 given; the limit is 1000\n"


# --- Codex's config.toml: the server's table never takes the user's keys ---------------------

DOTTED = 'mcp_servers.docs.command = "docs-server"\nmodel = "gpt-5"\n'


def _codex_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    """Codex's config.toml holding ``text``, in a CODEX_HOME of this test's own."""
    home = tmp_path / "codex-home"
    monkeypatch.setenv("CODEX_HOME", str(home))
    home.mkdir()
    config = home / "config.toml"
    config.write_text(text)
    return config


def test_a_table_added_after_dotted_server_keys_leaves_the_top_level_keys_where_they_were(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tomlkit

    config = _codex_config(tmp_path, monkeypatch, DOTTED)
    ok(repo, "agent", "install", "codex", "--mcp")
    # tomlkit put [mcp_servers.git-session] between the two lines: "model" became the server's.
    servers = {"docs": {"command": "docs-server"}, "git-session": {"command": "git", "args": ["session", "mcp"]}}
    assert tomlkit.parse(config.read_text()).unwrap() == {"mcp_servers": servers, "model": "gpt-5"}
    assert "already registered in" in ok(repo, "agent", "install", "codex", "--mcp")  # nothing added again
    assert config.read_text().count("[mcp_servers.git-session]") == 1
    ok(repo, "agent", "uninstall", "codex")
    assert config.read_text() == DOTTED


# --- a hook run where no session can be ---------------------------------------------------


@pytest.mark.parametrize("where", ["bare", "detached"])
def test_a_hook_in_a_bare_repository_or_on_a_detached_head_writes_nothing(
    repo: Path, tmp_path: Path, where: str
) -> None:
    if where == "bare":
        target = tmp_path / "bare.git"
        git(tmp_path, "clone", "-q", "--bare", str(repo), str(target))
    else:
        target = repo
        git(repo, "checkout", "-q", "--detach")
    folder = (target if where == "bare" else repo / ".git") / "git-session"
    before = sorted(p.relative_to(folder) for p in folder.rglob("*")) if folder.exists() else []
    for event in ("session-start", "prompt", "pre-compact", "subagent-stop"):
        done = subprocess_cli(target, "agent", "hook", "claude", event, input='{"session_id": "s-1"}')
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    after = sorted(p.relative_to(folder) for p in folder.rglob("*")) if folder.exists() else []
    assert after == before  # it made git-session/agents/claude/ (every command then took claude as in use)


# --- review: odd but valid TOML, and a copy's view of the original's linked work trees ------


def test_a_codex_config_toml_holding_nan_still_takes_the_server(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = 'model = "gpt-5"\n\n[profiles.calm]\ntemperature = nan\n'
    config = _codex_config(tmp_path, monkeypatch, text)
    ok(repo, "agent", "install", "codex", "--mcp")  # nan != nan: "cannot be added without changing other settings"
    assert "[mcp_servers.git-session]" in config.read_text()
    ok(repo, "agent", "uninstall", "codex")
    assert config.read_text() == text


def test_uninstall_in_a_copy_leaves_the_originals_linked_work_tree_alone(repo: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", str(linked))
    ok(linked, "agent", "install", "claude", "--mcp", "--instructions")
    files = [".mcp.json", "CLAUDE.md", ".claude/settings.local.json"]
    before = {name: (linked / name).read_bytes() for name in files}
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, symlinks=True)  # its .git/worktrees still names the original's linked one
    result = run(copy, "agent", "uninstall", "claude")
    assert result.exit_code == 1
    assert result.stdout.count("is in none of this repository's work trees: left alone") == 4
    assert {name: (linked / name).read_bytes() for name in files} == before
    assert "Failed" not in ok(linked, "agent", "uninstall", "claude")
    assert not [name for name in files if (linked / name).exists()]


def test_a_checkpoint_named_after_a_branch_that_is_not_utf8_is_one_line_not_a_crash(repo: Path) -> None:
    ok(repo, "start", "Work")
    session = as_json(repo, "show")["id"]
    git(repo, "switch", "-q", "-c", "caf\udce9")  # the byte 0xe9, as Python reads it from git
    before = as_json(repo, "show", "--session", session)
    # The default label names the branch: its text was no longer checked (an internal error).
    assert fails(repo, "checkpoint", "--session", session).startswith("git-session: label is not valid UTF-8\n")
    assert as_json(repo, "show", "--session", session) == before


def test_uninstall_after_the_linked_work_tree_installed_in_was_removed_finds_its_files_absent(
    repo: Path, tmp_path: Path
) -> None:
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", str(linked))
    ok(linked, "agent", "install", "claude", "--mcp", "--instructions")
    git(repo, "worktree", "remove", "--force", str(linked))
    # Each file was 'in none of this repository's work trees': a failure at every uninstall, for ever.
    assert "Failed" not in ok(repo, "agent", "uninstall", "claude")
    assert "nothing to remove" in ok(repo, "agent", "uninstall", "claude")  # and the record let them go


# --- a symbolic link the repository commits never leads our writes out of the work tree ------


def _commit_link(repo: Path, name: str, target: str) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).symlink_to(target)
    git(repo, "add", "-f", name)  # (install names some in .git/info/exclude)
    git(repo, "commit", "-q", "-m", f"link {name}")


LEADS_OUT = "is a symbolic link committed in this repository leading out of its work tree: nothing written through it"


CLAUDE_LINKS = {"CLAUDE.md": "../victimrc", ".claude/settings.local.json": "../../victim-settings.json"}


@pytest.mark.parametrize(
    ("options", "links"),
    [
        (["--instructions"], ["CLAUDE.md"]),
        ([], [".claude/settings.local.json"]),
        (["--instructions", "--mcp"], [*CLAUDE_LINKS]),
    ],
)
def test_install_refuses_claude_files_committed_as_links_out_of_the_work_tree(
    repo: Path, tmp_path: Path, options: list[str], links: list[str]
) -> None:
    (tmp_path / "victimrc").write_text("export PATH=/usr/bin\n")
    (tmp_path / "victim-settings.json").write_text("{}\n")
    for link in links:
        _commit_link(repo, link, CLAUDE_LINKS[link])
    outside = _outside(tmp_path, repo)
    # The instructions block went into victimrc, the hooks and the MCP approval into victim-settings.json.
    assert fails(repo, "agent", "install", "claude", *options) == f"git-session: {links[-1]} {LEADS_OUT}\n"
    assert _outside(tmp_path, repo) == outside
    assert git(repo, "status", "--porcelain", "--ignored", "--untracked-files=all") == ""  # nothing in the work tree
    assert "nothing to remove" in ok(repo, "agent", "uninstall", "claude")  # nothing was recorded either


@pytest.mark.parametrize(
    ("agent", "link", "file", "options"),
    [
        ("codex", "AGENTS.md", "victim", ["--instructions"]),
        ("codex", ".codex", "victim/config.toml", ["--mcp", "--project"]),
        ("gemini", "GEMINI.md", "victim", ["--instructions"]),
        ("gemini", ".gemini", "victim/settings.json", ["--mcp"]),
    ],
)
def test_install_refuses_other_clients_files_and_folders_committed_as_links_out(
    repo: Path, tmp_path: Path, agent: str, link: str, file: str, options: list[str]
) -> None:
    victim = tmp_path / file
    victim.parent.mkdir(parents=True, exist_ok=True)
    victim.write_text("# the user's own\n")
    _commit_link(repo, link, "../victim")
    outside = _outside(tmp_path, repo)
    assert fails(repo, "agent", "install", agent, *options) == f"git-session: {link} {LEADS_OUT}\n"
    assert _outside(tmp_path, repo) == outside == {victim: b"# the user's own\n"}
    assert git(repo, "status", "--porcelain", "--ignored", "--untracked-files=all") == ""


def _outside(folder: Path, repo: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and repo not in p.parents}


def test_uninstall_leaves_a_file_alone_that_a_pulled_commit_made_a_link_out_of_the_work_tree(
    repo: Path, tmp_path: Path
) -> None:
    ok(repo, "agent", "install", "claude", "--instructions")
    victim = tmp_path / "victimrc"
    block = (repo / "CLAUDE.md").read_bytes()
    victim.write_bytes(block)  # holds the very block install recorded
    (repo / "CLAUDE.md").unlink()
    _commit_link(repo, "CLAUDE.md", "../victimrc")
    result = run(repo, "agent", "uninstall", "claude")
    assert result.exit_code == 1
    assert f"CLAUDE.md {LEADS_OUT}" in result.stdout
    assert victim.read_bytes() == block


def test_a_committed_link_inside_the_work_tree_and_the_users_own_link_out_are_still_written_through(
    repo: Path, tmp_path: Path
) -> None:
    (repo / "AGENTS.md").write_text("# Agents\n")
    _commit_link(repo, "CLAUDE.md", "AGENTS.md")  # a common set-up: one instructions file for every client
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (repo / ".claude").symlink_to(dotfiles)  # the user's own link, untracked
    ok(repo, "agent", "install", "claude", "--instructions", "--mcp")
    assert "git-session" in (repo / "AGENTS.md").read_text()
    assert "hooks" in (dotfiles / "settings.local.json").read_text()
    assert "Failed" not in ok(repo, "agent", "uninstall", "claude")
    assert (repo / "AGENTS.md").read_text() == "# Agents\n" and (repo / "CLAUDE.md").is_symlink()


def test_doctor_fix_puts_nothing_back_through_a_committed_link_out_of_the_work_tree(repo: Path, tmp_path: Path) -> None:
    ok(repo, "agent", "install", "claude", "--mcp")
    (repo / ".mcp.json").unlink()
    victim = tmp_path / "victim.json"
    victim.write_text("{}\n")
    _commit_link(repo, ".mcp.json", "../victim.json")
    result = run(repo, "doctor", "--fix")
    assert "put back the claude MCP server" not in result.stdout
    assert victim.read_text() == "{}\n"


def test_uninstall_from_another_work_tree_leaves_alone_a_file_its_linked_one_commits_as_a_link_out(
    repo: Path, tmp_path: Path
) -> None:
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", str(linked))
    ok(linked, "agent", "install", "claude", "--instructions")
    victim = tmp_path / "victimrc"
    block = (linked / "CLAUDE.md").read_bytes()
    victim.write_bytes(block)  # holds the very block install recorded
    (linked / "CLAUDE.md").unlink()
    _commit_link(linked, "CLAUDE.md", "../victimrc")  # in the linked work tree's index, not this one's
    result = run(repo, "agent", "uninstall", "claude")
    assert result.exit_code == 1
    assert f"CLAUDE.md {LEADS_OUT}" in result.stdout
    assert victim.read_bytes() == block
