"""Who a reflog line names, as git writes it (``git var GIT_COMMITTER_IDENT``, but lenient,
as git's own ref updates are: an identity git cannot find is its default, never an error):
the name from ``GIT_COMMITTER_NAME``, else ``committer.name``, else ``user.name``, else the
account's (its GECOS name, else its login); the email from ``GIT_COMMITTER_EMAIL``, else
``committer.email``, else ``user.email``, else ``EMAIL``, else ``login@host``; each
stripped of what git strips. When: now, in the local time zone, as libgit2 dates the
lines it writes (given the name and email by ``Repository.set_ident``, it takes no date:
``GIT_COMMITTER_DATE`` is git's alone, and our own lines keep to libgit2's)."""

from __future__ import annotations

import functools
import os
import re
import socket
import time
from collections.abc import Callable
from typing import NamedTuple

# What git's ident.c strips from either end of a name or email (``crud``), and drops inside.
_CRUD = "".join(chr(c) for c in range(33)) + ".,:;<>\"\\'"
_DROPPED = re.compile("[\n<>]")


class Committer(NamedTuple):
    name: str
    email: str

    def line_part(self) -> str:
        """As a reflog line has it, dated now in the local time zone (as libgit2 dates its
        own): ``Name <email> 1700000000 +0100``."""
        seconds = int(time.time())
        offset = time.localtime(seconds).tm_gmtoff // 60
        sign, minutes = ("-" if offset < 0 else "+"), abs(offset)
        return f"{self.name} <{self.email}> {seconds} {sign}{minutes // 60:02d}{minutes % 60:02d}"


def committer(config_value: Callable[[str], str | None]) -> Committer:
    """The committer git would name in a reflog line (``config_value``: git's config)."""
    name = _first(os.environ.get("GIT_COMMITTER_NAME"), config_value("committer.name"), config_value("user.name"))
    email = _first(
        os.environ.get("GIT_COMMITTER_EMAIL"),
        config_value("committer.email"),
        config_value("user.email"),
        os.environ.get("EMAIL"),
    )
    return Committer(_clean(name or _default_name()), _clean(email or _default_email()))


def _first(*values: str | None) -> str | None:
    return next((value for value in values if value), None)


def _clean(text: str) -> str:
    """``text`` as git puts it in an ident (``strbuf_addstr_without_crud``); bytes of the
    environment that are not UTF-8 replaced (libgit2 takes UTF-8 text)."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _DROPPED.sub("", text.strip(_CRUD))


@functools.cache
def _default_name() -> str:
    """The account's name as git finds it: its GECOS name up to a comma (``&``: the login,
    capitalised), else its login (looked up once a process, as git does)."""
    login = _login()
    try:
        import pwd

        gecos = pwd.getpwuid(os.getuid()).pw_gecos.split(",", 1)[0]
    except (ImportError, AttributeError, KeyError, OSError):  # (Windows: no pwd, no getuid)
        gecos = ""
    return gecos.replace("&", login[:1].upper() + login[1:]) or login


@functools.cache
def _default_email() -> str:
    """``login@host`` as git makes it: the host's name when it has a dot, else its
    canonical name when that has one, else the name and ``.(none)``. Looked up once a
    process, as git does (the resolver may take seconds to say it has no answer)."""
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
