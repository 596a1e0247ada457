"""The plug-in point every integration implements, and the small values they exchange.

An integration wires git-session into something else: git's own hooks, a hook manager,
git's config, and the coding agents' clients (Claude Code, Codex, Gemini CLI). Each one is a class satisfying
``Integration`` and one entry in ``registry.INTEGRATIONS``; ``doctor`` and ``uninstall``
iterate that dict, so a new integration needs nothing else to be checked and removed.
(pre-commit's ``lang_base.Language`` plus ``all_languages.py`` is the model.)

Nothing here prints or exits: each method returns a value describing what it found or did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from git_session.errors import Advice
from git_session.gitrepo import Repo
from git_session.integrations.agent_clients import Scope

Level = Literal["ok", "warning", "problem"]
Action = Literal[
    "installed", "updated", "unchanged", "set", "present", "kept", "removed", "restored", "unset", "failed"
]


@dataclass(frozen=True)
class Options:
    """How the user asked to install."""

    force: bool = False  # write where another tool's setting points git (core.hooksPath)
    manual: bool = False  # write no hooks: say what to add to a hook manager instead
    scope: Scope | None = None  # an agent's settings: local, project or user (None: the client's default)
    instructions: bool = False  # an agent's instructions file gets git-session's block too


@dataclass(frozen=True)
class Detection:
    """What an integration finds in a repository before it does anything."""

    present: bool  # the thing it integrates with is in use here
    installed: bool  # git-session's part of it is in place (or recorded as added)
    where: str = ""  # the folder or file concerned


@dataclass(frozen=True)
class Change:
    """One thing an integration would do or did: ``<Action> <subject><note>`` when shown."""

    action: Action
    subject: str
    note: str = ""
    done: bool = True  # False: nothing written (already so, a user's value kept, a file left aside)


@dataclass(frozen=True)
class Snippet:
    """Text for the user to add by hand to a file git-session does not write (a hook manager's)."""

    manager: str
    title: str
    text: str


@dataclass(frozen=True)
class Plan:
    """What installing would change, worked out before anything is written."""

    integration: str
    where: str
    changes: tuple[Change, ...]
    options: Options = field(default_factory=Options)
    manual: tuple[Snippet, ...] = ()  # what the user adds by hand instead


@dataclass(frozen=True)
class Result:
    """What an install or uninstall did."""

    integration: str
    changes: tuple[Change, ...] = ()

    @property
    def changed(self) -> bool:
        return any(c.done for c in self.changes)


@dataclass(frozen=True)
class Finding:
    """One line of ``doctor``: a subject, how it stands, and whether ``doctor --fix`` repairs it.

    ``advice``: what a front end adds to the message in its own terms (a command, an option)."""

    level: Level
    subject: str
    message: str
    fixable: bool = False
    advice: Advice | None = None


class Integration(Protocol):
    """One way git-session is wired into a repository or a tool.

    ``install`` and ``uninstall`` run under ``record.install_lock``; ``uninstall`` removes
    only what ``install`` recorded as added, leaving a user's own files and values alone."""

    @property
    def name(self) -> str: ...

    def detect(self, repo: Repo) -> Detection: ...

    def plan(self, repo: Repo, options: Options) -> Plan: ...

    def install(self, repo: Repo, plan: Plan) -> Result: ...

    def uninstall(self, repo: Repo) -> Result: ...

    def diagnose(self, repo: Repo) -> list[Finding]: ...

    def fix(self, repo: Repo, findings: Sequence[Finding]) -> list[str]:
        """Repair what ``findings`` (this integration's, some fixable) name; returns what was done."""
        ...
