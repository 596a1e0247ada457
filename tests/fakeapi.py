"""A fake model API on 127.0.0.1 for the real coding-agent clients, run offline by the tests.

One threaded HTTP server answers the three providers' APIs the way the clients call them:
Anthropic Messages (Claude Code: ``POST /v1/messages?beta=true``, streamed as server-sent
events), OpenAI Responses (Codex: ``POST /v1/responses``, streamed) and Gemini
(``…:generateContent`` and ``…:streamGenerateContent?alt=sse``). Anything else a client calls
at start gets an empty JSON object and is listed in ``unknown``. Every request is recorded
(method, path, JSON body) so that a test can assert what reached the model.

Replies are scripted from the request alone, so that the order in which a client's side
requests arrive never matters: a compaction request (the client asks for a summary of the
conversation) is answered with ``SUMMARY``; every other request with ``reply`` (``REPLY``), except that
Codex gets a shell tool call for each of ``codex_tool_calls`` turns first (Codex's forced
auto-compaction happens between a tool call and the model's next turn), and a Claude turn
whose request offers the tool named first in ``anthropic_tool_calls`` calls it (an MCP
server's tool, say: the client runs it and sends its result in the next request).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLY = "All done."
SUMMARY = "COMPACTED: the user said hello; the assistant answered."
TOOL_CALL_ID = "call_fake_1"
_ids = itertools.count(1)


def _new_id(prefix: str) -> str:
    """A fresh id: Claude Code treats two replies with the same message id as one message."""
    return f"{prefix}_fake{next(_ids):06d}"


# How each client asks for a summary of the conversation to compact it (as the clients word it).
_COMPACTION_WORDS = re.compile(
    r"CONTEXT CHECKPOINT COMPACTION|create a detailed summary of the conversation|state_snapshot"
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any  # the parsed JSON body, or None

    @property
    def text(self) -> str:
        """The whole body as JSON text: what a test searches for injected context."""
        return json.dumps(self.body, ensure_ascii=False)


class FakeModelAPI:
    """The server; use as a context manager. ``url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.unknown: list[str] = []
        self.reply = REPLY  # the text of every model turn that is not a summary
        self.codex_tool_calls = 0  # how many of the next Codex turns get a shell tool call instead of text
        # Claude turns to answer with a tool call, in order: (tool name, its input); a turn whose
        # request does not offer the first one's tool (a side request) gets text.
        self.anthropic_tool_calls: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeModelAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def record(self, request: Request, known: bool) -> None:
        with self._lock:
            self.requests.append(request)
            if not known:
                self.unknown.append(f"{request.method} {request.path}")

    def take_codex_tool_call(self) -> bool:
        with self._lock:
            if self.codex_tool_calls <= 0:
                return False
            self.codex_tool_calls -= 1
            return True

    def take_anthropic_tool_call(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        offered = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
        with self._lock:
            if not self.anthropic_tool_calls or self.anthropic_tool_calls[0][0] not in offered:
                return None
            return self.anthropic_tool_calls.pop(0)

    def model_requests(self) -> list[Request]:
        """The requests that asked a model for a turn (not the clients' side calls)."""
        with self._lock:
            return [r for r in self.requests if _is_model_call(r)]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.unknown.clear()


def _is_model_call(request: Request) -> bool:
    path = request.path.split("?")[0]
    return request.method == "POST" and (
        path == "/v1/messages" or path == "/v1/responses" or path.endswith(("generateContent", "GenerateContent"))
    )


def is_compaction(request: Request) -> bool:
    """Whether a model request asks for a summary of the conversation (a compaction)."""
    return bool(_COMPACTION_WORDS.search(_last_user_text(request.body)))


def _last_user_text(body: Any) -> str:
    """The text of the last user turn of any of the three request shapes."""
    if not isinstance(body, dict):
        return ""
    turns = body.get("messages") or body.get("contents") or body.get("input") or []
    if not isinstance(turns, list):
        return ""
    for turn in reversed(turns):
        if isinstance(turn, dict) and turn.get("role") == "user":
            return json.dumps(turn, ensure_ascii=False)
    return ""


def _handler(api: FakeModelAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:  # http.server's name
            api.record(Request("GET", self.path, None), known=False)
            self._json({})

        def do_HEAD(self) -> None:
            api.record(Request("HEAD", self.path, None), known=False)
            self._json({})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else self._read_chunked()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            request = Request("POST", self.path, body)
            path = self.path.split("?")[0]
            api.record(request, known=_is_model_call(request) or path.endswith("count_tokens"))
            if path == "/v1/messages":
                self._anthropic(request)
            elif path.endswith("count_tokens"):
                self._json({"input_tokens": 100})
            elif path == "/v1/responses":
                self._openai(request)
            elif path.endswith(":streamGenerateContent"):
                self._sse([_gemini_chunk(request, api.reply)], named=False)
            elif path.endswith(":generateContent"):
                self._json(_gemini_chunk(request, api.reply))
            elif path.endswith(":countTokens"):
                self._json({"totalTokens": 100})
            else:
                self._json({})

        def _read_chunked(self) -> bytes:
            data = b""
            if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                return data
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()

        def _json(self, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _sse(self, events: list[Any], *, named: bool) -> None:
            chunks = []
            for event in events:
                head = f"event: {event['type']}\n" if named else ""
                chunks.append(f"{head}data: {json.dumps(event)}\n\n")
            data = "".join(chunks).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _anthropic(self, request: Request) -> None:
            body = request.body if isinstance(request.body, dict) else {}
            text = SUMMARY if is_compaction(request) else api.reply
            call = None if is_compaction(request) else api.take_anthropic_tool_call(body)
            if call is not None:
                self._sse(list(_anthropic_tool_use_events(body, *call)), named=True)
                return
            if not body.get("stream"):
                self._json(_anthropic_message(body, text))
                return
            self._sse(list(_anthropic_events(body, text)), named=True)

        def _openai(self, request: Request) -> None:
            body = request.body if isinstance(request.body, dict) else {}
            if is_compaction(request):
                item = _openai_message(SUMMARY)
            elif api.take_codex_tool_call():
                item = _openai_tool_call(body)
            else:
                item = _openai_message(api.reply)
            self._sse(list(_openai_events(body, item)), named=True)

    return Handler


def _anthropic_message(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": _new_id("msg"),
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "claude-fake"),
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 100, "output_tokens": 10},
    }


def _anthropic_events(body: dict[str, Any], text: str) -> Iterator[dict[str, Any]]:
    message = _anthropic_message(body, text)
    yield {"type": "message_start", "message": {**message, "content": [], "stop_reason": None}}
    yield {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
    yield {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}
    yield {"type": "content_block_stop", "index": 0}
    yield {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 10},
    }
    yield {"type": "message_stop"}


def _anthropic_tool_use_events(body: dict[str, Any], name: str, arguments: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A streamed turn that calls tool ``name`` with ``arguments``, and stops for its result."""
    message = {**_anthropic_message(body, ""), "content": [], "stop_reason": None}
    block = {"type": "tool_use", "id": _new_id("toolu"), "name": name, "input": {}}
    yield {"type": "message_start", "message": message}
    yield {"type": "content_block_start", "index": 0, "content_block": block}
    delta = {"type": "input_json_delta", "partial_json": json.dumps(arguments)}
    yield {"type": "content_block_delta", "index": 0, "delta": delta}
    yield {"type": "content_block_stop", "index": 0}
    yield {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
        "usage": {"output_tokens": 10},
    }
    yield {"type": "message_stop"}


def _openai_message(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": _new_id("msg"),
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def _openai_tool_call(body: dict[str, Any]) -> dict[str, Any]:
    """One call of the shell tool the request offers (its name and argument shape vary by version)."""
    names = {t.get("name") for t in body.get("tools", []) if isinstance(t, dict)}
    arguments: dict[str, Any]
    if "exec_command" in names:
        name, arguments = "exec_command", {"cmd": "echo hi"}
    elif "shell_command" in names:
        name, arguments = "shell_command", {"command": "echo hi"}
    else:
        name, arguments = "shell", {"command": ["echo", "hi"]}
    return {
        "type": "function_call",
        "id": _new_id("fc"),
        "call_id": TOOL_CALL_ID,
        "name": name,
        "arguments": json.dumps(arguments),
        "status": "completed",
    }


def _openai_events(body: dict[str, Any], item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    response = {"id": _new_id("resp"), "object": "response", "model": body.get("model", "gpt-fake"), "output": []}
    yield {"type": "response.created", "response": {**response, "status": "in_progress"}}
    yield {"type": "response.output_item.added", "output_index": 0, "item": item}
    if item["type"] == "message":
        text = item["content"][0]["text"]
        yield {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": text}
    yield {"type": "response.output_item.done", "output_index": 0, "item": item}
    usage = {
        "input_tokens": 1000,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 10,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 1010,
    }
    done = {**response, "status": "completed", "output": [item], "usage": usage}
    yield {"type": "response.completed", "response": done}


def _gemini_chunk(request: Request, reply: str) -> dict[str, Any]:
    body = request.body if isinstance(request.body, dict) else {}
    config = body.get("generationConfig") or {}
    if config.get("responseMimeType") == "application/json":  # the model router's and other side questions
        text = json.dumps(_json_for(config.get("responseJsonSchema") or config.get("responseSchema") or {}))
    else:
        text = SUMMARY if is_compaction(request) else reply
    return {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 10, "totalTokenCount": 110},
        "modelVersion": "gemini-fake",
    }


def _json_for(schema: Any) -> Any:
    """The smallest value that fits a Gemini response schema (its side questions want JSON)."""
    kind = str(schema.get("type", "OBJECT")).upper() if isinstance(schema, dict) else "OBJECT"
    if kind == "OBJECT":
        properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
        return {name: _json_for(sub) for name, sub in properties.items()}
    return {"STRING": "fake", "INTEGER": 10, "NUMBER": 10, "BOOLEAN": False, "ARRAY": []}.get(kind)
