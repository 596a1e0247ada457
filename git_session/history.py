"""A session's branch history, read by ONE ``git log`` process whose cost follows the range.

Which history (``history_range``):

- ``base`` is the branch tip when the session started. When it is ``None`` (the session
  began on an unborn branch) or is not a commit of this repository (a teammate's session
  fetched without its code), the history is the tip's commits since the session was
  created (``git log TIP --since=@CREATED``: git stops walking at the first older commit).
- ``tip`` is the tip recorded when the session ended (so that a later rendering shows the
  history as it was handed over), else the branch tip, else the last linked commit that
  exists here. Without a tip there is no history, and no git process.

The same process gives each commit's session note (``%N`` of ``refs/notes/sessions``):
git's own notes lookup is far cheaper than one tree walk per commit. A note may hold any
bytes, NUL included, so it is the last field of the header and ends at a random marker
chosen for each run. Renames are read as a deletion and an addition (``--no-renames``);
textconv and external diff drivers are never run.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import NamedTuple

from git_session import gitcli
from git_session.errors import DataError, GitError, UserError
from git_session.gitrepo import Repo
from git_session.model import Meta
from git_session.names import NOTES_REF, ObjectId

# One field per NUL-separated token, then the note and the marker; git ends the header with
# a NUL of its own (-z), then come the diff records: ":<modes> <ids> <status>" NUL path NUL,
# then "<+>\t<->\t<path>" NUL.
_LOG_FIELDS = ("%H", "%P", "%an", "%ae", "%at", "%aI", "%s", "%(trailers:only,unfold)")
LOG_OPTIONS = (
    "log",
    "-z",
    "--raw",
    "--numstat",
    "--no-abbrev",
    "--no-renames",
    "--no-textconv",
    "--no-ext-diff",
    "--no-color",
    "--no-show-signature",
    "--no-relative",
    "--encoding=UTF-8",
    "--no-notes",
)


class FileChange(NamedTuple):  # tuples: a thousand commits are made in no time (ISSUE14: handoff)
    path: str
    status: str  # A, M or D
    added: int | None  # None: a binary file
    deleted: int | None


class HistoryCommit(NamedTuple):
    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    time: int
    date: str
    subject: str
    trailers: tuple[tuple[str, str], ...]
    files: tuple[FileChange, ...]
    note: str = ""  # the commit's session note, as stored


class Range(NamedTuple):
    """The history a handoff covers: ``base..tip``, or ``tip`` since a time when base is unknown."""

    base: ObjectId | None
    tip: ObjectId | None
    since: int | None = None

    def log_args(self) -> list[str] | None:
        """The revision arguments of the one git log, or ``None`` when there is nothing to read."""
        if self.tip is None or self.tip == self.base:
            return None
        if self.base is not None:
            return [f"{self.base}..{self.tip}"]
        return [self.tip, *([f"--since=@{self.since}"] if self.since is not None else [])]

    def describe(self) -> str:
        if self.tip is None:
            return "no commits"
        if self.base is not None:
            return f"{self.base[:12]}..{self.tip[:12]}"
        return f"{self.tip[:12]} since the session started"


class PendingHistory:
    """The one git log of a range, started: ``commits()`` waits for it and parses its output."""

    def __init__(self, running: gitcli.Running | None, marker: str) -> None:
        self.running = running
        self.marker = marker

    def commits(self) -> list[HistoryCommit]:
        """The commits of the range, oldest first, with their trailers, files and notes."""
        if self.running is None:
            return []
        return list(reversed(parse_log(_text(self.running.result().stdout), self.marker)))


def log_command(repo: Repo, span: Range, marker: str) -> list[str] | None:
    """The arguments of the git log of the range, or ``None`` when there is nothing to read."""
    revisions = span.log_args()
    if revisions is None:
        return None
    notes = [f"--notes={NOTES_REF}"] if repo.ref_target(NOTES_REF) is not None else []
    fields = "%x00".join([*_LOG_FIELDS, "%N", marker])
    return [*LOG_OPTIONS, *notes, f"--format={fields}", *revisions, "--"]


def start_history(repo: Repo, span: Range) -> PendingHistory:
    """Start the git log of the range: the caller reads the session meanwhile."""
    marker = f"git-session-{secrets.token_hex(16)}"
    args = log_command(repo, span, marker)
    return PendingHistory(None if args is None else gitcli.start(args, git_dir=repo.git_dir), marker)


def read_history(repo: Repo, span: Range) -> list[HistoryCommit]:
    """The commits of the range, oldest first, with their trailers, files and notes."""
    return start_history(repo, span).commits()


class LineCounts(NamedTuple):
    """What a report's figures take of a commit: the paths it changed, and its lines added
    and deleted (a binary file's: none)."""

    sha: str
    paths: tuple[str, ...]
    added: int
    deleted: int


def read_line_counts(repo: Repo, shas: Sequence[str]) -> list[LineCounts]:
    """The line counts of the commits named (full ids of commits that are here), read by ONE
    ``git log --no-walk`` that takes them on its stdin, as many as a report asks for; only what
    its figures take (no author, subject, trailers, note or ``--raw`` record: ``--numstat``
    names the same paths). ``--encoding=UTF-8`` stays: git re-encodes every formatted line
    to the user's ``i18n.logOutputEncoding`` otherwise (in UTF-16, no marker would be found)."""
    if not shas:
        return []
    marker = f"git-session-{secrets.token_hex(16)}"
    options = [option for option in LOG_OPTIONS if option != "--raw"]  # UTF-8: else git re-encodes its lines
    args = [*options, f"--format={marker}%x00%H", "--no-walk=unsorted", "--stdin"]
    result = gitcli.run(args, git_dir=repo.git_dir, input="".join(f"{sha}\n" for sha in shas))
    return [_line_counts(record) for record in _records(_text(result.stdout), marker)]


def _records(output: str, marker: str) -> list[str]:
    """The records of ``read_line_counts``'s output: anything before the first marker is
    output it cannot read (never taken as "no commits")."""
    before, *records = output.split(marker + "\0")
    if before.strip("\n"):
        raise GitError(f"cannot read the output of git log near {before[:40]!r}", command=("log",))
    return records


def _line_counts(record: str) -> LineCounts:
    """A commit's record of ``read_line_counts``: its id, then ``<+>\t<->\t<path>`` tokens."""
    sha, *tokens = record.split("\0")
    if not ObjectId.is_full(sha):
        raise GitError(f"cannot read the output of git log near {sha[:40]!r}", command=("log",))
    paths: list[str] = []
    added = deleted = 0
    for token in tokens:
        numstat = _numstat(token.lstrip("\n"))
        if numstat is None:
            if token.strip("\n"):
                raise GitError(f"cannot read the output of git log for {sha[:12]}", command=("log",))
            continue
        path, plus, minus = numstat
        paths.append(path)
        added += plus or 0
        deleted += minus or 0
    return LineCounts(sha, tuple(paths), added, deleted)


def parse_log(output: str, marker: str) -> list[HistoryCommit]:
    """Parse the output of ``log_command`` (newest first, as git gives it)."""
    tokens = output.split("\0")
    commits: list[HistoryCommit] = []
    index = 0
    while index < len(tokens) and tokens[index].strip("\n"):
        header = tokens[index : index + len(_LOG_FIELDS)]
        if len(header) < len(_LOG_FIELDS) or not ObjectId.is_full(header[0].lstrip("\n")):
            raise GitError(f"cannot read the output of git log near {tokens[index][:40]!r}", command=("log",))
        index += len(_LOG_FIELDS)
        try:
            end = tokens.index(marker, index)
        except ValueError:
            raise GitError(
                f"cannot read the output of git log: commit {header[0].strip()[:12]} is cut short", command=("log",)
            ) from None
        note, index = "\0".join(tokens[index:end]), end + 1
        files, index = _parse_changes(tokens, index)
        commits.append(_commit(header, files, note))
    return commits


def _parse_changes(tokens: list[str], index: int) -> tuple[tuple[FileChange, ...], int]:
    statuses: dict[str, str] = {}
    counts: dict[str, tuple[int | None, int | None]] = {}
    while index < len(tokens):
        token = tokens[index].lstrip("\n")
        if token[:1] == ":" and index + 1 < len(tokens):
            status = token[token.rfind(" ") + 1 :][:1]
            statuses[tokens[index + 1]] = status if status in ("A", "D") else "M"
            index += 2
            continue
        numstat = _numstat(token)
        if numstat is None:
            break
        counts[numstat[0]] = numstat[1:]
        index += 1
    files = tuple([FileChange(path, status, *counts.get(path, (0, 0))) for path, status in statuses.items()])
    return files, index


def _numstat(token: str) -> tuple[str, int | None, int | None] | None:
    """``<+>\t<->\t<path>`` (a count ``-``: a binary file) as (path, added, deleted), else ``None``;
    read without a regular expression (``isdecimal``: a regular expression's ``\\d``)."""
    parts = token.split("\t", 2)
    if len(parts) != 3:
        return None
    plus, minus, path = parts
    if not ((plus == "-" or plus.isdecimal()) and (minus == "-" or minus.isdecimal())):
        return None
    return path, None if plus == "-" else int(plus), None if minus == "-" else int(minus)


def _commit(header: list[str], files: tuple[FileChange, ...], note: str) -> HistoryCommit:
    sha, parents, author, email, at, date, subject, trailer_text = header
    trailers = []
    for line in trailer_text.splitlines() if trailer_text else ():
        key, colon, value = line.partition(":")
        if colon and key.strip():
            trailers.append((key.strip(), value.strip()))
    time = int(at) if at.isdigit() else 0
    return HistoryCommit(
        sha.lstrip("\n"), tuple(parents.split()), author, email, time, date, subject, tuple(trailers), files, note
    )


def _text(value: str) -> str:
    """Git's bytes as text: what is not UTF-8 becomes U+FFFD, so it can be printed and dumped."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def history_range(repo: Repo, meta: Meta, recorded_tip: str | None, linked: Callable[[], Sequence[str]]) -> Range:
    """Which commits the handoff of a session covers (see the module's docstring). The
    linked commits (oldest first) are asked for only when there is no other tip."""
    branch_tip = repo.ref_target(f"refs/heads/{meta.branch}") if meta.branch else None
    tip = next((ObjectId(sha) for sha in (recorded_tip, branch_tip) if sha and _is_commit(repo, sha)), None)
    if tip is None:
        tip = next((ObjectId(sha) for sha in reversed(linked()) if _is_commit(repo, sha)), None)
    base = meta.get("base")
    if isinstance(base, str) and _is_commit(repo, base):
        return Range(ObjectId(base), tip)
    return Range(None, tip, meta.created)


def _is_commit(repo: Repo, sha: str) -> bool:
    if not (ObjectId.is_full(sha) and repo.has_object(sha)):
        return False
    try:
        repo.commit(ObjectId(sha))
    except (UserError, DataError):
        return False
    return True
