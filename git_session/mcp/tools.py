"""The MCP server's tools, resources and prompt as plain functions over the core.

Each call opens the repository afresh (config, state and clock read then, never kept from
an earlier call), calls what the command line calls — the same rules, ids, validation,
compare-and-swap writes and private entries — and returns the text the agent reads. No
MCP SDK here: ``server`` wires these into it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from git_session import brief, queries, render, secrets
from git_session.agents import follow
from git_session.errors import SessionError, UserError, file_system_error
from git_session.mcp.hints import error_text
from git_session.model import SESSION, TRANSITIONS
from git_session.sessions import Found, Workspace

VIEWS = ("status", "brief", "show")
HANDOFF_FORMATS = ("markdown", "json")
# The state changes of entries (done, reopen, drop, resolve), from the one table of them.
CHANGES = tuple(dict.fromkeys(t.verb for t in TRANSITIONS if t.subject != SESSION))
DEFAULT_MAX_CHARS = brief.DEFAULT_MAX_CHARS
_STYLE = re.compile("\x1b\\[[0-9;]*m")  # render's colours (texts themselves reach it made safe)
_ONE_AT_A_TIME = threading.Lock()  # the SDK runs tools on worker threads: calls go one by one, as commands


@dataclass(frozen=True)
class Reply:
    """A tool's answer: its text, and whether it is an error."""

    text: str
    error: bool = False


def call(action: Callable[[Workspace], str]) -> Reply:
    """Run ``action`` on the repository opened now (the commits the hooks recorded linked
    first, and copies of linked commits the branches gained linked too, as every command
    does); an error is its one line and hints, warnings follow."""
    from git_session import autoreattach

    warnings: list[str] = []
    with _ONE_AT_A_TIME:
        try:
            ws = follow.opened(warnings.append)
            autoreattach.follow_branches(ws)
            text = action(ws)
        except SessionError as exc:
            return Reply(error_text(exc), error=True)
        except OSError as exc:
            return Reply(error_text(file_system_error(exc)), error=True)
    # What the agent reads goes to its model provider: secrets masked, as the hooks inject them.
    return Reply(secrets.masked("\n".join([text.rstrip("\n"), *(f"warning: {w}" for w in warnings)]))[0])


def plain(text: str) -> str:
    return _STYLE.sub("", text)


def fit(text: str, max_chars: int) -> str:
    """``text`` within ``max_chars`` characters: whole lines, then a line saying how much was left out."""
    if len(text) <= max_chars:
        return text
    lines = text.splitlines()
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        note = f"… ({len(lines) - index} more lines: a larger max_chars shows them)"
        if used + len(line) + 1 + len(note) > max_chars:
            return "\n".join([*kept, note])[:max_chars]
        kept.append(line)
        used += len(line) + 1
    return text[:max_chars]


# --- tools ----------------------------------------------------------------------------


def read(ws: Workspace, view: str, session: str | None, max_chars: int) -> str:
    """A session at a glance (status), its brief, or everything in it (show)."""
    if view not in VIEWS:
        raise UserError(f"view {view!r} is none of: {', '.join(VIEWS)}")
    if max_chars < brief.MIN_MAX_CHARS:
        raise UserError(f"max_chars must be at least {brief.MIN_MAX_CHARS}")
    found = ws.find(session)
    if view == "brief":
        return brief_text(ws, found, max_chars)
    return fit(plain(_status(ws, found) if view == "status" else _show(ws, found)), max_chars)


def brief_text(ws: Workspace, found: Found, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    short = ws.short_session_id(found.handle.id)
    return brief.build(ws.store, found.handle, found.meta, short, max_chars).text


def _status(ws: Workspace, found: Found) -> str:
    glance = queries.status(ws, found)
    parent = ws.short_session_id(glance.meta.parent) if glance.meta.parent else ""
    lines = [render.status_text(glance.meta, glance.short_id, glance.open_items, glance.abbrev, parent)]
    for other in ws.others_open(found):
        lines.append(
            f"Also on this branch: session {ws.short_session_id(other.handle.id)} {render.quoted(other.meta.title)} "
            f"({other.meta.status}, by {render.clip(', '.join(other.meta.authors))}); work in it by passing session"
        )
    return "\n".join(lines)


def _show(ws: Workspace, found: Found) -> str:
    state = ws.store.state(found.handle, private=True)
    parent = ws.short_session_id(state.meta.parent) if state.meta.parent else ""
    short = ws.short_session_id(found.handle.id)
    return render.show_text(state, short, queries.abbrev_by_kind(state.entries), parent)


def record(
    ws: Workspace,
    kind: str,
    text: str,
    session: str | None = None,
    fields: dict[str, str | list[str] | None] | None = None,
    private: bool = False,
) -> str:
    """Add an entry of a kind a person or an agent records, with that kind's fields."""
    found, op = ws.record(session, kind, text, dict(fields or {}), private=private)
    label = ("private " if private else "") + ("next step" if kind == "next" else kind)
    return f"Added {label} {ws.short_entry_id(found, op.data['kind'], op.id)}"


def change(ws: Workspace, entry_id: str, action: str, note: str | None = None, session: str | None = None) -> str:
    """Mark an entry, named by any unambiguous prefix of its id, done, reopened, dropped or resolved."""
    changed = ws.change_entry(session, action, entry_id, note)
    entry = changed.entry
    assert entry is not None
    short = ws.short_entry_id(changed.found, entry.kind, entry.id)
    return f"{entry.kind.capitalize()} {short} {entry.status}: {render.clip(entry.text, 80)}"


def checkpoint(
    ws: Workspace,
    label: str | None = None,
    decision: str | None = None,
    rationale: str | None = None,
    session: str | None = None,
) -> str:
    """Save HEAD and a snapshot of the working tree (and a decision taken there)."""
    from git_session import checkpoints  # as the command line does: only when one is taken

    made = checkpoints.create(ws, session, label, decision, rationale)
    commit = made.checkpoint.commit
    head = f"HEAD {commit[:7]}" if commit else "no commit yet"
    short = ws.short_entry_id(made.found, "checkpoint", made.checkpoint.id)
    lines = [f"Saved checkpoint {short} {render.quoted(made.checkpoint.text)} ({head})"]
    if made.decision is not None:
        lines.append(f"Added decision {ws.short_entry_id(made.found, 'decision', made.decision.id)}")
    return "\n".join(lines)


def handoff_text(ws: Workspace, fmt: str = "markdown", session: str | None = None) -> str:
    """The handoff document of the session, as ``git session handoff`` renders it."""
    from git_session import handoff  # jinja2 and the history: only when one is asked for

    if fmt not in HANDOFF_FORMATS:
        raise UserError(f"format {fmt!r} is none of: {', '.join(HANDOFF_FORMATS)}")
    return handoff.handoff(ws, ws.find(session), fmt)


def sessions(ws: Workspace, query: str | None = None, remote: str | None = None, show_all: bool = False) -> str:
    """The sessions here (or those last fetched from ``remote``: a teammate's), newest
    first, those whose id, title, branch, summary, tasks or authors hold every word of ``query``."""
    listing = queries.sessions(ws, remote, show_all=show_all or bool(query))
    shown = [f for f in listing.sessions if query is None or queries.matches(f.meta, query)]
    rows = [plain(render.session_row(f.meta, listing.abbrev[f.handle.id])) for f in shown]
    return "\n".join(rows) or _none(len(listing.abbrev), remote, query)


def _none(total: int, remote: str | None, query: str | None) -> str:
    where = f"fetched from {remote}" if remote is not None else "here"
    if not total:
        return f"No sessions {where}" + (f" (git session fetch {remote} copies them)" if remote is not None else "")
    if query is not None:
        return f"No session {where} matches {query!r} ({total} in all)"
    return f"No open sessions {where} ({total} ended: all: true lists them)"
