"""A session's life: start, status, list, pause, resume, switch, end; its summary and step."""

from __future__ import annotations

import click

from git_session import queries, render, views
from git_session.cli.base import (
    F,
    echo,
    json_option,
    print_json,
    session_argument,
    session_option,
    text_argument,
    warn,
    workspace,
    yellow,
)
from git_session.model import SESSION, SESSION_STATUSES, transition, transitions_of
from git_session.sessions import Found, Workspace, entry_abbrev


@click.command()
@click.argument("title", required=False)
@click.option("-o", "--objective", "objectives", multiple=True, metavar="TEXT", help="An objective (repeatable).")
@click.option("--task", "tasks", multiple=True, metavar="KEY", help="A linked issue key, e.g. BACK-123 (repeatable).")
@click.option("--agent", metavar="NAME", help="The coding agent doing the work.")
@click.option("--model", metavar="NAME", help="The model behind the agent.")
@click.option("--from", "parent", metavar="SESSION", help="Continue another session (e.g. a handoff).")
def start(
    title: str | None,
    objectives: tuple[str, ...],
    tasks: tuple[str, ...],
    agent: str | None,
    model: str | None,
    parent: str | None,
) -> None:
    """Start a session on the current branch."""
    ws = workspace()
    found = ws.start(title, objectives, tasks, agent, model, parent)
    for notice in ws.notices:
        echo(render.safe(notice))
    echo(
        f"Started session {yellow(ws.short_session_id(found.handle.id))} "
        f"{render.clip(found.meta.title)!r} on branch {render.safe(found.meta.branch)}"
    )
    added = sorted(ws.store.entries(found.handle, "objective"), key=lambda e: e.added) if objectives else []
    short = entry_abbrev(ws.store, found.handle, only=[e.id for e in added])
    for entry in added:  # the ids to type: `git session objective done ID`
        echo(f"  objective {yellow(short[entry.id])} {render.clip(entry.text, 80)}")


@click.command()
@session_option
@json_option
def status(session: str | None, as_json: bool) -> None:
    """The current session at a glance."""
    ws = workspace()
    found = ws.find(session)
    if as_json:
        print_json(views.state_view(ws.store.state(found.handle, private=True)))
        return
    glance = queries.status(ws, found)
    echo(render.status_text(glance.meta, glance.short_id, glance.open_items, glance.abbrev))
    for other in ws.others_open(found):
        echo(
            f"Also on this branch: session {ws.short_session_id(other.handle.id)} {render.clip(other.meta.title)!r} "
            f"({other.meta.status}, by {render.clip(', '.join(other.meta.authors))}); "
            "work in it with --session or resume"
        )


@click.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include completed and abandoned sessions.")
@click.option("--branch", metavar="BRANCH", help="Only sessions of this branch.")
@click.option("--status", "status_filter", type=click.Choice(SESSION_STATUSES), help="Only sessions in this status.")
@click.option("--remote", metavar="REMOTE", help="The sessions last fetched from REMOTE instead.")
@json_option
def list_sessions(
    show_all: bool, branch: str | None, status_filter: str | None, remote: str | None, as_json: bool
) -> None:
    """Sessions, newest first (by default those not completed or abandoned)."""
    listing = queries.sessions(workspace(), remote, branch, status_filter, show_all)
    if as_json:
        print_json([views.meta_view(f.meta) for f in listing.sessions])
        return
    for found in listing.sessions:
        echo(render.session_row(found.meta, listing.abbrev[found.handle.id]))


@click.command()
@session_option
@click.option("-m", "--message", "note", metavar="NOTE", help="Why, or where you stopped.")
def pause(session: str | None, note: str | None) -> None:
    """Pause the session."""
    ws = workspace()
    found = ws.transition(session, SESSION, "pause", note=note).found
    echo(f"Paused session {ws.short_session_id(found.handle.id)} {render.clip(found.meta.title)!r}")


@click.command()
@session_argument
@session_option
def resume(session_arg: str | None, session: str | None) -> None:
    """Resume a paused session and show its brief: where work stopped."""
    ws = workspace()
    found = ws.resume(session_arg or session)
    echo(f"Resumed session {ws.short_session_id(found.handle.id)}")
    _where_it_stopped(ws, found)
    head = ws.repo.head_branch()
    if head is not None and head != found.meta.branch:
        echo(
            f"hint: the session is on branch {render.safe(found.meta.branch)}; "
            f"git session switch {render.safe(found.meta.branch)}"
        )


def _where_it_stopped(ws: Workspace, found: Found) -> None:
    """The session's brief, within the default budget."""
    from git_session import brief

    short_id = ws.short_session_id(found.handle.id)
    click.echo(brief.build(ws.store, found.handle, found.meta, short_id).text, nl=False)


@click.command()
@click.argument("branch")
def switch(branch: str) -> None:
    """Switch branch: pause this branch's session and resume that branch's."""
    ws = workspace()
    paused, arriving, git_output = ws.switch(branch)
    if git_output.strip():
        click.echo(git_output.rstrip(), err=True)
    if paused is not None:
        echo(f"Paused session {ws.short_session_id(paused.handle.id)} {render.clip(paused.meta.title)!r}")
    if arriving is not None:
        echo(f"Resumed session {ws.short_session_id(arriving.handle.id)}")
        _where_it_stopped(ws, arriving)


# The state changes that end a session (model.TRANSITIONS): the default, and a flag for each other.
END_DEFAULT = "handoff"
END_FLAGS = {"complete": "The work is done.", "abandon": "Give the work up (needs --reason)."}


def _end_flags(f: F) -> F:
    for verb in reversed(END_FLAGS):
        f = click.option(f"--{verb}", "outcome", flag_value=verb, help=END_FLAGS[verb])(f)
    return f


@click.command()
@session_option
@_end_flags
@click.option("--reason", metavar="R", help="Why it was abandoned.")
@click.option("--no-handoff", is_flag=True, help="Do not render and store a handoff.")
@click.option(
    "--adr",
    "adr_dir",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="Also write each decision as an Architecture Decision Record in DIR.",
)
def end(session: str | None, outcome: str | None, reason: str | None, no_handoff: bool, adr_dir: str | None) -> None:
    """End the session: hand it off (default), complete it or abandon it.

    Unless --no-handoff, the Markdown handoff is rendered and stored in the session, in
    the same write as the new status: `git session handoff` of the session then prints
    that very text, here or in a clone after a fetch. --adr DIR first writes one record
    per decision as DIR/NNNN-SLUG.md, numbered after the files already there (DIR is
    created if missing; an existing file is never overwritten), and ends the session
    only if they were all written.
    """
    change = transition(SESSION, outcome or END_DEFAULT)
    if change.needs_reason and not reason:
        raise click.UsageError(f"--{change.verb} needs --reason R")
    if reason and not change.needs_reason:
        flags = " or ".join(f"--{t.verb}" for t in transitions_of(SESSION) if t.needs_reason)
        raise click.UsageError(f"--reason goes with {flags}")
    from git_session import adr
    from git_session import handoff as handoff_core

    ws = workspace()
    written: list[str] = []
    withheld: list[str] = []
    if adr_dir is None:
        found = handoff_core.end(ws, session, change.verb, reason, with_handoff=not no_handoff)
    else:
        found, written = adr.end(ws, session, change.verb, reason, not no_handoff, adr_dir, withheld)
    for line in withheld:
        warn(line)
    short = ws.short_session_id(found.handle.id)
    echo(f"Ended session {short} {render.clip(found.meta.title)!r}: {render.status_word(change.to)}")
    if not no_handoff:
        echo(f"Stored its handoff; print it with: git session handoff {short}")
    for path in written:
        echo(f"Wrote {render.safe(path)}")


@click.command()
@text_argument
@session_option
def tldr(text: str, session: str | None) -> None:
    """Set the session's summary."""
    workspace().set_fields(session, {"tldr": text}, f"tldr: {text}")
    echo("TL;DR set")


@click.command()
@text_argument
@session_option
def current(text: str, session: str | None) -> None:
    """Set the step being worked on."""
    workspace().set_fields(session, {"current": text}, f"current: {text}")
    echo("Current step set")
