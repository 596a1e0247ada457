"""Hook managers (husky, lefthook, pre-commit) and git >= 2.54 config-based hooks.

A folder a hook manager generates is never written: git-session says what to add to the
manager's configuration (``install --manual``) so that it calls ``git session hook run NAME``,
and ``doctor`` reminds the user while the manager owns the hooks folder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from git_session.errors import Advice
from git_session.gitrepo import Repo
from git_session.integrations.base import Detection, Finding, Options, Plan, Result, Snippet
from git_session.integrations.shims import HOOK_COMMAND, Location, calls_us, git_version, locate, shipped_hooks

CONFIG_HOOKS_SINCE = (2, 54)

# Hooks pre-commit cannot feed what they need (it does not forward their standard input).
_NOT_VIA_PRE_COMMIT = ("post-rewrite", "pre-push")
_READ_STDIN = ("post-rewrite", "pre-push")


class HookManagers:
    """Writes nothing: the user adds the snippets of ``plan`` to the manager's configuration."""

    name = "hook-managers"

    def detect(self, repo: Repo) -> Detection:
        location = locate(repo)
        wired = any(calls_us(os.path.join(location.path, s.name), s.name) for s in shipped_hooks())
        return Detection(location.manager is not None, location.manager is not None and wired, location.path)

    def plan(self, repo: Repo, options: Options) -> Plan:
        location = locate(repo)
        return Plan(self.name, location.path, (), options, snippets(location))

    def install(self, repo: Repo, plan: Plan) -> Result:
        return Result(self.name)  # a manager's files are the user's: nothing is written

    def uninstall(self, repo: Repo) -> Result:
        return Result(self.name)  # nothing was written, so nothing to remove

    def diagnose(self, repo: Repo) -> list[Finding]:
        location = locate(repo)
        if location.manager is None:
            return []
        message = f"{location.path} is managed by {location.manager}; its configuration must call `{HOOK_COMMAND} NAME`"
        return [Finding("warning", "hooks", message, advice=Advice.INSTALL_MANUAL_SHOWS)]

    def fix(self, repo: Repo, findings: Sequence[Finding]) -> list[str]:
        return []  # its finding is a reminder: only the user edits the manager's configuration


def hooks_path_data(repo: Repo, location: Location) -> dict[str, str]:
    """What the ways forward when core.hooksPath is set name (``Advice.HOOKS_PATH_ROUTES``):
    the folder, what config-based hooks need that this git lacks, and their lines."""
    version = git_version(repo)
    needs = "" if version >= CONFIG_HOOKS_SINCE else f" (needs git >= 2.54; this is {'.'.join(map(str, version))})"
    return {"path": location.path, "needs": needs, "config": "\n".join(config_hook_lines())}


def config_hook_lines() -> list[str]:
    """``git config`` commands declaring our hooks as git >= 2.54 config-based hooks."""
    lines = []
    for shim in shipped_hooks():
        name = f"git-session-{shim.name}"
        lines.append(f"git config hook.{name}.event {shim.name}")
        lines.append(f'git config hook.{name}.command "{HOOK_COMMAND} {shim.name}"')
    return lines


def snippets(location: Location) -> tuple[Snippet, ...]:
    """What to add to a hook manager's configuration; only the manager in use, if one is."""
    names = [shim.name for shim in shipped_hooks()]
    every = (
        Snippet("husky", "husky: add each line to the file in .husky/ named above it", _husky(names)),
        Snippet("lefthook", "lefthook: add to lefthook.yml", _lefthook(names)),
        Snippet("pre-commit", "pre-commit: add to .pre-commit-config.yaml", _pre_commit(names)),
    )
    chosen = tuple(s for s in every if s.manager == location.manager)
    return chosen or every


def _husky(names: Sequence[str]) -> str:
    return "\n".join(f'# .husky/{name}\n{HOOK_COMMAND} {name} "$@"' for name in names)


def _lefthook(names: Sequence[str]) -> str:
    lines = []
    for name in names:
        lines += [f"{name}:", "  commands:", "    git-session:", f"      run: {HOOK_COMMAND} {name} {{0}}"]
        if name in _READ_STDIN:
            lines.append("      use_stdin: true")
    return "\n".join(lines)


def _pre_commit(names: Sequence[str]) -> str:
    wired = [name for name in names if name not in _NOT_VIA_PRE_COMMIT]
    lines = ["repos:", "  - repo: local", "    hooks:"]
    for name in wired:
        lines += [
            f"      - id: {pre_commit_id(name)}",
            f"        name: git-session {name}",
            f"        entry: {HOOK_COMMAND} {name}",
            "        language: system",
            f"        stages: [{name}]",
            "        always_run: true",
        ]
        if not name.endswith("-msg"):  # the -msg hooks need the message file pre-commit passes
            lines.append("        pass_filenames: false")
    types = " ".join(f"--hook-type {name}" for name in wired)
    lines += [f"# then: pre-commit install {types}", "# (git-session's .pre-commit-hooks.yaml offers the same hooks)"]
    return "\n".join(lines)


def pre_commit_id(name: str) -> str:
    return "git-session" if name == "prepare-commit-msg" else f"git-session-{name}"
