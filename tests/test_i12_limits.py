"""The context the hooks inject stays within what each client takes, whatever budget is
configured; and click's multi-line messages reach the user on one line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from git_session.agents import cache
from git_session.gitrepo import Repo
from git_session.integrations.agent_clients import CLIENTS, hook_command
from tests.helpers import fails, git, make_repo, ok


@pytest.mark.parametrize("agent", ["claude", "codex", "gemini"])
def test_a_budget_above_the_clients_limit_is_that_limit(tmp_path: Path, agent: str) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "Fix the sweep")
    for n in range(60):
        ok(repo, "decision", "add", f"Decision {n}: " + "the sweeper takes the lock first " * 8)
    git(repo, "config", f"session.{agent}.budget", "50000")
    ok(repo, "agent", "install", agent)  # the shim and its answers: no git-session needed on PATH
    result = subprocess.run(
        ["sh", "-c", hook_command(agent, "session-start")],  # type: ignore[arg-type]
        cwd=repo,
        input=json.dumps({"session_id": "s-1", "source": "startup"}).encode(),
        capture_output=True,
        env=os.environ.copy(),
        timeout=60,
    )
    context = json.loads(result.stdout)["hookSpecificOutput"]["additionalContext"]
    limit = CLIENTS[agent].limit  # type: ignore[index]
    assert len(context) <= limit
    assert cache.budget(Repo.discover(str(repo)), agent) == limit  # type: ignore[arg-type]
    git(repo, "config", f"session.{agent}.budget", "3000")
    assert cache.budget(Repo.discover(str(repo)), agent) == 3000  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("agent", "install"), "Missing argument '{claude|codex|gemini}'. Choose from: claude, codex, gemini"),
        (("completion",), "Missing argument 'SHELL'. Choose from: bash, zsh, fish"),
    ],
)
def test_a_missing_choice_is_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    repo = make_repo(tmp_path)
    stderr = fails(repo, *args, code=2)
    assert stderr.splitlines()[0] == f"git-session: {message}"
