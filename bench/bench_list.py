"""Benchmark of `git session list` with many sessions: does it cost what listing the refs costs?

Every verdict is a ratio measured in the same run:

- ``git-session list --all`` of 10,000 sessions, net of the Python floor (``python -c
  "import pygit2"``), against ``git for-each-ref`` of the same refs with their subjects
  (target: list <= floor + 2 x for-each-ref);
- the same for plain ``list`` (the sessions not ended: a third of them here);
- ``list --all`` against the same with one session, for information.

The sessions are written in-process with the core API, each on a branch of its own (their
refs loose, one folder each, as git-session writes them), two thirds of them completed; the
``--packed`` repository is the same after ``git gc`` (objects and refs packed). Each
command runs a few untimed times first (the first ``list`` fills the cache of the sessions'
fields, as the first ``list`` after a change does), then in interleaved rounds; medians of
the wall time and of the CPU time (the command's own and its git processes'), each judged:
on a loaded machine the wall time is mostly waiting for a CPU.

Usage: .venv/bin/python bench/bench_list.py [--sessions N] [--rounds N] [--quick] [--check] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchlib import (
    Command,
    Verdict,
    bench_root,
    exit_status,
    git,
    git_session_exe,
    init_repo,
    interleaved_cpu,
    report_verdicts,
)

TARGET = 2.0  # (list - floor) / for-each-ref


def build(root: Path, sessions: int) -> tuple[Path, Path, Path]:
    from benchlib import make_sessions

    began = time.perf_counter()
    one = init_repo(root / "one")
    make_sessions(one, 1)
    many = init_repo(root / "many")
    make_sessions(many, sessions)
    packed = root / "packed"
    shutil.copytree(many, packed, symlinks=True)
    git(packed, "gc", "-q")
    print(f"fixtures built in {time.perf_counter() - began:.1f} s under {root}", flush=True)
    return one, many, packed


def measure(one: Path, many: Path, packed: Path, env: dict[str, str], rounds: int, count: int) -> list[Verdict]:
    exe = git_session_exe()
    refs = ("git", "for-each-ref", "--format=%(refname) %(subject)", "refs/sessions/")
    size = f"{count:,}"
    commands = [
        Command('floor: python -c "import pygit2"', (sys.executable, "-c", "import pygit2"), one),
        Command(f"git for-each-ref with subjects: {size} loose", refs, many),
        Command(f"git for-each-ref with subjects: {size} packed", refs, packed),
        Command(f"list --all: {size} loose", (exe, "list", "--all"), many),
        Command(f"list --all: {size} packed", (exe, "list", "--all"), packed),
        Command(f"list: {size} loose", (exe, "list"), many),
        Command("list --all: 1 session", (exe, "list", "--all"), one),
    ]
    walls, cpus = interleaved_cpu(commands, env, rounds)
    verdicts = []
    for what, timings in (("wall", walls), ("CPU", cpus)):
        print(f"\n--- {what} time")
        judged = _verdicts(what, [t.median_ms for t in timings], size)
        report_verdicts(timings, judged, rounds)
        verdicts += judged
    return verdicts


def _verdicts(what: str, medians: Sequence[float], size: str) -> list[Verdict]:
    floor, refs_loose, refs_packed, all_loose, all_packed, open_loose, all_one = medians
    return [
        Verdict(f"{what}: (list --all - floor) / for-each-ref, {size} loose", (all_loose - floor) / refs_loose, TARGET),
        Verdict(
            f"{what}: (list --all - floor) / for-each-ref, {size} packed", (all_packed - floor) / refs_packed, TARGET
        ),
        Verdict(f"{what}: (list - floor) / for-each-ref, {size} loose", (open_loose - floor) / refs_loose, TARGET),
        Verdict(f"{what}: list --all / for-each-ref, {size} loose", all_loose / refs_loose, None),
        Verdict(f"{what}: list --all: {size} / 1 session", all_loose / all_one, None),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=10_000, help="sessions in the big repository (10,000)")
    parser.add_argument("--rounds", type=int, help="timed rounds of each measurement (default 15)")
    parser.add_argument("--quick", action="store_true", help="5 rounds")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 15)
    with bench_root("git-session-bench-list-", args.keep) as (root, env):
        one, many, packed = build(root, args.sessions)
        verdicts = measure(one, many, packed, env, rounds, args.sessions)
    return exit_status(verdicts, args.check)


if __name__ == "__main__":
    sys.exit(main())
