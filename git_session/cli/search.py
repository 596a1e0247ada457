"""Search every session: `git session search QUERY`."""

from __future__ import annotations

import time

import click

from git_session.cli.base import json_option, print_json, workspace

EXIT_NOTHING_FOUND = 1


@click.command("search")
@click.argument("query", nargs=-1, required=True, metavar="QUERY…")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="KIND",
    help="Only hits of this kind (repeatable): session or an entry kind.",
)
@click.option("--branch", metavar="BRANCH", help="Only the sessions of this branch.")
@click.option("--author", metavar="NAME", help="Only entries whose author's name or e-mail holds NAME.")
@click.option("--since", metavar="DATE", help="Only entries made since DATE: 2026-11-01, '2 weeks ago', yesterday.")
@json_option
def search_command(
    query: tuple[str, ...],
    kinds: tuple[str, ...],
    branch: str | None,
    author: str | None,
    since: str | None,
    as_json: bool,
) -> None:
    """Search every session: titles, entries, rationales and alternatives.

    Every session is searched, ended ones, your private entries and the copies fetched
    from teammates (git session fetch) included, offline and with no index: git scans
    the sessions' trees. An entry is a hit when each word of QUERY is in its text, its
    rationale or its alternatives (a session, when each is in its title, TL;DR or current
    step); case is ignored. Hits are listed newest first, one line each: session, branch
    (and the remote of a fetched copy), kind, entry, date, text, and where else the words
    were found. The exit code is 1 when nothing is found.
    """
    from git_session import search

    bad = [k for k in kinds if k not in search.KIND_CHOICES]
    if bad:
        raise click.BadParameter(f"{bad[0]!r} is not one of {', '.join(search.KIND_CHOICES)}", param_hint="--kind")
    ws = workspace()
    chosen = search.Query(
        " ".join(query),
        kinds or search.KIND_CHOICES,
        branch,
        author,
        search.since_epoch(since, time.time()) if since is not None else None,
    )
    hits = search.search(ws.repo, chosen, short_ids=not as_json)
    if as_json:
        print_json([search.as_json(hit) for hit in hits])
    else:
        for line in search.lines(hits):
            click.echo(line)
    if not hits:
        click.get_current_context().exit(EXIT_NOTHING_FOUND)
