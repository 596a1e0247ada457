"""Session files as teams already keep them, read into plain values and written back.

Three layouts are read (``FORMATS``): session markdown with YAML front matter (``md``: the
``sessions/current/*.md``, ``.agents/sessions/*.md`` and ``.sessions/active/*.md`` kinds),
Codex ExecPlans (``execplan``: ``PLANS.md``) and a Cline memory bank (``cline``:
``activeContext.md``, ``progress.md``). One reader serves them all: a section's heading says
what its items are (``SECTIONS``); a section it does not know is kept whole, as a note naming
its heading, and so is any text of a known section that is no item of it.

``render`` writes a session back in the ``md`` or ``execplan`` layout so that ``parse`` reads
it to the same fields and entries: a text that would not read back as written (several lines,
spaces at its ends, a marker this reader takes for syntax) is written as a JSON string, which
the reader decodes; every entry carries its time.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import yaml

from git_session import safeyaml
from git_session.errors import UserError
from git_session.model import ENTRY_STATUSES, PRIORITIES, EntryKind, FieldValue, SessionState

FORMATS = ("md", "execplan", "cline")
EXPORT_FORMATS = ("md", "execplan")
MAX_FILE = 1024 * 1024  # bytes: a session file is a page or ten, not a data dump
EXPORTED_KINDS: tuple[EntryKind, ...] = ("objective", "decision", "discovery", "blocker", "next", "note", "source")
# Fields of an entry that record the import itself: never written to a file.
IMPORTED = "imported"  # an entry's: the hash of the item it was imported from
PROVENANCE = "imported_from"  # the note recording a file imported: its path
SECTION = "section"  # a note kept from a section: its heading
FRONT_MATTER = "front_matter"  # the note keeping the front matter's other keys (as YAML)
LOG_TITLE = "log_title"  # a session log note's heading

_STATUS_WORDS = {
    "active": "active", "in_progress": "active", "in progress": "active", "wip": "active", "open": "active",
    "paused": "paused", "on_hold": "paused",
    "handoff": "handoff", "handed_off": "handoff",
    "completed": "completed", "complete": "completed", "done": "completed", "closed": "completed",
    "abandoned": "abandoned", "cancelled": "abandoned", "canceled": "abandoned",
}  # fmt: skip
_FIELD_KEYS = {  # front matter key (lower case) -> session field
    "title": "title", "status": "status", "git_branch": "branch", "branch": "branch",
    "current_task": "current", "current": "current", "tldr": "tldr", "agent": "agent", "model": "model",
    "reason": "reason", "parent": "parent", "base": "base",
}  # fmt: skip
_CREATED_KEYS = ("created", "created_at")
_UPDATED_KEYS = ("updated", "last_updated", "updated_at")
_TASK_KEYS = ("task_ids", "tasks", "linear_issue")
_NESTED = ("session", "orchestration")  # the .agents/sessions layout nests its fields in these

# Section heading (lower case, a parenthesized tail and a colon dropped) -> what its items are.
SECTIONS: Mapping[str, str] = {
    **dict.fromkeys(("objectives", "progress", "execution progress"), "objective"),
    "what works": "objective-done",
    **dict.fromkeys(("what's left to build", "whats left to build", "what's left"), "objective"),
    **dict.fromkeys(
        ("decisions", "key decisions", "key decisions & rationale", "decision log",
         "active decisions and considerations", "evolution of project decisions"),
        "decision",
    ),
    **dict.fromkeys(("discoveries", "surprises & discoveries", "learnings and project insights"), "discovery"),
    **dict.fromkeys(("blockers", "known issues"), "blocker"),
    **dict.fromkeys(("next steps", "next work items"), "next"),
    "sources": "source",
    "notes": "note",
    "session log": "log",
    **dict.fromkeys(("tl;dr", "tldr", "summary", "purpose / big picture"), "tldr"),
    **dict.fromkeys(("current work focus", "current focus"), "current"),
}  # fmt: skip
_EXECPLAN_HEADINGS = {"decision log", "surprises & discoveries", "outcomes & retrospective", "purpose / big picture"}
_CLINE_HEADINGS = {"current work focus", "what works", "what's left to build", "recent changes", "known issues"}
_LABELS = {  # a labelled line under an item -> the entry field it sets
    "rationale": "rationale", "why": "rationale", "evidence": "evidence", "context": "context",
    "choice": "choice", "options": "alternatives", "alternatives": "alternatives",
    "resolution": "resolution", "date/author": "date_author", "details": "details",
}  # fmt: skip
_LIST_FIELDS = {"alternatives"}
_TIME = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?: ?(?:Z|UTC|[+-]\d{2}:?\d{2}))?"
_TIME_RE = re.compile(_TIME)
_BULLET = re.compile(r"^ {0,3}(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_SUB_BULLET = re.compile(r"^\s{2,}(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_CHECKBOX = re.compile(r"^\[([ xX~-])\]\s*")
_LEAD_TIME = re.compile(rf"^\(({_TIME})\)\s*")
_TAIL_TIME = re.compile(rf"\s*\(({_TIME})\)$")
_CURRENT = re.compile(r"\s*<-+\s*CURRENT\s*$")
_LABEL_PREFIX = re.compile(r"^(?:decision|observation)\s*:\s*", re.IGNORECASE)
_BOLD_TIME = re.compile(rf"^\*\*(.+?)\*\*\s*\(({_TIME})\)\s*:\s*(.*)$")
_FIELD_LINE = re.compile(
    r"^\s+(?:\*\*([A-Za-z][A-Za-z /&-]*?)\*\*|([A-Za-z][A-Za-z /&-]*?)|`([a-z][a-z0-9_]{0,63})`):\s*(.*)$"
)
_TOP_FIELD = re.compile(r"^\*\*([A-Za-z][A-Za-z /&-]*?)\*\*:\s*(.*)$")
_NONE = re.compile(r"^(?:none|n/a|nothing)(?: currently| yet| so far)?\.?$", re.IGNORECASE)
_LOG_HEADING = re.compile(rf"^({_TIME})\s*[-–—:]\s*(.*)$")
_AT_COMMENT = re.compile(rf"^<!-- git-session: ({_TIME}) -->$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_PRIORITY_HEADING = re.compile(r"^(high|medium|low)(?: priority)?$", re.IGNORECASE)
_STATUS_GROUPS = {"completed", "in progress", "remaining", "done", "todo", "to do"}


class FileProblem(Exception):
    """What is wrong with a session file, and on which line (1-based)."""

    def __init__(self, message: str, line: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


@dataclass(frozen=True)
class When:
    """A time as the file gave it: seconds since the epoch and its UTC offset (``+0200``)."""

    at: int
    tz: str = "+0000"


@dataclass(frozen=True)
class Item:
    """An entry the file holds: its kind, fields (text included), time, and its identity in
    the file (``key``: kind, section and text, so that a changed status is the same item)."""

    kind: EntryKind
    fields: dict[str, FieldValue]
    when: When | None
    key: str

    @property
    def digest(self) -> str:
        """What the item says, as a hash: an unchanged item is not imported again."""
        at = [self.when.at, self.when.tz] if self.when else None
        data = json.dumps([self.kind, self.fields, at], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class SessionFile:
    format: str
    identity: str | None  # the front matter's ``id``, if any
    fields: dict[str, FieldValue]  # the session's own fields (model.SESSION_FIELDS)
    created: When | None
    updated: When | None
    items: tuple[Item, ...] = field(default=())
    default: When = When(0)  # the time of an item that gives none: ``updated``, else ``created``, else the file's

    def when(self, item: Item) -> When:
        return item.when or self.default


# --- reading ------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """A file's bytes as text: UTF-8 (a byte-order mark dropped), every line ending ``\\n``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblem("not valid UTF-8", data[: exc.start].count(b"\n") + 1) from None
    if "\0" in text:
        raise FileProblem("contains a NUL character", text[: text.index("\0")].count("\n") + 1)
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, list[str], int]:
    """The front matter (``None`` without one), the body's lines and the line the body starts on."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, lines, 1
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise FileProblem("the front matter is not closed by a '---' line", 1)
    try:
        value = safeyaml.load("\n".join(lines[1:end]))
    except safeyaml.YamlProblem as exc:
        raise FileProblem(f"front matter: {exc.message}", exc.line + 1) from None
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise FileProblem("the front matter is not a mapping of keys to values", 2)
    return {str(k): v for k, v in value.items()}, lines[end + 1 :], end + 2


def detect(text: str) -> str:
    """The format a file's content is in; a ``FileProblem`` when it cannot be told."""
    front, lines, _ = split_front_matter(text)
    headings = {_norm(h) for h, _ in _headings(lines)}
    if headings & _EXECPLAN_HEADINGS:
        return "execplan"
    first = next((_norm(h) for h, level in _headings(lines) if level == 1), "")
    if front is None and (headings & _CLINE_HEADINGS or first in ("active context", "progress")):
        return "cline"
    if front is not None or headings & set(SECTIONS):
        return "md"
    raise FileProblem("not a session file of a format this reader knows (md, execplan, cline)", 1)


def parse(text: str, fmt: str, fallback: When) -> SessionFile:
    """A session file's content; items without a time of their own get the file's ``updated``
    (else ``created``, else ``fallback``)."""
    front, lines, start = split_front_matter(text)
    front_lines = text.split("\n")[1 : max(start - 2, 1)]
    identity, fields, created, updated, extras = _front_fields(front or {}, front_lines)
    default = updated or created or fallback
    reader = _Reader()
    reader.read(lines, start)
    if "title" not in fields and reader.title:
        fields["title"] = reader.title
    # What the front matter names wins over what the body says, as its title does: a
    # ``current_task`` is kept over a ``<- CURRENT`` marker (whose objective stays an entry).
    fields = {**reader.fields, **fields}
    items = list(reader.items)
    if extras:
        text_ = _dump_yaml(extras)
        items.append(Item("note", {"text": text_, FRONT_MATTER: True}, created, "note\0front matter"))
    return SessionFile(fmt, identity, fields, created, updated, tuple(items), default)


def _front_fields(
    front: dict[str, Any], lines: list[str]
) -> tuple[str | None, dict[str, FieldValue], When | None, When | None, dict[str, Any]]:
    flat: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    for key, value in front.items():
        if key.lower() in _NESTED and isinstance(value, dict):
            flat.update({str(k): v for k, v in value.items()})
        else:
            flat[key] = value
    identity = None
    fields: dict[str, FieldValue] = {}
    created = updated = None
    tasks: list[str] = []
    for key, value in flat.items():
        name = key.lower().replace(" ", "_")
        where = _key_line(key, lines)
        if name == "id":
            identity = _scalar(value, key, where)
        elif name in _FIELD_KEYS:
            fields[_FIELD_KEYS[name]] = _scalar(value, key, where)
        elif name in _CREATED_KEYS:
            created = _when(value, key, where)
        elif name in _UPDATED_KEYS:
            updated = _when(value, key, where)
        elif name in _TASK_KEYS:
            tasks += [_scalar(v, key, where) for v in (value if isinstance(value, list) else [value]) if v is not None]
        else:
            _keep(extras, front, key)
    if tasks:
        fields["tasks"] = list(dict.fromkeys(tasks))
    if "status" in fields:
        word = str(fields["status"]).strip().lower().replace("-", "_")
        if word not in _STATUS_WORDS:
            raise FileProblem(f"status {fields['status']!r:.40} is none this reader knows", _key_line("status", lines))
        fields["status"] = _STATUS_WORDS[word]
    return identity, fields, created, updated, extras


def _keep(extras: dict[str, Any], front: dict[str, Any], key: str) -> None:
    """A key this reader does not map is kept where it was (inside a nested block too)."""
    if key in front:
        extras[key] = front[key]
        return
    for block in _NESTED:
        for outer, value in front.items():
            if outer.lower() == block and isinstance(value, dict) and key in value:
                extras.setdefault(outer, {})[key] = value[key]


def _key_line(key: str, lines: list[str]) -> int:
    """The line of the file a front matter key is on (the loader keeps no lines)."""
    pattern = re.compile(rf"^\s*['\"]?{re.escape(key)}['\"]?\s*:", re.IGNORECASE)
    return next((number for number, line in enumerate(lines, 2) if pattern.match(line)), 2)


def _scalar(value: Any, key: str, line: int) -> str:
    if isinstance(value, (dict, list)):
        raise FileProblem(f"front matter: {key} must be a single value", line)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else str(value)


def _when(value: Any, key: str, line: int) -> When | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _from_datetime(value)
    if isinstance(value, date):
        return _from_datetime(datetime(value.year, value.month, value.day))
    found = parse_time(str(value))
    if found is None:
        raise FileProblem(f"front matter: {key} {str(value)[:40]!r} is not a date and time", line)
    return found


def parse_time(text: str) -> When | None:
    text = text.strip()
    if not _TIME_RE.fullmatch(text):
        return None
    text = text.replace(" UTC", "Z").replace("UTC", "Z").replace(" Z", "Z")
    text = re.sub(r" ([+-]\d)", r"\1", text)
    text = text.replace("Z", "+00:00")
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text[:16]) and len(text) in (16, 22):
        text = text[:16] + ":00" + text[16:]
    try:
        return _from_datetime(datetime.fromisoformat(text.replace(" ", "T", 1)))
    except ValueError:
        return None


def _from_datetime(moment: datetime) -> When:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return When(int(moment.timestamp()), f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}")


def format_time(when: When) -> str:
    sign = -1 if when.tz.startswith("-") else 1
    offset = timedelta(hours=int(when.tz[1:3]), minutes=int(when.tz[3:5])) * sign
    moment = datetime.fromtimestamp(when.at, timezone(offset))
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + ("Z" if when.tz == "+0000" else f"{when.tz[:3]}:{when.tz[3:]}")


def _headings(lines: Iterable[str]) -> Iterable[tuple[str, int]]:
    fenced = False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := re.match(r"^(#{1,2})\s+(.*?)\s*#*\s*$", line)):
            yield match[2], len(match[1])


def _norm(heading: str) -> str:
    heading = re.sub(r"\s*\([^)]*\)\s*$", "", heading.strip()).rstrip(":").strip().lower()
    return heading.replace("’", "'").replace(" and ", " & ") if heading.startswith("surprises") else heading


class _Reader:
    """Reads a body: its title, the fields its sections set and its items, in order."""

    def __init__(self) -> None:
        self.title: str | None = None
        self.fields: dict[str, FieldValue] = {}
        self.items: list[Item] = []
        self._seen: dict[str, int] = {}

    def read(self, lines: list[str], start: int) -> None:
        for heading, body, line in _sections(lines, start):
            if heading is None:
                self._prose("", body, line)
                continue
            level, text = heading
            if level == 1 and self.title is None:
                self.title = _unquote(re.sub(r"^session:\s*", "", text, flags=re.IGNORECASE))
                self._prose("", body, line)
                continue
            self._section(text, body, line)

    def _section(self, heading: str, body: list[str], line: int) -> None:
        role = SECTIONS.get(_norm(heading))
        if role is None:
            self._prose(heading, body, line)
        elif role in ("tldr", "current"):
            text = _strip_blank(body)
            if text:
                self.fields[role] = _unquote(text)
        elif role == "log":
            self._log(heading, body, line)
        else:
            self._list(heading, role, body, line)

    def _prose(self, heading: str, body: list[str], line: int) -> None:
        text = _strip_blank(body)
        if not text:
            return
        when = None
        first, _, rest = text.partition("\n")
        if match := _AT_COMMENT.match(first):
            when = parse_time(match[1])
            text = rest.strip("\n")
        key = heading or f"# {self.title}"  # a file's preamble: its title's (a memory bank has several files)
        self._add("note", {"text": _unquote(text), SECTION: heading}, when, f"section\0{key}")

    def _log(self, heading: str, body: list[str], line: int) -> None:
        blocks = _blocks(body)
        for title, block in blocks:
            if title is None:
                self._prose(heading, block, line)
                continue
            match = _LOG_HEADING.match(title)
            when = parse_time(match[1]) if match else None
            name = match[2] if match else title
            text = _unquote(_strip_blank(block))
            moment = format_time(when) if when else title
            self._add("note", {"text": text, LOG_TITLE: _unquote(name)}, when, f"log\0{moment}\0{_unquote(name)}")

    def _list(self, heading: str, role: str, body: list[str], line: int) -> None:
        kind: EntryKind = "objective" if role.startswith("objective") else role  # type: ignore[assignment]
        done_default = role == "objective-done"
        group: str | None = None
        prose: list[str] = []
        for title, block in _blocks(body):
            if title is not None:
                priority = _PRIORITY_HEADING.match(title.strip())
                if kind == "decision" and not priority:
                    self._decision_block(title, block, group)
                    continue
                group = title.strip()
            items, rest = _items(block)
            prose += rest
            for first, continuation in items:
                self._item(kind, first, continuation, group, done_default)
        self._prose(heading, prose, line)

    def _decision_block(self, title: str, block: list[str], group: str | None) -> None:
        text = re.sub(r"^(?:decision\s*)?\d+[.:)]?\s+", "", title.strip(), flags=re.IGNORECASE)
        fields: dict[str, FieldValue] = {}
        details: list[str] = []
        for raw in block:
            match = _TOP_FIELD.match(raw.strip())
            label = match[1].lower() if match else ""
            if match and label in ("decision", "choice"):
                fields["choice"] = match[2].strip()
            elif match and label in _LABELS:
                value = match[2].strip()
                fields[_LABELS[label]] = _options(value) if _LABELS[label] in _LIST_FIELDS else value
            elif raw.strip():
                details.append(raw.strip())
        if details:
            fields["details"] = " ".join(details)
        self._item("decision", text, [], group, False, extra=fields)

    def _item(
        self,
        kind: EntryKind,
        first: str,
        continuation: list[str],
        group: str | None,
        done_default: bool,
        extra: dict[str, FieldValue] | None = None,
    ) -> None:
        text = first.strip()
        fields: dict[str, FieldValue] = {}
        status = None
        if match := _CHECKBOX.match(text):
            status = {" ": "open", "x": "done", "X": "done", "~": "dropped", "-": "dropped"}[match[1]]
            text = text[match.end() :]
        when = None
        if match := _LEAD_TIME.match(text):
            when, text = parse_time(match[1]), text[match.end() :]
        current = bool(_CURRENT.search(text))
        text = _CURRENT.sub("", text)
        if match := _TAIL_TIME.search(text):
            when, text = parse_time(match[1]) or when, text[: match.start()]
        if match := _BOLD_TIME.match(text):
            when, text = parse_time(match[2]) or when, f"{match[1]}: {match[3]}"
        text = _LABEL_PREFIX.sub("", text)
        extra_text, more = _continuation(continuation)
        if extra_text:
            text = f"{text} {extra_text}"
        raw = text.strip()
        if not raw or (kind in ("blocker", "next", "discovery") and _NONE.match(raw)):
            return
        text = _unquote(raw)
        fields.update(extra or {})
        fields.update(more)
        if "date_author" in fields:
            stamp = _TIME_RE.search(str(fields["date_author"]))
            if stamp and parse_time(stamp[0]) and when is None:
                when = parse_time(stamp[0])
        self._set_status(kind, fields, status, done_default)
        if group is not None:
            self._group(kind, fields, group)
        if current and kind == "objective":
            self.fields["current"] = text
        self._add(kind, {"text": text, **fields}, when, f"{kind}\0{text}")

    def _set_status(self, kind: EntryKind, fields: dict[str, FieldValue], status: str | None, done: bool) -> None:
        statuses = ENTRY_STATUSES.get(kind)
        if statuses is None:
            return
        wanted = status or ("done" if done else statuses[0])
        if kind == "blocker":
            wanted = "resolved" if wanted == "done" else "open"
        elif wanted not in statuses:
            wanted = "done"
        fields["status"] = wanted

    def _group(self, kind: EntryKind, fields: dict[str, FieldValue], group: str) -> None:
        priority = _PRIORITY_HEADING.match(group)
        if priority and kind == "next":
            fields["priority"] = priority[1].lower()
        elif group.lower().rstrip(":") not in _STATUS_GROUPS:
            fields.setdefault("group", group)

    def _add(self, kind: EntryKind, fields: dict[str, FieldValue], when: When | None, key: str) -> None:
        seen = self._seen.get(key, 0)
        self._seen[key] = seen + 1
        self.items.append(Item(kind, fields, when, f"{key}\0{seen}" if seen else key))


def _sections(lines: list[str], start: int) -> Iterable[tuple[tuple[int, str] | None, list[str], int]]:
    """The body cut at its headings of level 1 and 2 (never inside a fenced block)."""
    heading: tuple[int, str] | None = None
    body: list[str] = []
    line = start
    fenced = False
    for number, text in enumerate(lines, start):
        if _FENCE.match(text):
            fenced = not fenced
        match = None if fenced else re.match(r"^(#{1,2})\s+(.*?)\s*#*\s*$", text)
        if match:
            yield heading, body, line
            heading, body, line = (len(match[1]), match[2]), [], number
        else:
            body.append(text)
    yield heading, body, line


def _blocks(body: list[str]) -> list[tuple[str | None, list[str]]]:
    """A section cut at its ``###`` headings."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    fenced = False
    for text in body:
        if _FENCE.match(text):
            fenced = not fenced
        match = None if fenced else re.match(r"^###\s+(.*?)\s*#*\s*$", text)
        if match:
            blocks.append((match[1], []))
        else:
            blocks[-1][1].append(text)
    return blocks


def _items(block: list[str]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """The list items of a block (each with its indented lines) and the lines in none."""
    items: list[tuple[str, list[str]]] = []
    rest: list[str] = []
    open_item = False
    fenced = False
    for text in block:
        if _FENCE.match(text):
            fenced = not fenced
        if not fenced and (match := _BULLET.match(text)):
            items.append((match[1], []))
            open_item = True
        elif open_item and text.strip() and (text.startswith((" ", "\t")) or fenced):
            items[-1][1].append(text)
        else:
            open_item = False
            rest.append(text)
    return items, rest


def _continuation(lines: list[str]) -> tuple[str, dict[str, FieldValue]]:
    """An item's indented lines: wrapped text, and labelled fields (``Rationale: …``, a
    ``` `field`: value ``` as ``render`` writes any other one, a list as sub-items)."""
    text: list[str] = []
    fields: dict[str, FieldValue] = {}
    collecting: str | None = None
    for raw in lines:
        match = _FIELD_LINE.match(raw)
        label = (match[1] or match[2] or "").lower() if match else ""
        name = match[3] if match and match[3] else _LABELS.get(label) if match else None
        sub = _SUB_BULLET.match(raw)
        if sub and collecting is not None:
            current = fields.setdefault(collecting, [])
            assert isinstance(current, list)
            current.append(_unquote(sub[1].strip()))
        elif match and name:
            value = match[4].strip()
            collecting = name if value == "" else None
            fields[name] = _field_value(name, value) if value else []
        elif sub:
            details = str(fields.get("details") or "")
            fields["details"] = (details + "\n" if details else "") + sub[1].strip()
        else:
            collecting = None
            text.append(raw.strip())
    return " ".join(text), fields


def _field_value(name: str, value: str) -> FieldValue:
    if name in _LIST_FIELDS and not value.startswith("["):
        return _options(value)
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    if decoded is None or isinstance(decoded, (str, bool, int)):
        return decoded
    if isinstance(decoded, list) and all(isinstance(v, str) for v in decoded):
        return decoded
    return value


def _options(value: str) -> list[str]:
    """``(1) a, (2) b`` or ``a; b`` as a list of options."""
    if re.match(r"^\(\d+\)", value):
        return [part.strip().rstrip(",").strip() for part in re.split(r"\(\d+\)", value) if part.strip(" ,")]
    return [part.strip() for part in value.split(";") if part.strip()] if ";" in value else [value]


def _strip_blank(lines: list[str]) -> str:
    """Lines as one text, without blank lines at its ends and thematic breaks (``---``)."""
    return "\n".join(line for line in lines if not _RULE.match(line)).strip("\n").rstrip()


def _unquote(text: str) -> str:
    """A text ``render`` wrote as a JSON string, decoded; any other as it is."""
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        if isinstance(value, str):
            return value
    return text


class _Dumper(yaml.SafeDumper):
    """Texts that YAML would read back otherwise (a line break of its own, U+0085 or U+2028,
    a control character) are written double-quoted, where they are escaped."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    special = not text.isprintable() or any(c in text for c in "\x85\u2028\u2029")
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"' if special else None)


_Dumper.add_representer(str, _represent_str)


def _dump_yaml(value: Any, sort_keys: bool = True) -> str:
    dumped = yaml.dump(value, Dumper=_Dumper, sort_keys=sort_keys, allow_unicode=True, default_flow_style=False)
    return str(dumped).rstrip("\n")


# --- writing ------------------------------------------------------------------------

_HEADINGS = {
    "md": {
        "tldr": "TL;DR", "objective": "Progress", "decision": "Decisions", "discovery": "Discoveries",
        "blocker": "Blockers", "next": "Next Steps", "note": "Notes", "source": "Sources", "log": "Session Log",
    },
    "execplan": {
        "tldr": "Purpose / Big Picture", "objective": "Progress", "decision": "Decision Log",
        "discovery": "Surprises & Discoveries", "blocker": "Blockers", "next": "Next Steps", "note": "Notes",
        "source": "Sources", "log": "Session Log",
    },
}  # fmt: skip
_PLAIN_UNSAFE = re.compile(
    rf"^(?:[\"\[#(*+>|`-]|\d{{1,3}}[.)]\s|(?:decision|observation)\s*:)|<-+\s*CURRENT|\(({_TIME})\)$|^\s|\s$|^$",
    re.IGNORECASE,
)
_STANDARD_FIELDS = {"text", "status", "priority", "group", SECTION, LOG_TITLE, FRONT_MATTER, IMPORTED, "private"}


def render(state: SessionState, fmt: str) -> str:
    """The session as a file in the ``md`` or ``execplan`` layout that ``parse`` reads back to
    the same fields and entries (the kinds of ``EXPORTED_KINDS``, private ones left out).

    A time no calendar date stands for (stored data may hold any) is refused with a ``UserError``."""
    try:
        return _render(state, fmt)
    except (ValueError, OverflowError, OSError):
        raise UserError(f"session {state.meta.id}: holds a time or time zone no date can be written for") from None


def _render(state: SessionState, fmt: str) -> str:
    meta = state.meta
    entries = [e for e in state.entries if e.kind in EXPORTED_KINDS and PROVENANCE not in e.values]
    extras = next((e for e in entries if e.values.get(FRONT_MATTER)), None)
    entries = [e for e in entries if e is not extras]
    updated = When(meta.updated, meta.tz)
    objectives = [e for e in entries if e.kind == "objective"]
    marked = next((e for e in objectives if e.is_open and e.text == meta.current and meta.current), None)
    front = _front(state, extras, marked is None)
    headings = _HEADINGS[fmt]
    title = meta.title if fmt == "execplan" else f"Session: {meta.title}"
    out = ["---", front, "---", "", f"# {_quoted_if(meta.title, title)}", ""]
    for entry in entries:  # the preamble, before any section
        if entry.kind == "note" and entry.values.get(SECTION) == "":
            out += [*_prose(entry, updated), ""]
    if meta.tldr or fmt == "execplan":  # an ExecPlan has its living sections, if empty
        out += [f"## {headings['tldr']}", "", _block_text(meta.tldr) if meta.tldr else "", ""]
    for kind in EXPORTED_KINDS:
        listed = [e for e in entries if e.kind == kind and not _is_prose(e)]
        if listed or (fmt == "execplan" and kind in ("objective", "decision", "discovery")):
            out += [f"## {headings[kind]}", "", *_list(kind, listed, marked, fmt), ""]
    logs = [e for e in entries if e.kind == "note" and LOG_TITLE in e.values]
    if logs:
        out += [f"## {headings['log']}", ""]
        for entry in logs:
            out += [f"### {format_time(When(entry.created, entry.tz))} - {_one(str(entry.values[LOG_TITLE]))}"]
            out += [_block_text(entry.text), ""] if entry.text else [""]
    for entry in entries:
        if entry.kind == "note" and entry.values.get(SECTION):
            out += [f"## {_one(str(entry.values[SECTION]))}", "", *_prose(entry, updated), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _is_prose(entry: Any) -> bool:
    return entry.kind == "note" and (SECTION in entry.values or LOG_TITLE in entry.values)


def _front(state: SessionState, extras: Any, with_current: bool) -> str:
    meta = state.meta
    front: dict[str, Any] = {"id": str(meta.id)}
    keys = {"title": "title", "status": "status", "branch": "git_branch", "agent": "agent", "model": "model"}
    keys |= {"reason": "reason", "parent": "parent", "base": "base"}
    for name, key in keys.items():
        if meta.values.get(name) is not None:
            value = meta.values[name]
            front[key] = str(value) if isinstance(value, str) else value
    front["created"] = format_time(When(meta.created, meta.tz))
    front["updated"] = format_time(When(meta.updated, meta.tz))
    if meta.values.get("tasks"):
        front["task_ids"] = meta.values["tasks"]
    if with_current and meta.current:
        front["current"] = meta.current
    if extras is not None:
        with_extras = safeyaml.load(extras.text)
        if isinstance(with_extras, dict):
            front.update({str(k): v for k, v in sorted(with_extras.items()) if str(k) not in front})
    return _dump_yaml(front, sort_keys=False)


def _list(kind: EntryKind, entries: Sequence[Any], marked: Any, fmt: str) -> list[str]:
    out: list[str] = []
    ordered = sorted(entries, key=lambda e: _group_order(kind, e, entries))
    heading: str | None = None
    for entry in ordered:
        group = _group_of(kind, entry)
        if group is not None and group != heading:
            out += ["", f"### {group}", ""] if out else [f"### {group}", ""]
            heading = group
        out += _entry_lines(kind, entry, entry is marked, fmt)
    return out


def _group_of(kind: EntryKind, entry: Any) -> str | None:
    if kind == "next" and "priority" in entry.values:
        return f"{str(entry.values['priority']).capitalize()} Priority"
    group = entry.values.get("group")
    return None if group is None else _one(str(group))


def _group_order(kind: EntryKind, entry: Any, entries: Sequence[Any]) -> tuple[int, int]:
    """Entries without a group first, then each group where its first entry was, kept together."""
    group = _group_of(kind, entry)
    if group is None:
        return (0, 0)
    if kind == "next" and "priority" in entry.values and entry.values["priority"] in PRIORITIES:
        return (1, [str(p) for p in PRIORITIES].index(str(entry.values["priority"])))
    first = next(i for i, e in enumerate(entries) if _group_of(kind, e) == group)
    return (2, first)


def _entry_lines(kind: EntryKind, entry: Any, current: bool, fmt: str) -> list[str]:
    box = ""
    if kind in ENTRY_STATUSES:
        box = {"open": "[ ] ", "done": "[x] ", "resolved": "[x] ", "dropped": "[-] "}.get(entry.status or "", "[ ] ")
    label = {"decision": "Decision: ", "discovery": "Observation: "}.get(kind, "") if fmt == "execplan" else ""
    when = f"({format_time(When(entry.created, entry.tz))})"
    text = _plain(entry.text)
    first = f"- {box}{when} {label}{text}" if fmt == "execplan" else f"- {box}{label}{text} {when}"
    lines = [first + (" <- CURRENT" if current else "")]
    for name in sorted(entry.values):
        if name not in _STANDARD_FIELDS:
            lines += _field_lines(name, entry.values[name])
    return lines


def _field_lines(name: str, value: FieldValue) -> list[str]:
    label = next((k.capitalize() for k, v in _LABELS.items() if v == name and k != "options"), None)
    if name == "alternatives":
        label = "Alternatives"
    tag = label or f"`{name}`"
    if isinstance(value, list) and value and (name in _LIST_FIELDS or label is None):
        return [f"  {tag}:", *(f"    - {_plain(str(v))}" for v in value)]
    if isinstance(value, str) and name not in _LIST_FIELDS:
        return [f"  {tag}: {_plain(value)}"]
    return [f"  {tag}: {json.dumps(value, ensure_ascii=False)}"]


def _plain(text: str) -> str:
    """A text as it reads back: itself when ``parse`` would take it as written, else as JSON."""
    if "\n" in text or "\r" in text or _PLAIN_UNSAFE.search(text) or _NONE.match(text) or _BOLD_TIME.match(text):
        return json.dumps(text, ensure_ascii=False)
    try:
        json.loads(text)
    except ValueError:
        return text
    return json.dumps(text, ensure_ascii=False)


def _quoted_if(raw: str, shown: str) -> str:
    # A file is read with every line ending made "\n" (``decode``): a lone "\r" ends a line too.
    unsafe = "\n" in raw or "\r" in raw or raw != raw.strip() or not raw
    return json.dumps(raw, ensure_ascii=False) if unsafe else shown


def _block_text(text: str, listed: bool = False) -> str:
    """A section's prose as it reads back, else one JSON line (in a section of items, a
    line that would read as an item is not prose)."""
    safe = text == text.strip("\n").rstrip() and text.strip() and "\r" not in text
    safe = safe and not text.startswith(" ") and not _AT_COMMENT.match(text.partition("\n")[0])
    lines = text.split("\n")
    safe = safe and not any(re.match(r"^#{1,3}\s", line) or _FENCE.match(line) or _RULE.match(line) for line in lines)
    safe = safe and not (text.startswith('"') and text.endswith('"'))
    safe = safe and not (listed and any(_BULLET.match(line) or line.startswith("###") for line in text.split("\n")))
    return text if safe else json.dumps(text, ensure_ascii=False)


def _prose(entry: Any, updated: When) -> list[str]:
    when = When(entry.created, entry.tz)
    stamp = [] if when == updated else [f"<!-- git-session: {format_time(when)} -->"]
    listed = str(entry.values.get(SECTION)).lower() in SECTIONS or _norm(str(entry.values.get(SECTION))) in SECTIONS
    return [*stamp, _block_text(entry.text, listed)]


def _one(text: str) -> str:
    return " ".join(text.split())
