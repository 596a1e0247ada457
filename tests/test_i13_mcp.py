"""``git session mcp`` driven as an agent's client drives it: a child process over stdio,
spoken to with the MCP SDK's client. Every write is seen by the command line, errors are
MCP tool errors with the command line's one-line message, and the server keeps serving."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession

from tests.helpers import as_json, fails, ok
from tests.mcpclient import connect, error, wire_size
from tests.mcpclient import ok as call

SHORT = "[0-9a-hjkmnp-tv-z]{4,}"  # a short id, as the tools print one
TOOLS = ["read", "record", "change", "checkpoint", "handoff", "sessions"]


def drive(repo: Path, scenario: Callable[[ClientSession], Awaitable[None]]) -> None:
    """Run ``scenario`` against a server started in ``repo``."""

    async def main() -> None:
        async with connect(repo) as session:
            await scenario(session)

    anyio.run(main)


def short_of(line: str) -> str:
    match = re.search(rf"\b({SHORT})$", line)
    assert match is not None, line
    return match.group(1)


def test_the_tools_are_few_and_their_list_is_small(repo: Path) -> None:
    async def scenario(session: ClientSession) -> None:
        listed = await session.list_tools()
        assert [tool.name for tool in listed.tools] == TOOLS
        assert wire_size(listed) < 6000
        resources = await session.list_resources()
        assert [str(r.uri) for r in resources.resources] == ["git-session://brief", "git-session://handoff"]
        prompts = await session.list_prompts()
        assert [p.name for p in prompts.prompts] == ["resume"]

    drive(repo, scenario)


def test_every_kind_recorded_every_change_made_and_the_cli_sees_them(repo: Path) -> None:
    ok(repo, "start", "Served")
    ids: dict[str, str] = {}

    fields: dict[str, dict[str, object]] = {
        "decision": {"rationale": "no server-side store", "alternatives": ["JWT", "opaque tokens"]},
        "next": {"priority": "high"},
    }

    async def scenario(session: ClientSession) -> None:
        for kind in ["objective", "decision", "blocker", "discovery", "next", "note", "source"]:
            extra = fields.get(kind, {})
            added = await call(session, "record", kind=kind, text=f"the {kind}", **extra)
            label = "next step" if kind == "next" else kind
            assert re.fullmatch(rf"Added {label} {SHORT}", added), added
            ids[kind] = short_of(added)
        second = short_of(await call(session, "record", kind="objective", text="the second objective"))
        done = await call(session, "change", id=ids["objective"], action="done")
        assert done == f"Objective {ids['objective']} done: the objective"
        assert (
            await call(session, "change", id=second, action="drop")
            == f"Objective {second} dropped: the second objective"
        )
        reopened = await call(session, "change", id=second, action="reopen")
        assert reopened == f"Objective {second} open: the second objective"
        resolved = await call(session, "change", id=ids["blocker"], action="resolve", note="asked the designer")
        assert resolved == f"Blocker {ids['blocker']} resolved: the blocker"
        assert await call(session, "change", id=ids["next"], action="done") == f"Next {ids['next']} done: the next"
        saved = await call(session, "checkpoint", label="before the refactor", decision="keep the API")
        assert re.fullmatch(
            rf"Saved checkpoint {SHORT} 'before the refactor' \(HEAD [0-9a-f]{{7}}\)\nAdded decision {SHORT}", saved
        )
        handoff = await call(session, "handoff")
        assert handoff.startswith("# Handoff: Served") and "the discovery" in handoff
        as_data = json.loads(await call(session, "handoff", format="json"))
        assert as_data["session"]["title"] == "Served"

    drive(repo, scenario)
    shown = as_json(repo, "show")
    texts = {
        kind: [e["text"] for e in shown[key]]
        for kind, key in [
            ("objective", "objectives"),
            ("decision", "decisions"),
            ("blocker", "blockers"),
            ("discovery", "discoveries"),
            ("next", "next"),
            ("note", "notes"),
            ("source", "sources"),
            ("checkpoint", "checkpoints"),
        ]
    }
    assert texts == {
        "objective": ["the objective", "the second objective"],
        "decision": ["the decision", "keep the API"],
        "blocker": ["the blocker"],
        "discovery": ["the discovery"],
        "next": ["the next"],
        "note": ["the note"],
        "source": ["the source"],
        "checkpoint": ["before the refactor"],
    }
    statuses = [e["status"] for e in shown["objectives"]] + [shown["blockers"][0]["status"], shown["next"][0]["status"]]
    assert statuses == ["done", "open", "resolved", "done"]
    assert shown["blockers"][0]["resolution"] == "asked the designer"
    decision = shown["decisions"][0]
    assert (decision["rationale"], decision["alternatives"]) == ("no server-side store", ["JWT", "opaque tokens"])
    assert shown["next"][0]["priority"] == "high"


def test_errors_are_tool_errors_with_the_command_lines_line_and_the_server_goes_on(repo: Path) -> None:
    ok(repo, "start", "Errors")
    short = as_json(repo, "status")["id"][:4]
    cli_line = fails(repo, "objective", "done", "zzzz").splitlines()[0]
    missing_line = fails(repo, "status", "--session", "nope").splitlines()[0]

    async def scenario(session: ClientSession) -> None:
        bad_id = await error(session, "change", id="zzzz", action="done")
        assert bad_id == (
            f"git-session: no entry 'zzzz' in session {short}\n"
            "hint: see the session's entries with the read tool (view: show)"
        )
        assert cli_line == f"git-session: no objective 'zzzz' in session {short}"
        missing = await error(session, "read", session="nope")
        assert missing == (
            "git-session: no session matches 'nope' (by id, branch or title)\n"
            "hint: see them all with the sessions tool (all: true)"
        )
        assert missing.splitlines()[0] == missing_line
        wrong_field = await error(session, "record", kind="objective", text="x", priority="high")
        assert wrong_field == "git-session: a objective entry takes no priority"
        wrong_kind = await error(session, "record", kind="checkpoint", text="x")
        assert wrong_kind.startswith("git-session: kind 'checkpoint' is none of: objective, decision, blocker")
        decision = short_of(await call(session, "record", kind="decision", text="final"))
        not_changeable = await error(session, "change", id=decision, action="done")
        assert not_changeable == f"git-session: decision {decision} has no such change (its changes: none)"
        objective = short_of(await call(session, "record", kind="objective", text="goal"))
        assert await error(session, "change", id=objective, action="resolve") == (
            f"git-session: objective {objective} has no such change (its changes: done, reopen, drop)"
        )
        await call(session, "change", id=objective, action="done")
        assert await error(session, "change", id=objective, action="done") == (
            f"git-session: objective {objective} is already done"
        )
        assert await error(session, "checkpoint", rationale="why") == "git-session: rationale goes with decision"
        assert (await call(session, "read")).startswith(f"session {short}  Errors  [active]")

    drive(repo, scenario)


def test_no_session_on_the_branch_says_how_to_start_one(repo: Path) -> None:
    async def scenario(session: ClientSession) -> None:
        assert await error(session, "record", kind="note", text="x") == (
            "git-session: no session on branch 'main'\nhint: start one in the repository: git session start \"TITLE\""
        )
        assert await call(session, "sessions") == ("No sessions here")

    drive(repo, scenario)


def test_private_entries_stay_out_of_the_handoff_as_on_the_command_line(repo: Path) -> None:
    ok(repo, "start", "Secrets")

    async def scenario(session: ClientSession) -> None:
        added = await call(session, "record", kind="note", text="the staging password is hunter2", private=True)
        assert re.fullmatch(rf"Added private note {SHORT}", added)
        await call(session, "record", kind="note", text="a public note")
        handoff = await call(session, "handoff")
        assert "a public note" in handoff and "hunter2" not in handoff
        # shown to the agent (its model provider) with the password masked, as every secret is
        assert "(private) the staging password is [redacted]" in await call(session, "read", view="show")

    drive(repo, scenario)
    notes = as_json(repo, "show")["notes"]
    assert sorted((n["text"], n.get("private", False)) for n in notes) == [
        ("a public note", False),
        ("the staging password is hunter2", True),
    ]
    assert "hunter2" not in ok(repo, "handoff")


def test_the_resources_and_the_prompt_are_what_the_command_line_prints(repo: Path) -> None:
    ok(repo, "start", "Resources", "-o", "one objective")
    ok(repo, "decision", "add", "Use MCP", "--rationale", "agents speak it")
    brief, handoff = ok(repo, "brief"), ok(repo, "handoff")

    async def scenario(session: ClientSession) -> None:
        read = await session.read_resource("git-session://brief")
        assert [getattr(c, "text", None) for c in read.contents] == [brief.rstrip("\n")]
        read = await session.read_resource("git-session://handoff")
        assert [getattr(c, "text", None) for c in read.contents] == [handoff.rstrip("\n")]
        prompt = await session.get_prompt("resume")
        assert [getattr(m.content, "text", None) for m in prompt.messages] == [brief.rstrip("\n")]
        assert await call(session, "read", view="brief") == brief.rstrip("\n")

    drive(repo, scenario)


def test_read_keeps_to_its_budget_and_sessions_searches(repo: Path) -> None:
    ok(repo, "start", "Budget")
    for number in range(30):
        ok(repo, "objective", "add", f"objective number {number} with some words to take room")
    ok(repo, "switch", "-c", "feature/other")
    ok(repo, "start", "Another thing", "--task", "WEB-7")

    async def scenario(session: ClientSession) -> None:
        shown = await call(session, "read", view="show", session="main", max_chars=300)
        assert len(shown) <= 300 and shown.endswith("more lines: a larger max_chars shows them)")
        assert len(await call(session, "read", view="brief", session="main", max_chars=200)) <= 200
        assert await error(session, "read", max_chars=10) == "git-session: max_chars must be at least 40"
        listed = ok(repo, "list")
        assert await call(session, "sessions") == listed.rstrip("\n")
        rows = {re.split(r"\s{2,}", row)[-1]: row for row in listed.splitlines()}  # both started at one time
        assert await call(session, "sessions", query="web-7") == rows["Another thing"]
        assert await call(session, "sessions", query="BUDGET main") == rows["Budget"]
        assert (
            await call(session, "sessions", query="nothing like it")
            == "No session here matches 'nothing like it' (2 in all)"
        )

    drive(repo, scenario)


def test_without_the_sdk_the_command_says_how_to_install_it(repo: Path) -> None:
    blocker = (
        "import sys\n"
        "class NoMcp:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'mcp' or name.startswith('mcp.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, NoMcp())\n"
        "sys.argv = ['git-session', 'mcp']\n"
        "from git_session.cli import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", blocker], cwd=repo, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "git-session: git session mcp needs the MCP SDK (mcp 2.3 or later): pip install 'git-session[mcp]'\n"
    )


_PROBE = (
    "import sys\n"
    "sys.argv = ['git-session', *sys.argv[1:]]\n"
    "from git_session.cli import main\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "heavy = ('mcp', 'pydantic', 'starlette', 'uvicorn')\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or 'git_session.mcp' in m), file=sys.stderr)\n"
)


@pytest.mark.parametrize("args", [["--help"], ["status"], ["note", "a note"], ["mcp", "--help"]])
def test_no_other_command_imports_the_sdk(repo: Path, args: list[str]) -> None:
    ok(repo, "start", "Light")
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=repo, capture_output=True, text=True)
    assert done.stderr.splitlines()[-1] == "[]"
