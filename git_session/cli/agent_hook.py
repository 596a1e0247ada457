"""``git session agent hook AGENT EVENT`` (hidden): the Python side of an agent's hook.

The installed hooks run the shim (hooks/agent-hook), which answers from the cache while it
is fresh and runs this otherwise. The client's hook input is on stdin. Whatever happens,
it exits 0 and prints nothing or exactly one JSON document: an agent's prompt is never
blocked, nor its hook output made invalid. An unexpected error leaves a crash log in the
repository's private folder; nothing goes to stderr (some clients show it to the user).
"""

from __future__ import annotations

import os
import sys

import click

from git_session.errors import SessionError
from git_session.names import BranchName
from git_session.sessions import Workspace


@click.command("hook", hidden=True)
@click.argument("agent")
@click.argument("event")
def hook(agent: str, event: str) -> None:
    """Answer one hook event of a coding agent (used by the installed hooks)."""
    from git_session.agents import events

    try:
        raw = sys.stdin.buffer.read(events.MAX_INPUT + 1)
        answer = events.run(agent, event, raw)
    except (SessionError, OSError):
        answer = None
    except Exception as exc:  # a bug: its details in a crash log, the agent left undisturbed
        from git_session.cli.base import _crash_log

        _crash_log(exc)
        answer = None
    if answer is not None:
        try:
            sys.stdout.write(answer + "\n")
            sys.stdout.flush()
        except OSError:
            pass
    sys.exit(0)


# --- for every command: the agents' caches follow the session ---------------------------


def agent_caches(ws: Workspace, branch: BranchName) -> None:
    """Where an agent's hook has run (its shim is in the private folder), render the answers
    it serves from the cache. Nothing is imported otherwise: a repository without agents
    pays one ``stat``."""
    from git_session import paths

    if paths.agent_shim(ws.repo).exists():
        from git_session.agents import cache

        cache.refresh(ws, branch)


def record_agent_starts(ws: Workspace) -> None:
    """The session starts the agent-hook shim answered from its cache, recorded on their
    sessions (agent, model, agent session): one ``scandir`` when there are none."""
    from git_session import paths

    try:
        with os.scandir(paths.agent_queue(ws.repo)) as entries:
            if not any(True for _ in entries):
                return
    except OSError:
        return
    from git_session.agents import events

    events.drain_queue(ws)
