"""The brief: what a person or an agent needs first, after a start or a context compaction.

Sections, most important first: the TL;DR, the current step, progress, the session it
continues (if any), open blockers, open objectives, open next steps by priority, recent
decisions, recent discoveries, the decisions and discoveries of the session it continues
(marked as inherited), recent commits and the latest checkpoint. The whole text, as
printed (every line with its newline), fits in ``max_chars``: items are cut one by one
from the least important end, the last one kept may be clipped with "…", and a final
line names what was left out, shortly (it never takes more than a quarter of the budget
when a shorter form fits). The header line, the TL;DR, the current step, the progress
and the parent line are cut last: when they do not all fit, they are clipped, and
dropped in this order: the TL;DR, the parent line, the current step, the progress;
when not even the header fits, the text itself is cut to the budget.

Reading cost does not grow with the session's history: the journal is never walked; the
brief reads the session's fields, its open objectives, blockers and next steps (the
``open/`` trees), the ids of its decisions, commits and checkpoints (tree names) and the
few most recent of those. A continued session's parent is read the same way, from this
repository's sessions or, failing that, a copy fetched from a remote; one that is missing
or cannot be read is named as such, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from git_session import sessionids
from git_session.errors import SessionError
from git_session.fold import live_entries
from git_session.model import Entry, EntryKind, Meta, Stamp, priority_order
from git_session.plaintext import safe, when
from git_session.sessions import MIN_ABBREV, entry_abbrev, short_among
from git_session.store import Handle, Store
from git_session.views import EntryView, Progress, entry_view, progress_total

DEFAULT_MAX_CHARS = 4000
MIN_MAX_CHARS = 40  # smaller budgets are refused: they leave room for little more than a name
RECENT_DECISIONS = 10
RECENT_COMMITS = 10
RECENT_DISCOVERIES = 10
INHERITED = 5  # decisions, and discoveries, of the parent session
TLDR_WIDTH = 1200  # characters of a line, before the budget is applied
ITEM_WIDTH = 300
MIN_CLIPPED = 24  # a partly fitting item is shown clipped only if this much of it fits
HEADER_MIN = 24
MORE = "git session show"
OMISSION_SHARE = 4  # the line naming what was left out takes at most 1/4 of the budget, if it can


@dataclass(frozen=True)
class Section:
    key: str  # the key in --json and in "omitted"
    heading: str | None  # a line before its first item; None: its items stand alone
    singular: str  # how the omission line counts it
    plural: str


SECTIONS = (
    Section("current", None, "current step", "current step"),
    Section("progress", None, "progress", "progress"),
    Section("parent", None, "parent session", "parent session"),
    Section("blockers", "## Open blockers", "blocker", "blockers"),
    Section("objectives", "## Open objectives", "objective", "objectives"),
    Section("next", "## Next steps", "next step", "next steps"),
    Section("decisions", "## Recent decisions", "decision", "decisions"),
    Section("discoveries", "## Recent discoveries", "discovery", "discoveries"),
    Section(
        "inherited_decisions",
        "## Decisions inherited from the parent session",
        "inherited decision",
        "inherited decisions",
    ),
    Section(
        "inherited_discoveries",
        "## Discoveries inherited from the parent session",
        "inherited discovery",
        "inherited discoveries",
    ),
    Section("commits", "## Recent commits", "commit", "commits"),
    Section("checkpoints", "## Latest checkpoint", "checkpoint", "checkpoints"),
    Section("context", "## Repository context (brief.context)", "context file", "context files"),
)
_BY_KEY = {s.key: s for s in SECTIONS}
LEAD = ("current", "progress", "parent")  # lines cut only after the sections, clipped first


# What --json gives for an item: the current step, the progress, the parent, or an entry.
ItemData = str | Progress | EntryView | dict[str, object]


@dataclass(frozen=True)
class Item:
    """One line of a section, and the data --json gives for it."""

    section: str
    line: str
    data: ItemData


@dataclass(frozen=True)
class Brief:
    text: str  # exactly what is printed, with its final newline
    max_chars: int
    omitted: Mapping[str, int]
    shown: Mapping[str, list[ItemData]]  # the data of the items shown, by section


def build(
    store: Store,
    handle: Handle,
    meta: Meta,
    short_id: str,
    max_chars: int = DEFAULT_MAX_CHARS,
    agent: str | None = None,
) -> Brief:
    """The brief of one session within ``max_chars`` characters (at least MIN_MAX_CHARS)."""
    if max_chars < MIN_MAX_CHARS:
        raise ValueError(f"max_chars must be at least {MIN_MAX_CHARS}")
    items, beyond = gather(store, handle, meta)
    return compose(header_line(meta, short_id, agent), tldr_line(meta), items, beyond, max_chars)


# --- what the brief can say -------------------------------------------------------------


def header_line(meta: Meta, short_id: str, agent: str | None = None) -> str:
    updated = when(meta.updated, meta.tz)
    line = f"# Session {short_id}: {_one_line(meta.title, 120)} ({meta.status}, branch {_one_line(meta.branch, 80)}"
    line += f", updated {updated})"
    return line + (f" — brief for {_one_line(agent, 40)}" if agent else "")


def tldr_line(meta: Meta) -> str | None:
    tldr = meta.tldr
    return f"TL;DR: {_one_line(tldr, TLDR_WIDTH)}" if tldr.strip() else None


def gather(store: Store, handle: Handle, meta: Meta) -> tuple[list[Item], dict[str, int]]:
    """Every item the brief could show, most important first, and the counts of those
    left out before any budget (older decisions, commits and checkpoints)."""
    items: list[Item] = []
    current = meta.current
    if current.strip():
        items.append(Item("current", f"Current step: {_one_line(current, ITEM_WIDTH)}", current))
    counted = store.meta(handle, private=True)  # the open items below include private ones
    done, total = counted.count("objective", "done"), progress_total(counted)
    items.append(Item("progress", f"Progress: {done}/{total} objectives done", {"done": done, "total": total}))
    parent, inherited, inherited_beyond = _parent(store, meta)
    items += parent
    items += _open_items(store, handle)
    recent, beyond = _recent(store, handle)
    own = [i for i in recent if i.section in ("decisions", "discoveries")]
    others = [i for i in recent if i.section not in ("decisions", "discoveries")]
    return items + own + inherited + others + _context(store), {**beyond, **inherited_beyond}


def _context(store: Store) -> list[Item]:
    """The repository files the settings name (``brief.context``): each one's beginning on a
    line; the file itself is where to read more. One that cannot be read is named so."""
    from git_session import settings

    files, problems = settings.context_files(store.repo)
    items = [
        Item("context", f"- {_one_line(f.path, 120)}: {_one_line(' '.join(f.text.split()), ITEM_WIDTH)}", vars(f))
        for f in files
    ]
    unread: list[dict[str, object]] = [{"problem": p} for p in problems]
    return items + [Item("context", f"- (not read) {_one_line(str(u['problem']), ITEM_WIDTH)}", u) for u in unread]


def _parent(store: Store, meta: Meta) -> tuple[list[Item], list[Item], dict[str, int]]:
    """The line naming the session this one continues, and that session's most recent
    decisions and discoveries. A parent that is not here, or cannot be read, is named so."""
    parent_id = meta.parent
    if not parent_id:
        return [], [], {}
    short = _one_line(short_among(sessionids.ids_sharing(store.repo, parent_id, MIN_ABBREV), parent_id), 40)
    data: dict[str, object] = {"id": parent_id, "short_id": short, "title": None, "status": None, "branch": None}
    data |= {"found": False, "readable": False, "fetched_from": None}
    try:
        handle, fetched = _parent_handle(store, parent_id)
        if handle is None:
            line = f"Continues session {short} (not in this repository, nor fetched)"
            return [Item("parent", line, data)], [], {}
        parent = store.meta(handle)
        decisions, more_decisions = _newest(store, handle, "decision", INHERITED, private=False)
        discoveries, more_discoveries = _newest(store, handle, "discovery", INHERITED, private=False)
    except SessionError:  # stored or fetched data that cannot be read
        line = f"Continues session {short} (its data cannot be read)"
        return [Item("parent", line, {**data, "found": True})], [], {}
    where = f", fetched from {_one_line(fetched, 40)}" if fetched else ""
    line = f"Continues session {short}: {_one_line(parent.title, 120)} ({parent.status}{where})"
    data = {"id": handle.id, "short_id": short, "title": parent.title, "status": parent.status, "branch": parent.branch}
    data |= {"found": True, "readable": True, "fetched_from": fetched}
    inherited = [Item("inherited_decisions", _decision_line(e), entry_view(e)) for e in decisions]
    inherited += [Item("inherited_discoveries", _entry_line(e), entry_view(e)) for e in discoveries]
    beyond = {"inherited_decisions": more_decisions, "inherited_discoveries": more_discoveries}
    return [Item("parent", line, data)], inherited, {k: n for k, n in beyond.items() if n}


def _parent_handle(store: Store, parent_id: str) -> tuple[Handle | None, str | None]:
    """The parent session here, else a copy fetched from a remote (and the remote's folder)."""
    from git_session import sharing

    local = next((h for h in store.handles() if h.id == parent_id), None)
    if local is not None:
        return local, None
    copy = next(((key, h) for key, h in sharing.fetched_copies(store) if h.id == parent_id), None)
    return (copy[1], copy[0]) if copy else (None, None)


def _open_items(store: Store, handle: Handle) -> list[Item]:
    items: list[Item] = []
    sections: tuple[tuple[str, EntryKind], ...] = (
        ("blockers", "blocker"),
        ("objectives", "objective"),
        ("next", "next"),
    )
    for key, kind in sections:
        entries = sorted(store.open_entries(handle, kind, private=True), key=priority_order if kind == "next" else _age)
        if not entries:
            continue
        ids = entry_abbrev(store, handle, (kind,), [e.id for e in entries])
        for entry in entries:
            priority = f"[{entry.priority}] " if kind == "next" else ""
            line = f"- {ids.get(entry.id, entry.id[:8])} {priority}{_one_line(entry.text, ITEM_WIDTH)}"
            items.append(Item(key, line, entry_view(entry)))
    return items


def _recent(store: Store, handle: Handle) -> tuple[list[Item], dict[str, int]]:
    decisions, more_decisions = _newest(store, handle, "decision", RECENT_DECISIONS)
    discoveries, more_discoveries = _newest(store, handle, "discovery", RECENT_DISCOVERIES)
    commits, more_commits = _newest(store, handle, "commit", RECENT_COMMITS)
    checkpoints, more_checkpoints = _newest(store, handle, "checkpoint", 1)
    items = [Item("decisions", _decision_line(e), entry_view(e)) for e in decisions]
    items += [Item("discoveries", _entry_line(e), entry_view(e)) for e in discoveries]
    items += [Item("commits", _commit_line(e), _commit_data(e)) for e in commits]
    short = entry_abbrev(store, handle, ("checkpoint",), [e.id for e in checkpoints]) if checkpoints else {}
    items += [Item("checkpoints", _checkpoint_line(e, short[e.id]), entry_view(e)) for e in checkpoints]
    beyond = {
        "decisions": more_decisions,
        "discoveries": more_discoveries,
        "commits": more_commits,
        "checkpoints": more_checkpoints,
    }
    return items, {k: n for k, n in beyond.items() if n}


def _newest(store: Store, handle: Handle, kind: EntryKind, count: int, private: bool = True) -> tuple[list[Entry], int]:
    """The ``count`` most recent entries of a kind, and how many others there are.

    Ids are random (older ones ULIDs): nothing is read from their order. Every entry of
    the kind is read and they are ordered by the journal (the stamp of the operation that
    added each). Commit entries marked rewritten (a rebase replaced the commit) are
    neither shown nor counted.
    """
    live = live_entries(store.entries(handle, kind, private=private))
    newest = sorted(live, key=_age, reverse=True)[:count]
    return newest, len(live) - len(newest)


def _decision_line(entry: Entry) -> str:
    line = entry.text
    if entry.rationale:
        line += f" — because {entry.rationale}"
    if entry.alternatives:
        line += f" (alternatives: {'; '.join(entry.alternatives)})"
    return f"- {_one_line(line, ITEM_WIDTH)}"


def _entry_line(entry: Entry) -> str:
    return f"- {_one_line(entry.text, ITEM_WIDTH)}"


def _commit_line(entry: Entry) -> str:
    sha = entry.commit or ""
    return f"- {safe(sha[:7]) or '?'} {_one_line(entry.text, ITEM_WIDTH)}"


def _commit_data(entry: Entry) -> EntryView:
    return {"sha": entry.values.get("commit"), "subject": entry.text}  # as stored


def _checkpoint_line(entry: Entry, short_id: str) -> str:
    label = entry.label or entry.text or "(no label)"
    head = entry.commit or ""
    where = f" · HEAD {safe(head[:7])}" if head else ""
    return f"- {short_id} {_one_line(label, ITEM_WIDTH)} · {when(entry.created, entry.tz)}{where}"


def _age(entry: Entry) -> Stamp:
    return entry.added


# --- fitting the budget -------------------------------------------------------------------


def compose(header: str, tldr: str | None, items: Sequence[Item], beyond: Mapping[str, int], max_chars: int) -> Brief:
    """The header, the TL;DR and the lead lines (current step, progress, parent), then the
    longest prefix of the other items that fits with the omission line; then the next item
    clipped into what is left, if enough is. When the lead does not fit whole, it is
    clipped and cut (``_squeezed``)."""
    lead = [i for i in items if i.section in LEAD]
    rest = [i for i in items if i.section not in LEAD]
    fixed = [header, *([tldr] if tldr else []), *(i.line for i in lead)]
    costs = _prefix_costs(fixed, rest)
    cut = _best_cut(costs, rest, beyond, max_chars)
    if cut is None:
        return _squeezed(header, tldr, lead, _omitted(beyond, rest), max_chars)
    kept = list(rest[:cut])
    if cut < len(rest):
        kept += _clipped_next(rest, cut, costs[cut], _omitted(beyond, rest[cut + 1 :]), max_chars)
    left_out = _omitted(beyond, rest[len(kept) :])
    body = fixed + _with_headings(kept)
    room = max_chars - sum(_cost(line) for line in body) if cut == 0 else None
    lines = [*body, omission_line(left_out, max_chars, room)]
    return Brief(_text(lines), max_chars, left_out, _shown(lead + kept))


def _best_cut(costs: Sequence[int], items: Sequence[Item], beyond: Mapping[str, int], max_chars: int) -> int | None:
    """The largest k such that the first k items fit with the line naming the others."""
    counts = dict(beyond)
    for k in range(len(items), -1, -1):
        if k < len(items):
            counts[items[k].section] = counts.get(items[k].section, 0) + 1
        room = max_chars - costs[k] if k == 0 else None  # only the lead left: a shorter line rather than none
        if costs[k] + _cost(omission_line(_omitted(counts, ()), max_chars, room)) <= max_chars:
            return k
    return None


def _clipped_next(items: Sequence[Item], k: int, cost: int, left_out: Mapping[str, int], max_chars: int) -> list[Item]:
    item = items[k]
    heading = _BY_KEY[item.section].heading
    first_of_section = k == 0 or items[k - 1].section != item.section
    room = max_chars - cost - _cost(omission_line(left_out, max_chars, max_chars - cost if k == 0 else None)) - 1
    room -= _cost(heading) if heading and first_of_section else 0
    if room < MIN_CLIPPED:
        return []
    return [Item(item.section, _clip(item.line, room), item.data)]


def _prefix_costs(fixed: Sequence[str], items: Sequence[Item]) -> list[int]:
    """costs[k]: the characters of the fixed lines and the first k items, with headings."""
    costs = [sum(_cost(line) for line in fixed)]
    for index, item in enumerate(items):
        heading = _BY_KEY[item.section].heading
        first_of_section = index == 0 or items[index - 1].section != item.section
        costs.append(costs[-1] + _cost(item.line) + (_cost(heading) if heading and first_of_section else 0))
    return costs


def _omitted(beyond: Mapping[str, int], cut: Sequence[Item]) -> dict[str, int]:
    counts = dict(beyond)
    for item in cut:
        counts[item.section] = counts.get(item.section, 0) + 1
    return {s.key: counts[s.key] for s in SECTIONS if counts.get(s.key)}


def omission_line(omitted: Mapping[str, int], max_chars: int | None = None, room: int | None = None) -> str:
    """The line naming what was left out: by section, or as a count of items when that
    would take more than a quarter of ``max_chars`` or more than the ``room`` left (the
    shortest form when none fits); "" when nothing was left out."""
    forms = omission_forms(omitted)
    if not forms:
        return ""
    limits = [n for n in (max_chars // OMISSION_SHARE if max_chars is not None else None, room) if n is not None]
    return next((f for f in forms if all(_cost(f) <= n for n in limits)), forms[-1])


def omission_forms(omitted: Mapping[str, int]) -> list[str]:
    """The ways to name what was left out, longest (most telling) first."""
    if not omitted:
        return []
    parts = []
    for key, count in omitted.items():
        section = _BY_KEY[key]
        if section.heading is None:
            parts.append(section.singular)
        else:
            parts.append(f"{count} {section.singular if count == 1 else section.plural}")
    total = sum(omitted.values())
    counted = "1 item" if total == 1 else f"{total} items"
    return [f"omitted: {', '.join(parts)} — {MORE}", f"omitted: {counted} — {MORE}", f"omitted: {counted}"]


def _squeezed(header: str, tldr: str | None, lead: Sequence[Item], rest: Mapping[str, int], max_chars: int) -> Brief:
    """The header, the TL;DR and the lead lines do not all fit whole with the omission line:
    the header gets its first HEADER_MIN characters, then the progress, the current step
    and the parent line what they need (clipped to MIN_CLIPPED at least), then the
    omission line its shortest form; the room left shows the current step whole, then
    the TL;DR (if MIN_CLIPPED of it fits), then widens the other clipped lines. What does not
    fit at its least is dropped."""
    header_min = min(len(header), HEADER_MIN) + 1
    if header_min + 1 > max_chars:  # not even the header: the text cut to the budget
        return Brief(header[: max_chars - 2] + "…\n", max_chars, _omitted(rest, lead), _shown([]))
    room = max_chars - header_min
    by_section = {i.section: i for i in lead}
    kept: list[Item] = []
    for key in ("progress", "current", "parent"):
        item = by_section.get(key)
        need = _least(item.line, MIN_CLIPPED if key != "progress" else len(item.line)) if item else 0
        if item and need <= room - _cost(_shortest_omission(rest, lead, [*kept, item])):
            kept.append(item)
            room -= need
    omitted = _omitted(rest, [i for i in lead if i not in kept])
    omission = _shortest_omission(rest, lead, kept)
    if _cost(omission) > room:  # the header and the omission line alone: the header clipped shorter
        width = max_chars - _cost(omission) - 1
        if width < HEADER_MIN // 2:
            return Brief(header[: max_chars - 2] + "…\n", max_chars, omitted, _shown([]))
        return Brief(_text([_clip(header, width), omission]), max_chars, omitted, _shown([]))
    room -= _cost(omission)
    # the room left widens the lines, the most important first: the current step whole
    # before the TL;DR gets its least, then the parent line, the header and the TL;DR
    widths: dict[str, int] = {}

    def widen(key: str, line: str, least: int) -> None:
        nonlocal room
        base = min(len(line), least)
        widths[key] = base + max(0, min(room, len(line) - base))
        room -= widths[key] - base

    current = by_section.get("current")
    if current is not None and current in kept:
        widen("current", current.line, MIN_CLIPPED)
    tldr_min = _least(tldr, MIN_CLIPPED) if tldr else 0
    show_tldr = bool(tldr) and tldr_min <= room
    room -= tldr_min if show_tldr else 0
    parent = by_section.get("parent")
    if parent is not None and parent in kept:
        widen("parent", parent.line, MIN_CLIPPED)
    widen("header", header, HEADER_MIN)
    if tldr and show_tldr:
        widen("tldr", tldr, MIN_CLIPPED)
    ending = next((f for f in omission_forms(omitted) if _cost(f) <= _cost(omission) + room), omission)
    shown = {i.section: i for i in kept}
    lines = [_clip(header, widths["header"])]
    lines += [_clip(tldr, widths["tldr"])] if tldr and show_tldr else []
    lines += [_clip(shown["current"].line, widths["current"])] if "current" in shown else []
    lines += [shown["progress"].line] if "progress" in shown else []
    lines += [_clip(shown["parent"].line, widths["parent"])] if "parent" in shown else []
    lines += [ending]
    return Brief(_text(lines), max_chars, omitted, _shown([i for i in lead if i in kept]))


def _shortest_omission(rest: Mapping[str, int], lead: Sequence[Item], kept: Sequence[Item]) -> str:
    forms = omission_forms(_omitted(rest, [i for i in lead if i not in kept]))
    return forms[-1] if forms else ""


def _least(line: str, width: int) -> int:
    """What a line costs clipped to ``width`` characters at most."""
    return min(len(line), width) + 1


def _with_headings(items: Sequence[Item]) -> list[str]:
    lines: list[str] = []
    for index, item in enumerate(items):
        heading = _BY_KEY[item.section].heading
        if heading and (index == 0 or items[index - 1].section != item.section):
            lines.append(heading)
        lines.append(item.line)
    return lines


def _shown(items: Sequence[Item]) -> dict[str, list[ItemData]]:
    shown: dict[str, list[ItemData]] = {s.key: [] for s in SECTIONS}
    for item in items:
        shown[item.section].append(item.data)
    return shown


def _cost(line: str | None) -> int:
    """What a line costs when printed: its characters and its newline (none if absent)."""
    return len(line) + 1 if line else 0


def _text(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines if line)


def _clip(line: str, width: int) -> str:
    if len(line) <= width:
        return line
    return line[: width - 1] + "…" if width > 0 else ""


def _one_line(text: str, width: int) -> str:
    """A text on one line, control characters made visible, at most ``width`` characters."""
    return _clip(safe(text), width)


# --- for --json ---------------------------------------------------------------------------


def as_view(brief: Brief, meta: Meta, short_id: str) -> dict[str, object]:
    shown = brief.shown
    current = _first(shown.get("current"))
    progress = _first(shown.get("progress"))
    checkpoint = _first(shown.get("checkpoints"))
    return {
        "text": brief.text,
        "chars": len(brief.text),
        "max_chars": brief.max_chars,
        "omitted": dict(brief.omitted),
        "session": {"id": meta.id, "short_id": short_id, "title": meta.title, "branch": meta.branch},
        "status": meta.status,
        "tldr": meta.tldr,
        "current": current,
        "progress": progress,
        "blockers": shown.get("blockers", []),
        "objectives": shown.get("objectives", []),
        "next": shown.get("next", []),
        "decisions": shown.get("decisions", []),
        "discoveries": shown.get("discoveries", []),
        "parent": _first(shown.get("parent")),
        "inherited": {
            "decisions": shown.get("inherited_decisions", []),
            "discoveries": shown.get("inherited_discoveries", []),
        },
        "commits": shown.get("commits", []),
        "checkpoint": checkpoint,
        "context": shown.get("context", []),
    }


def _first(data: list[ItemData] | None) -> ItemData | None:
    return data[0] if data else None
