"""``git session mcp``: hand the process over to the MCP front end (``git_session.mcp``),
whose SDK is an optional extra, imported only here and only when this command runs."""

from __future__ import annotations

import click

from git_session.errors import UserError

INSTALL = "pip install 'git-session[mcp]'"


@click.command("mcp")
def mcp_command() -> None:
    """Serve the session to coding agents over the Model Context Protocol (stdio).

    An MCP client (Claude Code, Codex, Gemini CLI, Cursor, ...) starts it in the
    repository and reads and writes the session without shelling out: six tools
    (read, record, change, checkpoint, handoff, sessions), the current session's brief
    and handoff as resources, and a prompt "resume" that gives the brief. Each call
    reads the repository afresh: what the command line or another server wrote
    meanwhile is seen, and every write takes its own time. Errors are tool errors with
    the command line's one-line message and a hint. `git session agent install CLIENT
    --mcp` registers it with a client. Needs the MCP SDK: pip install
    'git-session[mcp]'.
    """
    try:
        from git_session.mcp import server
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in ("mcp", "mcp_types", "pydantic"):
            raise
        raise UserError(f"git session mcp needs the MCP SDK (mcp 2.3 or later): {INSTALL}") from None
    import gc

    from git_session import PYTHON_GC_THRESHOLD

    gc.set_threshold(*PYTHON_GC_THRESHOLD)  # main's raised threshold is for a short command
    server.serve()
