"""Every setting of git-session, in one table: its value and where that value came from.

Three layers, the first that sets a key wins:

1. git config ``session.<name>`` (personal: ``git -c``, the worktree, the repository's
   ``.git/config``, the global and system files, as git reads them);
2. ``.git-session/config.yaml``, committed and shared by the team: the file of the work tree
   as it is now (what you edit is what applies, deleting it too); in a bare repository, the
   file in HEAD's tree;
3. the default.

The file is untrusted (it comes with every clone): it is read with ``yaml.safe_load``'s
safe constructors, at most ``MAX_FILE`` bytes, with no aliases and no deeper nesting than
``MAX_DEPTH``, never through a link that leads out of the repository. A fault in it is one
line ``FILE:LINE:COLUMN: what`` and the whole file is then left out; an unknown key or a
bad value is a warning of the same form and only that key is left out. A few keys are
personal only (``SHARED`` false): a cloned repository must not turn off your secret scan,
nor make your pushes push more; in the file they are warned about and ignored.

The settings are read once per opened repository (``of``). A long-running server opens the
repository per request, so an edit of the file or of git config reaches its next request.
"""

from __future__ import annotations

import os
import re
import stat
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeAlias

from git_session import paths
from git_session.gitrepo import Repo, config_bool
from git_session.integrations.agent_clients import AGENT_NAMES

if TYPE_CHECKING:
    import yaml

CONFIG_FILE = paths.SHARED_CONFIG
MAX_FILE = 64 * 1024  # bytes of config.yaml read; a larger file is refused unread
MAX_DEPTH = 8  # nested mappings and lists in config.yaml
MAX_CONTEXT_FILE = 16 * 1024  # bytes of one context file (brief.context) read; the rest is cut
MAX_CONTEXT_FILES = 16
GIT_PREFIX = "session."

Value: TypeAlias = "str | int | bool | tuple[str, ...] | None"
Kind = Literal["text", "number", "flag", "list", "choice", "key"]
_TRAILER_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


class Key(NamedTuple):
    """One setting: its name (git config ``session.<name>``, the same path in the file),
    what it holds, its default, and what it means."""

    name: str
    kind: Kind
    default: Value
    meaning: str
    choices: tuple[str, ...] = ()
    shared: bool = True  # False: git config only
    minimum: int | None = None

    @property
    def git_key(self) -> str:
        return GIT_PREFIX + self.name


def _agent_keys() -> list[Key]:
    keys: list[Key] = []
    for agent in AGENT_NAMES:
        keys.append(Key(f"{agent}.budget", "number", None, f"characters of the brief given to {agent}", minimum=200))
        keys.append(
            Key(f"{agent}.noSession", "choice", "hint", f"{agent} with no session: a hint or nothing", ("hint", "none"))
        )
    return keys


KEYS: tuple[Key, ...] = (
    Key("trailer.id", "key", "Session-Id", "the trailer naming the session"),
    Key("trailer.objectives", "key", "Session-Objectives", "the trailer of each objective"),
    Key("trailer.decisions", "key", "Decisions", "the trailer of each new decision"),
    Key("mergeTrailers", "flag", False, "trailers on merge commits too"),
    Key("brief.maxChars", "number", 4000, "characters of a brief when no other budget is asked for", minimum=40),
    Key("brief.context", "list", (), "files of the repository shown in briefs and handoffs"),
    *_agent_keys(),
    Key("remote", "text", None, "the remote push, fetch and pull use"),
    Key(
        "pushCheck",
        "choice",
        "block",
        "a secret in pushed commits: block, warn or off",
        ("block", "warn", "off"),
        shared=False,
    ),
    Key("autoPush", "flag", False, "git push also pushes the branch's sessions", shared=False),
    Key("hookTimeout", "number", 20, "seconds the hooks wait for git-session (0: no limit)", shared=False, minimum=0),
    Key("secrets.allow", "list", (), "fingerprints of secret-scan findings that are no secret"),
    Key("templateDir", "text", None, "the folder of handoff templates"),
    Key(
        "report.format",
        "choice",
        None,
        "report's format (else from -o's suffix, else text)",
        ("text", "markdown", "json", "html"),
    ),
    Key("report.since", "text", None, "report's period when none is given (a date, or e.g. '30 days ago')"),
)
BY_NAME: Mapping[str, Key] = {key.name: key for key in KEYS}


class Setting(NamedTuple):
    key: Key
    value: Value
    origin: str  # "default", "git config (local)", ".git-session/config.yaml:3:5"


@dataclass(frozen=True)
class Settings:
    """The effective settings, and what was said about the layers they came from."""

    values: Mapping[str, Setting]
    warnings: tuple[str, ...] = ()  # FILE:LINE:COLUMN: … (unknown keys, bad values)
    fault: str | None = None  # the file could not be read: FILE:LINE:COLUMN: …
    file: str | None = None  # the file read, as shown (None: there is none)

    def __getitem__(self, name: str) -> Setting:
        return self.values[name]

    def text(self, name: str) -> str | None:
        value = self.values[name].value
        return value if isinstance(value, str) else None

    def number(self, name: str) -> int | None:
        value = self.values[name].value
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def flag(self, name: str) -> bool:
        return self.values[name].value is True

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.values[name].value
        return value if isinstance(value, tuple) else ()


_READ: weakref.WeakKeyDictionary[Repo, Settings] = weakref.WeakKeyDictionary()


def of(repo: Repo) -> Settings:
    """The settings of an opened repository, read once."""
    found = _READ.get(repo)
    if found is None:
        found = _READ[repo] = load(repo)
    return found


def load(repo: Repo) -> Settings:
    source = _source(repo)
    fault: str | None = None
    placed: dict[str, tuple[Value, str]] = {}
    warnings: list[str] = []
    if source is not None:
        try:
            placed, warnings = _read_file(source)
        except ConfigFault as exc:
            fault = str(exc)
    values = {key.name: _effective(repo, key, placed, warnings) for key in KEYS}
    return Settings(values, tuple(warnings), fault, source.shown if source else None)


# --- the layers -------------------------------------------------------------------------


def _effective(repo: Repo, key: Key, placed: Mapping[str, tuple[Value, str]], warnings: list[str]) -> Setting:
    raw = repo.config_values(key.git_key)
    if raw:
        value, why = _from_git(key, raw)
        if why is None:
            return Setting(key, value, f"git config ({repo.config_origin(key.git_key) or 'set'})")
        warnings.append(f"git config {key.git_key}: {why} (ignored)")
    if key.name in placed:
        value, where = placed[key.name]
        return Setting(key, value, where)
    return Setting(key, key.default, "default")


def _from_git(key: Key, raw: Sequence[str | None]) -> tuple[Value, str | None]:
    if key.kind == "list":
        items = tuple(v.strip() for v in raw if v is not None and v.strip())
        return _checked(key, items)
    last = raw[-1]
    if key.kind == "flag":
        flag = config_bool(last)
        return (flag, None) if flag is not None else (None, f"{last!r} is not a boolean")
    if last is None:
        return None, "a value is needed"
    if key.kind == "number":
        try:
            return _checked(key, int(last.strip()))
        except ValueError:
            return None, f"{last!r} is not a whole number"
    return _checked(key, last.strip())


def _checked(key: Key, value: Any) -> tuple[Value, str | None]:
    """A value of the key's kind, or why it is none."""
    why = _CHECKS[key.kind](key, value)
    if why is not None:
        return None, why
    if key.kind == "choice":
        value = str(value).lower()
    if key.kind == "list":
        value = tuple(value)
    return value, None


def _check_text(key: Key, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "a non-empty text is needed"
    return None if "\n" not in value and len(value) <= 1000 else "one line of at most 1000 characters is needed"


def _check_key(key: Key, value: Any) -> str | None:
    ok = isinstance(value, str) and _TRAILER_KEY.fullmatch(value)
    return None if ok else "a trailer key is letters, digits and '-'"


def _check_number(key: Key, value: Any) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return "a whole number is needed"
    if key.minimum is not None and value < key.minimum:
        return f"at least {key.minimum} is needed"
    return None


def _check_flag(key: Key, value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false is needed"


def _check_choice(key: Key, value: Any) -> str | None:
    ok = isinstance(value, str) and value.lower() in key.choices
    return None if ok else f"one of {', '.join(key.choices)} is needed"


def _check_list(key: Key, value: Any) -> str | None:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
        return "a list of texts is needed"
    if key.name == "secrets.allow":
        from git_session.secrets import FINGERPRINT_LENGTH, is_fingerprint  # its patterns: only when asked

        bad = [v for v in value if not is_fingerprint(v)]
        return f"{bad[0]!r} is not a finding's fingerprint ({FINGERPRINT_LENGTH} hex digits)" if bad else None
    if key.name == "brief.context":
        bad = [v for v in value if not is_confined(v)]
        return f"{bad[0]!r} is not a path inside the repository" if bad else None
    return None


_CHECKS: Mapping[Kind, Callable[[Key, Any], str | None]] = {
    "text": _check_text,
    "key": _check_key,
    "number": _check_number,
    "flag": _check_flag,
    "choice": _check_choice,
    "list": _check_list,
}


# --- the file ---------------------------------------------------------------------------


class ConfigFault(Exception):
    """The file cannot be read at all: ``FILE:LINE:COLUMN: what``."""


class _Source(NamedTuple):
    shown: str  # the name in messages
    read: Callable[[], bytes]  # at most MAX_FILE + 1 bytes


def _source(repo: Repo) -> _Source | None:
    """The file of the work tree; in a bare repository, the one in HEAD's tree."""
    root = repo.workdir
    if root is not None:
        path = os.path.join(root, CONFIG_FILE)
        if not os.path.lexists(path):
            return None
        return _Source(CONFIG_FILE, lambda: _read_confined(root, CONFIG_FILE, MAX_FILE + 1, CONFIG_FILE))
    head = repo.head_commit()
    if head is None:
        return None
    entry = repo.entry_at(repo.commit(head).tree, CONFIG_FILE)
    if entry is None or entry.is_tree:
        return None
    shown = f"HEAD:{CONFIG_FILE}"
    return _Source(shown, lambda: _read_blob(repo, entry.id, shown))


def _read_blob(repo: Repo, blob: Any, shown: str) -> bytes:
    from git_session.errors import SessionError

    try:
        return repo.read_blob(blob, MAX_FILE)
    except SessionError:
        raise ConfigFault(f"{shown}:1:1: larger than {MAX_FILE // 1024} KiB, or unreadable: not read") from None


def _read_confined(root: str, relative: str, limit: int, shown: str) -> bytes:
    """At most ``limit`` bytes of a regular file below ``root``, never through a link that
    leads out of it, never a device or a pipe (a read that could hang)."""
    path = os.path.join(root, relative)
    real, top = os.path.realpath(path), os.path.realpath(root)
    if not real.startswith(top.rstrip(os.sep) + os.sep):
        raise ConfigFault(f"{shown}:1:1: a link to a file outside the repository: not read")
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ConfigFault(f"{shown}:1:1: cannot be read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigFault(f"{shown}:1:1: not a regular file: not read")
        if limit == MAX_FILE + 1 and info.st_size > MAX_FILE:
            raise ConfigFault(f"{shown}:1:1: larger than {MAX_FILE // 1024} KiB: not read")
        return os.read(fd, limit)
    finally:
        os.close(fd)


def _read_file(source: _Source) -> tuple[dict[str, tuple[Value, str]], list[str]]:
    """The values the file sets, each with where (``FILE:LINE:COLUMN``), and its warnings."""
    data = source.read()
    if len(data) > MAX_FILE:
        raise ConfigFault(f"{source.shown}:1:1: larger than {MAX_FILE // 1024} KiB: not read")
    text = _decoded(data, source.shown)
    root = _composed(text, source.shown)
    placed: dict[str, tuple[Value, str]] = {}
    warnings: list[str] = []
    if root is None:
        return placed, warnings
    for name, key_node, node in _leaves(root, source.shown):
        _place(name, key_node, node, source.shown, placed, warnings)
    return placed, warnings


def _decoded(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigFault(f"{shown}:{line}:{column}: not UTF-8 text") from None


def _yaml() -> Any:
    import yaml  # only when there is a file: most commands of most repositories never pay for it

    return yaml


def _composed(text: str, shown: str) -> yaml.Node | None:
    """The file's node tree, after a pass over its events that refuses aliases (a few lines
    of them expand to billions of nodes) and deep nesting, before anything is built."""
    from git_session import safeyaml  # (imports yaml: only when there is a file)

    yaml = _yaml()
    try:
        node = safeyaml.compose(text, aliases=False, max_depth=MAX_DEPTH, tags=safeyaml.PLAIN_TAGS)
    except safeyaml.YamlProblem as problem:
        raise ConfigFault(f"{shown}:{problem.line}:{problem.column}: {problem.message}") from None
    if node is not None and not isinstance(node, yaml.MappingNode):
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return None
        raise ConfigFault(f"{_at(shown, node)}: the file must be a mapping of keys to values")
    return node


def _mark(shown: str, mark: Any) -> str:
    return f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark is not None else f"{shown}:1:1"


def _at(shown: str, node: yaml.Node) -> str:
    return _mark(shown, node.start_mark)


def _leaves(node: yaml.Node, shown: str, prefix: str = "") -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """``(dotted name, value node)`` for each setting the mapping holds: a mapping below a
    name that is no setting is a section (``trailer: {id: …}`` is ``trailer.id``)."""
    yaml = _yaml()
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise ConfigFault(f"{_at(shown, key_node)}: a key must be a plain name")
        name = f"{prefix}{key_node.value}"
        if isinstance(value_node, yaml.MappingNode) and name not in BY_NAME:
            yield from _leaves(value_node, shown, name + ".")
        else:
            yield name, key_node, value_node


def _place(
    name: str,
    key_node: yaml.Node,
    node: yaml.Node,
    shown: str,
    placed: dict[str, tuple[Value, str]],
    warnings: list[str],
) -> None:
    where = _at(shown, node)
    key = BY_NAME.get(name)
    if key is None or not key.shared:
        where = _at(shown, key_node)
    if key is None:
        import difflib  # (here: an import the early answers need not pay, ISSUE14)

        near = difflib.get_close_matches(name, BY_NAME, n=1)
        warnings.append(f"{where}: unknown key {name!r}{f' (did you mean {near[0]!r}?)' if near else ''}: ignored")
        return
    if not key.shared:
        warnings.append(f"{where}: {name} is personal: set it with git config {key.git_key}; ignored here")
        return
    value = _constructed(node, shown)
    import datetime  # (here: an import the early answers need not pay)

    if key.kind == "text" and isinstance(value, (datetime.date, datetime.datetime)):
        value = node.value  # YAML reads 2024-01-01 as a date: the text as written is meant
    value, why = _checked(key, value)
    if why is not None:
        warnings.append(f"{where}: {name}: {why}; ignored")
        return
    placed[name] = (value, where)


def _constructed(node: yaml.Node, shown: str) -> Any:
    """A value node built by the safe constructors (a ``!!python/object`` tag is a fault)."""
    yaml = _yaml()
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigFault(f"{_mark(shown, mark)}: {exc.problem or 'cannot be read'}") from None
    finally:
        loader.dispose()


# --- context files ----------------------------------------------------------------------


def is_confined(path: str) -> bool:
    """Whether a path names a file inside the repository: relative, no ``..``, no empty part,
    no ``.git`` part (git's own files: a remote's URL may hold a token)."""
    parts = path.split("/")
    return (
        bool(path)
        and not path.startswith("/")
        and "\\" not in path
        and "\0" not in path
        and all(part not in ("", ".", "..") and part.lower() != ".git" for part in parts)
    )


@dataclass(frozen=True)
class ContextFile:
    path: str
    text: str
    cut: bool  # longer than MAX_CONTEXT_FILE: only its beginning


def context_files(repo: Repo, chosen: Settings | None = None) -> tuple[list[ContextFile], list[str]]:
    """The files ``brief.context`` names, read from the work tree (in a bare repository, from
    HEAD's tree), and one line for each that could not be read."""
    files: list[ContextFile] = []
    problems: list[str] = []
    for path in (chosen or of(repo)).texts("brief.context")[:MAX_CONTEXT_FILES]:
        try:
            data = _context_bytes(repo, path)
        except ConfigFault as exc:
            problems.append(str(exc))
            continue
        if data is None:
            problems.append(f"{path}: no such file")
            continue
        cut = len(data) > MAX_CONTEXT_FILE
        files.append(ContextFile(path, data[:MAX_CONTEXT_FILE].decode("utf-8", "replace"), cut))
    return files, problems


def _context_bytes(repo: Repo, path: str) -> bytes | None:
    root = repo.workdir
    if root is not None:
        if not os.path.lexists(os.path.join(root, path)):
            return None
        real = os.path.realpath(os.path.join(root, path))
        for private in {os.path.realpath(repo.git_dir), os.path.realpath(repo.common_dir)}:
            if real == private or real.startswith(private.rstrip(os.sep) + os.sep):
                raise ConfigFault(f"{path}:1:1: a link into the repository's .git folder: not read")
        return _read_confined(root, path, MAX_CONTEXT_FILE + 1, path).replace(b"\r\n", b"\n")
    head = repo.head_commit()
    entry = repo.entry_at(repo.commit(head).tree, path) if head else None
    if entry is None or entry.is_tree:
        return None
    return _read_blob(repo, entry.id, path)[: MAX_CONTEXT_FILE + 1]
