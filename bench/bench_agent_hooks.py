"""Benchmark of the agents' hooks: what a session start and a prompt cost the agent.

Each hook runs as an installed client runs it: ``sh -c <agent_clients.hook_command(...)>``
with the client's input (JSON) on stdin, in the repository. Every verdict is a ratio to
the Python+pygit2 floor (``python -c "import pygit2"``), measured in the same run, all
variants interleaved in rotating rounds:

- SessionStart and UserPromptSubmit (a prompt that asks nothing, the session unchanged)
  answered by the shim from a fresh cache, in a repository with one session and in one
  with 10,000: target <= 0.15 of the floor, and flat (the ratio of the two <= 1.2);
- the same with a stale cache (the config is newer than the cache, so every run asks
  ``git-session agent hook``): target <= 2.0 of the floor.

Usage: .venv/bin/python bench/bench_agent_hooks.py [--rounds N] [--sessions N] [--check]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchlib import (
    Ratio,
    Timing,
    bench_root,
    exit_status,
    git,
    init_repo,
    interleaved_samples,
    make_sessions,
    report,
)

from git_session.integrations.agent_clients import Event, hook_command

BIN = Path(sys.executable).parent
FAR_FUTURE = 4_000_000_000  # the config's time in the stale repositories: every cache is older


def agent_repo(where: Path, env: dict[str, str], name: str, others: int, stale: bool) -> Path:
    repo = init_repo(where / name)
    if others:
        make_sessions(repo, others)
    gs = [str(BIN / "git-session")]
    for args in (
        ["start", "Benchmark the agent hooks", "-o", "Measure the shim", "-o", "Keep it flat"],
        ["tldr", "The shim answers from the cache; Python only when it is stale"],
        ["current", "measure SessionStart and UserPromptSubmit"],
        ["blocker", "add", "the machine is shared"],
        ["decision", "add", "Pre-render the answers", "--rationale", "no Python per prompt", "--alternative", "MCP"],
    ):
        subprocess.run([*gs, *args], cwd=repo, env=env, check=True, capture_output=True)
    for event in FILES:  # the first run (Python) writes the shim and the cache
        hook(repo, env, event)
    if stale:
        os.utime(repo / ".git" / "config", (FAR_FUTURE, FAR_FUTURE))
    return repo


def write_inputs(where: Path) -> dict[Event, Path]:
    start = {"session_id": "bench-1", "hook_event_name": "SessionStart", "source": "startup", "model": "m"}
    prompt = {"session_id": "bench-1", "hook_event_name": "UserPromptSubmit", "prompt": "add a test for the parser"}
    files: dict[Event, Path] = {}
    pairs: tuple[tuple[Event, dict[str, str]], ...] = (("session-start", start), ("prompt", prompt))
    for event, payload in pairs:
        files[event] = where / f"{event}.json"
        files[event].write_text(json.dumps(payload))
    return files


FILES: dict[Event, Path] = {}  # the client's input for each event (written by main)


def hook(repo: Path, env: dict[str, str], event: Event) -> float:
    with open(FILES[event], "rb") as stdin:
        began = time.perf_counter()
        result = subprocess.run(
            ["sh", "-c", hook_command("claude", event)], cwd=repo, env=env, stdin=stdin, capture_output=True
        )
        elapsed = time.perf_counter() - began
    if result.returncode != 0 or result.stderr:
        raise SystemExit(f"bench: the {event} hook failed ({result.returncode}):\n{result.stderr.decode()}")
    return elapsed


def floor(env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import pygit2"], env=env, check=True)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    with bench_root("git-session-bench-agent-", keep=False) as (where, env):
        env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"  # a stale cache runs git-session
        FILES.update(write_inputs(where))
        repos = {
            "1 session": agent_repo(where, env, "one", 0, stale=False),
            f"{args.sessions + 1} sessions": agent_repo(where, env, "many", args.sessions, stale=False),
            "1 session, stale cache": agent_repo(where, env, "stale", 0, stale=True),
        }
        git(repos["1 session"], "status")  # (git works here)
        variants: list[tuple[str, tuple[Path, Event] | None]] = [("python -c 'import pygit2' (floor)", None)]
        for name, repo in repos.items():
            events: tuple[tuple[Event, str], ...] = (("session-start", "SessionStart"), ("prompt", "UserPromptSubmit"))
            for event, label in events:
                variants.append((f"{label}, {name}", (repo, event)))

        def run(_: int, index: int) -> float:
            target = variants[index][1]
            if target is None:
                return floor(env)
            return hook(target[0], env, target[1])

        for index in range(len(variants)):  # warm-up
            run(0, index)
        samples = interleaved_samples(run, len(variants), args.rounds)
        timings = [Timing(label, s) for (label, _), s in zip(variants, samples, strict=True)]
        base = timings[0]
        ratios = [Ratio(t, base, 2.0 if "stale" in t.label else 0.15) for t in timings[1:]]
        report(timings, ratios, args.rounds)
        flat = [
            Ratio(timings[3], timings[1], 1.2),  # SessionStart, many / one
            Ratio(timings[4], timings[2], 1.2),  # UserPromptSubmit, many / one
        ]
        for ratio in flat:
            verdict = "PASS" if ratio.passed else "FAIL"
            print(f"flat: {ratio.measured.label} / {ratio.baseline.label} = {ratio.value:.2f} (<= 1.2) {verdict}")
        return exit_status([*ratios, *flat], args.check)


if __name__ == "__main__":
    sys.exit(main())
