"""Benchmark of the commit path: what do the hooks add to `git commit`?

Every verdict is a ratio measured in the same run, all variants interleaved in rotating
rounds. Each commit path is timed with the hooks installed and a session active, and in a
plain repository without hooks (target <= 2.0 each):

- ``git commit -m``, also in a repository holding 1,000 more sessions (whose ratio, over
  the one with a single session, has target <= 1.2);
- the first ``git commit -m`` after an unrelated config write (``git config bench.round N``,
  as ``git remote add`` or ``push -u`` write: the trailer cache is then older than the config);
- ``git commit --amend --no-edit`` and ``git commit --amend -m``;
- ``git commit`` through the editor (a script that writes the message).

Linking a commit to its session (a journal entry and a note) is not on the commit path:
prepare-commit-msg records the commit and the next git-session command links it. Before
each timed command of a hooked repository, untimed, ``git-session hook drain`` links what
the previous one recorded, so that every command starts from the same state (nothing
queued, the trailers rendered); those drains are reported for information: a git-session
command with one commit to link, against the same command with nothing to link.

With ``--floor``, a third repository holds the three hooks git starts on these paths
(prepare-commit-msg, commit-msg, post-rewrite) as shell scripts that only ``exit 0``: what
any hook written in sh costs before it does anything, for information. A fourth holds them
too, with the notes settings ``git-session install`` makes (git copies the amended commit's
note, its own work on an amend with git-session): the floor of the amend rows.

Besides wall-clock medians, the CPU time of each command (user + system of git and of all
it starts) is reported for information: it swings much less on a loaded machine.

With ``--argv``, three command lines the hook reads with their argument boundaries are timed
too, for information (ARGV_CASES).

With ``--baseline FILE``, one more hooked repository runs FILE as its prepare-commit-msg
(another version of the hook, e.g. ``git show main:hooks/prepare-commit-msg``), for information;
with ``--baseline DIR``, it runs DIR's prepare-commit-msg, commit-msg and post-rewrite (another
version's ``hooks/``: the amend rows run all three).

Usage: .venv/bin/python bench/bench_commit.py [--rounds N] [--quick] [--sessions N] [--floor] [--argv] [--check]
       [--keep] [--baseline FILE]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchlib import Ratio, Timing, bench_root, exit_status, interleaved_samples, make_sessions, report

BIN = Path(sys.executable).parent


def run(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def new_repo(where: Path, env: dict[str, str], name: str) -> Path:
    repo = where / name
    run(where, env, "git", "init", "-q", "-b", "main", str(repo))
    run(repo, env, "git", "commit", "-q", "--allow-empty", "-m", "initial")
    return repo


def hooked_repo(where: Path, env: dict[str, str], name: str, other_sessions: int) -> Path:
    repo = new_repo(where, env, name)
    if other_sessions:
        make_sessions(repo, other_sessions)
    run(repo, env, "git-session", "install")
    run(repo, env, "git-session", "start", "Benchmark", "-o", "Measure the hooks", "-o", "Keep it fast")
    run(repo, env, "git-session", "decision", "add", "Pre-render trailers", "--rationale", "no Python per commit")
    return repo


BASELINE = "hooks, baseline commit hook"
FLOOR = "floor: 3 hooks that exit 0"
FLOOR_HOOKS = ("prepare-commit-msg", "commit-msg", "post-rewrite")


def floor_repo(where: Path, env: dict[str, str], name: str = "floor") -> Path:
    repo = new_repo(where, env, name)
    (repo / ".git" / "hooks").mkdir(exist_ok=True)
    for name in FLOOR_HOOKS:
        hook = repo / ".git" / "hooks" / name
        hook.write_text("#!/bin/sh\nexit 0\n")
        hook.chmod(0o755)
    return repo


FLOOR_NOTES = "floor: 3 hooks that exit 0, notes copied"
NOTES_CONFIG = (  # what `git-session install` sets: git copies a commit's note when it is amended
    ("notes.rewriteRef", "refs/notes/sessions"),
    ("notes.rewriteMode", "cat_sort_uniq"),
    ("notes.rewrite.amend", "true"),
)


def floor_notes_repo(where: Path, env: dict[str, str]) -> Path:
    """The floor, and git copying the amended commit's note as it does for git-session (a note
    is added to HEAD before each run, untimed, as linking adds one)."""
    repo = floor_repo(where, env, "floor-notes")
    for key, value in NOTES_CONFIG:
        run(repo, env, "git", "config", key, value)
    return repo


def use_baseline(repo: Path, baseline: Path) -> None:
    """REPO's commit hooks replaced by another version's: a prepare-commit-msg, or a hooks/ folder."""
    names = FLOOR_HOOKS if baseline.is_dir() else ("prepare-commit-msg",)
    for name in names:
        source = baseline / name if baseline.is_dir() else baseline
        (repo / ".git" / "hooks" / name).write_bytes(source.read_bytes())


def editor(where: Path) -> str:
    path = where / "editor"
    path.write_text('#!/bin/sh\nprintf "typed in the editor\\n\\nwith a body\\n" > "$1"\n')
    path.chmod(0o755)
    return str(path)


@dataclass(frozen=True)
class Case:
    """A commit path: the untimed setup before it, and the command timed."""

    label: str
    argv: tuple[str, ...]
    before: Callable[[Path, dict[str, str], int], None] = lambda repo, env, n: None


def config_write(repo: Path, env: dict[str, str], n: int) -> None:
    run(repo, env, "git", "config", "bench.round", str(n))


CASES = (
    Case("commit -m", ("git", "commit", "-q", "-m", "change")),
    Case("commit -m after a config write", ("git", "commit", "-q", "-m", "change"), config_write),
    Case("commit --amend --no-edit", ("git", "commit", "-q", "--amend", "--no-edit")),
    Case("commit --amend -m", ("git", "commit", "-q", "--amend", "-m", "amended")),
    Case("commit through the editor", ("git", "commit", "-q")),
)
# With --argv: command lines the hook reads with their argument boundaries (one `tr`), for
# information: a message naming -F (from -m all the same: written by the hook's shell),
# a 20,000-letter option cluster (about a second of the hook's CPU before hooks18), and a
# 120 KB message (0.5-0.7 s before hooks19: the command line was read a byte a call).
ARGV_CASES = (
    Case("commit -m naming -F", ("git", "commit", "-q", "-m", "see -F")),
    Case("commit -qqq...m (20,000 letters)", ("git", "commit", "-" + "q" * 20_000 + "m", "change")),
    Case("commit -m of 120 KB (one line)", ("git", "commit", "-q", "-m", "a" * 120_000)),
)


@dataclass(frozen=True)
class Variant:
    case: Case
    where: str  # the repository's label
    repo: Path
    hooked: bool


class Runner:
    """Times one variant: stage a change, link what the last one recorded (hooked only),
    the case's setup, then the command; wall and CPU seconds."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.counter = 0
        self.cpu: dict[int, list[float]] = {}
        self.drains: list[float] = []
        self.idle: list[float] = []

    def __call__(self, variant: Variant, index: int) -> float:
        self.counter += 1
        (variant.repo / "file.txt").write_text(f"{self.counter}\n")
        run(variant.repo, self.env, "git", "add", "file.txt")
        if variant.hooked:
            self.drains.append(self._drain(variant.repo))
            if self.counter % 4 == 0:
                self.idle.append(self._drain(variant.repo))
        if variant.where == FLOOR_NOTES:
            note = ("git", "notes", "--ref=sessions", "add", "-f", "-m", "linked", "HEAD")
            subprocess.run(note, cwd=variant.repo, env=self.env, check=True, capture_output=True)
        variant.case.before(variant.repo, self.env, self.counter)
        cpu_before = _children_cpu()
        began = time.perf_counter()
        run(variant.repo, self.env, *variant.case.argv)
        elapsed = time.perf_counter() - began
        self.cpu.setdefault(index, []).append(_children_cpu() - cpu_before)
        return elapsed

    def _drain(self, repo: Path) -> float:
        began = time.perf_counter()
        run(repo, self.env, "git-session", "hook", "drain")
        return time.perf_counter() - began


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def variants(repos: dict[str, Path], many: str, cases: tuple[Case, ...] = CASES) -> list[Variant]:
    found = []
    for case in cases:
        for where, repo in repos.items():
            if where == FLOOR_NOTES and "--amend" not in case.argv:
                continue  # (notes are copied on a rewrite only)
            if where != many or case is CASES[0]:  # the many-sessions repository: commit -m only
                found.append(Variant(case, where, repo, where not in ("plain", FLOOR, FLOOR_NOTES)))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="10 rounds, 200 other sessions")
    parser.add_argument("--sessions", type=int, default=1000, help="other sessions in the second hooked repository")
    parser.add_argument("--floor", action="store_true", help="also time three hooks that only exit 0")
    parser.add_argument("--argv", action="store_true", help="also time command lines read with their boundaries")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="also time a repository with this prepare-commit-msg, or this folder's commit hooks",
    )
    parser.add_argument("--keep", action="store_true", help="keep the repositories and print where they are")
    args = parser.parse_args()
    rounds, sessions = (10, 200) if args.quick else (args.rounds, args.sessions)
    with bench_root("git-session-bench-commit-", keep=args.keep) as (where, env):
        env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"  # the hooks run git-session
        env["GIT_EDITOR"] = editor(where)
        many = f"hooks, {sessions + 1} sessions"
        repos = {
            "plain": new_repo(where, env, "plain"),
            "hooks, 1 session": hooked_repo(where, env, "one", 0),
            many: hooked_repo(where, env, "many", sessions),
        }
        if args.floor:
            repos[FLOOR] = floor_repo(where, env)
            repos[FLOOR_NOTES] = floor_notes_repo(where, env)
        if args.baseline:
            repos[BASELINE] = hooked_repo(where, env, "baseline", 0)
            use_baseline(repos[BASELINE], args.baseline)
        chosen = variants(repos, many, CASES + ARGV_CASES if args.argv else CASES)
        runner = Runner(env)
        for index, variant in enumerate(chosen):  # warm-up
            runner(variant, index)
        runner.cpu.clear()
        runner.drains.clear()
        runner.idle.clear()
        samples = interleaved_samples(lambda _, index: runner(chosen[index], index), len(chosen), rounds)
        if args.keep:
            print(f"repositories kept in {where}")
        return show(chosen, samples, runner, rounds, many, args.check)


def show(
    chosen: list[Variant], samples: list[tuple[float, ...]], runner: Runner, rounds: int, many: str, check: bool
) -> int:
    wall = {
        (v.case.label, v.where): Timing(f"{v.case.label}, {v.where}", s) for v, s in zip(chosen, samples, strict=True)
    }
    cpu = {
        (v.case.label, v.where): Timing(f"{v.case.label}, {v.where} (CPU)", tuple(runner.cpu[i]))
        for i, v in enumerate(chosen)
    }
    ratios, cpu_ratios = [], []
    for (label, where), timing in wall.items():
        if where != "plain":
            informative = where in (FLOOR, FLOOR_NOTES, BASELINE) or label in {case.label for case in ARGV_CASES}
            ratios.append(Ratio(timing, wall[(label, "plain")], None if informative else 2.0))
            cpu_ratios.append(Ratio(cpu[(label, where)], cpu[(label, "plain")], None))
    first = CASES[0].label
    flat = Ratio(wall[(first, many)], wall[(first, "hooks, 1 session")], 1.2)
    links = [Timing("next git-session command, one commit to link", tuple(runner.drains))]
    links.append(Timing("next git-session command, nothing to link", tuple(runner.idle)))
    report([*wall.values(), *links], ratios, rounds)
    print("\nthe same commands by CPU time (user + system of git and all it starts), for information:")
    report(list(cpu.values()), cpu_ratios, rounds)
    print(f"\n{many} / hooks, 1 session (commit -m): {flat.value:.2f} (target <= 1.2)")
    return exit_status([*ratios, flat], check)


if __name__ == "__main__":
    sys.exit(main())
