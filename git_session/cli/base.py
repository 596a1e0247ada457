"""What every command shares: the error boundary, the lazily loaded groups, the common
options and parameter types, output, and the repository opened for a command."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from git_session import paths, render
from git_session.agents import follow
from git_session.cli import hints as cli_hints
from git_session.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, SessionError, file_system_error
from git_session.gitrepo import Repo, command_line_config, config_bool, restore_umask
from git_session.sessions import Workspace

KEEP_CRASH_LOGS = 10

F = TypeVar("F", bound=Callable[..., Any])
_NO_SUCH_COMMAND: Any = getattr(click.exceptions, "NoSuchCommand", None)  # click >= 8.4 suggests names
# click >= 8.2 raises this for a group given no subcommand (``git session``, ``git session
# objective``); earlier versions print the help and exit 0 themselves.
_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when one is looked up: ``lazy`` maps each
    name to ``"module:attribute"``, in the order the documentation lists them."""

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:  # "did you mean": among every name, not just those loaded
            if _NO_SUCH_COMMAND is None or not isinstance(exc, _NO_SUCH_COMMAND):
                raise
            raise _NO_SUCH_COMMAND(exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = self.lazy[cmd_name].partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command), self.lazy[cmd_name]
        return command


class SessionGroup(LazyGroup):
    """The error boundary: every failure becomes one line on stderr and an exit code."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except _NO_ARGS_IS_HELP as exc:  # a group alone: its help, as `--help` prints it, and success
            click.echo(exc.ctx.get_help(), color=exc.ctx.color)
            sys.exit(0)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "git session"
            _report(SessionError(_one_line(exc.format_message()), f"see: {command} --help"))
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            _report(SessionError(_one_line(exc.format_message())))
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.color is None:  # the commands' contexts inherit it, and click.echo follows it
            ctx.color = colour_choice(os.environ)
        try:
            return super().invoke(ctx)
        except SessionError as exc:
            try:
                _report(exc)
            except Exception as bug:  # advice without the data its words need: a bug like any other
                _internal_error(ctx, bug)
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
            _internal_error(ctx, exc)
        finally:
            restore_umask()  # (a shared repository's: Repo.share_new_files)


def _internal_error(ctx: click.Context, exc: Exception) -> None:
    path = _crash_log(exc)
    click.echo(f"git-session: internal error: {exc!r:.200}", err=True)
    click.echo(f"hint: the details are in {path}; please report them", err=True)
    ctx.exit(EXIT_INTERNAL)


def _one_line(message: str) -> str:
    """click's message on one line: it lists choices on lines of their own ("Choose from:\n\ta,")."""
    return " ".join(message.split())


def _report(exc: SessionError) -> None:
    message, hint = cli_hints.message(exc), cli_hints.hint(exc)  # spelt before anything is printed
    click.echo(f"git-session: {render.safe(message)}", err=True)
    for line in (hint or "").splitlines():  # a hint may list choices, one per line
        click.echo(f"hint: {render.safe(line)}", err=True)


def _crash_log(exc: BaseException) -> str:
    """Where the details went: the repository's private folder (the newest few are kept),
    or the temporary folder when there is no repository or it cannot be written."""
    import tempfile
    import traceback

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


# --- output ---------------------------------------------------------------------------


def colour_choice(environ: Mapping[str, str]) -> bool | None:
    """Colour as git decides it: ``color.session``, else ``color.ui`` (``git -c`` and
    ``GIT_CONFIG_*`` included): ``always`` colours, ``never``/``false`` does not, ``auto``/
    ``true`` (the default) colours a terminal (``None``: click asks the stream), unless
    ``NO_COLOR`` is set or ``TERM`` is dumb."""
    word = (_colour_setting() or "auto").lower()
    if word == "always":
        return True
    if word == "never" or config_bool(word) is False:
        return False
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    return None


def _colour_setting() -> str | None:
    try:
        repo = Repo.discover(None)
    except (SessionError, OSError):  # outside a repository: git -c still speaks
        pairs = dict(command_line_config(os.environ))
        session, ui = pairs.get("color.session"), pairs.get("color.ui")
    else:
        session, ui = repo.config_value("color.session"), repo.config_value("color.ui")
    return session if session is not None else ui


def colour_on(stream: Any) -> bool:
    """Whether output to ``stream`` is coloured, by :func:`colour_choice`."""
    ctx = click.get_current_context(silent=True)
    choice = ctx.color if ctx is not None else colour_choice(os.environ)
    return render.on_terminal(stream) if choice is None else choice


def echo(text: str = "") -> None:
    click.echo(text)


def print_json(value: Any) -> None:
    print_document(json.dumps(value, indent=2, ensure_ascii=False) + "\n", json_text=True)


def print_document(text: str, json_text: bool = False) -> None:
    """A document (JSON with ``json_text``) on stdout, as ``render.on_screen`` has it on a terminal."""
    click.echo(render.on_screen(text, json_text) if render.on_terminal(sys.stdout) else text, nl=False)


def warn(message: str) -> None:
    click.echo(f"git-session: warning: {render.safe(message)}", err=True)


def yellow(text: str) -> str:
    """An id, as the commands show one they have just written."""
    return click.style(text, fg="yellow")


# --- options and parameter types ------------------------------------------------------


def session_option(f: F) -> F:
    return click.option(
        "--session",
        "session",
        metavar="SESSION",
        help="Session id (or any unambiguous prefix), branch or title slug; default: the current branch's.",
    )(f)


def session_argument(f: F) -> F:
    """``[SESSION]`` as an argument, for the commands that also take ``--session``."""
    return click.argument("session_arg", metavar="[SESSION]", required=False)(f)


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


# --- the repository -------------------------------------------------------------------


def workspace(link_wait: float | None = None, reattach: bool = True) -> Workspace:
    """The repository, with the commits the hooks recorded linked to their sessions first
    (waiting ``link_wait`` seconds for another process linking them; by default long), and
    the agents' hook answers rendered again whenever a session changes (``agents.follow``);
    then, ``reattach``, copies of linked commits that the branches gained linked too. A shared
    configuration file that cannot be read is said in one line: it is left out."""
    ws = follow.opened(warn, link_wait)
    if paths.shared_config_may_exist(ws.repo):
        from git_session import settings

        fault = settings.of(ws.repo).fault
        if fault is not None:
            warn(f"{fault} (the file is left out; see: git session config)")
    if reattach:
        from git_session import autoreattach

        autoreattach.follow_branches(ws)
    return ws
