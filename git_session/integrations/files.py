"""Small file-system and git helpers the integrations share.

Every read here never waits and never follows a surprise (a FIFO in a hooks folder, a
record named by another repository); every write is atomic, with exactly the mode asked.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

from git_session import gitcli
from git_session.errors import UserError
from git_session.gitrepo import Repo, replace_file, shared_file_mode


@dataclass(frozen=True)
class ConfigOrigin:
    """A config value and where it is set (``git config --show-origin``)."""

    value: str
    origin: str


def git(repo: Repo, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return gitcli.run(args, git_dir=repo.git_dir, cwd=cwd(repo), check=check)


def cwd(repo: Repo) -> str:
    return repo.workdir or repo.git_dir


def config_origin(repo: Repo, key: str) -> ConfigOrigin | None:
    result = git(repo, "config", "--show-origin", "--get", key, check=False)
    origin, tab, value = result.stdout.rstrip("\n").partition("\t")
    return ConfigOrigin(value, origin) if result.returncode == 0 and tab else None


def same_dir(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def same_file(a: str, b: str) -> bool:
    try:
        return os.path.samestat(os.lstat(a), os.lstat(b))
    except OSError:
        return False


def inside(path: str, folder: str) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(folder)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def inside_repo(repo: Repo, folder: str) -> bool:
    return any(inside(folder, top) for top in (repo.common_dir, repo.workdir) if top)


def listdir(folder: str) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def read(path: str, limit: int = -1) -> bytes | None:
    """A regular file's bytes (the first ``limit``), or None. Never waits: a hooks folder, or
    a record named by another repository's entry in one, may hold a FIFO."""
    try:
        with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK)) as handle:
            return handle.read(limit) if stat.S_ISREG(os.fstat(handle.fileno()).st_mode) else None
    except OSError:
        return None


def head(path: str) -> bytes:
    """The start of a file, enough to find markers; empty if it cannot be read."""
    return read(path, 65536) or b""


def executable(path: str) -> bool:
    return os.access(path, os.X_OK)


def why_read_only(path: str, name: str) -> str:
    """What to do to write at ``path`` (``name`` in the hint: "it", "the folder"); "" when it
    may be written, or is not there. A file or folder whose owner took away their own write
    bit is read-only for every user, root too (for whom ``os.access`` says yes): they asked
    that no tool change it."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    if not mode & stat.S_IWUSR:
        return f"make {name} writable (chmod u+w), and run the command again"
    if not os.access(path, os.W_OK):
        return (
            f"make {name} writable for you (it is another user's, or on a read-only file system), "
            "and run the command again"
        )
    return ""


def where_made(folder: str) -> str:
    """``folder`` if it is there, else the nearest folder holding it that is: the one making
    it writes in (``os.makedirs``), to be checked (``why_read_only``) before anything is made."""
    folder = os.path.abspath(folder)
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    return folder


def remove_empty_folder(folder: str) -> bool:
    """Remove ``folder`` if it is empty and the folder holding it may be written (``why_read_only``:
    root too may not take an entry out of a folder its owner made read-only); whether it went."""
    if why_read_only(os.path.dirname(os.path.abspath(folder)), "the folder"):
        return False
    try:
        os.rmdir(folder)
    except OSError:
        return False
    return True


def write_file(path: str, data: bytes, mode: int) -> None:
    """Write atomically (``replace_file``: a temporary file beside, then renamed), with
    exactly ``mode`` (in a shared repository's git dir: widened as git widens its own,
    ``shared_file_mode``); durable (the user's own text is in these files: a crash after the
    rename never leaves the name with no bytes)."""
    replace_file(path, data, shared_file_mode(path, mode), durable=True)


@contextlib.contextmanager
def filesystem(folder: str) -> Iterator[None]:
    """File-system failures (permissions, a file where a folder should be) as user errors."""
    try:
        yield
    except OSError as exc:
        raise UserError(
            f"cannot write in {folder}: {exc.strerror or exc}", "check the folder's permissions and try again"
        ) from None
