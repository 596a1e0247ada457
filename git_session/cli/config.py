"""The effective configuration: `git session config`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from git_session import render
from git_session.cli.base import json_option, print_json, warn

if TYPE_CHECKING:
    from git_session.settings import Settings

EXIT_BAD_FILE = 1


@click.command("config")
@click.option("--show-origin", is_flag=True, help="Say where each value comes from.")
@json_option
def config_command(show_origin: bool, as_json: bool) -> None:
    """The effective configuration, and where each value comes from.

    Every setting is read from git config (session.NAME: personal, as git reads it, git -c
    included) first, then from .git-session/config.yaml (committed, shared by the team: the
    work tree's file; in a bare repository HEAD's), then its default. NAME is the same in
    both: git config session.trailer.id, or in the file "trailer: {id: …}" (or
    "trailer.id: …"). Personal keys (pushCheck, autoPush, hookTimeout) are read from git
    config only. Each line is NAME=VALUE (a list's items separated by ", "); --show-origin
    puts before it "default", "git config (LEVEL)" or FILE:LINE:COLUMN and a tab.

    Unknown keys and bad values are warnings (that key is left out); a file that cannot
    be read is one line FILE:LINE:COLUMN: WHAT on stderr and exit code 1, after the
    configuration it leaves (git config and the defaults).
    """
    from git_session import settings
    from git_session.gitrepo import Repo

    chosen = settings.load(Repo.discover(None))
    for line in chosen.warnings:
        warn(line)
    if as_json:
        print_json(_view(chosen))
    else:
        for setting in chosen.values.values():
            line = render.safe(f"{setting.key.name}={_shown(setting.value)}")  # the shared file's: anything
            click.echo(f"{setting.origin}\t{line}" if show_origin else line)
    if chosen.fault is not None:
        click.echo(f"git-session: {render.safe(chosen.fault)}", err=True)
        click.get_current_context().exit(EXIT_BAD_FILE)


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _view(chosen: Settings) -> dict[str, object]:
    return {
        "file": chosen.file,
        "fault": chosen.fault,
        "warnings": list(chosen.warnings),
        "settings": {
            name: {"value": list(s.value) if isinstance(s.value, tuple) else s.value, "origin": s.origin}
            for name, s in chosen.values.items()
        },
    }
