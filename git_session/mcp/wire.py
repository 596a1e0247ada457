"""The stdio transport with an answer for every line: the SDK's stdio transport (mcp 2.3)
hands a line it cannot take as a JSON-RPC message to the server as an exception, which the
server logs and drops, so the client waits for its own timeout. JSON-RPC 2.0 answers such a
line: Parse error (-32700) for text that is not JSON, Invalid Request (-32600) for JSON that
is not a message, with the request's id when it can be read (so the client's call ends at
once) and null when not. The SDK has no public hook for those items (its dispatcher's
``on_stream_exception`` is built inside the server's loop), so the server reads through
``Answering``, which answers each and passes the messages on.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from types import TracebackType
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared._stream_protocols import ReadStream, WriteStream  # types only: the SDK names them nowhere public
from mcp.shared.message import SessionMessage
from mcp.types import INVALID_REQUEST, PARSE_ERROR, ErrorData, JSONRPCError, RequestId
from pydantic import ValidationError


class Answering:
    """The transport's read stream with each line it could not read answered on ``write``
    and left out: the server sees only messages."""

    def __init__(self, received: ReadStream[SessionMessage | Exception], write: WriteStream[SessionMessage]) -> None:
        self.received = received
        self.write = write

    async def receive(self) -> SessionMessage | Exception:
        while True:
            item = await self.received.receive()
            if not isinstance(item, Exception):
                return item
            # When the server has closed its answers there is nobody to tell.
            with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                await self.write.send(SessionMessage(refusal(item)))

    async def aclose(self) -> None:
        await self.received.aclose()

    def __aiter__(self) -> Answering:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> Answering:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()


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
async def answering_stdio() -> AsyncIterator[tuple[Answering, WriteStream[SessionMessage]]]:
    """The SDK's stdio transport (with its hold on file descriptors 0 and 1), read through ``Answering``."""
    async with stdio_server() as (received, write):
        yield Answering(received, write), write


async def serve_stdio(server: MCPServer) -> None:
    """``MCPServer.run_stdio_async`` over ``answering_stdio``. The SDK's own method reaches
    the low-level server the same way; mcp 2.3 gives it no public name."""
    lowlevel = server._lowlevel_server
    async with answering_stdio() as (read, write):
        await lowlevel.run(read, write, lowlevel.create_initialization_options())
