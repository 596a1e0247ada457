"""The entry commands (objective, decision, blocker, discovery, next, note, source), built
from the table of kinds (``kinds.KINDS``) and their state changes (``model.TRANSITIONS``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from git_session import queries, render, views
from git_session.cli.base import (
    echo,
    json_option,
    print_json,
    private_option,
    session_option,
    text_argument,
    workspace,
    yellow,
)
from git_session.cli.kinds import KINDS, Decorator, Kind
from git_session.model import ENTRY_STATUSES, Transition, entry_kind, transitions_of


def _add(kind: Kind, session: str | None, text: str, fields: dict[str, Any], private: bool) -> None:
    ws = workspace()
    found, op = ws.record(session, kind.name, text, fields, private=private)
    label = ("private " if private else "") + (kind.label or kind.name)
    echo(f"Added {label} {yellow(ws.short_entry_id(found, kind.name, op.id))}")


def _change(change: Transition, prefix: str, session: str | None, note: str | None) -> None:
    kind = entry_kind(change)
    ws = workspace()
    changed = ws.transition(session, kind, change.verb, prefix, note=note)
    assert changed.entry is not None
    short = yellow(ws.short_entry_id(changed.found, kind, changed.entry.id))
    echo(f"{kind.capitalize()} {short} {render.status_word(change.to)}: {render.clip(changed.entry.text, 80)}")


def _list(kind: Kind, session: str | None, as_json: bool) -> None:
    ws = workspace()
    listed = queries.entries(ws, ws.find(session), kind.name)
    entries = render.by_priority(listed.entries) if kind.name == "next" else listed.entries
    if as_json:
        print_json([views.entry_view(e) for e in entries])
        return
    for entry in entries:
        echo(render.entry_line(entry, listed.abbrev, show_status=kind.name in ENTRY_STATUSES).removeprefix("  "))


def _command(name: str, help_text: str, callback: Callable[..., None], params: Sequence[Decorator]) -> click.Command:
    for decorate in reversed(params):  # as if written above the function, first on top
        callback = decorate(callback)
    return click.command(name, help=help_text)(callback)


def _text_argument(kind: Kind) -> Decorator:
    """TEXT, which reads "-" from standard input; another metavar: a plain argument."""
    return text_argument if kind.argument == "TEXT" else click.argument("text", metavar=kind.argument)


def add_command(kind: Kind, name: str) -> click.Command:
    def add(text: str, session: str | None, private: bool, **fields: Any) -> None:
        _add(kind, session, text, {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}, private)

    params: tuple[Decorator, ...] = (_text_argument(kind), *kind.options, session_option, private_option)
    return _command(name, kind.add_help, add, params)


def change_command(kind: Kind, change: Transition) -> click.Command:
    def run(entry_id: str, session: str | None, note: str | None = None) -> None:
        _change(change, entry_id, session, note)

    note = (click.option("--note", metavar="N", help=kind.note_help),) if change.note_field else ()
    params: tuple[Decorator, ...] = (click.argument("entry_id", metavar="ID"), *note, session_option)
    help_text = kind.verb_help.get(change.verb) or f"Mark {kind.one} {change.to}."
    return _command(change.verb, help_text, run, params)


def list_command(kind: Kind) -> click.Command:
    def run(session: str | None, as_json: bool) -> None:
        _list(kind, session, as_json)

    return _command("list", kind.list_help, run, (session_option, json_option))


def kind_command(kind: Kind) -> click.Command:
    """The kind's group (add, its state changes, list), or, for a kind without one, its add."""
    if kind.group_help is None:
        return add_command(kind, kind.name)
    group = click.Group(kind.name, help=kind.group_help)
    group.add_command(add_command(kind, "add"))
    for change in transitions_of(kind.name):
        group.add_command(change_command(kind, change))
    group.add_command(list_command(kind))
    return group


COMMANDS: dict[str, click.Command] = {kind.name: kind_command(kind) for kind in KINDS}


def __getattr__(name: str) -> click.Command:
    """``entries.objective`` and so on: the command of each kind, as the lazy group loads it."""
    try:
        return COMMANDS[name]
    except KeyError:
        raise AttributeError(name) from None
