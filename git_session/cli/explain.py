"""Why a commit was made: `git session explain REV`."""

from __future__ import annotations

import click

from git_session.cli.base import json_option, print_json, warn, workspace

EXIT_NOT_LINKED = 1


@click.command("explain")
@click.argument("revision", metavar="[REV]", default="HEAD")
@json_option
def explain_command(revision: str, as_json: bool) -> None:
    """Why a commit was made: its session, objectives and decisions, in words.

    REV (default HEAD) is any revision git takes. The commit's note in
    refs/notes/sessions (the session's state when the commit was made), its Session-Id
    trailer and the sessions' journals say which session it belongs to; the note says
    which objectives it completed or worked towards and which decisions were taken
    since the previous commit. A commit linked to no session is said so in one line
    (with --json: "sessions" is empty) and the exit code is 1.
    """
    from git_session import explain

    ws = workspace()
    result = explain.explain(ws, revision)
    for problem in result.problems:
        warn(f"left out: {problem}")
    if as_json:
        print_json(explain.view(result))
    else:
        click.echo(explain.text(result), nl=False)
        if any(entry.meta is None for entry in result.sessions):
            click.echo("hint: a session not in this repository may be fetched: git session fetch REMOTE", err=True)
    if not result.sessions:
        click.get_current_context().exit(EXIT_NOT_LINKED)
