"""Benchmark of automatic reattach: after 1,000 new commits arrive on the default branch,
does looking at them for copies of linked commits cost what ``git patch-id`` costs?

The repository: ``main`` with one commit, a session on ``feature`` with 20 linked commits
(each adds a file; their notes name the session), and ``refs/remotes/origin/main`` (what a
``git fetch`` brings) 1,000 commits ahead of ``main``, each changing one line of one of 50
files, the last one a squash of ``feature`` (so the run has one link to make and must find
it). ``reattach-seen`` remembers the tips as they were before the fetch. Every verdict is a
ratio measured in the same run:

- automatic reattach (``autoreattach.reattach_new``, in-process: what it adds to the next
  command) against ``git rev-list OLD..NEW | git diff-tree --stdin -p | git patch-id
  --stable`` over the same 1,000 commits (target <= 1.5), in wall-clock time and in CPU
  time (the process's own and its git processes': steadier on a loaded machine).
- the same reattach with its cache of the linked commits' patch-ids (``patch-ids``)
  removed before it (untimed): what the first reattach after those commits were linked
  pays (a teammate's squash arriving after you committed), against the same baseline
  (target <= 1.5, in wall-clock and CPU time too).

Before each reattach run (untimed), the notes ref, the session ref and ``reattach-seen``
are set back to how they were before, and after it (untimed) the script checks that it
linked the squash and nothing else, having examined the 1,000 new commits. The
``patch-ids`` cache is kept between the first variant's runs, as between two commands.
The variants alternate in rotating rounds after an untimed warm-up; medians are
compared, and the spread (min, max) and the machine's load are printed.

Usage: .venv/bin/python bench/bench_reattach.py [--quick] [--rounds N] [--commits N] [--check] [--keep]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from benchlib import Ratio, Timing, bench_root, exit_status, git, init_repo, interleaved_samples, report

from git_session import autoreattach, notes, paths
from git_session.names import BranchName, ObjectId
from git_session.sessions import Workspace
from git_session.store import Draft

TARGET = 1.5
FEATURE_COMMITS = 20
FILES = 50
WHO = "Bench Committer <committer@example.com>"
START = 1_700_000_000


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def _commit(ref: str, mark: int, when: int, message: str, parent: str | None) -> Iterator[bytes]:
    yield f"commit {ref}\nmark :{mark}\n".encode()
    yield f"author {WHO} {when} +0000\ncommitter {WHO} {when} +0000\n".encode()
    yield _data(message)
    if parent is not None:
        yield f"from {parent}\n".encode()


def stream(base: str, commits: int) -> Iterator[bytes]:
    """``feature`` (marks 1..20) off ``base``; then ``origin/main`` (marks 101..) off ``base``."""
    for number in range(1, FEATURE_COMMITS + 1):
        yield from _commit(
            "refs/heads/feature", number, START + number, f"Feature {number}", base if number == 1 else None
        )
        yield f"M 100644 inline feature/f{number:02d}.txt\n".encode()
        yield _data(f"feature file {number}\n")
    for number in range(1, commits):
        mark = 100 + number
        yield from _commit(
            "refs/remotes/origin/main", mark, START + 100 + number, f"Change {number}", base if number == 1 else None
        )
        yield f"M 100644 inline src/m{number % FILES:02d}.txt\n".encode()
        yield _data(f"module {number % FILES}\nrevision {number}\n")
    yield from _commit("refs/remotes/origin/main", 100 + commits, START + 100 + commits, "Feature (#1)", None)
    for number in range(1, FEATURE_COMMITS + 1):
        yield f"M 100644 inline feature/f{number:02d}.txt\n".encode()
        yield _data(f"feature file {number}\n")


def build(repo: Path, commits: int) -> tuple[str, str, str]:
    """The fixture; (the old tip of main, the new tip of origin/main, the session id)."""
    init_repo(repo)
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "remote", "add", "origin", str(repo))
    git(repo, "update-ref", "refs/remotes/origin/main", base)
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    ws = Workspace.open(str(repo))
    autoreattach.save_seen(ws.repo, autoreattach.watched_tips(ws.repo))  # as before the fetch
    seen = autoreattach.load_seen(ws.repo)
    marks = repo.parent / "marks"
    process = subprocess.Popen(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"], cwd=repo, stdin=subprocess.PIPE
    )
    assert process.stdin is not None
    process.stdin.write(b"".join(stream(base, commits)))
    process.stdin.close()
    if process.wait() != 0:
        raise SystemExit("bench: git fast-import failed")
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    feature = [ObjectId(by_mark[f":{n}"]) for n in range(1, FEATURE_COMMITS + 1)]
    drafts = [Draft("create", {"fields": {"title": "Feature", "branch": "feature", "status": "active"}})]
    found = ws.store.create(BranchName("feature"), drafts, ws.ident, "start")
    line = {"session": found.ref.session_id, "branch": "feature", "objectives": [], "decisions": []}
    notes.add_note_lines(ws.repo, {c: [line] for c in feature}, ws.ident, "bench: link")
    assert seen is not None
    # the branch feature was made after the seen tips were saved: it is known, not new
    autoreattach.save_seen(ws.repo, {**seen, "refs/heads/feature": feature[-1]})
    return base, git(repo, "rev-parse", "refs/remotes/origin/main").strip(), found.ref.session_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the repository and print where it is")
    args = parser.parse_args()
    rounds = args.rounds or (5 if args.quick else 15)
    with bench_root("git-session-bench-reattach-", args.keep) as (root, env):
        repo = root / "repo"
        old, new, session = build(repo, args.commits)
        if args.keep:
            print(f"kept: {repo}")
        ws = Workspace.open(str(repo))
        seen = autoreattach.load_seen(ws.repo)
        assert seen is not None
        before = {ref: git(repo, "rev-parse", ref).strip() for ref in ("refs/notes/sessions", *_session_refs(repo))}
        pipeline = (
            f"git rev-list {old}..{new} | git diff-tree --stdin -p --root --binary --no-renames --no-ext-diff "
            "--no-textconv | git patch-id --stable >/dev/null"
        )

        def reset() -> None:
            for ref, tip in before.items():
                git(repo, "update-ref", ref, tip)
            autoreattach.save_seen(ws.repo, seen)

        cpu: list[list[float]] = [[], [], []]

        def used() -> float:
            own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
            return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

        def one(_: int, index: int) -> float:
            if index == 1:
                cpu_before, began = used(), time.perf_counter()
                subprocess.run(["sh", "-c", pipeline], cwd=repo, env=env, check=True)
                elapsed = time.perf_counter() - began
                cpu[index].append(used() - cpu_before)
                return elapsed
            reset()
            if index == 2:
                paths.patch_id_cache(ws.repo).unlink(missing_ok=True)
            cpu_before, began = used(), time.perf_counter()
            found = autoreattach.reattach_new(Workspace.open(str(repo)))
            elapsed = time.perf_counter() - began
            cpu[index].append(used() - cpu_before)
            if found is None or [x.commit for x in found.linked] != [new] or found.linked[0].sessions != (session,):
                raise SystemExit(f"bench: the squash was not linked as it should be: {found}")
            if index == 2 and not paths.patch_id_cache(ws.repo).exists():
                raise SystemExit("bench: the cold reattach did not fill the patch-id cache")
            if found.examined != args.commits:
                raise SystemExit(f"bench: {found.examined} commits examined, not the {args.commits} new ones")
            return elapsed

        for index in (2, 1, 0):
            one(0, index)  # warm-up (the last fills the cache)
        for times in cpu:
            times.clear()
        samples = interleaved_samples(one, 3, rounds)
        labels = (
            f"automatic reattach, {args.commits} new commits",
            f"git patch-id --stable, same {args.commits}",
            "automatic reattach, patch-id cache cold",
        )
        ratios = []
        for kind, measured in (("wall clock", samples), ("CPU time (own + git processes)", cpu)):
            timings = [Timing(label, tuple(times)) for label, times in zip(labels, measured, strict=True)]
            judged = [Ratio(timings[0], timings[1], TARGET), Ratio(timings[2], timings[1], TARGET)]
            print(f"\n{kind}:")
            report(timings, judged, rounds)
            for timing in timings:
                print(f"spread {timing.label}: {timing.min_ms:.1f} .. {max(timing.samples) * 1000:.1f} ms")
            ratios += judged
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\nmachine load (1, 5, 15 min): {load} on {os.cpu_count()} cores")
        return exit_status(ratios, args.check)


def _session_refs(repo: Path) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").split()


if __name__ == "__main__":
    sys.exit(main())
