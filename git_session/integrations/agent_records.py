"""The records of what ``agent install`` added, and the small file helpers it writes with.

What went into a file of a work tree (local and project scope) is kept in
``<common-dir>/git-session/agents-installed``, with the instructions blocks. A user file
(``~/.codex/hooks.json``) serves every repository that installs into it: what went into it
is kept in the user's record (``$XDG_STATE_HOME/git-session/agents-installed``) with the
repositories that asked for it. Both are read leniently: what is malformed in them (edited
by hand) is left out, and names nothing to remove.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from git_session import paths
from git_session.gitrepo import Repo, making
from git_session.integrations import instructions
from git_session.integrations.agent_clients import AGENT_NAMES, AgentName, Scope
from git_session.integrations.agent_settings import Added
from git_session.integrations.files import (
    filesystem,
    inside,
    read,
    remove_empty_folder,
    same_dir,
    why_read_only,
    write_file,
)
from git_session.integrations.jsonconfig import ConfigFileError

RECORD_NAME = "agents-installed"
RECORD_VERSION = 1
USER_LOCK = "agents.lock"


def user_state_dir(environ: Mapping[str, str]) -> str:
    base = environ.get("XDG_STATE_HOME") or os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".local/state")
    return os.path.join(base, "git-session")


# --- files -------------------------------------------------------------------------------


def read_text(path: str, where: str) -> str | None:
    """A settings or instructions file's text; None when there is none."""
    if not os.path.lexists(path) or _to_be_made(path, where):
        return None
    data = read(path)
    if data is None:
        raise ConfigFileError(f"{where} cannot be read (not a regular file, or no permission); nothing changed")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigFileError(f"{where} is not UTF-8 text; nothing changed") from None


def _to_be_made(path: str, where: str) -> bool:
    """Whether ``path`` is a symbolic link to a file not there yet (``CLAUDE.md -> AGENTS.md``
    before anyone wrote AGENTS.md), which writing it makes; one that cannot be made (its folder
    missing, or a loop) is refused. Where the link may lead is ``agents.refuse_committed_links``'s."""
    if not os.path.islink(path) or os.path.exists(path):
        return False
    target = os.path.realpath(path)
    if os.path.islink(target) or not os.path.isdir(os.path.dirname(target)):
        raise ConfigFileError(
            f"{where} is a symbolic link to {os.readlink(path)}, which is missing and cannot be made; nothing changed",
            "make the file it names, or remove the link, and run the command again",
        )
    return True


def write_text(path: str, text: str) -> list[str]:
    """Write atomically, keeping the file's mode (through a symbolic link, to its target);
    returns the folders made for it, outermost first. A read-only file is refused."""
    refuse_read_only(path, path)
    made = missing_folders(path)
    real = os.path.realpath(path)
    with filesystem(os.path.dirname(real)), making(real):  # (the user's files: the user's umask)
        os.makedirs(os.path.dirname(real), exist_ok=True)
        write_file(real, text.encode("utf-8"), _mode(real))
    return made


def missing_folders(path: str) -> list[str]:
    """The folders writing ``path`` makes (``write_text``), outermost first."""
    made = []
    folder = os.path.dirname(os.path.realpath(path))
    while not os.path.isdir(folder):
        made.append(folder)
        folder = os.path.dirname(folder)
    return list(reversed(made))


def _mode(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def refuse_read_only(path: str, where: str) -> None:
    """Refuse a file (through a symbolic link, its target), or the folder it would be written
    or removed in (the nearest one there: install makes the others in it), whose owner took
    away their own write permission: they asked that no tool change it (even run as root, for
    whom every file is writable, or by replacing the file through its folder); and one the
    user may not write (another user's, a read-only file system): replacing it through its
    folder would make it theirs."""
    real = os.path.realpath(path)
    hint = why_read_only(real, "it")
    if hint:
        raise ConfigFileError(f"{where} is read-only; nothing changed", hint)
    made = missing_folders(path)
    folder = os.path.dirname(made[0]) if made else os.path.dirname(real)  # where install makes the others
    hint = why_read_only(folder, "the folder")
    if hint:
        raise ConfigFileError(f"{where} is in a read-only folder, {folder}; nothing changed", hint)


def delete(path: str, folders: Sequence[str]) -> None:
    """Remove a file install created, and the folders it made for it while empty (only
    folders holding it: a record edited by hand names no other). A read-only file is refused."""
    refuse_read_only(path, path)
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.realpath(path))  # through a link (CLAUDE.md -> AGENTS.md): the file install made
    for folder in reversed([f for f in folders if inside(path, f) and not same_dir(path, f)]):
        if not remove_empty_folder(folder):
            break  # the folders holding it stay too


# --- records -------------------------------------------------------------------------------


@dataclass
class Install:
    """One settings file install wrote into, as the repository's record keeps it."""

    agent: AgentName
    scope: Scope
    file: str
    added: Added = field(default_factory=Added)  # a user file's is in the user's record
    folders: list[str] = field(default_factory=list)  # made for the file
    exclude: dict[str, Any] = field(default_factory=dict)  # Gemini local: the line in info/exclude

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"agent": self.agent, "scope": self.scope, "file": self.file}
        if self.added:
            data["added"] = self.added.as_json()
        if self.folders:
            data["folders"] = self.folders
        if self.exclude:
            data["exclude"] = self.exclude
        return data


@dataclass
class Block:
    agent: AgentName
    file: str
    added: instructions.Added


@dataclass
class McpInstall:
    """One file ``agent install --mcp`` wrote into to register the MCP server: the JSON
    member (``kind`` "member") or array item ("item") at ``keys``, or the TOML table ("toml"),
    holding ``value``; what it made for it (containers, the file, its folders); for a TOML
    file, the white space that ended it before and the text put in (the table and its white
    space); the line it put in .git/info/exclude."""

    agent: AgentName
    scope: Scope
    file: str
    kind: str
    keys: list[str]
    value: Any
    created: list[list[str]] = field(default_factory=list)
    empties: dict[str, str] = field(default_factory=dict)
    created_file: bool = False
    folders: list[str] = field(default_factory=list)
    tail: str = ""
    added: str = ""
    exclude: dict[str, Any] = field(default_factory=dict)
    repos: list[str] = field(default_factory=list)  # a user file's: the repositories that asked for it

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if v not in ([], {}, "", False) or k in ("keys", "value")}
        return data

    @classmethod
    def from_json(cls, raw: object) -> McpInstall | None:
        """A record's entry; None when it is malformed (edited by hand): it names nothing to remove."""
        if not isinstance(raw, dict):
            return None
        agent, scope, file, kind, keys = (raw.get(k) for k in ("agent", "scope", "file", "kind", "keys"))
        if agent not in AGENT_NAMES or scope not in ("local", "project", "user") or not absolute(file):
            return None
        if kind not in ("member", "item", "toml") or not _strings(keys) or not keys:
            return None
        created = [p for p in raw.get("created") or [] if _strings(p) and p and p == keys[: len(p)]]
        empties = raw.get("empties") if isinstance(raw.get("empties"), dict) else {}
        folders = [f for f in raw.get("folders") or [] if absolute(f)]
        exclude = raw.get("exclude") if isinstance(raw.get("exclude"), dict) else {}
        tail = raw.get("tail") if isinstance(raw.get("tail"), str) and not str(raw.get("tail")).strip() else ""
        repos = [r for r in raw.get("repos") or [] if absolute(r)]
        added = raw.get("added") if isinstance(raw.get("added"), str) else ""
        return cls(
            agent,
            scope,
            str(file),
            kind,
            list(keys),
            raw.get("value"),
            created,
            {k: v for k, v in (empties or {}).items() if isinstance(v, str) and not v.strip()},
            raw.get("created_file") is True,
            folders,
            str(tail),
            str(added),
            exclude or {},
            repos,
        )


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


@dataclass
class RepoRecord:
    installs: list[Install] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    mcp: list[McpInstall] = field(default_factory=list)  # the MCP server's registrations (agent install --mcp)

    def of(self, agent: AgentName) -> list[Install]:
        return [i for i in self.installs if i.agent == agent]


def record_path(repo: Repo) -> str:
    return str(paths.private_dir(repo) / RECORD_NAME)


def load(repo: Repo) -> RepoRecord:
    """The repository's record; what is malformed in it (edited by hand) is left out."""
    raw = _json(read(record_path(repo)))
    installs = [i for i in (_install(x) for x in _items(raw, "installs")) if i is not None]
    blocks = [b for b in (_block(x) for x in _items(raw, "instructions")) if b is not None]
    mcp = [m for m in (McpInstall.from_json(x) for x in _items(raw, "mcp")) if m is not None]
    return RepoRecord(installs, blocks, mcp)


def _json(data: bytes | None) -> Any:
    try:
        return json.loads(data or b"{}")
    except (ValueError, RecursionError):
        return {}


def _items(raw: Any, key: str) -> list[dict[str, Any]]:
    value = raw.get(key) if isinstance(raw, dict) else None
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def _install(raw: dict[str, Any]) -> Install | None:
    agent, scope, file = raw.get("agent"), raw.get("scope"), raw.get("file")
    if agent not in AGENT_NAMES or scope not in ("local", "project", "user") or not absolute(file):
        return None
    folders = [f for f in raw.get("folders") or [] if absolute(f)]
    exclude = raw.get("exclude") if isinstance(raw.get("exclude"), dict) else {}
    return Install(agent, scope, str(file), Added.from_json(raw.get("added")), folders, exclude or {})


def _block(raw: dict[str, Any]) -> Block | None:
    agent, file, separator = raw.get("agent"), raw.get("file"), raw.get("separator", "")
    if agent not in AGENT_NAMES or not absolute(file) or separator not in ("", "\n", "\n\n"):
        return None
    return Block(agent, str(file), instructions.Added(separator, raw.get("created") is True))


def absolute(value: object) -> bool:
    return isinstance(value, str) and os.path.isabs(value) and "\0" not in value


def save(repo: Repo, record: RepoRecord) -> None:
    """Write the record (only when it changes); with nothing in it, it goes."""
    where = record_path(repo)
    if not record.installs and not record.blocks and not record.mcp:
        with contextlib.suppress(FileNotFoundError):
            os.remove(where)
        return
    data = {
        "version": RECORD_VERSION,
        "installs": [i.as_json() for i in record.installs],
        "instructions": [
            {"agent": b.agent, "file": b.file, "separator": b.added.separator, "created": b.added.created}
            for b in record.blocks
        ],
    }
    if record.mcp:
        data["mcp"] = [m.as_json() for m in record.mcp]
    _write_json(where, data)


def _write_json(where: str, data: Any) -> None:
    text = (json.dumps(data, indent=2) + "\n").encode("utf-8")
    if read(where) == text:
        return
    with filesystem(os.path.dirname(where)), making(where):
        os.makedirs(os.path.dirname(where), exist_ok=True)
        write_file(where, text, 0o644)


@dataclass
class Shared:
    """A user file's entry in the user's record: what went into it, and who asked."""

    agent: AgentName
    added: Added
    repos: list[str]  # common dirs
    folders: list[str] = field(default_factory=list)


class UserRecord:
    """``$XDG_STATE_HOME/git-session/agents-installed``: the user files' entries."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.path = os.path.join(user_state_dir(environ), RECORD_NAME)
        raw = _json(read(self.path))
        files = raw.get("files") if isinstance(raw, dict) else None
        self.files: dict[str, Shared] = {}
        for name, entry in files.items() if isinstance(files, dict) else []:
            if absolute(name) and isinstance(entry, dict) and entry.get("agent") in AGENT_NAMES:
                repos = [r for r in entry.get("repos") or [] if absolute(r)]
                folders = [f for f in entry.get("folders") or [] if absolute(f)]
                self.files[name] = Shared(entry["agent"], Added.from_json(entry.get("added")), repos, folders)
        found = (McpInstall.from_json(x) for x in _items(raw, "mcp"))
        self.mcp: dict[str, McpInstall] = {m.file: m for m in found if m is not None}

    def save(self) -> None:
        if not self.files and not self.mcp:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
            return
        files = {
            name: {"agent": s.agent, "added": s.added.as_json(), "repos": s.repos, "folders": s.folders}
            for name, s in self.files.items()
        }
        data: dict[str, Any] = {"version": RECORD_VERSION, "files": files}
        if self.mcp:
            data["mcp"] = [m.as_json() for m in self.mcp.values()]
        _write_json(self.path, data)


@contextlib.contextmanager
def user_lock(environ: Mapping[str, str]) -> Iterator[None]:
    """Installs into the user's files, from any repository, take turns."""
    folder = user_state_dir(environ)
    with filesystem(folder), making(folder):
        os.makedirs(folder, exist_ok=True)
        handle = open(os.path.join(folder, USER_LOCK), "a")  # noqa: SIM115 - held until the end of the block
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def users_of(shared: Shared, path: str) -> list[str]:
    """The repositories still using a user file: they exist and their record names it."""
    return [common for common in shared.repos if any(i.file == path for i in _record_at(common).installs)]


def _record_at(common_dir: str) -> RepoRecord:
    raw = _json(read(str(paths.private_dir_of(common_dir) / RECORD_NAME)))
    mcp = [m for m in (McpInstall.from_json(x) for x in _items(raw, "mcp")) if m is not None]
    return RepoRecord([i for i in (_install(x) for x in _items(raw, "installs")) if i is not None], [], mcp)


def mcp_users_of(entry: McpInstall) -> list[str]:
    """The repositories still using a user file's MCP registration: they exist and their record names it."""
    return [common for common in entry.repos if any(m.file == entry.file for m in _record_at(common).mcp)]
