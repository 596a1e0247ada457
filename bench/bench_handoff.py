"""Benchmark of `git session handoff`: does its cost follow the session, not the repository?

A session spanning the last 1,000 commits of a 100,000-commit history is handed off
(Markdown, the default format). Every verdict is a ratio measured in the same run:

- ``git-session handoff`` net of the Python floor (``python -c "import pygit2"``: no
  Python command starts faster) against ``git log --stat base..tip`` of the same range,
  the plain-git way to see those commits and their files: (handoff - floor) / git log
  --stat (target <= 3.0; the plain ratio and the ratio to the floor are shown for information);
- ``git-session handoff`` in the 100,000-commit repository against the same handoff in
  a repository holding only the range (1,001 commits: one that adds every file, then the
  same 1,000 one-file changes) (target <= 1.2: the 99,000 commits outside the range cost
  at most a fifth more, noise included);
- the same handoff (of the small repository) with ``--sessions`` other sessions beside it
  (2,000 by default, on branches of their own, their fields cached as any ``list`` leaves
  them) against it alone (target <= 1.2: finding the session's parent and children does not
  decode every session's fields; reading the list of sessions still grows with it).

The histories are generated as one ``git fast-import`` stream (every commit changes one
small file; the session's commits carry a ``Session-Id`` trailer and a session note, as
the hooks leave them); the sessions are written in-process with the core API: objectives,
decisions, blockers, discoveries, next steps, notes, sources, checkpoints and one commit
entry per commit of the range. The commands run as subprocesses of the real console
script in hermetic repositories, a few untimed runs first, then interleaved; medians
are compared, of the wall clock and of CPU time (the command's and its git processes').

The timed handoff is the console script's early answer (``quickhandoff``: no click, no
command line), as a person's is once a command has looked at the branches; the script says
whether it was (with ``--check``, exit 1 when it was not).

Usage: .venv/bin/python bench/bench_handoff.py [--quick] [--rounds N] [--commits N] [--range N] [--check] [--keep]
                                              [--sessions N] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlib import (
    Command,
    Timing,
    Verdict,
    bench_root,
    exit_status,
    git,
    git_session_exe,
    interleaved_cpu,
    make_sessions,
    report_verdicts,
)

from git_session import notes
from git_session.branchstamp import RACY_SECONDS
from git_session.model import EntryKind, Fields
from git_session.names import BranchName, Ulid
from git_session.sessions import Workspace
from git_session.store import Draft, new_id

FILES = 500  # files in the tree; commit n changes file n % FILES
ENTRY_BATCH = 500  # commit entries per session commit (a store commit takes at most 1,000 operations)
START_TIME = 1_600_000_000
AUTHOR = "Bench Author <author@example.com>"
COMMITTER = "Bench Committer <committer@example.com>"


# --- the histories ---------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """A generated repository: its commits (oldest first) and the session's range in them."""

    path: Path
    shas: tuple[str, ...]
    session_id: Ulid
    range_size: int

    @property
    def base(self) -> str:
        return self.shas[-self.range_size - 1]

    @property
    def tip(self) -> str:
        return self.shas[-1]

    @property
    def in_range(self) -> tuple[str, ...]:
        return self.shas[-self.range_size :]


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def _file(index: int) -> str:
    return f"src/pkg{index % 25:02d}/module{index:04d}.txt"


def subject(number: int) -> str:
    return f"Change {number}: tune {_file(number % FILES).rsplit('/', 1)[1]}"


def stream(total: int, range_size: int, session_id: str) -> Iterator[bytes]:
    """Commit 1 adds every file; commit n (2..total) changes one line of one file; the last
    ``range_size`` commits carry the session's trailer and, in a notes commit, its note."""
    for number in range(1, total + 1):
        when = START_TIME + 60 * number
        in_session = number > total - range_size
        message = subject(number) + (f"\n\nSession-Id: {session_id}\n" if in_session else "\n")
        yield b"commit refs/heads/main\nmark :%d\n" % number
        yield f"author {AUTHOR} {when} +0000\ncommitter {COMMITTER} {when} +0000\n".encode()
        yield _data(message)
        changed = range(FILES) if number == 1 else [number % FILES]
        for index in changed:
            yield f"M 100644 inline {_file(index)}\n".encode()
            yield _data(f"module {index}\nrevision {number}\nunchanged tail of {index}\n")
    yield b"commit refs/notes/sessions\n"
    yield f"committer {COMMITTER} {START_TIME + 60 * (total + 1)} +0000\n".encode()
    yield _data("Notes added by git-session")
    line = notes.canonical_line({"session": session_id, "branch": "main", "objectives": [], "decisions": []})
    for number in range(total - range_size + 1, total + 1):
        yield b"N inline :%d\n" % number
        yield _data(line.decode())


def fast_import(path: Path, total: int, range_size: int, session_id: str) -> tuple[str, ...]:
    git(path.parent, "init", "-q", "-b", "main", str(path))
    marks = path.parent / f"{path.name}.marks"
    process = subprocess.Popen(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"], cwd=path, stdin=subprocess.PIPE
    )
    assert process.stdin is not None
    chunk: list[bytes] = []
    for piece in stream(total, range_size, session_id):
        chunk.append(piece)
        if len(chunk) >= 4096:
            process.stdin.write(b"".join(chunk))
            chunk = []
    process.stdin.write(b"".join(chunk))
    process.stdin.close()
    if process.wait() != 0:
        raise SystemExit(f"bench: git fast-import failed in {path}")
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    return tuple(by_mark[f":{number}"] for number in range(1, total + 1))


# --- the session -------------------------------------------------------------------------


def session_drafts(history: History) -> list[Draft]:
    fields: Fields = {
        "title": "Stream the parser",
        "branch": "main",
        "status": "active",
        "base": history.base,
        "tldr": "The parser now streams; the last modules are being tuned one by one.",
        "current": "Tune the remaining modules",
        "tasks": ["BENCH-1"],
    }
    drafts = [Draft("create", {"fields": fields}, id=history.session_id)]
    drafts += [_add("objective", f"Objective {i}", status="done" if i < 3 else "open") for i in range(6)]
    drafts += [
        _add("decision", f"Decision {i}", rationale=f"because {i}", alternatives=[f"option {i}a", f"option {i}b"])
        for i in range(8)
    ]
    drafts += [_add("blocker", f"Blocker {i}", status="resolved" if i else "open") for i in range(3)]
    drafts += [_add("discovery", f"Discovery {i}") for i in range(4)]
    drafts += [_add("next", f"Next {i}", priority=("high", "medium", "low")[i % 3], status="open") for i in range(6)]
    drafts += [_add("note", f"Progress note {i}") for i in range(20)]
    drafts += [_add("source", f"https://example.com/docs/{i}") for i in range(3)]
    return drafts


def checkpoint_drafts(repo: Path, history: History) -> list[Draft]:
    drafts = []
    for label, sha in (("halfway", history.in_range[len(history.in_range) // 2]), ("latest", history.tip)):
        tree = git(repo, "rev-parse", f"{sha}^{{tree}}").strip()
        drafts.append(_add("checkpoint", label, label=label, commit=sha, snapshot=tree))
    return drafts


def commit_drafts(history: History) -> list[Draft]:
    first = len(history.shas) - history.range_size + 1
    return [
        _add("commit", subject(number), commit=sha, branch="main")
        for number, sha in enumerate(history.in_range, start=first)
    ]


def _add(kind: EntryKind, text: str, **fields: Any) -> Draft:
    return Draft("add", {"kind": kind, "fields": {"text": text, **fields}})


def write_session(history: History) -> None:
    ws = Workspace.open(str(history.path))
    handle = ws.store.create(BranchName("main"), session_drafts(history), ws.ident, "start: Stream the parser")
    ws.choose(history.session_id)  # as `start` records it: the branch's session is this clone's choice
    batches = [checkpoint_drafts(history.path, history)]
    drafts = commit_drafts(history)
    batches += [drafts[i : i + ENTRY_BATCH] for i in range(0, len(drafts), ENTRY_BATCH)]
    for batch in batches:
        handle, _ = ws.store.append(handle.ref, _always(batch), ws.ident, f"bench: {len(batch)} operations")


def _always(drafts: list[Draft]) -> Any:
    return lambda handle, meta: drafts


def build(path: Path, total: int, range_size: int, session_id: Ulid) -> History:
    history = History(path, fast_import(path, total, range_size, session_id), session_id, range_size)
    write_session(history)
    return history


# --- the run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    rounds: int
    commits: int
    range_size: int
    check: bool
    keep: bool
    baseline: Path | None
    sessions: int


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds of each measurement (default 15)")
    parser.add_argument("--commits", type=int, default=None, help="commits in the big history (default 100,000)")
    parser.add_argument("--range", dest="range_size", type=int, default=1_000, help="the session's commits (1,000)")
    parser.add_argument("--quick", action="store_true", help="7 rounds, 20,000 commits (unless given)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    parser.add_argument(
        "--sessions",
        type=int,
        default=2_000,
        help="sessions beside the small repository's (2,000; 0: no row)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="a folder holding another git_session package (e.g. main's: git archive main git_session | tar -x -C DIR):"
        " its early and full handoff are timed in the same rounds, beside this code's (information only)",
    )
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (7 if args.quick else 15)
    args.commits = args.commits or (20_000 if args.quick else 100_000)
    if not 0 < args.range_size < args.commits:
        parser.error("--range must be positive and smaller than --commits")
    if args.baseline is not None and not (args.baseline / "git_session" / "launch.py").is_file():
        parser.error("--baseline must be a folder holding a git_session package")
    if args.sessions < 0:
        parser.error("--sessions must not be negative")
    return Settings(args.rounds, args.commits, args.range_size, args.check, args.keep, args.baseline, args.sessions)


def cpu_and_wall(commands: Sequence[Command], env: dict[str, str], rounds: int) -> tuple[list[Timing], list[Timing]]:
    """Wall-clock and CPU timings (the command's own and its git processes') of each command
    (``benchlib.interleaved_cpu``: rotating rounds after two untimed runs of each); on a
    loaded machine the wall clock is mostly waiting for a core, CPU time much less so."""
    walls, cpu = interleaved_cpu(commands, env, rounds)
    return walls, [Timing(f"{t.label} (CPU)", t.samples) for t in cpu]


def verdicts_of(timings: list[Timing], big: History, small: History, kind: str) -> list[Verdict]:
    floor, log_big, log_small, handoff_big, handoff_small = (t.median_ms for t in timings[:5])
    big_n, small_n = f"{len(big.shas):,}", f"{len(small.shas):,}"
    return [
        Verdict(f"{kind}: (handoff - floor) / git log --stat ({big_n} commits)", (handoff_big - floor) / log_big, 3.0),
        Verdict(
            f"{kind}: (handoff - floor) / git log --stat ({small_n} commits)", (handoff_small - floor) / log_small, 3.0
        ),
        Verdict(f"{kind}: handoff: {big_n} / {small_n} commits", handoff_big / handoff_small, 1.2),
        Verdict(f"{kind}: handoff / git log --stat ({big_n} commits)", handoff_big / log_big, None),
        Verdict(f"{kind}: handoff / floor ({big_n} commits)", handoff_big / floor, None),
        Verdict(f"{kind}: git log --stat: {big_n} / {small_n} commits", log_big / log_small, None),
    ]


def measure(
    big: History,
    small: History,
    env: dict[str, str],
    rounds: int,
    baseline: Path | None = None,
    crowded: tuple[History, int] | None = None,
) -> list[Verdict]:
    """``crowded``: the small repository with that many other sessions (the last command)."""
    exe, size = git_session_exe(), f"{big.range_size:,}"
    stat = ("git", "log", "--stat", "--no-color")
    in_big, in_small = f"{size} of {len(big.shas):,} commits", f"{size} of {len(small.shas):,} commits"
    commands = [
        Command('floor: python -c "import pygit2"', (sys.executable, "-c", "import pygit2"), small.path),
        Command(f"git log --stat: {in_big}", (*stat, f"{big.base}..{big.tip}"), big.path),
        Command(f"git log --stat: {in_small}", (*stat, f"{small.base}..{small.tip}"), small.path),
        Command(f"handoff: {in_big}", (exe, "handoff"), big.path),
        Command(f"handoff: {in_small}", (exe, "handoff"), small.path),
        *_compared(big, baseline),
    ]
    if crowded is not None:
        commands.append(
            Command(f"handoff: {in_small}, {crowded[1]:,} other sessions", (exe, "handoff"), crowded[0].path)
        )
    timings, cpu = cpu_and_wall(commands, env, rounds)
    wall_verdicts, cpu_verdicts = verdicts_of(timings, big, small, "wall"), verdicts_of(cpu, big, small, "CPU")
    if baseline is not None:
        wall_verdicts += _against_baseline(timings, "wall")
        cpu_verdicts += _against_baseline(cpu, "CPU")
    if crowded is not None:
        wall_verdicts.append(_flat_in_sessions(timings, crowded[1], "wall"))
        cpu_verdicts.append(_flat_in_sessions(cpu, crowded[1], "CPU"))
    report_verdicts([*timings, *cpu], [*wall_verdicts, *cpu_verdicts], rounds)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nmachine load (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    return [*wall_verdicts, *cpu_verdicts]


# The console script's entry, or the command line's, of the git_session package in FOLDER
# (sys.path's first place: this venv's own package is not imported).
_ENTRY = "import sys; sys.path.insert(0, sys.argv.pop(1)); from git_session.{} import main; main()"


def _compared(big: History, baseline: Path | None) -> list[Command]:
    """With ``--baseline``: the early answer (``launch``) and the full command (``cli``) of this
    code and of the baseline's, in the big repository, for information."""
    if baseline is None:
        return []
    here = Path(__file__).resolve().parent.parent
    return [
        Command(
            f"{entry} handoff ({name})", (sys.executable, "-c", _ENTRY.format(entry), str(path), "handoff"), big.path
        )
        for entry in ("launch", "cli")
        for name, path in (("this code", here), ("baseline", baseline.resolve()))
    ]


def _against_baseline(timings: list[Timing], kind: str) -> list[Verdict]:
    early, early_base, full, full_base = (t.median_ms for t in timings[5:9])
    floor = timings[0].median_ms
    return [
        Verdict(f"{kind}: early handoff, this code / baseline", early / early_base, None),
        Verdict(f"{kind}: full command, this code / baseline", full / full_base, None),
        Verdict(
            f"{kind}: early handoff net of floor, this code / baseline", (early - floor) / (early_base - floor), None
        ),
    ]


def _flat_in_sessions(timings: list[Timing], others: int, kind: str) -> Verdict:
    alone, crowded = timings[4].median_ms, timings[-1].median_ms
    return Verdict(f"{kind}: handoff: {others + 1:,} / 1 sessions", crowded / alone, 1.2)


def crowd(small: History, path: Path, others: int) -> History:
    """A copy of the small repository with ``others`` sessions beside its own (each on a
    branch of its own, most of them ended), their fields cached as a ``list`` leaves them."""
    shutil.copytree(small.path, path, symlinks=True)
    make_sessions(path, others)
    subprocess.run([git_session_exe(), "list", "--all"], cwd=path, capture_output=True, check=True)
    return History(path, small.shas, small.session_id, small.range_size)


def check_output(history: History, env: dict[str, str]) -> None:
    """The handoff covers exactly the range (its commits, from history, with their notes), no other."""
    argv = [git_session_exe(), "handoff", "--format", "json"]
    result = subprocess.run(argv, cwd=history.path, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"bench: handoff failed in {history.path}:\n{result.stderr}")
    commits = json.loads(result.stdout)["deliverables"]["commits"]
    wanted = {(sha, True, (history.session_id,)) for sha in history.in_range}
    found = {(c["sha"], c["in_history"], tuple(c["sessions"])) for c in commits}
    if len(commits) != len(wanted) or found != wanted:
        raise SystemExit(f"bench: the handoff in {history.path} does not list exactly the range's commits")


# The console script's entry, telling afterwards whether the command line was imported.
_PROBE = (
    "import sys; from git_session import launch; sys.argv = ['git-session', 'handoff']; launch.main(); "
    "sys.stdout.flush(); print('click' in sys.modules, file=sys.stderr)"
)


def answered_early(history: History, env: dict[str, str]) -> bool:
    """Whether the timed handoff is the console script's early answer (``quickhandoff``), as a
    person's second handoff is: one ``status`` first, once the branch's folder is old enough
    for automatic reattach to trust its stamp (``branchstamp.RACY_SECONDS``)."""
    time.sleep(
        max(0.0, RACY_SECONDS + 0.5 - (time.time() - os.stat(history.path / ".git" / "refs" / "heads").st_mtime))
    )
    subprocess.run([git_session_exe(), "status"], cwd=history.path, env=env, capture_output=True, check=True)
    argv = [sys.executable, "-c", _PROBE]
    result = subprocess.run(argv, cwd=history.path, env=env, capture_output=True, text=True, check=True)
    return result.stderr.strip().endswith("False")


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    with bench_root("git-session-bench-handoff-", settings.keep) as (root, env):
        began = time.perf_counter()
        session_id = new_id()
        big = build(root / "big", settings.commits, settings.range_size, session_id)
        small = build(root / "small", settings.range_size + 1, settings.range_size, session_id)
        crowded = crowd(small, root / "crowded", settings.sessions) if settings.sessions else None
        print(f"fixtures built in {time.perf_counter() - began:.1f} s under {root}", flush=True)
        histories = (big, small, *([crowded] if crowded else []))
        for history in histories:
            check_output(history, env)
        early = all(answered_early(history, env) for history in histories)
        print(f"handoff answered before the command line loads (quickhandoff): {'yes' if early else 'NO'}")
        others = (crowded, settings.sessions) if crowded else None
        verdicts = measure(big, small, env, settings.rounds, settings.baseline, others)
    return exit_status(verdicts, settings.check) or (0 if early or not settings.check else 1)


if __name__ == "__main__":
    sys.exit(main())
