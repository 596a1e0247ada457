"""Text as it may be shown anywhere: control and bidi characters made visible, long
lines clipped. No click here, so that the core (briefs, handoffs) can use it too."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta, timezone

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def on_terminal(stream: object) -> bool:
    """Whether ``stream`` is a terminal; an absent one (closed at start: ``1>&-`` makes
    ``sys.stdout`` ``None``) or a closed one is not."""
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


def safe(text: str, multiline: bool = False) -> str:
    """Text as it may be shown on a terminal: control and bidi characters made visible."""
    if text.isascii() and text.isprintable():  # most texts: nothing to replace (10,000 rows of list)
        return text
    if not multiline:
        text = text.replace("\r\n", "\n").replace("\n", "\\n")
    return _UNSAFE.sub(
        lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) > 0xFF else f"\\x{ord(m.group()):02x}", text
    )


def on_screen(text: str, json_text: bool = False) -> str:
    """A document (JSON with ``json_text``) as a terminal may be given it: nothing in it
    that the terminal would act on (a session's texts may be a teammate's: anything)."""
    return safe_json(text) if json_text else safe(text, multiline=True)


def safe_json(text: str) -> str:
    """JSON text as it may be shown on a terminal: each character ``safe`` makes visible
    written as JSON's own escape (``\\u202e``), so that it is still the same JSON."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def clip(text: str, width: int = 200) -> str:
    line = safe(text)
    return line if len(line) <= width else line[: width - 1] + "…"


def quoted(text: str, width: int = 200) -> str:
    """``clip``'s line between quotes, chosen as ``repr`` chooses them; unlike ``repr`` of
    it, each of ``safe``'s escapes is written once (``'\\x1b'``, not ``'\\\\x1b'``)."""
    line = clip(text, width)
    if "'" not in line:
        return f"'{line}'"
    if '"' not in line:
        return f'"{line}"'
    return "'" + line.replace("'", "\\'") + "'"


def local_time(epoch: int, tz: str) -> datetime:
    """A time in the writer's own offset (``+0100``), as git shows it."""
    return datetime.fromtimestamp(epoch, _offset(tz))


@functools.lru_cache(maxsize=256)
def _offset(tz: str) -> timezone:
    sign = -1 if tz.startswith("-") else 1
    return timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5])))


def when(epoch: int, tz: str) -> str:
    """``%Y-%m-%d %H:%M`` of ``local_time``, without strftime nor a ``datetime`` for each
    time (most of a ``list`` row's cost): the day's text is worked out once for each day."""
    days, seconds = divmod(epoch + _offset_seconds(tz), 86400)
    return f"{_day(days)} {seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def iso_time(epoch: int, tz: str) -> str:
    """ISO 8601 in the writer's own offset (``local_time``'s ``isoformat``), an offset of a
    day or more too: git takes ``+2400``, and a session written with one came from anywhere."""
    offset = _offset_seconds(tz)
    days, seconds = divmod(epoch + offset, 86400)  # as ``when``: no ``datetime`` for each time
    clock = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return f"{_day(days)}T{clock}{'-' if offset < 0 else '+'}{hours:02d}:{minutes:02d}"


@functools.lru_cache(maxsize=256)
def _offset_seconds(tz: str) -> int:
    """The offset as git reads it, a day or more too (``+2400``: no ``timezone`` holds it)."""
    return (-1 if tz.startswith("-") else 1) * (int(tz[1:3]) * 3600 + int(tz[3:5]) * 60)


@functools.lru_cache(maxsize=4096)
def _day(days: int) -> str:
    """``%Y-%m-%d`` of the day ``days`` after 1 January 1970."""
    day = _EPOCH_DAY + timedelta(days=days)
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


_EPOCH_DAY = date(1970, 1, 1)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def human_date(value: object) -> str:
    """An ISO 8601 time as a person reads it: ``30 Nov 2026, 01:25 UTC``, in the offset it
    was written in (``30 Nov 2026, 02:25 +01:00``); the month in English whatever the locale.
    What is not an ISO time (stored data may hold anything) is shown as it is; nothing at all
    (``None``) as an empty string."""
    if value is None:
        return ""
    text = str(value)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    offset = moment.utcoffset()
    if offset is None:
        zone = ""
    elif not offset:
        zone = " UTC"
    else:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        zone = f" {sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}, {moment.hour:02d}:{moment.minute:02d}{zone}"
