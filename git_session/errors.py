"""The exception tree. Caught once, at the CLI boundary, and mapped to exit codes.

An error's ``hint`` says what to do in words that hold for any front end. Advice that
names a front end's own syntax (a command, a flag) is not written here: the error carries
a ``code`` and the ``data`` that advice needs, and each front end renders it in its own
terms (``git_session.cli.hints`` for the command line).
"""

from __future__ import annotations

import enum
import errno
from collections.abc import Mapping, Sequence
from typing import NamedTuple

EXIT_USER = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_GIT = 4
EXIT_CONFLICT = 5
EXIT_FILESYSTEM = 74  # sysexits' EX_IOERR
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class Advice(enum.Enum):
    """What a front end should tell the user to do next, in its own syntax."""

    PASS_SESSION = "pass-session"  # no current branch: name the session
    SWITCH_OR_PASS_SESSION = "switch-or-pass-session"  # HEAD detached
    START_ONE = "start-one"  # no session on the branch
    CHOOSE_ONE = "choose-one"  # several open sessions could be yours
    THEIRS_OR_YOURS = "theirs-or-yours"  # data: short
    LIST_ALL_SESSIONS = "list-all-sessions"
    LIST_ENTRIES = "list-entries"  # data: kind
    SHOW_SESSION = "show-session"
    PAUSE_END_OR_WORK_IN_IT = "pause-end-or-work-in-it"  # another session is open on the branch
    CONTINUE_IN_NEW = "continue-in-new"  # data: short
    CLOCK_OR_NEW = "clock-or-new"  # an operation could not be read back; data: short
    RECORD_AS_SOURCE = "record-as-source"  # a text too long for an entry
    NAME_REMOTE = "name-remote"  # no remote to push to
    PUSH_LATER = "push-later"  # data: remote
    ADRS_FOR_ENDED = "adrs-for-ended"  # data: short, directory
    END_WITHOUT_ADR = "end-without-adr"  # the ADRs are written, the end failed
    END_WITHOUT_HANDOFF = "end-without-handoff"  # the handoff template failed
    TEMPLATE_WITH_JSON = "template-with-json"  # a template for the JSON format
    RATIONALE_WITHOUT_DECISION = "rationale-without-decision"
    WORK_TREE_NEEDED = "work-tree-needed"  # a bare repository
    NOT_A_REPOSITORY = "not-a-repository"
    RESTORE_PUT_BACK = "restore-put-back"  # the message names the undo checkpoint's restore
    RESTORE_NOT_PUT_BACK = "restore-not-put-back"  # the same, when putting the files back failed too
    # The secret scan stopped a push: what else it found, how to take the first out, that
    # nothing was sent, how to acknowledge what is no secret; one too large to scan.
    SECRET_ALSO = "secret-also"  # data: what, where, excerpt, fingerprint
    SECRET_REMOVE = "secret-remove"  # data: a remedy's (below), and "remedy": its value
    NOTHING_SENT = "nothing-sent"
    SECRET_ACKNOWLEDGE = "secret-acknowledge"  # data: prints (space-separated), session (or empty)
    TOO_LARGE_TO_SCAN = "too-large-to-scan"  # data: as SECRET_REMOVE
    # Remedies: what takes a secret out of what a push would send.
    REDACT_ENTRY = "redact-entry"  # data: entry, session
    REDACT_COMMIT = "redact-commit"  # a commit's subject: an entry of the session; data: session
    REDACT_NOTE = "redact-note"  # data: target
    ROTATE_FIELD = "rotate-field"  # a session's field: no redaction takes it out
    DOCTOR_LISTS_REFS = "doctor-lists-refs"  # a damaged ref file
    DOCTOR_FINDS_SESSIONS = "doctor-finds-sessions"  # missing or damaged objects; data: what
    # Installing: where git-session's hooks do not go unasked, and what to do instead.
    INSTALL_MANUAL_FOR = "install-manual-for"  # a hook manager owns the hooks folder; data: manager
    HOOKS_PATH_ROUTES = "hooks-path-routes"  # core.hooksPath is set; data: path, needs, config (lines)
    MOVE_ONE_AWAY = "move-one-away"  # a hook, and the chained copy it would become, both in place
    INSTALL_RUNNING = "install-running"  # another install, uninstall or repair holds the lock
    # What a front end adds to a line of a report: a doctor's finding, why a ref stays here.
    FIX_RESTORES = "fix-restores"  # a broken session: its reflog has a complete commit
    FIX_CHAINS = "fix-chains"  # a hook that is not ours is in place
    FIX_REPLACES = "fix-replaces"  # notes.rewriteRef as an older install set it
    INSTALL_FORCE_OR_MANUAL = "install-force-or-manual"  # core.hooksPath elsewhere, our hooks not there
    INSTALL_MANUAL_SHOWS = "install-manual-shows"  # a hook manager's configuration must call ours
    DOCTOR_EXAMINES = "doctor-examines"  # a ref that stays here, for doctor to look at


class Advised(NamedTuple):
    """One piece of advice and the values its text names (a session id, a remote)."""

    advice: Advice
    data: Mapping[str, str]


class SessionError(Exception):
    """Base of every error git-session reports to a user.

    ``advised`` is the advice (with its data) a front end renders, before ``hint``: this
    error's own ``advice`` first, then any passed along from an error it replaces.
    """

    exit_code = EXIT_USER

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        advice: Advice | None = None,
        data: Mapping[str, str] | None = None,
        advised: Sequence[Advised] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.advice = advice  # its own: only this may stand for the whole line (cli.hints.MESSAGES)
        own = (Advised(advice, dict(data or {})),) if advice is not None else ()
        self.advised: tuple[Advised, ...] = own + tuple(advised)


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
        advice: Advice | None = None,
        data: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, hint, advice=advice, data=data)
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
