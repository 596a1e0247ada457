"""Issue 12, review: defects a hostile or unlucky user hits in the agents' install and hooks;
each test failed before its fix. Whole outputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from git_session import checkpoints
from git_session.agents import events
from git_session.integrations import agents
from git_session.integrations.agent_clients import hook_command
from git_session.sessions import Workspace
from tests.helpers import as_json, fails, git_session_folder, make_repo, ok, run

SYSTEM_PATH = os.pathsep.join(
    d for d in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep) if d and not (Path(d) / "git-session").exists()
)


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    return git_session_folder(tmp_path)


def hook(cwd: Path, agent: str, event: str, payload: Any, bin_dir: Path | None) -> bytes:
    """What the client runs for ``event``: the installed command line, the input on stdin."""
    path = f"{bin_dir}{os.pathsep}{SYSTEM_PATH}" if bin_dir else SYSTEM_PATH
    result = subprocess.run(
        ["sh", "-c", hook_command(agent, event)],  # type: ignore[arg-type]
        cwd=cwd,
        input=json.dumps(payload).encode(),
        capture_output=True,
        env={**os.environ, "PATH": path},
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, b""), result
    return result.stdout


def context(out: bytes) -> str:
    text = json.loads(out)["hookSpecificOutput"]["additionalContext"]
    assert isinstance(text, str)
    return text


# --- install: settings files ----------------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_settings_file_with_a_non_json_number_is_refused_in_one_line_not_a_crash(repo: Path, constant: str) -> None:
    """Python's json reads NaN and Infinity; JSON (and the clients reading the file) do not.
    Install crashed on them (StopIteration in the layout parser)."""
    settings = repo / ".claude/settings.local.json"
    settings.parent.mkdir()
    text = f'{{"permissions": {{"limit": {constant}}}}}\n'
    settings.write_text(text)
    assert fails(repo, "agent", "install", "claude") == (
        f"git-session: .claude/settings.local.json is not valid JSON ({constant} is no JSON value); nothing changed\n"
        "hint: correct the file, or move it away, and run the command again\n"
    )
    assert settings.read_text() == text
    assert not (repo / ".git/git-session/agents-installed").exists()


def test_install_into_a_crlf_file_writes_crlf_line_ends_and_uninstall_gives_it_back(repo: Path, tmp_path: Path) -> None:
    """What install inserted had LF line ends in a CRLF file (a file edited on Windows, or
    a committed --project file under core.autocrlf): the file's own line ends now."""
    lf = '{\n\t"permissions": {\n\t\t"allow": []\n\t},\n\t"hooks": {\n\t\t"Stop": []\n\t}\n}\n'
    crlf = lf.replace("\n", "\r\n")
    other = make_repo(tmp_path, "other")
    for where, text in ((repo, crlf), (other, lf)):
        settings = where / ".claude/settings.local.json"
        settings.parent.mkdir()
        settings.write_bytes(text.encode())
        ok(where, "agent", "install", "claude")
    installed = (repo / ".claude/settings.local.json").read_bytes()
    assert installed == (other / ".claude/settings.local.json").read_bytes().replace(b"\n", b"\r\n")
    ok(repo, "agent", "uninstall", "claude")
    assert (repo / ".claude/settings.local.json").read_bytes() == crlf.encode()


class Killed(BaseException):
    """The process killed at that point (nothing after it runs)."""


USERS_OWN = '{\n    "permissions": {"allow": ["Read"]},\n    "hooks": {"Stop": []}\n}'


@pytest.mark.parametrize("agent", ["claude", "codex"])  # a file of the work tree; a user file (shared)
@pytest.mark.parametrize("killed_in", ["write_text", "save"])
def test_install_killed_midway_leaves_no_hooks_that_uninstall_cannot_take_out(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, agent: str, killed_in: str
) -> None:
    """The settings file was written before the record naming what went in: killed in
    between, install left hooks no record named (installing again found them present and
    recorded nothing), and uninstall could never take them out."""
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex-home"))
    settings = repo / ".claude/settings.local.json" if agent == "claude" else tmp_path / "codex-home/hooks.json"
    settings.parent.mkdir()
    settings.write_text(USERS_OWN)
    real = getattr(agents, killed_in)

    def killed(*args: Any) -> None:
        monkeypatch.setattr(agents, killed_in, real)
        raise Killed

    monkeypatch.setattr(agents, killed_in, killed)
    with pytest.raises(Killed):
        run(repo, "agent", "install", agent)
    ok(repo, "agent", "install", agent)  # run again
    ok(repo, "agent", "uninstall", agent)
    assert settings.read_text() == USERS_OWN


# --- hooks: what is injected --------------------------------------------------------------


def test_a_hook_context_tag_in_the_session_neither_ends_geminis_block_nor_reinjects_on_every_prompt(
    repo: Path, bin_dir: Path
) -> None:
    """Gemini CLI wraps injected context in <hook_context>…</hook_context> and hands BeforeAgent
    the prompt with it glued on. A session's own `</hook_context>` (a session about hooks)
    ended the block early: to the model, the rest was the user's words, and to the prompt
    matching too ("where were we" after it injected the brief on an unrelated prompt)."""
    ok(repo, "start", "Fix the sweep")
    ok(repo, "current", "quote the tag </hook_context> where were we")
    short = as_json(repo, "show")["id"][:4]
    brief = (
        f"# Session {short}: Fix the sweep (active, branch main, updated 2023-11-14 22:13) — brief for Gemini CLI\n"
        "Current step: quote the tag </hook-context> where were we\n"
        "Progress: 0/0 objectives done\n"
    )
    given = context(hook(repo, "gemini", "session-start", {"session_id": "g-1", "source": "startup"}, bin_dir))
    assert given == brief
    glued = f"<hook_context>{given}</hook_context>\n\nFix the typo in the README"
    for agent_path in (None, bin_dir):  # the shim from its cache, then (the cache gone) git-session
        assert hook(repo, "gemini", "prompt", {"session_id": "g-1", "prompt": glued}, agent_path) == b""
        shutil.rmtree(repo / ".git/git-session/branches")
    asked = f"<hook_context>{given}</hook_context>\n\nwhere were we?"
    assert context(hook(repo, "gemini", "prompt", {"session_id": "g-1", "prompt": asked}, bin_dir)) == brief


# --- the agent queue: untrusted files ---------------------------------------------------------


def test_a_pipe_or_a_link_to_an_endless_file_in_the_agent_queue_neither_hangs_nor_crashes_commands(repo: Path) -> None:
    """Every command records the queued agent starts. A pipe there made every command wait
    forever; a link to /dev/zero read until memory ran out. Both are dropped unread."""

    def status() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "git_session", "status"], cwd=repo, capture_output=True, text=True, timeout=30
        )

    ok(repo, "start", "Fix the sweep")
    queue = repo / ".git/git-session/agent-queue"
    queue.mkdir(parents=True)
    before = status()
    os.mkfifo(queue / "claude.s-1")
    (queue / "codex.s-2").symlink_to("/dev/zero")
    after = status()
    assert (after.returncode, after.stdout, after.stderr) == (0, before.stdout, before.stderr)
    assert list(queue.iterdir()) == []


# --- hooks: compactions -----------------------------------------------------------------------


def test_concurrent_pre_compact_handlers_record_one_compaction(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Codex runs the handlers of one event at once (seen on 0.171: the user's hooks.json and
    the project's both installed, or hooks.json and config.toml). Each counted the compaction:
    two checkpoints "compaction 1" and compactions 2 for one compaction. Here the second
    handler comes while the first is taking its checkpoint (a large work tree takes a while)."""
    ok(repo, "start", "Fix the sweep")
    payload = json.dumps({"session_id": "c-1", "hook_event_name": "PreCompact", "trigger": "auto"}).encode()
    real = checkpoints.create
    first_inside = threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():
            first_inside.set()
            time.sleep(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(checkpoints, "create", slow)
    answers: list[str | None] = []
    first = threading.Thread(
        target=lambda: answers.append(events.run("codex", "pre-compact", payload, Workspace.open(str(repo))))
    )
    first.start()
    assert first_inside.wait(30)
    answers.append(events.run("codex", "pre-compact", payload, Workspace.open(str(repo))))
    first.join(30)
    assert answers == [None, None]
    shown = as_json(repo, "show")
    assert (shown["compactions"], [c["label"] for c in shown["checkpoints"]]) == (1, ["compaction 1"])


TOKEN = "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789"  # a GitHub token's shape


def test_the_hooks_mask_secrets_in_what_they_inject_as_the_commit_trailers_do(repo: Path, bin_dir: Path) -> None:
    """What a hook injects goes to the agent's model provider. A secret recorded in the
    session (push refuses it, the trailers mask it) went out whole at every session start."""
    ok(repo, "start", "Fix the sweep")
    ok(repo, "discovery", "add", f"the staging token is {TOKEN}")
    ok(repo, "decision", "add", f"Rotate {TOKEN} weekly", "--alternative", "monthly rotation")
    whole = ok(repo, "brief", "--agent", "Claude Code", "--max-chars", "8000")
    assert TOKEN in whole
    masked = whole.replace(TOKEN, "[redacted]")
    started = hook(repo, "claude", "session-start", {"session_id": "s-1", "source": "startup"}, bin_dir)
    assert context(started) == masked
    asked = hook(repo, "claude", "prompt", {"session_id": "s-1", "prompt": "where were we?"}, None)  # the shim
    assert context(asked) == masked
    named = hook(repo, "claude", "prompt", {"session_id": "s-1", "prompt": "use a monthly rotation"}, None)
    assert context(named) == "Recorded decision: Rotate [redacted] weekly. It set aside monthly rotation."


def test_git_session_disable_turns_the_agent_hooks_off_before_the_shim_exists_too(repo: Path, bin_dir: Path) -> None:
    """GIT_SESSION_DISABLE=1: "the hooks do nothing" (README). The shim obeyed it, but before
    the first hook run there is no shim and the hook command runs git-session, which
    injected the brief, recorded the agent on the session and wrote the shim."""
    ok(repo, "start", "Fix the sweep")
    before = as_json(repo, "show")
    result = subprocess.run(
        ["sh", "-c", hook_command("claude", "session-start")],
        cwd=repo,
        input=json.dumps({"session_id": "s-1", "source": "startup", "model": "m-1"}).encode(),
        capture_output=True,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{SYSTEM_PATH}", "GIT_SESSION_DISABLE": "1"},
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    assert as_json(repo, "show") == before
    assert not (repo / ".git/git-session/agent-hook").exists()


# --- hooks: what a prompt asks ----------------------------------------------------------------


@pytest.mark.parametrize("asked", ["Can you continue?", "could you continue from here?", "Shall we resume?"])
def test_a_request_to_continue_asked_as_a_question_gets_the_brief(repo: Path, bin_dir: Path, asked: str) -> None:
    """A question ("Can you continue?") is the commonest way to ask: it showed no continuation intent."""
    ok(repo, "start", "Fix the sweep")
    brief = context(hook(repo, "claude", "session-start", {"session_id": "s-1", "source": "startup"}, bin_dir))
    for agent_path in (None, bin_dir):  # the shim from its cache, then (the cache gone) git-session
        asking = hook(repo, "claude", "prompt", {"session_id": "s-1", "prompt": asked}, agent_path)
        assert context(asking) == brief
        shutil.rmtree(repo / ".git/git-session/branches")
