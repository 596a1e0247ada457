"""What the branches look like on disk, and what automatic reattach (``autoreattach``) saw
last time: a command whose branches did not move since then has nothing to reattach.

Apart from ``autoreattach`` so that this question costs no import of reattach's machinery
(``quickpush`` asks it before answering a push with nothing to send).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any

from git_session import paths
from git_session.gitrepo import Repo, read_data

RACY_SECONDS = 2.0  # a folder changed more recently than this may change again unseen


def stamp(repo: Repo) -> str | None:
    """What the branches' folders and ``packed-refs`` look like on disk: git writes, makes
    or deletes a loose ref by renaming a lock file in its folder, and rewrites packed-refs
    whole, so a branch that moved changes this. ``None``: a folder changed too recently to
    tell a later change in the same clock tick from it (the tips are read then)."""
    now = time.time()
    stamps = []
    pending = [os.path.join(repo.common_dir, "refs", "heads"), os.path.join(repo.common_dir, "refs", "remotes")]
    files = [os.path.join(repo.common_dir, "packed-refs")]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                pending += [e.path for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:
            pass  # its subfolders cannot be listed: the folder's own time is still stamped
        files.append(folder)
    for path in files:
        try:
            status = os.stat(path)
        except OSError:
            stamps.append(f"{path} -")
            continue
        if now - status.st_mtime < RACY_SECONDS:
            return None
        stamps.append(f"{path} {status.st_mtime_ns} {status.st_ino} {status.st_size}")
    return hashlib.sha1("\n".join(sorted(stamps)).encode("utf-8", "surrogateescape")).hexdigest()


def seen_record(repo: Repo) -> dict[str, Any]:
    """What ``autoreattach`` last saved (``{}``: nothing, or nothing readable)."""
    from git_session import codec

    try:
        raw = codec.loads(read_data(paths.reattach_seen(repo)))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def unchanged(repo: Repo) -> bool:
    """Whether no branch moved since automatic reattach last looked: it would do nothing
    (``autoreattach.reattach_new`` returns at once for the same reason)."""
    on_disk = stamp(repo)
    return on_disk is not None and _seen_stamp(repo) == on_disk


def _seen_stamp(repo: Repo) -> object:
    """The stamp in ``seen_record``, read as plain JSON: it is only compared with a hex
    digest, which nothing ``codec.loads`` refuses can equal (the early answers then need
    no import of the codec and the model)."""
    try:
        raw = json.loads(read_data(paths.reattach_seen(repo)))
    except (OSError, ValueError, RecursionError):
        return None
    return raw.get("stamp") if isinstance(raw, dict) else None
