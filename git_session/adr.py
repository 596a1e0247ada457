"""Architecture Decision Records: one Markdown file per decision of a session.

Files are named ``NNNN-<slug>.md``, numbered after the highest number already in the
folder. Every record is rendered and written to a temporary file of the folder first,
then hard-linked to its name: a link never replaces a file, so an existing file is never
overwritten; when a name is taken (another writer got there first), the next number is
tried. If any record fails, none is left behind, and `end --adr` ends nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from typing import Any

from git_session import handoff, model, sandbox, secrets, views
from git_session.errors import Advice, SessionError, UserError
from git_session.gitrepo import making, staged_file
from git_session.names import slug as make_slug
from git_session.sessions import Found, Workspace

STATUS = "Accepted"
MAX_SLUG = 50
_NUMBERED = re.compile(r"(\d+)-")


def prepare(directory: str) -> None:
    """Make sure the folder exists (created if missing) before the session is ended."""
    try:
        with making(directory):
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
    return make_slug(text, MAX_SLUG) or "decision"


def write_new(directory: str, number: int, name: str, content: Callable[[int], str]) -> tuple[str, int]:
    """Create ``NNNN-name.md`` with the first free number from ``number``; never overwrite.
    The content is rendered and written to a temporary file first, then linked into
    place, so a failure leaves no file."""
    with contextlib.ExitStack() as temporaries:
        return _place(directory, number, name, content, (_stage(temporaries, directory, 0, content(number)), number))


def write_adrs(ws: Workspace, found: Found, directory: str, withheld: list[str] | None = None) -> list[str]:
    """One ADR per decision of the session, oldest first; returns the paths written.

    All or nothing: every record is rendered and written to a temporary file before the
    first one takes its name, and those already placed are removed if a later one fails.
    Records are meant to be committed: a secret in one is masked, and said so in ``withheld``."""
    prepare(directory)
    records = _records(ws, found, withheld if withheld is not None else [])
    number = next_number(directory)
    placed: list[str] = []
    try:
        with contextlib.ExitStack() as temporaries:  # (each removed on the way out, Ctrl-C too)
            staged = [
                (name, content, (_stage(temporaries, directory, offset, content(number + offset)), number + offset))
                for offset, (name, content) in enumerate(records)
            ]
            for name, content, temporary in staged:
                path, number = _place(directory, number, name, content, temporary)
                placed.append(path)
                number += 1
    except BaseException:
        for path in placed:
            _remove(path)
        raise
    return placed


def _records(ws: Workspace, found: Found, withheld: list[str]) -> list[tuple[str, Callable[[int], str]]]:
    """(slug, render by number) of each decision of the session, oldest first, its
    secrets masked (each said once in ``withheld``)."""
    state = ws.store.state(found.handle)
    template = sandbox.find_template(ws.repo, "adr")
    session = {**views.meta_view(state.meta), "short": ws.short_session_id(found.handle.id)}
    records: list[tuple[str, Callable[[int], str]]] = []
    for entry in state.of_kind("decision"):
        decision = views.entry_view(entry)
        context = {
            "status": STATUS,
            "date": views.iso_time(entry.created, entry.tz)[:10],
            "session": session,
            "decision": decision,
        }

        def content(n: int, context: dict[str, Any] = context, entry_id: str = entry.id) -> str:
            text, findings = secrets.masked(sandbox.render_template(template, {**context, "number": n}))
            if findings:
                kinds = ", ".join(dict.fromkeys(f.what for f in findings))
                short = ws.short_entry_id(found, "decision", entry_id)
                said = f"the ADR of decision {short} held a secret ({kinds}): it is masked there"
                withheld.extend([said] if said not in withheld else [])
            return text

        records.append((slug(entry.text), content))
    return records


def _stage(temporaries: contextlib.ExitStack, directory: str, offset: int, text: str) -> str:
    """``text`` in a new temporary file of the folder (``staged_file``: readable as a file
    made by hand, on the disk, removed as ``temporaries`` closes); its path."""
    hidden = os.path.join(directory, f"git-session-adr-{offset}.md")
    try:
        return temporaries.enter_context(staged_file(hidden, text.encode("utf-8"), durable=True))
    except OSError as exc:
        raise UserError(f"cannot write an ADR in {directory}: {exc.strerror or exc}") from None


def _fill(handle: int, text: str) -> None:
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


def _place(
    directory: str, number: int, name: str, content: Callable[[int], str], staged: tuple[str, int]
) -> tuple[str, int]:
    """Give the temporary file (``staged``: its path, and the number it was rendered with) the
    name ``NNNN-name.md``, with the first number from ``number`` that is free (a hard link never
    replaces a file); rendered again whenever the number differs from the one in it."""
    temporary, rendered = staged
    while True:
        if number != rendered:
            try:
                _fill(os.open(temporary, os.O_WRONLY | os.O_TRUNC), content(number))
            except OSError as exc:
                raise UserError(f"cannot write an ADR in {directory}: {exc.strerror or exc}") from None
            rendered = number
        path = os.path.join(directory, f"{number:04d}-{name}.md")
        try:
            os.link(temporary, path)
            return path, number
        except FileExistsError:
            number += 1
        except OSError as exc:
            raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def end(
    ws: Workspace,
    spec: str | None,
    verb: str,
    reason: str | None,
    with_handoff: bool,
    directory: str,
    withheld: list[str] | None = None,
) -> tuple[Found, list[str]]:
    """Write the session's ADRs, then end it: a failure to write them ends nothing (and
    `git session adr` writes them for a session already ended)."""
    change = model.transition(model.SESSION, verb)
    found = ws.find(spec)
    short = ws.short_session_id(found.handle.id)
    if found.meta.status not in change.allowed_from:
        raise UserError(
            f"session {short} is {found.meta.status}; cannot make it {change.to}",
            advice=Advice.ADRS_FOR_ENDED,
            data={"short": short, "directory": directory},
        )
    paths = write_adrs(ws, found, directory, withheld)
    try:
        return handoff.end(ws, found.handle.id, verb, reason, with_handoff), paths
    except SessionError as exc:
        if not paths:  # no decision: nothing was written
            raise
        error = SessionError(
            f"wrote {len(paths)} ADR(s) in {directory}, but ending session {short} failed: {exc.message}",
            exc.hint,
            advice=Advice.END_WITHOUT_ADR,
            advised=exc.advised,
        )
        error.exit_code = exc.exit_code
        raise error from None
