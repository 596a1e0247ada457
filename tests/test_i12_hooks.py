"""Issue 12: what the agents' hooks do. The shim (hooks/agent-hook) driven with the real `sh`
through the command line an installed hook runs (agent_clients.hook_command), the client's
input as JSON on stdin, in hermetic repositories; whole outputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from git_session import data
from git_session.fold import fold
from git_session.integrations.agent_clients import AGENT_NAMES, CLIENTS, hook_command
from git_session.model import Op
from git_session.sessions import abbreviate
from tests.helpers import as_json, git, git_session_folder, make_repo, ok

SYSTEM_PATH = os.pathsep.join(
    d for d in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep) if d and not (Path(d) / "git-session").exists()
)
HEADER = "# Session {short}: Fix the sweep (active, branch main, updated 2023-11-14 22:13) — brief for {title}\n"
BRIEF = "TL;DR: Race in the sweeper\nCurrent step: write the fix\nProgress: 0/0 objectives done\n"
CHANGED = "The git-session session changed since this agent session last saw it:\n"


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    return git_session_folder(tmp_path)


@pytest.fixture
def session(repo: Path) -> Path:
    ok(repo, "start", "Fix the sweep")
    ok(repo, "tldr", "Race in the sweeper")
    ok(repo, "current", "write the fix")
    return repo


def hook(
    cwd: Path, agent: str, event: str, payload: Any, bin_dir: Path | None = None, *, raw: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """What the client runs for ``event``: the installed command line, input on stdin."""
    path = f"{bin_dir}{os.pathsep}{SYSTEM_PATH}" if bin_dir else SYSTEM_PATH
    stdin = raw if raw is not None else json.dumps(payload).encode()
    result = subprocess.run(
        ["sh", "-c", hook_command(agent, event)],  # type: ignore[arg-type]
        cwd=cwd,
        input=stdin,
        capture_output=True,
        env={**os.environ, "PATH": path},
        timeout=60,
    )
    assert result.returncode == 0, result
    return result


def start(cwd: Path, agent: str, sid: str, bin_dir: Path | None, **more: str) -> bytes:
    payload = {"session_id": sid, "hook_event_name": "SessionStart", "source": "startup", **more}
    return hook(cwd, agent, "session-start", payload, bin_dir).stdout


def prompt(cwd: Path, agent: str, sid: str, text: str, bin_dir: Path | None) -> bytes:
    return hook(cwd, agent, "prompt", {"session_id": sid, "prompt": text}, bin_dir).stdout


def document(agent: str, event: str, text: str) -> bytes:
    name = CLIENTS[agent].hook_events[event]  # type: ignore[index]
    doc = {"hookSpecificOutput": {"hookEventName": name, "additionalContext": text}}
    return (json.dumps(doc, ensure_ascii=True) + "\n").encode()


def brief(repo: Path, agent: str) -> str:
    short = as_json(repo, "show")["id"][:4]
    return HEADER.format(short=short, title=CLIENTS[agent].title) + BRIEF  # type: ignore[index]


def with_checkpoint(repo: Path, text: str) -> str:
    """A brief's text with the session's latest checkpoint (one taken at HEAD)."""
    taken = as_json(repo, "show")["checkpoints"]
    latest, head = taken[-1], git(repo, "rev-parse", "HEAD")[:7]
    short = abbreviate([c["id"] for c in taken])[latest["id"]]
    text += f"## Latest checkpoint\n- {short} {latest['label']} · 2023-11-14 22:13 · HEAD {head}\n"
    older = len(taken) - 1
    return text + (f"omitted: {older} checkpoint{'s' if older > 1 else ''} — git session show\n" if older else "")


def strictly_one_document(out: bytes, event_name: str) -> str:
    """Exactly the schema every client takes (Codex rejects any other field)."""
    value = json.loads(out)
    assert list(value) == ["hookSpecificOutput"]
    assert list(value["hookSpecificOutput"]) == ["hookEventName", "additionalContext"]
    assert value["hookSpecificOutput"]["hookEventName"] == event_name
    assert out.count(b"\n") == 1 and out.endswith(b"}}\n")
    text = value["hookSpecificOutput"]["additionalContext"]
    assert isinstance(text, str)
    return text


# --- session start ----------------------------------------------------------------------


@pytest.mark.parametrize("agent", AGENT_NAMES)
def test_session_start_injects_the_brief_for_each_client_in_exactly_its_schema(
    session: Path, bin_dir: Path, agent: str
) -> None:
    first = start(session, agent, "s-1", bin_dir)  # no shim yet: git-session answers, and writes it
    assert first == document(agent, "session-start", brief(session, agent))
    strictly_one_document(first, CLIENTS[agent].hook_events["session-start"])  # type: ignore[index]
    assert (session / ".git/git-session/agent-hook").read_bytes() == data.hook("agent-hook")
    again = start(session, agent, "s-2", None)  # the shim, from the cache: no git-session on PATH
    assert again == first


@pytest.mark.parametrize("agent", AGENT_NAMES)
def test_the_prompt_event_answers_under_each_clients_own_event_name(session: Path, bin_dir: Path, agent: str) -> None:
    start(session, agent, "s-1", bin_dir)
    out = prompt(session, agent, "s-1", "Where were we?", None)
    assert out == document(agent, "prompt", brief(session, agent))
    strictly_one_document(
        out, {"claude": "UserPromptSubmit", "codex": "UserPromptSubmit", "gemini": "BeforeAgent"}[agent]
    )


def test_a_fresh_cache_answers_without_python(session: Path, bin_dir: Path) -> None:
    start(session, "claude", "s-1", bin_dir)
    # git-session is not on PATH: only the shim and the cache can answer
    assert start(session, "claude", "s-2", None) == document("claude", "session-start", brief(session, "claude"))
    for intent in ("Where were we?", "CONTINUE", "ok, let's pick up where we left off!", "resume."):
        assert prompt(session, "claude", "s-2", intent, None) == document("claude", "prompt", brief(session, "claude"))
    assert prompt(session, "claude", "s-2", "add a test for the sweeper", None) == b""
    # a change made by git-session renders the cache again: the shim still answers alone
    ok(session, "current", "test the fix")
    changed = brief(session, "claude").replace("write the fix", "test the fix")
    assert prompt(session, "claude", "s-3", "where were we", None) == document("claude", "prompt", changed)


def test_a_stale_cache_falls_back_to_git_session(session: Path, bin_dir: Path) -> None:
    start(session, "claude", "s-1", bin_dir)
    git(session, "config", "session.claude.budget", "200")  # the config is newer than the cache
    assert start(session, "claude", "s-2", None) == b""  # stale, and no git-session to ask
    out = start(session, "claude", "s-2", bin_dir)
    text = strictly_one_document(out, "SessionStart")
    assert len(text) <= 200 and text.startswith("# Session ")
    assert start(session, "claude", "s-3", None) == out  # rendered again: fresh


def test_no_session_on_the_branch_gives_one_line_or_nothing(repo: Path, bin_dir: Path) -> None:
    hint = (
        "git-session: no session is active on branch main. "
        '`git session start "TITLE"` starts one; its brief is then given at every session start.'
    )
    assert start(repo, "claude", "s-1", bin_dir) == document("claude", "session-start", hint)
    assert start(repo, "claude", "s-1", None) == document("claude", "session-start", hint)
    assert prompt(repo, "claude", "s-1", "where were we?", None) == b""
    git(repo, "config", "session.claude.noSession", "none")
    assert start(repo, "claude", "s-1", bin_dir) == b""
    assert start(repo, "claude", "s-1", None) == b""


# --- prompts ----------------------------------------------------------------------------


def test_an_unrelated_prompt_with_no_change_injects_nothing_and_a_change_only_the_change(
    session: Path, bin_dir: Path
) -> None:
    start(session, "claude", "s-1", bin_dir)
    assert prompt(session, "claude", "s-1", "add a test for the sweeper", bin_dir) == b""
    ok(session, "note", "the race shows under load only")
    ok(session, "blocker", "add", "waiting on API docs")
    out = prompt(session, "claude", "s-1", "add a test for the sweeper", bin_dir)
    expected = CHANGED + "- new note: the race shows under load only\n- new blocker: waiting on API docs"
    assert out == document("claude", "prompt", expected)
    assert prompt(session, "claude", "s-1", "add a test for the sweeper", None) == b""  # seen now: the shim


def test_a_prompt_naming_a_rejected_alternative_gets_that_decision_in_one_line(session: Path, bin_dir: Path) -> None:
    ok(session, "decision", "add", "Lock before check", "--rationale", "simplest fix", "--alternative", "atomic state")
    start(session, "claude", "s-1", bin_dir)
    line = "Recorded decision: Lock before check — because simplest fix. It set aside atomic state."
    for agent_path in (None, bin_dir):
        out = prompt(session, "claude", "s-1", "Why not use an Atomic-State flag instead?", agent_path)
        assert out == document("claude", "prompt", line)
    assert prompt(session, "claude", "s-1", "make the state atomically visible", None) == b""


# --- compaction ---------------------------------------------------------------------------


def test_a_compaction_checkpoints_counts_and_reinjects_on_the_next_prompt(session: Path, bin_dir: Path) -> None:
    start(session, "claude", "s-1", bin_dir)
    compacting = {"session_id": "s-1", "hook_event_name": "PreCompact", "trigger": "manual"}
    assert hook(session, "claude", "pre-compact", compacting, bin_dir).stdout == b""
    shown = as_json(session, "show")
    assert shown["compactions"] == 1
    assert [c["label"] for c in shown["checkpoints"]] == ["compaction 1"]
    out = prompt(session, "claude", "s-1", "add a test for the sweeper", None)  # the shim: the marker
    assert out == document("claude", "prompt", with_checkpoint(session, brief(session, "claude")))
    assert prompt(session, "claude", "s-1", "add a test for the sweeper", None) == b""  # once


def test_a_compaction_reinjects_on_session_start_compact(session: Path, bin_dir: Path) -> None:
    start(session, "codex", "s-1", bin_dir)
    for _ in range(2):
        hook(session, "codex", "pre-compact", {"session_id": "s-1", "trigger": "auto"}, bin_dir)
    shown = as_json(session, "show")
    assert shown["compactions"] == 1  # fired twice with nothing between: one compaction
    out = start(session, "codex", "s-1", None, source="compact")
    assert out == document("codex", "session-start", with_checkpoint(session, brief(session, "codex")))
    assert prompt(session, "codex", "s-1", "add a test", None) == b""  # given at the start: not again
    hook(session, "codex", "pre-compact", {"session_id": "s-1", "trigger": "auto"}, bin_dir)
    shown = as_json(session, "show")
    assert shown["compactions"] == 2
    assert [c["label"] for c in shown["checkpoints"]] == ["compaction 1", "compaction 2"]
    out = prompt(session, "codex", "s-1", "add a test", None)
    assert out == document("codex", "prompt", with_checkpoint(session, brief(session, "codex")))


def test_fold_counts_a_compactions_checkpoint_as_one_and_an_older_kind_reads_it_as_a_checkpoint() -> None:
    def op(n: int, action: str, fields: dict[str, Any], kind: str | None = None) -> Op:
        data: Any = {"fields": fields, **({"kind": kind} if kind else {})}
        return Op(f"{n:026d}", n, n, "+0000", "a", action, data)  # type: ignore[arg-type]

    state = fold(
        [
            op(1, "create", {"title": "t"}),
            op(2, "add", {"text": "compaction 1", "label": "compaction 1", "compaction": 1}, "checkpoint"),
            op(3, "add", {"text": "by hand", "label": "by hand"}, "checkpoint"),
        ]
    )
    assert state.meta.count("compaction") == 1
    assert state.meta.count("checkpoint") == 2


# --- what is recorded ---------------------------------------------------------------------


def test_a_session_start_records_agent_model_and_agent_session_not_the_transcript(session: Path, bin_dir: Path) -> None:
    transcript = session.parent / "t.jsonl"
    transcript.write_text('{"secret": "transcript content"}\n')
    start(session, "claude", "s-1", bin_dir, model="model-a", transcript_path=str(transcript))
    start(session, "claude", "s-2", None, model="model-b", transcript_path=str(transcript))  # queued by the shim
    assert list((session / ".git/git-session/agent-queue").iterdir())
    shown = as_json(session, "show")  # the next command records it
    assert not list((session / ".git/git-session/agent-queue").iterdir())
    assert (shown["agent"], shown["model"]) == ("Claude Code", "model-b")
    log = git(session, "log", "--all", "--format=%B")  # the private layer's too: never pushed
    assert '"agent_session":"s-1"' in log and '"agent_session":"s-2"' in log
    assert f'"transcript":"{transcript}"' in log
    assert "transcript content" not in log
    # the records are no news to the agent session that made them
    assert prompt(session, "claude", "s-2", "add a test", None) == b""


def test_a_subagent_stop_records_the_spawned_agent(session: Path, bin_dir: Path) -> None:
    payload = {
        "session_id": "s-1",
        "agent_id": "a1",
        "agent_type": "Explore",
        "last_assistant_message": "Found the race\nin sweeper.go:245.",
    }
    assert hook(session, "claude", "subagent-stop", payload, bin_dir).stdout == b""
    notes = as_json(session, "show")["notes"]
    assert [n["text"] for n in notes] == ["Spawned agent Explore completed: Found the race in sweeper.go:245."]


def test_claudes_own_compaction_agent_is_no_spawned_agent(session: Path, bin_dir: Path) -> None:
    """Claude Code's /compact runs as a sub-agent: its SubagentStop has an empty agent_type."""
    payload = {
        "session_id": "s-1",
        "agent_id": "a2",
        "agent_type": "",
        "agent_transcript_path": "/tmp/t/subagents/agent-a2.jsonl",
        "last_assistant_message": "Summary of the conversation so far.",
    }
    assert hook(session, "claude", "subagent-stop", payload, bin_dir).stdout == b""
    assert as_json(session, "show")["notes"] == []


@pytest.mark.parametrize("event", ["stop", "session-end"])
def test_stop_and_session_end_say_nothing(session: Path, bin_dir: Path, event: str) -> None:
    start(session, "claude", "s-1", bin_dir)
    assert hook(session, "claude", event, {"session_id": "s-1"}, bin_dir).stdout == b""


# --- never in the way -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b'{"session_id": "../../escape", "prompt": "where were we?"}',
        b'{"session_id": ".hidden", "prompt": "where were we?"}',
        b'{"session_id": "a/b", "prompt": "where were we?"}',
        b'{"session_id": "s-1", "prompt": "where were we?"',
        b'{"session_id": "s-1"} trailing',
        b"not json at all",
        b"",
        b'["session_id", "s-1"]',
        b'{"session_id": 12, "prompt": "where were we?"}',
    ],
)
@pytest.mark.parametrize("with_git_session", [False, True])
def test_hostile_or_malformed_input_gives_nothing(
    session: Path, bin_dir: Path, raw: bytes, with_git_session: bool
) -> None:
    start(session, "claude", "s-1", bin_dir)
    before = sorted(str(p) for p in session.parent.rglob("*"))
    for event in ("session-start", "prompt"):
        result = hook(session, "claude", event, None, bin_dir if with_git_session else None, raw=raw)
        assert (result.stdout, result.stderr) == (b"", b"")
    after = sorted(str(p) for p in session.parent.rglob("*") if ".input." not in str(p))
    assert [p for p in after if p not in before and "escape" in p] == []
    assert not (session.parent / "escape").exists()


def test_outside_a_repository_or_without_git_session_nothing_happens(tmp_path: Path, bin_dir: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    for path in (None, bin_dir):
        result = hook(outside, "claude", "session-start", {"session_id": "s-1"}, path)
        assert (result.stdout, result.stderr) == (b"", b"")
    fresh = make_repo(tmp_path, "fresh")
    ok(fresh, "start", "x")
    result = hook(fresh, "claude", "session-start", {"session_id": "s-1"}, None)  # no shim, no git-session
    assert (result.stdout, result.stderr) == (b"", b"")


def test_the_shim_never_hangs_on_a_git_session_that_does(session: Path, bin_dir: Path, tmp_path: Path) -> None:
    start(session, "claude", "s-1", bin_dir)
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "git-session").write_text("#!/bin/sh\nexec sleep 60\n")
    (slow / "git-session").chmod(0o755)
    git(session, "config", "session.hookTimeout", "1")  # also makes the cache stale
    result = hook(session, "claude", "session-start", {"session_id": "s-1"}, slow)
    assert (result.stdout, result.stderr) == (b"", b"")


def test_an_out_of_date_shim_is_rewritten(session: Path, bin_dir: Path) -> None:
    shim = session / ".git/git-session/agent-hook"
    start(session, "claude", "s-1", bin_dir)
    shim.write_text("#!/bin/sh\nexit 0\n")
    ok(session, "note", "a change renders the cache, and puts the package's shim back")
    assert shim.read_bytes() == data.hook("agent-hook")


def test_the_shims_cache_names_match_the_python_side() -> None:
    text = data.hook("agent-hook").decode()
    assert "cache=$dir/branches/$branch/agent-$agent~" in text
    assert "state=$dir/agents/$agent" in text
    assert "$dir/agent-queue" in text
    assert '"git-session-agent 1"' in text
    assert shutil.which("sh")


PROMPTS = [
    "Where were we?",
    "where WERE we",
    "Continue",
    "continue.",
    "OK, continue with the parser",
    "Please resume",
    "let's pick up where we left off",
    "so... carry on",
    "Keep going!",
    "can you continue?",  # a question asking to continue: intent (test_i12_review)
    "resumes are parsed here",  # a word starting like one: no intent
    "where were the tests",
    "add a test for the sweeper",
    "café — où en étions-nous ? where were we",
]


@pytest.mark.parametrize("text", PROMPTS)
def test_the_shim_and_git_session_read_a_prompt_alike(session: Path, bin_dir: Path, text: str) -> None:
    ok(session, "decision", "add", "Lock before check", "--alternative", "atomic state")
    start(session, "claude", "s-1", bin_dir)
    start(session, "claude", "s-2", bin_dir)
    by_shim = prompt(session, "claude", "s-1", text + " (atomic state?)", None)
    direct = subprocess.run(
        [str(bin_dir / "git-session"), "agent", "hook", "claude", "prompt"],
        cwd=session,
        input=json.dumps({"session_id": "s-2", "prompt": text + " (atomic state?)"}).encode(),
        capture_output=True,
        timeout=60,
    )
    assert (direct.returncode, direct.stderr) == (0, b"")
    assert by_shim == direct.stdout
    intent = text not in PROMPTS[10:13]
    expected = brief(session, "claude") if intent else ""
    assert (json.loads(by_shim)["hookSpecificOutput"]["additionalContext"].startswith("# Session")) == bool(expected)


def test_a_prompt_too_long_for_the_shim_goes_to_git_session(session: Path, bin_dir: Path) -> None:
    start(session, "claude", "s-1", bin_dir)
    long = "where were we? " + "x" * 70_000
    assert prompt(session, "claude", "s-1", long, None) == b""  # not read by the shim, no git-session
    assert prompt(session, "claude", "s-1", long, bin_dir) == document("claude", "prompt", brief(session, "claude"))
    assert not [p for p in (session / ".git/git-session/agents/claude").iterdir() if p.name.startswith(".")]


def test_in_a_linked_worktree_the_shim_answers_for_its_branch(session: Path, bin_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(session, "worktree", "add", "-q", "-b", "topic", str(other))
    ok(other, "start", "Fix the sweep")
    ok(other, "tldr", "Race in the sweeper")
    ok(other, "current", "write the fix")
    first = start(other, "gemini", "g-1", bin_dir)
    short = as_json(other, "show")["id"][:4]
    text = HEADER.format(short=short, title="Gemini CLI").replace("branch main", "branch topic") + BRIEF
    assert first == document("gemini", "session-start", text)
    assert start(other, "gemini", "g-2", None) == first
    assert start(session, "gemini", "g-3", None) == b""  # main's answers for gemini are not rendered yet


# --- what the real clients showed (tests/test_i12_clients*.py run them) ----------------------


def test_a_gemini_prompt_with_the_brief_glued_on_is_matched_on_the_users_words_only(
    session: Path, bin_dir: Path
) -> None:
    """Gemini CLI 0.61 hands BeforeAgent the prompt with the session-start context glued on:
    the brief's own words (a rejected alternative, "continue") must not count as the user's."""
    ok(session, "decision", "add", "Lock before check", "--alternative", "atomic state")
    start(session, "gemini", "s-1", bin_dir)
    glued = "<hook_context>Continue. It set aside atomic state.</hook_context>\n\nFix the typo in the README"
    for agent_path in (None, bin_dir):  # the shim, then (with the cache gone) git-session
        assert prompt(session, "gemini", "s-1", glued, agent_path) == b""
        shutil.rmtree(session / ".git" / "git-session" / "branches")
        start(session, "gemini", "s-1", bin_dir)
    asked = "<hook_context>the brief</hook_context>\n\nwhere were we?"
    assert prompt(session, "gemini", "s-1", asked, None).startswith(b'{"hookSpecificOutput"')


def test_a_git_session_that_exits_2_never_blocks_the_client(repo: Path, tmp_path: Path) -> None:
    """An older git-session that does not know `agent hook` exits 2 (a usage error), which
    Claude Code reads as "block this prompt": the hook command exits 0 all the same."""
    old = tmp_path / "old-bin"
    old.mkdir()
    script = old / "git-session"
    script.write_text('#!/bin/sh\necho "Usage: git session [OPTIONS] COMMAND" >&2\nexit 2\n')
    script.chmod(0o755)
    for event in ("session-start", "prompt", "pre-compact", "stop"):
        result = hook(repo, "claude", event, {"session_id": "s-1", "prompt": "hi"}, old)  # asserts exit 0
        assert (result.stdout, result.stderr) == (b"", b"")
