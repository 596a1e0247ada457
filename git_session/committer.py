"""Who and when a reflog line names, as git writes it (``git var GIT_COMMITTER_IDENT``, but
lenient, as git's own ref updates are: an identity git cannot find is its default, never an
error): the name from ``GIT_COMMITTER_NAME``, else ``committer.name``, else ``user.name``,
else the account's (its GECOS name, else its login); the email from ``GIT_COMMITTER_EMAIL``,
else ``committer.email``, else ``user.email``, else ``EMAIL``, else ``login@host``; each
stripped of what git strips. The time: ``GIT_COMMITTER_DATE`` as git reads it, else now
in the local time zone."""

from __future__ import annotations

import functools
import os
import re
import socket
import time
from collections.abc import Callable
from typing import NamedTuple

from git_session import gitcli

# What git's ident.c strips from either end of a name or email (``crud``), and drops inside.
_CRUD = "".join(chr(c) for c in range(33)) + ".,:;<>\"\\'"
_DROPPED = re.compile("[\n<>]")
_DATE = re.compile(r"> (?P<time>[0-9]+) (?P<tz>[+-])(?P<hours>[0-9]{2})(?P<minutes>[0-9]{2})\Z")


class Committer(NamedTuple):
    name: str
    email: str
    time: int
    offset_minutes: int

    def line_part(self) -> str:
        """As a reflog line has it: ``Name <email> 1700000000 +0100``."""
        sign, minutes = ("-" if self.offset_minutes < 0 else "+"), abs(self.offset_minutes)
        return f"{self.name} <{self.email}> {self.time} {sign}{minutes // 60:02d}{minutes % 60:02d}"


def committer(config_value: Callable[[str], str | None]) -> Committer:
    """The committer git would write in a reflog line now (``config_value``: git's config)."""
    name = _first(os.environ.get("GIT_COMMITTER_NAME"), config_value("committer.name"), config_value("user.name"))
    email = _first(
        os.environ.get("GIT_COMMITTER_EMAIL"),
        config_value("committer.email"),
        config_value("user.email"),
        os.environ.get("EMAIL"),
    )
    given = os.environ.get("GIT_COMMITTER_DATE")
    when = _given_date(given) if given else None
    now = int(time.time())
    seconds, offset = when or (now, time.localtime(now).tm_gmtoff // 60)
    return Committer(_clean(name or _default_name()), _clean(email or _default_email()), seconds, offset)


def _first(*values: str | None) -> str | None:
    return next((value for value in values if value), None)


def _clean(text: str) -> str:
    """``text`` as git puts it in an ident (``strbuf_addstr_without_crud``)."""
    return _DROPPED.sub("", text.strip(_CRUD))


@functools.lru_cache(maxsize=4)
def _given_date(given: str) -> tuple[int, int] | None:
    """``GIT_COMMITTER_DATE`` (``given``) as git reads it (any of its formats), asked of git
    once; ``None`` when git refuses it (git's own update then fails: ours is made, dated now)."""
    stand_in = {"GIT_COMMITTER_NAME": "x", "GIT_COMMITTER_EMAIL": "x@x", "GIT_COMMITTER_DATE": given}
    asked = gitcli.run(["var", "GIT_COMMITTER_IDENT"], env=stand_in, check=False)  # (only the date is read)
    match = _DATE.search(asked.stdout.strip())
    if asked.returncode != 0 or match is None:
        return None
    minutes = int(match["hours"]) * 60 + int(match["minutes"])
    return int(match["time"]), -minutes if match["tz"] == "-" else minutes


def _default_name() -> str:
    """The account's name as git finds it: its GECOS name up to a comma (``&``: the login,
    capitalised), else its login."""
    login = _login()
    try:
        import pwd

        gecos = pwd.getpwuid(os.getuid()).pw_gecos.split(",", 1)[0]
    except (ImportError, AttributeError, KeyError, OSError):  # (Windows: no pwd, no getuid)
        gecos = ""
    return gecos.replace("&", login[:1].upper() + login[1:]) or login


def _default_email() -> str:
    """``login@host`` as git makes it: the host's name when it has a dot, else its
    canonical name when that has one, else the name and ``.(none)``."""
    host = socket.gethostname()
    if "." not in host:
        try:
            canonical = socket.getaddrinfo(host, None, flags=socket.AI_CANONNAME)[0][3]
        except (OSError, IndexError):
            canonical = ""
        host = canonical if "." in canonical else f"{host}.(none)"
    return f"{_login()}@{host}"


def _login() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, AttributeError, KeyError, OSError):
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"
