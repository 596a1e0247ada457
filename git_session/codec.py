"""Encoding and validation of stored data: operations, session fields and entries.

Everything read from a repository goes through here before it is trusted, so a
malformed or hostile session is reported as a ``DataError`` and never misread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from git_session.errors import Advice, DataError, UserError
from git_session.model import (
    ACTIONS,
    ENTRY_KINDS,
    ENTRY_STATUSES,
    FORMAT_VERSION,
    PRIORITIES,
    SESSION_FIELDS,
    SESSION_STATUSES,
    Action,
    Entry,
    FieldValue,
    Meta,
    Op,
    OpData,
    Stamp,
)
from git_session.names import ID_PATTERN

MAX_TEXT = 1024 * 1024
MAX_LIST = 1000
MAX_OPS_PER_COMMIT = 1000
_TZ = re.compile(r"[+-][0-9]{4}")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_MAX_CLOCK = 2**53
# The last time a date can show (9999-12-31, a day before its end: room for any offset);
# a later one in stored data crashed every view that shows it.
_MAX_TIME = 253402214400
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_Choice = TypeVar("_Choice", bound=str)


def dumps(value: Any) -> str:
    """Canonical JSON: the same value always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_text(text: str, what: str = "text") -> str:
    """Refuse what cannot be stored exactly; keep everything else as given."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError(f"{what} is not valid UTF-8", "pass the text in UTF-8") from None
    if "\0" in text:
        raise UserError(f"{what} contains a NUL character", "take it out: git cannot keep it in a commit message")
    if len(text.encode("utf-8")) > MAX_TEXT:
        raise UserError(
            f"{what} is {len(text.encode())} bytes; the limit is {MAX_TEXT} bytes",
            advice=Advice.RECORD_AS_SOURCE,
        )
    return text


def check_given(text: str, what: str = "text") -> str:
    """A text a person or an agent gives (an entry's, a label): as ``check_text``, and not
    blank (the command line's text arguments refuse one; the MCP server's tools come here)."""
    if not text.strip():
        raise UserError(f"the {what} is empty")
    return check_text(text, what)


def check_texts(texts: Sequence[str], what: str) -> list[str]:
    """A list field's texts (``what``: its name): at most MAX_LIST of them, each one git can
    keep. What reading an operation back would refuse is refused here, as bad input."""
    if len(texts) > MAX_LIST:
        raise UserError(f"{what}: {len(texts)} given; the limit is {MAX_LIST}")
    return [check_text(text, what) for text in texts]


# --- operations -------------------------------------------------------------------


def op_to_json(op: Op) -> dict[str, Any]:
    return {
        "v": FORMAT_VERSION,
        "id": op.id,
        "clock": op.clock,
        "at": op.at,
        "tz": op.tz,
        "author": op.author,
        "agent": op.agent,
        "action": op.action,
        "data": op.data,
        "minor": op.minor,
    }


def op_from_json(raw: Any, where: str) -> Op:
    op = _valid_op(raw)  # every rule checked at once; the first problem told as below
    return op if op is not None else _checked_op(raw, where)


def _checked_op(raw: Any, where: str) -> Op:
    obj = _object(raw, where)
    _check_version(obj, where)
    return Op(  # checked in this order: the first problem is the one reported
        id=_ulid(obj.get("id"), f"{where}: id"),
        clock=_int(obj.get("clock"), f"{where}: clock", 1, _MAX_CLOCK),
        at=_int(obj.get("at"), f"{where}: at", 0, _MAX_TIME),
        tz=_match(_TZ, obj.get("tz"), f"{where}: tz"),
        author=_line(obj.get("author"), f"{where}: author"),
        agent=_optional_line(obj.get("agent"), f"{where}: agent"),
        action=(action := _choice(obj.get("action"), ACTIONS, f"{where}: action")),
        data=_op_data(action, _object(obj.get("data"), f"{where}: data"), where),
        minor=obj.get("minor") is True,
    )


def _op_data(action: Action, data: dict[str, Any], where: str) -> OpData:
    """The data of an operation, checked; kept whole (keys it does not know included), so
    that an operation rewritten (``redact``) keeps every byte."""
    _check_op_data(action, data, where)
    return cast(OpData, data)  # just checked: its fields, and for an entry its kind and id


def _check_op_data(action: Action, data: dict[str, Any], where: str) -> None:
    fields = _fields(data.get("fields"), f"{where}: fields")
    if action in ("create", "set"):
        for name, value in fields.items():
            _choice(name, SESSION_FIELDS, f"{where}: session field")
            if name == "status":
                _choice(value, SESSION_STATUSES, f"{where}: status")
        return
    kind = _choice(data.get("kind"), ENTRY_KINDS, f"{where}: kind")
    if action == "update":
        _ulid(data.get("entry"), f"{where}: entry")
    elif not isinstance(fields.get("text"), str):
        raise DataError(f"{where}: an added entry has no text")
    if "status" in fields:
        _choice(fields["status"], ENTRY_STATUSES.get(kind, ()), f"{where}: status")
    if "priority" in fields:
        _choice(fields["priority"], PRIORITIES, f"{where}: priority")


def encode_commit_message(subject: str, ops: list[Op]) -> str:
    lines = [dumps(op_to_json(op)) for op in ops]
    return f"{_one_line(subject)}\n\n" + "\n".join(lines) + "\n"


def decode_commit_message(message: str, where: str) -> list[Op]:
    body = message.partition("\n\n")[2]
    lines = [line for line in body.split("\n") if line.startswith("{")]  # only \n: JSON keeps U+2028 raw
    if len(lines) > MAX_OPS_PER_COMMIT:
        raise DataError(f"{where}: too many operations in one commit ({len(lines)})")
    return [op_from_json(_parse(line, where), where) for line in lines]


def _one_line(text: str) -> str:
    flat = " ".join(text.replace("\0", " ").split())
    return flat if len(flat) <= 72 else flat[:71] + "…"


# --- materialized state -------------------------------------------------------------


def meta_to_bytes(meta: Meta) -> bytes:
    return dumps(
        {
            "v": FORMAT_VERSION,
            "id": meta.id,
            "created": meta.created,
            "tz": meta.tz,
            "updated": meta.updated,
            "clock": meta.clock,
            "values": meta.values,
            "stamps": {name: list(stamp) for name, stamp in meta.stamps.items()},
            "authors": list(meta.authors),
            "counts": meta.counts,
        }
    ).encode()


def meta_from_bytes(data: bytes, where: str) -> Meta:
    obj = _parse(data, where)
    meta = _valid_meta(obj)  # every rule checked at once; the first problem told as below
    return meta if meta is not None else _checked_meta(obj, where)


def _checked_meta(raw: Any, where: str) -> Meta:
    obj = _object(raw, where)
    _check_version(obj, where)
    counts = _object(obj.get("counts", {}), f"{where}: counts")
    return Meta(
        id=_ulid(obj.get("id"), f"{where}: id"),
        created=_int(obj.get("created"), f"{where}: created", 0, _MAX_TIME),
        tz=_match(_TZ, obj.get("tz"), f"{where}: tz"),
        updated=_int(obj.get("updated"), f"{where}: updated", 0, _MAX_TIME),
        clock=_int(obj.get("clock"), f"{where}: clock", 0, _MAX_CLOCK),
        values=_fields(obj.get("values"), f"{where}: values"),
        stamps=_stamps(obj.get("stamps"), f"{where}: stamps"),
        authors=tuple(_str_list(obj.get("authors", []), f"{where}: authors")),
        counts={k: _counts(v, f"{where}: counts") for k, v in counts.items()},
    )


def entry_to_bytes(entry: Entry) -> bytes:
    return dumps(
        {
            "v": FORMAT_VERSION,
            "id": entry.id,
            "kind": entry.kind,
            "created": entry.created,
            "tz": entry.tz,
            "author": entry.author,
            "agent": entry.agent,
            "values": entry.values,
            "stamps": {name: list(stamp) for name, stamp in entry.stamps.items()},
            "added": list(entry.added),
        }
    ).encode()


def entry_from_bytes(data: bytes, where: str) -> Entry:
    obj = _parse(data, where)
    entry = _valid_entry(obj)  # every rule checked at once; the first problem told as below
    return entry if entry is not None else _checked_entry(obj, where)


def _checked_entry(raw: Any, where: str) -> Entry:
    obj = _object(raw, where)
    _check_version(obj, where)
    return Entry(
        id=_ulid(obj.get("id"), f"{where}: id"),
        kind=_choice(obj.get("kind"), ENTRY_KINDS, f"{where}: kind"),
        created=_int(obj.get("created"), f"{where}: created", 0, _MAX_TIME),
        tz=_match(_TZ, obj.get("tz"), f"{where}: tz"),
        author=_line(obj.get("author"), f"{where}: author"),
        agent=_optional_line(obj.get("agent"), f"{where}: agent"),
        values=_fields(obj.get("values"), f"{where}: values"),
        stamps=_stamps(obj.get("stamps"), f"{where}: stamps"),
        added=_stamps({"added": obj.get("added")}, where)["added"],
    )


# --- the entry check, compiled -----------------------------------------------------
#
# A store reads thousands of entries at a time (a report over 1,000 sessions: 8,000). The
# rules below are those of ``_checked_entry`` (and of the helpers it calls), tested all at
# once without building a message for each field: an entry that breaks none is built here; one
# that breaks any goes through ``_checked_entry``, which names its first problem. So what is
# accepted, and what is said of what is refused, is decided by one set of rules; this path
# only accepts sooner (tests/test_i16_codec.py holds each rule to both).

_KINDS = {kind: kind for kind in ENTRY_KINDS}
_is_id = ID_PATTERN.fullmatch
_is_tz = _TZ.fullmatch
_is_field_name = _FIELD_NAME.fullmatch


def _valid_entry(obj: Any) -> Entry | None:
    """The entry ``obj`` holds if it breaks no rule, else ``None``."""
    if type(obj) is not dict:
        return None
    fields: dict[str, Any] = obj
    get = fields.get
    version, eid, kind, created, tz = get("v"), get("id"), get("kind"), get("created"), get("tz")
    author, agent, values = get("author"), get("agent"), get("values")
    if not (
        type(version) is int
        and 1 <= version <= FORMAT_VERSION
        and type(eid) is str
        and _is_id(eid)
        and type(kind) is str
        and kind in _KINDS
        and type(created) is int
        and 0 <= created <= _MAX_TIME
        and type(tz) is str
        and _is_tz(tz)
        and _is_line(author)
        and (agent is None or _is_line(agent))
        and type(values) is dict
        and all(_is_field_name(name) and _is_value(item) for name, item in values.items())
    ):
        return None
    stamps, added = get("stamps"), _valid_stamp(get("added"))
    if type(stamps) is not dict or added is None:
        return None
    checked = {name: _valid_stamp(item) for name, item in stamps.items()}
    if None in checked.values():
        return None
    stamped = cast(dict[str, Stamp], checked)
    return Entry(eid, _KINDS[kind], created, tz, cast(str, author), agent, values, stamped, added)


def _valid_meta(obj: Any) -> Meta | None:
    """The session fields ``obj`` holds if it breaks no rule of ``_checked_meta``, else ``None``."""
    if type(obj) is not dict:
        return None
    fields: dict[str, Any] = obj
    get = fields.get
    version, sid, created, tz, updated, clock = (
        get("v"),
        get("id"),
        get("created"),
        get("tz"),
        get("updated"),
        get("clock"),
    )
    values, stamps, authors, counts = get("values"), get("stamps"), get("authors", []), get("counts", {})
    if not (
        type(version) is int
        and 1 <= version <= FORMAT_VERSION
        and type(sid) is str
        and _is_id(sid)
        and type(created) is int
        and 0 <= created <= _MAX_TIME
        and type(tz) is str
        and _is_tz(tz)
        and type(updated) is int
        and 0 <= updated <= _MAX_TIME
        and type(clock) is int
        and 0 <= clock <= _MAX_CLOCK
        and type(values) is dict
        and all(_is_field_name(name) and _is_value(item) for name, item in values.items())
        and type(stamps) is dict
        and type(authors) is list
        and len(authors) <= MAX_LIST
        and all(type(item) is str and len(item) <= MAX_TEXT for item in authors)
        and type(counts) is dict
        and all(
            type(by) is dict and all(type(n) is int and -(2**31) <= n <= 2**31 for n in by.values())
            for by in counts.values()
        )
    ):
        return None
    checked = {name: _valid_stamp(item) for name, item in stamps.items()}
    if None in checked.values():
        return None
    stamped = cast(dict[str, Stamp], checked)
    counted = {kind: dict(by) for kind, by in counts.items()}
    return Meta(sid, created, tz, updated, clock, values, stamped, tuple(authors), counted)


_ACTIONS = {action: action for action in ACTIONS}
_SESSION_FIELDS = frozenset(SESSION_FIELDS)
_SESSION_STATUSES = frozenset(SESSION_STATUSES)
_PRIORITIES = frozenset(PRIORITIES)
_ENTRY_STATUSES = {kind: frozenset(ENTRY_STATUSES.get(kind, ())) for kind in ENTRY_KINDS}


def _valid_op(obj: Any) -> Op | None:
    """The operation ``obj`` holds if it breaks no rule of ``_checked_op``, else ``None``."""
    if type(obj) is not dict:
        return None
    fields: dict[str, Any] = obj
    get = fields.get
    version, oid, clock, at, tz = get("v"), get("id"), get("clock"), get("at"), get("tz")
    author, agent, action, data = get("author"), get("agent"), get("action"), get("data")
    if not (
        type(version) is int
        and 1 <= version <= FORMAT_VERSION
        and type(oid) is str
        and _is_id(oid)
        and type(clock) is int
        and 1 <= clock <= _MAX_CLOCK
        and type(at) is int
        and 0 <= at <= _MAX_TIME
        and type(tz) is str
        and _is_tz(tz)
        and _is_line(author)
        and (agent is None or _is_line(agent))
        and type(action) is str
        and action in _ACTIONS
        and type(data) is dict
        and _valid_op_data(action, data)
    ):
        return None
    return Op(oid, clock, at, tz, cast(str, author), _ACTIONS[action], cast(OpData, data), agent, get("minor") is True)


def _valid_op_data(action: str, data: dict[str, Any]) -> bool:
    """Whether ``data`` breaks no rule of ``_check_op_data`` for ``action``."""
    values = data.get("fields")
    if not (type(values) is dict and all(_is_field_name(n) and _is_value(v) for n, v in values.items())):
        return False
    if action in ("create", "set"):
        status = values.get("status", "active")
        return all(type(n) is str and n in _SESSION_FIELDS for n in values) and (
            type(status) is str and status in _SESSION_STATUSES
        )
    kind = data.get("kind")
    if not (type(kind) is str and kind in _KINDS):
        return False
    if action == "update":
        entry = data.get("entry")
        if not (type(entry) is str and _is_id(entry)):
            return False
    elif type(values.get("text")) is not str:
        return False
    if "status" in values:
        status = values["status"]
        if not (type(status) is str and status in _ENTRY_STATUSES[kind]):
            return False
    if "priority" in values:
        priority = values["priority"]
        if not (type(priority) is str and priority in _PRIORITIES):
            return False
    return True


def _is_line(value: Any) -> bool:
    return type(value) is str and "\n" not in value and len(value) <= 1024


def _is_value(value: Any) -> bool:
    kind = type(value)
    if value is None or kind is bool or kind is int:
        return True
    if kind is str:
        return len(value) <= MAX_TEXT
    return (
        kind is list and len(value) <= MAX_LIST and all(type(item) is str and len(item) <= MAX_TEXT for item in value)
    )


def _valid_stamp(value: Any) -> Stamp | None:
    if type(value) is not list or len(value) != 2:
        return None
    clock, op = value
    if type(clock) is int and 0 <= clock <= _MAX_CLOCK and type(op) is str and _is_id(op):
        return Stamp(clock, op)
    return None


# --- checks -----------------------------------------------------------------------


def loads(data: str | bytes) -> Any:
    """JSON as stored data may hold it: ``ValueError`` for anything that is not JSON of
    valid Unicode (a lone surrogate, written as an escape, cannot be stored or shown)."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    escaped = _SURROGATE_ESCAPE.search(data) if isinstance(data, str) else _SURROGATE_ESCAPE_BYTES.search(data)
    if escaped:
        dumps(value).encode("utf-8")  # UnicodeEncodeError is a ValueError
    return value


def _parse(data: str | bytes, where: str) -> Any:
    try:
        return loads(data)
    except ValueError as exc:
        raise DataError(f"{where}: not valid JSON ({exc})") from None


def _check_version(obj: Mapping[str, Any], where: str) -> None:
    version = obj.get("v")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DataError(f"{where}: missing or invalid format version")
    if version > FORMAT_VERSION:
        raise DataError(
            f"{where}: written in format version {version}; this git-session reads up to version {FORMAT_VERSION}",
            "upgrade git-session to read this session",
        )


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DataError(f"{where}: expected an object")
    return value


def _int(value: Any, where: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise DataError(f"{where}: expected an integer in [{low}, {high}]")
    return value


def _match(pattern: re.Pattern[str], value: Any, where: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise DataError(f"{where}: malformed value {value!r:.80}")
    return value


def _ulid(value: Any, where: str) -> str:
    return _match(ID_PATTERN, value, where)


def _choice(value: Any, choices: tuple[_Choice, ...], where: str) -> _Choice:
    if value not in choices:
        raise DataError(f"{where}: unknown value {value!r:.80}")
    return choices[choices.index(value)]


def _line(value: Any, where: str) -> str:
    if not isinstance(value, str) or "\n" in value or len(value) > 1024:
        raise DataError(f"{where}: expected one line of text")
    return value


def _optional_line(value: Any, where: str) -> str | None:
    return None if value is None else _line(value, where)


def _value(value: Any, where: str) -> FieldValue:
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise DataError(f"{where}: text longer than {MAX_TEXT} characters")
        return value
    return _str_list(value, where)


def _str_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise DataError(f"{where}: expected a list of at most {MAX_LIST} texts")
    if not all(isinstance(item, str) and len(item) <= MAX_TEXT for item in value):
        raise DataError(f"{where}: expected a list of texts")
    return value


def _fields(value: Any, where: str) -> dict[str, FieldValue]:
    obj = _object(value, where)
    for name, item in obj.items():
        _match(_FIELD_NAME, name, f"{where}: field name")
        _value(item, f"{where}: {name}")
    return obj


def _stamps(value: Any, where: str) -> dict[str, Stamp]:
    stamps: dict[str, Stamp] = {}
    for name, item in _object(value, where).items():
        if not (isinstance(item, list) and len(item) == 2):
            raise DataError(f"{where}: malformed stamp for {name!r:.40}")
        stamps[name] = Stamp(_int(item[0], where, 0, _MAX_CLOCK), _ulid(item[1], where))
    return stamps


def _counts(value: Any, where: str) -> dict[str, int]:
    return {str(k): _int(v, where, -(2**31), 2**31) for k, v in _object(value, where).items()}
