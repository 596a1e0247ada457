"""The command line: parse, call the core with plain values, render. Nothing more.

The commands are grouped by area, one module each; a module is imported only when one of
its commands runs (or ``--help`` lists them all), so every command starts as fast as the
one it is.
"""

from __future__ import annotations

import gc
import os

import click

from git_session.cli.base import SessionGroup
from git_session.cli.kinds import KINDS

_HERE = "git_session.cli"
COMPLETE_VAR = "_GIT_SESSION_COMPLETE"  # set: completion.main answers a completion script

# name -> "module:attribute", in the order the documentation lists them.
COMMANDS: dict[str, str] = {
    "start": f"{_HERE}.lifecycle:start",
    "status": f"{_HERE}.lifecycle:status",
    "list": f"{_HERE}.lifecycle:list_sessions",
    "show": f"{_HERE}.documents:show",
    "log": f"{_HERE}.documents:log",
    "explain": f"{_HERE}.explain:explain_command",
    "pause": f"{_HERE}.lifecycle:pause",
    "resume": f"{_HERE}.lifecycle:resume",
    "switch": f"{_HERE}.lifecycle:switch",
    "end": f"{_HERE}.lifecycle:end",
    "adr": f"{_HERE}.documents:adr_command",
    "tldr": f"{_HERE}.lifecycle:tldr",
    "current": f"{_HERE}.lifecycle:current",
    **{kind.name: f"{_HERE}.entries:{kind.name}" for kind in KINDS},
    "brief": f"{_HERE}.documents:brief_command",
    "checkpoint": f"{_HERE}.checkpoints:checkpoint",
    "checkpoints": f"{_HERE}.checkpoints:checkpoints_list",
    "diff": f"{_HERE}.checkpoints:diff_command",
    "restore": f"{_HERE}.checkpoints:restore",
    "handoff": f"{_HERE}.documents:handoff_command",
    "report": f"{_HERE}.report:report_command",
    "history": f"{_HERE}.report:history_command",
    "compare": f"{_HERE}.report:compare_command",
    "import": f"{_HERE}.files:import_command",
    "export": f"{_HERE}.files:export_command",
    "hook": f"{_HERE}.hooks:hook",
    "install": f"{_HERE}.hooks:install",
    "uninstall": f"{_HERE}.hooks:uninstall",
    "doctor": f"{_HERE}.hooks:doctor",
    "reattach": f"{_HERE}.sharing:reattach_command",
    "fetch": f"{_HERE}.sharing:fetch",
    "pull": f"{_HERE}.sharing:pull",
    "push": f"{_HERE}.sharing:push",
    "redact": f"{_HERE}.sharing:redact",
    "secrets": f"{_HERE}.sharing:secrets",
    "search": f"{_HERE}.search:search_command",
    "config": f"{_HERE}.config:config_command",
    "completion": f"{_HERE}.completion:completion",
    "agent": f"{_HERE}.agent:agent",
    "mcp": f"{_HERE}.mcp:mcp_command",
}


@click.group(cls=SessionGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="git-session", prog_name="git-session")
def cli() -> None:
    """Keep a branch's working context in the repository itself.

    Objectives, decisions, blockers, discoveries, progress, next steps and checkpoints
    live in refs/sessions/* and travel with the repository, so that a teammate or an
    agent that lost its context resumes exactly where work stopped.
    """


# A command is a short process that builds many objects and no cycles worth collecting
# early: with 10,000 sessions, `list` spent an eighth of its time in collections of the
# cached fields it was reading (mypy raises the threshold for the same reason).
GC_THRESHOLD = (100_000, 50, 100)


def main() -> None:
    gc.set_threshold(*GC_THRESHOLD)
    if COMPLETE_VAR in os.environ:  # a completion script asking what to offer
        from git_session.cli import completion

        completion.main(cli)
    cli(prog_name="git session")
