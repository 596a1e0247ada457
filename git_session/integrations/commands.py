"""``git session install`` and ``uninstall``, and installing one integration by name.

``install`` wires git's hooks (or, with ``manual``, says what to add to a hook manager) and
the notes config; ``uninstall`` asks every integration of the registry to remove what it
added. Each runs under ``record.install_lock``.
"""

from __future__ import annotations

from dataclasses import dataclass

from git_session.errors import SessionError
from git_session.gitrepo import Repo
from git_session.integrations.base import Change, Options, Result, Snippet
from git_session.integrations.git_hooks import HookChange as HookChange
from git_session.integrations.git_hooks import install_hooks
from git_session.integrations.notes_config import ConfigChange as ConfigChange
from git_session.integrations.notes_config import configure
from git_session.integrations.record import install_lock
from git_session.integrations.registry import INTEGRATIONS
from git_session.integrations.shims import Location, locate


@dataclass(frozen=True)
class InstallResult:
    location: Location
    hooks: tuple[HookChange, ...]
    config: tuple[ConfigChange, ...]
    snippets: tuple[Snippet, ...] = ()  # with --manual, instead of hooks

    @property
    def changed(self) -> bool:
        return any(h.action != "unchanged" for h in self.hooks) or any(c.action == "added" for c in self.config)


def install(repo: Repo, *, force: bool = False, manual: bool = False) -> InstallResult:
    """Install the hooks (or, with ``manual``, only the config and the snippets to wire them)."""
    with install_lock(repo):
        location = locate(repo)
        if manual:
            plan = INTEGRATIONS["hook-managers"].plan(repo, Options(manual=True))
            return InstallResult(location, (), configure(repo), plan.manual)
        hooks = install_hooks(repo, location, force)
        return InstallResult(location, hooks, configure(repo))


def install_one(repo: Repo, name: str, options: Options) -> Result:
    """Plan, then install, the integration registered as ``name`` (a KeyError names none)."""
    integration = INTEGRATIONS[name]
    with install_lock(repo):
        return integration.install(repo, integration.plan(repo, options))


def uninstall(repo: Repo) -> tuple[Result, ...]:
    """Every integration removes what it added, in the registry's order; one that fails
    (a file of the user's now unreadable) says so in its result, and the others still run."""
    with install_lock(repo):
        return tuple(_uninstall(repo, name) for name in INTEGRATIONS)


def _uninstall(repo: Repo, name: str) -> Result:
    try:
        return INTEGRATIONS[name].uninstall(repo)
    except (SessionError, OSError) as exc:
        reason = exc.message if isinstance(exc, SessionError) else str(exc.strerror or exc)
        return Result(name, (Change("failed", name, f": {reason}", done=False),))
