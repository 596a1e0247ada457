"""The agents' hook answers follow the session, whichever front end writes it.

Both front ends (the command line's ``workspace()``, the MCP server's per-call workspace)
open the repository with ``opened``."""

from __future__ import annotations

import os
from collections.abc import Callable

from git_session import paths
from git_session.names import BranchName
from git_session.sessions import Workspace


def opened(warn: Callable[[str], None], link_wait: float | None = None) -> Workspace:
    """The repository as every command opens it: the agents' answers rendered again whenever
    a session changes (else the shim finds them stale after every write, and asks Python),
    the commits the hooks recorded linked, the agent session starts the shim queued recorded."""
    ws = Workspace.open_linked(warn, link_wait, renderers=[_render_answers])
    _record_agent_starts(ws)
    return ws


def _render_answers(ws: Workspace, branch: BranchName) -> None:
    """Where an agent's hook has run (its shim is in the private folder). Nothing is imported
    otherwise: a repository without agents pays one ``stat``."""
    if paths.agent_shim(ws.repo).exists():
        from git_session.agents import cache

        cache.refresh(ws, branch)


def _record_agent_starts(ws: Workspace) -> None:
    """One ``scandir`` when the shim queued none."""
    try:
        with os.scandir(paths.agent_queue(ws.repo)) as entries:
            if not any(True for _ in entries):
                return
    except OSError:
        return
    from git_session.agents import events

    events.drain_queue(ws)
