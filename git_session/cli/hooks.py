"""The git hooks' entry points (hidden), and what puts the hooks in place and checks them:
install, uninstall, doctor."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

from git_session import data, render
from git_session.cli import hints as cli_hints
from git_session.cli.base import echo, warn, workspace
from git_session.names import BranchName
from git_session.sessions import Workspace

if TYPE_CHECKING:
    from git_session.integrations import commands as install_core

HOOK_LINK_WAIT = 0.0  # a commit or push never waits for another process linking the recorded commits


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


@click.group(hidden=True)
def hook() -> None:
    """Entry points for the git hooks (used by the installed shims and hook managers)."""


@hook.command("refresh", hidden=True)
@click.option("--branch", metavar="BRANCH", help="The branch whose trailers to render (default: current).")
def hook_refresh(branch: str | None) -> None:
    """Render the trailers the commit hooks use for a branch."""
    ws = workspace(link_wait=HOOK_LINK_WAIT, reattach=False)
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

    ws = workspace(link_wait=HOOK_LINK_WAIT, reattach=False)
    branches = [BranchName.of(line.strip()) for line in sys.stdin if line.strip()]
    target = sharing.resolve_remote(ws.repo, remote)
    prefixes = [branch_prefix(b) for b in branches]
    report = sharing.push(ws.repo, target, secrets.scan, False, prefixes=prefixes, leased=True)
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
        place, excerpt = render.safe(finding.where), render.safe(finding.excerpt)  # a file's name may hold anything
        click.echo(f"git-session:   {finding.what} in {place}: {excerpt} [{finding.fingerprint}]", err=True)
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


@click.command()
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
    from git_session import effects

    result = effects.install(workspace(), force=force, manual=manual)
    if manual:
        _echo_snippets(result)
    elif not result.changed:
        echo(f"git-session is already installed in {render.safe(result.location.path)}; nothing changed")
        return
    else:
        _echo_hook_changes(result)
    _echo_config_changes(result.config)


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


@click.command()
def uninstall() -> None:
    """Remove the hooks and the config that install added, and the agents' hooks.

    Each chained hook is put back byte for byte, with its mode; config values that were
    there before install are left alone; the coding agents' hooks and instructions blocks
    that `git session agent install` added are taken out too. When nothing is installed,
    says so and exits 0. A part that cannot be removed (a settings file no longer valid
    JSON) is named, the others are still removed, and the exit code is 1.
    """
    from git_session.integrations import commands as install_core

    changes = [change for result in install_core.uninstall(workspace().repo) for change in result.changes]
    failed = any(change.action == "failed" for change in changes)
    if not changes:  # (a part kept, say in a read-only folder, is installed still: its line says so)
        echo("git-session is not installed here: nothing to remove")
    for change in changes:
        echo(f"{change.action.capitalize()} {render.safe(change.subject + change.note)}")
    if failed:
        click.get_current_context().exit(1)


@click.command()
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
    there is none, moves it aside to refs/session-broken/ so that it is out of the way. A
    history is judged as git reads it (replace refs and grafts followed), and the fix never
    moves a session back over a commit git still reads: such a session is named, and left.
    A history git reads only through refs/replace/ is a warning: `git session log` does not
    follow replace refs.
    For each coding agent whose hooks `git session agent install` put in place: whether
    they are still there (the fix puts them back), whether the settings file parses,
    whether a client setting turns every hook off, whether the hook shim is written, and
    whether git-session is on PATH (without it those hooks do nothing). One part that
    cannot be checked is one line; the rest go on. It also warns about sessions whose
    commits are on no branch any more and were matched by no copy (their links are at
    risk), and about a clone whose history names sessions but that never fetched the
    session notes.
    Exits 0 when healthy, 1 when problems remain. Where git-session is not installed
    (never, or uninstalled since) it says so in one line, and exits 1: `git session
    install` (or `doctor --fix`) sets up the hooks and the notes config.
    """
    from git_session.doctor import doctor as diagnose

    ws = workspace()
    report = diagnose(ws.repo, fix=fix)
    if not report.installed:
        echo("git-session is not installed here: git session install sets up the hooks and the notes config")
    for line in report.fixed:
        echo(f"fixed: {render.safe(line)}")
    for finding in report.findings:
        echo(f"{finding.level}: {finding.subject}: {render.safe(cli_hints.noted(finding.message, finding.advice))}")
    from git_session import atrisk

    for line in atrisk.warnings(ws, ws.store.handles()):
        echo(f"warning: links: {render.safe(line)}")
    from git_session.autoreattach import history_names_sessions, never_fetched

    for remote in never_fetched(ws.repo)[:1] if history_names_sessions(ws.repo) else []:
        echo(f"warning: notes: this clone never fetched the session notes: git session pull {render.safe(remote)}")
    if report.problems:
        fixable = any(f.fixable for f in report.problems)
        echo(f"{len(report.problems)} problem(s)" + ("; git session doctor --fix repairs them" if fixable else ""))
    if report.problems or not report.installed:
        ctx.exit(1)
