"""The notes config: ``notes.rewriteRef`` and friends, so that notes follow amend and rebase.

Each setting that is absent (in any scope) is added to the repository's config and recorded;
a user's own different value is kept. ``uninstall`` removes only the recorded values, and
only while they are still as git-session set them.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from git_session.errors import Advice, DataError
from git_session.gitrepo import Repo
from git_session.integrations import record
from git_session.integrations.base import Change, Detection, Finding, Options, Plan, Result
from git_session.integrations.files import config_origin, git
from git_session.integrations.settings import LEGACY_CONFIG, NOTES_CONFIG, REWRITE_REF, REWRITE_SETTING, Setting
from git_session.names import NOTES_REF

_UNBORN = f"makes every amend warn until {NOTES_REF} exists; {REWRITE_REF} does not"


@dataclass(frozen=True)
class ConfigChange:
    key: str
    value: str
    action: Literal["added", "present", "kept"]
    current: str | None = None  # the user's own value, kept

    def as_change(self) -> Change:
        pair = f"{self.key}={self.value}"
        if self.action == "kept":
            return Change("kept", f"{self.key}={self.current or ''}", f" (git-session would set {self.value})", False)
        return Change("set", pair) if self.action == "added" else Change("present", pair, done=False)


class NotesConfig:
    name = "notes-config"

    def detect(self, repo: Repo) -> Detection:
        installed = all(_satisfied(s, config_values(repo, s)) for s in NOTES_CONFIG)
        return Detection(True, installed, os.path.join(repo.common_dir, "config"))

    def plan(self, repo: Repo, options: Options) -> Plan:
        changes = tuple(_setting_change(s, config_values(repo, s)).as_change() for s in NOTES_CONFIG)
        return Plan(self.name, self.detect(repo).where, changes, options)

    def install(self, repo: Repo, plan: Plan) -> Result:
        return Result(self.name, tuple(c.as_change() for c in configure(repo)))

    def uninstall(self, repo: Repo) -> Result:
        pairs = [(k, v) for k, v in record.load(repo).config if remove_setting(repo, k, v)]
        record.forget(repo, config=True)
        return Result(self.name, tuple(Change("unset", f"{k}={v}") for k, v in pairs))

    def diagnose(self, repo: Repo) -> list[Finding]:
        findings = [f for s in NOTES_CONFIG if (f := _finding(repo, s)) is not None]
        findings += _plain_ref_findings(repo)
        if not findings:
            findings.append(Finding("ok", "config", "notes follow amend and rebase (notes.rewriteRef and friends)"))
        return findings

    def fix(self, repo: Repo, findings: Sequence[Finding]) -> list[str]:
        return [f"set {c.key}={c.value}" for c in configure(repo) if c.action == "added"]


def configure(repo: Repo) -> tuple[ConfigChange, ...]:
    """Apply the config, drop the settings an older install added instead, record both."""
    dropped = _drop_legacy(repo)
    config = apply_config(repo)
    record.add(repo, None, [(c.key, c.value) for c in config if c.action == "added"], dropped)
    return config


def _drop_legacy(repo: Repo) -> list[tuple[str, str]]:
    """Remove the values an older install added (recorded as ours) that ours now replace."""
    legacy = _legacy(repo)
    for key, value in legacy:
        remove_setting(repo, key, value)
    return legacy


def _legacy(repo: Repo) -> list[tuple[str, str]]:
    recorded = [pair for pair in record.load(repo).config if pair in LEGACY_CONFIG]
    return [(key, value) for key, value in recorded if value in config_values(repo, Setting(key, value))]


def apply_config(repo: Repo) -> tuple[ConfigChange, ...]:
    """Add each setting that is absent (in any scope); keep a user's own different value."""
    return tuple(_apply_setting(repo, setting) for setting in NOTES_CONFIG)


def _apply_setting(repo: Repo, setting: Setting) -> ConfigChange:
    change = _setting_change(setting, config_values(repo, setting))
    if change.action == "added":
        git(repo, "config", "--local", "--add", setting.key, setting.value)
    return change


def _setting_change(setting: Setting, values: Sequence[str]) -> ConfigChange:
    """What applying ``setting`` does, given the values git sees now."""
    if _satisfied(setting, values):
        return ConfigChange(setting.key, setting.value, "present")
    if values and not setting.multi:
        return ConfigChange(setting.key, setting.value, "kept", values[-1])
    return ConfigChange(setting.key, setting.value, "added")


def config_values(repo: Repo, setting: Setting) -> list[str]:
    """The values git sees for ``setting`` (all scopes); booleans normalised. ``git config``
    itself lists them: a child of ``git session`` inherits ``git -c`` (GIT_CONFIG_PARAMETERS)."""
    if setting.boolean:
        typed = git(repo, "config", "--type=bool", "--get-all", setting.key, check=False)
        if typed.returncode in (0, 1):
            return typed.stdout.splitlines()
    return git(repo, "config", "--get-all", setting.key, check=False).stdout.splitlines()


def _satisfied(setting: Setting, values: Sequence[str]) -> bool:
    if setting.multi:  # notes.rewriteRef takes globs, e.g. refs/notes/*
        name = setting.covers or setting.value
        return any(value == setting.value or fnmatch.fnmatchcase(name, value) for value in values)
    return bool(values) and values[-1] == setting.value


def remove_setting(repo: Repo, key: str, value: str) -> bool:
    """Remove ``key=value`` from the repository's config if it is still there as we set it."""
    result = git(repo, "config", "--local", "--fixed-value", "--unset-all", key, value, check=False)
    if result.returncode != 0:
        return False
    section = key.rpartition(".")[0]
    left = git(repo, "config", "--local", "--name-only", "--get-regexp", "^" + re.escape(section) + r"\.", check=False)
    if not any(name.rpartition(".")[0].lower() == section.lower() for name in left.stdout.splitlines()):
        git(repo, "config", "--local", "--remove-section", section, check=False)
    return True


def _finding(repo: Repo, setting: Setting) -> Finding | None:
    values = config_values(repo, setting)
    if _satisfied(setting, values):
        return None
    subject = f"config {setting.key}"
    if values and not setting.multi:
        where = config_origin(repo, setting.key)
        origin = f" (set in {where.origin})" if where else ""
        return Finding(
            "warning", subject, f"is {values[-1]}{origin}; git-session wants {setting.value}: kept as you set it"
        )
    return Finding("problem", subject, f"not set (wanted: {setting.value})", fixable=True)


def _plain_ref_findings(repo: Repo) -> list[Finding]:
    """notes.rewriteRef naming our ref plainly: an older install's is replaced by --fix; a
    user's own is kept, with a warning while the ref does not exist."""
    legacy = _legacy(repo)
    findings = [
        Finding("problem", f"config {key}", f"{value} (set by an older install) {_UNBORN}", True, Advice.FIX_REPLACES)
        for key, value in legacy
    ]
    key = REWRITE_SETTING.key
    if not legacy and NOTES_REF in config_values(repo, REWRITE_SETTING) and not _has_notes(repo):
        findings.append(Finding("warning", f"config {key}", f"{NOTES_REF} (set by you) {_UNBORN}"))
    return findings


def _has_notes(repo: Repo) -> bool:
    try:
        return repo.ref_target(NOTES_REF) is not None
    except DataError:  # a damaged ref: its own finding
        return True
