"""The exception tree. Caught once, at the CLI boundary, and mapped to exit codes."""

from __future__ import annotations

import errno
from collections.abc import Sequence

EXIT_USER = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_GIT = 4
EXIT_CONFLICT = 5
EXIT_FILESYSTEM = 74  # sysexits' EX_IOERR
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class SessionError(Exception):
    """Base of every error git-session reports to a user."""

    exit_code = EXIT_USER

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UserError(SessionError):
    """Bad input or the wrong state for the command."""


class NotFoundError(UserError):
    """A session or entry that does not exist."""


class AmbiguousError(UserError):
    """A prefix or name that matches more than one thing."""


class DataError(SessionError):
    """Stored session data that is malformed or of a newer format."""

    exit_code = EXIT_DATA


class ConflictError(SessionError):
    """A ref kept moving under us; the write did not happen."""

    exit_code = EXIT_CONFLICT


class GitError(SessionError):
    """A git command or libgit2 call failed."""

    exit_code = EXIT_GIT

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        command: Sequence[str] = (),
        output: str = "",
        stderr: str = "",
    ) -> None:
        super().__init__(message, hint)
        self.command = tuple(command)
        self.output = output
        self.stderr = stderr


class FileSystemError(SessionError):
    """The file system refused: a full disk, a read-only repository, missing permissions."""

    exit_code = EXIT_FILESYSTEM


_WRITE_FAULTS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}
_HINTS = {
    errno.ENOSPC: "free some space, then run the command again",
    errno.EDQUOT: "free some space (a disk quota is full), then run the command again",
    errno.EROFS: "the file system is mounted read-only; reading commands still work",
    errno.EACCES: "check the permissions (and the owner) of that path",
    errno.EPERM: "check the permissions (and the owner) of that path",
}
# libgit2 reports the system's error as text only; these name the same faults.
_FAULT_TEXTS = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "Read-only file system": errno.EROFS,
    "Permission denied": errno.EACCES,
    "Operation not permitted": errno.EPERM,
}


def file_system_error(exc: OSError, doing: str | None = None) -> FileSystemError:
    """The one line a fault of the file system gets: ``cannot write PATH: No space left on device``.

    ``doing`` says what was attempted (``write the trailers``); by default it is
    guessed from the kind of fault.
    """
    code = exc.errno or next((c for text, c in _FAULT_TEXTS.items() if text in str(exc)), None)
    verb = doing or ("write" if code in _WRITE_FAULTS else "access")
    if exc.filename is not None and exc.strerror:
        message = f"cannot {verb} {exc.filename}: {exc.strerror}"
    else:
        message = f"cannot {verb}: {exc.strerror if exc.strerror else exc}"
    return FileSystemError(message[:500], _HINTS.get(code or 0))
