"""The real Claude Code, Codex and Gemini CLI binaries, run offline by the tests.

`.ci/install-test-tools` installs the pinned npm packages into a cache outside the clone
(``AGENTS_DIR``); ``client_binary`` finds them (a test fails in CI when they are missing). Each
run gets its own HOME, an environment stripped of the user's ``ANTHROPIC_* CLAUDE* OPENAI_*
CODEX_* GEMINI_* GOOGLE_* MCP_*`` variables, stdin from /dev/null, a timeout, and the fake
model API of tests/fakeapi.py as its provider. The hooks a client runs find the git-session of
this checkout first on PATH.

``HookProbe`` is a hand-written hook: it logs each input it gets and, where asked, answers with
the contract's JSON (``MARKER-<event>[-<source>]`` as the context), so that a test sees which
events fire, with which fields, and where their context reaches the model.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from git_session.integrations.agent_clients import CLIENTS, AgentName
from tests.fakeapi import FakeModelAPI
from tests.helpers import needed_tool

_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")  # read before the tests' seal
AGENTS_DIR = _CACHE / "git-session-tests" / "agents"
INSTALLER = Path(__file__).resolve().parent.parent / ".ci" / "install-test-tools"
PACKAGES: Mapping[AgentName, str] = {
    "claude": "@anthropic-ai/claude-code",
    "codex": "@openai/codex",
    "gemini": "@google/gemini-cli",
}
_STRIPPED = ("ANTHROPIC_", "CLAUDE", "OPENAI_", "CODEX_", "GEMINI_", "GOOGLE_", "MCP_")
TIMEOUT = 60  # seconds for one run of a client: a hung client fails its test, never hangs the suite


def pinned_version(agent: AgentName) -> str:
    """The version .ci/install-test-tools pins (the one home of the versions)."""
    found = re.search(re.escape(PACKAGES[agent]) + r"@([0-9][0-9.]*)\s", INSTALLER.read_text())
    assert found, f"{INSTALLER} pins no version of {PACKAGES[agent]}"
    return found.group(1)


def client_binary(agent: AgentName) -> Path:
    """The client's executable in the test cache, at the pinned version; fails the test in CI
    when it is missing (skips elsewhere, saying how to install it)."""
    binary = Path(needed_tool(str(AGENTS_DIR / "node_modules" / ".bin" / agent), ".ci/install-test-tools (npm)"))
    manifest = AGENTS_DIR / "node_modules" / PACKAGES[agent] / "package.json"
    installed = json.loads(manifest.read_text()).get("version")
    assert installed == pinned_version(agent), f"{agent} {installed} in {AGENTS_DIR}: run .ci/install-test-tools"
    return binary


@dataclass
class Run:
    """What one run of a client printed (stdout as JSON lines where it prints them)."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    events: list[Any] = field(default_factory=list)

    def check(self) -> Run:
        """This run, asserted to have succeeded."""
        assert self.returncode == 0, (
            f"{self.argv} exited {self.returncode}\n{self.stdout[-3000:]}\n{self.stderr[-3000:]}"
        )
        return self


class AgentClient:
    """One client, offline: its HOME, its provider settings pointing at ``api``, run in ``repo``.
    With ``git_session=False`` its PATH has no git-session (a machine without it)."""

    def __init__(self, agent: AgentName, api: FakeModelAPI, home: Path, repo: Path, *, git_session: bool = True):
        self.agent = agent
        self.git_session = git_session
        self.api = api
        self.home = home
        self.repo = repo
        self.binary = client_binary(agent)
        home.mkdir(parents=True, exist_ok=True)
        _SETUP[agent](self)

    def env(self) -> dict[str, str]:
        """The client's environment: the test's (hermetic git settings) without the user's agent
        variables, its own HOME, this checkout's git-session first on PATH, the fake provider."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIPPED)}
        env["HOME"] = str(self.home)
        env.pop("XDG_CONFIG_HOME", None)  # the clients keep their configuration under HOME
        path = [d for d in env.get("PATH", "").split(os.pathsep) if self.git_session or not _has_git_session(d)]
        ours = [str(Path(sys.executable).parent)] if self.git_session else []
        env["PATH"] = os.pathsep.join([*ours, str(self.binary.parent), *path])
        env["NO_COLOR"] = "1"
        env.update(_ENV[self.agent](self))
        return env

    def run(self, prompt: str, *, resume: str | None = None, options: tuple[str, ...] = ()) -> Run:
        """Run the client once on ``prompt`` (in the session ``resume`` when given)."""
        argv = [str(self.binary), *_ARGV[self.agent](prompt, resume, options)]
        try:
            done = subprocess.run(
                argv,
                cwd=self.repo,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
        except subprocess.TimeoutExpired as late:
            raise AssertionError(
                f"{self.agent} ran past {TIMEOUT}s: {argv}\n{late.stdout!r}\n{late.stderr!r}"
            ) from None
        return Run(argv, done.returncode, done.stdout, done.stderr, _json_lines(done.stdout))

    def session_id(self, run: Run) -> str:
        """The client's own id of the session ``run`` ran in (to resume it)."""
        for event in run.events:
            if isinstance(event, dict):
                found = event.get("session_id") or event.get("thread_id")
                if isinstance(found, str):
                    return found
        raise AssertionError(f"no session id in the output of {self.agent}:\n{run.stdout[-2000:]}")


def _has_git_session(directory: str) -> bool:
    return bool(directory) and os.access(os.path.join(directory, "git-session"), os.X_OK)


def _json_lines(text: str) -> list[Any]:
    events = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events


# Claude Code: the provider by environment.
def _claude_env(client: AgentClient) -> dict[str, str]:
    return {
        "ANTHROPIC_API_KEY": "sk-ant-dummy",
        "ANTHROPIC_BASE_URL": client.api.url,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "CLAUDE_CODE_MAX_RETRIES": "0",
    }


def _claude_argv(prompt: str, resume: str | None, options: tuple[str, ...]) -> list[str]:
    head = ["--resume", resume] if resume else []
    return [*head, "-p", prompt, "--output-format", "stream-json", "--verbose", *options]


# Codex: the provider only through $CODEX_HOME/config.toml (OPENAI_BASE_URL is ignored).
CODEX_CONFIG = """\
model = "gpt-fake"
model_provider = "fake"

[model_providers.fake]
name = "fake"
base_url = "{url}/v1"
wire_api = "responses"
env_key = "OPENAI_API_KEY"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

[features]
plugins = false
"""


def _codex_setup(client: AgentClient) -> None:
    codex_home = client.home / ".codex"
    codex_home.mkdir(exist_ok=True)
    (codex_home / "config.toml").write_text(CODEX_CONFIG.format(url=client.api.url))


def _codex_env(client: AgentClient) -> dict[str, str]:
    return {"CODEX_HOME": str(client.home / ".codex"), "OPENAI_API_KEY": "sk-dummy"}


def _codex_argv(prompt: str, resume: str | None, options: tuple[str, ...]) -> list[str]:
    head = ["exec", "resume", resume] if resume else ["exec"]
    return [*head, "--dangerously-bypass-hook-trust", "--json", "--skip-git-repo-check", *options, prompt]


# Gemini CLI: API-key auth chosen in the user's settings; the provider by environment.
GEMINI_USER_SETTINGS: dict[str, Any] = {
    "security": {"auth": {"selectedType": "gemini-api-key"}},
    "privacy": {"usageStatisticsEnabled": False},
    "telemetry": {"enabled": False},
}


def _gemini_setup(client: AgentClient) -> None:
    settings = client.home / ".gemini" / "settings.json"
    settings.parent.mkdir(exist_ok=True)
    settings.write_text(json.dumps(GEMINI_USER_SETTINGS, indent=2) + "\n")


def _gemini_env(client: AgentClient) -> dict[str, str]:
    return {"GEMINI_API_KEY": "dummy", "GOOGLE_GEMINI_BASE_URL": client.api.url, "GEMINI_CLI_TRUST_WORKSPACE": "true"}


def _gemini_argv(prompt: str, resume: str | None, options: tuple[str, ...]) -> list[str]:
    head = ["--resume", resume] if resume else []
    return [*head, "-p", prompt, "-o", "stream-json", *options]


def _no_setup(client: AgentClient) -> None:
    return None


_SETUP = {"claude": _no_setup, "codex": _codex_setup, "gemini": _gemini_setup}
_ENV = {"claude": _claude_env, "codex": _codex_env, "gemini": _gemini_env}
_ARGV = {"claude": _claude_argv, "codex": _codex_argv, "gemini": _gemini_argv}


# A hand-written hook: `sh probe.sh LOGDIR EVENT MODE`. MODE "log" only logs; "inject" also prints
# the contract's JSON with MARKER-EVENT[-SOURCE]; "inject-once" injects unless the input says a
# stop hook is already active (each Stop context makes Claude take one more turn).
PROBE_SCRIPT = r"""#!/bin/sh
input=$(cat)
printf '%s' "$input" >"$1/$(date +%s%N)-$$-$2.json"
[ "$3" = log ] && exit 0
case "$input" in *'"stop_hook_active":true'*) [ "$3" = inject-once ] && exit 0 ;; esac
source=$(printf '%s' "$input" | sed -n 's/.*"source" *: *"\([a-z]*\)".*/\1/p')
json='{"hookSpecificOutput": {"hookEventName": "%s", "additionalContext": "MARKER-%s%s"}}\n'
printf "$json" "$2" "$2" "${source:+-$source}"
exit 0
"""


class HookProbe:
    """Hand-written hooks for one client, and what they logged."""

    def __init__(self, agent: AgentName, where: Path) -> None:
        self.agent = agent
        self.script = where / "probe.sh"
        self.log = where / "probe-log"
        self.log.mkdir(parents=True, exist_ok=True)
        self.script.write_text(PROBE_SCRIPT)

    def config(self, events: Mapping[str, str]) -> dict[str, Any]:
        """A client's ``{"hooks": …}`` running the probe for each ``event -> mode``, each entry with
        the matcher git-session's installer gives it (agent_clients.CLIENTS)."""
        return {"hooks": {event: [self._group(event, mode)] for event, mode in events.items()}}

    def _group(self, event: str, mode: str) -> dict[str, Any]:
        client = CLIENTS[self.agent]
        ours = [e for e, name in client.hook_events.items() if name == event]
        matcher = client.matchers.get(ours[0]) if ours else None
        return {**({"matcher": matcher} if matcher else {}), "hooks": [self._entry(event, mode)]}

    def _entry(self, event: str, mode: str) -> dict[str, Any]:
        command = f"sh {self.script} {self.log} {event} {mode}"
        timeout = 3 if event == "SessionEnd" else 10  # Codex clamps SessionEnd's to 3 s
        if self.agent == "gemini":
            return {"type": "command", "name": "probe", "command": command, "timeout": timeout * 1000}
        return {"type": "command", "command": command, "timeout": timeout}

    def inputs(self) -> list[dict[str, Any]]:
        """Every input logged since the last ``clear``, oldest first."""
        logged = sorted(self.log.iterdir(), key=lambda p: int(p.name.split("-")[0]))
        return [json.loads(p.read_text()) for p in logged]

    def events(self) -> list[str]:
        """The events logged, oldest first, as ``Event`` or ``Event(source)``/``Event(trigger)``."""
        return [_event_label(i) for i in self.inputs()]

    def clear(self) -> None:
        for logged in self.log.iterdir():
            logged.unlink()


def _event_label(hook_input: Mapping[str, Any]) -> str:
    detail = hook_input.get("source") or hook_input.get("trigger")
    name = str(hook_input.get("hook_event_name"))
    return f"{name}({detail})" if detail else name
