"""The stdio transport with an answer for every line. The SDK's stdio transport (mcp 2.3)
hands a line it cannot take as a JSON-RPC message to the server as an exception, which the
server logs and drops, and takes a request whose id is no string or integer (``true``,
``null``, ``1.5``) for a notification: either way the client waits for its own timeout.
JSON-RPC 2.0 answers such a line: Parse error (-32700) for text that is not JSON, Invalid
Request (-32600) for JSON that is not a message (an id it does not allow included), with the
request's id when it can be read (so the client's call ends at once) and null when not. A
blank line is no message: nothing to answer (the SDK only logged it).

The SDK has no public hook for those lines (its dispatcher's ``on_stream_exception`` is
built inside the server's loop), so the lines are read here (``read_lines``) and the SDK's
transport is kept for the rest: its hold on file descriptors 0 and 1 (children read the
null device, their stray output goes to stderr) and its writer. An answer of ours is sent
as the SDK sends its own, from a task of its own: a client that does not read its stdout
yet never holds up the reading.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.server import stdio as sdk_stdio
from mcp.server.mcpserver import MCPServer
from mcp.shared._stream_protocols import WriteStream  # types only: the SDK names it nowhere public
from mcp.shared.message import SessionMessage
from mcp.types import (
    INVALID_REQUEST,
    PARSE_ERROR,
    ErrorData,
    JSONRPCError,
    JSONRPCMessage,
    JSONRPCNotification,
    RequestId,
    jsonrpc_message_adapter,
)
from pydantic import ValidationError

JSON_SPACE = " \t\r\n"
GRACE_SECONDS = 1.0  # for answers not yet written when the client closes its end, without one written


async def read_lines(
    lines: AsyncIterable[str], received: MemoryObjectSendStream[SessionMessage | Exception], answers: Answers
) -> None:
    """Each line read: a message for the server, an answer of ours, or (blank) nothing."""
    async with received:
        async for line in lines:
            if not line.strip(JSON_SPACE):
                continue
            taken = message(line)
            if isinstance(taken, JSONRPCError):
                answers.send(taken)
            else:
                await received.send(SessionMessage(taken))
        await answers.drain()  # before the server sees the end: it then closes its writer


class Answers:
    """Our answers, each sent in a task of its own, as the SDK's dispatcher sends its own."""

    def __init__(self, write: WriteStream[SessionMessage], tasks: TaskGroup) -> None:
        self.write = write
        self.tasks = tasks
        self.pending = 0

    def send(self, answer: JSONRPCError) -> None:
        self.pending += 1
        self.tasks.start_soon(self._send, answer)

    async def _send(self, answer: JSONRPCError) -> None:
        try:
            with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):  # the server is done: nobody to tell
                await self.write.send(SessionMessage(answer))
        finally:
            self.pending -= 1

    async def drain(self) -> None:
        """Wait for the answers not yet handed to the writer while they go; ``GRACE_SECONDS``
        without one going ends the wait (a client that closed its input may not read its
        output either)."""
        left, since = self.pending, anyio.current_time()
        while self.pending and anyio.current_time() - since < GRACE_SECONDS:
            await anyio.sleep(0.01)
            if self.pending < left:
                left, since = self.pending, anyio.current_time()


def message(line: str) -> JSONRPCMessage | JSONRPCError:
    """The message ``line`` holds, or the error answering it."""
    try:
        taken = jsonrpc_message_adapter.validate_json(line, by_name=False)
    except Exception as exc:  # (what the SDK's transport catches: any failure is this line's)
        return refusal(exc)
    if isinstance(taken, JSONRPCNotification) and has_id(python_json(line)):
        return JSONRPCError(jsonrpc="2.0", id=None, error=ErrorData(code=INVALID_REQUEST, message=BAD_ID))
    return taken


BAD_ID = "Invalid Request: an id is a string or an integer"


def has_id(sent: Any) -> bool:
    """Whether a message the SDK took for a notification has an id (one it could not take)."""
    return isinstance(sent, dict) and "id" in sent


def refusal(error: Exception) -> JSONRPCError:
    """The JSON-RPC error answering a line the transport could not take as a message."""
    if not isinstance(error, ValidationError):
        return JSONRPCError(jsonrpc="2.0", id=None, error=ErrorData(code=PARSE_ERROR, message=f"Parse error: {error}"))
    problems = error.errors(include_url=False)
    unreadable = next((p for p in problems if p["type"] == "json_invalid"), None)
    if unreadable is not None:
        message, sent = f"Parse error: {unreadable['msg']}", python_json(unreadable["input"])
    else:
        message, sent = "Invalid Request: not a JSON-RPC 2.0 message", top_level(problems)
    code = PARSE_ERROR if unreadable is not None else INVALID_REQUEST
    return JSONRPCError(jsonrpc="2.0", id=request_id(sent), error=ErrorData(code=code, message=message))


def python_json(line: Any) -> Any:
    """The line as Python's own parser reads it (it takes what the SDK's may not, such as a
    lone surrogate or deeper nesting); None when it cannot either."""
    try:
        return json.loads(line)
    except (ValueError, TypeError, RecursionError):
        return None


def top_level(problems: Any) -> Any:
    """The JSON object the SDK could read but not take as a message: a missing member's
    error at the top of a union member carries it."""
    return next((p["input"] for p in problems if p["type"] == "missing" and len(p["loc"]) == 2), None)


def request_id(sent: Any) -> RequestId | None:
    """The id of a request as sent, when it is one JSON-RPC allows (a string or an integer)
    and the answer can carry it (a lone surrogate has no UTF-8: writing it ended the server)."""
    if not isinstance(sent, dict) or not isinstance(sent.get("method"), str):
        return None
    value = sent.get("id")
    if isinstance(value, str):
        return value if utf8(value) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


@asynccontextmanager
async def answering_stdio() -> AsyncIterator[
    tuple[MemoryObjectReceiveStream[SessionMessage | Exception], WriteStream[SessionMessage]]
]:
    """The server's streams: the lines of stdin read by ``read_lines``, and the SDK's stdio
    writer. The SDK's transport holds descriptor 1 (and reads no lines: it is given none); its
    private helpers hold descriptor 0 the same way, mcp 2.3 naming them nowhere public."""
    buffer, release = sdk_stdio._claim_fd(0, sys.stdin, "rb", sdk_stdio._open_stdin_diversion)
    try:
        lines = anyio.wrap_file(sdk_stdio._UnownedTextWrapper(buffer, encoding="utf-8", errors="replace"))
        none = anyio.wrap_file(io.StringIO())
        async with sdk_stdio.stdio_server(stdin=none) as (_, write), anyio.create_task_group() as tasks:
            to_server, received = anyio.create_memory_object_stream[SessionMessage | Exception](0)
            tasks.start_soon(read_lines, lines, to_server, Answers(write, tasks))
            yield received, write
            tasks.cancel_scope.deadline = anyio.current_time() + GRACE_SECONDS
    finally:
        if release is not None:
            release()


async def serve_stdio(server: MCPServer) -> None:
    """``MCPServer.run_stdio_async`` over ``answering_stdio``. The SDK's own method reaches
    the low-level server the same way; mcp 2.3 gives it no public name."""
    lowlevel = server._lowlevel_server
    async with answering_stdio() as (read, write):
        await lowlevel.run(read, write, lowlevel.create_initialization_options())
