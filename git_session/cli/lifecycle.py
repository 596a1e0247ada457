"""A session's life: start, status, list, pause, resume, switch, end; its summary and step."""

from __future__ import annotations

import sys

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
from git_session.errors import Advice, NotFoundError
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
        f"{render.quoted(found.meta.title)} on branch {render.safe(found.meta.branch)}"
    )
    added = sorted(ws.store.entries(found.handle, "objective"), key=lambda e: e.added) if objectives else []
    short = entry_abbrev(ws.store, found.handle, ("objective",), [e.id for e in added])
    for entry in added:  # the ids to type: `git session objective done ID`
        echo(f"  objective {yellow(short[entry.id])} {render.clip(entry.text, 80)}")


@click.command()
@session_option
@json_option
def status(session: str | None, as_json: bool) -> None:
    """The current session at a glance.

    Warns (on standard error) when commits of the session are on no branch any more
    (nor held by a tag or a detached HEAD) and no copy of them was found: its links are
    at risk.

    With --json and no session on the branch (none given with --session), prints `null`
    and exits 0; without --json that is an error (exit 1).
    """
    ws = workspace()
    try:
        found = ws.find(session)
    except NotFoundError as exc:
        if not (as_json and session is None and exc.advice is Advice.START_ONE):
            raise
        print_json(None)
        return
    from git_session import atrisk

    for line in atrisk.warnings(ws, [found.handle]):
        warn(line)
    if as_json:
        print_json(views.state_view(ws.store.state(found.handle, private=True)))
        return
    glance = queries.status(ws, found)
    parent = ws.short_session_id(glance.meta.parent) if glance.meta.parent else ""
    echo(render.status_text(glance.meta, glance.short_id, glance.open_items, glance.abbrev, parent))
    for other in ws.others_open(found):
        echo(
            f"Also on this branch: session {ws.short_session_id(other.handle.id)} {render.quoted(other.meta.title)} "
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
    """Sessions, newest first (by default those not completed or abandoned).

    When none is listed, says why in one line (with --json: `[]`); exits 0 either way.
    """
    listing = queries.sessions(workspace(), remote, branch, status_filter, show_all)
    if as_json:
        print_json([views.meta_view(f.meta) for f in listing.sessions])
        return
    if listing.sessions:  # one write for all the rows: 10,000 of them one by one cost more than reading them
        # meta.id: the handle's (a session whose fields name another is not listed), read once
        echo("\n".join(render.session_row(found.meta, listing.abbrev[found.meta.id]) for found in listing.sessions))
    else:
        echo(_none_listed(len(listing.abbrev), remote, filtered=branch is not None or status_filter is not None))


def _none_listed(total: int, remote: str | None, *, filtered: bool) -> str:
    """Why ``list`` shows nothing: no session at all (here, or fetched from ``remote``),
    none that the filters let through, or only ended ones."""
    where = f" --remote {render.safe(remote)}" if remote is not None else ""
    if not total and remote is not None:
        return f"No sessions fetched from {render.safe(remote)}: git session fetch {render.safe(remote)} copies them"
    if not total:
        return 'No sessions yet: git session start "TITLE" starts one on the current branch'
    if filtered:
        return f"No sessions match ({total} in all: git session list --all{where} lists every one)"
    return f"No open sessions ({total} ended: git session list --all{where} lists them)"


@click.command()
@session_option
@click.option("-m", "--message", "note", metavar="NOTE", help="Why, or where you stopped.")
def pause(session: str | None, note: str | None) -> None:
    """Pause the session."""
    ws = workspace()
    found = ws.transition(session, SESSION, "pause", note=note).found
    echo(f"Paused session {ws.short_session_id(found.handle.id)} {render.quoted(found.meta.title)}")


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
@click.option(
    "-c", "--create", is_flag=True, help="Create BRANCH first, as git switch -c does (no session is started)."
)
@click.argument("branch")
@click.argument("start_point", metavar="[START]", required=False)
def switch(create: bool, branch: str, start_point: str | None) -> None:
    """Switch branch: pause this branch's session and resume that branch's.

    An active session of BRANCH stays active, and one paused is resumed; either way its
    brief is shown. With -c, BRANCH is created at START (default HEAD) as `git switch -c`
    creates it; the session left is paused as on any switch, and none is started on the
    new branch: `git session start` starts one.
    """
    if start_point is not None and not create:
        raise click.UsageError("START goes with -c")
    ws = workspace()
    done = ws.switch(branch, create, start_point)
    if done.git_output.strip():
        click.echo(done.git_output.rstrip(), err=True)
    if done.paused is not None:
        echo(f"Paused session {ws.short_session_id(done.paused.handle.id)} {render.quoted(done.paused.meta.title)}")
    arriving = done.arriving
    if arriving is None:
        echo(f"No session on branch {render.safe(branch)}; start one with: git session start")
        return
    short = ws.short_session_id(arriving.handle.id)
    echo(f"Resumed session {short}" if done.resumed else f"Session {short} is {arriving.meta.status} on this branch")
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
@click.option("-y", "--yes", is_flag=True, help="Abandon without asking (asked only when stdin is a terminal).")
@click.option("--no-handoff", is_flag=True, help="Do not render and store a handoff.")
@click.option(
    "--adr",
    "adr_dir",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="Also write each decision as an Architecture Decision Record in DIR.",
)
def end(
    session: str | None, outcome: str | None, reason: str | None, yes: bool, no_handoff: bool, adr_dir: str | None
) -> None:
    """End the session: hand it off (default), complete it or abandon it.

    Unless --no-handoff, the Markdown handoff is rendered and stored in the session, in
    the same write as the new status: `git session handoff` of the session then prints
    that very text, here or in a clone after a fetch. --adr DIR first writes one record
    per decision as DIR/NNNN-SLUG.md, numbered after the files already there (DIR is
    created if missing; an existing file is never overwritten), and ends the session
    only if they were all written.

    --abandon asks for confirmation when stdin is a terminal (answer y to go on; the
    default, n, changes nothing and exits with 1); --yes skips the question. Without a
    terminal (a script, an agent) it does not ask.
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
    if change.verb == "abandon" and not yes and render.on_terminal(sys.stdin):
        _confirm_abandon(ws, session)
    written: list[str] = []
    withheld: list[str] = []
    if adr_dir is None:
        found = handoff_core.end(ws, session, change.verb, reason, with_handoff=not no_handoff)
    else:
        found, written = adr.end(ws, session, change.verb, reason, not no_handoff, adr_dir, withheld)
    for line in withheld:
        warn(line)
    short = ws.short_session_id(found.handle.id)
    echo(f"Ended session {short} {render.quoted(found.meta.title)}: {render.status_word(change.to)}")
    if not no_handoff:
        echo(f"Stored its handoff; print it with: git session handoff {short}")
    for path in written:
        echo(f"Wrote {render.safe(path)}")


def _confirm_abandon(ws: Workspace, session: str | None) -> None:
    found = ws.find(session)
    short = ws.short_session_id(found.handle.id)
    question = f"Abandon session {short} {render.quoted(found.meta.title)}?"
    if not click.confirm(question, default=False, err=True):
        click.echo(f"Session {short} is left {found.meta.status}", err=True)
        click.get_current_context().exit(1)


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
