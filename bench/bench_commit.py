"""Benchmark of the commit path: what do the hooks add to `git commit`?

Every verdict is a ratio measured in the same run, commits interleaved pairwise:

- ``git commit`` with the hooks installed and a session active, against a plain
  ``git commit`` in a repository without hooks (target <= 2.0);
- the same ratio in a repository holding 1,000 sessions, against the ratio with one
  (target <= 1.2).

Linking a commit to its session (a journal entry and a note) is not on the commit path:
prepare-commit-msg records the commit and the next git-session command links it. The
benchmark links after each round, untimed for the commits, and reports what one link
costs (``git-session hook drain``, i.e. a git-session command with one commit to link,
against the same command with nothing to link).

Usage: .venv/bin/python bench/bench_commit.py [--rounds N] [--sessions N] [--check]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from benchlib import bench_root, make_sessions, median_ms

BIN = Path(sys.executable).parent


def run(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def plain_repo(where: Path, env: dict[str, str]) -> Path:
    repo = where / "plain"
    run(where, env, "git", "init", "-q", "-b", "main", str(repo))
    run(repo, env, "git", "commit", "-q", "--allow-empty", "-m", "initial")
    return repo


def hooked_repo(where: Path, env: dict[str, str], name: str, other_sessions: int) -> Path:
    repo = where / name
    run(where, env, "git", "init", "-q", "-b", "main", str(repo))
    run(repo, env, "git", "commit", "-q", "--allow-empty", "-m", "initial")
    if other_sessions:
        make_sessions(repo, other_sessions)
    run(repo, env, "git-session", "install")
    run(repo, env, "git-session", "start", "Benchmark", "-o", "Measure the hooks", "-o", "Keep it fast")
    run(repo, env, "git-session", "decision", "add", "Pre-render trailers", "--rationale", "no Python per commit")
    return repo


def commit_time(repo: Path, env: dict[str, str], counter: list[int]) -> float:
    counter[0] += 1
    (repo / "file.txt").write_text(f"{counter[0]}\n")
    run(repo, env, "git", "add", "file.txt")
    start = time.perf_counter()
    run(repo, env, "git", "commit", "-q", "-m", f"change {counter[0]}")
    return time.perf_counter() - start


def link_time(repo: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    run(repo, env, "git-session", "hook", "drain")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    with bench_root("git-session-bench-commit-", keep=False) as (where, env):
        env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"  # the hooks run git-session
        repos = {
            "plain": plain_repo(where, env),
            "hooks, 1 session": hooked_repo(where, env, "one", 0),
            f"hooks, {args.sessions + 1} sessions": hooked_repo(where, env, "many", args.sessions),
        }
        times: dict[str, list[float]] = {name: [] for name in repos}
        drains: list[float] = []
        counters = {name: [0] for name in repos}
        for _ in range(3):  # warm-up
            for name, repo in repos.items():
                commit_time(repo, env, counters[name])
        hooked = [repo for name, repo in repos.items() if name != "plain"]
        idle: list[float] = []
        for _ in range(args.rounds):
            for name, repo in repos.items():
                times[name].append(commit_time(repo, env, counters[name]))
            drains += [link_time(repo, env) for repo in hooked]
            idle += [link_time(repo, env) for repo in hooked]
        return report(times, drains, idle, args.check)


def report(times: dict[str, list[float]], drains: list[float], idle: list[float], check: bool) -> int:
    medians = {name: median_ms(values) for name, values in times.items()}
    plain, one, many = list(medians.values())
    rows = [
        ("plain git commit", plain, None, None),
        (f"commit, {list(medians)[1]}", one, one / plain, 2.0),
        (f"commit, {list(medians)[2]}", many, many / plain, 2.0),
        ("ratio with many sessions / with one", None, (many / plain) / (one / plain), 1.2),
        ("next git-session command, one commit to link", median_ms(drains), None, None),
        ("next git-session command, nothing to link", median_ms(idle), None, None),
    ]
    print(f"{len(times['plain'])} interleaved rounds; medians in milliseconds\n")
    print(f"{'measurement':46} {'median':>8} {'ratio':>7} {'target':>8}  result")
    missed = False
    for label, median, ratio, target in rows:
        verdict = "" if target is None or ratio is None else ("PASS" if ratio <= target else "FAIL")
        missed |= verdict == "FAIL"
        median_text = "" if median is None else f"{median:8.1f}"
        ratio_text = "" if ratio is None else f"{ratio:7.2f}"
        target_text = "" if target is None else f"<= {target}"
        print(f"{label:46} {median_text:>8} {ratio_text:>7} {target_text:>8}  {verdict}")
    return 1 if (missed and check) else 0


if __name__ == "__main__":
    sys.exit(main())
