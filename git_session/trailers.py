"""Commit trailers, rendered ahead of time whenever a session changes.

The prepare-commit-msg hook is a shell script that must not start Python on every
commit, so the trailers for a branch's active session are written to
``<common-dir>/git-session/branches/<branch>/trailers~`` together with the session
ref's tip they were made from; the hook uses them only while that tip is still current.
The branch name comes from stored (and pulled) data: it names folders only when git
would take it as a branch (no ``..``, no component starting with ``.``, no leading or
doubled ``/``, each component short enough for a file name), and the file's ``~`` is a
character no ref name holds, so no branch's folder can collide with another's cache
(``main`` and ``main/trailers``). The hook reads the same path from HEAD's branch with no
process started (a hex key cost four, most of the hook's time); a test pins both sides.

The cache also records, after a blank line, the config it was rendered from: what ``git
config --get-regexp CONFIG_PATTERN`` answered. The hook trusts the cache while every config
file is older than it; when one is not (any write: ``git remote add``, ``push -u``, an
edit of ``~/.gitconfig``), or ``git -c`` is in play, it asks git the same question and
renders again only when the answer differs: an unrelated config write costs the commit one
``git config``, not a Python start.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from git_session import gitcli, paths
from git_session.errors import DataError
from git_session.gitrepo import CommitInfo, Repo, command_line_config, read_data, replace_file
from git_session.model import Entry, EntryKind, Op
from git_session.names import BranchName, ObjectId
from git_session.store import Handle, Store

CACHE_MAGIC = "git-session-trailers 2"
DEFAULT_KEYS = ("Session-Id", "Session-Objectives", "Decisions")
KEY_SETTINGS = ("session.trailer.id", "session.trailer.objectives", "session.trailer.decisions")
COMMENT_CANDIDATES = "#;@!$%^&|:"
MAX_VALUE = 200
MAX_CACHED_COMPONENT = 200  # bytes: a file name has at most 255
MAX_CACHED_BRANCH = 1024  # bytes: its cache path stays well within PATH_MAX; a longer branch gets no trailers
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_HEADER_LINES = 9  # magic, ref, tip, comment, merge, keys, head, configured, separators
_TOKEN = re.compile(r"[A-Za-z0-9-]+")  # what git takes for a trailer's key
# Every config a cache is rendered from (keys, comment character, merges, git's trailer
# settings), as git names it (section and variable in lower case): the hook's copy is pinned.
CONFIG_PATTERN = r"^(trailer\.|core\.commentchar$|session\.(trailer\.|mergetrailers$))"
# What makes git read another file (DOTALL: as in git's regex, "." takes a newline).
_INCLUDE = re.compile(r"include(if\..*)?\.path", re.DOTALL)
TIP_MESSAGE = "message~"  # message~<commit id>, beside a branch's cache (write_tip_message): the hook's copy is pinned
MAX_TIP_MESSAGE = 64 * 1024  # characters
# Beside the tip's message, what `commit --amend` on that tip gets, as the awk program writes
# it (write_amends): the hook takes it without starting awk when nothing it depends on moved.
AMENDED = "amended~"  # amended~<commit id>: `--amend --no-edit`, the whole message
AMENDED_READ = 8192  # bytes of amended~ after its first line the hook takes (prepare-commit-msg's precomputed)
AMEND_OURS = "ours~"  # ours~<commit id>: `--amend -m` with a message of one paragraph, the lines below it
AMEND_TIMEOUT = 5.0  # seconds
# What the amend files beside were written from (write_amends): the branch tip they were
# written for, a digest of the awk, its program, the cache and the tip's message, then a
# digest of each file's lines after its first. Met again (each drain renders, most often
# with no other lines of ours and the same message on the tip: a commit of the session, a
# rebase), the files are written again from those (with the cache's session tip), not by two awk runs.
AMENDS_INPUTS = "amends~"


class SinceLastCommit(NamedTuple):
    """What changed in a session since the last commit linked to it."""

    cutoff: int
    decisions: tuple[Entry, ...]
    done: tuple[Entry, ...]


def queued_work(repo: Repo) -> bool:
    """Whether the hooks recorded commits that are not linked yet."""
    try:
        with os.scandir(paths.queue_dir(repo)) as entries:
            return any(True for _ in entries)
    except FileNotFoundError:
        return False


def hooks_installed(repo: Repo) -> bool:
    """Whether ``git session install`` put the hooks in (it leaves this marker)."""
    return paths.installed_marker(repo).exists()


def cache_path(repo: Repo, branch: str) -> Path | None:
    """Where a branch's trailers are kept; ``None`` for a name git would not take as a
    branch (stored or pulled data names no path) or one too long for a path."""
    if not has_cache(branch):
        return None
    return paths.branch_cache(repo, branch)


def has_cache(branch: str) -> bool:
    """Whether a branch gets a cache: a valid branch name whose folders fit in a path (git
    sets no bound on a packed ref's length)."""
    encoded = branch.encode("utf-8", "surrogateescape")
    return (
        Repo.is_branch_name(branch)
        and len(encoded) <= MAX_CACHED_BRANCH
        and all(len(part) <= MAX_CACHED_COMPONENT for part in encoded.split(b"/"))
    )


def keys(repo: Repo) -> tuple[str, str, str]:
    """The trailer keys: git config ``session.trailer.*``, else ``.git-session/config.yaml``'s
    ``trailer:``, else the defaults (``settings``; a key git would not take is a default)."""
    from git_session import settings  # loaded when a setting is asked for, not by every command

    chosen = settings.of(repo)
    found = [chosen.text(setting.removeprefix(settings.GIT_PREFIX)) or "" for setting in KEY_SETTINGS]
    picked = [value if _KEY.fullmatch(value) else default for value, default in zip(found, DEFAULT_KEYS, strict=True)]
    return picked[0], picked[1], picked[2]


def configured_trailers(repo: Repo) -> list[str]:
    """The trailer names git recognises from its config (``trailer.<name>.*``, ``trailer.<name>.key``):
    a paragraph with one of them and 25% trailers is a trailer block to git."""
    names: list[str] = []
    for name, value in repo.config_entries("trailer."):
        section, _, variable = name.partition(".")[2].rpartition(".")
        for token in (section, value.rstrip(": \t") if variable == "key" else ""):
            if _TOKEN.fullmatch(token) and token not in names:
                names.append(token)
    return names


def separators(repo: Repo) -> str:
    """The characters git takes for a trailer's separator (``trailer.separators``, default ``:``);
    blanks are none (git takes them for the blanks before a separator)."""
    value = repo.config_value("trailer.separators")
    return ":" if value is None else "".join(value.split())


class ConfigRead(NamedTuple):
    """One ``git config`` answer: what a cache records of the config (``snapshot``) and
    whether the config reads other files (``includes``)."""

    snapshot: str
    includes: bool


def read_config(repo: Repo) -> ConfigRead:
    """git's answer for the config the trailers depend on (``CONFIG_PATTERN``), as the hook
    compares it (its ``--get-regexp`` output without the newlines that end it: ``$(...)``
    drops them), and whether the config reads other files (``include.path``, ``includeIf``):
    their times are not among those the hook compares. One git, asked with ``-z`` (each
    entry ``name\nvalue`` or ``name`` alone, then a NUL: no value's newline is taken for an
    entry's end), the hook's lines rebuilt from it (``name value`` or ``name``)."""
    asked = ["config", "-z", "--get-regexp", f"{CONFIG_PATTERN}|^{_INCLUDE.pattern}$"]
    answer = gitcli.run(asked, git_dir=repo.git_dir, check=False).stdout
    entries = [entry.partition("\n") for entry in answer.split("\0")[:-1]]
    ours = [f"{name} {value}" if newline else name for name, newline, value in entries if not _INCLUDE.fullmatch(name)]
    return ConfigRead("".join(f"{line}\n" for line in ours).rstrip("\n"), len(ours) < len(entries))


def comment_setting(repo: Repo) -> str:
    value = repo.config_value("core.commentChar") or "#"
    return "auto" if value == "auto" else value[:1] or "#"


def one_line(text: str) -> str:
    """A trailer value: one line, never starting with a comment character, not too long."""
    flat = " ".join(text.split()).lstrip(COMMENT_CANDIDATES + " ")
    return flat if len(flat) <= MAX_VALUE else flat[: MAX_VALUE - 1] + "…"


def since_last_commit(store: Store, handle: Handle) -> SinceLastCommit:
    """Walk the journal back from the tip to the last linked commit."""
    cutoff = 0
    decision_ids: list[str] = []
    done_ids: list[str] = []
    for op in _ops_newest_first(store, handle, cutoff):
        covers = _covers(op)
        if covers is not None:
            cutoff = max(cutoff, covers)
            break
        if op.action == "add" and op.data.get("kind") == "decision":
            decision_ids.append(op.id)
        if op.action == "update" and op.data.get("kind") == "objective" and op.data["fields"].get("status") == "done":
            done_ids.append(str(op.data["entry"]))
    decisions = _entries(store, handle, "decision", reversed(decision_ids))
    done = [e for e in _entries(store, handle, "objective", dict.fromkeys(reversed(done_ids))) if e.status == "done"]
    return SinceLastCommit(cutoff, tuple(decisions), tuple(done))


def _covers(op: Op) -> int | None:
    """The clock a linked commit covers, if the operation adds one: a number, or a text
    of one (``int()`` reads it, as it always did); ``None`` for what is no number."""
    covers = op.data["fields"].get("covers")
    # (an update: an amend moved the entry onto the new commit, which covers this clock)
    if (
        op.action not in ("add", "update")
        or op.data.get("kind") != "commit"
        or isinstance(covers, list)
        or covers is None
    ):
        return None
    try:
        return int(covers)
    except ValueError:
        return None


def _ops_newest_first(store: Store, handle: Handle, floor: int) -> Iterable[Op]:
    for commit in journal_children_first(store.repo, handle.tip):
        ops = store.commit_ops(commit, handle.id)
        for op in sorted(ops, key=lambda o: o.stamp, reverse=True):
            if op.clock <= floor:
                return
            yield op


def journal_children_first(repo: Repo, tip: ObjectId) -> Iterator[CommitInfo]:
    """The session's commits, children first. A topological walk reads the whole history
    before it gives the first commit, so the plain walk is taken while the history is one
    line (there, both give each commit's only parent next); from a merge on, the topological
    walk gives the rest, as it always did."""
    given = 0
    for commit in repo.walk(tip, topological=False):
        yield commit
        given += 1
        if len(commit.parents) > 1:
            break
    else:
        return
    yield from itertools.islice(repo.walk(tip), given, None)


def _entries(store: Store, handle: Handle, kind: EntryKind, ids: Iterable[str]) -> list[Entry]:
    found = (store.entry(handle, kind, entry_id) for entry_id in ids)
    return [entry for entry in found if entry is not None]


class Rendered(NamedTuple):
    """A branch's trailers cache, and what was kept out of it: one line per entry whose
    text held a secret (masked in its trailer, or its trailer left out)."""

    text: str
    withheld: tuple[str, ...] = ()
    includes: bool = False  # the config it was rendered from reads other files (``read_config``)


def lines(
    session_id: str,
    open_objectives: Iterable[Entry],
    since: SinceLastCommit,
    names: tuple[str, ...],
    withheld: list[str] | None = None,
) -> list[str]:
    """The trailer lines; a value with a secret in it is masked, or left out when masking
    cannot take the secret out, and said so in ``withheld``."""
    key_id, key_objectives, key_decisions = names
    values = [(f"{key_objectives}: [open] ", e, e.text) for e in sorted(open_objectives, key=lambda e: e.added)]
    values += [(f"{key_objectives}: [done] ", e, e.text) for e in since.done]
    for entry in since.decisions:
        rationale = entry.rationale
        values.append(
            (f"{key_decisions}: ", entry, f"{entry.text} -- {rationale}" if rationale.strip() else entry.text)
        )
    result = [f"{key_id}: {session_id}"]
    for prefix, entry, text in values:
        value = _without_secrets(entry, text, withheld if withheld is not None else [])
        result += [prefix + value] if value else []
    return result


def values_of(entry: Entry) -> set[str]:
    """The trailer values the commit hook may have written for an entry: its text (a
    decision's with its rationale too), as ``lines`` renders it, its secrets masked."""
    texts = {entry.text}
    if entry.kind == "decision" and entry.rationale.strip():
        texts.add(f"{entry.text} -- {entry.rationale}")
    rendered = {_without_secrets(entry, text, []) for text in texts}
    return {one_line(text) for text in texts} | {value for value in rendered if value}


def _without_secrets(entry: Entry, text: str, withheld: list[str]) -> str | None:
    """The trailer value of a text, its secrets masked (found in the whole text, before
    it is cut to length, as written and as one line: a line's end can make a secret, or
    hide one); ``None`` when some would still show."""
    from git_session import secrets  # scanned only when trailers are rendered, not at every start-up

    clean, findings = secrets.masked(text)
    clean, joined = secrets.masked(" ".join(clean.split()))
    findings += joined
    if not findings:
        return one_line(text)
    kinds = ", ".join(dict.fromkeys(f.what for f in findings))
    if secrets.scan([("", one_line(clean))]):
        withheld.append(f"{entry.kind} {entry.id} holds a secret ({kinds}): its commit trailer is left out")
        return None
    withheld.append(f"{entry.kind} {entry.id} holds a secret ({kinds}): it is masked in the commit trailers")
    return one_line(clean)


def render(store: Store, handle: Handle, head: ObjectId | None) -> Rendered:
    """The cache for the next commit on top of ``head`` (the branch tip now).

    A commit made on top of another head (one made with these trailers, typically) gets
    only the lines that do not say what changed since the previous commit.
    """
    repo = store.repo
    config = read_config(repo)
    names = keys(repo)
    since = since_last_commit(store, handle)
    withheld: list[str] = []
    body = lines(handle.id, store.open_entries(handle, "objective"), since, names, withheld)
    from git_session import settings

    merge = "yes" if settings.of(repo).flag("mergeTrailers") else "no"
    header = [
        CACHE_MAGIC,
        f"ref {handle.ref}",
        f"tip {handle.tip}",
        f"comment {comment_setting(repo)}",
        f"merge {merge}",
        f"keys {' '.join(names)}",
        f"head {head or 'none'}",
        f"configured {' '.join(configured_trailers(repo))}",
        f"separators {separators(repo)}",
    ]
    assert len(header) == _HEADER_LINES
    # No trailer line is blank: the first blank line starts the config the cache was rendered from.
    text = "\n".join([*header, *body, "", *([config.snapshot] if config.snapshot else [])]) + "\n"
    return Rendered(text, tuple(_short_ids(store, handle, withheld)), config.includes)


def _short_ids(store: Store, handle: Handle, withheld: list[str]) -> list[str]:
    """The lines with each entry named by its short id, as every view shows it (``KIND ID …``)."""
    if not withheld:
        return withheld
    from git_session.sessions import entry_abbrev

    named = [line.split(" ", 2) for line in withheld]
    kinds: list[EntryKind] = [k for k in ("objective", "decision") if any(n[0] == k for n in named)]
    short = entry_abbrev(store, handle, kinds, [n[1] for n in named])
    return [f"{kind} {short.get(entry_id, entry_id)} {rest}" for kind, entry_id, rest in named]


def values_changed(repo: Repo, branch: BranchName, text: str) -> bool:
    """Whether ``text`` carries other trailer lines than the branch's cache now has (the
    header, which names the session's tip, aside): what a command has to say about them
    was said when they were written."""
    path = cache_path(repo, branch)
    try:
        current = read_data(path).decode("utf-8", "replace") if path else ""
    except OSError:
        return True
    return _trailer_lines(current) != _trailer_lines(text)


def _trailer_lines(text: str) -> list[str]:
    """A cache's trailer lines: those after the header, up to the blank line before the config."""
    body = text.splitlines()[_HEADER_LINES:]
    return body[: body.index("")] if "" in body else body


def write_cache(repo: Repo, branch: BranchName, text: str | None, includes: bool | None = None) -> None:
    """Write (or, with ``None``, remove) a branch's cache, atomically, with the awk program
    beside, and the message of the branch's tip (``write_tip_message``). It is dated to 1970
    (no config file's time vouches for it) when config the trailers depend on is given on
    the command line, or the config reads other files: ``includes``, as it was when the text
    was rendered (``Rendered.includes``; ``None``: asked now)."""
    path = cache_path(repo, branch)
    if path is None:
        return
    if text is None:
        path.unlink(missing_ok=True)
        _remove_tip_messages(path.parent, keep=None)
        return
    from git_session import data  # (importlib.resources: only when the hooks' files are written)

    write_atomically(paths.awk_program(repo), data.hook("git-session-trailers.awk"), only_if_changed=True)
    repo.tell_hooks(os.fspath(paths.hook_umask(repo)))  # (rendered again when the config changed: shared or not)
    paths.queue_dir(repo).mkdir(parents=True, exist_ok=True)
    write_atomically(path, text.encode("utf-8", "surrogateescape"))  # (git's config bytes as they were)
    if _given_on_the_command_line() or (read_config(repo).includes if includes is None else includes):
        os.utime(path, ns=(0, 0))
    write_tip_message(repo, branch, path.parent)


def write_tip_message(repo: Repo, branch: BranchName, folder: Path) -> None:
    """The message of the branch's tip, in ``message~<its id>`` beside the cache: `commit
    --amend -m` takes the lines of ours it had from there, instead of starting `git log`.
    The hook reads it only when its name is the branch's tip (a commit's message never
    changes); without it (a tip committed since, a message too long, or one whose bytes
    are not UTF-8 text, which `git log` would give as they are), the hook asks git."""
    keep = None
    with contextlib.suppress(DataError, OSError, UnicodeError):  # (a shortcut: the hook asks git without it)
        tip = repo.ref_target(f"refs/heads/{branch}")
        message = repo.commit(tip).message if tip is not None else ""
        if tip is not None and len(message) <= MAX_TIP_MESSAGE and "\ufffd" not in message:
            keep = f"{TIP_MESSAGE}{tip}"
            write_atomically(folder / keep, message.encode("utf-8"), only_if_changed=True)
    kept = keep is not None and write_amends(repo, branch, folder, keep.removeprefix(TIP_MESSAGE))
    _remove_tip_messages(folder, keep, amends=kept)


def write_amends(repo: Repo, branch: BranchName, folder: Path, tip: str) -> bool:
    """What `commit --amend` on the branch's tip gets (``amended~<tip>``: without a new
    message; ``ours~<tip>``: the lines of ours below a new message of one paragraph), as the
    awk program beside writes it from the cache and the tip's message, each headed by the
    session's tip the cache names (the hook takes them only for that tip, when neither is
    older than the cache, and otherwise starts awk as without them). False when not written.
    What awk wrote from the same inputs before (``AMENDS_INPUTS``) is written again, not made again."""
    awk = shutil.which("mawk") or shutil.which("awk")
    cache = cache_path(repo, branch)
    program = paths.awk_program(repo)
    old = folder / f"{TIP_MESSAGE}{tip}"
    try:  # (read once: awk runs on these bytes, those digested, whatever is written meanwhile)
        read = [read_data(cache), read_data(program), read_data(old)] if cache is not None else []
        header = read[0].split(b"\n", 3)[2] if read else b""
    except (OSError, IndexError):
        return False
    if awk is None or not read or not header.startswith(b"tip "):
        return False
    inputs = _digest(awk, read[1], read[0], read[2])
    snapshots = [folder / f".amend-{name}.{os.getpid()}" for name in ("cache", "program", "message")]
    try:
        bodies = _made_before(folder, inputs)
        if bodies is None:
            for path, data in zip(snapshots, read, strict=True):
                path.unlink(missing_ok=True)  # (whatever was planted there: a FIFO would block the write)
                path.write_bytes(data)
            bodies = _run_awk(awk, snapshots[1], snapshots[0], snapshots[2], folder / f".amend.{os.getpid()}")
        if bodies is None:
            return False
        (folder / AMENDS_INPUTS).unlink(missing_ok=True)  # (said again below, once both files are)
        # (the hook reads it a byte a call and takes up to AMENDED_READ bytes: a longer one is
        # headed by no tip, which it tells from its first line alone)
        first = header if len(bodies[0]) <= AMENDED_READ else b"tip -"
        write_atomically(folder / f"{AMENDED}{tip}", first + b"\n" + bodies[0])
        write_atomically(folder / f"{AMEND_OURS}{tip}", header + b"\n" + bodies[1])
        said = [tip, inputs, *(hashlib.sha256(body).hexdigest() for body in bodies)]
        write_atomically(folder / AMENDS_INPUTS, f"{' '.join(said)}\n".encode("ascii"))
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        for path in snapshots:
            path.unlink(missing_ok=True)
    return True


def _run_awk(awk: str, program: Path, cache: Path, old: Path, scratch: Path) -> tuple[bytes, bytes] | None:
    """What the awk program writes for `--amend --no-edit` and below a new message (``None``:
    nothing the hook could take). It writes as in the hook (GIT_SESSION_OUT): appended, or
    beside, and read back either way (busybox's awk does not tell a failed write: rewritten
    in place, a file cut short at a line's end was taken whole)."""
    beside = scratch.with_name(f"{scratch.name}~")
    env = {"LC_ALL": "C", "PATH": os.environ.get("PATH", ""), "GIT_SESSION_OUT": str(beside)}
    try:
        # (whatever was planted at either name: a FIFO would block the write)
        beside.unlink(missing_ok=True)
        scratch.unlink(missing_ok=True)
        scratch.write_bytes(old.read_bytes())
        amended = _awk_writes(awk, env, ["mode=amend", "-f", str(program), str(cache)], scratch, beside)
        if amended is None or (amended and not amended.endswith(b"\n")):  # (left as it was: the hook reads whole lines)
            return None
        scratch.write_bytes(b"x\n")
        ours = _awk_writes(awk, env, ["mode=amendmsg", "-f", str(program), str(cache), str(old)], scratch, beside)
        return (amended, ours[3:]) if ours is not None and ours.startswith(b"x\n\n") else None
    finally:
        scratch.unlink(missing_ok=True)
        beside.unlink(missing_ok=True)


def _awk_writes(awk: str, env: dict[str, str], argv: list[str], message: Path, beside: Path) -> bytes | None:
    """The message the awk program leaves (``None``: it failed): ``message`` on status 0 (as
    it was, or lines appended and read back), ``beside`` on 6 (written there and read back)."""
    run = [awk, "-v", "committed=0", "-v", *argv, str(message)]
    done = subprocess.run(run, env=env, timeout=AMEND_TIMEOUT, stdin=subprocess.DEVNULL, capture_output=True)
    if done.returncode == 0:
        return message.read_bytes()
    return beside.read_bytes() if done.returncode == 6 else None


# The cache's header lines the awk program does not read (it reads the comment, keys,
# configured and separators lines; a test pins it): left out of the digest of its inputs,
# so that a session written to (a new tip), or a branch moved to a commit of the same
# message (a rebase), reuses what awk wrote.
_UNREAD_BY_AWK = {1: b"ref ", 2: b"tip ", 6: b"head "}


def _amend_inputs(awk: str, program: Path, cache: Path, message: Path) -> str | None:
    """A digest of what the amend files are written from: the awk that runs, the program
    and the files it reads (the cache, but for what it does not read, and the tip's
    message); ``None``: one cannot be read."""
    try:
        return _digest(awk, read_data(program), read_data(cache), read_data(message))
    except OSError:
        return None


def _digest(awk: str, program: bytes, cache: bytes, message: bytes) -> str:
    """``_amend_inputs`` of the files' bytes."""
    digest = hashlib.sha256(f"{AMENDS_INPUTS} 2 {awk}\n".encode("utf-8", "surrogateescape"))
    lines = cache.split(b"\n")
    for at, key in _UNREAD_BY_AWK.items():
        if at < len(lines) and lines[at].startswith(key):
            lines[at] = key
    for data in (program, b"\n".join(lines), message):
        digest.update(b"%d\n" % len(data) + data)
    return digest.hexdigest()


def _made_before(folder: Path, inputs: str) -> tuple[bytes, bytes] | None:
    """What awk wrote from ``inputs`` before, if its files are still there as written (by the
    digests recorded beside them): the lines after each file's first."""
    try:
        said = read_data(folder / AMENDS_INPUTS, 1024).decode("ascii").split()
        if len(said) != 4 or not ObjectId.is_full(said[0]) or said[1] != inputs:
            return None
        files = [folder / f"{name}{said[0]}" for name in (AMENDED, AMEND_OURS)]
        bodies = [read_data(path, 16 * 1024).partition(b"\n")[2] for path in files]
    except (OSError, UnicodeError):
        return None
    if [hashlib.sha256(body).hexdigest() for body in bodies] != said[2:]:
        return None
    return bodies[0], bodies[1]


def _remove_tip_messages(folder: Path, keep: str | None, amends: bool = False) -> None:
    """The copies of messages other than ``keep`` and what amending them gets (and that of
    ``keep`` too, unless ``amends``: written with this cache)."""
    tip = keep.removeprefix(TIP_MESSAGE) if keep is not None else None
    kept = {keep, *((f"{AMENDED}{tip}", f"{AMEND_OURS}{tip}", AMENDS_INPUTS) if amends else ())}
    prefixes = (TIP_MESSAGE, AMENDED, AMEND_OURS, AMENDS_INPUTS)
    with contextlib.suppress(OSError):
        with os.scandir(folder) as entries:
            stale = [Path(e.path) for e in entries if e.name.startswith(prefixes) and e.name not in kept]
        for path in stale:
            path.unlink(missing_ok=True)


def _given_on_the_command_line() -> bool:
    """Whether ``git -c`` (or ``GIT_CONFIG_COUNT``) sets config the trailers depend on: the
    cache is then dated to 1970, so that no config file's time vouches for it and the next
    commit without that ``-c`` asks git for the values."""
    return any(re.search(CONFIG_PATTERN, name) for name, _ in command_line_config(os.environ))


def write_atomically(path: Path, data: bytes, only_if_changed: bool = False) -> None:
    """A file of the private folder's caches (the hooks read them at any moment): whole or not at all."""
    with contextlib.suppress(OSError):  # unreadable or absent: written
        if only_if_changed and read_data(path) == data:
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, data)  # (a full disk: no half-written file is left behind)
