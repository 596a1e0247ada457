"""``git session agent install|uninstall|status``: the coding agents' hooks and instructions."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, cast

import click

from git_session import render
from git_session.cli import hints as cli_hints
from git_session.cli.base import echo, workspace

if TYPE_CHECKING:
    from git_session.integrations import agents as agents_core
    from git_session.integrations.agent_clients import AgentName, Scope

AGENTS = ("claude", "codex", "gemini")  # agent_clients.AGENT_NAMES (pinned by a test)


def _scope_options(f: Any) -> Any:
    f = click.option("--user", is_flag=True, help="The user's own settings (~/.claude, ~/.codex, ~/.gemini).")(f)
    return click.option("--project", is_flag=True, help="The project's settings file, the one that is committed.")(f)


def _chosen_scope(project: bool, user: bool) -> Scope | None:
    if project and user:
        raise click.UsageError("--project and --user exclude each other")
    return "project" if project else "user" if user else None


@click.command()
@click.argument("agent", type=click.Choice(AGENTS))
@_scope_options
@click.option(
    "--instructions",
    is_flag=True,
    help="Also add a marked block to the agent's instructions file (CLAUDE.md, AGENTS.md, GEMINI.md).",
)
def install(agent: str, project: bool, user: bool, instructions: bool) -> None:
    """Install the hooks that give a coding agent the session's brief.

    AGENT is claude (Claude Code), codex or gemini (Gemini CLI). The hooks run at session
    start, on each prompt, before compaction, when a sub-agent stops and at the end;
    they inject the branch session's brief and record compactions and sub-agents. They
    do nothing where git-session is not installed or outside a repository.

    By default the settings that are not committed: .claude/settings.local.json,
    ~/.codex/hooks.json ($CODEX_HOME/hooks.json when set), .gemini/settings.json (Gemini
    has no uncommitted project file: when install creates it, it is named in
    .git/info/exclude). --project writes the committed project file, --user the user's
    own. The JSON is merged into, every other byte of it left as it was; installing
    twice changes nothing, and `git session agent uninstall` takes out exactly what was
    added. Codex runs new hooks only once the user trusts them: install says how.
    """
    from git_session.integrations import agents
    from git_session.integrations.record import install_lock

    scope = _chosen_scope(project, user)
    repo = workspace().repo
    with install_lock(repo):
        report = agents.install(repo, _agent(agent), scope, instructions, os.environ)
    _echo_install(report)


def _echo_install(report: agents_core.InstallReport) -> None:
    from git_session.integrations.agent_clients import CLIENTS

    client = CLIENTS[report.agent]
    words = "tracked by git: commits take the hooks along" if report.tracked else _scope_words(report.scope)
    where = f"{render.safe(report.file)} ({words})"
    if report.installed:
        echo(f"{client.title} hooks in {where}:")
        for name in report.installed:
            echo(f"  {name:<17} installed")
        for name in report.present:
            echo(f"  {name:<17} present")
    else:
        echo(f"{client.title} hooks are already in {where}; nothing changed")
    if report.excluded:
        echo(f"Added {render.safe(report.excluded)} to .git/info/exclude (Gemini CLI has no uncommitted project file)")
    if report.instructions == "added":
        echo(f"Added the git-session block to {render.safe(report.instructions_file)}")
    elif report.instructions == "present":
        echo(f"The git-session block is already in {render.safe(report.instructions_file)}")
    if client.trusts_hooks and report.installed:
        from git_session.integrations.agents import trust_note

        for line in trust_note(report.scope):
            echo(line)


def _scope_words(scope: str) -> str:
    return {"local": "not committed", "project": "committed", "user": "yours, for every repository"}[scope]


@click.command()
@click.argument("agent", type=click.Choice(AGENTS))
@_scope_options
def uninstall(agent: str, project: bool, user: bool) -> None:
    """Remove an agent's hooks and instructions block that install added.

    Without --project or --user, every settings file install wrote for AGENT, and its
    instructions block. Exactly what install recorded is taken out: a file nobody else
    changed is byte for byte as before, a file install created goes. An entry of ours
    changed since (a timeout edited) is kept, and named. A user file that other
    repositories installed into too stays until the last of them uninstalls.
    """
    from git_session.integrations import agents
    from git_session.integrations.record import install_lock

    scope = _chosen_scope(project, user)
    scope = _chosen_scope(project, user)
    repo = workspace().repo
    with install_lock(repo):
        reports, blocks = agents.uninstall(repo, _agent(agent), scope, os.environ)
    changes = [c for r in reports for c in agents.changes_of(r)] + [agents.block_change(b) for b in blocks]
    if not changes:
        echo(f"no {agent} hooks were installed here: nothing to remove")
    for change in changes:
        echo(f"{change.action.capitalize()} {render.safe(change.subject + change.note)}")
    if any(change.action == "failed" for change in changes):
        click.get_current_context().exit(1)


@click.command()
def status() -> None:
    """Where each agent's hooks are installed, and what doctor would say of them.

    Per client: each settings file that runs git-session's hooks (its scope, and
    whether this repository's install put them there), the events, whether the
    instructions file holds the git-session block, and doctor's warnings.
    """
    from git_session.integrations import agents
    from git_session.integrations.agent_clients import CLIENTS

    for state in agents.status(workspace().repo, os.environ):
        title = CLIENTS[state.agent].title
        if not state.placements:
            echo(f"{title}: not installed")
        else:
            echo(f"{title}:")
        for place in state.placements:
            by = "" if place.recorded else ", not by this repository's install"
            echo(f"  {render.safe(place.file)} ({place.scope}{by})")
            echo(f"    {render.safe(place.error) if place.error else 'events: ' + (' '.join(place.events) or 'none')}")
        block = "present" if state.instructions else "absent"
        echo(f"  instructions: {render.safe(state.instructions_file)}: git-session block {block}")
        for finding in state.findings:
            if finding.level != "ok":
                echo(f"  {finding.level}: {render.safe(cli_hints.noted(finding.message, finding.advice))}")


def _agent(name: str) -> AgentName:
    return cast("AgentName", name)
