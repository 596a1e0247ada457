"""Coding agents' clients (Claude Code, Codex, Gemini CLI): their hooks run git-session.

``install`` merges one hook group per event into the client's settings file of the scope
asked (``agent_clients``: by default the one not committed) and, with ``instructions``,
adds a marked block to the client's instructions file; both are recorded, and
``uninstall`` takes out exactly what was recorded. Each client is an ``AgentHooks`` in the
registry, so ``doctor`` checks it and ``git session uninstall`` removes it too.

The records (``agent_records``): what went into a file of the work tree is kept with the
repository; a user file (``~/.codex/hooks.json``) is shared by every repository that
installs into it, and the hooks there serve them all, so what went into it is kept in a
record of the user's with the repositories that asked for it, and taken out when the last
of them uninstalls (one that no longer exists does not count).

Gemini CLI has no project settings file that stays uncommitted: its local scope writes
``.gemini/settings.json`` and, when install created that file, names it in
``.git/info/exclude`` (recorded, and taken out by uninstall) so that it is not committed
by accident.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from git_session import gitcli, paths
from git_session.errors import SessionError, UserError
from git_session.gitrepo import Repo
from git_session.integrations import agent_settings, instructions
from git_session.integrations.agent_clients import AGENT_NAMES, CLIENTS, AgentName, Scope, config_file
from git_session.integrations.agent_records import (
    Block,
    Install,
    Shared,
    UserRecord,
    absolute,
    delete,
    load,
    missing_folders,
    read_text,
    refuse_read_only,
    save,
    user_lock,
    users_of,
    write_text,
)
from git_session.integrations.agent_settings import Added
from git_session.integrations.base import Change, Detection, Finding, Options, Plan, Result
from git_session.integrations.files import git, inside, read, same_dir

if TYPE_CHECKING:
    from git_session.integrations.agent_mcp import McpReport

# --- where -------------------------------------------------------------------------------


def top(repo: Repo) -> str:
    if repo.workdir is None:
        raise UserError("agent hooks need a work tree; this repository is bare")
    return repo.workdir


def settings_path(repo: Repo, agent: AgentName, scope: Scope, environ: Mapping[str, str]) -> str:
    return config_file(agent, scope, top(repo), environ)


def shared_scope(agent: AgentName, scope: Scope) -> bool:
    """Whether the file is the user's own, shared by every repository (not the work tree's)."""
    return CLIENTS[agent].configs[scope].startswith("~/")


def shown(repo: Repo, path: str, environ: Mapping[str, str]) -> str:
    """A path as the user reads it: relative to the work tree, ``~/…`` in the home folder."""
    folder, name = os.path.split(path)  # a symbolic link is shown where it is, not where it points
    if repo.workdir and inside(folder, repo.workdir):
        return os.path.relpath(os.path.join(os.path.realpath(folder), name), os.path.realpath(repo.workdir))
    home = environ.get("HOME") or ""
    if home and inside(folder, home):
        return "~/" + os.path.relpath(os.path.join(os.path.realpath(folder), name), os.path.realpath(home))
    return path


# --- install -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallReport:
    agent: AgentName
    scope: Scope
    file: str  # as shown
    installed: tuple[str, ...] = ()  # client events given our hook
    present: tuple[str, ...] = ()  # those that had it
    instructions: str = ""  # "added", "present", or "" (not asked)
    instructions_file: str = ""
    excluded: str = ""  # the line added to .git/info/exclude
    tracked: bool = False  # a "local" file git tracks (Gemini's is the project's): the hooks get committed
    mcp: tuple[McpReport, ...] = ()  # with --mcp: the MCP server registered, file by file

    @property
    def changed(self) -> bool:
        return bool(self.installed or self.instructions == "added" or self.excluded)


def install(
    repo: Repo,
    agent: AgentName,
    scope: Scope | None,
    with_instructions: bool,
    environ: Mapping[str, str],
    mcp: bool = False,
) -> InstallReport:
    """Merge ``agent``'s hooks into its settings at ``scope`` (default: the client's own
    default), the instructions block when asked, and with ``mcp`` the MCP server
    (``agent_mcp``). Nothing is written when a file cannot be merged into."""
    scope = scope or CLIENTS[agent].default_scope
    written = [] if shared_scope(agent, scope) else [settings_path(repo, agent, scope, environ)]
    written += [os.path.join(top(repo), CLIENTS[agent].instructions)] if with_instructions else []
    if mcp:
        from git_session.integrations import agent_mcp  # it builds on this module

        written += [target.file for target in agent_mcp.targets(repo, agent, scope, environ)]
    refuse_committed_links(repo, written)
    changed = _to_change(repo, agent, scope, with_instructions, environ)
    if mcp:
        changed += agent_mcp.check(repo, agent, scope, environ)
    settings = settings_path(repo, agent, scope, environ)
    for path in dict.fromkeys([*changed, *_exclude_to_write(repo, agent, scope, settings, changed)]):
        refuse_read_only(path, shown(repo, path, environ))
    report = _install_hooks(repo, agent, scope, with_instructions, environ)
    if not mcp:
        return report
    return replace(report, mcp=tuple(agent_mcp.install(repo, agent, scope, environ)))


def _to_change(
    repo: Repo, agent: AgentName, scope: Scope, with_instructions: bool, environ: Mapping[str, str]
) -> list[str]:
    """The files installing the hooks (and the block) writes: those lacking them (a read-only
    file that has them already is no reason to refuse)."""
    settings = settings_path(repo, agent, scope, environ)
    where = shown(repo, settings, environ)
    changed = [settings] if agent_settings.merge(read_text(settings, where), agent, where).added else []
    if with_instructions:
        path, _, text = _plan_block(repo, agent, environ)
        changed += [path] if instructions.add(text) is not None else []
    return changed


def _exclude_to_write(repo: Repo, agent: AgentName, scope: Scope, settings: str, changed: Sequence[str]) -> list[str]:
    """.git/info/exclude when install may name in it a file it makes in the work tree (Gemini's
    local settings, Claude's .mcp.json: ``exclude_untracked``), to be checked with the files."""
    named = [os.path.join(top(repo), ".mcp.json")] if agent == "claude" else []
    named += [settings] if (agent, scope) == ("gemini", "local") else []
    if any(path in named and not os.path.lexists(path) for path in changed):
        return [os.path.join(repo.common_dir, "info", "exclude")]
    return []


def _install_hooks(
    repo: Repo, agent: AgentName, scope: Scope, with_instructions: bool, environ: Mapping[str, str]
) -> InstallReport:
    path = settings_path(repo, agent, scope, environ)
    where = shown(repo, path, environ)
    block = _plan_block(repo, agent, environ) if with_instructions else None
    if shared_scope(agent, scope):
        with user_lock(environ):
            report = _install_shared(repo, agent, scope, path, where, environ)
    else:
        report = _install_here(repo, agent, scope, path, where)
    if block is None:
        return report
    return _install_block(repo, agent, report, block, environ)


def _install_here(repo: Repo, agent: AgentName, scope: Scope, path: str, where: str) -> InstallReport:
    merge = agent_settings.merge(read_text(path, where), agent, where)
    record = load(repo)
    entry = next((i for i in record.installs if i.file == path), None)
    if entry is None:
        entry = Install(agent, scope, path)
        record.installs.append(entry)
    if merge.added:
        entry.folders += missing_folders(path)
        entry.added = entry.added.merged(merge.added)
        before = load(repo)
        _write_recorded(path, merge.text, lambda: save(repo, record), lambda: save(repo, before))
    excluded = _exclude(repo, agent, scope, path, entry) if merge.added.created_file else ""
    save(repo, record)
    tracked = scope == "local" and _tracked(repo, path)
    return InstallReport(agent, scope, where, merge.installed, merge.present, excluded=excluded, tracked=tracked)


def _write_recorded(path: str, text: str, record: Callable[[], None], put_back: Callable[[], None]) -> None:
    """Write a settings file after the record naming what goes into it (``record``): a process
    killed in between leaves a record naming what is not there (uninstall finds nothing to
    cut), never hooks that no record names (uninstall could never take them out). When the
    file cannot be written, the record as it was (``put_back``, made before) is saved again."""
    record()
    try:
        write_text(path, text)
    except (OSError, SessionError):
        put_back()
        raise


def _tracked(repo: Repo, path: str) -> bool:
    return bool(git(repo, "ls-files", "--", path, check=False).stdout.strip())


def _install_shared(
    repo: Repo, agent: AgentName, scope: Scope, path: str, where: str, environ: Mapping[str, str]
) -> InstallReport:
    merge = agent_settings.merge(read_text(path, where), agent, where)
    users = UserRecord(environ)
    shared = users.files.setdefault(path, Shared(agent, Added(), []))
    if repo.common_dir not in shared.repos:
        shared.repos.append(repo.common_dir)
    record, before = load(repo), load(repo)
    if not any(i.file == path for i in record.installs):
        record.installs.append(Install(agent, scope, path))
    if merge.added:
        shared.folders += missing_folders(path)
        shared.added = shared.added.merged(merge.added)
        users_before = UserRecord(environ)

        def recorded() -> None:
            save(repo, record)
            users.save()

        def put_back() -> None:
            users_before.save()
            save(repo, before)

        _write_recorded(path, merge.text, recorded, put_back)
    users.save()
    save(repo, record)
    return InstallReport(agent, scope, where, merge.installed, merge.present)


def _plan_block(repo: Repo, agent: AgentName, environ: Mapping[str, str]) -> tuple[str, str, str | None]:
    path = os.path.join(top(repo), CLIENTS[agent].instructions)
    where = shown(repo, path, environ)
    return path, where, read_text(path, where)


def _install_block(
    repo: Repo, agent: AgentName, report: InstallReport, block: tuple[str, str, str | None], environ: Mapping[str, str]
) -> InstallReport:
    path, where, text = block
    result = instructions.add(text)
    status = "present"
    if result is not None:
        new, added = result
        write_text(path, new)
        record = load(repo)
        record.blocks = [b for b in record.blocks if b.file != path] + [Block(agent, path, added)]
        save(repo, record)
        status = "added"
    return replace(report, instructions=status, instructions_file=where)


def _exclude(repo: Repo, agent: AgentName, scope: Scope, path: str, entry: Install) -> str:
    """Gemini's local file, created by install and untracked: named in .git/info/exclude."""
    if agent != "gemini" or scope != "local":
        return ""
    entry.exclude = exclude_untracked(repo, path)
    return str(entry.exclude.get("line", ""))


def exclude_untracked(repo: Repo, path: str) -> dict[str, Any]:
    """Name ``path`` (a file install created in the work tree) in .git/info/exclude unless git
    tracks or ignores it already; what was added, for ``unexclude`` ({} when nothing was)."""
    relative = "/" + os.path.relpath(path, top(repo))
    tracked = _tracked(repo, path)
    ignored = git(repo, "check-ignore", "-q", "--", path, check=False).returncode == 0
    if tracked or ignored:
        return {}
    exclude = os.path.join(repo.common_dir, "info", "exclude")
    text = read_text(exclude, ".git/info/exclude")
    separator = "" if not text or text.endswith("\n") else "\n"
    folders = write_text(exclude, (text or "") + separator + relative + "\n")
    return {"line": relative, "separator": separator, "created": text is None, "folders": folders}


# --- uninstall -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UninstallReport:
    agent: AgentName
    scope: Scope
    file: str  # as shown
    removed: tuple[str, ...] = ()
    edited: tuple[str, ...] = ()  # ours, changed by the user since: kept
    deleted: bool = False  # install made the file; it went again
    others: int = 0  # repositories still using a user file: kept for them
    excluded: str = ""  # the line taken out of .git/info/exclude
    error: str = ""  # this file could not be read or parsed: left alone


@dataclass(frozen=True)
class BlockReport:
    agent: AgentName
    file: str
    outcome: str  # "removed", "edited" (kept), "absent", or an error


def uninstall(
    repo: Repo, agent: AgentName, scope: Scope | None, environ: Mapping[str, str]
) -> tuple[list[UninstallReport], list[BlockReport]]:
    """Take out what install recorded for ``agent`` (at ``scope``; None: everywhere),
    and its instructions block (with every scope only). A file that cannot be read or
    parsed is left alone, and said so; the others are still done."""
    record = load(repo)
    chosen = [i for i in record.of(agent) if scope is None or i.scope == scope]
    reports = [_uninstall_one(repo, i, environ) for i in chosen]
    failed = {i.file for i, r in zip(chosen, reports, strict=True) if r.error}
    record = load(repo)
    record.installs = [i for i in record.installs if i not in chosen or i.file in failed]
    blocks = [b for b in record.blocks if b.agent == agent] if scope is None else []
    block_reports = [_uninstall_block(repo, b, environ) for b in blocks]
    done = ("removed", "absent", "edited")
    kept = {b.file for b, r in zip(blocks, block_reports, strict=True) if r.outcome not in done}
    record.blocks = [b for b in record.blocks if b not in blocks or b.file in kept]
    save(repo, record)
    return reports, block_reports


def _uninstall_one(repo: Repo, entry: Install, environ: Mapping[str, str]) -> UninstallReport:
    where = shown(repo, entry.file, environ)
    try:
        if shared_scope(entry.agent, entry.scope):
            with user_lock(environ):
                return _uninstall_shared(repo, entry, where, environ)
        return _uninstall_file(repo, entry, where, entry.added, entry.folders)
    except (UserError, OSError) as exc:
        message = exc.message if isinstance(exc, UserError) else f"{where}: {exc.strerror or exc}"
        return UninstallReport(entry.agent, entry.scope, where, error=message)


def _uninstall_file(repo: Repo, entry: Install, where: str, added: Added, folders: Sequence[str]) -> UninstallReport:
    if not shared_scope(entry.agent, entry.scope):
        own_file(repo, entry.file)
        added = added if may_remove(repo, entry.file) else replace(added, created_file=False)
    text = read_text(entry.file, where)
    if text is None:
        return UninstallReport(entry.agent, entry.scope, where, excluded=unexclude(repo, entry.exclude))
    result = agent_settings.unmerge(text, added, entry.agent, where)
    if result.text is None:
        delete(entry.file, folders)
    elif result.text != text:
        write_text(entry.file, result.text)
    excluded = unexclude(repo, entry.exclude) if result.text is None else ""
    return UninstallReport(
        entry.agent, entry.scope, where, result.removed, result.edited, result.text is None, excluded=excluded
    )


def own_file(repo: Repo, path: str) -> None:
    """Refuse to edit a work-tree file a record names unless it is in one of this repository's
    work trees: a copy made with cp -a names the original's files in its record (its hooks,
    its instructions block, its MCP registration); they are not this repository's to edit.
    A file that is not there is edited by no one (a linked work tree removed since): absent."""
    if os.path.lexists(path) and not _in_work_trees(repo, path):
        raise UserError(f"{path} is in none of this repository's work trees: left alone")
    refuse_committed_links(repo, [path])


def may_remove(repo: Repo, path: str) -> bool:
    """Whether uninstall may remove a work tree's file that install made (and the folders made
    for it): only where the file lies in that work tree, links followed. Through the user's own
    link leading out (``CLAUDE.md -> ~/notes/claude.md``, made by install when it was missing)
    the file is not the work tree's, and another repository's link may lead to it too: it stays,
    with git-session's part taken out."""
    workdir = _work_tree_of(repo, path)
    return workdir is not None and inside(path, workdir) and not _into_git(repo, path, workdir)


def refuse_committed_links(repo: Repo, paths: Sequence[str]) -> None:
    """Refuse to write any of ``paths`` through a symbolic link git tracks (the file or a folder
    of the work tree on its way) that leads out of the work tree: a cloned repository could
    commit ``CLAUDE.md -> ../../.bashrc`` and have install or uninstall edit the user's own
    file. A link the user made (untracked: ``.claude`` linked to their dotfiles) is followed."""
    for path in paths:
        workdir = _work_tree_of(repo, path)
        committed = _committed_links(repo, workdir, _links_leading_out(repo, path, workdir)) if workdir else []
        if committed:
            leads = (
                "into a git folder" if _into_git(repo, os.path.join(workdir or "", committed[0]), workdir or "") else ""
            )
            raise UserError(
                f"{committed[0]} is a symbolic link committed in this repository leading "
                f"{leads or 'out of its work tree'}: nothing written through it"
            )


def _work_tree_of(repo: Repo, path: str) -> str | None:
    """The work tree ``path`` lies in by name: this one, or (a file uninstall takes out) another."""
    if repo.workdir and _lies_in(path, repo.workdir):
        return repo.workdir
    return next((top for top in _work_trees(repo) if _lies_in(path, top)), None)


def _links_leading_out(repo: Repo, path: str, workdir: str) -> list[str]:
    """The symbolic links among ``path`` and its folders inside ``workdir`` that lead out of
    it, relative to it."""
    parts = os.path.relpath(os.path.abspath(path), os.path.abspath(workdir)).split(os.sep)
    steps = [os.path.join(*parts[: n + 1]) for n in range(len(parts))]
    return [step for step in steps if _leads_out(repo, os.path.join(workdir, step), workdir)]


def _leads_out(repo: Repo, path: str, workdir: str) -> bool:
    """A symbolic link leading out of the work tree, or into a .git folder in it (the
    repository's config or hooks: not the work tree's files)."""
    return os.path.islink(path) and (not inside(path, workdir) or _into_git(repo, path, workdir))


def _into_git(repo: Repo, path: str, workdir: str) -> bool:
    """Whether ``path`` resolves into a git dir: the repository's own by what it is, whatever
    its name (``--separate-git-dir``, a bare "dotfiles" repository's folder in the work tree, a
    linked work tree's), or a folder of the work tree named .git (a nested repository's), in any
    case (a case-insensitive file system opens ``.GIT`` as ``.git``)."""
    real = os.path.realpath(path)
    parts = os.path.relpath(real, os.path.realpath(workdir)).split(os.sep)
    return ".git" in (part.lower() for part in parts) or _below(real, (repo.git_dir, repo.common_dir), workdir)


def _below(path: str, folders: Sequence[str], work_tree: str) -> bool:
    """Whether ``path`` or a folder above it is one of ``folders`` before any is ``work_tree``
    (a work tree may lie in the git dir: ``git worktree add`` in a bare clone), told by
    identity (not by name: a case-insensitive file system, a second name for the same folder)."""
    wanted = [found for found in map(_stat, folders) if found is not None]
    top = _stat(work_tree)
    here = path
    while True:
        found = _stat(here)
        if found is not None and top is not None and os.path.samestat(found, top):
            return False
        if found is not None and any(os.path.samestat(found, folder) for folder in wanted):
            return True
        if os.path.dirname(here) == here:
            return False
        here = os.path.dirname(here)


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _committed_links(repo: Repo, workdir: str, relative: Sequence[str]) -> list[str]:
    """Those of ``relative`` (paths in ``workdir``) its index holds as symbolic links."""
    if not relative:
        return []
    args = ["ls-files", "-s", "-z", "--", *(f":(literal){name}" for name in relative)]
    here = workdir == repo.workdir  # another work tree: its own index, found from it
    listed = git(repo, *args, check=False) if here else gitcli.run(args, cwd=workdir, check=False)
    entries = [line.partition("\t") for line in listed.stdout.split("\0") if line.startswith("120000 ")]
    return [name for _, _, name in entries if name in relative]


def _in_work_trees(repo: Repo, path: str) -> bool:
    """Whether ``path`` is in a work tree of this repository: where it lies, or where it leads
    (a ``.claude`` folder that is a link to the user's dotfiles holds this repository's file)."""
    folder = os.path.dirname(path)
    tops = [*_work_trees(repo), *filter(None, [repo.workdir])]
    return any(inside(folder, top) or _lies_in(folder, top) for top in tops)


def _work_trees(repo: Repo) -> list[str]:
    """The work trees git lists for this repository that are its own (``_leads_back``)."""
    listed = git(repo, "worktree", "list", "--porcelain", "-z", check=False).stdout.split("\0")
    tops = [line.removeprefix("worktree ") for line in listed if line.startswith("worktree ")]
    return [top for top in tops if _leads_back(repo, top)]


def _leads_back(repo: Repo, top: str) -> bool:
    """Whether the work tree at ``top`` is this repository's: its ``.git`` is the repository or
    names one of its linked work trees' folders (a copy made with cp -a keeps the original's
    .git/worktrees, so git lists the original's linked work trees as the copy's too)."""
    dot = os.path.join(top, ".git")
    if os.path.isdir(dot):
        return same_dir(dot, repo.common_dir)
    text = (read(dot, 4096) or b"").decode("utf-8", "surrogateescape")
    if not text.startswith("gitdir: "):
        return False
    gitdir = os.path.join(top, text.removeprefix("gitdir: ").strip())  # (a relative one: from the work tree)
    return same_dir(gitdir, repo.common_dir) or inside(gitdir, os.path.join(repo.common_dir, "worktrees"))


def _lies_in(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or under it by name (links not followed)."""
    name, top = os.path.normpath(os.path.abspath(path)), os.path.normpath(os.path.abspath(folder))
    return name == top or name.startswith(top.rstrip(os.sep) + os.sep)


def _uninstall_shared(repo: Repo, entry: Install, where: str, environ: Mapping[str, str]) -> UninstallReport:
    users = UserRecord(environ)
    shared = users.files.get(entry.file)
    if shared is None:
        return UninstallReport(entry.agent, entry.scope, where)
    shared.repos = [r for r in users_of(shared, entry.file) if r != repo.common_dir]
    if shared.repos:
        users.save()
        return UninstallReport(entry.agent, entry.scope, where, others=len(shared.repos))
    report = _uninstall_file(repo, entry, where, shared.added, shared.folders)
    del users.files[entry.file]
    users.save()
    return report


def unexclude(repo: Repo, recorded: Mapping[str, Any]) -> str:
    """Take out the line ``exclude_untracked`` added (``recorded``: what it returned)."""
    line = recorded.get("line")
    if not isinstance(line, str) or not line:
        return ""
    exclude = os.path.join(repo.common_dir, "info", "exclude")
    text = read_text(exclude, ".git/info/exclude") or ""
    separator = recorded.get("separator") if recorded.get("separator") in ("", "\n") else ""
    lines = text.split("\n")
    if line not in lines:
        return ""
    index = len(lines) - 1 - lines[::-1].index(line)
    before = "\n".join(lines[:index])
    after = "\n".join(lines[index + 1 :])
    new = (before + "\n" if index else "") + after
    if separator and index == len(lines) - 2 and new.endswith("\n"):
        new = new[: -len(separator)]
    if recorded.get("created") is True and not new and inside(exclude, repo.common_dir):
        folders = [f for f in recorded.get("folders") or [] if absolute(f)]
        delete(exclude, folders)
    else:  # (through the user's link out of the repository, as ``may_remove``: it stays, emptied)
        write_text(exclude, new)
    return line


def _uninstall_block(repo: Repo, block: Block, environ: Mapping[str, str]) -> BlockReport:
    where = shown(repo, block.file, environ)
    try:
        own_file(repo, block.file)
        text = read_text(block.file, where)
        if text is None:
            return BlockReport(block.agent, where, "absent")
        added = block.added if may_remove(repo, block.file) else replace(block.added, created=False)
        new, outcome = instructions.remove(text, added)
        if new is None:
            delete(block.file, ())
        elif new != text:
            write_text(block.file, new)
        return BlockReport(block.agent, where, outcome)
    except (UserError, OSError) as exc:
        return BlockReport(block.agent, where, exc.message if isinstance(exc, UserError) else str(exc))


# --- status and doctor ---------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    scope: Scope
    file: str  # as shown
    events: tuple[str, ...]  # client events running our hook there
    recorded: bool  # this repository's install (else: put there by someone else)
    error: str = ""


@dataclass(frozen=True)
class ClientStatus:
    agent: AgentName
    placements: tuple[Placement, ...]
    instructions_file: str
    instructions: bool
    findings: tuple[Finding, ...]
    mcp: tuple[str, ...] = ()  # the files where install registered the MCP server


def status(repo: Repo, environ: Mapping[str, str]) -> list[ClientStatus]:
    return [_client_status(repo, agent, environ) for agent in AGENT_NAMES]


def _client_status(repo: Repo, agent: AgentName, environ: Mapping[str, str]) -> ClientStatus:
    recorded = {i.file for i in load(repo).of(agent)}
    placements = []
    seen: set[str] = set()
    for scope in ("local", "project", "user"):
        path = settings_path(repo, agent, scope, environ)
        if path in seen:
            continue
        seen.add(path)
        placement = _placement(repo, agent, scope, path, path in recorded, environ)
        if placement is not None:
            placements.append(placement)
    path = os.path.join(top(repo), CLIENTS[agent].instructions)
    where = shown(repo, path, environ)
    try:
        has = instructions.has_block(read_text(path, where) or "")
    except UserError:
        has = False
    servers = tuple(shown(repo, m.file, environ) for m in load(repo).mcp if m.agent == agent)
    return ClientStatus(agent, tuple(placements), where, has, tuple(diagnose(repo, agent, environ)), servers)


def _placement(
    repo: Repo, agent: AgentName, scope: Scope, path: str, recorded: bool, environ: Mapping[str, str]
) -> Placement | None:
    where = shown(repo, path, environ)
    try:
        text = read_text(path, where)
        events = agent_settings.events_present(text, agent, where) if text is not None else ()
    except UserError as exc:
        return Placement(scope, where, (), recorded, exc.message) if recorded else None
    if not events and not recorded:
        return None
    return Placement(scope, where, events, recorded)


def diagnose(repo: Repo, agent: AgentName, environ: Mapping[str, str]) -> list[Finding]:
    """What doctor says of ``agent``'s hooks (and its MCP server): nothing where install never put them."""
    installs = load(repo).of(agent)
    if not installs:
        return []
    findings = [_file_finding(repo, agent, i, environ) for i in installs]
    if any(m.agent == agent for m in load(repo).mcp):
        from git_session.integrations import agent_mcp

        findings += agent_mcp.diagnose(repo, agent, environ)
    if not paths.agent_shim(repo).exists():
        findings.append(
            Finding("warning", agent, "the hook shim is not written yet: the hooks run Python until one writes it")
        )
    findings += _switched_off(repo, agent, environ)
    if shutil.which("git-session", path=environ.get("PATH")) is None:
        findings.append(
            Finding("problem", agent, "git-session is not on PATH: the agent's hooks silently do nothing without it")
        )
    return findings


def _switched_off(repo: Repo, agent: AgentName, environ: Mapping[str, str]) -> list[Finding]:
    """A client setting that turns every hook off: Claude Code's ``disableAllHooks`` (the
    most local file that sets it wins), Codex's ``[features] hooks = false``."""
    if agent == "claude":
        for scope in ("local", "project", "user"):
            value = _json_key(settings_path(repo, agent, scope, environ), "disableAllHooks")
            if value is not None:
                where = shown(repo, settings_path(repo, agent, scope, environ), environ)
                return [_off(agent, f"disableAllHooks is true in {where}: Claude Code runs no hooks")] if value else []
    if agent == "codex":
        config = os.path.join(os.path.dirname(settings_path(repo, agent, "user", environ)), "config.toml")
        if _codex_hooks_off(config):
            return [_off(agent, f"{shown(repo, config, environ)} sets [features] hooks = false: Codex runs no hooks")]
    return []


def _off(agent: AgentName, message: str) -> Finding:
    return Finding("problem", agent, message)


def _json_key(path: str, key: str) -> bool | None:
    """A boolean at the top of a JSON file; None when it is not there (or the file is unreadable)."""
    try:
        value = json.loads(read(path) or b"{}")
    except (ValueError, RecursionError):
        return None
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, bool) else None


def _codex_hooks_off(config: str) -> bool:
    """Whether Codex's config.toml turns its hooks feature off (read where Python has tomllib)."""
    try:
        tomllib: Any = importlib.import_module("tomllib")
        features = tomllib.loads((read(config) or b"").decode("utf-8")).get("features")
    except (ImportError, ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(features, dict) and features.get("hooks") is False


def _file_finding(repo: Repo, agent: AgentName, entry: Install, environ: Mapping[str, str]) -> Finding:
    where = shown(repo, entry.file, environ)
    subject = f"{agent} {where}"
    try:
        text = read_text(entry.file, where)
        events = agent_settings.events_present(text, agent, where) if text is not None else ()
    except UserError as exc:
        return Finding("problem", subject, exc.message.replace("; nothing changed", ""))
    missing = [name for name in agent_settings.our_events(agent) if name not in events]
    if missing:
        return Finding("problem", subject, f"the hooks for {', '.join(missing)} are missing", fixable=True)
    return Finding("ok", subject, f"hooks for {', '.join(events)}")


# --- the plug-in point -----------------------------------------------------------------------


class AgentHooks:
    """One agent client's hooks as an integration of the registry."""

    def __init__(self, agent: AgentName) -> None:
        self.agent = agent
        self.name = agent

    def detect(self, repo: Repo) -> Detection:
        installs = load(repo).of(self.agent)
        where = installs[0].file if installs else ""
        return Detection(bool(installs), bool(installs), where)

    def plan(self, repo: Repo, options: Options) -> Plan:
        scope = options.scope or CLIENTS[self.agent].default_scope
        path = settings_path(repo, self.agent, scope, os.environ)
        where = shown(repo, path, os.environ)
        merge = agent_settings.merge(read_text(path, where), self.agent, where)
        changes = tuple(Change("installed", n) for n in merge.installed) + tuple(
            Change("present", n, done=False) for n in merge.present
        )
        return Plan(self.name, where, changes, options)

    def install(self, repo: Repo, plan: Plan) -> Result:
        report = install(repo, self.agent, plan.options.scope, plan.options.instructions, os.environ)
        changes = tuple(Change("installed", n) for n in report.installed) + tuple(
            Change("present", n, done=False) for n in report.present
        )
        return Result(self.name, changes)

    def uninstall(self, repo: Repo) -> Result:
        servers = uninstall_mcp(repo, self.agent, None, os.environ)
        reports, blocks = uninstall(repo, self.agent, None, os.environ)
        changes = [*servers, *(c for r in reports for c in changes_of(r)), *(block_change(b) for b in blocks)]
        return Result(self.name, tuple(changes))

    def diagnose(self, repo: Repo) -> list[Finding]:
        return diagnose(repo, self.agent, os.environ)

    def fix(self, repo: Repo, findings: Sequence[Finding]) -> list[str]:
        done = []
        for entry in load(repo).of(self.agent):
            report = install(repo, self.agent, entry.scope, False, os.environ)
            if report.installed:
                done.append(f"put back the {self.agent} hooks for {', '.join(report.installed)} in {report.file}")
        if any(m.agent == self.agent for m in load(repo).mcp):
            from git_session.integrations import agent_mcp

            done += agent_mcp.fix(repo, self.agent, os.environ)
        return done


def uninstall_mcp(repo: Repo, agent: AgentName, scope: Scope | None, environ: Mapping[str, str]) -> list[Change]:
    """Take out the MCP server's registrations of ``agent`` (before its hooks: a settings file
    both went into goes when the last of them does), as changes to report."""
    from git_session.integrations import agent_mcp

    return [mcp_change(r) for r in agent_mcp.uninstall(repo, agent, scope, environ)]


def mcp_change(report: McpReport) -> Change:
    subject = f"the {'approval of the ' if report.kind == 'item' else ''}MCP server git-session in {report.file}"
    if report.outcome == "removed":
        return Change("removed", subject)
    if report.outcome == "kept":
        return Change("kept", subject, " (changed since install)", done=False)
    if report.outcome == "others":
        return Change("kept", subject, f" (still used by {report.note} other repositories)", done=False)
    if report.outcome == "absent":
        return Change("removed", subject, " (already gone)", done=False)
    return Change("failed", subject, f": {report.outcome}", done=False)


def changes_of(report: UninstallReport) -> list[Change]:
    subject = f"{report.agent} hooks in {report.file}"
    if report.error:
        return [Change("failed", subject, f": {report.error}", done=False)]
    if report.others:
        return [Change("kept", subject, f" (still used by {report.others} other repositories)", done=False)]
    changes = []
    if report.removed or report.deleted:
        changes.append(Change("removed", subject, f" ({', '.join(report.removed)})" if report.removed else ""))
    if report.edited:
        changes.append(Change("kept", subject, f": {', '.join(report.edited)} changed since install", done=False))
    if report.excluded:
        changes.append(Change("removed", f"{report.excluded} from .git/info/exclude"))
    return changes


def block_change(report: BlockReport) -> Change:
    subject = f"the git-session block in {report.file}"
    if report.outcome == "removed":
        return Change("removed", subject)
    if report.outcome == "edited":
        return Change("kept", subject, " (changed since install)", done=False)
    if report.outcome == "absent":
        return Change("removed", subject, " (already gone)", done=False)
    return Change("failed", subject, f": {report.outcome}", done=False)


def trust_note(scope: Scope) -> tuple[str, ...]:
    """How a Codex user trusts the new hooks (Codex 0.171: "Hooks need review" at start)."""
    project = " (and trust the project: Codex reads .codex/ only in trusted projects)" if scope == "project" else ""
    return (
        "Codex runs a new or changed hook only once you trust it: start codex in this repository and choose",
        f'"Trust all and continue" when it says "Hooks need review", or review them with /hooks{project}.',
        "Until then Codex skips them without a word (codex exec too).",
    )
