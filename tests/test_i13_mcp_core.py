"""What the MCP server shares with the command line, in-process: the fields each recorded
kind takes and the state changes by id are the core's, the server's words for the core's
advice cover what its tools can meet, and the schemas stay compact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from git_session.cli import hints as cli_hints
from git_session.cli.kinds import KINDS
from git_session.errors import Advice, UserError
from git_session.mcp import hints, server
from git_session.model import RECORDED_KINDS
from git_session.sessions import Workspace
from tests.helpers import fails, ok

# Advice only commands the server has no tool for give (push, install, restore, end, adr, doctor).
NO_TOOL_GIVES = {
    Advice.PUSH_LATER,
    Advice.ADRS_FOR_ENDED,
    Advice.END_WITHOUT_ADR,
    Advice.END_WITHOUT_HANDOFF,
    Advice.SECRET_ALSO,
    Advice.SECRET_REMOVE,
    Advice.NOTHING_SENT,
    Advice.SECRET_ACKNOWLEDGE,
    Advice.TOO_LARGE_TO_SCAN,
    Advice.INSTALL_MANUAL_FOR,
    Advice.HOOKS_PATH_ROUTES,
    Advice.MOVE_ONE_AWAY,
}


def test_the_server_has_words_for_every_hint_its_tools_can_meet() -> None:
    assert set(cli_hints.HINTS) - NO_TOOL_GIVES == set(hints.HINTS)


def test_the_command_lines_options_are_the_recorded_kinds_fields() -> None:
    assert [kind.name for kind in KINDS] == list(RECORDED_KINDS)
    for kind in KINDS:
        names = set()
        for decorate in kind.options:
            command = decorate(lambda **fields: None)
            names |= {param.name for param in getattr(command, "__click_params__", [])}
        assert names == set(RECORDED_KINDS[kind.name]), kind.name


def test_the_core_refuses_fields_a_kind_does_not_take(repo: Path) -> None:
    ok(repo, "start", "Fields")
    ws = Workspace.open(str(repo))
    with pytest.raises(UserError, match=r"^a note entry takes no rationale$"):
        ws.record(None, "note", "x", {"rationale": "why"})
    with pytest.raises(UserError, match=r"^a decision entry takes no priority \(it takes: rationale, alternatives\)$"):
        ws.record(None, "decision", "x", {"priority": "high"})
    with pytest.raises(UserError, match=r"^priority 'soon' is none of: high, medium, low$"):
        ws.record(None, "next", "x", {"priority": "soon"})
    with pytest.raises(UserError, match=r"^kind .checkpoint. is none of: objective, decision, blocker"):
        ws.record(None, "checkpoint", "x")
    _, op = ws.record(None, "decision", "x", {"rationale": None, "alternatives": []})  # empty: as if not given
    assert op.data["fields"] == {"text": "x"}
    _, op = ws.add(None, "note", "x", {"agent_name": "claude"})  # the core's own writers record more
    assert op.data["fields"] == {"text": "x", "agent_name": "claude"}


def test_an_entry_changes_state_by_id_whatever_its_kind(repo: Path) -> None:
    ok(repo, "start", "Changes")
    ws = Workspace.open(str(repo))
    _, blocker = ws.add(None, "blocker", "waiting")
    _, step = ws.add(None, "next", "then this")
    resolved = ws.change_entry(None, "resolve", blocker.id[:6], "it came")
    assert resolved.entry is not None and (resolved.entry.kind, resolved.entry.status) == ("blocker", "resolved")
    assert resolved.entry.resolution == "it came"
    done = ws.change_entry(None, "done", step.id[:6])
    assert done.entry is not None and (done.entry.kind, done.entry.status) == ("next", "done")
    with pytest.raises(UserError, match=r"^next done takes no note"):
        ws.change_entry(None, "done", step.id[:6], "with a note")
    with pytest.raises(
        UserError, match=r"^no entry can be made 'archive'; the changes of entries: done, drop, reopen, resolve$"
    ):
        ws.change_entry(None, "archive", step.id[:6])
    assert fails(repo, "next", "done", step.id[:6]) == f"git-session: next {step.id[:4]} is already done\n"


def test_the_schemas_are_compact_and_their_choices_come_from_the_core() -> None:
    schema = server.tool("record").parameters
    text = json.dumps(schema)
    assert '"title"' not in text and "anyOf" not in text and "null" not in text
    assert schema["properties"]["kind"]["enum"] == list(RECORDED_KINDS)
    assert server.tool("change").parameters["properties"]["action"]["enum"] == ["done", "reopen", "drop", "resolve"]
