"""Benchmark of the session store: are `status` and appending flat in entries and sessions?

Every verdict is a ratio between commands timed in the same run, never an absolute time:

- the floor: starting this Python and importing pygit2 (plain ``git status`` is shown too);
- ``git-session status`` against the floor (target <= 1.6: the spec's 2.5 is long met);
- ``git-session status`` with 10 vs 10,000 entries in the branch's session (<= 1.3);
- ``git-session status`` with 1 vs 1,000 sessions in the repository, their refs loose as
  git-session writes them and packed as ``git gc`` leaves them (<= 1.3);
- ``git-session status`` with 1 vs 10,000 sessions, each on a branch of its own, their refs
  loose: 10,000 branch folders (<= 1.2; ``--loose-sessions 0`` leaves it out: its fixture
  takes minutes to build);
- ``git-session note`` (an append) with 10 vs 10,000 entries (<= 1.3).

The commands run as subprocesses of the real console script, in hermetic repositories
(own HOME, no system config, fixed identities). The commands are timed in interleaved
rounds (A, B, A, B, …) so that machine noise hits them alike; medians are compared. The
big fixtures are built in-process with the core API: the long session one operation per
commit, as the CLI writes it (``--quick``: ten per commit).

Usage: .venv/bin/python bench/bench_store.py [--quick] [--rounds N] [--check] [--keep]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlib import Command, Ratio, bench_root, exit_status, git, git_session_exe, init_repo, interleaved, report

from git_session.gitrepo import Ident
from git_session.model import SESSION, EntryKind, Meta
from git_session.names import BranchName
from git_session.sessions import Workspace
from git_session.store import Draft, Handle, Store

# --- the experiment -----------------------------------------------------------------

FEW_ENTRIES = 10
# status against the Python floor: the spec asks <= 2.5; issue 14 keeps the 1.5-1.6 it had
# reached (a command that imports or runs what it does not use shows here first).
FLOOR_TARGET = 1.6
# Entry kinds in a long session, with their weights: mostly notes, decisions, discoveries.
KIND_WEIGHTS: dict[EntryKind, int] = {
    "note": 40,
    "decision": 18,
    "discovery": 15,
    "source": 7,
    "objective": 8,
    "blocker": 5,
    "next": 7,
}
# How many entries of a kind are left open at the end; every other one is closed.
LEFT_OPEN = {"objective": 4, "blocker": 3, "next": 5}
CLOSED_STATUS = {"objective": "done", "blocker": "resolved", "next": "done"}
ENDED_ON_BRANCH = 4
# --- fixtures -------------------------------------------------------------------------


def add_few(ws: Workspace, count: int = FEW_ENTRIES) -> None:
    """A short session's entries, one command each, as a user would add them."""
    adds: list[tuple[EntryKind, str, dict[str, Any]]] = [
        ("objective", "Make the parser streaming", {}),
        ("decision", "Use a pull parser", {"rationale": "bounded memory", "alternatives": ["DOM", "SAX"]}),
        ("discovery", "The fixture files are latin-1, not UTF-8", {}),
        ("blocker", "CI runners lack libgit2 headers", {}),
        ("next", "Benchmark on the 2 GB sample", {"priority": "high"}),
    ]
    for index in range(count):
        kind, text, extra = adds[index % len(adds)] if index < len(adds) else ("note", f"progress {index}", {})
        ws.add(None, kind, text, extra)


def start_session(ws: Workspace, title: str) -> None:
    ws.start(title, objectives=(), tasks=("BENCH-1",))


def small_repo(path: Path) -> Path:
    ws = Workspace.open(str(init_repo(path)))
    start_session(ws, "Short session")
    add_few(ws)
    return path


def entry_drafts(count: int, seed: int = 7) -> list[list[Draft]]:
    """``count`` entries of a realistic mix, each add followed by the update closing it, if any."""
    rng = random.Random(seed)
    kinds = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()), k=count)
    left_open = _indices_left_open(kinds)
    groups = []
    for index, kind in enumerate(kinds):
        add = Draft("add", {"kind": kind, "fields": _fields(kind, index, rng)})
        group = [add]
        if kind in CLOSED_STATUS and index not in left_open:
            group.append(Draft("update", {"kind": kind, "entry": add.id, "fields": _closing(kind, index)}))
        groups.append(group)
    return groups


def _indices_left_open(kinds: Sequence[EntryKind]) -> set[int]:
    chosen: set[int] = set()
    for kind, keep in LEFT_OPEN.items():
        chosen.update([i for i, k in enumerate(kinds) if k == kind][-keep:])
    return chosen


def _fields(kind: str, index: int, rng: random.Random) -> dict[str, Any]:
    words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 30)))
    fields: dict[str, Any] = {"text": f"{kind} {index}: {words}"}
    if kind == "decision":
        fields["rationale"] = " ".join(rng.choice(_WORDS) for _ in range(12))
        fields["alternatives"] = [rng.choice(_WORDS) for _ in range(rng.randint(0, 3))]
    if kind == "source":
        fields["text"] = f"https://example.com/docs/{index}/{rng.choice(_WORDS)}"
    if kind == "next":
        fields["priority"] = rng.choice(("high", "medium", "low"))
    if kind in CLOSED_STATUS:
        fields["status"] = "open"
    return fields


def _closing(kind: str, index: int) -> dict[str, Any]:
    fields: dict[str, Any] = {"status": CLOSED_STATUS[kind]}
    if kind == "blocker":
        fields["resolution"] = f"worked around in change {index}"
    return fields


_WORDS = ("parser", "cache", "index", "tree", "blob", "commit", "merge", "retry", "lock", "clock", "journal", "ref")


def batches(groups: list[list[Draft]], ops_per_commit: int) -> Iterator[list[Draft]]:
    """Groups packed into commits of at most ``ops_per_commit`` operations, never split."""
    batch: list[Draft] = []
    for group in groups:
        if batch and len(batch) + len(group) > ops_per_commit:
            yield batch
            batch = []
        batch.extend(group)
    if batch:
        yield batch


def large_repo(path: Path, entries: int, ops_per_commit: int) -> Path:
    ws = Workspace.open(str(init_repo(path)))
    start_session(ws, "Long session")
    ref = ws.find(None).handle.ref
    commits = list(batches(entry_drafts(entries), ops_per_commit))
    for number, batch in enumerate(commits):
        ident = ws.ident._replace(time=ws.ident.time - 60 * (len(commits) - number))
        ws.store.append(ref, _always(batch), ident, f"bench: {len(batch)} operations")
    return path


def _always(drafts: list[Draft]) -> Callable[[Handle, Meta], Sequence[Draft]]:
    """A build callback for ``Store.append`` that records the same drafts whatever the state."""
    return lambda handle, meta: drafts


def many_repo(path: Path, sessions: int) -> Path:
    """``sessions`` sessions: the current one, a few ended on this branch, the rest elsewhere."""
    ws = Workspace.open(str(init_repo(path)))
    others = sessions - 1 - ENDED_ON_BRANCH
    head = git(path, "rev-parse", "HEAD").strip()
    names = [f"topic/bench-{i:04d}" for i in range(others)]
    git(path, "update-ref", "--stdin", stdin="".join(f"create refs/heads/{n} {head}\n" for n in names))
    for index, name in enumerate(names):
        _other_session(ws.store, BranchName(name), head, ws.ident, ended=index % 3 != 0)
    for index in range(ENDED_ON_BRANCH):
        start_session(ws, f"Earlier session {index}")
        ws.add(None, "note", f"earlier work {index}")
        ws.transition(None, SESSION, "complete")
    start_session(ws, "Short session")
    add_few(ws)
    return path


def _other_session(store: Store, branch: BranchName, base: str, ident: Ident, ended: bool) -> None:
    fields = {"title": f"Work on {branch}", "branch": str(branch), "status": "active", "base": base}
    drafts = [
        Draft("create", {"fields": fields}),
        Draft("add", {"kind": "objective", "fields": {"text": f"finish {branch}", "status": "open"}}),
        Draft("add", {"kind": "note", "fields": {"text": "started"}}),
    ]
    if ended:
        drafts.append(Draft("set", {"fields": {"status": "completed"}}))
    store.create(branch, drafts, ident, f"start: {fields['title']}")


@dataclass(frozen=True)
class Settings:
    rounds: int
    entries: int
    sessions: int
    loose_sessions: int
    ops_per_commit: int
    check: bool
    keep: bool


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="8 rounds and 10 operations per commit: a rough look")
    parser.add_argument("--rounds", type=int, help="timed rounds of each measurement (default 25)")
    parser.add_argument("--entries", type=int, default=10_000, help="entries in the long session (default 10,000)")
    parser.add_argument("--sessions", type=int, default=1_000, help="sessions in the busy repository (default 1,000)")
    parser.add_argument(
        "--loose-sessions",
        type=int,
        default=10_000,
        help="sessions in the repository of loose refs, each on its own branch (default 10,000; 0: left out)",
    )
    parser.add_argument(
        "--ops-per-commit", type=int, help="operations per commit building the long session (default 1, as the CLI)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    args = parser.parse_args(argv)
    return Settings(
        rounds=args.rounds or (8 if args.quick else 25),
        entries=args.entries,
        sessions=args.sessions,
        loose_sessions=args.loose_sessions,
        ops_per_commit=args.ops_per_commit or (10 if args.quick else 1),
        check=args.check,
        keep=args.keep,
    )


@dataclass(frozen=True)
class Fixtures:
    small: Path  # one session of 10 entries
    large: Path  # one session of 10,000 entries
    many: Path  # 1,000 sessions, refs loose as git-session writes them
    packed: Path  # the same after `git pack-refs --all`, as `git gc` leaves them
    loose: Path | None  # 10,000 sessions on their own branches, refs loose: 10,000 folders


def build_fixtures(root: Path, settings: Settings) -> Fixtures:
    began = time.perf_counter()
    many = many_repo(root / "many", settings.sessions)
    packed = root / "packed"
    shutil.copytree(many, packed, symlinks=True)
    git(packed, "pack-refs", "--all")
    fixtures = Fixtures(
        small=small_repo(root / "small"),
        large=large_repo(root / "large", settings.entries, settings.ops_per_commit),
        many=many,
        packed=packed,
        loose=many_repo(root / "loose", settings.loose_sessions) if settings.loose_sessions else None,
    )
    print(f"fixtures built in {time.perf_counter() - began:.1f} s under {root}", flush=True)
    return fixtures


def measure(fx: Fixtures, env: dict[str, str], settings: Settings) -> list[Ratio]:
    exe, entries, sessions = git_session_exe(), f"{settings.entries:,}", f"{settings.sessions:,}"
    status_commands = [
        Command('floor: python -c "import pygit2"', (sys.executable, "-c", "import pygit2"), fx.small),
        Command("git status (plain git)", ("git", "status", "--short"), fx.small),
        Command(f"status: 1 session, {FEW_ENTRIES} entries", (exe, "status"), fx.small),
        Command(f"status: 1 session, {entries} entries", (exe, "status"), fx.large),
        Command(f"status: {sessions} sessions, loose refs", (exe, "status"), fx.many),
        Command(f"status: {sessions} sessions, packed refs", (exe, "status"), fx.packed),
    ]
    if fx.loose is not None:
        label = f"status: {settings.loose_sessions:,} sessions, loose refs"
        status_commands.append(Command(label, (exe, "status"), fx.loose))
    floor, plain_git, few, large, many, packed, *loose = interleaved(status_commands, env, settings.rounds)
    note_commands = [
        Command(f"note: {FEW_ENTRIES} entries", (exe, "note", "bench progress"), fx.small),
        Command(f"note: {entries} entries", (exe, "note", "bench progress"), fx.large),
    ]
    note_few, note_large = interleaved(note_commands, env, settings.rounds)
    ratios = [
        Ratio(plain_git, floor, None),
        Ratio(few, floor, FLOOR_TARGET),
        Ratio(large, few, 1.3),
        Ratio(many, few, 1.3),
        Ratio(packed, few, 1.3),
        *(Ratio(timing, few, 1.2) for timing in loose),
        Ratio(note_few, floor, None),
        Ratio(note_large, note_few, 1.3),
    ]
    report([floor, plain_git, few, large, many, packed, *loose, note_few, note_large], ratios, settings.rounds)
    return ratios


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    with bench_root("git-session-bench-", settings.keep) as (root, env):
        ratios = measure(build_fixtures(root, settings), env, settings)
    return exit_status(ratios, settings.check)


if __name__ == "__main__":
    sys.exit(main())
