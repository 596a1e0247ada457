"""Driving ``git session mcp`` as a real client does: a child process spoken to over stdio
with the MCP SDK's own client (``mcp.ClientSession`` over ``mcp.client.stdio.stdio_client``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import ByteSendStream
from anyio.streams.buffered import BufferedByteReceiveStream
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.message import SessionMessage
from mcp.types import CallToolResult, JSONRPCMessage, TextContent, jsonrpc_message_adapter


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


@dataclass
class Wire:
    """A client session with ``git session mcp`` over a pipe the test writes raw lines to as
    well, and every message the server sent on it."""

    session: ClientSession
    stdin: ByteSendStream
    heard: list[JSONRPCMessage] = field(default_factory=list)

    async def send_line(self, line: bytes) -> None:
        await self.stdin.send(line + b"\n")


@asynccontextmanager
async def connect_wire(repo: Path, unread: bytes = b"") -> AsyncIterator[Wire]:
    """``connect``, over the test's own pipe to the server (the SDK's stdio client sends
    only what it can serialize), initialized. ``unread``: bytes sent first, before anything
    the server writes is read (a client that does not read its stdout yet)."""
    command = ["git", "session", "mcp"]
    async with await anyio.open_process(command, cwd=repo, env=server_env(), stderr=subprocess.DEVNULL) as process:
        assert process.stdin is not None and process.stdout is not None
        with anyio.fail_after(20):  # the server reads on while its answers wait to be read
            await process.stdin.send(unread)
        to_session, session_reads = anyio.create_memory_object_stream[SessionMessage | Exception](16)
        session_writes, to_server = anyio.create_memory_object_stream[SessionMessage](16)
        async with anyio.create_task_group() as tasks, ClientSession(session_reads, session_writes) as session:
            wire = Wire(session, process.stdin)
            tasks.start_soon(read_lines, BufferedByteReceiveStream(process.stdout), to_session, wire.heard)
            tasks.start_soon(write_lines, to_server, wire)
            await session.initialize()
            yield wire
            await process.stdin.aclose()
            tasks.cancel_scope.cancel()


async def read_lines(
    stdout: BufferedByteReceiveStream, to_session: MemoryObjectSendStream[SessionMessage | Exception], heard: list[Any]
) -> None:
    async with to_session:
        while True:
            try:
                line = await stdout.receive_until(b"\n", 1 << 24)
            except (anyio.EndOfStream, anyio.IncompleteRead):
                return
            message = jsonrpc_message_adapter.validate_json(line, by_name=False)
            heard.append(message)
            await to_session.send(SessionMessage(message))


async def write_lines(to_server: MemoryObjectReceiveStream[SessionMessage], wire: Wire) -> None:
    async for sent in to_server:
        await wire.send_line(sent.message.model_dump_json(by_alias=True, exclude_unset=True).encode())
