"""The record of what install added, and the lock that makes installs take turns.

What install added (config values that were absent, the hooks directories written, and
which of those it created) is
recorded in ``<common-dir>/git-session/hooks-installed`` (JSON), so that ``uninstall``
removes exactly that and leaves the values a user had alone. The file's presence also
tells the rest of git-session that the hooks are wired (see ``trailers.hooks_installed``).
Folders inside the repository are recorded relative to its common dir (a copy made with
``cp -a`` never names the original's). Each integration adds to and forgets its own part.
Installs, uninstalls and repairs of one repository take turns (``install_lock``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from git_session import codec, paths
from git_session.errors import Advice, UserError
from git_session.gitrepo import Repo
from git_session.integrations.files import filesystem, inside_repo, read, write_file
from git_session.integrations.settings import OURS

STATE_VERSION = 1
INSTALL_LOCK_WAIT = 30.0  # seconds another install may hold the lock

Pair = tuple[str, str]


@dataclass(frozen=True)
class State:
    hooks_dirs: tuple[str, ...] = ()  # absolute
    config: tuple[Pair, ...] = ()  # only values git-session sets (settings.OURS)
    created: tuple[str, ...] = ()  # hooks folders install made: uninstall removes <common-dir>/hooks if empty


def path(repo: Repo) -> str:
    return str(paths.installed_marker(repo))


def path_in(common_dir: str) -> str:
    """The record of the repository at ``common_dir`` (another one, sharing a hooks folder)."""
    return str(paths.private_dir_of(common_dir) / paths.INSTALLED_MARKER)


def load(repo: Repo) -> State:
    return read_record(path(repo), repo.common_dir)


def read_record(record: str, common_dir: str) -> State:
    """The record at ``record``; its hooks folders are relative to ``common_dir`` (or absolute, outside it)."""
    try:
        raw: Any = codec.loads(read(record) or b"")
    except ValueError:  # not JSON, or nested too deeply
        return State()
    if not isinstance(raw, dict):
        return State()
    dirs = _folders(raw, "hooks_dirs", common_dir)
    created = [d for d in _folders(raw, "created_dirs", common_dir) if d in dirs]
    # the record names nothing else to remove
    pairs = [(p[0], p[1]) for p in _list(raw, "config") if _is_pair(p) and (p[0], p[1]) in OURS]
    return State(dirs, tuple(pairs), tuple(created))


def _folders(raw: dict[str, Any], key: str, common_dir: str) -> tuple[str, ...]:
    names = [d for d in _list(raw, key) if isinstance(d, str) and d and "\0" not in d]
    return tuple(os.path.normpath(os.path.join(common_dir, d)) for d in names)


def _list(raw: dict[str, Any], key: str) -> list[Any]:
    """A list of the record (edited by hand, or another repository's): anything else is none."""
    value = raw.get(key)
    return value if isinstance(value, list) else []


def _is_pair(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(x, str) for x in value)


def add(
    repo: Repo,
    hooks_dir: str | None,
    config: Sequence[Pair] = (),
    dropped: Sequence[Pair] = (),
    *,
    created: bool = False,
) -> None:
    """Add to the record (and take out what was ``dropped``); the file is rewritten only
    when it changes (installing twice changes nothing). ``created``: install made ``hooks_dir``."""
    state = load(repo)
    new = [hooks_dir] if hooks_dir else []
    dirs = tuple(dict.fromkeys([*state.hooks_dirs, *new]))
    made = tuple(dict.fromkeys([*state.created, *(new if created else [])]))
    pairs = tuple(p for p in dict.fromkeys([*state.config, *config]) if p not in dropped)
    _write(repo, State(dirs, pairs, made))


def forget(repo: Repo, *, hooks_dirs: bool = False, config: bool = False) -> None:
    """Take a part out of the record; with nothing left in it, the record goes (and with it
    the sign that git-session is installed)."""
    left = load(repo)
    if hooks_dirs:
        left = replace(left, hooks_dirs=(), created=())
    if config:
        left = replace(left, config=())
    if left.hooks_dirs or left.config:
        _write(repo, left)
        return
    with contextlib.suppress(FileNotFoundError):
        os.remove(path(repo))


def _write(repo: Repo, state: State) -> None:
    data: dict[str, object] = {
        "version": STATE_VERSION,
        "hooks_dirs": [_stored(repo, d) for d in state.hooks_dirs],
        "config": [list(p) for p in state.config],
    }
    if state.created:  # absent otherwise: a record written before it existed stays byte for byte
        data["created_dirs"] = [_stored(repo, d) for d in state.created]
    text = (json.dumps(data, indent=2) + "\n").encode("utf-8")
    where = path(repo)
    if read(where) == text:
        return
    with filesystem(os.path.dirname(where)):
        os.makedirs(os.path.dirname(where), exist_ok=True)
        write_file(where, text, 0o644)


def _stored(repo: Repo, folder: str) -> str:
    """A hooks folder as the record keeps it: relative to the common dir when it is this
    repository's, so that a copy of the repository (cp -a) never names the original's."""
    if inside_repo(repo, folder):
        return os.path.relpath(os.path.realpath(folder), os.path.realpath(repo.common_dir))
    return folder


@contextlib.contextmanager
def install_lock(repo: Repo) -> Iterator[None]:
    """One install, uninstall or repair at a time per repository (its worktrees included):
    each reads the hooks, the config and the record, then writes them. An flock, so that a
    process that dies never leaves it held."""
    lock = paths.install_lock(repo)
    with filesystem(str(lock.parent)):
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "a")  # noqa: SIM115 - held until the end of the block
    with handle:
        deadline = time.monotonic() + INSTALL_LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise UserError(
                        "another install, uninstall or repair is running here", advice=Advice.INSTALL_RUNNING
                    ) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
