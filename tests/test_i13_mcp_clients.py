"""``git session mcp`` with real MCP clients, offline: the MCP Inspector's CLI mode lists and
calls the tools, and Claude Code, run against the fake model API on loopback, offers the
tools to the model and runs the one the model calls, which lands in the session."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.agentclients import AGENTS_DIR, INSTALLER, AgentClient
from tests.fakeapi import FakeModelAPI
from tests.helpers import as_json, needed_tool, ok
from tests.mcpclient import server_env

INSPECTOR = "@modelcontextprotocol/inspector"
SHORT = "[0-9a-hjkmnp-tv-z]{4,}"
TOOLS = ["read", "record", "change", "checkpoint", "handoff", "sessions"]


def inspector_binary() -> Path:
    """The Inspector in the test cache, at the version .ci/install-test-tools pins."""
    binary = Path(
        needed_tool(str(AGENTS_DIR / "node_modules" / ".bin" / "mcp-inspector"), ".ci/install-test-tools mcp")
    )
    pinned = re.search(re.escape(INSPECTOR) + r"@([0-9][0-9.]*)\s", INSTALLER.read_text())
    assert pinned is not None, f"{INSTALLER} pins no {INSPECTOR}"
    installed = json.loads((AGENTS_DIR / "node_modules" / INSPECTOR / "package.json").read_text())["version"]
    assert installed == pinned.group(1), f"{INSPECTOR} {installed} in {AGENTS_DIR}: run .ci/install-test-tools mcp"
    return binary


def inspect(repo: Path, *args: str) -> Any:
    """``mcp-inspector --cli git session mcp ARGS`` (the server gets the test's environment):
    what it printed, as JSON."""
    argv = [str(inspector_binary()), "--cli", "git", "session", "mcp", *args]
    done = subprocess.run(
        argv, cwd=repo, env=server_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, f"{argv} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout)


@pytest.mark.slow
def test_the_inspector_lists_and_calls_the_tools(repo: Path) -> None:
    ok(repo, "start", "Inspected")
    listed = inspect(repo, "--method", "tools/list")
    assert [tool["name"] for tool in listed["tools"]] == TOOLS
    called = inspect(
        repo, "--method", "tools/call", "--tool-name", "record", "--tool-arg", "kind=note", "--tool-arg", "text=hi"
    )
    assert called["isError"] is False
    (content,) = called["content"]
    assert re.fullmatch(rf"Added note {SHORT}", content["text"])
    assert [n["text"] for n in as_json(repo, "show")["notes"]] == ["hi"]
    failed = inspect(repo, "--method", "tools/call", "--tool-name", "read", "--tool-arg", "session=nope")
    assert failed["isError"] is True
    assert (
        failed["content"][0]["text"].splitlines()[0]
        == "git-session: no session matches 'nope' (by id, branch or title)"
    )


class ClaudeWithMcp(AgentClient):
    """Claude Code waiting for its MCP servers before the first turn (in -p mode it does not)."""

    def env(self) -> dict[str, str]:
        return {**super().env(), "MCP_CONNECTION_NONBLOCKING": "false"}


@pytest.mark.slow
def test_claude_code_offers_the_tools_to_the_model_and_a_call_lands_in_the_session(repo: Path, tmp_path: Path) -> None:
    ok(repo, "start", "Claude over MCP")
    ok(repo, "agent", "install", "claude", "--mcp")  # .mcp.json, approved in .claude/settings.local.json
    text = "the model wrote this through MCP"
    with FakeModelAPI() as api:
        api.anthropic_tool_calls = [("mcp__git-session__record", {"kind": "discovery", "text": text})]
        claude = ClaudeWithMcp("claude", api, tmp_path / "home", repo)
        claude.run("Record what you found", options=("--allowedTools", "mcp__git-session__record")).check()
        requests = [r.body for r in api.model_requests() if isinstance(r.body, dict)]
    offered = [sorted(t["name"] for t in body.get("tools") or [] if "git-session" in t["name"]) for body in requests]
    assert [f"mcp__git-session__{name}" for name in sorted(TOOLS)] in offered
    results = [
        block
        for body in requests
        for message in body.get("messages") or []
        if isinstance(message.get("content"), list)
        for block in message["content"]
        if block.get("type") == "tool_result"
    ]
    assert [re.fullmatch(rf"Added discovery {SHORT}", r["content"][0]["text"]) is not None for r in results] == [True]
    assert [d["text"] for d in as_json(repo, "show")["discoveries"]] == [text]
