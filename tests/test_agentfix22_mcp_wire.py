"""Round 22: every line a client sends ``git session mcp`` gets an answer. The SDK's stdio
transport (mcp 2.3) drops a line it cannot take as a message (invalid JSON for its parser,
such as a lone surrogate that JavaScript's JSON.stringify emits, or nesting deeper than it
reads; JSON that is no JSON-RPC message), and the client waited for its own timeout. Each
test fails on 6e124df: the error is never heard."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp.types import INVALID_REQUEST, PARSE_ERROR, JSONRPCError

from git_session.mcp.wire import refusal
from tests.helpers import ok
from tests.mcpclient import connect_wire
from tests.mcpclient import ok as call


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def tool_call(id: int, arguments: str) -> bytes:
    line = f'{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"read","arguments":{arguments}}}}}'
    return line.encode()


CASES = [
    # what the client sent, the code of the answer, its id (null when it cannot be read)
    pytest.param(tool_call(901, '{"view":"\\ud800"}'), PARSE_ERROR, 901, id="lone surrogate"),
    pytest.param(tool_call(902, f'{{"view":{nested(3000)}}}'), PARSE_ERROR, None, id="nested 3000 deep"),
    pytest.param(tool_call(903, f'{{"view":{nested(300)}}}'), PARSE_ERROR, 903, id="nested 300 deep"),
    pytest.param(b'{"jsonrpc":"2.0","id":904,"method":"tools/call",', PARSE_ERROR, None, id="cut short"),
    pytest.param(b"\xff\xfe", PARSE_ERROR, None, id="not utf-8"),
    pytest.param(b'{"jsonrpc":"2.0","id":905,"method":"tools/call","params":5}', INVALID_REQUEST, 905, id="params"),
    pytest.param(b'{"jsonrpc":"2.0","id":906,"method":7}', INVALID_REQUEST, None, id="method not a string"),
    pytest.param(b"[1, 2]", INVALID_REQUEST, None, id="an array"),
    pytest.param(b'"text"', INVALID_REQUEST, None, id="a string"),
    # an id the answer cannot carry (no UTF-8 for a lone surrogate): answered with id null
    pytest.param(b'{"jsonrpc":"2.0","id":"\\ud800","method":"ping"}', PARSE_ERROR, None, id="id a lone surrogate"),
    pytest.param(b'{"jsonrpc":"2.0","id":"\\udfff","method":"ping","params":5}', PARSE_ERROR, None, id="id surrogate"),
]


@pytest.mark.parametrize(("line", "code", "request_id"), CASES)
def test_a_line_the_sdk_cannot_read_is_answered_and_the_server_goes_on(
    repo: Path, line: bytes, code: int, request_id: int | None
) -> None:
    ok(repo, "start", "Wire")

    async def main() -> None:
        async with connect_wire(repo) as wire:
            await wire.send_line(line)
            assert (await call(wire.session, "read")).startswith("session ")
            (answer,) = [heard for heard in wire.heard if isinstance(heard, JSONRPCError)]
            assert (answer.id, answer.error.code) == (request_id, code)
            assert answer.error.message.startswith("Parse error: " if code == PARSE_ERROR else "Invalid Request")

    anyio.run(main)


def test_a_refusal_without_the_sdks_validation_error_is_a_parse_error() -> None:
    answer = refusal(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"))
    assert (answer.id, answer.error.code) == (None, PARSE_ERROR)
