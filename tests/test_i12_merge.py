"""Where the agent install meets the agent hooks: install leaves the first session start
answered without Python."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from git_session.integrations.agent_clients import hook_command
from tests.helpers import as_json, make_repo, ok

SYSTEM_PATH = os.pathsep.join(  # git and sh, and no git-session
    d for d in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep) if d and not (Path(d) / "git-session").exists()
)


def test_install_writes_the_shim_and_the_answers_of_the_current_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "Fix the sweep")
    ok(repo, "tldr", "Race in the sweeper")
    ok(repo, "agent", "install", "claude")
    assert (repo / ".git" / "git-session" / "agent-hook").is_file()
    payload = {"session_id": "s-1", "hook_event_name": "SessionStart", "source": "startup"}
    result = subprocess.run(
        ["sh", "-c", hook_command("claude", "session-start")],
        cwd=repo,
        input=json.dumps(payload).encode(),
        capture_output=True,
        env={**os.environ, "PATH": SYSTEM_PATH},  # no git-session: only the shim can answer
        timeout=60,
    )
    assert result.returncode == 0
    answer = json.loads(result.stdout)
    assert answer["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    assert "Race in the sweeper" in answer["hookSpecificOutput"]["additionalContext"]
    assert as_json(repo, "show")["title"] == "Fix the sweep"
