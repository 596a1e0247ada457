"""Driving ``git session mcp`` as a real client does: a child process spoken to over stdio
with the MCP SDK's own client (``mcp.ClientSession`` over ``mcp.client.stdio.stdio_client``)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import CallToolResult, TextContent


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This test's environment (its HOME, identity, dates), with this Python's scripts first on
    PATH so that ``git session`` is the git-session under test."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return {**os.environ, "PATH": path, **(extra or {})}


@asynccontextmanager
async def connect(repo: Path, env: dict[str, str] | None = None) -> AsyncIterator[ClientSession]:
    """A client session with ``git session mcp`` started in ``repo``, initialized."""
    params = StdioServerParameters(command="git", args=["session", "mcp"], cwd=str(repo), env=env or server_env())
    with open(os.devnull, "w") as quiet:
        async with stdio_client(params, errlog=quiet) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session


def text(result: CallToolResult) -> str:
    """A tool's answer: its one text block."""
    (block,) = result.content
    assert isinstance(block, TextContent), block
    return block.text


async def ok(session: ClientSession, tool: str, /, **arguments: Any) -> str:
    """A tool call that must succeed; its text."""
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, text(result)
    return text(result)


async def error(session: ClientSession, tool: str, /, **arguments: Any) -> str:
    """A tool call that must fail as an MCP tool error (``isError: true``); its text."""
    result = await session.call_tool(tool, arguments)
    assert result.is_error, text(result)
    return text(result)


def wire_size(value: Any) -> int:
    """The characters of a result as it goes over the wire (JSON, aliases, no nulls)."""
    return len(json.dumps(value.model_dump(mode="json", by_alias=True, exclude_none=True)))
