"""Save points of the working tree: checkpoint, checkpoints, diff, restore."""

from __future__ import annotations

import os
import sys

import click

from git_session import render, views
from git_session.cli.base import Text, colour_on, echo, json_option, print_json, session_option, workspace, yellow
from git_session.model import Entry
from git_session.sessions import entry_abbrev


@click.command()
@click.option("-m", "--message", "label", type=Text(), metavar="LABEL", help="What this save point is.")
@click.option("--decision", type=Text(), metavar="TEXT", help="Also record a decision taken at this point.")
@click.option("--rationale", metavar="R", help="Why (with --decision).")
@session_option
def checkpoint(label: str | None, decision: str | None, rationale: str | None, session: str | None) -> None:
    """Save a checkpoint: HEAD and a snapshot of the working tree.

    The snapshot holds what `git add --all` would stage — staged, unstaged and untracked
    files, not ignored ones — with their modes and symlinks, written as git objects that
    the session keeps (git gc does not drop them). HEAD, the index and the working tree
    are not changed. Without -m the label names the branch and HEAD.
    """
    from git_session import checkpoints

    ws = workspace()
    made = checkpoints.create(ws, session, label, decision, rationale)
    short = yellow(ws.short_entry_id(made.found, "checkpoint", made.checkpoint.id))
    echo(f"Saved checkpoint {short} {render.quoted(made.checkpoint.text)} ({_checkpoint_head(made.checkpoint)})")
    if made.decision is not None:
        echo(f"Added decision {yellow(ws.short_entry_id(made.found, 'decision', made.decision.id))}")


def _checkpoint_head(entry: Entry) -> str:
    commit = entry.values.get("commit")
    return f"HEAD {str(commit)[:7]}" if commit else "no commit yet"


@click.command("checkpoints")
@session_option
@json_option
def checkpoints_list(session: str | None, as_json: bool) -> None:
    """List the session's checkpoints, oldest first: id, date, HEAD, label."""
    from git_session import checkpoints

    ws = workspace()
    found, entries = checkpoints.listing(ws, session)
    if as_json:
        print_json([views.entry_view(e) for e in entries])
        return
    abbrev = entry_abbrev(ws.store, found.handle, ("checkpoint",), [e.id for e in entries])
    for entry in entries:
        commit = entry.values.get("commit")
        head = str(commit)[:7] if commit else "-------"
        label = str(entry.values.get("label") or entry.text)
        echo(f"{render.short(entry.id, abbrev)}  {render.when(entry.created, entry.tz)}  {head}  {render.clip(label)}")


@click.command("diff")
@click.argument("checkpoint_id", metavar="CHECKPOINT")
@click.argument("paths", nargs=-1, metavar="[-- PATH...]")
@click.option("--stat", is_flag=True, help="Only a summary of the files changed.")
@session_option
def diff_command(checkpoint_id: str, paths: tuple[str, ...], stat: bool, session: str | None) -> None:
    """What changed in the working tree since a checkpoint, as a git diff.

    Compares the checkpoint's snapshot with a snapshot of the working tree now
    (staged, unstaged and untracked files), optionally only below the PATHs.
    """
    from git_session import checkpoints

    colour = colour_on(sys.stdout)
    text = checkpoints.diff(workspace(), session, checkpoint_id, paths, cwd=os.getcwd(), stat=stat, color=colour)
    click.echo(text.encode("utf-8", "surrogateescape"), nl=False)


@click.command()
@click.argument("checkpoint_id", metavar="CHECKPOINT")
@click.argument("paths", nargs=-1, metavar="[-- PATH...]")
@session_option
def restore(checkpoint_id: str, paths: tuple[str, ...], session: str | None) -> None:
    """Bring the working tree, or only the PATHs, back to a checkpoint.

    The current state is saved first as a checkpoint "before restore of ID": restoring
    that one undoes the restore. Files of the checkpoint are written with their exact
    content, mode and symlinks; files here that it did not have are deleted. Ignored
    files are never touched: a restore that would delete or replace one (or a nested
    repository, or write inside one) is refused before anything changes. So is a
    checkpoint holding a path git would not write (.git, .., a path through a file). If
    writing fails or is stopped part way (Ctrl-C, SIGTERM, a closed terminal), the files
    are put back as they were. HEAD and the index are left alone: restore changes the
    working tree only, so `git add` what you want staged.
    """
    from git_session import checkpoints

    ws = workspace()
    result = checkpoints.restore(ws, session, checkpoint_id, paths, cwd=os.getcwd())
    short = yellow(ws.short_entry_id(result.found, "checkpoint", result.checkpoint.id))
    if result.before is None:
        echo(f"Nothing to restore: the working tree already matches checkpoint {short}")
        return
    before = yellow(ws.short_entry_id(result.found, "checkpoint", result.before.id))
    echo(f"Saved the current state as checkpoint {before} (undo with: git session restore {before})")
    echo(
        f"Restored checkpoint {short} {render.quoted(result.checkpoint.text)}: "
        f"{len(result.written)} file(s) written, {len(result.deleted)} deleted"
    )
