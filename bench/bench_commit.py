"""Benchmark of the commit path: what do the hooks add to `git commit`?

Every verdict is a ratio measured in the same run, commits interleaved pairwise:

- ``git commit`` with the hooks installed and a session active, against a plain
  ``git commit`` in a repository without hooks (target <= 2.0);
- the same ratio in a repository holding 1,000 sessions, against the ratio with one
  (target <= 1.2).

The linking the post-commit hook defers (a journal entry and a note, done by
``git-session hook drain`` in the background) is not on the commit path: after each
hooked commit the benchmark waits, untimed, until it is done, so it never competes with
the next timed commit, and reports how long it took.

Usage: .venv/bin/python bench/bench_commit.py [--rounds N] [--sessions N] [--check]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench Mark",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench Mark",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(IDENTITY, HOME=str(home), GIT_CONFIG_NOSYSTEM="1", PATH=f"{BIN}{os.pathsep}{env['PATH']}")
    return env


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


def make_sessions(repo: Path, count: int) -> None:
    """Sessions on other branches, most of them ended, written in-process."""
    from git_session.names import BranchName
    from git_session.sessions import Workspace
    from git_session.store import Draft

    ws = Workspace.open(str(repo))
    for index in range(count):
        branch = BranchName(f"topic/{index:05d}")
        drafts = [Draft("create", {"fields": {"title": f"Topic {index}", "branch": branch, "status": "active"}})]
        found = ws.store.create(branch, drafts, ws.ident, "start")
        if index % 3:
            ws.store.append(
                found.ref, lambda handle, meta: [Draft("set", {"fields": {"status": "completed"}})], ws.ident, "end"
            )


def commit_time(repo: Path, env: dict[str, str], counter: list[int]) -> float:
    counter[0] += 1
    (repo / "file.txt").write_text(f"{counter[0]}\n")
    run(repo, env, "git", "add", "file.txt")
    start = time.perf_counter()
    run(repo, env, "git", "commit", "-q", "-m", f"change {counter[0]}")
    return time.perf_counter() - start


def settle_time(repo: Path) -> float:
    """Wait, untimed for the commits, until the background drain has linked every queued
    commit and let go of its lock; returns how long that took."""
    private = repo / ".git" / "git-session"
    start = time.perf_counter()
    while True:
        queued = [p for p in (private / "queue").iterdir()]
        with open(private / "drain.lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(lock, fcntl.LOCK_UN)
                idle = True
            except BlockingIOError:
                idle = False
        if idle and not queued and not _drain_running():
            return time.perf_counter() - start
        time.sleep(0.005)


def _drain_running() -> bool:
    """A drain started by a hook that has not taken its lock yet counts as running."""
    result = subprocess.run(["pgrep", "-f", "git-session hook drain"], capture_output=True)
    return result.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    where = Path(tempfile.mkdtemp(prefix="git-session-bench-commit-"))
    try:
        env = environment(where / "home")
        (where / "home").mkdir()
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
        for name, repo in repos.items():
            if name != "plain":
                settle_time(repo)
        for _ in range(args.rounds):
            for name, repo in repos.items():
                times[name].append(commit_time(repo, env, counters[name]))
                if name != "plain":
                    drains.append(settle_time(repo))
        return report(times, drains, args.check)
    finally:
        shutil.rmtree(where, ignore_errors=True)


def report(times: dict[str, list[float]], drains: list[float], check: bool) -> int:
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    plain, one, many = list(medians.values())
    rows = [
        ("plain git commit", plain, None, None),
        (f"commit, {list(medians)[1]}", one, one / plain, 2.0),
        (f"commit, {list(medians)[2]}", many, many / plain, 2.0),
        ("ratio with many sessions / with one", None, (many / plain) / (one / plain), 1.2),
        ("linked after the commit returned (background)", statistics.median(drains) * 1000, None, None),
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
