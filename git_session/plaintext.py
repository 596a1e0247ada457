"""Text as it may be shown anywhere: control and bidi characters made visible, long
lines clipped. No click here, so that the core (briefs, handoffs) can use it too."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe(text: str, multiline: bool = False) -> str:
    """Text as it may be shown on a terminal: control and bidi characters made visible."""
    if not multiline:
        text = text.replace("\r\n", "\n").replace("\n", "\\n")
    return _UNSAFE.sub(
        lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) > 0xFF else f"\\x{ord(m.group()):02x}", text
    )


def clip(text: str, width: int = 200) -> str:
    line = safe(text)
    return line if len(line) <= width else line[: width - 1] + "…"


def local_time(epoch: int, tz: str) -> datetime:
    """A time in the writer's own offset (``+0100``), as git shows it."""
    sign = -1 if tz.startswith("-") else 1
    return datetime.fromtimestamp(epoch, timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5]))))


def when(epoch: int, tz: str) -> str:
    return local_time(epoch, tz).strftime("%Y-%m-%d %H:%M")
