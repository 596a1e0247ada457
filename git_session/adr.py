"""Architecture Decision Records: one Markdown file per decision of a session.

Files are named ``NNNN-<slug>.md``, numbered after the highest number already in the
folder, and created with ``O_EXCL``: an existing file is never overwritten; when a name
is taken (another writer got there first), the next number is tried.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from git_session import sandbox, views
from git_session.errors import UserError
from git_session.sessions import Found, Workspace, slugify

STATUS = "Accepted"
MAX_SLUG = 50
_NUMBERED = re.compile(r"(\d+)-")


def prepare(directory: str) -> None:
    """Make sure the folder exists (created if missing) before the session is ended."""
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the ADR folder {directory}: {exc.strerror or exc}") from None
    if not os.path.isdir(directory):
        raise UserError(f"{directory} is not a folder")


def next_number(directory: str) -> int:
    """One more than the highest ``NNNN-`` number among the folder's names (1 if none)."""
    numbers = [int(m.group(1)) for name in os.listdir(directory) if (m := _NUMBERED.match(name))]
    return max(numbers, default=0) + 1


def slug(text: str) -> str:
    return slugify(text)[:MAX_SLUG].strip("-") or "decision"


def write_new(directory: str, number: int, name: str, content: Callable[[int], str]) -> tuple[str, int]:
    """Create ``NNNN-name.md`` with the first free number from ``number``; never overwrite.
    The content is rendered before the file is created, so a failure leaves no file."""
    while True:
        text = content(number)
        path = os.path.join(directory, f"{number:04d}-{name}.md")
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            number += 1
            continue
        except OSError as exc:
            raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        return path, number


def write_adrs(ws: Workspace, found: Found, directory: str) -> list[str]:
    """One ADR per decision of the session, oldest first; returns the paths written."""
    prepare(directory)
    state = ws.store.state(found.handle)
    template = sandbox.find_template(ws.repo, "adr")
    session = {**views.meta_view(state.meta), "short": ws.short_session_id(found.handle.id)}
    paths: list[str] = []
    number = next_number(directory)
    for entry in state.of_kind("decision"):
        decision = views.entry_view(entry)
        context = {"status": STATUS, "date": decision["created"][:10], "session": session, "decision": decision}

        def content(n: int, context: dict[str, Any] = context) -> str:
            return sandbox.render_template(template, {**context, "number": n})

        path, number = write_new(directory, number, slug(entry.text), content)
        paths.append(path)
        number += 1
    return paths
