"""End to end: `git session agent install` and the real Claude Code, Codex and Gemini CLI (issue 12).

Each test starts a session on a branch (TL;DR, current step, an open blocker), installs the
client's hooks with `git session agent install <client>` where the client keeps its settings,
and runs the real client offline against tests/fakeapi.py, with its own HOME. What the model was
sent shows that (a) the client loaded the installed config, (b) the hooks fired, (c) the brief
reached the model after start, after resume and after a compaction; the session shows (d) the
compaction as one more checkpoint and ``compactions`` 1. A prompt asking where work stood gets
the brief; an unrelated prompt with nothing changed gets nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from git_session.integrations.agent_clients import AgentName
from tests.agentclients import AgentClient, Run
from tests.fakeapi import REPLY, SUMMARY, FakeModelAPI, Request, is_compaction
from tests.helpers import as_json, make_repo, ok

pytestmark = pytest.mark.slow

TLDR = "Login form done; the session cookie is next"
STEP = "Wire the session cookie into the login handler"
BLOCKER = "Staging database refuses connections"
BRIEF = (TLDR, STEP, BLOCKER)
DECISION = "Keep the session in a signed cookie"
RATIONALE = "no server-side store to run"
REJECTED = "Redis session store"
WHERE_WERE_WE = "Where were we?"
UNRELATED = "Fix the typo in the README"


@pytest.fixture
def api() -> Iterator[FakeModelAPI]:
    with FakeModelAPI() as server:
        yield server


@pytest.fixture
def session_repo(tmp_path: Path) -> Path:
    """A repository whose branch has an active session: a TL;DR, a current step, an open blocker."""
    repo = make_repo(tmp_path)
    ok(repo, "start", "Add login", "-o", "Login form")
    ok(repo, "tldr", TLDR)
    ok(repo, "current", STEP)
    ok(repo, "blocker", "add", BLOCKER)
    ok(repo, "decision", "add", DECISION, "--rationale", RATIONALE, "--alternative", REJECTED)
    return repo


def client_for(agent: AgentName, api: FakeModelAPI, repo: Path) -> AgentClient:
    """The client, with the test's HOME as its own (where `agent install` writes user files)."""
    return AgentClient(agent, api, Path.home(), repo)


def has_brief(text: str) -> bool:
    return all(json.dumps(part)[1:-1] in text for part in BRIEF)


def session(repo: Path) -> Any:
    return as_json(repo, "show")


def test_claude(session_repo: Path, api: FakeModelAPI) -> None:
    repo = session_repo
    client = client_for("claude", api, repo)
    ok(repo, "agent", "install", "claude")

    # Start: SessionStart injects the brief; the first prompt, with nothing changed since, adds nothing.
    started = client.run(UNRELATED).check()
    agent_session = client.session_id(started)
    (first,) = api.model_requests()
    assert has_brief(context(first, "SessionStart"))
    assert context(first, "UserPromptSubmit") == ""
    assert hook_outputs(started) == [("SessionStart:startup", "SessionStart")]
    assert "hook" not in started.stderr.lower()
    recorded = session(repo)
    assert (recorded["agent"], recorded["checkpoints"], recorded["compactions"]) == ("Claude Code", [], 0)
    assert agent_session in json.dumps(recorded["sources"])
    api.clear()

    # Resume, asking where work stood: the brief at SessionStart(resume) and on the prompt.
    resumed = client.run(WHERE_WERE_WE, resume=agent_session).check()
    (second,) = api.model_requests()
    assert hook_outputs(resumed) == [("SessionStart:resume", "SessionStart")]
    assert has_brief(context(second, "SessionStart", last=True))
    assert has_brief(context(second, "UserPromptSubmit", last=True))
    api.clear()

    # /compact on the resumed session: a checkpoint, compactions 1, the brief again at SessionStart(compact).
    compacted = client.run("/compact", resume=agent_session).check()
    assert [is_compaction(r) for r in api.model_requests()] == [True]
    assert [name for name, _ in hook_outputs(compacted)] == ["SessionStart:resume", "SessionStart:compact"]
    assert has_brief(hook_context(compacted, "SessionStart:compact"))
    recorded = session(repo)
    assert recorded["compactions"] == 1 and len(recorded["checkpoints"]) == 1
    # Claude runs the compaction as a sub-agent with no type (its SubagentStop): no spawned agent.
    assert [n["text"] for n in recorded["notes"]] == []
    api.clear()

    # The next turn, after the compaction, still carries the brief.
    client.run(UNRELATED, resume=agent_session).check()
    (after,) = api.model_requests()
    assert SUMMARY in after.text and has_brief(after.text)
    assert session(repo)["compactions"] == 1


def test_codex(session_repo: Path, api: FakeModelAPI) -> None:
    repo = session_repo
    client = client_for("codex", api, repo)
    installed = ok(repo, "agent", "install", "codex")
    assert "trust" in installed.lower()

    # Start, then a forced auto-compaction mid-turn (one tool call, then over the token limit).
    api.codex_tool_calls = 1
    started = client.run(UNRELATED, options=("-c", "model_auto_compact_token_limit=1")).check()
    assert hook_errors(started) == []
    first, compaction, after = api.model_requests()
    assert [has_brief(t) for t in developer_texts(first)] == [True]  # SessionStart only: the prompt adds nothing
    assert is_compaction(compaction)
    assert SUMMARY in after.text and any(has_brief(t) for t in developer_texts(after))
    recorded = session(repo)
    assert (recorded["agent"], recorded["compactions"], len(recorded["checkpoints"])) == ("Codex", 1, 1)
    assert client.session_id(started) in json.dumps(recorded["sources"])
    api.clear()

    # Resume, asking where work stood.
    resumed = client.run(WHERE_WERE_WE, resume=client.session_id(started)).check()
    assert hook_errors(resumed) == []
    (second,) = api.model_requests()
    fresh = developer_texts(second)[-2:]  # this run's SessionStart(resume) and UserPromptSubmit
    assert [has_brief(t) for t in fresh] == [True, True]
    assert session(repo)["compactions"] == 1
    api.clear()

    # A prompt that names an alternative a decision set aside gets that decision, in one line.
    client.run(f"Should we switch to a {REJECTED.lower()}?", resume=client.session_id(started)).check()
    (third,) = api.model_requests()
    *_, start_context, prompt_context = developer_texts(third)
    assert has_brief(start_context)
    assert prompt_context == f"Recorded decision: {DECISION} — because {RATIONALE}. It set aside {REJECTED}."


# Gemini compresses when the history is over this fraction of the model's window, and keeps the
# result only when it is smaller: a long earlier reply (varied words: it stops a reply that
# repeats itself) is.
GEMINI_COMPRESS_NOW = {"model": {"compressionThreshold": 0.000001}}
LONG_REPLY = "Noted: " + " ".join(hashlib.sha256(str(i).encode()).hexdigest()[:10] for i in range(300))


def test_gemini(session_repo: Path, api: FakeModelAPI) -> None:
    repo = session_repo
    client = client_for("gemini", api, repo)
    user_settings = client.home / ".gemini/settings.json"
    user_settings.write_text(json.dumps({**json.loads(user_settings.read_text()), **GEMINI_COMPRESS_NOW}))
    ok(repo, "agent", "install", "gemini")

    api.reply = LONG_REPLY
    started = client.run(UNRELATED).check()
    api.reply = REPLY
    first = api.model_requests()[-1]
    start_context, *prompt_context = hook_contexts(first)
    assert has_brief(start_context)
    assert prompt_context == []  # SessionStart only: the prompt adds nothing
    assert "hook" not in gemini_problems(started)
    recorded = session(repo)
    # Gemini fires PreCompress on every turn, before it decides whether to compress: nothing was.
    assert (recorded["agent"], recorded["compactions"], recorded["checkpoints"]) == ("Gemini CLI", 0, [])
    api.clear()

    # Resume, asking where work stood; the history is compressed before the model's turn.
    resumed = client.run(WHERE_WERE_WE, resume=client.session_id(started)).check()
    assert "hook" not in gemini_problems(resumed)
    requests = api.model_requests()
    assert any(is_compaction(r) for r in requests)
    after = requests[-1]
    assert SUMMARY in after.text and LONG_REPLY not in after.text
    assert [has_brief(t) for t in hook_contexts(after)] == [True, True]  # SessionStart(resume), BeforeAgent


def test_the_hooks_do_nothing_where_git_session_is_missing(tmp_path: Path, api: FakeModelAPI) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "Add login")
    ok(repo, "agent", "install", "claude", "--project")
    # A teammate's clone of a repository whose hooks are committed, on a machine without
    # git-session: the shim `agent install` wrote lives in .git, which a clone does not copy.
    (repo / ".git" / "git-session" / "agent-hook").unlink()
    client = AgentClient("claude", api, Path.home(), repo, git_session=False)

    run = client.run(WHERE_WERE_WE).check()

    (request,) = api.model_requests()  # the prompt was not blocked, no turn was added
    assert "hook additional context" not in request.text
    reported = [
        (e["hook_name"], e["exit_code"], e["stdout"]) for e in run.events if e.get("subtype") == "hook_response"
    ]
    assert reported == [("SessionStart:startup", 0, "")]
    assert "hook" not in run.stderr.lower()


def test_codex_on_a_branch_without_a_session_is_told_how_to_start_one(tmp_path: Path, api: FakeModelAPI) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "agent", "install", "codex")
    client = client_for("codex", api, repo)

    run = client.run(UNRELATED).check()

    assert hook_errors(run) == []
    (request,) = api.model_requests()
    assert developer_texts(request) == [
        "git-session: no session is active on branch main. "
        '`git session start "TITLE"` starts one; its brief is then given at every session start.'
    ]


def context(request: Request, event: str, *, last: bool = False) -> str:
    """What follows Claude's label for ``event``'s context in a Messages request, to the end of the
    JSON string it is in (its last occurrence, or all of them); empty when there is none."""
    found = re.findall(re.escape(f"{event} hook additional context: ") + r'((?:[^"\\]|\\.)*)', request.text)
    return (found[-1] if last else "".join(found)) if found else ""


def hook_outputs(run: Run) -> list[tuple[str, str]]:
    """Claude's reports of its SessionStart hooks: (hook name, the event named by the JSON printed)."""
    outputs = []
    for event in run.events:
        if event.get("subtype") == "hook_response":
            printed = json.loads(event["stdout"])
            assert list(printed) == ["hookSpecificOutput"] and set(printed["hookSpecificOutput"]) == {
                "hookEventName",
                "additionalContext",
            }
            outputs.append((event["hook_name"], printed["hookSpecificOutput"]["hookEventName"]))
    return outputs


def hook_context(run: Run, name: str) -> str:
    for event in run.events:
        if event.get("subtype") == "hook_response" and event["hook_name"] == name:
            return str(json.loads(event["stdout"])["hookSpecificOutput"]["additionalContext"])
    raise AssertionError(f"no {name} hook in the run")


def developer_texts(request: Request) -> list[str]:
    """Codex's developer messages but its own (its instructions, its tagged context): hook contexts."""
    texts = [
        part["text"]
        for item in request.body["input"]
        if item.get("role") == "developer"
        for part in item["content"]
        if isinstance(part.get("text"), str)
    ]
    return [t for t in texts if not t.startswith(("<", "You are a coding agent"))]


def hook_errors(run: Run) -> list[str]:
    """Codex's error items about hooks, but for the one that says hook trust is bypassed."""
    return [
        e["item"]["message"]
        for e in run.events
        if e.get("item", {}).get("type") == "error"
        and "hook" in e["item"]["message"].lower()
        and "--dangerously-bypass-hook-trust" not in e["item"]["message"]
    ]


def hook_contexts(request: Request) -> list[str]:
    """The ``<hook_context>`` blocks of the last user turn of a Gemini request."""
    turn = request.body["contents"][-1]
    texts = "".join(part.get("text", "") for part in turn["parts"])
    return [chunk.split("</hook_context>", 1)[0] for chunk in texts.split("<hook_context>")[1:]]


def gemini_problems(run: Run) -> str:
    """Gemini's stderr without the lines every offline run prints."""
    known = (
        "256-color",
        "Ripgrep",
        "[STARTUP]",
        "project-level hooks",
        "  - git-session",
        "These hooks",
        "please review",
    )
    lines = run.stderr.splitlines()
    return "\n".join(line for line in lines if line.strip() and not any(k in line for k in known)).lower()
