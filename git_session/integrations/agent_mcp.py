"""``git session agent install CLIENT --mcp``: ``git session mcp`` registered as an MCP server
with the client, recorded and taken out again as the hooks are (``agents``).

Where each client reads it (AGENT-HOOKS.md in the project's shared documents): Claude Code
from ``.mcp.json`` at the top of the work tree, approved by name in the settings of the
scope (``enabledMcpjsonServers``; user scope: ``~/.claude.json``'s own ``mcpServers``);
Codex from ``[mcp_servers.NAME]`` in the ``config.toml`` beside its hooks file (written with
tomlkit, comments kept); Gemini CLI from ``"mcpServers"`` in its settings file. JSON files
are edited as text (``jsonconfig``): every other byte stays, and what was added is taken out
exactly; a registration changed since install is kept, and named.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from git_session.errors import UserError
from git_session.gitrepo import Repo
from git_session.integrations import agents, jsonconfig
from git_session.integrations.agent_clients import AgentName, Scope, config_file
from git_session.integrations.agent_records import (
    McpInstall,
    UserRecord,
    delete,
    load,
    mcp_users_of,
    read_text,
    save,
    user_lock,
    write_text,
)
from git_session.integrations.agent_settings import Src, _container, _cut_if_empty
from git_session.integrations.base import Finding
from git_session.integrations.jsonconfig import ConfigFileError

NAME = "git-session"  # the server's name in every client's configuration
COMMAND = {"command": "git", "args": ["session", "mcp"]}


@dataclass(frozen=True)
class Target:
    """What install puts where: a JSON member or array item at ``keys``, or a TOML table."""

    file: str
    kind: str  # "member", "item", "toml"
    keys: tuple[str, ...]
    value: Any


def targets(repo: Repo, agent: AgentName, scope: Scope, environ: Mapping[str, str]) -> list[Target]:
    top = agents.top(repo)
    if agent == "claude" and scope == "user":
        home = environ.get("HOME") or os.path.expanduser("~")
        return [
            Target(os.path.join(home, ".claude.json"), "member", ("mcpServers", NAME), {"type": "stdio", **COMMAND})
        ]
    if agent == "claude":
        approval = Target(config_file(agent, scope, top, environ), "item", ("enabledMcpjsonServers",), NAME)
        return [Target(os.path.join(top, ".mcp.json"), "member", ("mcpServers", NAME), COMMAND), approval]
    if agent == "codex":
        folder = os.path.dirname(config_file(agent, scope, top, environ))
        return [Target(os.path.join(folder, "config.toml"), "toml", ("mcp_servers", NAME), COMMAND)]
    return [Target(config_file(agent, scope, top, environ), "member", ("mcpServers", NAME), {**COMMAND, "trust": True})]


@dataclass(frozen=True)
class McpReport:
    file: str  # as shown
    outcome: str  # "added", "present", "removed", "kept" (changed since), "absent", "others" (still used), or an error
    kind: str = "member"
    note: str = ""


# --- install -----------------------------------------------------------------------------


def install(repo: Repo, agent: AgentName, scope: Scope, environ: Mapping[str, str]) -> list[McpReport]:
    """Register the server for ``agent`` at ``scope``; each file written is recorded."""
    reports, chosen = [], targets(repo, agent, scope, environ)
    agents.refuse_committed_links(repo, [target.file for target in chosen])  # doctor --fix comes here
    for target in chosen:
        where = agents.shown(repo, target.file, environ)
        if agents.shared_scope(agent, scope):
            with user_lock(environ):
                reports.append(_install_shared(repo, agent, scope, target, where, environ))
        else:
            reports.append(_install_here(repo, agent, scope, target, where))
    return reports


def check(repo: Repo, agent: AgentName, scope: Scope, environ: Mapping[str, str]) -> list[str]:
    """Refuse, before install writes anything (the hooks either), a file the registration
    cannot be merged into: not JSON or TOML, another server of that name, a wrong shape.
    The files install will write (those lacking the registration)."""
    shared = UserRecord(environ).mcp if agents.shared_scope(agent, scope) else {}
    changed = []
    for target in targets(repo, agent, scope, environ):
        if target.file in shared:  # registered already for another repository: only counted
            continue
        where = agents.shown(repo, target.file, environ)
        text = read_text(target.file, where)
        entry = McpInstall(agent, scope, target.file, target.kind, list(target.keys), target.value)
        changed += [target.file] if _merged(text, entry, where) is not None else []
    return changed


def _install_here(repo: Repo, agent: AgentName, scope: Scope, target: Target, where: str) -> McpReport:
    entry = _put(agent, scope, target, where)
    if entry is None:
        return McpReport(where, "present", target.kind)
    record = load(repo)
    before = [m for m in record.mcp if (m.file, m.keys) == (entry.file, entry.keys)]  # put back (doctor --fix)
    if entry.created_file and agent == "claude" and target.kind == "member":  # .mcp.json: not committed by accident
        kept = [m.exclude for m in before if m.exclude]  # the line its first install added
        entry.exclude = kept[0] if kept else agents.exclude_untracked(repo, target.file)
    record.mcp = [m for m in record.mcp if m not in before] + [entry]
    save(repo, record)
    return McpReport(where, "added", target.kind, str(entry.exclude.get("line") or ""))


def _install_shared(
    repo: Repo, agent: AgentName, scope: Scope, target: Target, where: str, environ: Mapping[str, str]
) -> McpReport:
    users = UserRecord(environ)
    entry = users.mcp.get(target.file)
    outcome = "present"
    if entry is None:
        entry = _put(agent, scope, target, where)
        outcome = "added" if entry is not None else "present"
    if entry is not None:
        if repo.common_dir not in entry.repos:
            entry.repos.append(repo.common_dir)
        users.mcp[target.file] = entry
        record = load(repo)
        if not any(m.file == target.file for m in record.mcp):
            record.mcp.append(McpInstall(agent, scope, target.file, target.kind, list(target.keys), target.value))
        users.save()
        save(repo, record)
    return McpReport(where, outcome, target.kind)


def _put(agent: AgentName, scope: Scope, target: Target, where: str) -> McpInstall | None:
    """Write ``target`` into its file; what was written, or None when it was there already."""
    text = read_text(target.file, where)
    entry = McpInstall(agent, scope, target.file, target.kind, list(target.keys), target.value)
    new = _merged(text, entry, where)
    if new is None:
        return None
    entry.created_file = text is None
    entry.folders = write_text(target.file, new)
    return entry


def _merged(text: str | None, entry: McpInstall, where: str) -> str | None:
    """``text`` with ``entry`` put in; None when it is there already."""
    if entry.kind == "toml":
        return _put_toml(text, entry, where)
    return _put_json(text, entry, Src.of(entry.agent, where))


def _put_json(text: str | None, entry: McpInstall, src: Src) -> str | None:
    keys, value = entry.keys, [entry.value] if entry.kind == "item" else entry.value
    if text is None:
        entry.created = [keys[: i + 1] for i in range(len(keys) - (entry.kind == "member"))]
        return jsonconfig.new_document(keys[0], _nested(keys[1:], value))
    _, node = src.parse(text)
    for depth, key in enumerate(keys):
        if node.kind != "object":
            raise _not_object(keys[:depth], src.where)
        child = node.get(key)
        if child is None:
            rest = _nested(keys[depth + 1 :], value)
            new, insertion = jsonconfig.append(text, node, rest, key)
            if insertion.empty is not None:
                entry.empties["/".join(keys[:depth])] = insertion.empty
            last = len(keys) - (entry.kind == "member")
            entry.created = [keys[: i + 1] for i in range(depth, last)]
            return new
        node = child
    return _put_last(text, node, entry, src.where)


def _put_last(text: str, node: jsonconfig.Node, entry: McpInstall, where: str) -> str | None:
    """The member exists: ours already (None), or someone else's server of that name (refused);
    an array: the item appended unless it is in it."""
    if entry.kind == "member":
        if jsonconfig.value_of(text, node) == entry.value:
            return None
        raise ConfigFileError(
            f"{where} registers another MCP server named {NAME!r}; nothing changed",
            "remove or rename it, and run the command again",
        )
    if node.kind != "array":
        raise _not_object(entry.keys, where, "an array")
    if entry.value in jsonconfig.value_of(text, node):
        return None
    new, insertion = jsonconfig.append(text, node, entry.value)
    if insertion.empty is not None:
        entry.empties["/".join(entry.keys)] = insertion.empty
    return new


def _nested(keys: list[str], value: Any) -> Any:
    for key in reversed(keys):
        value = {key: value}
    return value


def _not_object(keys: list[str], where: str, kind: str = "an object") -> ConfigFileError:
    what = ".".join(f'"{k}"' for k in keys) or "the top level"
    return ConfigFileError(
        f"{what} in {where} is not {kind}; nothing changed", "correct the file, and run the command again"
    )


def _put_toml(text: str | None, entry: McpInstall, where: str) -> str | None:
    import tomlkit  # only Codex's configuration is TOML

    document = _parse_toml(text or "", where)
    servers = document.get(entry.keys[0])
    if servers is not None and not isinstance(servers, dict):
        raise _not_object(entry.keys[:1], where, "a table")
    if servers is not None and entry.keys[1] in servers:
        if servers[entry.keys[1]] == entry.value:
            return None
        raise ConfigFileError(f"{where} registers another MCP server named {NAME!r}; nothing changed")
    if isinstance(servers, tomlkit.items.InlineTable):  # it takes no table, and one line is theirs
        raise ConfigFileError(
            f'"{entry.keys[0]}" in {where} is an inline table; nothing changed',
            f"write its servers as [{entry.keys[0]}.NAME] tables, and run the command again",
        )
    if servers is None:
        document[entry.keys[0]] = tomlkit.table(is_super_table=True)
        entry.created = [entry.keys[:1]]
    table = tomlkit.table()
    for key, item in entry.value.items():
        table[key] = item
    if list(document.keys())[-1] != entry.keys[0]:  # among the other servers, before another table
        table.add(tomlkit.nl())
    document[entry.keys[0]][entry.keys[1]] = table
    body = text or ""
    entry.tail = body[len(body.rstrip()) :]
    new = tomlkit.dumps(document)
    if not _only_added(body, new, entry):  # placed where the keys after it become its own (dotted keys)
        new = _appended(body, entry)
        if not _only_added(body, new, entry):
            raise ConfigFileError(
                f"{where}: the table [{entry.keys[0]}.{NAME}] cannot be added without changing other settings; "
                "nothing changed",
                f"add it by hand, or write the servers as [{entry.keys[0]}.NAME] tables, and run the command again",
            )
    if "\r\n" in body and "\n" not in body.replace("\r\n", ""):  # a file edited on Windows: its line ends
        new = re.sub(r"(?<!\r)\n", "\r\n", new)
    entry.added = _inserted(body, new)
    return new


def _inserted(old: str, new: str) -> str:
    """The text ``new`` has that ``old`` has not, when ``new`` is ``old`` with one piece put in
    (what uninstall takes out to give the file back byte for byte); "" otherwise."""
    start = len(os.path.commonprefix([old, new]))  # noqa: RUF071 - texts, compared character by character
    end = len(os.path.commonprefix([old[start:][::-1], new[start:][::-1]]))  # noqa: RUF071 - the same
    piece = new[start : len(new) - end]
    return piece if old[:start] + piece + old[len(old) - end :] == new else ""


def _only_added(old: str, new: str, entry: McpInstall) -> bool:
    """Whether ``new`` reads as ``old`` with the server's table added and nothing else changed
    (tomlkit puts a table after the last key of its parent: after dotted keys
    ``mcp_servers.x.command = …``, the top-level keys below them would become the table's)."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        before, after = _comparable(tomlkit.parse(old).unwrap()), _comparable(tomlkit.parse(new).unwrap())
    except TOMLKitError:
        return False
    servers = before.get(entry.keys[0], {})
    return isinstance(servers, dict) and after == {**before, entry.keys[0]: {**servers, entry.keys[1]: entry.value}}


_NAN = object()  # what a TOML nan reads as in ``_comparable``


def _comparable(value: Any) -> Any:
    """A TOML document's values as ``==`` compares them like for like (``nan`` is not equal to itself)."""
    if isinstance(value, float) and math.isnan(value):
        return _NAN
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def _appended(body: str, entry: McpInstall) -> str:
    """``body`` with the server's table at its end (where no key of the file can follow it)."""
    import tomlkit

    table = tomlkit.dumps({entry.keys[0]: {entry.keys[1]: entry.value}})
    return body.rstrip() + ("\n\n" if body.strip() else "") + table


def _parse_toml(text: str, where: str) -> Any:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigFileError(f"{where} is not valid TOML ({exc}); nothing changed") from None


# --- uninstall -----------------------------------------------------------------------------


def uninstall(repo: Repo, agent: AgentName, scope: Scope | None, environ: Mapping[str, str]) -> list[McpReport]:
    """Take out the registrations install recorded for ``agent`` (at ``scope``; None: all)."""
    record = load(repo)
    chosen = [m for m in record.mcp if m.agent == agent and (scope is None or m.scope == scope)]
    reports = [_uninstall_one(repo, m, environ) for m in chosen]
    failed = {m.file for m, r in zip(chosen, reports, strict=True) if r.outcome not in _DONE}
    record = load(repo)
    record.mcp = [m for m in record.mcp if m not in chosen or m.file in failed]
    save(repo, record)
    return reports


_DONE = ("removed", "kept", "absent", "others")


def _uninstall_one(repo: Repo, entry: McpInstall, environ: Mapping[str, str]) -> McpReport:
    where = agents.shown(repo, entry.file, environ)
    try:
        if entry.file in UserRecord(environ).mcp:
            with user_lock(environ):
                return _uninstall_shared(repo, entry, where, environ)
        if not agents.shared_scope(entry.agent, entry.scope):
            agents.own_file(repo, entry.file)
            entry = entry if agents.may_remove(repo, entry.file) else replace(entry, created_file=False)
        return _cut(repo, entry, where)
    except (UserError, OSError) as exc:
        message = exc.message if isinstance(exc, UserError) else f"{where}: {exc.strerror or exc}"
        return McpReport(where, message, entry.kind)


def _uninstall_shared(repo: Repo, entry: McpInstall, where: str, environ: Mapping[str, str]) -> McpReport:
    users = UserRecord(environ)
    shared = users.mcp[entry.file]
    shared.repos = [r for r in mcp_users_of(shared) if r != repo.common_dir]
    if shared.repos:
        users.save()
        return McpReport(where, "others", entry.kind, str(len(shared.repos)))
    report = _cut(repo, shared, where)
    del users.mcp[entry.file]
    users.save()
    return report


def _cut(repo: Repo, entry: McpInstall, where: str) -> McpReport:
    text = read_text(entry.file, where)
    if text is None:
        agents.unexclude(repo, entry.exclude)
        return McpReport(where, "absent", entry.kind)
    new, outcome = _cut_toml(text, entry, where) if entry.kind == "toml" else _cut_json(text, entry, where)
    if new is None:
        delete(entry.file, entry.folders)
        agents.unexclude(repo, entry.exclude)
    elif new != text:
        write_text(entry.file, new)
    return McpReport(where, outcome, entry.kind)


def _cut_json(text: str, entry: McpInstall, where: str) -> tuple[str | None, str]:
    src = Src.of(entry.agent, where)
    src.parse(text)
    outcome = "absent"
    if entry.kind == "member":
        parent = _container(text, entry.keys[:-1], src)
        if parent is not None and parent.kind == "object" and entry.keys[-1] in parent.keys:
            index = max(i for i, key in enumerate(parent.keys) if key == entry.keys[-1])
            if jsonconfig.value_of(text, parent.children[index]) == entry.value:
                empty = entry.empties.get("/".join(entry.keys[:-1]), "")
                text, outcome = jsonconfig.remove(text, parent, index, empty), "removed"
            else:
                outcome = "kept"
    else:
        array = _container(text, entry.keys, src)
        values = jsonconfig.value_of(text, array) if array is not None and array.kind == "array" else []
        if array is not None and entry.value in values:
            empty = entry.empties.get("/".join(entry.keys), "")
            text, outcome = jsonconfig.remove(text, array, values.index(entry.value), empty), "removed"
    for path in reversed(entry.created):
        text = _cut_if_empty(text, path, entry.empties, src)
    _, root = src.parse(text)
    return (None if entry.created_file and not root.children else text), outcome


def _cut_toml(text: str, entry: McpInstall, where: str) -> tuple[str | None, str]:
    import tomlkit

    document = _parse_toml(text, where)
    servers = document.get(entry.keys[0])
    if not isinstance(servers, dict) or entry.keys[1] not in servers:
        return text, "absent"
    if servers[entry.keys[1]] != entry.value:
        return text, "kept"
    before = _before_added(text, entry)
    if before is not None:
        return (None if entry.created_file and not before.strip() else before), "removed"
    del servers[entry.keys[1]]
    if entry.created and not servers:
        del document[entry.keys[0]]
    new = tomlkit.dumps(document)
    if entry.created_file and not new.strip():
        return None, "removed"
    return new.rstrip() + entry.tail if new.strip() else entry.tail, "removed"


def _before_added(text: str, entry: McpInstall) -> str | None:
    """``text`` without the piece install put in, when it is still there as put in and taking
    it out takes out the server's table and nothing else; None otherwise (the table is then
    taken out by tomlkit, whose white space may differ)."""
    import tomlkit

    ours = tomlkit.dumps({entry.keys[0]: {entry.keys[1]: entry.value}}).strip()
    if entry.added.replace("\r\n", "\n").strip(" \t\r\n") != ours or text.count(entry.added) != 1:
        return None  # a record edited by hand names only our table and its white space
    before = text.replace(entry.added, "", 1)
    return before if _only_added(before, text, entry) and _lines_whole(before, text) else None


def _lines_whole(before: str, text: str) -> bool:
    """Whether each line of ``before`` (with its line break) is one of ``text``'s, in order: the
    piece a record edited by hand names took no line break or space (U+3000) of the user's."""
    lines = iter(text.splitlines(keepends=True))
    return all(line in lines for line in before.splitlines(keepends=True))


# --- doctor --------------------------------------------------------------------------------


def diagnose(repo: Repo, agent: AgentName, environ: Mapping[str, str]) -> list[Finding]:
    """Whether each registration install recorded for ``agent`` is still in its file."""
    findings = []
    for entry in (m for m in load(repo).mcp if m.agent == agent):
        where = agents.shown(repo, entry.file, environ)
        what = "approval of the MCP server git-session" if entry.kind == "item" else "MCP server git-session"
        try:
            present = _present(entry, where)
        except ConfigFileError as exc:
            findings.append(Finding("problem", f"{agent} {where}", exc.message.replace("; nothing changed", "")))
            continue
        if present:
            findings.append(Finding("ok", f"{agent} {where}", f"the {what}"))
        else:
            findings.append(Finding("problem", f"{agent} {where}", f"the {what} is missing", fixable=True))
    return findings


def _present(entry: McpInstall, where: str) -> bool:
    text = read_text(entry.file, where)
    if text is None:
        return False
    if entry.kind == "toml":
        servers = _parse_toml(text, where).get(entry.keys[0])
        return isinstance(servers, dict) and servers.get(entry.keys[1]) == entry.value
    src = Src.of(entry.agent, where)
    src.parse(text)
    node = _container(text, entry.keys, src)
    if node is None:
        return False
    value = jsonconfig.value_of(text, node)
    return value == entry.value if entry.kind == "member" else isinstance(value, list) and entry.value in value


def fix(repo: Repo, agent: AgentName, environ: Mapping[str, str]) -> list[str]:
    """Register the server again where doctor found it missing; what was done."""
    missing = {m.scope for m in load(repo).mcp if m.agent == agent and not _safely_present(m, environ, repo)}
    done = []
    for scope in sorted(missing):
        for report in install(repo, agent, scope, environ):
            if report.outcome == "added":
                done.append(f"put back the {agent} MCP server git-session in {report.file}")
    return done


def _safely_present(entry: McpInstall, environ: Mapping[str, str], repo: Repo) -> bool:
    try:
        return _present(entry, agents.shown(repo, entry.file, environ))
    except ConfigFileError:
        return True  # a file that cannot be read is for the user to mend: doctor said so
