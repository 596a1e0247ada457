"""Round 23: ``git session mcp``'s wire. An answer to a line the SDK cannot read no longer
holds up the server's reading (a client that does not read its stdout yet); a blank line is
no message and gets no answer (as the SDK alone did: it only logged it); a request whose id
JSON-RPC does not allow (true, null, 1.5, an object) is an Invalid Request answered with id
null, where the SDK took it for a notification and the client waited for ever. Each test
fails on 33dbdc8 unless it says otherwise."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp.types import INVALID_REQUEST, JSONRPCError, JSONRPCResponse

from tests.helpers import ok
from tests.mcpclient import connect_wire
from tests.mcpclient import ok as call

# Lines that are not JSON, a Parse error each: their answers (400 kB) fill the pipe to the
# client and what its asyncio reads ahead (200 kB); then 200 kB more fill the pipe to the server.
FLOOD = b"x\n" * 3000 + (b"y" * 1000 + b"\n") * 200


def test_answers_the_client_does_not_read_yet_do_not_stop_the_server_reading(repo: Path) -> None:
    """On 33dbdc8 the answer was written from the read loop: once the pipe to the client was
    full, the server read no more, and the client's write waited for ever."""
    ok(repo, "start", "Wire")

    async def main() -> None:
        async with connect_wire(repo, unread=FLOOD) as wire:
            assert (await call(wire.session, "read")).startswith("session ")
            refused = [heard for heard in wire.heard if isinstance(heard, JSONRPCError)]
            assert len(refused) == 3200

    anyio.run(main)


@pytest.mark.parametrize("line", [b"", b"   ", b"\t \r", b" " * 5000], ids=["empty", "spaces", "tab cr", "long"])
def test_a_blank_line_is_no_message_and_gets_no_answer(repo: Path, line: bytes) -> None:
    ok(repo, "start", "Wire")

    async def main() -> None:
        async with connect_wire(repo) as wire:
            await wire.send_line(line)
            assert (await call(wire.session, "read")).startswith("session ")
            assert not [heard for heard in wire.heard if isinstance(heard, JSONRPCError)]

    anyio.run(main)


IDS = ["true", "false", "null", "1.5", "1.0", "1e400", '{"n": 1}', "[1]"]


@pytest.mark.parametrize("sent", IDS)
def test_a_request_whose_id_json_rpc_does_not_allow_is_an_invalid_request_with_id_null(repo: Path, sent: str) -> None:
    ok(repo, "start", "Wire")

    async def main() -> None:
        async with connect_wire(repo) as wire:
            await wire.send_line(f'{{"jsonrpc":"2.0","id":{sent},"method":"ping"}}'.encode())
            await wire.send_line(b'{"jsonrpc":"2.0","id":"after","method":"ping"}')
            with anyio.fail_after(30):
                while not any(isinstance(heard, JSONRPCResponse) and heard.id == "after" for heard in wire.heard):
                    await anyio.sleep(0.01)
            (answer,) = [heard for heard in wire.heard if isinstance(heard, JSONRPCError)]
            assert (answer.id, answer.error.code) == (None, INVALID_REQUEST)
            assert answer.error.message.startswith("Invalid Request: ")

    anyio.run(main)


def test_a_notification_and_a_request_with_a_string_or_integer_id_are_taken_as_before(repo: Path) -> None:
    """Passes on 33dbdc8 too: what the SDK takes is taken (no id: a notification, no answer)."""
    ok(repo, "start", "Wire")

    async def main() -> None:
        async with connect_wire(repo) as wire:
            await wire.send_line(b'{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":77}}')
            for sent in (b'"seven"', b"7", b"-7"):
                await wire.send_line(b'{"jsonrpc":"2.0","id":' + sent + b',"method":"ping"}')
            with anyio.fail_after(30):
                while len([heard for heard in wire.heard if isinstance(heard, JSONRPCResponse)]) < 4:  # + initialize
                    await anyio.sleep(0.01)
            answered = [heard.id for heard in wire.heard if isinstance(heard, JSONRPCResponse)]
            assert answered[1:] == ["seven", 7, -7]
            assert not [heard for heard in wire.heard if isinstance(heard, JSONRPCError)]

    anyio.run(main)
