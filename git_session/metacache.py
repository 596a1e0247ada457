"""The fields of every session by the commit its ref points at: ``list`` without reading and
decoding 10,000 ``meta.json`` files.

A session's fields are its tip commit's ``meta.json``; a commit never changes, so what was
read once from a tip is what that tip holds for good. ``<common-dir>/git-session/session-metas``
keeps, for each tip read, the fields as ``codec.meta_from_bytes`` accepted them (checked when
they were read from the repository, not again). Derived data keyed by immutable ids: a
session that moved is read from its new tip, one removed is dropped at the next write, and a
missing, damaged or unknown file (the first version's among them) is only read again from
the refs. The file carries the SHA-1 of its content (a damaged one is ignored whole) and is
replaced whole, never edited.

The file has two parts, so that ``list`` decodes only what it shows: a line per session
with what a ``list`` row needs (tip, id, creation time and offset, status, branch, title,
tab-separated), then the rest of every session's fields (update time, clock, values,
stamps, authors, counts), a JSON array on a line each, in the same order: decoded for all of them at once the
first time one of those fields is asked for (``list --json``, ``search``), and written back
as read when the file is written again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from git_session import paths
from git_session.gitrepo import Repo, read_checksummed, write_checksummed
from git_session.model import Meta, Stamp

HEADER = b"git-session session metas 2 "
_DEFERRED = ("updated", "clock", "values", "stamps", "authors", "counts")
_ESCAPES = {"\\": "\\", "t": "\t", "n": "\n"}
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_TZ = re.compile(r"[+-][0-9]{4}")
_MAX_TIME = 253402214400  # as ``codec``'s: the last time a date can show
_AS_IS = re.compile(r"[ !#-.0-\[\]-~]+")  # printable ASCII no JSON escape spells: not " \ /
_ESCAPED_PRINTABLE = re.compile(r"\\u00[2-7]")  # JSON's \u escape of a printable ASCII character
_DECODE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError)


def load(repo: Repo, read: Callable[[str], Meta | None] | None = None) -> dict[str, Meta]:
    """The cached fields by tip commit id (empty when there is no file it can trust);
    ``read``: a session's fields from its tip, for those whose cached rest cannot be decoded."""
    target = paths.session_metas_cache(repo)
    body = read_checksummed(target, HEADER)
    if body is None:
        return {}
    try:
        return _rows(body.decode("utf-8", "surrogatepass"), os.fspath(target), read)
    except (*_DECODE_ERRORS, UnicodeError):
        return {}


def save(repo: Repo, metas: Mapping[str, Meta]) -> None:
    """Replace the cache with ``metas`` (by tip); a repository that cannot be written to only
    stays without one."""
    lines = {tip: _rest_line(meta) for tip, meta in metas.items()}
    kept = {tip: meta for tip, meta in metas.items() if lines[tip] is not None}
    rows = [
        "\t".join([tip, meta.id, str(meta.created), meta.tz, *map(_escape, (meta.status, meta.branch, meta.title))])
        for tip, meta in kept.items()
    ]
    rest = [line for line in lines.values() if line is not None]
    body = "\n".join([str(len(rows)), *rows, *rest])
    write_checksummed(paths.session_metas_cache(repo), HEADER, body.encode("utf-8", "surrogatepass"))


def may_hold(meta: Meta, word: str) -> bool:
    """Whether ``word`` (a session id) may be the value of one of the fields a row does not
    show (``meta.get``), found without decoding the fields. ``False`` only when no JSON escape
    can spell a character of ``word`` but a ``\\u`` one (printable ASCII, and no quote,
    backslash or slash), the session's rest in this cache, as read, holds neither ``word``
    nor a ``\\u`` escape of a printable ASCII character (which ``save`` never writes), and
    every line of the rest is on its own one session's fields (``_Rest.sound``: else a line
    is not what its session's fields are decoded from): a JSON string without such an escape
    holds each of its characters as is. Anything else (a ``Meta`` read from its tip, lines
    that are not one a session) may."""
    state = meta.__dict__
    if not isinstance(meta, _Cached) or "_rest" not in state or not _AS_IS.fullmatch(word):
        return True
    line = state["_rest"].line(state["_row"])
    if line is None or word in line or _ESCAPED_PRINTABLE.search(line) is not None:
        return True
    return not state["_rest"].sound()


def _rows(text: str, path: str, read: Callable[[str], Meta | None] | None = None) -> dict[str, Meta]:
    head, _, text = text.partition("\n")
    count = int(head)
    lines = text.split("\n", count)
    if len(lines) != count + 1:
        raise ValueError("fewer rows than the file says")
    rest = _Rest(lines[count], count, path, lines[:count], read)
    found: dict[str, Meta] = {}
    new = object.__new__
    zones: dict[str, bool] = {}
    for row, line in enumerate(lines[:count]):
        tip, sid, created, tz, status, branch, title = line.split("\t")
        shown = (status, branch, title)
        if "\\" in line:
            shown = (_unescape(status), _unescape(branch), _unescape(title))
        at = int(created)
        if not 0 <= at <= _MAX_TIME or (tz not in zones and not zones.setdefault(tz, _zone(tz))):
            raise ValueError("not the time of a session")  # written by hand: a list would fail on it
        meta = new(_Cached)
        meta.__dict__.update(id=sid, created=at, tz=tz, _shown=shown, _rest=rest, _row=row)
        found[tip] = meta
    return found


def _zone(tz: str) -> bool:
    """An offset as ``codec`` accepts it (a row's time can be shown in any)."""
    return _TZ.fullmatch(tz) is not None


def _rest_line(meta: Meta) -> str | None:
    """The rest of a session's fields, as the file holds it: the line it was read from when
    it comes from this cache (not decoded to be encoded again), else its JSON; ``None`` for
    one from a cache whose rest cannot be decoded (not to be written again as if read)."""
    state = meta.__dict__
    if isinstance(meta, _Cached) and "_rest" in state:
        line: str | None = state["_rest"].line(state["_row"])
        if line is not None:
            return line
        if not state["_rest"].row(state["_row"]):
            return None
    return json.dumps(_deferred(meta), separators=(",", ":"))


def _deferred(meta: Meta) -> list[Any]:
    stamps = {name: [stamp.clock, stamp.op] for name, stamp in meta.stamps.items()}
    return [meta.updated, meta.clock, meta.values, stamps, meta.authors, meta.counts]


def _escape(text: str) -> str:
    """A column's text on one line, without a tab."""
    if "\\" in text or "\t" in text or "\n" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return text


def _unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: _ESCAPES[m.group(1)], text) if "\\" in text else text


class _Rest:
    """The fields ``list`` does not show, of every session of the file, a JSON line each:
    decoded for all at once when the first of them is asked for. A file whose checksum holds
    but whose rest cannot be decoded (written by hand) is removed, to be rebuilt from the
    refs by the next command; this one sees what the rows say, and nothing more."""

    def __init__(
        self, text: str, count: int, path: str, rows: list[str], read: Callable[[str], Meta | None] | None
    ) -> None:
        self._text, self._count, self._path, self._rows, self._read = text, count, path, rows, read
        self._lines: list[str] | None = None
        self._decoded: list[Any] | None = None
        self._sound: bool | None = None

    def line(self, row: int) -> str | None:
        """A session's line as read, not decoded (one that cannot be is found out, and the
        file removed, by the next command that decodes it); ``None``: the lines are not one
        a session, or they were decoded and could not be."""
        if self._lines is None:
            self._lines = self._text.split("\n")
        if len(self._lines) != self._count or self._decoded == []:
            return None
        return self._lines[row]

    def sound(self) -> bool:
        """Whether each line is, on its own, the rest of a session's fields: then the rest
        decodes (its lines joined by commas) to each line's, and a line as read is what its
        session's fields are (else they may begin on the line before, or be read from the
        sessions' tips: ``whole``). Scanned once, without making every session's fields."""
        if self._sound is None:
            self._sound, text, at, scan = False, self._text, 0, json.JSONDecoder().raw_decode
            with contextlib.suppress(*_DECODE_ERRORS):
                for _ in range(self._count):
                    fields, end = scan(text, at)
                    _check(fields)
                    if text[end : end + 1] not in ("\n", ""):
                        return False  # a line that is more than one value (or spaces after it)
                    at = end + 1
                self._sound = at == len(text) + 1  # the last line ends the text
        return self._sound

    def row(self, row: int) -> dict[str, Any]:
        if self._decoded is None:
            self._decoded = self._decode()
        return self._decoded[row] if self._decoded else {}

    def whole(self, row: int) -> dict[str, Any]:
        """``row``, or when the rest cannot be decoded the fields its tip holds (``{}``: none)."""
        fields = self.row(row)
        if fields or self._read is None:
            return fields
        meta = self._read(self._rows[row].split("\t", 1)[0])
        return {} if meta is None else {name: getattr(meta, name) for name in _DEFERRED}

    def _decode(self) -> list[Any]:
        try:
            decoded = [_fields(fields) for fields in json.loads(f"[{self._text.replace(chr(10), ',')}]")]
            if len(decoded) == self._count:
                return decoded
        except _DECODE_ERRORS:
            pass
        with contextlib.suppress(OSError):
            os.unlink(self._path)
        return []


def _check(fields: list[Any]) -> None:
    """Raise unless ``fields`` are the rest of a session's fields (as ``_fields`` takes them)."""
    updated, clock, values, stamps, authors, counts = fields
    if not all(isinstance(v, dict) for v in (values, stamps, counts)) or not isinstance(authors, list):
        raise TypeError("not the fields of a session")
    if not isinstance(updated, int) or not isinstance(clock, int):
        raise TypeError("not the times of a session")


def _fields(fields: list[Any]) -> dict[str, Any]:
    _check(fields)
    updated, clock, values, stamps, authors, counts = fields
    return {
        "updated": updated,
        "clock": clock,
        "values": values,
        "stamps": _Stamps(stamps),
        "authors": tuple(authors),
        "counts": counts,
    }


class _Deferred:
    """A field of ``_Cached`` that its row does not hold: read from the file's rest (with
    the others) the first time it is asked for, then the instance's own. Not a data
    descriptor: a field set when a ``_Cached`` is made whole (``dataclasses.replace``)
    is the instance's from the start."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, meta: Meta | None, owner: type | None = None) -> Any:
        if meta is None:
            return self
        state = meta.__dict__
        state.update(state["_rest"].whole(state["_row"]) or _unreadable(*state["_shown"]))
        return state[self._name]


class _Cached(Meta):
    """A session's fields as the cache holds them: the row's at once, the rest (``_DEFERRED``)
    the first time one is asked for. Made with the row's fields only (``_rows``); equal to
    the ``Meta`` of the same fields, as the fields read from its tip are. A copy with
    changes (``dataclasses.replace``) is made whole, as any ``Meta``."""

    updated = _Deferred()
    clock = _Deferred()
    values = _Deferred()
    stamps = _Deferred()
    authors = _Deferred()
    counts = _Deferred()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Meta):
            return NotImplemented
        names = ("id", "created", "tz", *_DEFERRED)
        return all(getattr(self, name) == getattr(other, name) for name in names)

    __hash__ = None  # type: ignore[assignment]  # as Meta's: its values are a dict

    @property
    def status(self) -> str:
        shown = self.__dict__.get("_shown")
        return super().status if shown is None else shown[0]

    @property
    def branch(self) -> str:
        shown = self.__dict__.get("_shown")
        return super().branch if shown is None else shown[1]

    @property
    def title(self) -> str:
        shown = self.__dict__.get("_shown")
        return super().title if shown is None else shown[2]


def _unreadable(status: str, branch: str, title: str) -> dict[str, Any]:
    """The rest of a session whose cached rest cannot be read: what its row shows."""
    values = {"status": status, "branch": branch, "title": title}
    return {"updated": 0, "clock": 0, "values": values, "stamps": {}, "authors": (), "counts": {}}


class _Stamps(Mapping[str, Stamp]):
    """A session's stamps as the file holds them (``{field: [clock, op]}``), each made a
    ``Stamp`` when read: ``list`` never reads them, and 40,000 of them cost a tenth of it."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Mapping[str, list[Any]]) -> None:
        self._raw = raw

    def __getitem__(self, name: str) -> Stamp:
        clock, op = self._raw[name]
        return Stamp(clock, op)

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)
