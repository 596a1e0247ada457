"""The exception tree. Caught once, at the CLI boundary, and mapped to exit codes."""

from __future__ import annotations

from collections.abc import Sequence

EXIT_USER = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_GIT = 4
EXIT_CONFLICT = 5
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
