"""Typed names for git things, and the one place the ref namespace is defined."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from git_session.errors import UserError

SESSIONS_PREFIX = "refs/sessions/"
NOTES_REF = "refs/notes/sessions"
REMOTE_SESSIONS_PREFIX = "refs/session-remotes/"
# Entries added with --private live in a layer of their own, beside the session and
# outside every refspec git-session pushes: they never leave this repository.
PRIVATE_PREFIX = "refs/session-private/"
# Where `doctor --fix` moves a ref whose history lost objects and cannot be restored from
# its reflog (refs/session-broken/sessions/…, …/session-private/…): out of every command's way.
BROKEN_PREFIX = "refs/session-broken/"

# The one object-id pattern: a full object name, SHA-1 or SHA-256, in lower-case hex.
OBJECT_ID_PATTERN = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
SHA1_HEX = 40  # pygit2 reads SHA-1 repositories only (a SHA-256 one is refused): git writes these here
# The one session and entry id pattern: 26 characters of lower-case Crockford base32 (the awk
# program of the hooks repeats it: a test pins the copy). New ids are random in every
# character (store.new_id); ids written before were ULIDs (a timestamp, then randomness),
# which the same pattern accepts. Nothing orders by id: time order is the operation's stamp.
ID_CHARS = "0-9a-hjkmnp-tv-z"
ID_LENGTH = 26
ID_PATTERN = re.compile(f"[{ID_CHARS}]{{{ID_LENGTH}}}")
ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # the 32 characters of ID_CHARS, in order
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_BRANCH_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # what BranchName.key() makes (at most 51): no `..`, short


class ObjectId(str):
    """A full hexadecimal git object name."""

    @classmethod
    def of(cls, value: str) -> ObjectId:
        if not OBJECT_ID_PATTERN.fullmatch(value):
            raise UserError(f"not a full object id: {value!r}")
        return cls(value)

    @staticmethod
    def is_full(value: str) -> bool:
        """Whether ``value`` is a full hexadecimal object name (never an option, a range or a ref)."""
        return OBJECT_ID_PATTERN.fullmatch(value) is not None

    @staticmethod
    def is_sha1(value: str) -> bool:
        """Whether ``value`` is a full SHA-1 name: what git writes in this repository's own
        files (reflogs, what hooks are given); anything else there is not an object id."""
        return len(value) == SHA1_HEX and ObjectId.is_full(value)


class Ulid(str):
    """A random, coordination-free id (lower-case Crockford base32); older ones are ULIDs."""

    @classmethod
    def of(cls, value: str) -> Ulid:
        if not ID_PATTERN.fullmatch(value):
            raise UserError(f"not a valid id: {value!r}")
        return cls(value)

    @staticmethod
    def looks_like_prefix(value: str) -> bool:
        return bool(value) and ID_PATTERN.fullmatch(value.ljust(ID_LENGTH, "0")) is not None


class BranchName(str):
    """A branch's short name, exactly as git spells it (``feature/x``)."""

    @classmethod
    def of(cls, value: str) -> BranchName:
        if not value or (value.startswith("refs/") and not value.startswith("refs/heads/")):
            raise UserError(f"not a branch name: {value!r}")
        return cls(value.removeprefix("refs/heads/"))

    def key(self) -> str:
        """A readable slug plus a hash of the exact name: never two branches on one path."""
        digest = hashlib.sha1(self.encode("utf-8", "surrogateescape")).hexdigest()[:10]
        readable = slug(self, 40)
        return f"{readable}-{digest}" if readable else digest


class SessionRef(str):
    """``refs/sessions/<branch-key>/<session-id>``: where one session lives."""

    @classmethod
    def of(cls, value: str) -> SessionRef:
        rest = value.removeprefix(SESSIONS_PREFIX)
        parts = rest.split("/")
        if (
            rest == value
            or len(parts) != 2
            or not _BRANCH_KEY.fullmatch(parts[0])
            or not ID_PATTERN.fullmatch(parts[1])
        ):
            raise UserError(f"not a session ref: {value!r}")
        return cls(value)

    @staticmethod
    def is_branch_key(name: str) -> bool:
        """Whether ``name`` may be the folder of a branch's sessions (``refs/sessions/<name>/``)."""
        return _BRANCH_KEY.fullmatch(name) is not None

    @classmethod
    def for_session(cls, branch: BranchName, session_id: Ulid) -> SessionRef:
        return cls(f"{SESSIONS_PREFIX}{branch.key()}/{session_id}")

    @property
    def session_id(self) -> Ulid:
        return Ulid(self.rsplit("/", 1)[1])

    @property
    def branch_key(self) -> str:
        return self.removeprefix(SESSIONS_PREFIX).split("/", 1)[0]

    @property
    def private_layer(self) -> SessionRef:
        """``refs/session-private/<branch-key>/<session-id>``: the session's private entries."""
        return SessionRef(PRIVATE_PREFIX + self.removeprefix(SESSIONS_PREFIX))


def slug(text: str, limit: int | None = None) -> str:
    """The one slug rule (branch keys, title lookups, ADR file names): ASCII letters and digits
    in lower case, every other run of characters one ``-``; at most ``limit`` characters, and
    never a ``-`` at either end. Empty when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    made = _SLUG_DROP.sub("-", ascii_text.lower()).strip("-")
    return made if limit is None else made[:limit].strip("-")


def branch_prefix(branch: BranchName) -> str:
    return f"{SESSIONS_PREFIX}{branch.key()}/"
