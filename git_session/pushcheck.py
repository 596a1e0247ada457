"""The commits a ``git push`` sends, checked for secrets in their messages (pre-push hook).

Trailers are masked when they are rendered (``trailers.py``), but a message can carry a
secret by other ways: typed by hand, pasted, or committed before the hooks were in. The
pre-push hook checks the messages of every commit the push sends that the remote does
not have (the commits of the pushed ranges, less those on the remote's tracking
branches; for a URL, less those on any remote's), within a time and a count bound: a
hook never hangs a push.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from git_session import allowlist, secrets
from git_session.errors import UserError
from git_session.gitrepo import Repo
from git_session.names import ObjectId
from git_session.secrets import Finding

MAX_COMMITS = 20_000
TIME_LIMIT = 10.0  # seconds
MODES = ("block", "warn", "off")  # session.pushCheck: what a finding does to the push


@dataclass(frozen=True)
class Checked:
    findings: list[Finding]  # not acknowledged (``git session secrets allow``)
    commits: int  # how many commit messages were checked
    complete: bool  # False when a bound cut the check short


def mode(repo: Repo) -> str:
    value = (repo.config_value("session.pushCheck") or "block").strip().lower()
    return value if value in MODES else "block"


def check(repo: Repo, remote: str, lines: Iterable[str], clock: Callable[[], float] = time.monotonic) -> Checked:
    """Check the messages of the commits the pushed lines (``<local ref> <local sha>
    <remote ref> <remote sha>``, as git gives them to pre-push) send."""
    tips, hide = _ranges(repo, lines)
    hide += (
        [tip for _, tip in repo.refs_with_prefix(f"refs/remotes/{remote}/")] if remote in repo.remote_names() else []
    )
    deadline = clock() + TIME_LIMIT
    count, complete = 0, True

    def messages() -> Iterator[tuple[str, str]]:
        nonlocal count, complete
        for commit in repo.walk_all(tips, [h for h in hide if repo.has_object(h)], topological=False):
            if count >= MAX_COMMITS or clock() > deadline:
                complete = False
                return
            count += 1
            yield f"the message of commit {commit.id[:12]}", commit.message

    found = secrets.scan(messages())
    allowed = allowlist.Allowed(repo)
    return Checked([f for f in found if not allowed.covers(None, f.fingerprint)], count, complete)


def _ranges(repo: Repo, lines: Iterable[str]) -> tuple[list[ObjectId], list[ObjectId]]:
    tips: list[ObjectId] = []
    hide: list[ObjectId] = []
    for line in lines:
        fields = line.split()
        if len(fields) != 4:
            continue
        local, theirs = fields[1], fields[3]
        if local.strip("0"):
            tips += _commit_of(repo, local)
        if theirs.strip("0"):
            hide += _commit_of(repo, theirs)
    return tips, hide


def _commit_of(repo: Repo, oid: str) -> list[ObjectId]:
    """The commit an object is or points to (a tag), if it is here."""
    try:
        return [repo.resolve_commit(oid)] if repo.has_object(oid) else []
    except UserError:
        return []
