"""What a session reads as: show, log, brief, handoff and its decisions as ADRs."""

from __future__ import annotations

import click

from git_session import brief, queries, render, settings, views
from git_session.cli import pager
from git_session.cli.base import (
    echo,
    json_option,
    print_document,
    print_json,
    session_argument,
    session_option,
    warn,
    workspace,
)
from git_session.model import ENTRY_KINDS


@click.command()
@session_argument
@session_option
@json_option
def show(session_arg: str | None, session: str | None, as_json: bool) -> None:
    """Everything about one session."""
    ws = workspace()
    found = ws.find(session_arg or session)
    state = ws.store.state(found.handle, private=True)
    if as_json:
        print_json(views.state_view(state))
        return
    parent = ws.short_session_id(state.meta.parent) if state.meta.parent else ""
    echo(render.show_text(state, ws.short_session_id(found.handle.id), queries.abbrev_by_kind(state.entries), parent))


@click.command()
@session_argument
@session_option
@click.option("-n", "--max-count", "limit", type=click.IntRange(min=0), metavar="N", help="Only the last N.")
@click.option("--kind", type=click.Choice((*ENTRY_KINDS, "session")), help="Only changes of this kind.")
@json_option
def log(session_arg: str | None, session: str | None, limit: int | None, kind: str | None, as_json: bool) -> None:
    """The journal: every entry and change, oldest first.

    Each line: when, who, what. Values read as they are meant (a list as its items, text in
    quotes, commits by their first 12 hex digits); `--json` gives them as stored. On a
    terminal the journal goes through git's pager (GIT_PAGER, pager.session, core.pager,
    PAGER, else less), as `git log` does; `git --no-pager session log` prints it straight.
    """
    ws = workspace()
    journal = queries.journal(ws, ws.find(session_arg or session), kind, limit)
    for problem in journal.problems:
        warn(f"left out: {problem}")
    if as_json:
        print_json(journal.items)
        return
    abbrev = journal.abbrev
    text = "\n".join(render.describe_op(view, abbrev) for view in journal.items)
    if text and not pager.page(ws.repo, text):
        echo(text)


@click.command("adr")
@session_argument
@session_option
@click.option(
    "--dir",
    "directory",
    required=True,
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="The folder of the records (created if missing).",
)
def adr_command(session_arg: str | None, session: str | None, directory: str) -> None:
    """Write each decision of a session as an Architecture Decision Record.

    As `end --adr DIR` does, for any session, ended ones included: one record per
    decision as DIR/NNNN-SLUG.md, numbered after the files already there. An existing
    file is never overwritten (run twice, it writes the records again under new
    numbers), and if one record cannot be written, none is.
    """
    from git_session import adr

    ws = workspace()
    withheld: list[str] = []
    for path in adr.write_adrs(ws, ws.find(session_arg or session), directory, withheld):
        echo(f"Wrote {render.safe(path)}")
    for line in withheld:
        warn(line)


@click.command("brief")
@session_option
@click.option("--agent", metavar="NAME", help="Who the brief is for; named in its first line.")
@click.option(
    "--max-chars",
    type=click.IntRange(min=brief.MIN_MAX_CHARS),
    metavar="N",
    help=(
        "The most characters the brief may print, newlines included (at least "
        f"{brief.MIN_MAX_CHARS}; default: brief.maxChars, else {brief.DEFAULT_MAX_CHARS})."
    ),
)
@json_option
def brief_command(session: str | None, agent: str | None, max_chars: int | None, as_json: bool) -> None:
    """Compact onboarding context for an agent or a person, within a budget.

    The most important first: TL;DR, current step, progress, the session it continues,
    open blockers, open objectives, next steps by priority, recent decisions, recent
    discoveries, the decisions and discoveries inherited from the session it continues,
    recent commits, the latest checkpoint. Items are cut from the least important end
    until the whole text, newlines included, fits in --max-chars (the current step and
    progress last); a short last line says what was left out. --json gives the text with
    what it shows and omits.
    """
    ws = workspace()
    found = ws.find(session)
    short_id = ws.short_session_id(found.handle.id)
    if max_chars is None:
        max_chars = max(settings.of(ws.repo).number("brief.maxChars") or brief.DEFAULT_MAX_CHARS, brief.MIN_MAX_CHARS)
    result = brief.build(ws.store, found.handle, found.meta, short_id, max_chars, agent)
    if as_json:
        print_json(brief.as_view(result, found.meta, short_id))
        return
    click.echo(result.text, nl=False)


@click.command("handoff")
@session_argument
@session_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("markdown", "json", "html")),
    help="Output format (default: from the -o file's suffix, else markdown).",
)
@click.option("--template", metavar="FILE", type=click.Path(dir_okay=False), help="Render with this jinja2 template.")
@click.option("-o", "--output", metavar="FILE", type=click.Path(dir_okay=False), help="Write to FILE.")
def handoff_command(
    session_arg: str | None, session: str | None, fmt: str | None, template: str | None, output: str | None
) -> None:
    """Render a handoff document of the session.

    From the session, the commit notes and the session's own commits in the branch
    history base..tip (those linked to it; commits a rebase or merge brought in are
    counted, not listed): TL;DR, context, current state, progress, objectives, decisions,
    discoveries, blockers, next steps, deliverables (commits with their trailers, files
    added, modified and deleted, line counts), checkpoints, sources, related sessions and
    metrics. JSON carries the same content; HTML is one standalone page with a progress
    bar and a timeline. For a session that `end` handed off, the
    Markdown is the text stored then; another format or a template renders afresh.

    Templates run in jinja2's sandbox. The repository may provide its own in
    .git-session/templates/ (or the folder named by the session.templateDir config):
    handoff.md.j2, handoff.html.j2, adr.md.j2.
    """
    from git_session import handoff as handoff_core

    ws = workspace()
    found = ws.find(session_arg or session)
    chosen = handoff_core.format_for(fmt, output)
    text = handoff_core.handoff(ws, found, chosen, template)
    if output is not None:
        handoff_core.write_output(output, text)
        echo(f"Wrote {render.safe(output)}")
        return
    print_document(text, json_text=chosen == "json")
