"""Findings of the secret scan acknowledged as no secret (``git session secrets allow``).

Each acknowledgement is an ``allow`` entry of a session, holding a finding's fingerprint
(a hash of its kind and text, never the text): it travels with the session, so the
teammate who pushes it next is not stopped by it either, and its journal says who
acknowledged what and when. A push leaves alone a finding acknowledged in the session
it is in; in the notes, which no one session owns, one acknowledged in any session.
"""

from __future__ import annotations

from collections.abc import Sequence

from git_session import settings
from git_session.errors import DataError, UserError
from git_session.gitrepo import Repo
from git_session.model import EntryKind
from git_session.names import SESSIONS_PREFIX, SessionRef
from git_session.secrets import FINGERPRINT_LENGTH, is_fingerprint
from git_session.sessions import Found, Workspace
from git_session.store import Handle, Store

KIND: EntryKind = "allow"


def allow(ws: Workspace, spec: str | None, prints: Sequence[str]) -> tuple[Found, list[str]]:
    """Acknowledge findings by fingerprint in a session; returns it and the fingerprints
    that were not acknowledged there before."""
    wanted = list(dict.fromkeys(p.strip().lower() for p in prints))
    bad = [p for p in wanted if not is_fingerprint(p)]
    if bad:
        raise UserError(
            f"not a finding's fingerprint: {bad[0]!r}",
            f"a fingerprint is {FINGERPRINT_LENGTH} hex digits, shown in brackets by a push that stopped",
        )
    found = ws.find(spec)
    known = {e.text for e in ws.store.entries(found.handle, KIND)}
    added = [p for p in wanted if p not in known]
    for fingerprint in added:
        found, _ = ws.add(spec, KIND, fingerprint)
    return found, added


class Allowed:
    """The fingerprints acknowledged in each session, read once when first asked."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._by_session: dict[str, frozenset[str]] | None = None

    def covers(self, session: str | None, fingerprint: str) -> bool:
        """Whether a finding is acknowledged in ``session`` (``None``: in any session), or for
        the whole repository (``secrets.allow`` in git config or ``.git-session/config.yaml``)."""
        if fingerprint in settings.of(self.repo).texts("secrets.allow"):
            return True
        if self._by_session is None:
            self._by_session = fingerprints(self.repo)
        if session is None:
            return any(fingerprint in prints for prints in self._by_session.values())
        return fingerprint in self._by_session.get(session, frozenset())


def fingerprints(repo: Repo) -> dict[str, frozenset[str]]:
    """Every session's acknowledged fingerprints, by session id."""
    store = Store(repo)
    found: dict[str, frozenset[str]] = {}
    for name, tip in repo.refs_with_prefix(SESSIONS_PREFIX):
        try:
            handle = Handle(SessionRef.of(name), tip)
            prints = frozenset(e.text for e in store.entries(handle, KIND))
        except (DataError, UserError):
            continue  # a session that cannot be read acknowledges nothing
        if prints:
            found[handle.id] = prints
    return found
