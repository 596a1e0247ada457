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

_ULID = re.compile(r"[0-9a-hjkmnp-tv-z]{26}")
_HEX = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_BRANCH_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # what BranchName.key() makes (at most 51): no `..`, short


class ObjectId(str):
    """A full hexadecimal git object name."""

    @classmethod
    def of(cls, value: str) -> ObjectId:
        if not _HEX.fullmatch(value):
            raise UserError(f"not a full object id: {value!r}")
        return cls(value)

    @staticmethod
    def is_full(value: str) -> bool:
        """Whether ``value`` is a full hexadecimal object name (never an option, a range or a ref)."""
        return _HEX.fullmatch(value) is not None


class Ulid(str):
    """A time-ordered, random, coordination-free id (lower-case Crockford base32)."""

    @classmethod
    def of(cls, value: str) -> Ulid:
        if not _ULID.fullmatch(value):
            raise UserError(f"not a valid id: {value!r}")
        return cls(value)

    @staticmethod
    def looks_like_prefix(value: str) -> bool:
        return bool(value) and _ULID.fullmatch(value.ljust(26, "0")) is not None


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
        ascii_name = unicodedata.normalize("NFKD", self).encode("ascii", "ignore").decode()
        slug = _SLUG_DROP.sub("-", ascii_name.lower()).strip("-")[:40].strip("-")
        return f"{slug}-{digest}" if slug else digest


class SessionRef(str):
    """``refs/sessions/<branch-key>/<session-id>``: where one session lives."""

    @classmethod
    def of(cls, value: str) -> SessionRef:
        rest = value.removeprefix(SESSIONS_PREFIX)
        parts = rest.split("/")
        if rest == value or len(parts) != 2 or not _BRANCH_KEY.fullmatch(parts[0]) or not _ULID.fullmatch(parts[1]):
            raise UserError(f"not a session ref: {value!r}")
        return cls(value)

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


def branch_prefix(branch: BranchName) -> str:
    return f"{SESSIONS_PREFIX}{branch.key()}/"
