"""Session files: import the ones teams already keep, export a session as one."""

from __future__ import annotations

import sys

import click

from git_session import importing, render, sessionfile
from git_session.cli.base import echo, print_document, session_argument, session_option, workspace
from git_session.errors import EXIT_USER, UserError, file_system_error


@click.command("import")
@click.argument("paths", metavar="PATH...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sessionfile.FORMATS),
    help="The files' format (default: told from each file's content).",
)
def import_command(paths: tuple[str, ...], fmt: str | None) -> None:
    """Read session files into sessions: markdown with YAML front matter (md), Codex
    ExecPlans (execplan: PLANS.md), a Cline memory bank (cline: activeContext.md, progress.md).

    Front matter fields (title, status, created/updated, task ids, git_branch, …) become
    the session's; sections its objectives (checklists, `<- CURRENT` marks the current
    step), decisions (with rationale and options), discoveries, blockers, next steps (by
    priority), session log and sources, each at the time the file gives it. A section this
    reader does not know, and front matter keys it does not map, are kept as notes.

    A file is one session (named by its front matter's id, else its path; a memory bank's
    files make one session): importing it again writes nothing, and a file changed since
    writes only the difference. A session known here only as a copy fetched from a remote
    is copied in first and continued, as `start --from` does. A file's status moves the
    session only as pause, resume, end and abandon (with a reason) would, an ended session
    takes nothing more, and a branch gets no second open session. A file that ends its
    session stores the session's handoff, as `end` does. The session names a file outside
    the work tree by its name only, and its id is hashed from the file's path with a random
    key kept in this clone (.git/git-session/import-key): it reveals no path. A malformed
    or refused file gets one line naming it (and the line), and nothing is written for it;
    the other files are imported.
    """
    ws = workspace()
    failed = 0
    for path in paths:
        try:
            done = importing.import_file(ws, path, fmt)
        except UserError as exc:
            if len(paths) == 1:
                raise
            click.echo(f"git-session: {render.safe(exc.message)}", err=True)
            failed += 1
            continue
        echo(_line(done))
    if failed:
        sys.exit(EXIT_USER)


def _line(done: importing.Imported) -> str:
    where = f"{render.safe(done.path)} ({done.format})"
    title = render.safe(done.title[:80])
    short = done.session[:12]
    if done.outcome == "unchanged":
        return f"{where}: unchanged since imported into session {short} {title!r}"
    if done.outcome == "created":
        return f"{where}: session {short} {title!r} created with {done.added} entries"
    return f"{where}: session {short} {title!r} updated: {done.added} entries added, {done.changed} changed"


@click.command("export")
@session_argument
@session_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sessionfile.EXPORT_FORMATS),
    default="md",
    show_default=True,
    help="md: session markdown with YAML front matter; execplan: a Codex ExecPlan.",
)
@click.option("-o", "--output", metavar="FILE", type=click.Path(dir_okay=False), help="Write to FILE.")
def export_command(session_arg: str | None, session: str | None, fmt: str, output: str | None) -> None:
    """Write a session as a session file that `import` reads back to the same session.

    YAML front matter (id, title, status, created, updated, git_branch, task_ids, …) and
    sections: TL;DR, progress, decisions, discoveries, blockers, next steps, notes,
    sources, session log, and the sections an import kept. Every entry carries its time.
    Private entries, checkpoints, commits and stored handoffs are left out.
    """
    ws = workspace()
    found = ws.find(session_arg or session)
    text = importing.export(ws.store.state(found.handle), fmt)
    if output is None:
        print_document(text)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise file_system_error(exc, "write") from None
    echo(f"Wrote {render.safe(output)}")
