"""git's own hooks: the shims written into the folder where git runs hooks, with chaining.

A hook already in place is moved to ``<hook>.git-session-chained``, byte for byte with its
mode, and our shim runs it first with the same arguments and standard input; ``uninstall``
moves it back. Our shims are recognised by their marker line, so installing twice changes
nothing. ``core.hooksPath`` is written into only when asked (``--force``), and a folder a
hook manager owns never (``hook_managers`` says what to add to its configuration instead).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from git_session.errors import Advice, UserError
from git_session.gitrepo import Repo, making
from git_session.integrations import record, shared
from git_session.integrations.base import Change, Detection, Finding, Options, Plan, Result
from git_session.integrations.files import (
    executable,
    filesystem,
    inside_repo,
    read,
    remove_empty_folder,
    same_dir,
    same_file,
    where_made,
    why_read_only,
    write_file,
)
from git_session.integrations.hook_managers import hooks_path_data
from git_session.integrations.shims import (
    CHAINED_SUFFIX,
    GIT_HOOKS,
    Location,
    Shim,
    calls_us,
    is_shim,
    locate,
    shipped_hooks,
)


@dataclass(frozen=True)
class HookChange:
    name: str
    action: Literal["installed", "updated", "unchanged"]
    chained: bool = False  # an existing hook was moved aside and now runs first

    def as_change(self) -> Change:
        note = f"; the hook in place runs first, as {self.name}{CHAINED_SUFFIX}" if self.chained else ""
        return Change(self.action, self.name, note, done=self.action != "unchanged")


class GitHooks:
    name = "git-hooks"

    def detect(self, repo: Repo) -> Detection:
        location = locate(repo)
        wired = any(_wired(os.path.join(location.path, s.name), s.name) for s in shipped_hooks())
        return Detection(location.manager is None, wired or bool(record.load(repo).hooks_dirs), location.path)

    def plan(self, repo: Repo, options: Options) -> Plan:
        location = locate(repo)
        if options.manual:  # no hooks written: hook_managers says what to add by hand
            return Plan(self.name, location.path, (), options)
        check_writable(repo, location, options.force)
        plans = [_plan(location.path, shim) for shim in shipped_hooks()]
        refuse_read_only(location.path, plans)
        return Plan(self.name, location.path, tuple(plan.as_change() for plan in plans), options)

    def install(self, repo: Repo, plan: Plan) -> Result:
        """Carry out ``plan``, planned again here: another install may have run since."""
        if plan.options.manual:
            return Result(self.name)
        return Result(self.name, tuple(c.as_change() for c in install_hooks(repo, locate(repo), plan.options.force)))

    def uninstall(self, repo: Repo) -> Result:
        return Result(self.name, uninstall_hooks(repo))

    def diagnose(self, repo: Repo) -> list[Finding]:
        return _hook_findings(repo, locate(repo), record.load(repo))

    def fix(self, repo: Repo, findings: Sequence[Finding]) -> list[str]:
        return _repair_hooks(repo)


def _wired(path: str, name: str) -> bool:
    return is_shim(path) or calls_us(path, name) or os.path.lexists(path + CHAINED_SUFFIX)


# --- install ---------------------------------------------------------------------------


def install_hooks(repo: Repo, location: Location, force: bool) -> tuple[HookChange, ...]:
    check_writable(repo, location, force)
    shims = shipped_hooks()
    plans = [_plan(location.path, shim) for shim in shims]
    refuse_read_only(location.path, plans)
    _make(repo, location.path)
    with filesystem(location.path):
        done = tuple(_apply(location.path, shim, plan) for shim, plan in zip(shims, plans, strict=True))
        shared.register(repo, location.path)
    record.add(repo, location.path)
    return done


def _make(repo: Repo, folder: str) -> None:
    """Make the hooks folder if it is not there yet (git's default template makes it; an
    empty one does not). git's own (``<common-dir>/hooks``) made here is recorded before
    anything is written in it, so that uninstall takes it away again, also after an install
    that failed or was killed midway; a folder core.hooksPath names stays, as the user named it."""
    if os.path.isdir(folder):
        return
    with filesystem(folder), making(folder):  # (core.hooksPath's, the user's: the user's umask)
        os.makedirs(folder, exist_ok=True)
    if _gits_own(repo, folder):
        record.add(repo, folder, created=True)


def _gits_own(repo: Repo, folder: str) -> bool:
    """Whether ``folder`` is this repository's ``<common-dir>/hooks``, inside it: the one folder
    uninstall may take away. The record saying install made a folder never names another."""
    return same_dir(folder, os.path.join(repo.common_dir, "hooks")) and inside_repo(repo, folder)


def check_writable(repo: Repo, location: Location, force: bool) -> None:
    if location.manager is not None:
        raise UserError(
            f"{location.path} is managed by {location.manager}: git-session never writes into it",
            advice=Advice.INSTALL_MANUAL_FOR,
            data={"manager": location.manager},
        )
    if location.hooks_path is not None and not force:
        setting = location.hooks_path
        raise UserError(
            f"core.hooksPath is set to {setting.value} (in {setting.origin}): git-session does not install there "
            "unasked",
            advice=Advice.HOOKS_PATH_ROUTES,
            data=hooks_path_data(repo, location),
        )


def refuse_read_only(folder: str, plans: Sequence[HookChange] | None = None) -> None:
    """Write no hook in a folder its owner made read-only (``why_read_only``: even as root),
    nor make one in such a folder (a read-only .git without hooks/): refused before anything
    is made. Where every hook of ``plans`` is in place already nothing is written: nothing to refuse."""
    if plans is not None and all(plan.action == "unchanged" for plan in plans):
        return
    where = where_made(folder)
    hint = why_read_only(where, "the folder")
    if hint and same_dir(where, folder):
        raise UserError(f"{folder} is read-only: git-session writes no hooks in it", hint)
    if hint:
        raise UserError(f"{where} is read-only: git-session makes no hooks folder in it ({folder})", hint)


def _plan(folder: str, shim: Shim) -> HookChange:
    """What installing ``shim`` takes; refuses before anything is written."""
    path = os.path.join(folder, shim.name)
    if not os.path.lexists(path):
        return HookChange(shim.name, "installed")
    # Another install may be between its link and its rename: the chained copy exists, then
    # the shim replaces the hook. So once the copy is seen, the link is looked at before the
    # shim, never after (that order would miss the rename made in between).
    chained_first = os.path.lexists(path + CHAINED_SUFFIX)
    if chained_first and same_file(path, path + CHAINED_SUFFIX):  # another install midway, or one killed
        return HookChange(shim.name, "installed")
    if is_shim(path):
        current = read(path) == shim.data and executable(path)
        return HookChange(shim.name, "unchanged" if current else "updated")
    if chained_first:  # a copy made after the first look is another install's: _chain sees it and plans again
        raise UserError(
            f"{path} is not git-session's, and {shim.name}{CHAINED_SUFFIX} (the hook it would chain) already exists",
            advice=Advice.MOVE_ONE_AWAY,
        )
    return HookChange(shim.name, "installed", chained=True)


def _apply(folder: str, shim: Shim, plan: HookChange) -> HookChange:
    """Write the shim as planned; returns what was done (another install may have done it meanwhile)."""
    path = os.path.join(folder, shim.name)
    if plan.action == "unchanged":
        return plan
    if plan.chained and not _chain(path):
        return _apply(folder, shim, _plan(folder, shim))  # another install chained it first: plan again
    try:
        write_file(path, shim.data, 0o755)
    except OSError:
        if plan.chained:
            _unchain(path)
        raise
    return plan


def _unchain(path: str) -> None:
    """Undo ``_chain`` when the shim could not be written: the hook stays, or goes back, in place."""
    if not os.path.lexists(path):
        os.rename(path + CHAINED_SUFFIX, path)
    elif same_file(path, path + CHAINED_SUFFIX):
        os.remove(path + CHAINED_SUFFIX)


def _chain(path: str) -> bool:
    """Keep the hook at ``path`` as ``<path>.git-session-chained`` too; False if that name is taken.

    A hard link, not a rename: the hook never leaves its place, and of two installs
    chaining at once only one can make the link; the other sees the name taken and plans
    again, so that neither renames a shim over the user's hook. The shim then replaces the
    hook by an atomic rename."""
    try:
        os.link(path, path + CHAINED_SUFFIX, follow_symlinks=False)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        if os.path.lexists(path + CHAINED_SUFFIX):
            return False
        os.rename(path, path + CHAINED_SUFFIX)
    return True


# --- uninstall -------------------------------------------------------------------------


def uninstall_hooks(repo: Repo) -> tuple[Change, ...]:
    """Remove our shims and put chained hooks back, then forget the folders in the record.

    Only from folders that are this repository's: where git runs its hooks now, folders
    inside it, and folders outside that it registered in when installing. A folder that
    other repositories installed into too keeps the hooks (they still use them)."""
    current = locate(repo).path
    state = record.load(repo)
    folders = [f for f in dict.fromkeys([*state.hooks_dirs, current]) if f == current or shared.ours(repo, f)]
    removed: list[Change] = []
    restored: list[Change] = []
    kept: list[Change] = []
    users: list[Change] = []
    read_only = [folder for folder in folders if _holds_ours(folder) and why_read_only(folder, "the folder")]
    for folder in read_only:  # its owner asked that no tool change it: the hooks and the record stay
        note = ": the folder is read-only; make it writable (chmod u+w) and uninstall again"
        kept.append(Change("kept", f"the hooks in {folder}", note, done=False))
    for folder in (f for f in folders if f not in read_only):
        with filesystem(folder):
            others = shared.unregister(repo, folder)
            if others:
                note = f": other repositories use them too ({', '.join(others)})"
                users.append(Change("kept", f"the hooks in {folder}", note))
                continue
            _uninstall_folder(folder, removed, restored, kept)
            if folder in state.created and _gits_own(repo, folder):
                remove_empty_folder(folder)  # only when empty: what install made, and nothing since
    record.forget(repo, hooks_dirs=True)
    for folder in read_only:
        record.add(repo, folder, created=folder in state.created)
    return (*removed, *restored, *kept, *users)


def _holds_ours(folder: str) -> bool:
    """Whether ``folder`` holds a shim of ours or a hook we chained (a read-only one without:
    nothing to keep, and nothing to record)."""
    paths = [os.path.join(folder, name) for name in GIT_HOOKS]
    return any(is_shim(path) or os.path.lexists(path + CHAINED_SUFFIX) for path in paths)


def _uninstall_folder(folder: str, removed: list[Change], restored: list[Change], kept: list[Change]) -> None:
    for name in GIT_HOOKS:
        path = os.path.join(folder, name)
        if is_shim(path):
            os.remove(path)
            removed.append(Change("removed", path))
        if not os.path.lexists(path + CHAINED_SUFFIX):
            continue
        if os.path.lexists(path):
            note = ": another hook has taken its place; restore it by hand"
            kept.append(Change("kept", path + CHAINED_SUFFIX, note, done=False))
        else:
            os.rename(path + CHAINED_SUFFIX, path)
            restored.append(Change("restored", path))


# --- doctor ----------------------------------------------------------------------------


def _hook_findings(repo: Repo, location: Location, state: record.State) -> list[Finding]:
    folder = location.path
    if location.manager is not None:
        return []  # hook_managers says what its configuration must call
    ours = location.hooks_path is None or any(same_dir(folder, d) for d in state.hooks_dirs)
    if not ours and not any(calls_us(os.path.join(folder, s.name), s.name) for s in shipped_hooks()):
        setting = location.hooks_path
        assert setting is not None
        message = f"core.hooksPath is {setting.value} (set in {setting.origin}) and git-session's hooks are not there"
        return [Finding("problem", "hooks", message, advice=Advice.INSTALL_FORCE_OR_MANUAL)]
    found = [f for shim in shipped_hooks() if (f := _hook_finding(folder, shim, ours)) is not None]
    installed = bool(state.hooks_dirs) or _holds_ours(folder)  # (else doctor says install has not run)
    where = where_made(folder)  # (the folder holding it, when it is missing)
    if installed and why_read_only(where, "the folder"):  # doctor --fix writes no hooks in it: no repair to promise
        note = f"; {where} is read-only: make it writable (chmod u+w), and it can be repaired"
        found = [replace(f, message=f.message + note, fixable=False, advice=None) if f.fixable else f for f in found]
    if not found:
        names = ", ".join(s.name for s in shipped_hooks())
        found.append(Finding("ok", "hooks", f"{names} in {folder}"))
    return found


def _hook_finding(folder: str, shim: Shim, fixable: bool) -> Finding | None:
    path = os.path.join(folder, shim.name)
    subject = f"hook {shim.name}"
    if not os.path.lexists(path):
        return Finding("problem", subject, f"missing from {folder}", fixable)
    if is_shim(path):
        if read(path) != shim.data:
            return Finding("problem", subject, "outdated (differs from this git-session's)", fixable)
        if not executable(path):
            return Finding("problem", subject, "not executable", fixable)
        return None
    if calls_us(path, shim.name):
        return None
    if os.path.lexists(path + CHAINED_SUFFIX):
        message = f"a hook that is not git-session's is in place, and {shim.name}{CHAINED_SUFFIX} exists too"
        return Finding("problem", subject, f"{message}: move one of them away", fixable=False)
    return Finding("problem", subject, "a hook that is not git-session's is in place", fixable, Advice.FIX_CHAINS)


def _repair_hooks(repo: Repo) -> list[str]:
    """Install each hook that can be; one that cannot is left to its finding."""
    location = locate(repo)
    fixed = []
    refuse_read_only(location.path)
    _make(repo, location.path)
    with filesystem(location.path):
        for shim in shipped_hooks():
            if calls_us(os.path.join(location.path, shim.name), shim.name):
                continue
            try:
                plan = _plan(location.path, shim)
            except UserError:
                continue
            plan = _apply(location.path, shim, plan)
            if plan.action != "unchanged":
                chained = " (chaining the one in place)" if plan.chained else ""
                fixed.append(f"{plan.action} hook {shim.name}{chained}")
        shared.register(repo, location.path)
    record.add(repo, location.path)
    return fixed
