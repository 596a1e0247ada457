"""Human output: concise, colour-aware (the caller decides), and safe for any text."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence

import click

from git_session.fold import live_entries
from git_session.model import Entry, EntryKind, FieldValue, Meta, SessionState
from git_session.model import by_priority as by_priority
from git_session.names import OBJECT_ID_PATTERN
from git_session.plaintext import clip as clip
from git_session.plaintext import on_screen as on_screen
from git_session.plaintext import on_terminal as on_terminal
from git_session.plaintext import quoted as quoted
from git_session.plaintext import safe as safe
from git_session.plaintext import when as when
from git_session.views import OpView, progress_total

LIST_LIMIT = 10
_STATUS_COLOURS = {
    "active": "green",
    "paused": "yellow",
    "handoff": "cyan",
    "completed": "blue",
    "abandoned": "red",
    "open": "yellow",
    "done": "green",
    "resolved": "green",
    "dropped": "red",
}


def status_word(status: str) -> str:
    return click.style(status, fg=_STATUS_COLOURS.get(status))


def short(entry_id: str, abbrev: Mapping[str, str]) -> str:
    return click.style(abbrev.get(entry_id, entry_id[:8]), fg="yellow")


def header(meta: Meta, abbrev_id: str, parent_id: str = "") -> list[str]:
    """``parent_id``: the session it continues, as the caller abbreviated it (else its first 8)."""
    lines = [
        f"{click.style('session', bold=True)} {click.style(abbrev_id, fg='yellow')}  "
        f"{clip(meta.title)}  [{status_word(meta.status)}]",
        f"branch {safe(meta.branch)} · started {when(meta.created, meta.tz)} · updated {when(meta.updated, meta.tz)}",
    ]
    if meta.reason:
        lines.append(f"reason {clip(meta.reason)}")
    if meta.parent:
        lines.append(f"continues {safe(parent_id or meta.parent[:8])}")
    return lines


def summary(meta: Meta) -> list[str]:
    lines = []
    if meta.tldr:
        lines.append(f"{click.style('TL;DR', bold=True)}    {clip(meta.tldr, 400)}")
    if meta.current:
        lines.append(f"{click.style('Current', bold=True)}  {clip(meta.current, 400)}")
    total = progress_total(meta)
    lines.append(
        f"{click.style('Progress', bold=True)} {meta.count('objective', 'done')}/{total} objectives done"
        + (f", {meta.count('blocker', 'open')} open blocker(s)" if meta.count("blocker", "open") else "")
    )
    return lines


def entry_line(entry: Entry, abbrev: Mapping[str, str], show_status: bool = False) -> str:
    parts = [short(entry.id, abbrev)]
    if show_status and entry.status:
        parts.append(f"[{status_word(entry.status)}]")
    if entry.kind == "next":
        parts.append(f"[{entry.priority}]")
    if entry.private:
        parts.append(click.style("(private)", fg="magenta"))
    parts.append(clip(entry.text))
    line = "  " + " ".join(parts)
    if entry.kind == "decision" and entry.rationale:
        line += f" — {clip(entry.rationale)}"
    if entry.kind == "blocker" and entry.resolution:
        line += f" — {clip(entry.resolution)}"
    return line


def section(
    title: str,
    entries: Sequence[Entry],
    abbrev: Mapping[str, str],
    more_hint: str,
    show_status: bool = False,
    limit: int | None = LIST_LIMIT,
) -> list[str]:
    if not entries:
        return []
    shown = entries if limit is None else entries[:limit]
    lines = [click.style(title, bold=True)] + [entry_line(e, abbrev, show_status) for e in shown]
    if len(entries) > len(shown):
        lines.append(f"  … and {len(entries) - len(shown)} more ({more_hint})")
    return lines


def by_age(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: e.added)


def status_text(
    meta: Meta,
    abbrev_id: str,
    open_items: Mapping[EntryKind, list[Entry]],
    abbrev: Mapping[str, str],
    parent_id: str = "",
) -> str:
    lines = header(meta, abbrev_id, parent_id) + summary(meta)
    lines += section("Open objectives", by_age(open_items["objective"]), abbrev, "git session objective list")
    lines += section("Blockers", by_age(open_items["blocker"]), abbrev, "git session blocker list")
    lines += section("Next steps", by_priority(open_items["next"]), abbrev, "git session next list")
    return "\n".join(lines)


_SHOW_SECTIONS: tuple[tuple[str, EntryKind, bool], ...] = (
    ("Objectives", "objective", True),
    ("Decisions", "decision", False),
    ("Discoveries", "discovery", False),
    ("Blockers", "blocker", True),
    ("Next steps", "next", True),
    ("Notes", "note", False),
    ("Sources", "source", False),
    ("Checkpoints", "checkpoint", False),
    ("Commits", "commit", False),
)


def show_text(state: SessionState, abbrev_id: str, abbrev: Mapping[str, str], parent_id: str = "") -> str:
    meta = state.meta
    lines = header(meta, abbrev_id, parent_id)
    lines.append(f"authors {', '.join(safe(a) for a in meta.authors)}")
    for name in ("agent", "model", "base"):
        value = meta.get(name)
        if value:
            shown = value[:SHORT_HASH] if name == "base" and isinstance(value, str) else str(value)
            lines.append(f"{name} {safe(shown)}")
    if meta.tasks:
        lines.append(f"tasks {', '.join(safe(t) for t in meta.tasks)}")
    lines += summary(meta)
    for title, kind, statuses in _SHOW_SECTIONS:
        entries = tuple(live_entries(state.of_kind(kind)))
        entries = tuple(by_priority(entries)) if kind == "next" else entries
        lines += section(title, entries, abbrev, "", show_status=statuses, limit=None)
        if kind == "decision":
            lines += [f"      alternative: {clip(a)}" for e in entries for a in e.alternatives]
    return "\n".join(lines)


def session_row(meta: Meta, abbrev_id: str) -> str:
    """One line of ``list`` (10,000 of them: click's styling is done once, not per row)."""
    return "  ".join(
        [
            _YELLOW[0] + abbrev_id + _YELLOW[1],
            _padded_status(meta.status),
            when(meta.created, meta.tz),
            f"{clip(meta.branch, 30):<30}",
            clip(meta.title, 80),
        ]
    )


_YELLOW = click.style("\0", fg="yellow").split("\0")  # what click.style puts around a text


@functools.lru_cache(maxsize=64)
def _padded_status(status: str) -> str:
    """The status in its colour, then padded (the colour is looked up by the word itself)."""
    return status_word(status) + " " * (9 - len(status))


def describe_op(view: OpView, abbrev: Mapping[str, str]) -> str:
    """One journal line: when, who, what; values as a person reads them (``field_value``)."""
    fields = view["fields"]
    action = view["action"]
    entry = view["entry"] or ""  # an entry's id, for an add or an update
    if action == "add":
        what = f"{view['kind']} {abbrev.get(entry, entry[:8])}: {clip(str(fields.get('text', '')))}"
    elif action == "update":
        what = f"{view['kind']} {abbrev.get(entry, entry[:8])} {_changes(fields)}"
    else:
        what = f"{action} {_changes(fields)}"
    at = view["at"][:16].replace("T", " ")
    author = view["author"].split(" <")[0]
    return f"{at}  {clip(author, 30)}  {what}" + ("  (typo fix)" if view["minor"] else "")


SHORT_HASH = 12  # how many hex digits of an object id are shown, as in the rest of the tool
_FIRST_FIELDS = ("title", "status", "branch")  # a session's create reads best with these first
_PLAIN = re.compile(r"[^\s,;=\"'\\]+")  # a word that needs no quotes


def _changes(fields: Mapping[str, FieldValue]) -> str:
    order = sorted(fields, key=lambda k: _FIRST_FIELDS.index(k) if k in _FIRST_FIELDS else len(_FIRST_FIELDS))
    return "; ".join(f"{name}={clip(field_value(fields[name]), 60)}" for name in order)


def field_value(value: FieldValue) -> str:
    """A stored value as a person reads it: an object id shortened, a list as its items
    joined with ", ", yes/no for a boolean, text in double quotes unless it is one plain
    word, "none" for nothing."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return ", ".join(_word(str(item)) for item in value) if value else "none"
    if OBJECT_ID_PATTERN.fullmatch(value):
        return value[:SHORT_HASH]
    return _word(value)


def _word(text: str) -> str:
    if _PLAIN.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
