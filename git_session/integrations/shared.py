"""Hooks folders shared by several repositories (``core.hooksPath`` outside a repository).

A folder outside the repository is shared by every repository that installed there, each
registered in its ``.git-session-repositories/`` (the repository whose work tree holds the
folder counts without registering), and keeps the hooks while another one still uses them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re

import pygit2

from git_session.errors import UserError
from git_session.gitrepo import Repo, making
from git_session.integrations import record
from git_session.integrations.files import inside_repo, listdir, read, same_dir, write_file

USERS_FOLDER = ".git-session-repositories"  # in a hooks folder outside a repository: who installed there
_USER_ENTRY = re.compile(r"[0-9a-f]{40}")  # an entry's name: the SHA-1 of a common dir (_user_file)


def ours(repo: Repo, folder: str) -> bool:
    """A hooks folder this repository may clean: inside it, or one it registered in."""
    return inside_repo(repo, folder) or os.path.exists(_user_file(repo, folder))


def _users_folder(folder: str) -> str:
    return os.path.join(folder, USERS_FOLDER)


def _user_file(repo: Repo, folder: str) -> str:
    """This repository's entry among the users of a hooks folder: named by a hash of its git dir."""
    common = os.path.realpath(repo.common_dir)
    return os.path.join(_users_folder(folder), hashlib.sha1(common.encode("utf-8", "surrogateescape")).hexdigest())


def register(repo: Repo, folder: str) -> None:
    """Note in a hooks folder outside the repository that this repository installed there."""
    if inside_repo(repo, folder):
        return
    users, path = _users_folder(folder), _user_file(repo, folder)
    if os.path.islink(users):  # written by whoever shares the folder: never followed
        raise UserError(f"{users} is a symbolic link", "git-session lists its repositories there: remove it")
    text = (os.path.realpath(repo.common_dir) + "\n").encode("utf-8", "surrogateescape")
    with making(path):  # (a folder outside the repository: the user's umask)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if read(path) != text:
            write_file(path, text, 0o644)


def unregister(repo: Repo, folder: str) -> tuple[str, ...]:
    """Take this repository out of a hooks folder's users; returns the others that still use it
    (their install record names the folder). Entries of repositories that do not are removed."""
    users = _users_folder(folder)
    if os.path.islink(users):
        return ()  # not a list git-session made: nothing is removed through it
    with contextlib.suppress(FileNotFoundError):
        os.remove(_user_file(repo, folder))
    others = []
    for name in listdir(users):
        path = os.path.join(users, name)
        if not _USER_ENTRY.fullmatch(name) or os.path.islink(path) or not os.path.isfile(path):
            continue  # not an entry (another user's file, or a link): left alone
        common = (read(path) or b"").decode("utf-8", "surrogateescape").strip()
        if common and os.path.isabs(common) and _uses(common, folder):
            others.append(common)
        else:
            with contextlib.suppress(OSError):
                os.remove(path)
    with contextlib.suppress(OSError):
        os.rmdir(users)  # only when empty
    holder = _holder(folder)  # never registered there: the folder is its own
    if holder is not None and not same_dir(holder, repo.common_dir) and _uses(holder, folder):
        others.append(holder)
    return tuple(sorted(set(others)))


def _holder(folder: str) -> str | None:
    """The common dir of the repository whose work tree (or git dir) holds ``folder``."""
    try:
        found = pygit2.discover_repository(folder)
        return os.path.realpath(Repo(pygit2.Repository(found)).common_dir) if found else None
    except (pygit2.GitError, OSError, ValueError):
        return None


def _uses(common_dir: str, folder: str) -> bool:
    """Whether the repository at ``common_dir`` has git-session installed in ``folder``."""
    state = record.read_record(record.path_in(common_dir), common_dir)
    return any(same_dir(d, folder) for d in state.hooks_dirs)
