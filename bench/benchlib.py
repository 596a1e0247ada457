"""What the benchmarks share: the hermetic environment, running git and the console script,
interleaved timing, medians and their ratios, and the printed report.

Every bench here prints ratios between commands timed in the same run, never absolute
times; the helpers below are how they all do it.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Bench Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
}


# --- what is measured, and how it compares ---------------------------------------------


@dataclass(frozen=True)
class Command:
    label: str
    argv: tuple[str, ...]
    cwd: Path


@dataclass(frozen=True)
class Timing:
    label: str
    samples: tuple[float, ...]  # seconds

    @property
    def median_ms(self) -> float:
        return median_ms(self.samples)

    @property
    def min_ms(self) -> float:
        return min(self.samples) * 1000


def median_ms(samples: Sequence[float]) -> float:
    """The median of samples in seconds, in milliseconds."""
    return statistics.median(samples) * 1000


@dataclass(frozen=True)
class Ratio:
    measured: Timing
    baseline: Timing
    target: float | None

    @property
    def value(self) -> float:
        return self.measured.median_ms / self.baseline.median_ms

    @property
    def passed(self) -> bool:
        return self.target is None or self.value <= self.target


@dataclass(frozen=True)
class Verdict:
    """A ratio of medians measured in this run, and its target (None: shown for information)."""

    name: str
    value: float
    target: float | None

    @property
    def passed(self) -> bool:
        return self.target is None or self.value <= self.target


class Judged(Protocol):
    @property
    def passed(self) -> bool: ...


# --- environment ----------------------------------------------------------------------


def hermetic_env(root: Path) -> dict[str, str]:
    """The environment of every git and git-session run: nothing from the user's setup."""
    home = root / "home"
    templates = root / "templates"
    home.mkdir(exist_ok=True)
    templates.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "XDG_"))}
    env.pop("NO_COLOR", None)
    # Measure git-session as installed: with its bytecode cached (pip compiles it), not
    # recompiled on every run as PYTHONDONTWRITEBYTECODE (set on some machines) forces.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(IDENTITY)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TEMPLATE_DIR=str(templates),
        GIT_PAGER="cat",
        TZ="UTC",
        LC_ALL="C.UTF-8",
    )
    return env


@contextmanager
def bench_root(prefix: str, keep: bool) -> Iterator[tuple[Path, dict[str, str]]]:
    """A temporary folder and the hermetic environment in it, also made this process's own
    (the in-process fixture builders read identity and config from it); removed unless kept."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        env = hermetic_env(root)
        os.environ.clear()
        os.environ.update(env)
        yield root, env
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"bench: git {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def git_session_exe() -> str:
    exe = Path(sys.executable).parent / "git-session"
    if not exe.exists():
        raise SystemExit(f"bench: no console script at {exe}; install the package into this venv")
    entry = _entry_point()
    if entry is not None and f"from {entry[0]} import {entry[1]}" not in exe.read_text(errors="replace"):
        raise SystemExit(
            f"bench: {exe} does not start {entry[0]}:{entry[1]} as pyproject.toml says (installed before the"
            " entry point changed): run `python3 dev.py setup` first"
        )
    return str(exe)


def _entry_point() -> tuple[str, str] | None:
    """The module and function pyproject.toml names for the ``git-session`` console script
    (a venv installed before it changed still starts the old one: what the benches time)."""
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    found = re.search(r'^git-session = "([\w.]+):(\w+)"$', pyproject.read_text(), re.MULTILINE)
    return (found[1], found[2]) if found else None


def init_repo(path: Path) -> Path:
    """A repository on ``main`` with one commit."""
    git(path.parent, "init", "-q", "-b", "main", str(path))
    (path / "README").write_text("benchmark\n")
    git(path, "add", "README")
    git(path, "commit", "-q", "-m", "initial")
    return path


# --- timing ---------------------------------------------------------------------------


def timed(label: str, argv: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    """Seconds one run of ``argv`` took; a failed run ends the benchmark."""
    began = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - began
    if result.returncode != 0:
        raise SystemExit(f"bench: {label} failed ({result.returncode}):\n{result.stderr.decode()}")
    return elapsed


def rotating(count: int, rounds: int) -> Iterator[tuple[int, int]]:
    """(round, index) for each of ``count`` variants once per round, the order rotating each
    round (A B C, B C A, C A B, ...) so that machine noise hits every variant alike."""
    for round_number in range(rounds):
        shift = round_number % count
        for index in [*range(shift, count), *range(shift)]:
            yield round_number, index


def interleaved_samples(run: Callable[[int, int], float], count: int, rounds: int) -> list[tuple[float, ...]]:
    """The samples of ``run(round, index)`` for each variant, measured in rotating rounds."""
    samples: list[list[float]] = [[] for _ in range(count)]
    for round_number, index in rotating(count, rounds):
        samples[index].append(run(round_number, index))
    return [tuple(s) for s in samples]


def interleaved(commands: Sequence[Command], env: dict[str, str], rounds: int, warmup: int = 2) -> list[Timing]:
    """Each command once per round, in a rotating order, after a few untimed runs."""
    for command in commands:
        for _ in range(warmup):
            timed(command.label, command.argv, command.cwd, env)
    samples = interleaved_samples(
        lambda _, index: timed(commands[index].label, commands[index].argv, commands[index].cwd, env),
        len(commands),
        rounds,
    )
    return [Timing(c.label, s) for c, s in zip(commands, samples, strict=True)]


def interleaved_cpu(
    commands: Sequence[Command], env: dict[str, str], rounds: int, warmup: int = 2
) -> tuple[list[Timing], list[Timing]]:
    """``interleaved``, with each run's CPU time (user and system, its own and that of the
    processes it starts) beside its wall time: on a loaded machine the wall time is mostly
    waiting for a CPU."""
    for command in commands:
        for _ in range(warmup):
            timed(command.label, command.argv, command.cwd, env)
    cpu: list[list[float]] = [[] for _ in commands]

    def run(_: int, index: int) -> float:
        before = children_cpu()
        wall = timed(commands[index].label, commands[index].argv, commands[index].cwd, env)
        cpu[index].append(children_cpu() - before)
        return wall

    walls = interleaved_samples(run, len(commands), rounds)
    return (
        [Timing(c.label, w) for c, w in zip(commands, walls, strict=True)],
        [Timing(c.label, tuple(t)) for c, t in zip(commands, cpu, strict=True)],
    )


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- report ---------------------------------------------------------------------------


def report(timings: Sequence[Timing], ratios: Sequence[Ratio], rounds: int) -> None:
    ratio_of = {r.measured.label: r for r in ratios}
    width = max(len(t.label) for t in timings)
    print(f"\n{rounds} interleaved rounds; medians (min) in milliseconds\n")
    print(f"{'measurement':<{width}}  {'median':>8}  {'min':>8}  {'ratio':>6}  {'target':>7}  {'result':<6}  vs")
    print("-" * (width + 60))
    for timing in timings:
        line = f"{timing.label:<{width}}  {timing.median_ms:8.1f}  {timing.min_ms:8.1f}"
        ratio = ratio_of.get(timing.label)
        if ratio is not None:
            target = "-" if ratio.target is None else f"<= {ratio.target:g}"
            verdict = "info" if ratio.target is None else ("PASS" if ratio.passed else "FAIL")
            line += f"  {ratio.value:6.2f}  {target:>7}  {verdict:<6}  {ratio.baseline.label}"
        print(line)


def report_verdicts(timings: Sequence[Timing], verdicts: Sequence[Verdict], rounds: int) -> None:
    """The timings (median, min, max) and, below them, each verdict with its target."""
    width = max(len(name) for name in [*(t.label for t in timings), *(v.name for v in verdicts)])
    print(f"\n{rounds} interleaved rounds; medians (min, max) in milliseconds\n")
    print(f"{'measurement':<{width}}  {'median':>8}  {'min':>8}  {'max':>8}")
    print("-" * (width + 30))
    for timing in timings:
        most = max(timing.samples) * 1000
        print(f"{timing.label:<{width}}  {timing.median_ms:8.1f}  {timing.min_ms:8.1f}  {most:8.1f}")
    print(f"\n{'ratio of medians':<{width}}  {'value':>8}  {'target':>8}  result")
    print("-" * (width + 28))
    for verdict in verdicts:
        target = "-" if verdict.target is None else f"<= {verdict.target:.1f}"
        result = "info" if verdict.target is None else ("PASS" if verdict.passed else "FAIL")
        print(f"{verdict.name:<{width}}  {verdict.value:8.2f}  {target:>8}  {result}")


def exit_status(results: Sequence[Judged], check: bool) -> int:
    """Print how many targets were missed; the exit status (1 only when ``--check`` asked)."""
    missed = [r for r in results if not r.passed]
    print(f"\n{len(missed)} target(s) missed" if missed else "\nall targets met")
    return 1 if check and missed else 0


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
