"""``git session agent``: wire coding agents (Claude Code, Codex, Gemini CLI) to the session."""

from __future__ import annotations

import click

from git_session.cli.base import LazyGroup

_HERE = "git_session.cli"


@click.group(
    cls=LazyGroup,
    lazy={
        "install": f"{_HERE}.agent_setup:install",
        "uninstall": f"{_HERE}.agent_setup:uninstall",
        "status": f"{_HERE}.agent_setup:status",
        "hook": "git_session.cli.agent_hook:hook",
    },
)
def agent() -> None:
    """Keep coding agents in their place: their hooks inject the session's brief."""
