"""Reports across sessions: report, history, compare."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from git_session import render
from git_session.cli.base import echo, json_option, print_document, print_json, workspace

if TYPE_CHECKING:
    from git_session.sessions import Workspace


def _configured_defaults(
    ws: Workspace, since: str | None, period_given: bool, fmt: str | None, output: str | None
) -> tuple[str | None, str | None]:
    """--since and --format as given, else as configured (``report.since``, ``report.format``:
    the shared file or git config)."""
    from git_session import settings

    chosen = settings.of(ws.repo)
    if not period_given:
        since = chosen.text("report.since")
    if fmt is None and output is None:
        fmt = chosen.text("report.format")
    return since, fmt


@click.command("report")
@click.option(
    "--since",
    metavar="DATE",
    help="Only sessions running at or after DATE (YYYY-MM-DD, an ISO time, @EPOCH, 'N days ago';"
    " default: the report.since setting).",
)
@click.option("--until", metavar="DATE", help="Only sessions started before the end of DATE.")
@click.option(
    "--author", metavar="AUTHOR", help="Only sessions an author whose name or email contains AUTHOR wrote in."
)
@click.option("--branch", metavar="BRANCH", help="Only sessions of this branch.")
@click.option("--remote", metavar="REMOTE", help="The sessions last fetched from REMOTE instead of the local ones.")
@click.option("--all-remotes", is_flag=True, help="The local sessions and those fetched from every remote.")
@click.option("--weekly", is_flag=True, help="The last 7 days, against the 7 days before.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "markdown", "json", "html")),
    help="Output format (default: from the -o file's suffix, else the report.format setting, else text).",
)
@click.option("-o", "--output", metavar="FILE", type=click.Path(dir_okay=False), help="Write to FILE.")
def report_command(
    since: str | None,
    until: str | None,
    author: str | None,
    branch: str | None,
    remote: str | None,
    all_remotes: bool,
    weekly: bool,
    fmt: str | None,
    output: str | None,
) -> None:
    """Figures across sessions: where time goes and what blocks.

    Per session: active time (paused spans left out), wall time, objectives done of
    all (dropped ones left out), decisions, discoveries, blockers opened and resolved,
    commits, files and lines changed by the linked commits, checkpoints, compactions,
    agents and models. Across sessions: active time, velocity (objectives done per
    active day), blocker time to resolve (median, p90) and the longest-open blockers,
    the share of abandoned sessions with their reasons, sessions started and ended and
    objectives done per ISO week, the busiest branches, and breakdowns per author (who
    started the session), agent and model. A session is in the report when it ran at
    some time of the period. --weekly covers the last 7 days and compares them with
    the 7 days before. HTML is one standalone page with inline SVG charts (a timeline
    of sessions per branch, objectives done per week, the blocker time-to-resolve
    distribution) and a table that sorts.
    """
    from git_session import report, reportpage

    if weekly and (since or until):
        raise click.UsageError("--weekly is the last 7 days: give it without --since and --until")
    if remote is not None and all_remotes:
        raise click.UsageError("--remote and --all-remotes: give one of them")
    ws = workspace()
    now = ws.now()
    since, fmt = _configured_defaults(ws, since, bool(since or until or weekly), fmt, output)
    period = report.Period(
        report.parse_date(since, now) if since else None,
        report.parse_date(until, now, end_of_day=True) if until else None,
    )
    selection = report.Selection(period, author, branch, remote, all_remotes, weekly)
    chosen = reportpage.format_for(fmt, output)
    text = reportpage.render(report.build(ws, selection, now=now), chosen, ws.repo)
    if output is not None:
        from git_session.handoff import write_output  # and jinja2 with it: only for a file

        write_output(output, text)
        echo(f"Wrote {render.safe(output)}")
        return
    print_document(text, json_text=chosen == "json")


@click.command("history")
@click.option("-n", "count", type=click.IntRange(min=1), default=10, show_default=True, help="How many sessions.")
@click.option(
    "--metrics",
    "with_metrics",
    is_flag=True,
    help="With their figures: objectives, blockers, commits, lines, checkpoints, compactions.",
)
@json_option
def history_command(count: int, with_metrics: bool, as_json: bool) -> None:
    """The most recent sessions here, newest first, with their active time (paused
    spans left out) and, with --metrics, their figures. --json prints every figure."""
    from git_session import report, reportpage

    ws = workspace()
    built = report.build(ws, report.Selection(), limit=count)
    shown = [report.session_view(f, built.short, built.generated) for f in built.sessions]
    if as_json:
        print_json(shown)
        return
    if not shown:
        echo('No sessions yet: git session start "TITLE" starts one on the current branch')
        return
    click.echo(reportpage.history_text(shown, with_metrics), nl=False)


@click.command("compare")
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@json_option
def compare_command(first: str, second: str, as_json: bool) -> None:
    """Two sessions side by side (by id prefix, branch or title), with B's figures less A's."""
    from git_session import report, reportpage

    ws = workspace()
    with ws.held_warnings():  # failing, one error line: no warning of either lookup before it
        handles = [ws.find(first).handle, ws.find(second).handle]
        figures, short = report.of_sessions(ws, handles)
    a, b = (reportpage.with_median(report.session_view(f, short, ws.now())) for f in figures)
    compared = reportpage.compared_view(a, b)
    if as_json:
        print_json(compared)
        return
    click.echo(reportpage.compare_text(compared), nl=False)
