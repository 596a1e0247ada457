"""Review of ``git session mcp``: what an agent's arguments can hold that the command line's
cannot (a NUL in a decision's rationale or a resolution, a text over the limit) is refused
with the command line's one-line message, and the server keeps serving."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

from git_session import trailers
from git_session.gitrepo import Repo
from tests.helpers import as_json, fails, git, ok
from tests.mcpclient import connect, error
from tests.mcpclient import ok as call
from tests.test_i12_hooks import prompt, start

NUL_HINT = "hint: take it out: git cannot keep it in a commit message"
INLINE = 'mcp_servers = { docs = { command = "docs-server" } }\n'
LONG_HINT = "hint: keep long material in a file and record its path (record, kind: source)"


def test_arguments_git_cannot_keep_are_refused_by_name_and_the_server_goes_on(repo: Path) -> None:
    ok(repo, "start", "Arguments")
    ok(repo, "blocker", "add", "waiting")
    blocker = as_json(repo, "blocker", "list")[0]["id"][:6]
    long = "y" * 1_100_000

    async def main() -> None:
        async with connect(repo) as session:
            refused = [
                await error(session, "record", kind="decision", text="d", rationale="x\x00y"),
                await error(session, "record", kind="decision", text="d", alternatives=["a\x00"]),
                await error(session, "record", kind="decision", text="d", rationale=long),
                await error(session, "change", id=blocker, action="resolve", note="x\x00y"),
                await error(session, "change", id=blocker, action="resolve", note=long),
            ]
            assert refused == [
                f"git-session: rationale contains a NUL character\n{NUL_HINT}",
                f"git-session: alternatives contains a NUL character\n{NUL_HINT}",
                f"git-session: rationale is 1100000 bytes; the limit is 1048576 bytes\n{LONG_HINT}",
                f"git-session: note contains a NUL character\n{NUL_HINT}",
                f"git-session: note is 1100000 bytes; the limit is 1048576 bytes\n{LONG_HINT}",
            ]
            assert (await call(session, "change", id=blocker, action="resolve", note="it came")).startswith("Blocker")

    anyio.run(main)
    shown = as_json(repo, "show")
    assert (shown.get("decisions", []), shown["blockers"][0]["resolution"]) == ([], "it came")


def test_a_running_server_reads_the_configuration_again_at_each_call(repo: Path) -> None:
    """Nothing of the repository is kept between calls: git's configuration, which an opened
    repository caches, is read again (a workspace kept from an earlier call rendered the
    commit trailers with the key configured before)."""
    ok(repo, "start", "Configured")
    ok(repo, "install")
    cache = trailers.cache_path(Repo.discover(str(repo)), "main")
    assert cache is not None

    async def main() -> None:
        async with connect(repo) as session:
            await call(session, "record", kind="note", text="before")
            assert "keys Session-Id Session-Objectives Decisions" in cache.read_text().splitlines()
            git(repo, "config", "session.trailer.id", "Work-Session")
            await call(session, "record", kind="note", text="after")
            assert "keys Work-Session Session-Objectives Decisions" in cache.read_text().splitlines()

    anyio.run(main)


def test_codex_servers_in_an_inline_table_are_refused_not_a_crash(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "codex-home"
    home.mkdir()
    monkeypatch.setenv("CODEX_HOME", str(home))
    config = home / "config.toml"
    config.write_text(INLINE)
    assert fails(repo, "agent", "install", "codex", "--mcp") == (
        f'git-session: "mcp_servers" in {config} is an inline table; nothing changed\n'
        "hint: write its servers as [mcp_servers.NAME] tables, and run the command again\n"
    )
    assert config.read_text() == INLINE
    assert [p.name for p in home.iterdir()] == ["config.toml"]  # the hooks not installed either


def test_a_registration_refused_leaves_the_hooks_out_too_as_its_message_says(repo: Path) -> None:
    theirs = '{"mcpServers": {"git-session": {"command": "something-else"}}}'
    (repo / ".mcp.json").write_text(theirs)
    assert fails(repo, "agent", "install", "claude", "--mcp") == (
        "git-session: .mcp.json registers another MCP server named 'git-session'; nothing changed\n"
        "hint: remove or rename it, and run the command again\n"
    )
    assert sorted(p.name for p in repo.iterdir()) == [".git", ".mcp.json", "README"]
    assert ok(repo, "agent", "status").startswith("Claude Code: not installed\n")


def test_a_codex_config_with_crlf_line_ends_gets_its_table_in_crlf(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the JSON settings do (issue 12): no LF lines among the CRLF ones of a file edited on
    Windows, and the file given back byte for byte."""
    home = tmp_path / "codex-home"
    home.mkdir()
    monkeypatch.setenv("CODEX_HOME", str(home))
    config = home / "config.toml"
    config.write_bytes(b'model = "o3"\r\n\r\n[features]\r\nplugins = false\r\n')
    ok(repo, "agent", "install", "codex", "--mcp")
    assert config.read_bytes() == (
        b'model = "o3"\r\n\r\n[features]\r\nplugins = false\r\n\r\n'
        b'[mcp_servers.git-session]\r\ncommand = "git"\r\nargs = ["session", "mcp"]\r\n'
    )
    ok(repo, "agent", "uninstall", "codex")
    assert config.read_bytes() == b'model = "o3"\r\n\r\n[features]\r\nplugins = false\r\n'


def test_uninstall_gives_back_an_empty_servers_object_and_a_missing_final_newline(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the files of the MCP install tests did not hold: the inside of an empty object
    (kept as it was written), a TOML file without a final newline."""
    settings = repo / ".gemini/settings.json"
    settings.parent.mkdir()
    original = '{\n  "mcpServers": {\n  }\n}'
    settings.write_text(original)
    ok(repo, "agent", "install", "gemini", "--mcp")
    ok(repo, "agent", "uninstall", "gemini")
    assert settings.read_text() == original
    home = tmp_path / "codex-home"
    home.mkdir()
    monkeypatch.setenv("CODEX_HOME", str(home))
    config = home / "config.toml"
    config.write_text('model = "o3"')
    ok(repo, "agent", "install", "codex", "--mcp")
    ok(repo, "agent", "uninstall", "codex")
    assert config.read_text() == 'model = "o3"'


TOKEN = "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789"  # a GitHub token's shape


def test_what_the_server_answers_has_its_secrets_masked_as_the_hooks_inject_it(repo: Path) -> None:
    """The tools' answers go to the agent's model provider, as the hooks' context does: a
    secret recorded in the session went out whole through read, handoff and the resources."""
    ok(repo, "start", "Tokens")
    ok(repo, "discovery", "add", f"the staging token is {TOKEN}")
    brief = ok(repo, "brief").rstrip("\n")
    assert TOKEN in brief

    async def main() -> None:
        async with connect(repo) as session:
            assert await call(session, "read", view="brief") == brief.replace(TOKEN, "[redacted]")
            answers = [
                await call(session, "read", view="show"),
                await call(session, "handoff"),
                await call(session, "handoff", format="json"),
                await call(session, "record", kind="objective", text=f"rotate {TOKEN}"),
            ]
            resource = await session.read_resource("git-session://handoff")
            answers += [getattr(c, "text", "") for c in resource.contents]
            objective = as_json(repo, "objective", "list")[0]["id"][:6]
            answers.append(await call(session, "change", id=objective, action="done"))
            assert [TOKEN in a for a in answers] == [False] * 6
            assert ["[redacted]" in a for a in answers] == [True, True, True, False, True, True]

    anyio.run(main)


def test_the_command_line_refuses_a_rationale_alternative_or_note_not_in_utf8(repo: Path) -> None:
    """The same check on the command line, whose arguments come surrogate-escaped: a byte
    that is not UTF-8 in a decision's rationale or alternative was an internal error."""
    ok(repo, "start", "Bytes")
    ok(repo, "blocker", "add", "waiting")
    blocker = as_json(repo, "blocker", "list")[0]["id"][:6]
    utf8 = "hint: pass the text in UTF-8\n"
    assert fails(repo, "decision", "add", "D", "--rationale", "a\udcff") == (
        f"git-session: rationale is not valid UTF-8\n{utf8}"
    )
    assert fails(repo, "decision", "add", "D", "--alternative", "a\udcff") == (
        f"git-session: alternatives is not valid UTF-8\n{utf8}"
    )
    assert fails(repo, "blocker", "resolve", blocker, "--note", "a\udcff") == (
        f"git-session: note is not valid UTF-8\n{utf8}"
    )
    assert as_json(repo, "show")["blockers"][0]["status"] == "open"


def test_a_write_of_the_server_renders_the_agents_hook_answers_again(repo: Path, tmp_path: Path) -> None:
    """As every command does: the hooks' shim answers from its cache alone after a write made
    through the server (it found the cache stale, and without git-session on PATH said nothing)."""
    ok(repo, "start", "Fix the sweep")
    folder = tmp_path / "bin"  # a git-session for the first hook run, which writes the shim and its cache
    folder.mkdir()
    (folder / "git-session").write_text(f'#!/bin/sh\nexec {sys.executable} -m git_session "$@"\n')
    (folder / "git-session").chmod(0o755)
    start(repo, "claude", "s-1", folder)
    assert start(repo, "claude", "s-2", None) != b""  # the shim alone

    async def main() -> None:
        async with connect(repo) as client:
            await call(client, "record", kind="objective", text="make the sweep atomic")

    anyio.run(main)
    answered = prompt(repo, "claude", "s-3", "where were we", None)
    assert "make the sweep atomic" in json.loads(answered)["hookSpecificOutput"]["additionalContext"]
