"""``git session mcp``: the tools, resources and prompt of ``tools`` served over stdio with
the official MCP SDK (the optional extra ``git-session[mcp]``; only this module imports it).

Every schema costs the agent context on every turn: six tools, one-line descriptions, and
schemas made from the functions' signatures with pydantic's titles and null-unions left
out and the choices taken from the core's tables.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp.server.mcpserver.tools import Tool
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from git_session.mcp import tools, wire
from git_session.model import PRIORITIES, RECORDED_KINDS
from git_session.sessions import Workspace

NAME = "git-session"
INSTRUCTIONS = (
    "The git branch's working session: objectives, decisions, blockers, discoveries, next steps, notes, "
    "sources and checkpoints, kept in the repository and shared with the team. Entries are named by any "
    "unambiguous prefix of their id; session by id prefix, branch or title (default: the current branch's)."
)
READ_ONLY = ToolAnnotations(read_only_hint=True)

Session = Annotated[str | None, Field(description="id prefix, branch or title; default: current")]


def reply(answer: tools.Reply) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=answer.text)], is_error=answer.error)


def read(view: str = "status", session: Session = None, max_chars: int = tools.DEFAULT_MAX_CHARS) -> CallToolResult:
    """Read a session: status (at a glance), brief (the most important first) or show (everything)."""
    return reply(tools.call(lambda ws: tools.read(ws, view, session, max_chars)))


def record(
    kind: str,
    text: str,
    rationale: Annotated[str | None, Field(description="decision: why")] = None,
    alternatives: Annotated[list[str] | None, Field(description="decision: options set aside")] = None,
    priority: Annotated[str | None, Field(description="next: how soon")] = None,
    private: Annotated[bool, Field(description="never pushed nor handed off")] = False,
    session: Session = None,
) -> CallToolResult:
    """Record an entry in the session."""
    fields = {"rationale": rationale, "alternatives": alternatives, "priority": priority}
    return reply(tools.call(lambda ws: tools.record(ws, kind, text, session, fields, private)))


def change(
    id: Annotated[str, Field(description="the entry's id or a prefix of it")],
    action: str,
    note: Annotated[str | None, Field(description="resolve: how")] = None,
    session: Session = None,
) -> CallToolResult:
    """Change an entry's state: done (objective, next), reopen or drop (objective), resolve (blocker)."""
    return reply(tools.call(lambda ws: tools.change(ws, id, action, note, session)))


def checkpoint(
    label: str | None = None,
    decision: Annotated[str | None, Field(description="a decision taken at this point")] = None,
    rationale: str | None = None,
    session: Session = None,
) -> CallToolResult:
    """Save a checkpoint: HEAD and a snapshot of the working tree (nothing in it changes)."""
    return reply(tools.call(lambda ws: tools.checkpoint(ws, label, decision, rationale, session)))


def handoff(format: str = "markdown", session: Session = None) -> CallToolResult:
    """The session's handoff document, for whoever takes over (private entries left out)."""
    return reply(tools.call(lambda ws: tools.handoff_text(ws, format, session)))


def sessions(
    query: Annotated[
        str | None, Field(description="words to find in id, title, branch, summary, tasks, authors")
    ] = None,
    remote: Annotated[str | None, Field(description="a remote: the sessions last fetched from it")] = None,
    all: Annotated[bool, Field(description="ended ones too")] = False,
) -> CallToolResult:
    """List or search sessions, newest first: this repository's, or teammates' fetched from a remote."""
    return reply(tools.call(lambda ws: tools.sessions(ws, query, remote, all)))


# name -> (function, the choices of its arguments, read-only)
TOOLS: Mapping[str, tuple[Callable[..., CallToolResult], Mapping[str, Sequence[str]], bool]] = {
    "read": (read, {"view": tools.VIEWS}, True),
    "record": (record, {"kind": tuple(RECORDED_KINDS), "priority": PRIORITIES}, False),
    "change": (change, {"action": tools.CHANGES}, False),
    "checkpoint": (checkpoint, {}, False),
    "handoff": (handoff, {"format": tools.HANDOFF_FORMATS}, True),
    "sessions": (sessions, {}, True),
}


def compact(schema: Any, choices: Mapping[str, Sequence[str]] = {}) -> Any:
    """A JSON schema without pydantic's titles, ``anyOf [X, null]`` as X and null defaults;
    the choices of each property named in ``choices`` as its ``enum``."""
    if isinstance(schema, list):
        return [compact(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    options = schema.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options and len(options) == 2:
        schema = {**next(o for o in options if o != {"type": "null"}), **schema}
        del schema["anyOf"]
    kept = {k: compact(v) for k, v in schema.items() if k != "title" and not (k == "default" and v is None)}
    if "properties" in kept:
        for name, values in choices.items():
            kept["properties"][name]["enum"] = list(values)
    return kept


def tool(name: str) -> Tool:
    function, choices, read_only = TOOLS[name]
    made = Tool.from_function(function, name=name, annotations=READ_ONLY if read_only else None)
    made.parameters = compact(made.parameters, choices)
    return made


def build() -> MCPServer:
    version = importlib.metadata.version("git-session")
    made = [tool(name) for name in TOOLS]
    # A tool's error is the agent's to read: the client's log needs no line for each (WARNING).
    server: MCPServer = MCPServer(NAME, instructions=INSTRUCTIONS, version=version, tools=made, log_level="WARNING")
    server.resource(
        "git-session://brief", name="brief", description="The current session's brief", mime_type="text/markdown"
    )(lambda: resource_text(lambda ws: tools.read(ws, "brief", None, tools.DEFAULT_MAX_CHARS)))
    server.resource(
        "git-session://handoff",
        name="handoff",
        description="The current session's handoff document",
        mime_type="text/markdown",
    )(lambda: resource_text(lambda ws: tools.handoff_text(ws)))
    server.prompt("resume", description="Where work stopped: the session's brief")(resume)
    return server


def resource_text(action: Callable[[Workspace], str]) -> str:
    answer = tools.call(action)
    if answer.error:
        raise ResourceError(answer.text)
    return answer.text


def resume(session: str | None = None) -> str:
    """The brief of the session (default: the current branch's), to resume where work stopped."""
    answer = tools.call(lambda ws: tools.read(ws, "brief", session, tools.DEFAULT_MAX_CHARS))
    if answer.error:
        raise MCPError(INVALID_PARAMS, answer.text)
    return answer.text


def serve() -> None:
    """Serve over stdin and stdout until the client closes them, answering every line."""
    anyio.run(wire.serve_stdio, build())
