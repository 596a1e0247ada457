"""``git session agent hook AGENT EVENT`` (hidden): the Python side of an agent's hook.

The installed hooks run the shim (hooks/agent-hook), which answers from the cache while it
is fresh and runs this otherwise. The client's hook input is on stdin. Whatever happens,
it exits 0 and prints nothing or exactly one JSON document: an agent's prompt is never
blocked, nor its hook output made invalid. An unexpected error leaves a crash log in the
repository's private folder; nothing goes to stderr (some clients show it to the user).
"""

from __future__ import annotations

import contextlib
import os
import sys

import click

from git_session.errors import SessionError


@click.command("hook", hidden=True)
@click.argument("agent")
@click.argument("event")
def hook(agent: str, event: str) -> None:
    """Answer one hook event of a coding agent (used by the installed hooks)."""
    if os.environ.get("GIT_SESSION_DISABLE") == "1":  # as the shim and the commit hooks: nothing
        sys.exit(0)
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
        with contextlib.suppress(OSError):  # the client stopped reading: nothing to tell it
            sys.stdout.write(answer + "\n")
            sys.stdout.flush()
    sys.exit(0)
