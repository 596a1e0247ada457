"""Compare two installs of git-session by CPU time, in interleaved rounds.

On a loaded machine wall-clock medians swing by more than a change costs; CPU time (user
and system, of the command and of the git processes it starts) swings much less. This
times ``git-session status`` of each install in the fixtures ``bench_store.py --keep``
leaves (a session of 10 entries, one of 10,000, a repository of 1,000 sessions) and the
Python floor, round after round, and prints medians, quartiles and the bench_store ratios:

    .venv/bin/python bench/bench_store.py --quick --keep      # prints where the fixtures are
    .venv/bin/python bench/compare_cpu.py FIXTURES OLD/.venv/bin/git-session .venv/bin/git-session

Both installs should have their bytecode compiled (`python -m compileall`), as pip leaves them.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

REPOSITORIES = ("small", "large", "many")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    before = children_cpu()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return children_cpu() - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("fixtures", type=Path, help="the folder bench_store.py --keep printed")
    parser.add_argument("old", type=os.path.abspath, help="the git-session executable to compare against")
    parser.add_argument("new", type=os.path.abspath, help="the git-session executable to measure")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    home = args.fixtures / "home"
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "GIT_CONFIG_NOSYSTEM": "1"}
    commands = {"floor": ([sys.executable, "-c", "import pygit2"], args.fixtures)}
    for label, exe in (("old", args.old), ("new", args.new)):
        for repository in REPOSITORIES:
            commands[f"{label} {repository}"] = ([exe, "status"], args.fixtures / repository)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, (command, cwd) in commands.items():
            times[name].append(cpu_of(command, cwd, env))
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    for name, values in times.items():
        low, _, high = (q * 1000 for q in statistics.quantiles(values, n=4))
        print(f"{name:10} CPU median {medians[name]:6.1f} ms (p25 {low:.1f}, p75 {high:.1f})")
    for label in ("old", "new"):
        small = medians[f"{label} small"]
        print(
            f"{label}: status/floor {small / medians['floor']:.2f} (<= 2.5), "
            f"10k/10 entries {medians[f'{label} large'] / small:.2f} (<= 1.3), "
            f"1000/1 sessions {medians[f'{label} many'] / small:.2f} (<= 1.3)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
