"""Shell completion: ``git session completion SHELL`` prints the script, and the script asks
the program itself what to offer, with the words typed so far.

The scripts are thin (``git_session/completion/``): they run ``git-session`` with
``_GIT_SESSION_COMPLETE=SHELL`` in the environment and the words after ``git session`` as
its arguments (the last one the word being completed). :func:`complete` answers with one
line per candidate, ``TYPE<tab>VALUE<tab>DESCRIPTION`` (TYPE ``plain``, or ``file`` / ``dir``:
let the shell complete paths). Commands, options and choices come from click's own
completion; session ids, entry ids, checkpoints, branches and remotes from the repository.
Completing never prints an error and never fails: outside a repository only the commands
and options are offered.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterable, Sequence

import click
from click.shell_completion import CompletionItem

from git_session import data

SHELLS = ("bash", "zsh", "fish")
DESCRIPTION_CHARS = 60


@click.command("completion")
@click.argument("shell", metavar="SHELL", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script for SHELL (bash, zsh or fish).

    It completes commands, options, session ids and titles, the entry ids of the current
    session with their text, checkpoints, branches and remotes, for `git session` (through
    git's own completion) and `git-session`. To enable it:

    \b
      bash: eval "$(git session completion bash)"   in ~/.bashrc, after git's completion
      zsh:  eval "$(git session completion zsh)"    in ~/.zshrc, after compinit
      fish: git session completion fish | source    in ~/.config/fish/config.fish
    """
    click.echo(data.completion_script(shell), nl=False)


def complete(cli: click.Command, words: Sequence[str]) -> str:
    """The candidates for the last of ``words`` (those typed after ``git session``), one line
    each; nothing at all when anything goes wrong."""
    *args, incomplete = list(words) or [""]
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            items = _completions(cli, args, incomplete)
    except Exception:  # a completion must never print a trace into the command line
        return ""
    return "".join(_line(item) for item in items)


def main(cli: click.Command) -> None:
    """Answer the completion script (``_GIT_SESSION_COMPLETE`` is set) and exit."""
    sys.stdout.write(complete(cli, sys.argv[1:]))
    sys.stdout.flush()
    sys.exit(0)


def _line(item: CompletionItem) -> str:
    def clean(text: str) -> str:
        return " ".join(text.split())

    help_text = clean(item.help or "")
    if len(help_text) > DESCRIPTION_CHARS:
        help_text = help_text[: DESCRIPTION_CHARS - 1] + "…"
    return f"{item.type}\t{clean(str(item.value))}\t{help_text}\n"


def _completions(cli: click.Command, args: list[str], incomplete: str) -> list[CompletionItem]:
    from click.shell_completion import _resolve_context, _resolve_incomplete

    ctx = _resolve_context(cli, {}, "git session", args)
    obj, incomplete = _resolve_incomplete(ctx, args, incomplete)
    if isinstance(obj, click.Parameter) and obj.name in _DYNAMIC:
        return _DYNAMIC[obj.name](ctx, incomplete)
    return list(obj.shell_complete(ctx, incomplete))


# --- values from the repository ---------------------------------------------------------


def _matching(pairs: Iterable[tuple[str, str]], incomplete: str) -> list[CompletionItem]:
    lowered = incomplete.lower()
    seen: set[str] = set()
    items = []
    for value, help_text in pairs:
        if value.lower().startswith(lowered) and value not in seen:
            seen.add(value)
            items.append(CompletionItem(value, help=help_text or None))
    return items


def _sessions(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    """Session ids (shortest unique prefix) described by title, status and branch; the
    titles too when what is typed is not an id."""
    from git_session.sessions import Workspace, abbreviate

    ws = Workspace.open()
    found = ws.all_sessions()
    short = abbreviate([f.handle.id for f in found])
    by_id = [(short.get(f.handle.id, f.handle.id), f"{f.meta.title} ({f.meta.status}, {f.meta.branch})") for f in found]
    items = _matching(by_id, incomplete)
    if items:
        return items
    return _matching(((f.meta.title, f"{short.get(f.handle.id, '')} {f.meta.status}") for f in found), incomplete)


def _entries(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    """The entry ids of the session in question, with their text: for ``KIND VERB``, the
    entries of that kind the change may be made to; for ``redact``, every entry."""
    from git_session import model, queries
    from git_session.sessions import Workspace, abbreviate

    ws = Workspace.open()
    found = ws.find(_session_option(ctx))
    kind, verb = _kind_and_verb(ctx)
    if kind is None:  # any kind: ids unique among them all, as redact resolves them
        every = [e for each in model.ENTRY_KINDS for e in queries.entries(ws, found, each).entries]
        short = abbreviate([e.id for e in every])
        return _matching(((short.get(e.id, e.id), f"{e.kind}: {e.text}") for e in every), incomplete)
    listed = queries.entries(ws, found, kind)  # type: ignore[arg-type]
    allowed = _allowed_from(kind, verb)
    pairs = [(listed.abbrev.get(e.id, e.id), e.text) for e in listed.entries if allowed is None or e.status in allowed]
    return _matching(pairs, incomplete)


def _checkpoints(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    from git_session import queries
    from git_session.sessions import Workspace

    ws = Workspace.open()
    listed = queries.entries(ws, ws.find(_session_option(ctx)), "checkpoint")
    pairs = [(listed.abbrev.get(e.id, e.id), e.label or e.text) for e in reversed(listed.entries)]
    return _matching(pairs, incomplete)


def _branches(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    from git_session.gitrepo import Repo

    names = Repo.discover(None).ref_names("refs/heads/")
    return _matching(((name.removeprefix("refs/heads/"), "") for name in sorted(names)), incomplete)


def _remotes(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    from git_session.gitrepo import Repo

    return _matching(((name, "") for name in sorted(Repo.discover(None).remote_names())), incomplete)


def _session_option(ctx: click.Context) -> str | None:
    value = ctx.params.get("session") or ctx.params.get("session_arg")
    return value if isinstance(value, str) else None


def _kind_and_verb(ctx: click.Context) -> tuple[str | None, str | None]:
    """``("objective", "done")`` for ``objective done``; ``(None, None)`` for ``redact``."""
    parent = ctx.parent
    if parent is None or parent.info_name is None or parent.parent is None:
        return None, None
    return parent.info_name, ctx.info_name


def _allowed_from(kind: str, verb: str | None) -> tuple[str, ...] | None:
    from git_session import model

    try:
        return model.transition(kind, verb).allowed_from if verb else None  # type: ignore[arg-type]
    except KeyError:
        return None


# parameter name -> what completes it (every command names these parameters alike)
_DYNAMIC: dict[str, Callable[[click.Context, str], list[CompletionItem]]] = {
    "session": _sessions,
    "session_arg": _sessions,
    "parent": _sessions,
    "entry_id": _entries,
    "checkpoint_id": _checkpoints,
    "branch": _branches,
    "onto": _branches,
    "remote": _remotes,
}
