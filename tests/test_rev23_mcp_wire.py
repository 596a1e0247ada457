"""Round 23 review: ``git session mcp``'s answers to lines it cannot read, sent from tasks of
their own, must still be sent when the client closes its end right after the lines (``printf
'…\n' | git session mcp``): the server closes its writer as soon as the reading ends, and an
answer not yet written was dropped without a word (33dbdc8 answered every line)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mcp.types import PARSE_ERROR, JSONRPCError, jsonrpc_message_adapter

from tests.helpers import ok
from tests.mcpclient import server_env


def test_every_bad_line_is_answered_when_the_input_ends_right_after_them(repo: Path) -> None:
    ok(repo, "start", "Wire")
    sent = b"x\n" * 50
    done = subprocess.run(
        ["git", "session", "mcp"], cwd=repo, env=server_env(), input=sent, capture_output=True, timeout=60, check=True
    )
    heard = [jsonrpc_message_adapter.validate_json(line) for line in done.stdout.splitlines()]
    assert [(h.id, h.error.code) for h in heard if isinstance(h, JSONRPCError)] == [(None, PARSE_ERROR)] * 50
