"""The entry kinds the command line has commands for: one row each. ``entries`` builds the
commands from a row and the kind's state changes (``model.TRANSITIONS``): ``KIND add``,
one command per state change, ``KIND list``; a kind without a group gets one command that
adds. This module is light: the list of command names comes from it without building them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import click

from git_session.model import DEFAULT_PRIORITY, PRIORITIES, EntryKind

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


@dataclass(frozen=True)
class Kind:
    """An entry kind's commands. The options of ``add`` are named after the entry fields they set."""

    name: EntryKind  # the entry kind, and the command's name
    group_help: str | None  # None: no group, the command adds (as `note` does)
    add_help: str
    list_help: str = ""
    one: str = ""  # "an objective": for the help of a state change ("Mark an objective done.")
    label: str = ""  # what the messages call it, if not its name
    argument: str = "TEXT"  # the metavar of the text; TEXT reads "-" from standard input
    options: tuple[Decorator, ...] = ()
    verb_help: Mapping[str, str] = field(default_factory=dict)  # a state change's help, if not the generic one
    note_help: str = "A note on the change."  # the help of --note, for a change that takes one


KINDS: tuple[Kind, ...] = (
    Kind(
        "objective",
        "Objectives: what the session sets out to do.",
        "Add an objective.",
        "List objectives.",
        one="an objective",
        verb_help={
            "reopen": "Reopen a done or dropped objective.",
            "drop": "Drop an objective that is no longer wanted.",
        },
    ),
    Kind(
        "decision",
        "Decisions, with their rationale and the alternatives weighed.",
        "Record a decision.",
        "List decisions.",
        options=(
            click.option("--rationale", metavar="R", help="Why."),
            click.option(
                "--alternative",
                "alternatives",
                multiple=True,
                metavar="A",
                help="An alternative considered (repeatable).",
            ),
        ),
    ),
    Kind(
        "blocker",
        "Blockers: what stops progress.",
        "Record a blocker.",
        "List blockers.",
        one="a blocker",
        note_help="How it was resolved.",
    ),
    Kind(
        "discovery",
        "Discoveries: things learnt that the next person must know.",
        "Record a discovery.",
        "List discoveries.",
    ),
    Kind(
        "next",
        "Next steps, by priority.",
        "Add a next step.",
        "List next steps, by priority.",
        one="a next step",
        label="next step",
        options=(
            click.option(
                "--priority",
                type=click.Choice(PRIORITIES),
                default=DEFAULT_PRIORITY,
                show_default=True,
                help="How soon it should be done.",
            ),
        ),
    ),
    Kind("note", None, "Add a progress note to the session's log."),
    Kind(
        "source",
        "Sources: URLs and paths consulted.",
        "Record a source consulted.",
        "List sources.",
        argument="URL_OR_PATH",
    ),
)
