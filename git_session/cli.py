"""The command line: parse, call the core with plain values, render. Nothing more."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from git_session import brief, cli_hints, data, render, views
from git_session.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, DataError, SessionError, file_system_error
from git_session.model import (
    DEFAULT_PRIORITY,
    ENTRY_KINDS,
    ENTRY_STATUSES,
    PRIORITIES,
    SESSION_STATUSES,
    Entry,
    EntryKind,
    EntryStatus,
)
from git_session.names import BranchName
from git_session.sessions import Found, Workspace, abbreviate

KEEP_CRASH_LOGS = 10
HOOK_LINK_WAIT = 0.0  # a commit or push never waits for another process linking the recorded commits

if TYPE_CHECKING:  # imported where used: reading commands need not pay for it
    from git_session.integrations import commands as install_core

F = TypeVar("F", bound=Callable[..., Any])


class SessionGroup(click.Group):
    """The error boundary: every failure becomes one line on stderr and an exit code."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "git session"
            _report(SessionError(exc.format_message(), f"see: {command} --help"))
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            _report(SessionError(exc.format_message()))
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SessionError as exc:
            _report(exc)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the reader has gone
            ctx.exit(1)
        except OSError as exc:  # a full disk, a read-only repository, permissions: one line, no crash log
            error = file_system_error(exc)
            _report(error)
            ctx.exit(error.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:
            path = _crash_log(exc)
            click.echo(f"git-session: internal error: {exc!r:.200}", err=True)
            click.echo(f"hint: the details are in {path}; please report them", err=True)
            ctx.exit(EXIT_INTERNAL)


def _report(exc: SessionError) -> None:
    click.echo(f"git-session: {render.safe(cli_hints.message(exc))}", err=True)
    for line in (cli_hints.hint(exc) or "").splitlines():  # a hint may list choices, one per line
        click.echo(f"hint: {render.safe(line)}", err=True)


def _crash_log(exc: BaseException) -> str:
    """Where the details went: the repository's private folder (the newest few are kept),
    or the temporary folder when there is no repository or it cannot be written."""
    text = f"git-session crashed running: {sys.argv!r}\n\n" + "".join(traceback.format_exception(exc))
    for folder in (_crash_folder(), None):
        try:
            handle, path = tempfile.mkstemp(prefix="git-session-crash-", suffix=".log", dir=folder)
            with os.fdopen(handle, "w", encoding="utf-8") as log:
                log.write(text)
        except OSError:
            continue
        if folder is not None:
            _prune_crash_logs(folder)
        return path
    return "(nowhere: no folder could be written)"


def _crash_folder() -> str | None:
    try:
        from git_session import paths
        from git_session.gitrepo import Repo

        folder = str(paths.crash_folder(Repo.discover(None)))
        os.makedirs(folder, exist_ok=True)
        return folder
    except Exception:  # no repository, or the crash is about it
        return None


def _prune_crash_logs(folder: str) -> None:
    """Keep the newest ``KEEP_CRASH_LOGS``."""
    with contextlib.suppress(OSError):
        logs = sorted((e for e in os.scandir(folder) if e.name.endswith(".log")), key=lambda e: e.stat().st_mtime_ns)
        for old in logs[:-KEEP_CRASH_LOGS]:
            os.remove(old.path)


def echo(text: str = "") -> None:
    click.echo(text, color=False if os.environ.get("NO_COLOR") else None)


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def session_option(f: F) -> F:
    return click.option(
        "--session",
        "session",
        metavar="SESSION",
        help="Session id (or any unambiguous prefix), branch or title slug; default: the current branch's.",
    )(f)


def private_option(f: F) -> F:
    return click.option(
        "--private",
        is_flag=True,
        help="Keep this entry on this machine: push never sends it (nor do handoffs or commit trailers show it).",
    )(f)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(f)


class Text(click.ParamType):  # type: ignore[type-arg]
    """A text argument; ``-`` reads it from standard input (for texts too long for argv)."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if text == "-":
            text = sys.stdin.read().removesuffix("\n")
        if not text.strip():
            self.fail("the text is empty", param, ctx)
        return text


text_argument = click.argument("text", type=Text(), metavar="TEXT")


class ShippedHook(click.ParamType):  # type: ignore[type-arg]
    """The name of a hook shim the package ships (``shims.shipped_hooks``, the one list of
    them), checked only when ``hook run`` runs: reading commands do not import the integrations."""

    name = "hook"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from git_session.integrations import shims

        names = [shim.name for shim in shims.shipped_hooks()]
        if value not in names:
            self.fail(f"{value!r} is not a hook git-session ships ({', '.join(names)})", param, ctx)
        return str(value)


def warn(message: str) -> None:
    click.echo(f"git-session: warning: {render.safe(message)}", err=True)


def workspace(link_wait: float | None = None) -> Workspace:
    """The repository, with the commits the hooks recorded linked to their sessions first
    (waiting ``link_wait`` seconds for another process linking them; by default long)."""
    ws = Workspace.open(warn=warn)
    for problem in ws.link_recorded_commits(link_wait):
        warn(problem)
    return ws


@click.group(cls=SessionGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="git-session", prog_name="git-session")
def cli() -> None:
    """Keep a branch's working context in the repository itself.

    Objectives, decisions, blockers, discoveries, progress, next steps and checkpoints
    live in refs/sessions/* and travel with the repository, so that a teammate or an
    agent that lost its context resumes exactly where work stopped.
    """


# --- lifecycle ------------------------------------------------------------------------


@cli.command()
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
        f"Started session {click.style(ws.short_session_id(found.handle.id), fg='yellow')} "
        f"{render.clip(found.meta.title)!r} on branch {render.safe(found.meta.branch)}"
    )
    if objectives:
        echo(f"  {len(objectives)} objective(s)")


@cli.command()
@session_option
@json_option
def status(session: str | None, as_json: bool) -> None:
    """The current session at a glance."""
    ws = workspace()
    found = ws.find(session)
    if as_json:
        print_json(views.state_view(ws.store.state(found.handle, private=True)))
        return
    open_items = {kind: ws.store.open_entries(found.handle, kind, private=True) for kind in ENTRY_STATUSES}
    abbrev = {}
    for kind, entries in open_items.items():
        if entries:
            ids = ws.store.entry_ids(found.handle, kind, private=True)
            abbrev.update(abbreviate(ids, only=[e.id for e in entries]))
    meta = ws.store.meta(found.handle, private=True)  # counted as listed: private entries too
    echo(render.status_text(meta, ws.short_session_id(found.handle.id), open_items, abbrev))
    for other in ws.others_open(found):
        echo(
            f"Also on this branch: session {ws.short_session_id(other.handle.id)} {render.clip(other.meta.title)!r} "
            f"({other.meta.status}, by {render.clip(', '.join(other.meta.authors))}); "
            "work in it with --session or resume"
        )


@cli.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include completed and abandoned sessions.")
@click.option("--branch", metavar="BRANCH", help="Only sessions of this branch.")
@click.option("--status", "status_filter", type=click.Choice(SESSION_STATUSES), help="Only sessions in this status.")
@click.option("--remote", metavar="REMOTE", help="The sessions last fetched from REMOTE instead.")
@json_option
def list_sessions(
    show_all: bool, branch: str | None, status_filter: str | None, remote: str | None, as_json: bool
) -> None:
    """Sessions, newest first (by default those not completed or abandoned)."""
    ws = workspace()
    if remote is not None:
        from git_session import sharing

        sessions = ws.all_sessions(sharing.resolve_remote(ws.repo, remote).sessions_prefix)
    else:
        sessions = ws.all_sessions()
    abbrev = abbreviate([f.handle.id for f in sessions])
    if branch is not None:
        sessions = [f for f in sessions if f.meta.branch == branch]
    if status_filter is not None:
        sessions = [f for f in sessions if f.meta.status == status_filter]
    elif not show_all:
        sessions = [f for f in sessions if f.meta.status not in ("completed", "abandoned")]
    if as_json:
        print_json([views.meta_view(f.meta) for f in sessions])
        return
    for found in sessions:
        echo(render.session_row(found.meta, abbrev[found.handle.id]))


@cli.command()
@click.argument("session_arg", metavar="[SESSION]", required=False)
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
    echo(render.show_text(state, ws.short_session_id(found.handle.id), _abbrev_by_kind(state.entries)))


def _abbrev_by_kind(entries: tuple[Entry, ...] | list[Entry]) -> dict[str, str]:
    abbrev: dict[str, str] = {}
    for kind in ENTRY_KINDS:
        abbrev.update(abbreviate([e.id for e in entries if e.kind == kind]))
    return abbrev


@cli.command()
@click.argument("session_arg", metavar="[SESSION]", required=False)
@session_option
@click.option("-n", "--max-count", "limit", type=click.IntRange(min=0), metavar="N", help="Only the last N.")
@click.option("--kind", type=click.Choice((*ENTRY_KINDS, "session")), help="Only changes of this kind.")
@json_option
def log(session_arg: str | None, session: str | None, limit: int | None, kind: str | None, as_json: bool) -> None:
    """The journal: every entry and change, oldest first."""
    ws = workspace()
    found = ws.find(session_arg or session)
    problems: list[str] = []
    items = [views.op_view(item.op, item.commit) for item in ws.store.journal(found.handle, problems)]
    for problem in problems:
        warn(f"left out: {problem}")
    if kind is not None:
        items = [v for v in items if (v["kind"] or "session") == kind]
    if limit is not None:
        items = items[len(items) - limit :] if limit else []
    if as_json:
        print_json(items)
        return
    abbrev = abbreviate([v["entry"] for v in items if v["entry"]])
    for view in items:
        echo(render.describe_op(view, abbrev))


@cli.command()
@session_option
@click.option("-m", "--message", "note", metavar="NOTE", help="Why, or where you stopped.")
def pause(session: str | None, note: str | None) -> None:
    """Pause the session."""
    ws = workspace()
    found = ws.set_status(session, "paused", ("active",), note=note)
    echo(f"Paused session {ws.short_session_id(found.handle.id)} {render.clip(found.meta.title)!r}")


@cli.command()
@click.argument("session_arg", metavar="[SESSION]", required=False)
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
    short_id = ws.short_session_id(found.handle.id)
    click.echo(brief.build(ws.store, found.handle, found.meta, short_id).text, nl=False)


@cli.command()
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


@cli.command()
@session_option
@click.option("--complete", "outcome", flag_value="completed", help="The work is done.")
@click.option("--abandon", "outcome", flag_value="abandoned", help="Give the work up (needs --reason).")
@click.option("--reason", metavar="R", help="Why it was abandoned.")
@click.option("--no-handoff", is_flag=True, help="Do not render and store a handoff.")
@click.option(
    "--adr",
    "adr_dir",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="Also write each decision as an Architecture Decision Record in DIR.",
)
def end(
    session: str | None,
    outcome: Literal["completed", "abandoned"] | None,  # the flag values of --complete and --abandon
    reason: str | None,
    no_handoff: bool,
    adr_dir: str | None,
) -> None:
    """End the session: hand it off (default), complete it or abandon it.

    Unless --no-handoff, the Markdown handoff is rendered and stored in the session, in
    the same write as the new status: `git session handoff` of the session then prints
    that very text, here or in a clone after a fetch. --adr DIR first writes one record
    per decision as DIR/NNNN-SLUG.md, numbered after the files already there (DIR is
    created if missing; an existing file is never overwritten), and ends the session
    only if they were all written.
    """
    if outcome == "abandoned" and not reason:
        raise click.UsageError("--abandon needs --reason R")
    if reason and outcome != "abandoned":
        raise click.UsageError("--reason goes with --abandon")
    from git_session import adr
    from git_session import handoff as handoff_core

    status_value = outcome or "handoff"
    ws = workspace()
    written: list[str] = []
    withheld: list[str] = []
    if adr_dir is None:
        found = handoff_core.end(ws, session, status_value, reason, with_handoff=not no_handoff)
    else:
        found, written = adr.end(ws, session, status_value, reason, not no_handoff, adr_dir, withheld)
    for line in withheld:
        warn(line)
    short = ws.short_session_id(found.handle.id)
    echo(f"Ended session {short} {render.clip(found.meta.title)!r}: {render.status_word(status_value)}")
    if not no_handoff:
        echo(f"Stored its handoff; print it with: git session handoff {short}")
    for path in written:
        echo(f"Wrote {render.safe(path)}")


@cli.command("adr")
@click.argument("session_arg", metavar="[SESSION]", required=False)
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


# --- session fields -------------------------------------------------------------------


@cli.command()
@text_argument
@session_option
def tldr(text: str, session: str | None) -> None:
    """Set the session's summary."""
    workspace().set_fields(session, {"tldr": text}, f"tldr: {text}")
    echo("TL;DR set")


@cli.command()
@text_argument
@session_option
def current(text: str, session: str | None) -> None:
    """Set the step being worked on."""
    workspace().set_fields(session, {"current": text}, f"current: {text}")
    echo("Current step set")


# --- entries --------------------------------------------------------------------------


def _add(
    session: str | None, kind: EntryKind, text: str, extra: dict[str, Any] | None = None, private: bool = False
) -> None:
    ws = workspace()
    found, op = ws.add(session, kind, text, extra, private=private)
    label = ("private " if private else "") + ("next step" if kind == "next" else kind)
    echo(f"Added {label} {click.style(ws.short_entry_id(found, kind, op.id), fg='yellow')}")


def _list_entries(kind: EntryKind, session: str | None, as_json: bool) -> None:
    ws = workspace()
    found = ws.find(session)
    entries = render.by_age(ws.store.entries(found.handle, kind, private=True))
    if kind == "next":
        entries = render.by_priority(entries)
    if as_json:
        print_json([views.entry_view(e) for e in entries])
        return
    abbrev = abbreviate([e.id for e in entries])
    for entry in entries:
        echo(render.entry_line(entry, abbrev, show_status=kind in ENTRY_STATUSES).removeprefix("  "))


def _transition(
    kind: EntryKind,
    prefix: str,
    session: str | None,
    status_value: EntryStatus,
    allowed: tuple[EntryStatus, ...],
    extra: dict[str, Any] | None = None,
) -> None:
    changes: dict[str, Any] = {"status": status_value, **(extra or {})}
    ws = workspace()
    found, entry = ws.update(session, kind, prefix, changes, allowed)
    short = click.style(ws.short_entry_id(found, kind, entry.id), fg="yellow")
    echo(f"{kind.capitalize()} {short} {render.status_word(status_value)}: {render.clip(entry.text, 80)}")


@cli.group()
def objective() -> None:
    """Objectives: what the session sets out to do."""


@objective.command("add")
@text_argument
@session_option
@private_option
def objective_add(text: str, session: str | None, private: bool) -> None:
    """Add an objective."""
    _add(session, "objective", text, private=private)


@objective.command("done")
@click.argument("entry_id", metavar="ID")
@session_option
def objective_done(entry_id: str, session: str | None) -> None:
    """Mark an objective done."""
    _transition("objective", entry_id, session, "done", ("open",))


@objective.command("reopen")
@click.argument("entry_id", metavar="ID")
@session_option
def objective_reopen(entry_id: str, session: str | None) -> None:
    """Reopen a done or dropped objective."""
    _transition("objective", entry_id, session, "open", ("done", "dropped"))


@objective.command("drop")
@click.argument("entry_id", metavar="ID")
@session_option
def objective_drop(entry_id: str, session: str | None) -> None:
    """Drop an objective that is no longer wanted."""
    _transition("objective", entry_id, session, "dropped", ("open",))


@objective.command("list")
@session_option
@json_option
def objective_list(session: str | None, as_json: bool) -> None:
    """List objectives."""
    _list_entries("objective", session, as_json)


@cli.group()
def decision() -> None:
    """Decisions, with their rationale and the alternatives weighed."""


@decision.command("add")
@text_argument
@click.option("--rationale", metavar="R", help="Why.")
@click.option(
    "--alternative", "alternatives", multiple=True, metavar="A", help="An alternative considered (repeatable)."
)
@session_option
@private_option
def decision_add(
    text: str, rationale: str | None, alternatives: tuple[str, ...], session: str | None, private: bool
) -> None:
    """Record a decision."""
    _add(session, "decision", text, {"rationale": rationale, "alternatives": list(alternatives)}, private)


@decision.command("list")
@session_option
@json_option
def decision_list(session: str | None, as_json: bool) -> None:
    """List decisions."""
    _list_entries("decision", session, as_json)


@cli.group()
def blocker() -> None:
    """Blockers: what stops progress."""


@blocker.command("add")
@text_argument
@session_option
@private_option
def blocker_add(text: str, session: str | None, private: bool) -> None:
    """Record a blocker."""
    _add(session, "blocker", text, private=private)


@blocker.command("resolve")
@click.argument("entry_id", metavar="ID")
@click.option("--note", metavar="N", help="How it was resolved.")
@session_option
def blocker_resolve(entry_id: str, note: str | None, session: str | None) -> None:
    """Mark a blocker resolved."""
    _transition("blocker", entry_id, session, "resolved", ("open",), {"resolution": note} if note else None)


@blocker.command("list")
@session_option
@json_option
def blocker_list(session: str | None, as_json: bool) -> None:
    """List blockers."""
    _list_entries("blocker", session, as_json)


@cli.group()
def discovery() -> None:
    """Discoveries: things learnt that the next person must know."""


@discovery.command("add")
@text_argument
@session_option
@private_option
def discovery_add(text: str, session: str | None, private: bool) -> None:
    """Record a discovery."""
    _add(session, "discovery", text, private=private)


@discovery.command("list")
@session_option
@json_option
def discovery_list(session: str | None, as_json: bool) -> None:
    """List discoveries."""
    _list_entries("discovery", session, as_json)


@cli.group("next")
def next_group() -> None:
    """Next steps, by priority."""


@next_group.command("add")
@text_argument
@click.option(
    "--priority",
    type=click.Choice(PRIORITIES),
    default=DEFAULT_PRIORITY,
    show_default=True,
    help="How soon it should be done.",
)
@session_option
@private_option
def next_add(text: str, priority: str, session: str | None, private: bool) -> None:
    """Add a next step."""
    _add(session, "next", text, {"priority": priority}, private)


@next_group.command("done")
@click.argument("entry_id", metavar="ID")
@session_option
def next_done(entry_id: str, session: str | None) -> None:
    """Mark a next step done."""
    _transition("next", entry_id, session, "done", ("open",))


@next_group.command("list")
@session_option
@json_option
def next_list(session: str | None, as_json: bool) -> None:
    """List next steps, by priority."""
    _list_entries("next", session, as_json)


@cli.command()
@text_argument
@session_option
@private_option
def note(text: str, session: str | None, private: bool) -> None:
    """Add a progress note to the session's log."""
    _add(session, "note", text, private=private)


@cli.group()
def source() -> None:
    """Sources: URLs and paths consulted."""


@source.command("add")
@click.argument("url_or_path", metavar="URL_OR_PATH")
@session_option
@private_option
def source_add(url_or_path: str, session: str | None, private: bool) -> None:
    """Record a source consulted."""
    _add(session, "source", url_or_path, private=private)


@source.command("list")
@session_option
@json_option
def source_list(session: str | None, as_json: bool) -> None:
    """List sources."""
    _list_entries("source", session, as_json)


# --- brief ----------------------------------------------------------------------------


@cli.command("brief")
@session_option
@click.option("--agent", metavar="NAME", help="Who the brief is for; named in its first line.")
@click.option(
    "--max-chars",
    type=click.IntRange(min=brief.MIN_MAX_CHARS),
    default=brief.DEFAULT_MAX_CHARS,
    show_default=True,
    metavar="N",
    help=f"The most characters the brief may print, newlines included (at least {brief.MIN_MAX_CHARS}).",
)
@json_option
def brief_command(session: str | None, agent: str | None, max_chars: int, as_json: bool) -> None:
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
    result = brief.build(ws.store, found.handle, found.meta, short_id, max_chars, agent)
    if as_json:
        print_json(brief.as_view(result, found.meta, short_id))
        return
    click.echo(result.text, nl=False)


# --- checkpoints ----------------------------------------------------------------------


@cli.command()
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
    short = click.style(ws.short_entry_id(made.found, "checkpoint", made.checkpoint.id), fg="yellow")
    echo(f"Saved checkpoint {short} {render.clip(made.checkpoint.text)!r} ({_checkpoint_head(made.checkpoint)})")
    if made.decision is not None:
        echo(f"Added decision {click.style(ws.short_entry_id(made.found, 'decision', made.decision.id), fg='yellow')}")


def _checkpoint_head(entry: Entry) -> str:
    commit = entry.values.get("commit")
    return f"HEAD {str(commit)[:7]}" if commit else "no commit yet"


@cli.command("checkpoints")
@session_option
@json_option
def checkpoints_list(session: str | None, as_json: bool) -> None:
    """List the session's checkpoints, oldest first: id, date, HEAD, label."""
    from git_session import checkpoints

    _, entries = checkpoints.listing(workspace(), session)
    if as_json:
        print_json([views.entry_view(e) for e in entries])
        return
    abbrev = abbreviate([e.id for e in entries])
    for entry in entries:
        commit = entry.values.get("commit")
        head = str(commit)[:7] if commit else "-------"
        label = str(entry.values.get("label") or entry.text)
        echo(f"{render.short(entry.id, abbrev)}  {render.when(entry.created, entry.tz)}  {head}  {render.clip(label)}")


@cli.command("diff")
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

    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    text = checkpoints.diff(workspace(), session, checkpoint_id, paths, cwd=os.getcwd(), stat=stat, color=colour)
    click.echo(text.encode("utf-8", "surrogateescape"), nl=False)


@cli.command()
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
    short = click.style(ws.short_entry_id(result.found, "checkpoint", result.checkpoint.id), fg="yellow")
    if result.before is None:
        echo(f"Nothing to restore: the working tree already matches checkpoint {short}")
        return
    before = click.style(ws.short_entry_id(result.found, "checkpoint", result.before.id), fg="yellow")
    echo(f"Saved the current state as checkpoint {before} (undo with: git session restore {before})")
    echo(
        f"Restored checkpoint {short} {render.clip(result.checkpoint.text)!r}: "
        f"{len(result.written)} file(s) written, {len(result.deleted)} deleted"
    )


# --- handoffs ---------------------------------------------------------------------------


@cli.command("handoff")
@click.argument("session_arg", metavar="[SESSION]", required=False)
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

    From the session, the commit notes and the branch history base..tip (commits with
    their trailers, files added, modified and deleted, line counts): TL;DR, context,
    current state, progress, objectives, decisions, discoveries, blockers, next steps,
    deliverables, checkpoints, sources, related sessions and metrics. JSON carries the
    same content; HTML is one standalone page. For a session that `end` handed off, the
    Markdown is the text stored then; another format or a template renders afresh.

    Templates run in jinja2's sandbox. The repository may provide its own in
    .git-session/templates/ (or the folder named by the session.templateDir config):
    handoff.md.j2, handoff.html.j2, adr.md.j2.
    """
    from git_session import handoff as handoff_core

    ws = workspace()
    found = ws.find(session_arg or session)
    text = handoff_core.handoff(ws, found, handoff_core.format_for(fmt, output), template)
    if output is not None:
        handoff_core.write_output(output, text)
        echo(f"Wrote {render.safe(output)}")
        return
    click.echo(render.safe(text, multiline=True) if sys.stdout.isatty() else text, nl=False)


@cli.group(hidden=True)
def hook() -> None:
    """Entry points for the git hooks (used by the installed shims and hook managers)."""


@hook.command("refresh", hidden=True)
@click.option("--branch", metavar="BRANCH", help="The branch whose trailers to render (default: current).")
def hook_refresh(branch: str | None) -> None:
    """Render the trailers the commit hooks use for a branch."""
    ws = workspace(link_wait=HOOK_LINK_WAIT)
    ws.refresh_trailers(BranchName(branch) if branch else ws.branch(), force=True)


@hook.command("drain", hidden=True)
def hook_drain() -> None:
    """Link the commits the hooks recorded to their sessions (journal entries, notes)."""
    workspace()  # links what the hooks recorded


@hook.command("push", hidden=True)
@click.argument("remote")
def hook_push(remote: str) -> None:
    """Push the sessions of the branches named on standard input (pre-push, session.autoPush)."""
    from git_session import secrets, sharing
    from git_session.names import branch_prefix

    ws = workspace(link_wait=HOOK_LINK_WAIT)
    branches = [BranchName.of(line.strip()) for line in sys.stdin if line.strip()]
    target = sharing.resolve_remote(ws.repo, remote)
    prefixes = [branch_prefix(b) for b in branches]
    report = sharing.push(ws.repo, target, secrets.scan, False, prefixes=prefixes)
    if report.pushed:
        click.echo(f"git-session: pushed {len(report.pushed)} session(s) to {render.safe(target.name)}", err=True)


@hook.command("check-push", hidden=True)
@click.argument("remote")
@click.argument("url", required=False)
def hook_check_push(remote: str, url: str | None) -> None:
    """Check the messages of the commits a git push sends for secrets (pre-push).

    Prints "block" on standard output when the push must stop (session.pushCheck=block,
    the default): the hook stops it only then, never when this command fails.
    """
    from git_session import pushcheck

    ws = Workspace.open(warn=warn)
    setting = pushcheck.mode(ws.repo)
    if setting == "off":
        return
    checked = pushcheck.check(ws.repo, remote, sys.stdin)
    if not checked.complete:
        warn(f"only the messages of the newest {checked.commits} commit(s) being pushed were checked for secrets")
    stop = "push stopped" if setting == "block" else "warning"
    if checked.private:
        click.echo(
            f"git-session: {stop}: private session entries would leave: {render.safe(checked.private[0])}", err=True
        )
        click.echo("hint: push the refs you mean by name (not --mirror or refs/*): private entries stay here", err=True)
    if not checked.findings:
        if checked.private and setting == "block":
            click.echo("block")
        return
    messages = all(f.where.startswith("the message of ") for f in checked.findings)
    where = " in their messages" if messages else ""  # else also in the sessions or notes pushed
    click.echo(f"git-session: {stop}: the commits being pushed hold secrets{where}:", err=True)
    for finding in checked.findings[:10]:
        excerpt = render.safe(finding.excerpt)
        click.echo(f"git-session:   {finding.what} in {finding.where}: {excerpt} [{finding.fingerprint}]", err=True)
    prints = " ".join(dict.fromkeys(f.fingerprint for f in checked.findings[:10]))
    hints = [
        "rewrite those messages (git commit --amend, git rebase -i) and rotate the secret if it was ever pushed",
        f"not a secret? acknowledge it: git session secrets allow {prints}",
        "push anyway: git push --no-verify (or git config session.pushCheck warn)",
    ]
    if not messages:
        hints.insert(1, "for a session or a note: git session push names the command that takes each secret out")
    for hint in hints:
        click.echo(f"hint: {hint}", err=True)
    if setting == "block":
        click.echo("block")


@hook.command("run", hidden=True, context_settings={"ignore_unknown_options": True})
@click.argument("name", type=ShippedHook(), metavar="HOOK")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def hook_run(name: str, args: tuple[str, ...]) -> None:
    """Run a shipped hook shim (for hook managers: husky, lefthook, pre-commit)."""
    source = os.environ.get("PRE_COMMIT_COMMIT_MSG_SOURCE")  # the pre-commit framework passes these apart
    if name == "prepare-commit-msg" and len(args) == 1 and source:
        args = (*args, source, *filter(None, [os.environ.get("PRE_COMMIT_COMMIT_OBJECT_NAME")]))
    with data.hook_file(name) as path:
        env = {**os.environ, "GIT_SESSION_NO_CHAIN": "1"}
        os.execve("/bin/sh", ["/bin/sh", str(path), *args], env)


# --- hooks and config: install, uninstall, doctor ---------------------------------------


@cli.command()
@click.option("--force", is_flag=True, help="Install into the core.hooksPath directory, chaining its hooks.")
@click.option("--manual", is_flag=True, help="Set the config and print what to add to a hook manager instead.")
def install(force: bool, manual: bool) -> None:
    """Install the commit hooks and the notes config.

    The hooks go into the directory git uses (git rev-parse --git-path hooks), shared by
    linked worktrees. A hook already there keeps running: it is moved to
    NAME.git-session-chained and run first, with the same arguments and input. notes.rewriteRef
    and related settings are added so that notes follow commit --amend and rebase. Installing
    twice changes nothing.

    When core.hooksPath is set, install says where and stops; --force installs there,
    --manual prints snippets for husky, lefthook and pre-commit (git >= 2.54 can also
    declare hooks in its config). A hook manager's generated directory is never written.
    """
    if force and manual:
        raise click.UsageError("--force and --manual exclude each other")
    ws = workspace()
    from git_session.integrations import commands as install_core

    result = install_core.install(ws.repo, force=force, manual=manual)
    _refresh_all_trailers(ws)
    if manual:
        _echo_snippets(result)
    elif not result.changed:
        echo(f"git-session is already installed in {render.safe(result.location.path)}; nothing changed")
        return
    else:
        _echo_hook_changes(result)
    _echo_config_changes(result.config)


def _refresh_all_trailers(ws: Workspace) -> None:
    """Sessions active before the hooks existed get their pre-rendered trailers now."""
    try:
        branches = {f.meta.branch for f in ws.all_sessions() if f.meta.status == "active"}
        for branch in sorted(branches):
            ws.refresh_trailers(BranchName(branch))
    except SessionError as exc:  # the hooks are in; they render the trailers themselves when needed
        warn(exc.message)
    except OSError as exc:
        warn(file_system_error(exc).message)


def _echo_hook_changes(result: install_core.InstallResult) -> None:
    echo(f"Hooks in {render.safe(result.location.path)}:")
    for change in (hook.as_change() for hook in result.hooks):
        echo(f"  {change.subject:<19} {change.action}{change.note}")


def _echo_config_changes(changes: tuple[install_core.ConfigChange, ...]) -> None:
    for change in (config.as_change() for config in changes):
        if change.action != "present":
            echo(f"{change.action.capitalize()} {render.safe(change.subject)}{change.note}")


def _echo_snippets(result: install_core.InstallResult) -> None:
    setting = result.location.hooks_path
    if setting is not None:
        echo(f"core.hooksPath is {render.safe(setting.value)} (set in {render.safe(setting.origin)})")
    echo("Call git-session's hooks from your hook manager:")
    for snippet in result.snippets:
        echo()
        echo(f"# {snippet.title}")
        echo(snippet.text)
    echo()


@cli.command()
def uninstall() -> None:
    """Remove the hooks and the config that install added.

    Each chained hook is put back byte for byte, with its mode; config values that were
    there before install are left alone. When nothing is installed, says so and exits 0.
    """
    from git_session.integrations import commands as install_core

    changes = [change for result in install_core.uninstall(workspace().repo) for change in result.changes]
    if not any(change.done for change in changes):
        echo("git-session is not installed here: nothing to remove")
    for change in changes:
        echo(f"{change.action.capitalize()} {render.safe(change.subject + change.note)}")


@cli.command()
@click.option(
    "--fix",
    is_flag=True,
    help="Repair what can be repaired safely (hooks, config, stale locks, sessions from their reflog).",
)
@click.pass_context
def doctor(ctx: click.Context, fix: bool) -> None:
    """Check the hooks, the notes config, the session lock files and the sessions' history.

    Reports hooks missing, outdated or replaced by another, core.hooksPath and hook
    manager situations, notes config missing, lock files left by a writer that died, and
    sessions whose history lost objects (say to `git gc --prune=now` during a write). The
    fix points such a session back at the newest complete commit of its reflog, or, when
    there is none, moves it aside to refs/session-broken/ so that it is out of the way.
    Exits 0 when healthy, 1 when problems remain.
    """
    from git_session.doctor import doctor as diagnose

    report = diagnose(workspace().repo, fix=fix)
    for line in report.fixed:
        echo(f"fixed: {render.safe(line)}")
    for finding in report.findings:
        echo(f"{finding.level}: {finding.subject}: {render.safe(finding.message)}")
    if report.problems:
        fixable = any(f.fixable for f in report.problems)
        echo(f"{len(report.problems)} problem(s)" + ("; git session doctor --fix repairs them" if fixable else ""))
        ctx.exit(1)


# --- reattach ------------------------------------------------------------------------


@cli.command("reattach")
@click.option("--onto", default="HEAD", show_default=True, metavar="REV", help="The history whose commits to re-link.")
@click.option(
    "--limit",
    default=500,
    show_default=True,
    type=click.IntRange(min=1),
    metavar="N",
    help="How many of REV's most recent commits to look at.",
)
@click.option("-n", "--dry-run", is_flag=True, help="Show what would be linked; write nothing.")
@json_option
def reattach_command(onto: str, limit: int, dry_run: bool, as_json: bool) -> None:
    """Re-link session notes to cherry-picked or squash-merged commits, by patch-id.

    After a squash merge, a cherry-pick without notes or a forge's rebase, the recent
    commits of REV that have no session note are compared (`git patch-id --stable`)
    with the linked commits elsewhere. A commit with the change of one linked commit
    gets a copy of its note. A commit with the combined change of a branch's linked
    commits gets one line per session, with their objectives and decisions. Each
    session also gets a commit entry. A commit that matches more than one session, or
    a change found in more than one commit, is not linked but reported, and the
    command then exits 1.
    """
    from git_session.errors import UserError
    from git_session.reattach import reattach

    ws = workspace()
    report = reattach(ws, onto, limit=limit, dry_run=dry_run)
    for problem in report.problems:
        click.echo(f"git-session: warning: {render.safe(problem)}", err=True)
    if as_json:
        print_json(_reattach_json(report))
    else:
        _echo_reattach(ws, report)
    if report.ambiguous:
        raise UserError(
            f"{len(report.ambiguous)} commit(s) matched ambiguously and were not linked",
            "link one by hand if you know its session: git notes --ref=sessions copy SOURCE COMMIT",
        )


def _echo_reattach(ws: Workspace, report: Any) -> None:
    verb = "would link" if report.dry_run else "linked"
    for link in report.linked:
        sessions = ", ".join(ws.short_session_id(s) for s in link.sessions)
        if link.how == "patch":
            how = f"same change as {', '.join(c[:12] for c in link.sources)}"
        else:
            how = f"squash of {len(link.sources)} linked commit(s) {link.sources[0][:12]}..{link.sources[-1][:12]}"
        echo(f"{verb} {link.commit[:12]} {render.safe(link.subject)}: {how} -> session {sessions}")
    for item in report.ambiguous:
        echo(f"ambiguous {item.commit[:12]} {render.safe(item.subject)}: {render.safe(item.reason)}; not linked")
    if not report.linked and not report.ambiguous:
        echo(f"nothing to reattach ({report.examined} commit(s) examined)")


def _reattach_json(report: Any) -> dict[str, Any]:
    return {
        "onto": report.onto,
        "examined": report.examined,
        "dry_run": report.dry_run,
        "linked": [
            {"commit": x.commit, "subject": x.subject, "how": x.how, "sessions": x.sessions, "sources": x.sources}
            for x in report.linked
        ],
        "ambiguous": [
            {"commit": x.commit, "subject": x.subject, "reason": x.reason, "sessions": x.sessions, "sources": x.sources}
            for x in report.ambiguous
        ],
        "journal": [{"commit": commit, "session": session} for commit, session in report.journaled],
        "problems": list(report.problems),
    }


# --- sharing ------------------------------------------------------------------------------


def _progress_meter() -> Callable[[str, int, int], None]:
    """Progress on standard error when it is a terminal (and there is much to do); silence otherwise."""
    if not sys.stderr.isatty():
        return lambda label, done, total: None

    def show(label: str, done: int, total: int) -> None:
        if total >= 20 and (done == total or done % 10 == 0):
            end = "\n" if done == total else "\r"
            click.echo(f"{label}: {100 * done // total}% ({done}/{total}){end}", err=True, nl=False)

    return show


def _merge_summary(report: Any) -> str:
    parts = [
        f"{report.count(outcome)} {label}"
        for outcome, label in (
            ("created", "new"),
            ("fast-forward", "fast-forwarded"),
            ("merged", "merged"),
            ("up-to-date", "up to date"),
        )
        if report.count(outcome)
    ]
    notes = {"none": "", "up-to-date": "", "merged": "; notes merged"}.get(report.notes, f"; notes {report.notes}")
    return (", ".join(parts) or "no sessions") + notes


def _report_skipped(report: Any) -> None:
    for line in report.skipped:
        warn(f"skipped {line}")


@cli.command()
@click.argument("remote", required=False)
def fetch(remote: str | None) -> None:
    """Copy a remote's sessions and notes to refs/session-remotes/REMOTE/ (nothing is merged).

    See them with `git session list --remote REMOTE`; `git session pull` merges them.
    REMOTE defaults to session.remote, the branch's upstream remote, origin, or the only remote.
    """
    from git_session import sharing

    ws = workspace()
    target = sharing.resolve_remote(ws.repo, remote)
    sharing.fetch(ws.repo, target, show_progress=sys.stderr.isatty())
    count = len(ws.repo.ref_names(target.sessions_prefix))
    echo(f"Fetched {count} session(s) from {render.safe(target.name)} into {target.sessions_prefix}")


@cli.command()
@click.argument("remote", required=False)
def pull(remote: str | None) -> None:
    """Fetch a remote's sessions and notes and merge them into yours.

    New sessions are copied, those behind fast-forwarded, diverged ones joined by a
    merge of both histories; notes merge as a union of lines. Every session is
    validated first: one that is not valid is reported and skipped, the others merge.
    """
    from git_session import sharing

    ws = workspace()
    target = sharing.resolve_remote(ws.repo, remote)
    report = sharing.pull(ws.repo, target, sys.stderr.isatty(), _progress_meter())
    _report_skipped(report)
    if not ws.repo.is_bare and ws.repo.head_branch() is not None:
        ws.refresh_trailers(ws.branch())  # the hooks see a session that arrived on this branch
    echo(f"Pulled from {render.safe(target.name)}: {_merge_summary(report)}")
    if report.skipped:
        raise DataError(f"{len(report.skipped)} session(s) from {target.name} were not valid and were skipped")


@cli.command()
@click.argument("remote", required=False)
def push(remote: str | None) -> None:
    """Push your sessions and the commit notes to a remote, never forcing.

    Before anything is sent, what would leave is scanned for secrets (tokens, private
    keys, passwords, high-entropy strings): new operations, new notes commits, and the
    files of checkpoints the remote does not have already. A finding stops the push and
    names the entry and the finding's fingerprint; `git session secrets allow` acknowledges
    one that is no secret. Entries added with --private are never pushed. If the remote moved on, its sessions are
    fetched and merged and the push is tried again (a few times at most).
    """
    from git_session import secrets, sharing

    ws = workspace()
    target = sharing.resolve_remote(ws.repo, remote)
    report = sharing.push(ws.repo, target, secrets.scan, sys.stderr.isatty(), _progress_meter())
    if report.merged is not None:
        _report_skipped(report.merged)
        echo(f"Merged what {render.safe(target.name)} had meanwhile: {_merge_summary(report.merged)}")
    for ref, problem in sorted(report.unreadable.items()):
        warn(f"not pushed: {ref}: {problem}")
    notes = " and the notes" if report.notes_pushed else ""
    if not report.pushed and not notes:
        echo(f"Everything up to date on {render.safe(target.name)}")
    else:
        echo(f"Pushed {len(report.pushed)} session(s){notes} to {render.safe(target.name)}")
    if report.unreadable:
        raise DataError(f"{len(report.unreadable)} ref(s) were not pushed: they cannot be read", "git session doctor")


@cli.command()
@click.argument("entry_id", metavar="[ENTRY]", required=False)
@click.option("--note", "note_commit", metavar="COMMIT", help="Take the lines holding a secret out of COMMIT's note.")
@session_option
def redact(entry_id: str | None, note_commit: str | None, session: str | None) -> None:
    """Remove an entry from the session's history, or a secret from a commit's note, before it is pushed.

    Every operation on the entry is taken out and the session's history is rewritten
    locally; the lines of the commit notes that quote the entry lose it too. With
    --note COMMIT, the lines of COMMIT's session note that hold a secret are taken out of
    every version of that note in the notes' history. The old history stays in this
    repository, reachable from the reflog (`git reflog refs/sessions/KEY/ID`), a note's
    from that of refs/notes/sessions, until that expires: the text is still on this disk,
    though no push sends a reflog. To drop it now: `git reflog expire --expire=now
    refs/sessions/KEY/ID` (or refs/notes/sessions) and then `git gc --prune=now`. If a remote already has what would be
    taken out, nothing is rewritten: what was pushed cannot be taken back, so rotate the
    secret.
    """
    from git_session import redact as redaction

    if (entry_id is None) == (note_commit is None):
        raise click.UsageError("name an ENTRY or a --note COMMIT (one of them)")
    ws = workspace()
    if note_commit is not None:
        done = redaction.redact_note(ws.repo, note_commit)
        echo(
            f"Redacted {done.lines} line(s) holding a secret from the note on {done.target[:12]} "
            f"({done.rewritten} notes commit(s) rewritten)"
        )
        return
    assert entry_id is not None
    found = ws.find(session)
    result = redaction.redact(ws, found, entry_id)
    echo(f"Redacted {result.entry.kind} {result.short} from session {ws.short_session_id(found.handle.id)}")
    if result.notes_rewritten:
        echo(f"and from the commit notes that quoted it ({result.notes_rewritten} notes commit(s) rewritten)")
    for where in result.also_in:
        warn(f"its text also appears in {where}: redact that too before pushing")


@cli.group()
def secrets() -> None:
    """The secret scan that runs before a push: acknowledge what is no secret."""


@secrets.command("allow")
@click.argument("fingerprints", nargs=-1, required=True, metavar="FINGERPRINT...")
@session_option
def secrets_allow(fingerprints: tuple[str, ...], session: str | None) -> None:
    """Acknowledge findings of the scan as no secret, by the fingerprints a stopped push showed.

    The acknowledgement is an entry of the session (it is pushed with it, and its log
    says who made it): a later push leaves that finding alone in this session, and in
    the commit notes. A fingerprint is a hash of the finding: it does not reveal it.
    """
    from git_session import allowlist

    ws = workspace()
    found, added = allowlist.allow(ws, session, fingerprints)
    short = ws.short_session_id(found.handle.id)
    for fingerprint in fingerprints:
        state = "acknowledged" if fingerprint.strip().lower() in added else "already acknowledged"
        echo(f"{render.safe(fingerprint.strip().lower())}: {state} in session {short}")


def main() -> None:
    cli(prog_name="git session")
