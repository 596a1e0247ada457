"""The harness proves itself on the real clients, with hand-written hooks (issue 12, point 4).

Each test runs the real Claude Code, Codex or Gemini CLI offline against tests/fakeapi.py,
with probe hooks where git-session's installer puts its own (plus some at the user level, to
show that the levels merge). They pin the facts the integration relies on: which events fire,
in which order, with which input fields; where a hook's context reaches the model; what each
client's compaction fires. A client upgrade that changes one of them fails here first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agentclients import AgentClient, HookProbe
from tests.fakeapi import REPLY, SUMMARY, FakeModelAPI, is_compaction
from tests.helpers import make_repo

pytestmark = pytest.mark.slow

COMMON_FIELDS = {"session_id", "transcript_path", "cwd", "hook_event_name"}


@pytest.fixture
def api() -> Iterator[FakeModelAPI]:
    with FakeModelAPI() as server:
        yield server


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")


def model_texts(api: FakeModelAPI) -> list[str]:
    return [r.text for r in api.model_requests()]


def test_claude_hooks_fire_and_their_context_reaches_the_model(tmp_path: Path, api: FakeModelAPI) -> None:
    repo = make_repo(tmp_path)
    client = AgentClient("claude", api, tmp_path / "agent-home", repo)
    probe = HookProbe("claude", tmp_path)
    # Where `agent install claude` writes (not committed), and the user's own file: they merge.
    write_json(
        repo / ".claude/settings.local.json", probe.config({"SessionStart": "inject", "UserPromptSubmit": "inject"})
    )
    user_events = {"Stop": "inject-once", "SessionEnd": "inject", "PreCompact": "log", "SubagentStop": "log"}
    write_json(client.home / ".claude/settings.json", probe.config(user_events))

    run = client.run("hello there").check()

    assert api.unknown == ["HEAD /"]  # besides the model: a connectivity check, answered with an empty 200
    assert probe.events() == ["SessionStart(startup)", "UserPromptSubmit", "Stop", "Stop", "SessionEnd"]
    start, prompt, stop, stop_again, end = probe.inputs()
    assert set(start) == COMMON_FIELDS | {"source"}
    assert (
        set(prompt) >= COMMON_FIELDS | {"prompt_id", "permission_mode", "prompt"} and prompt["prompt"] == "hello there"
    )
    assert set(stop) >= COMMON_FIELDS | {"stop_hook_active", "last_assistant_message"}
    assert (stop["stop_hook_active"], stop_again["stop_hook_active"]) == (False, True)
    assert end["reason"] == "other"
    assert start["cwd"] == str(repo) and start["session_id"] == client.session_id(run)
    # SessionStart's context is a system entry of `messages`; UserPromptSubmit's goes into the user turn.
    first, second = model_texts(api)
    assert '{"role": "system", "content": "SessionStart hook additional context: MARKER-SessionStart-startup' in first
    assert "UserPromptSubmit hook additional context: MARKER-UserPromptSubmit" in first
    # A Stop hook's context makes Claude take another turn: a Stop hook must print nothing.
    assert "Stop hook additional context: MARKER-Stop" in second
    # SessionEnd accepts no hookSpecificOutput (the run still succeeds).
    assert "SessionEnd hook" in run.stderr and "Hook JSON output validation failed" in run.stderr
    # Claude reports SessionStart hooks in its stream.
    reported = [e for e in run.events if e.get("subtype") == "hook_response"]
    assert [(e["hook_event"], e["exit_code"]) for e in reported] == [("SessionStart", 0)]


def test_claude_compact_on_a_resumed_session(tmp_path: Path, api: FakeModelAPI) -> None:
    repo = make_repo(tmp_path)
    client = AgentClient("claude", api, tmp_path / "agent-home", repo)
    probe = HookProbe("claude", tmp_path)
    events = {"SessionStart": "inject", "PreCompact": "log", "PostCompact": "log", "SubagentStop": "log"}
    write_json(repo / ".claude/settings.local.json", probe.config(events))
    session = client.session_id(client.run("hello there").check())
    probe.clear()
    api.clear()

    client.run("second prompt", resume=session).check()
    assert probe.events() == ["SessionStart(resume)"]
    (resumed,) = model_texts(api)
    assert "SessionStart hook additional context: MARKER-SessionStart-resume" in resumed
    assert "SessionStart hook additional context: MARKER-SessionStart-startup" in resumed  # from the transcript
    probe.clear()
    api.clear()

    client.run("/compact", resume=session).check()
    assert probe.events() == [
        "SessionStart(resume)",
        "PreCompact(manual)",
        "SubagentStop",  # the compaction runs as a sub-agent with no type
        "SessionStart(compact)",
        "PostCompact(manual)",
    ]
    _, pre_compact, compactor, after_compact, post_compact = probe.inputs()
    assert pre_compact["custom_instructions"] is None
    assert compactor["agent_type"] == "" and compactor["last_assistant_message"] == SUMMARY
    assert after_compact["session_id"] == session
    assert post_compact["compact_summary"] == SUMMARY
    assert [is_compaction(r) for r in api.model_requests()] == [True]  # no model turn after it
    probe.clear()
    api.clear()

    client.run("after the compaction", resume=session).check()
    (after,) = model_texts(api)
    assert "SessionStart hook additional context: MARKER-SessionStart-compact" in after
    assert "SessionStart hook additional context: MARKER-SessionStart-resume" in after
    assert "MARKER-SessionStart-startup" not in after  # summarized away
    assert SUMMARY in after


def developer_texts(body: Any) -> list[str]:
    """The texts of the developer messages of a Responses request (where Codex puts hook context)."""
    return [
        part["text"]
        for item in body["input"]
        if item.get("role") == "developer"
        for part in item["content"]
        if part.get("text", "").startswith("MARKER")
    ]


def test_codex_hooks_fire_and_forced_auto_compaction(tmp_path: Path, api: FakeModelAPI) -> None:
    repo = make_repo(tmp_path)
    client = AgentClient("codex", api, tmp_path / "agent-home", repo)
    probe = HookProbe("codex", tmp_path)
    events = ("PreToolUse", "PostToolUse", "PreCompact", "PostCompact", "Stop", "SessionEnd")
    injecting = {"SessionStart": "inject", "UserPromptSubmit": "inject"}
    write_json(client.home / ".codex/hooks.json", probe.config({**injecting, **dict.fromkeys(events, "log")}))
    api.codex_tool_calls = 1  # a tool call, so that a compaction happens before the model's next turn

    run = client.run("hello there", options=("-c", "model_auto_compact_token_limit=1")).check()
    assert api.unknown == []  # Codex calls nothing but the model

    assert probe.events() == [
        "SessionStart(startup)",
        "UserPromptSubmit",
        "PreToolUse",
        "PostToolUse",
        "PreCompact(auto)",
        "PostCompact(auto)",
        "SessionStart(compact)",
        "Stop",
        "SessionEnd",
    ]
    start, prompt = probe.inputs()[:2]
    assert set(start) == COMMON_FIELDS | {"source", "model", "permission_mode"} and start["model"] == "gpt-fake"
    assert set(prompt) == COMMON_FIELDS | {"turn_id", "prompt", "model", "permission_mode"}
    assert start["session_id"] == client.session_id(run)
    first, compaction, after = api.model_requests()
    assert developer_texts(first.body) == ["MARKER-SessionStart-startup", "MARKER-UserPromptSubmit"]
    assert is_compaction(compaction) and not is_compaction(after)
    assert developer_texts(after.body) == ["MARKER-SessionStart-compact"]
    assert SUMMARY in after.text
    assert '"type":"agent_message","text":"' + REPLY in run.stdout


def test_codex_resume_and_the_untrusted_project_file(tmp_path: Path, api: FakeModelAPI) -> None:
    repo = make_repo(tmp_path)
    client = AgentClient("codex", api, tmp_path / "agent-home", repo)
    probe = HookProbe("codex", tmp_path)
    write_json(client.home / ".codex/hooks.json", probe.config({"SessionStart": "inject"}))
    write_json(repo / ".codex/hooks.json", probe.config({"UserPromptSubmit": "inject"}))  # project file
    session = client.session_id(client.run("hello there").check())
    probe.clear()
    api.clear()

    run = client.run("again", resume=session).check()

    assert probe.events() == ["SessionStart(resume)"]  # the project's hooks.json did not load
    assert "Untrusted project-local configuration is disabled" in run.stderr
    (resumed,) = api.model_requests()
    assert developer_texts(resumed.body) == ["MARKER-SessionStart-startup", "MARKER-SessionStart-resume"]


# Gemini compresses when the history's estimated size is over this fraction of the model's window,
# and keeps the result only when it is smaller: a long first prompt, summarized, is.
GEMINI_COMPRESS_NOW = {"model": {"compressionThreshold": 0.000001}}
LONG_PROMPT = "hello there. " + "Some background the model reads once. " * 80
# Varied words (Gemini stops a reply that repeats itself as a loop).
LONG_REPLY = "Noted: " + " ".join(hashlib.sha256(str(i).encode()).hexdigest()[:10] for i in range(300))


def test_gemini_hooks_fire_and_a_compression(tmp_path: Path, api: FakeModelAPI) -> None:
    repo = make_repo(tmp_path)
    client = AgentClient("gemini", api, tmp_path / "agent-home", repo)
    probe = HookProbe("gemini", tmp_path)
    # Where `agent install gemini` writes, and the user's file (which already holds the auth setting).
    write_json(repo / ".gemini/settings.json", probe.config({"SessionStart": "inject", "BeforeAgent": "inject"}))
    user = json.loads((client.home / ".gemini/settings.json").read_text())
    logged = probe.config(dict.fromkeys(["PreCompress", "AfterAgent", "SessionEnd"], "log"))
    write_json(client.home / ".gemini/settings.json", {**user, **logged, **GEMINI_COMPRESS_NOW})

    api.reply = LONG_REPLY
    run = client.run(LONG_PROMPT).check()
    api.reply = REPLY

    assert api.unknown == []  # Gemini calls nothing but its models (a router model first)
    assert probe.events() == ["SessionStart(startup)", "BeforeAgent", "PreCompress(auto)", "AfterAgent", "SessionEnd"]
    start, before_agent = probe.inputs()[:2]
    assert set(start) == COMMON_FIELDS | {"source", "timestamp"} and start["session_id"] == client.session_id(run)
    # SessionStart's context is prepended to the prompt, and BeforeAgent's hook sees it in `prompt`.
    assert before_agent["prompt"] == "<hook_context>MARKER-SessionStart-startup</hook_context>\n\n" + LONG_PROMPT
    turn = api.model_requests()[-1].body["contents"][-1]  # the first turn also holds Gemini's session context
    assert turn["parts"][-2:] == [
        {"text": "<hook_context>MARKER-SessionStart-startup</hook_context>\n\n" + LONG_PROMPT},
        {"text": "<hook_context>MARKER-BeforeAgent</hook_context>"},
    ]
    assert not any(is_compaction(r) for r in api.model_requests())  # PreCompress fired; nothing compressed
    probe.clear()
    api.clear()

    client.run("second prompt", resume=client.session_id(run)).check()

    assert probe.events() == ["SessionStart(resume)", "BeforeAgent", "PreCompress(auto)", "AfterAgent", "SessionEnd"]
    requests = api.model_requests()
    assert [is_compaction(r) for r in requests[:2]] == [True, True]  # the snapshot and its verification
    after = requests[-1].text
    assert SUMMARY in after and LONG_REPLY not in after
    assert "<hook_context>MARKER-SessionStart-resume</hook_context>\\n\\nsecond prompt" in after
    assert "<hook_context>MARKER-BeforeAgent</hook_context>" in after
