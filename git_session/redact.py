"""Taking an entry out of a session's history before it is pushed (``git session redact``)."""

from __future__ import annotations

from dataclasses import dataclass

from git_session.errors import UserError
from git_session.fold import target_entry
from git_session.model import Entry
from git_session.names import BranchName, ObjectId
from git_session.sessions import Found, Workspace


@dataclass(frozen=True)
class Redacted:
    entry: Entry
    short: str
    also_in: list[str]  # other entries whose text still contains the redacted text


def redact(ws: Workspace, found: Found, prefix: str) -> Redacted:
    """Rewrite the session's history without every operation on one entry.

    Refused when a remote's copy already holds one of those operations: the text has
    left, and rewriting here would only bring it back at the next pull.
    """
    entry = ws.find_entry(found, None, prefix)
    short = ws.short_entry_id(found, entry.kind, entry.id)
    if entry.values.get("private"):
        raise UserError(f"{entry.kind} {short} is private: it never leaves this repository")
    touching = {item.commit for item in ws.store.journal(found.handle) if target_entry(item.op) == entry.id}
    pushed = _remotes_holding(ws, found, touching)
    if pushed:
        raise UserError(
            f"{entry.kind} {short} was pushed to {', '.join(pushed)} already: redacting it here cannot take it back",
            "treat what it holds as leaked (revoke or rotate the secret); the remote's history keeps it",
        )
    ws.store.rewrite(found.handle.ref, lambda op: target_entry(op) != entry.id)
    rewritten = ws.find(found.handle.id)
    ws.refresh_trailers(BranchName(rewritten.meta.branch))
    return Redacted(entry, short, _also_in(ws, rewritten, entry))


def _remotes_holding(ws: Workspace, found: Found, commits: set[ObjectId]) -> list[str]:
    """The remotes that hold (or were sent) any of ``commits``."""
    from git_session.sharing import pushed_tips

    holders = set()
    for remote, tip in pushed_tips(ws.repo, found.handle.ref):
        if ws.repo.has_object(tip) and any(ws.repo.is_ancestor(c, tip) for c in commits):
            holders.add(remote)
    return sorted(holders)


def _also_in(ws: Workspace, found: Found, redacted: Entry) -> list[str]:
    """Entries that quote the redacted text (a handoff rendered at the end, say)."""
    text = redacted.text.strip()
    if len(text) < 8:
        return []
    state = ws.store.state(found.handle)
    return [
        f"{e.kind} {ws.short_entry_id(found, e.kind, e.id)}"
        for e in state.entries
        if any(isinstance(v, str) and text in v for v in e.values.values())
    ]
