"""What git-session knows of each coding agent's client: where it keeps its configuration,
which of its hook events stand for the moments git-session acts on, and the command line
its configuration runs. The one home of these facts (observed on the real clients; see
AGENT-HOOKS.md in the project's shared documents).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from typing import Literal, NamedTuple, get_args

AgentName = Literal["claude", "codex", "gemini"]
AGENT_NAMES: tuple[AgentName, ...] = get_args(AgentName)

# The moments git-session acts on, named the same for every client.
Event = Literal["session-start", "prompt", "pre-compact", "subagent-stop", "stop", "session-end"]
EVENTS: tuple[Event, ...] = get_args(Event)

Scope = Literal["local", "project", "user"]  # not committed / committed / the user's own


class Client(NamedTuple):
    name: AgentName
    title: str  # as its makers write it
    # Where its hook configuration lives: relative to the work tree's top, or under "~/"
    # (the user's home; Codex: $CODEX_HOME when set).
    configs: Mapping[Scope, str]
    default_scope: Scope  # what `agent install` writes without --project/--user
    hook_events: Mapping[Event, str]  # ours -> the client's event name (absent: it has none)
    matchers: Mapping[Event, str]  # a matcher an event's entry carries
    timeout_unit: Literal["s", "ms"]
    budget: int  # default characters of the brief injected at session start
    limit: int  # the most characters the client takes as context (longer: a preview and a file)
    instructions: str  # the instructions file it reads (AGENTS.md, CLAUDE.md, GEMINI.md)
    trusts_hooks: bool = False  # the user must trust new hooks before they run (Codex)
    comments: bool = False  # its settings may hold // and /* */ comments (Gemini CLI reads them)


_CLAUDE_LIKE_EVENTS: Mapping[Event, str] = {
    "session-start": "SessionStart",
    "prompt": "UserPromptSubmit",
    "pre-compact": "PreCompact",
    "subagent-stop": "SubagentStop",
    "stop": "Stop",
    "session-end": "SessionEnd",
}

CLIENTS: Mapping[AgentName, Client] = {
    "claude": Client(
        name="claude",
        title="Claude Code",
        configs={
            "local": ".claude/settings.local.json",
            "project": ".claude/settings.json",
            "user": "~/.claude/settings.json",
        },
        default_scope="local",
        hook_events=_CLAUDE_LIKE_EVENTS,
        matchers={"session-start": "startup|resume|clear|compact"},
        timeout_unit="s",
        budget=8000,
        limit=10000,
        instructions="CLAUDE.md",
    ),
    "codex": Client(
        name="codex",
        title="Codex",
        # Codex has no project file that stays uncommitted: its user file is the default.
        configs={"local": "~/.codex/hooks.json", "project": ".codex/hooks.json", "user": "~/.codex/hooks.json"},
        default_scope="user",
        hook_events=_CLAUDE_LIKE_EVENTS,
        matchers={"session-start": "startup|resume|clear|compact"},
        timeout_unit="s",
        budget=6000,
        limit=8000,  # about 2,500 tokens of English: Codex spills more to a file
        instructions="AGENTS.md",
        trusts_hooks=True,
    ),
    "gemini": Client(
        name="gemini",
        title="Gemini CLI",
        configs={
            "local": ".gemini/settings.json",  # Gemini has no uncommitted project file: see agent install
            "project": ".gemini/settings.json",
            "user": "~/.gemini/settings.json",
        },
        default_scope="local",
        hook_events={
            "session-start": "SessionStart",
            "prompt": "BeforeAgent",
            # No "pre-compact": Gemini CLI 0.61 fires PreCompress on every turn with a history,
            # before it decides whether to compress, and nothing after a compression: a
            # PreCompress is no compaction. Its prompt hook brings the brief back on demand.
            "stop": "AfterAgent",
            "session-end": "SessionEnd",
        },
        matchers={},
        timeout_unit="ms",
        budget=8000,
        limit=10000,  # no limit documented: as Claude Code's
        instructions="GEMINI.md",
        comments=True,
    ),
}

# Seconds each event's hook may run before the client gives up on it (Gemini: x 1000, ms).
TIMEOUTS: Mapping[Event, int] = {
    "session-start": 10,
    "prompt": 10,
    "pre-compact": 30,
    "subagent-stop": 10,
    "stop": 5,
    "session-end": 3,
}

HANDLER_NAME = "git-session"  # the "name" of a Gemini CLI hook entry

SHIM_NAME = "agent-hook"  # <common-dir>/git-session/agent-hook: the POSIX-sh fast path


def hook_command(agent: AgentName, event: Event) -> str:
    """The command line a client's configuration runs for ``event``.

    It does nothing (exit 0, no output) where git is missing, outside a repository, or where
    git-session is not installed. It runs the repository's shim when there is one (no Python
    on the path of a fresh cache), else ``git-session agent hook`` (which writes the shim).
    Whatever either exits with, the command exits 0: a client reads exit 2 as "block" (Claude
    Code stops the prompt), and a git-session older than the hooks exits 2 on a command it
    does not know."""
    args = f"{agent} {event}"
    script = (
        f'h="$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null)/git-session/{SHIM_NAME}"; '
        f'if [ -f "$h" ]; then sh "$h" {args}; '
        "elif command -v git-session >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1; then "
        f"git-session agent hook {args} 2>/dev/null; fi; "
        "exit 0"
    )
    return f"sh -c {shlex.quote(script)}"


def config_file(agent: AgentName, scope: Scope, top: str, environ: Mapping[str, str]) -> str:
    """The absolute path of ``agent``'s configuration at ``scope``: under the work tree's
    ``top``, or the user's home (Codex: ``$CODEX_HOME`` when set, as Codex reads it)."""
    relative = CLIENTS[agent].configs[scope]
    if not relative.startswith("~/"):
        return os.path.join(top, relative)
    home = environ.get("HOME") or os.path.expanduser("~")
    if agent == "codex" and environ.get("CODEX_HOME"):
        return os.path.join(environ["CODEX_HOME"], relative.removeprefix("~/.codex/"))
    return os.path.join(home, relative.removeprefix("~/"))


def handler(agent: AgentName, event: Event) -> dict[str, object]:
    """The hook handler git-session installs for ``event``, in the shape ``agent`` reads."""
    timeout = TIMEOUTS[event] * (1000 if CLIENTS[agent].timeout_unit == "ms" else 1)
    named: dict[str, object] = {"name": HANDLER_NAME} if agent == "gemini" else {}
    return {**named, "type": "command", "command": hook_command(agent, event), "timeout": timeout}


def hook_group(agent: AgentName, event: Event) -> dict[str, object]:
    """The matcher group holding our handler: ``{"matcher": …, "hooks": [handler]}``."""
    matcher = CLIENTS[agent].matchers.get(event)
    matched: dict[str, object] = {"matcher": matcher} if matcher is not None else {}
    return {**matched, "hooks": [handler(agent, event)]}
