"""Benchmark of `git session search`: does searching every session cost what git's own
scan of the same trees costs, plus starting Python?

1,000 sessions of 50 entries each (objectives, decisions with rationales and alternatives,
discoveries, notes, next steps: 50,000 entries, each session written in one commit with the
core API) are searched for a word held by about 50 entries. Every verdict is a ratio
measured in the same run:

- ``git-session search WORD`` against the sum, round by round, of plain ``git grep -l -i -F
  WORD`` given the 1,000 session tips and the same paths (what the search asks git for) and
  the floor, ``python -c "import pygit2"`` (target <= 3.0);
- shown for information: a word held by about 2,500 entries (every hit is decoded).

Before timing, the script checks that the search finds exactly the entries that hold the
word. The commands run as subprocesses of the real console script, in interleaved rounds
(A B C …, B C … A, …) after untimed warm-ups; medians and minimums are shown, each ratio
is a ratio of medians.

Usage: .venv/bin/python bench/bench_search.py [--quick] [--rounds N] [--sessions N] [--entries N] [--check] [--keep]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from benchlib import (
    Command,
    Ratio,
    Timing,
    bench_root,
    exit_status,
    git,
    git_session_exe,
    init_repo,
    interleaved,
    report,
)

RARE = "needle"  # about one entry in 1,000
COMMON = "haystack"  # about one entry in 20
WORDS = ("cache", "latency", "schema", "retry", "queue", "index", "token", "deploy", "parser", "budget")


def entry_text(session: int, index: int) -> str:
    number = session * 1000 + index
    words = [WORDS[(number + k) % len(WORDS)] for k in range(6)]
    if number % 997 == 0:
        words.append(RARE)
    if number % 20 == 7:
        words.append(COMMON)
    return f"Entry {number}: " + " ".join(words)


def build(repo: Path, sessions: int, entries: int) -> int:
    """The sessions, written in-process; returns how many entries hold RARE."""
    from git_session.names import BranchName
    from git_session.sessions import Workspace
    from git_session.store import Draft

    kinds = ("objective", "decision", "discovery", "note", "next")
    ws = Workspace.open(str(repo))
    rare = 0
    for session in range(sessions):
        branch = BranchName(f"topic/{session:05d}")
        drafts = [Draft.create({"title": f"Topic {session}", "branch": branch, "status": "completed"})]
        for index in range(entries):
            text = entry_text(session, index)
            rare += RARE in text
            kind = kinds[index % len(kinds)]
            fields: dict[str, object] = {"text": text}
            if kind == "decision":
                fields.update(rationale=f"because {WORDS[index % len(WORDS)]}", alternatives=["the other way"])
            if kind in ("objective", "next"):
                fields["status"] = "open"
            drafts.append(Draft.add(kind, fields))  # type: ignore[arg-type]
        ws.store.create(branch, drafts, ws.ident, "start")
    git(repo, "pack-refs", "--all")
    git(repo, "gc", "-q")
    return rare


def check(repo: Path, env: dict[str, str], expected: int) -> None:
    found = subprocess.run(
        [git_session_exe(), "search", RARE, "--json"], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    hits = json.loads(found.stdout or "[]")
    if len(hits) != expected or not all(RARE in h["text"] for h in hits):
        raise SystemExit(f"bench: search found {len(hits)} entries holding {RARE!r}, expected {expected}")


def plain_grep(repo: Path, word: str) -> tuple[str, ...]:
    tips = git(repo, "for-each-ref", "--format=%(objectname)", "refs/sessions/").split()
    paths = ["meta.json", *(f"entries/{k}/" for k in ("objective", "decision", "discovery", "note", "next"))]
    return ("git", "grep", "-l", "-z", "-I", "-i", "-F", "--all-match", "-e", word, *tips, "--", *paths)


def measure(settings: argparse.Namespace) -> int:
    with bench_root("git-session-bench-search-", settings.keep) as (root, env):
        repo = init_repo(root / "repo")
        print(f"building {settings.sessions:,} sessions x {settings.entries} entries …", flush=True)
        expected = build(repo, settings.sessions, settings.entries)
        check(repo, env, expected)
        exe = git_session_exe()
        commands = [
            Command('floor: python -c "import pygit2"', (sys.executable, "-c", "import pygit2"), repo),
            Command(f"git grep {RARE} (same trees)", plain_grep(repo, RARE), repo),
            Command(f"git-session search {RARE}", (exe, "search", RARE), repo),
            Command(f"git-session search {COMMON}", (exe, "search", COMMON), repo),
            Command(f"git grep {COMMON} (same trees)", plain_grep(repo, COMMON), repo),
        ]
        timings = interleaved(commands, env, settings.rounds, warmup=1)
        floor, grep_rare, rare, common, grep_common = timings
        baseline = Timing(
            f"git grep {RARE} + floor", tuple(a + b for a, b in zip(grep_rare.samples, floor.samples, strict=True))
        )
        common_base = Timing(
            f"git grep {COMMON} + floor", tuple(a + b for a, b in zip(grep_common.samples, floor.samples, strict=True))
        )
        ratios = [Ratio(rare, baseline, 3.0), Ratio(common, common_base, None)]
        report([*timings, baseline, common_base], ratios, settings.rounds)
        print(f"\n{expected} entries hold {RARE!r}; spread (max / min of the samples):")
        for timing in timings:
            print(f"  {timing.label}: {max(timing.samples) / min(timing.samples):.2f}")
        return exit_status(ratios, settings.check)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="8 rounds")
    parser.add_argument("--rounds", type=int, help="timed rounds of each measurement (default 15)")
    parser.add_argument("--sessions", type=int, default=1_000, help="sessions in the repository (default 1,000)")
    parser.add_argument("--entries", type=int, default=50, help="entries of each session (default 50)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    settings = parser.parse_args(argv)
    settings.rounds = settings.rounds or (8 if settings.quick else 15)
    return measure(settings)


if __name__ == "__main__":
    sys.exit(main())
