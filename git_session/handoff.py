"""Handoff documents: a plain context gathered from a session, rendered in jinja2's sandbox.

The context (what ``--format json`` prints) is built from the session state and the
branch history with each commit's session note (``history.py``: one ``git log`` of
``base..tip``, started first so that git works while the session is read). The
Deliverables are the session's own commits of that range (those linked to it: after ``git
rebase main`` the range also holds main's new commits, counted as ``left_out``); the
timeline places the entries and those commits between the start and the end (or now). The
Markdown and HTML are rendered from it by ``sandbox.py`` (times shown through the
``human_date`` filter; the JSON keeps ISO 8601). ``end`` stores the Markdown in
the session as a ``handoff`` entry (text, format, tip) in the same write as the status,
and ``handoff`` of that session then prints the very text stored.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from git_session import codec, model, views
from git_session.commitindex import commit_index
from git_session.errors import Advice, UserError
from git_session.fold import live_entries
from git_session.gitrepo import umask_for
from git_session.history import FileChange, HistoryCommit, Range, history_range, start_history
from git_session.model import ENDED_STATUSES, Entry, EntryKind, Meta, SessionState, priority_order
from git_session.names import ID_PATTERN, ObjectId
from git_session.notes import Notes, parse_lines
from git_session.sessions import Found, Workspace, abbreviate
from git_session.store import Draft, Handle, Store

if TYPE_CHECKING:  # jinja2 is imported only to render a template (not for the JSON)
    from git_session.sandbox import Template

FORMATS = ("markdown", "json", "html")
SCHEMA = "git-session-handoff/1"
_SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".json": "json"}
# The session state is read without the kinds no section shows: the commit entries (the
# range's history, one git log, shows the commits; which commit each entry links comes from
# the commit index, ``_linked_entries``), the stored handoffs (read apart: ``_latest``) and
# the allow-list entries.
_UNREAD: tuple[EntryKind, ...] = ("commit", "handoff", "allow")
_URL = re.compile(r"https?://[^\s<>\"'`]+")


def gather(
    ws: Workspace, found: Found, *, now: int | None = None, ending: tuple[str, str | None] | None = None
) -> dict[str, Any]:
    """Everything a handoff shows, as plain values.

    ``ending`` (status, reason) renders the session as it will be once ended: ``end``
    renders the handoff before the write that stores it with the new status.
    """
    handle = found.handle
    stored = _latest(ws.store.entries(handle, "handoff"))
    span = history_range(
        ws.repo, found.meta, _recorded_tip(stored), lambda: _linked(ws.store.entries(handle, "commit"))
    )
    pending = start_history(ws.repo, span)  # git works while the session is read
    state = ws.store.state(handle, without=_UNREAD)
    now = ws.now() if now is None else now
    session = _session_view(ws, state.meta, span, now, ending)
    context: dict[str, Any] = {
        "schema": SCHEMA,
        "generated": views.iso_time(now, state.meta.tz),
        "session": session,
        **_entry_sections(state),
    }
    context["progress"] = _progress(context["objectives"], session["current"])
    pending_commits = pending.commits()
    context["deliverables"] = _deliverables(ws, handle, span, pending_commits)
    context["related"] = _related(ws, found, state.meta)
    own = {c["sha"] for c in context["deliverables"]["commits"]}
    context["timeline"] = _timeline(state, [c for c in pending_commits if c.sha in own], ending is not None, now)
    context["metrics"] = _metrics(state.meta, now, context)
    return context


def _latest(entries: Sequence[Entry]) -> Entry | None:
    """The last of the entries (of the handoffs: should two clones both have ended the session)."""
    return max(entries, key=lambda e: e.added) if entries else None


def _linked(entries: Sequence[Entry]) -> list[str]:
    """The commits linked to the session, oldest first (those rewritten since left out)."""
    live = sorted(live_entries(entries), key=lambda e: e.added)
    return [str(e.values["commit"]) for e in live if e.values.get("commit")]


def _recorded_tip(stored: Entry | None) -> str | None:
    return stored.tip if stored is not None else None


def _session_view(
    ws: Workspace, meta: Meta, span: Range, now: int, ending: tuple[str, str | None] | None
) -> dict[str, Any]:
    view: dict[str, Any] = {**views.meta_view(meta)}  # the template's context: it adds to it
    view.pop("progress", None)
    view["short"] = ws.short_session_id(meta.id)
    view["tip"] = span.tip
    view["range"] = span.describe()
    view["ended"] = views.iso_time(meta.updated, meta.tz) if meta.status in ENDED_STATUSES else None
    if ending is not None:
        view["status"], view["reason"] = ending
        view["ended"] = view["updated"] = views.iso_time(now, meta.tz)
    return view


_SECTIONS: dict[str, EntryKind] = {
    "objectives": "objective",
    "decisions": "decision",
    "discoveries": "discovery",
    "blockers": "blocker",
    "next": "next",
    "notes": "note",
    "sources": "source",
    "checkpoints": "checkpoint",
}


def _entry_sections(state: SessionState) -> dict[str, list[dict[str, Any]]]:
    sections: dict[str, list[dict[str, Any]]] = {}
    for name, kind in _SECTIONS.items():
        short = abbreviate([e.id for e in state.of_kind(kind)])  # among the entries of its kind, as everywhere
        entries = live_entries(state.of_kind(kind))
        if kind == "next":
            entries.sort(key=priority_order)
        sections[name] = [{**views.entry_view(e), "short": short.get(e.id, e.id)} for e in entries]
    current = state.meta.current.strip().casefold()
    for item in sections["objectives"]:
        item["current"] = bool(current) and item["status"] == "open" and item["text"].strip().casefold() == current
    for item in sections["sources"]:
        item["url"] = item["text"] if _URL.fullmatch(item["text"]) else None
    for item in sections["checkpoints"]:
        for name in ("label", "commit", "snapshot"):
            item.setdefault(name, None)
    return sections


def _progress(objectives: list[dict[str, Any]], current: str) -> dict[str, Any]:
    """Done / in progress / remaining; the current step is in progress (an open objective
    with the same text is that step, not listed twice)."""
    matched = next((o for o in objectives if o["current"]), None)
    in_progress = [{"text": current, "objective": matched["id"] if matched else None}] if current else []
    return {
        "done": [o for o in objectives if o["status"] == "done"],
        "in_progress": in_progress,
        "remaining": [o for o in objectives if o["status"] == "open" and not o["current"]],
    }


def _deliverables(ws: Workspace, handle: Handle, span: Range, history: list[HistoryCommit]) -> dict[str, Any]:
    noted: dict[str, list[str]] = {}  # for this handoff only: nothing of a note outlives it
    shown = [_history_view(c, handle.id, noted) for c in history]
    seen = {c.sha for c in history}
    unnoted = {v["sha"] for v in shown if not v["linked"]}
    entry_shas, outside = _linked_entries(ws.store, handle, seen, unnoted)
    for view in shown:
        view["linked"] = view["linked"] or view["sha"] in entry_shas
    own = _own_commits(history, shown)
    commits = [v for v in shown if v["sha"] in own]
    # Only the entries of the few linked commits not in the range are shown (in the order
    # they were added, as the session lists them).
    outside.sort(key=lambda e: e.added)
    if outside:  # their notes are looked up here
        notes = Notes.current(ws.repo)
        for entry in outside:
            sha = str(entry.values["commit"])
            if sha not in seen:
                seen.add(sha)
                commits.append(_entry_commit_view(entry, notes, sha))
    return {
        "base": span.base,
        "tip": span.tip,
        "range": span.describe(),
        "left_out": len(history) - len(own),
        "files": _net_files([c for c in history if c.sha in own]),
        "commits": commits,
    }


def _linked_entries(store: Store, handle: Handle, seen: set[str], unnoted: set[str]) -> tuple[set[str], list[Entry]]:
    """What the session's commit entries (those not rewritten) add to the range's notes: the
    commits they link (of those in the range, only the ``unnoted`` ones need asking about),
    and the entries of the linked commits outside the range, which the handoff shows."""
    found = _from_index(store, handle, seen, unnoted)
    if found is not None:
        return found
    links = [link for link in store.commit_links(handle) if not link.rewritten]
    entries = (
        store.commit_entry(handle, link.entry_id) for link in links if link.commit and str(link.commit) not in seen
    )
    return {str(link.commit) for link in links}, [e for e in entries if e is not None]


def _from_index(store: Store, handle: Handle, seen: set[str], unnoted: set[str]) -> tuple[set[str], list[Entry]] | None:
    """``_linked_entries`` from the commit index (``commitindex.py``): only the entries it names
    with a commit outside the range, or unnoted, or no full commit id, are read, each checked
    to be what the index says; ``None`` when one is not (the store is then read)."""
    shas: set[str] = set()
    outside = []
    index = commit_index(store, handle)
    for commit, entry_id in index.pairs():
        if commit in seen and commit not in unnoted:
            continue  # its note links it already: whether an entry does too changes nothing
        entry = store.commit_entry(handle, entry_id) if ID_PATTERN.fullmatch(entry_id) else None
        if entry is None or entry.id != entry_id or not index.stands_for(commit, entry):
            return None
        if not entry.values.get("rewritten"):
            value = entry.values.get("commit")
            shas.add(str(value))
            if value and str(value) not in seen:
                outside.append(entry)
    return shas, outside


def _own_commits(history: list[HistoryCommit], shown: list[dict[str, Any]]) -> set[str]:
    """The session's own commits of the range: those linked to it (a commit entry, or a note
    naming it), as ``show --json`` lists them. After ``git rebase main`` the range from the
    recorded base holds main's new commits too, and a ``git merge`` brings others: not the
    session's. A range with no linked commit at all (the hooks were not installed, or the
    session came without its notes) is taken whole: nothing tells its commits apart."""
    linked = {str(v["sha"]) for v in shown if v["linked"]}
    return linked if linked else {c.sha for c in history}


def _history_view(commit: HistoryCommit, session_id: str, noted: dict[str, list[str]]) -> dict[str, Any]:
    """A commit of the range; ``linked`` here by its note alone (a commit entry may link it too).
    ``noted``: the sessions of each note met so far (consecutive commits often carry the same one)."""
    if commit.note not in noted:
        noted[commit.note] = _noted_sessions(commit.note)
    sessions = list(noted[commit.note])
    files = [_file_view(f) for f in commit.files]
    added = deleted = 0
    for change in commit.files:  # a loop, not two sums of generators: a thousand commits
        added += change.added or 0
        deleted += change.deleted or 0
    return {
        "sha": commit.sha,
        "short": commit.sha[:12],
        "subject": commit.subject,
        "author": f"{commit.author} <{commit.email}>",
        "date": commit.date,
        "merge": len(commit.parents) > 1,
        "trailers": [{"key": k, "value": v} for k, v in commit.trailers],
        "files": files,
        "added": added,
        "deleted": deleted,
        "sessions": sessions,
        "linked": session_id in sessions,
        "in_history": True,
    }


def _noted_sessions(note: str) -> list[str]:
    """The sessions a note names."""
    return _sessions(parse_lines([line.encode("utf-8") for line in note.split("\n")], "a note"))


def _entry_commit_view(entry: Entry, notes: Notes, sha: str) -> dict[str, Any]:
    return {
        "sha": sha,
        "short": sha[:12],
        "subject": entry.text,
        "author": entry.author,
        "date": views.iso_time(entry.created, entry.tz),
        "merge": False,
        "trailers": [],
        "files": [],
        "added": 0,
        "deleted": 0,
        "sessions": _note_sessions(notes, sha) if ObjectId.is_full(sha) else [],
        "linked": True,
        "in_history": False,
    }


def _note_sessions(notes: Notes, sha: str) -> list[str]:
    return _sessions(notes.lines(ObjectId(sha)))


def _sessions(lines: Sequence[Mapping[str, Any]]) -> list[str]:
    return sorted({str(line["session"]) for line in lines if line.get("session")})


def _file_view(change: FileChange) -> dict[str, Any]:
    return {
        "path": change.path,
        "status": change.status,
        "added": change.added,
        "deleted": change.deleted,
        "binary": change.added is None,
    }


def _net_files(history: list[HistoryCommit]) -> list[dict[str, Any]]:
    """Each path changed by the range: added, modified or deleted over all of it, with the
    lines added and deleted summed over its commits. A file added and deleted again within
    the range is left out."""
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    added: dict[str, int | None] = {}
    deleted: dict[str, int | None] = {}
    for commit in history:
        for change in commit.files:
            first.setdefault(change.path, change.status)
            last[change.path] = change.status
            added[change.path] = _plus(added.get(change.path, 0), change.added)
            deleted[change.path] = _plus(deleted.get(change.path, 0), change.deleted)
    files = []
    for path in sorted(first):
        existed, exists = first[path] != "A", last[path] != "D"
        if existed or exists:
            status = "M" if existed and exists else ("A" if exists else "D")
            files.append(_file_view(FileChange(path, status, added[path], deleted[path])))
    return files


def _plus(total: int | None, more: int | None) -> int | None:
    return None if total is None or more is None else total + more


# The kinds a timeline shows, one lane each, in this order; commits are the session's own.
TIMELINE_LANES: dict[str, EntryKind | None] = {
    "objectives": "objective",
    "decisions": "decision",
    "discoveries": "discovery",
    "blockers": "blocker",
    "checkpoints": "checkpoint",
    "commits": None,
}
TIMELINE_SCALE = 1000  # an event's position: from 0 (the start) to this (the end or now)


def _timeline(state: SessionState, commits: list[HistoryCommit], ending: bool, now: int) -> dict[str, Any]:
    """When things happened, from the start of the session to its end (or now): a lane per
    kind, each event with its time (ISO) and its position on the scale. A time outside the
    session (a clock that was off, a commit made before the session) is put at the nearer end."""
    meta = state.meta
    start = meta.created
    end = now if ending or meta.status not in ENDED_STATUSES else meta.updated
    end = max(end, start)
    span = max(1, end - start)

    def event(text: str, at: int, tz: str) -> dict[str, Any]:
        clamped = min(max(at, start), end)
        return {"text": text, "at": views.iso_time(at, tz), "position": (clamped - start) * TIMELINE_SCALE // span}

    lanes = []
    for name, kind in TIMELINE_LANES.items():
        if kind is None:
            events = [event(c.subject, c.time, meta.tz) for c in commits]
        else:
            entries = sorted(live_entries(state.of_kind(kind)), key=lambda e: e.added)
            events = [event(e.text, e.created, e.tz) for e in entries]
        lanes.append({"name": name, "events": events})
    return {"start": views.iso_time(start, meta.tz), "end": views.iso_time(end, meta.tz), "lanes": lanes}


def _related(ws: Workspace, found: Found, meta: Meta) -> dict[str, Any]:
    from git_session.metacache import may_hold  # what the sessions' list is read from

    parent_id = meta.get("parent")
    sessions = ws.all_sessions()
    parent = next((f for f in sessions if f.handle.id == parent_id), None) if parent_id else None
    # Only a session whose cached fields may name this one is decoded (no other's parent can
    # be this one): decoding every session's fields was most of what a handoff's cost grew
    # by with the number of sessions (ISSUE14: handoff).
    own, tip = found.handle.id, found.handle.tip

    def fields(f: Found) -> Meta:  # this session's own are read already (its cached line names it)
        return meta if f.handle.tip == tip else f.meta

    children = [f for f in sessions if may_hold(fields(f), own) and fields(f).get("parent") == own]
    parent_view = _related_view(ws, parent) if parent else None
    if parent_id and parent_view is None:
        parent_view = {
            "id": parent_id,
            "short": ws.short_session_id(str(parent_id)),
            "title": None,
            "branch": None,
            "status": None,
        }
    return {"parent": parent_view, "children": [_related_view(ws, f) for f in reversed(children)]}


def _related_view(ws: Workspace, found: Found) -> dict[str, Any]:
    return {
        "id": found.handle.id,
        "short": ws.short_session_id(found.handle.id),
        "title": found.meta.title,
        "branch": found.meta.branch,
        "status": found.meta.status,
        "created": views.iso_time(found.meta.created, found.meta.tz),
    }


def _metrics(meta: Meta, now: int, context: Mapping[str, Any]) -> dict[str, Any]:
    """Counts and the duration: from the start to the end, or to now for a session still open."""
    seconds = max(0, (meta.updated if meta.status in ENDED_STATUSES else now) - meta.created)
    deliverables = context["deliverables"]
    objectives = [o for o in context["objectives"] if o["status"] != "dropped"]
    blockers = context["blockers"]
    return {
        "duration_seconds": seconds,
        "duration": human_duration(seconds),
        "commits": len(deliverables["commits"]),
        "files": len(deliverables["files"]),
        "lines_added": sum(f["added"] or 0 for f in deliverables["files"]),
        "lines_deleted": sum(f["deleted"] or 0 for f in deliverables["files"]),
        "objectives_done": sum(1 for o in objectives if o["status"] == "done"),
        "objectives_total": len(objectives),
        "decisions": len(context["decisions"]),
        "discoveries": len(context["discoveries"]),
        "blockers_open": sum(1 for b in blockers if b["status"] == "open"),
        "blockers_resolved": sum(1 for b in blockers if b["status"] == "resolved"),
        "next_open": sum(1 for n in context["next"] if n["status"] == "open"),
        "checkpoints": len(context["checkpoints"]),
        "compactions": context["session"]["compactions"],
    }


def human_duration(seconds: int) -> str:
    """``2d 3h 5m``; ``under a minute`` below one."""
    if seconds < 60:
        return "under a minute"
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    return " ".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n)


# --- the command and end ------------------------------------------------------------------


def render(context: Mapping[str, Any], fmt: str, template: Template | None = None) -> str:
    if fmt == "json":
        return json.dumps(context, indent=2, ensure_ascii=False) + "\n"
    if template is None:
        raise ValueError("markdown and html need a template")
    from git_session.sandbox import render_template

    return render_template(template, context)


def format_for(fmt: str | None, output: str | None) -> str:
    """The format asked for, else the one the output file's name suggests, else Markdown."""
    if fmt is not None:
        return fmt
    suffix = os.path.splitext(output or "")[1].lower()
    return _SUFFIX_FORMATS.get(suffix, "markdown")


def handoff(ws: Workspace, found: Found, fmt: str, template_path: str | None = None) -> str:
    """The handoff of a session. For an ended session that stored one, the Markdown is the
    very text stored at the end, unless another format or a template is asked for."""
    if fmt == "json" and template_path is not None:
        raise UserError(
            "a template does not apply to the JSON format",
            "the JSON is the template's context",
            advice=Advice.TEMPLATE_WITH_JSON,
        )
    if fmt == "markdown" and template_path is None:
        stored = _latest(ws.store.entries(found.handle, "handoff"))
        if stored is not None and stored.format == "markdown":
            return stored.text
    template = None if fmt == "json" else _template(ws, fmt, template_path)
    return render(gather(ws, found), fmt, template)


def _template(ws: Workspace, fmt: str, path: str | None) -> Template:
    from git_session.sandbox import find_template

    return find_template(ws.repo, fmt, path)


def stored_handoff(
    ws: Workspace, found: Found, template: Template, *, ending: tuple[str, str | None] | None = None
) -> Draft:
    """The entry that stores an ended session's Markdown handoff (``ending``: the status
    and reason of a session about to end, rendered as it will be), as ``end`` stores it."""
    from git_session.sandbox import render_template

    context = gather(ws, found, ending=ending)
    return handoff_draft(render_template(template, context), context["session"]["tip"], ws.agent)


def handoff_draft(text: str, tip: str | None, agent: str | None) -> Draft:
    fields: dict[str, Any] = {"text": fit(text), "format": "markdown"}
    if tip is not None:
        fields["tip"] = tip
    return Draft.add("handoff", fields, agent=agent)


def fit(text: str) -> str:
    """The text, clipped (at a character boundary) to what a session entry may hold."""
    if len(text.encode("utf-8")) <= codec.MAX_TEXT:
        return text
    note = "\n\n… (clipped: the handoff is larger than a session entry may be; render it with git session handoff)\n"
    room = codec.MAX_TEXT - len(note.encode("utf-8"))
    return text.encode("utf-8")[:room].decode("utf-8", "ignore") + note


def end(ws: Workspace, spec: str | None, verb: str, reason: str | None, with_handoff: bool = True) -> Found:
    """End a session; unless told not to, render its Markdown handoff and store it in the
    same write as the status change (rendered again if the session moved meanwhile).
    ``verb``: the session's state change that ends it (``model.TRANSITIONS``)."""
    status = model.transition(model.SESSION, verb).to
    from git_session.sandbox import find_template

    template = find_template(ws.repo, "markdown") if with_handoff else None
    rendered: dict[str, Draft] = {}

    def extra(handle: Handle, meta: Meta) -> list[Draft]:
        if template is None:
            return []
        if handle.tip not in rendered:
            try:
                rendered[handle.tip] = stored_handoff(ws, Found(handle, meta), template, ending=(status, reason))
            except UserError as exc:
                raise UserError(exc.message, advice=Advice.END_WITHOUT_HANDOFF) from None
        return [rendered[handle.tip]]

    return ws.transition(spec, model.SESSION, verb, reason=reason, extra=extra).found


def write_output(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file renamed into place)."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".git-session-", dir=folder)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(temporary, 0o666 & ~umask_for(temporary))  # (the user's, in a shared repository too)
        os.replace(temporary, path)
    except OSError as exc:
        _remove(temporary)
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
