"""Which sessions this clone started or chose: the default session of a branch is one of them.

Kept in ``<common-dir>/git-session/chosen``, one session id a line, latest last. It is
never fetched or pushed, so a teammate's session that arrives with a pull cannot become
the default by itself.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from git_session import paths
from git_session.gitrepo import Repo, open_data, replace_file

MAX_BYTES = 64 * 1024  # only the last this many bytes are read; beyond, the file is compacted
KEEP = 500


def read(repo: Repo) -> dict[str, int] | None:
    """Each chosen session id with the rank of its latest choice (higher: later); ``None``
    when this clone has no record yet, or none it can use: one with no choice in it (a full
    disk can leave the file empty) or one it cannot read."""
    try:
        with open_data(paths.choices_file(repo)) as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - MAX_BYTES))  # the latest choices
            data = handle.read(MAX_BYTES)
    except OSError:  # missing or unreadable: as in a clone older than the record
        return None
    lines = data.decode("utf-8", "replace").splitlines()
    return {line.strip(): rank for rank, line in enumerate(lines) if line.strip()} or None


def record(repo: Repo, session_ids: Sequence[str]) -> None:
    """Record choices, the latest last (appended: two commands choosing at once both stay)."""
    target = paths.choices_file(repo)
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"{session_id}\n" for session_id in session_ids)
    with open(target, "a+b") as handle:
        handle.write((f"\n{lines}" if _cut(handle) else lines).encode("utf-8"))
    if target.stat().st_size > MAX_BYTES:
        _compact(target, read(repo) or {})


def _cut(handle: BinaryIO) -> bool:
    """Whether the last line has no end (a full disk stopped its write): the next starts apart."""
    size = handle.seek(0, os.SEEK_END)
    if size == 0:
        return False
    handle.seek(size - 1)
    return handle.read(1) != b"\n"


def _compact(target: Path, chosen: dict[str, int]) -> None:
    latest = sorted(chosen, key=lambda session_id: chosen[session_id])[-KEEP:]
    with contextlib.suppress(OSError):  # the record only stays longer
        replace_file(target, "".join(f"{session_id}\n" for session_id in latest).encode("utf-8"))
