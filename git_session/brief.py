"""The brief: what a person or an agent needs first, after a start or a context compaction.

Sections, most important first: the TL;DR, the current step, progress, open blockers,
open objectives, open next steps by priority, recent decisions, recent commits and the
latest checkpoint. The whole text, as printed (every line with its newline), fits in
``max_chars``: items are cut one by one from the least important end, the last one
kept may be clipped with "…", and a final line names what was left out. The session's
header line and its TL;DR are never cut, only clipped; when even they do not fit, the
text itself is cut to the budget.

Reading cost does not grow with the session's history: the journal is never walked; the
brief reads the session's fields, its open objectives, blockers and next steps (the
``open/`` trees), the ids of its decisions, commits and checkpoints (tree names) and the
few most recent of those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from git_session.fold import live_entries
from git_session.model import Entry, EntryKind, Meta, Stamp, priority_order
from git_session.plaintext import safe, when
from git_session.sessions import abbreviate
from git_session.store import Handle, Store
from git_session.views import EntryView, Progress, entry_view, progress_total

DEFAULT_MAX_CHARS = 4000
MIN_MAX_CHARS = 40  # smaller budgets are refused: they leave room for little more than a name
RECENT_DECISIONS = 10
RECENT_COMMITS = 10
TLDR_WIDTH = 1200  # characters of a line, before the budget is applied
ITEM_WIDTH = 300
MIN_CLIPPED = 24  # a partly fitting item is shown clipped only if this much of it fits
HEADER_MIN = 24
MORE = "git session show for everything"


@dataclass(frozen=True)
class Section:
    key: str  # the key in --json and in "omitted"
    heading: str | None  # a line before its first item; None: its items stand alone
    singular: str  # how the omission line counts it
    plural: str


SECTIONS = (
    Section("current", None, "current step", "current step"),
    Section("progress", None, "progress", "progress"),
    Section("blockers", "## Open blockers", "blocker", "blockers"),
    Section("objectives", "## Open objectives", "objective", "objectives"),
    Section("next", "## Next steps", "next step", "next steps"),
    Section("decisions", "## Recent decisions", "decision", "decisions"),
    Section("commits", "## Recent commits", "commit", "commits"),
    Section("checkpoints", "## Latest checkpoint", "checkpoint", "checkpoints"),
)
_BY_KEY = {s.key: s for s in SECTIONS}


# What --json gives for an item: the current step, the progress, or an entry.
ItemData = str | Progress | EntryView


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
    items += _open_items(store, handle)
    recent, beyond = _recent(store, handle)
    return items + recent, beyond


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
        ids = abbreviate(store.entry_ids(handle, kind, private=True), only=[e.id for e in entries])
        for entry in entries:
            priority = f"[{entry.priority}] " if kind == "next" else ""
            line = f"- {ids.get(entry.id, entry.id[:8])} {priority}{_one_line(entry.text, ITEM_WIDTH)}"
            items.append(Item(key, line, entry_view(entry)))
    return items


def _recent(store: Store, handle: Handle) -> tuple[list[Item], dict[str, int]]:
    decisions, more_decisions = _newest(store, handle, "decision", RECENT_DECISIONS)
    commits, more_commits = _newest(store, handle, "commit", RECENT_COMMITS)
    checkpoints, more_checkpoints = _newest(store, handle, "checkpoint", 1)
    items = [Item("decisions", _decision_line(e), entry_view(e)) for e in decisions]
    items += [Item("commits", _commit_line(e), _commit_data(e)) for e in commits]
    ids = store.entry_ids(handle, "checkpoint", private=True) if checkpoints else []
    short = abbreviate(ids, only=[e.id for e in checkpoints])
    items += [Item("checkpoints", _checkpoint_line(e, short[e.id]), entry_view(e)) for e in checkpoints]
    beyond = {"decisions": more_decisions, "commits": more_commits, "checkpoints": more_checkpoints}
    return items, {k: n for k, n in beyond.items() if n}


def _newest(store: Store, handle: Handle, kind: EntryKind, count: int) -> tuple[list[Entry], int]:
    """The ``count`` most recent entries of a kind, and how many others there are.

    Entry ids are ULIDs, time-ordered: the candidates are the entries with the greatest
    ids (twice as many as needed, for clocks that disagree between clones), read one by
    one; they are then ordered by the journal. So only a few entries are decoded, however
    many a session has. Commit entries marked rewritten (a rebase replaced the commit)
    are not shown; those beyond the candidates are counted among the others.
    """
    ids = sorted(store.entry_ids(handle, kind, private=True), reverse=True)
    candidates = [store.entry(handle, kind, entry_id, private=True) for entry_id in ids[: 2 * count]]
    live = live_entries(e for e in candidates if e is not None)
    newest = sorted(live, key=_age, reverse=True)[:count]
    return newest, len(ids) - len(newest) - (len(candidates) - len(live))


def _decision_line(entry: Entry) -> str:
    line = entry.text
    if entry.rationale:
        line += f" — because {entry.rationale}"
    if entry.alternatives:
        line += f" (alternatives: {'; '.join(entry.alternatives)})"
    return f"- {_one_line(line, ITEM_WIDTH)}"


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
    """The longest prefix of ``items`` that fits with the header, the TL;DR and the
    omission line; then the next item clipped into what is left, if enough is."""
    fixed = [header] + ([tldr] if tldr else [])
    costs = _prefix_costs(fixed, items)
    cut = _best_cut(costs, items, beyond, max_chars)
    if cut is None:
        return _squeezed(header, tldr, _omitted(beyond, items), max_chars)
    kept = list(items[:cut])
    if cut < len(items):
        kept += _clipped_next(items, cut, costs[cut], _omitted(beyond, items[cut + 1 :]), max_chars)
    left_out = _omitted(beyond, items[len(kept) :])
    lines = fixed + _with_headings(kept) + [line for line in [omission_line(left_out)] if line]
    return Brief(_text(lines), max_chars, left_out, _shown(kept))


def _best_cut(costs: Sequence[int], items: Sequence[Item], beyond: Mapping[str, int], max_chars: int) -> int | None:
    """The largest k such that the first k items fit with the line naming the others."""
    counts = dict(beyond)
    for k in range(len(items), -1, -1):
        if k < len(items):
            counts[items[k].section] = counts.get(items[k].section, 0) + 1
        if costs[k] + _cost(omission_line(_omitted(counts, ()))) <= max_chars:
            return k
    return None


def _clipped_next(items: Sequence[Item], k: int, cost: int, left_out: Mapping[str, int], max_chars: int) -> list[Item]:
    item = items[k]
    heading = _BY_KEY[item.section].heading
    first_of_section = k == 0 or items[k - 1].section != item.section
    room = max_chars - cost - _cost(omission_line(left_out)) - 1
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


def omission_line(omitted: Mapping[str, int]) -> str:
    if not omitted:
        return ""
    parts = []
    for key, count in omitted.items():
        section = _BY_KEY[key]
        if section.heading is None:
            parts.append(section.singular)
        else:
            parts.append(f"{count} {section.singular if count == 1 else section.plural}")
    return f"omitted: {', '.join(parts)} — {MORE}"


def _squeezed(header: str, tldr: str | None, omitted: Mapping[str, int], max_chars: int) -> Brief:
    """Not even the header, the TL;DR and the omission line fit: clip them, TL;DR last."""
    total = sum(omitted.values())
    items = "1 item" if total == 1 else f"{total} items"
    endings = [omission_line(omitted), f"omitted: {items} — git session show", f"omitted: {items}"]
    for ending in endings if omitted else [""]:
        room = max_chars - _cost(ending)
        header_room = min(len(header), HEADER_MIN) + 1
        tldr_width = min(len(tldr), room - header_room - 1) if tldr else 0
        if tldr and tldr_width < min(len(tldr), len("TL;DR: ") + 4):
            continue
        header_width = room - 1 - (tldr_width + 1 if tldr else 0)
        if header_width < min(len(header), HEADER_MIN):
            continue
        lines = [_clip(header, header_width)] + ([_clip(tldr, tldr_width)] if tldr else []) + [ending]
        return Brief(_text([line for line in lines if line]), max_chars, omitted, _shown([]))
    text = _text([header, *([tldr] if tldr else []), endings[-1] if omitted else ""])
    return Brief(text[: max_chars - 2] + "…\n", max_chars, omitted, _shown([]))


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
        "commits": shown.get("commits", []),
        "checkpoint": checkpoint,
    }


def _first(data: list[ItemData] | None) -> ItemData | None:
    return data[0] if data else None
