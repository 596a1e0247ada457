"""`git-session report` over 1,000 sessions costs what git costs to list them and to read their
linked commits' stats, and grows linearly with the sessions.

Each session holds 20 entries (4 objectives, 2 of them done; 3 decisions; 3 discoveries; 2
blockers, one resolved; 2 linked commits; 4 notes; 2 next steps), was paused and resumed, and
two in three are ended: about 27 operations, written one per commit as the command line writes
them (``--ops-per-commit`` to batch them). The linked commits (two per session) are one linear
history made with ``git fast-import``, each commit changing a few lines of one of 100 files.
The repositories are then packed as ``git gc --auto`` would have (``--loose``: left as written).

Targets, as ratios of medians measured in the same run:

- ``report`` over 1,000 sessions <= 3 x (``git for-each-ref refs/sessions/`` + ``git log
  --no-walk --shortstat`` of the 2,000 linked commits) + the Python floor (``python -c "import
  pygit2"``), i.e. (report - floor) / (for-each-ref + log) <= 3;
- linear: (report - floor) per session with 1,000 sessions <= 1.2 x the same with 100;
- the first report: ``report, no cache`` (the cache removed before each run) <= 3 x on the
  same terms.

``--floors`` adds what the first report cannot do without under format 1, timed in the same
rounds: git writing out the messages of the sessions' histories (``git rev-list --format=%B``;
the times of state changes are kept only there, the materialized state orders them by Lamport
stamps), and Python reading the sessions' states through libgit2 and nothing else
(``report_inputs.py``); with the denominator's own ``git log --shortstat`` (the linked
commits' stats), their sum over the denominator is the least the first-report row can be.

``report`` keeps what each session's figures are made of by its tip (``reportcache.py``): the
timed rounds, after two untimed runs, read it. ``report, no cache`` (the cache removed before
each run: what the first report after new writes costs) is the same target's cold row. Every ratio
is given for wall time and for CPU time (user and system, of the command and the git processes
it starts), which a loaded machine disturbs much less.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from git_session.store import Draft

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

START_TIME = 1_700_000_000
FILES = 100
AUTHOR = "Bench Author <author@example.com>"
INPUTS_READER = Path(__file__).with_name("report_inputs.py")


@dataclass(frozen=True)
class Settings:
    rounds: int
    sessions: int
    small: int
    ops_per_commit: int
    loose: bool
    check: bool
    keep: bool
    reuse: Path | None
    floors: bool


# --- the fixture -------------------------------------------------------------------------------


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def code_stream(total: int) -> Iterator[bytes]:
    for number in range(1, total + 1):
        when = START_TIME + 60 * number
        yield b"commit refs/heads/code\nmark :%d\n" % number
        yield f"author {AUTHOR} {when} +0000\ncommitter {AUTHOR} {when} +0000\n".encode()
        yield _data(f"change {number}\n")
        yield f"M 100644 inline src/f{number % FILES:03d}.txt\n".encode()
        yield _data("".join(f"line {n} of revision {number}\n" for n in range(number % 7 + 1)))


def code_commits(repo: Path, total: int) -> list[str]:
    """``total`` commits on branch ``code``, oldest first."""
    marks = repo.parent / f"{repo.name}.marks"
    process = subprocess.Popen(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"], cwd=repo, stdin=subprocess.PIPE
    )
    assert process.stdin is not None
    process.stdin.write(b"".join(code_stream(total)))
    process.stdin.close()
    if process.wait() != 0:
        raise SystemExit(f"bench: git fast-import failed in {repo}")
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    return [by_mark[f":{number}"] for number in range(1, total + 1)]


def session_ops(index: int, linked: Sequence[str]) -> list[list[Draft]]:
    """The operations of one session, as (drafts of one commit, time) groups."""
    from git_session.store import Draft

    title = f"Topic {index}"
    branch = f"topic/{index % 100:03d}"
    entries = [
        *(Draft.add("objective", {"text": f"objective {n}", "status": "open"}) for n in range(4)),
        *(Draft.add("decision", {"text": f"decision {n}", "rationale": "because"}) for n in range(3)),
        *(Draft.add("discovery", {"text": f"discovery {n}"}) for n in range(3)),
        *(Draft.add("blocker", {"text": f"blocker {n}", "status": "open"}) for n in range(2)),
        *(Draft.add("commit", {"text": f"change {sha[:7]}", "commit": sha, "branch": branch}) for sha in linked),
        *(Draft.add("note", {"text": f"note {n}"}) for n in range(4)),
        *(Draft.add("next", {"text": f"next {n}", "status": "open"}) for n in range(2)),
    ]
    updates = [
        Draft.update("objective", entries[0].id, {"status": "done"}),
        Draft.update("objective", entries[1].id, {"status": "done"}),
        Draft.update("blocker", entries[10].id, {"status": "resolved"}),
    ]
    create = Draft.create({"title": title, "branch": branch, "status": "active"})
    ended = [Draft.set({"status": "completed"})] if index % 3 else []
    return [
        [create],
        *([d] for d in entries[:10]),
        [Draft.set({"status": "paused"})],
        [Draft.set({"status": "active"})],
        *([d] for d in entries[10:]),
        *([d] for d in updates),
        *([d] for d in ended),
    ]


def make_report_sessions(repo: Path, count: int, linked: Sequence[str], ops_per_commit: int) -> None:
    """``count`` sessions written in-process, each operation (or batch) a commit, an hour apart."""
    from git_session.gitrepo import Ident
    from git_session.names import BranchName
    from git_session.sessions import Workspace

    ws = Workspace.open(str(repo))
    for index in range(count):
        groups = session_ops(index, linked[2 * index : 2 * index + 2])
        flat = [d for group in groups for d in group]
        batches = [flat[:1], *(flat[n : n + ops_per_commit] for n in range(1, len(flat), ops_per_commit))]
        began = START_TIME + index * 3600
        first: Sequence[Draft] = batches[0]
        ident = Ident("Bench Author", "author@example.com", began, "+0000")
        found = ws.store.create(BranchName(f"topic/{index % 100:03d}"), first, ident, "start")
        for number, batch in enumerate(batches[1:], start=1):
            when = Ident("Bench Author", "author@example.com", began + 60 * number, "+0000")
            ws.store.append(found.ref, lambda handle, meta, batch=batch: batch, when, "entry")  # type: ignore[misc]


def build(path: Path, sessions: int, ops_per_commit: int, loose: bool) -> list[str]:
    init_repo(path)
    linked = code_commits(path, 2 * sessions)
    make_report_sessions(path, sessions, linked, ops_per_commit)
    if not loose:
        git(path, "gc", "-q")  # as `git gc --auto` leaves a repository past 6,700 loose objects
    return linked


def check_output(path: Path, sessions: int, env: dict[str, str]) -> None:
    """The report counts every session, and its linked commits with their lines."""
    argv = [git_session_exe(), "report", "--format", "json"]
    result = subprocess.run(argv, cwd=path, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"bench: report failed in {path}:\n{result.stderr}")
    shown = json.loads(result.stdout)
    figures = shown["sessions"]
    if (
        len(figures) != sessions
        or any(f["commits"] != 2 or f["lines_added"] == 0 for f in figures)
        or shown["summary"]["blockers"]["resolved"] != sessions
    ):
        raise SystemExit(f"bench: the report in {path} does not show the sessions' figures")


# --- measuring -----------------------------------------------------------------------------------


def measure(
    big: Path, big_shas: list[str], small: Path, small_shas: list[str], env: dict[str, str], settings: Settings
) -> list[Verdict]:
    exe = git_session_exe()
    n_big, n_small = len(big_shas) // 2, len(small_shas) // 2
    log = ("git", "log", "--no-walk", "--shortstat", "--no-color")
    cold = f"rm -f .git/git-session/report-inputs && exec {exe} report"
    commands = [
        Command('floor: python -c "import pygit2"', (sys.executable, "-c", "import pygit2"), small),
        Command(f"git for-each-ref: {n_big:,} sessions", ("git", "for-each-ref", "refs/sessions/"), big),
        Command(f"git log --shortstat: {len(big_shas):,} commits", (*log, *big_shas), big),
        Command(f"report: {n_big:,} sessions", (exe, "report"), big),
        Command(f"git for-each-ref: {n_small:,} sessions", ("git", "for-each-ref", "refs/sessions/"), small),
        Command(f"git log --shortstat: {len(small_shas):,} commits", (*log, *small_shas), small),
        Command(f"report: {n_small:,} sessions", (exe, "report"), small),
        Command(f"report, no cache: {n_big:,} sessions", ("sh", "-c", cold), big),
    ]
    if settings.floors:
        tips = git(big, "for-each-ref", "--format=%(objectname)", "refs/sessions/").split()
        messages = ("git", "rev-list", "--no-commit-header", "--format=%B", *tips)
        commands += [
            Command(f"git rev-list --format=%B: {n_big:,} session histories", messages, big),
            Command(f"python, libgit2 reading {n_big:,} states", (sys.executable, str(INPUTS_READER)), big),
        ]
    walls, cpus = interleaved_cpu(commands, env, settings.rounds)
    verdicts = []
    for what, timings in (("wall", walls), ("CPU", cpus)):
        print(f"\n--- {what} time")
        medians = [t.median_ms for t in timings]
        judged = _verdicts(medians, n_big, n_small, what) + _floor_verdicts(medians, n_big, what)
        report_verdicts(timings, judged, settings.rounds)
        verdicts += judged
    return verdicts


def _verdicts(medians: Sequence[float], n_big: int, n_small: int, what: str) -> list[Verdict]:
    floor, refs_big, log_big, report_big, refs_small, log_small, report_small, cold_big = medians[:8]
    net_big, net_small = report_big - floor, report_small - floor
    return [
        Verdict(f"{what}: (report - floor) / (for-each-ref + log), {n_big:,}", net_big / (refs_big + log_big), 3.0),
        Verdict(
            f"{what}: (report - floor) per session: {n_big:,} / {n_small:,}",
            (net_big / n_big) / (net_small / n_small),
            1.2,
        ),
        Verdict(
            f"{what}: (report - floor) / (for-each-ref + log), {n_small:,}", net_small / (refs_small + log_small), None
        ),
        Verdict(f"{what}: report: {n_big:,} / {n_small:,} sessions", report_big / report_small, None),
        Verdict(
            f"{what}: (report, no cache - floor) / (for-each-ref + log), {n_big:,}",
            (cold_big - floor) / (refs_big + log_big),
            3.0,  # the first report (issue 16's row): no cache, nothing a writer left
        ),
    ]


def _floor_verdicts(medians: Sequence[float], n_big: int, what: str) -> list[Verdict]:
    """With ``--floors``: the least the first report's row can be (see the module's docstring)."""
    if len(medians) == 8:
        return []
    floor, refs_big, log_big, messages, states = medians[0], medians[1], medians[2], medians[8], medians[9]
    reading = messages + log_big + (states - floor)
    return [
        Verdict(
            f"{what}: first report's reading alone (histories + log + states) / (for-each-ref + log), {n_big:,}",
            reading / (refs_big + log_big),
            None,  # at or above 3, the first-report row cannot be met by any code that reads format 1
        )
    ]


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds of each measurement (default 15)")
    parser.add_argument("--sessions", type=int, default=1_000, help="sessions in the big repository (1,000)")
    parser.add_argument("--small", type=int, default=100, help="sessions in the small repository (100)")
    parser.add_argument("--ops-per-commit", type=int, default=1, help="operations written per commit (1)")
    parser.add_argument("--loose", action="store_true", help="leave objects and refs loose, as git-session writes them")
    parser.add_argument("--quick", action="store_true", help="5 rounds, 5 operations per commit")
    parser.add_argument(
        "--floors", action="store_true", help="also time what the first report must read (see the docstring)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    parser.add_argument(
        "--reuse", type=Path, metavar="DIR", help="measure the repositories a run with --keep left in DIR"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.ops_per_commit = 5, 5
    if not 0 < args.small < args.sessions:
        parser.error("--small must be positive and smaller than --sessions")
    ops = max(1, args.ops_per_commit)
    return Settings(
        args.rounds, args.sessions, args.small, ops, args.loose, args.check, args.keep, args.reuse, args.floors
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    with bench_root("git-session-bench-report-", settings.keep) as (root, env):
        began = time.perf_counter()
        if settings.reuse is not None:
            root = settings.reuse
            env = {**env, "HOME": str(root / "home"), "XDG_CONFIG_HOME": str(root / "home" / ".config")}
        big, small = root / "big", root / "small"
        if settings.reuse is not None:
            big_shas = git(big, "rev-list", "--reverse", "code").split()
            small_shas = git(small, "rev-list", "--reverse", "code").split()
        else:
            big_shas = build(big, settings.sessions, settings.ops_per_commit, settings.loose)
            small_shas = build(small, settings.small, settings.ops_per_commit, settings.loose)
        commits = git(big, "rev-list", "--count", "--all").strip()
        print(f"fixtures ready in {time.perf_counter() - began:.1f} s under {root} ({commits} commits in the big one)")
        check_output(big, len(big_shas) // 2, env)
        check_output(small, len(small_shas) // 2, env)
        verdicts = measure(big, big_shas, small, small_shas, env, settings)
    return exit_status(verdicts, settings.check)


if __name__ == "__main__":
    sys.exit(main())
