"""`git session handoff`, answered before the command line is imported (ISSUE14: handoff).

The command's start-up (click and the command line's modules) cost more than a handoff's
rendering. The console script (``launch``) asks ``text`` first for the plain forms: no
argument or one session (``SESSION``, ``--session SESSION``) and ``--format``. Anything
else (``--template``, ``-o``, ``--help``, ``--``, an option twice, a value click would
refuse) is the command line's.

It answers only when the whole command would print that text and nothing else: opening the
repository would do nothing (``quickpush.idle``: no queued commit or agent start, no shared
configuration file to warn about, no branch moved since automatic reattach last looked),
nothing is warned about, and the text holds no escape character (click strips colour codes
from what it prints to a pipe). The text is the command's own (``handoff.handoff``, the same
workspace, the same session lookup). Any doubt, any error, is ``None``: the command then
runs in full and does, or says, exactly what it always did (it reads the session again).
"""

from __future__ import annotations

from git_session.handoff import FORMATS, handoff
from git_session.quickpush import idle
from git_session.sessions import Workspace

_OPTIONS = {"--session": "session", "--format": "fmt"}


class _Declined(Exception):
    """Something the command would say or do besides the text: it is the command's to say."""


def parse(args: list[str]) -> tuple[str | None, str] | None:
    """The session asked for (as the command reads it: the argument, else ``--session``) and
    the format, from the arguments after ``handoff``; ``None`` for anything else."""
    given: dict[str, str] = {}
    positional: list[str] = []
    rest = iter(args)
    for token in rest:
        if not token.startswith("-"):
            positional.append(token)
            continue
        name, equals, value = token.partition("=")
        if name not in _OPTIONS or _OPTIONS[name] in given:
            return None
        if not equals:
            value = next(rest, "-")  # a missing value: click's to report
        if value.startswith("-"):  # click would take it as the value: the command's to read
            return None
        given[_OPTIONS[name]] = value
    fmt = given.get("fmt", "markdown")
    if len(positional) > 1 or fmt not in FORMATS:
        return None
    return (positional[0] if positional else None) or given.get("session"), fmt


def text(args: list[str]) -> str | None:
    """What ``git session handoff ARGS`` prints, when that is all it would do; else ``None``."""
    asked = parse(args)
    if asked is None:
        return None
    spec, fmt = asked
    try:
        ws = Workspace.open(warn=_decline)
        if not idle(ws.repo):
            return None
        answer = handoff(ws, ws.find(spec), fmt)
    except Exception:  # the command says what it is, as it always does
        return None
    return None if "\x1b" in answer else answer


def _decline(message: str) -> None:
    raise _Declined(message)
