"""Benchmark of linking: what the first git-session command after commits or a rebase pays.

The hooks only record commits (prepare-commit-msg) and rewrites (post-rewrite); the next
git-session command links them. Every verdict is a ratio of two runs of that command
(``git-session status``) measured in the same run, in rotating rounds:

- after a rebase of 50 linked commits / with nothing queued, in repositories holding
  1, 1,000 and 10,000 sessions (target <= 1.5 each);
- after 1, 10 and 100 ordinary commits / with nothing queued, 1,000 sessions (target
  <= 2.0 after 100; 1 and 10 for information);
- after one commit, in a session of 1,000 and of 10,000 commit entries (of absent
  commits; and of 10,000 present ones) / in a session of none (target <= 1.2: linking
  cost flat in the session's size), the session's
  commit index (local, derived data: ``git_session/commitindex.py``) made when the
  fixture is built and kept current by every link;
- after one commit with the commit index and the at-risk check's index deleted first / with
  them (for information: what making them costs, once per session and clone).

The old commit entries name commits that are not in the repository, so every ``status``
there also warns that they are at risk (all of them absent: looked up, or known absent from
the at-risk check's memo while the object store has not changed where they would be). A
session's linked commits are mostly present, so the same row is also measured with
10,000 (``--quick``: 1,000) entries naming commits of main (present and reachable: each
looked up, none at risk; not walked in the timed runs: the check's memo of the commits the
branches reached is put back with the refs, and the one commit moves main on from the tip it
holds), against the session of none, in a repository without those commits (target <= 1.2).

Before each timed run the state is made untimed (the rebase or the commits, through the
installed hooks); after it the branch, the session and the notes are put back as they
were, and so are the session's indexes (local, derived data: left at the tip the run made,
the next run's tip would not descend from it, and they would be made again from every
entry, which only a session rewritten elsewhere pays); the queue is checked empty
(everything was linked).

With ``--baseline DIR`` (a folder holding another ``git_session`` package, e.g. ``git
archive main git_session``), every repository is built a second time and every variant
measured again in the same rounds with that package (``PYTHONPATH=DIR`` in its environment:
the console script and the hooks start it), so that this code's ratios and the baseline's
come from the same run.

Usage: .venv/bin/python bench/bench_link.py [--quick] [--rounds N] [--check] [--keep] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchlib import (
    Ratio,
    Timing,
    bench_root,
    exit_status,
    git,
    git_session_exe,
    init_repo,
    interleaved_samples,
    report,
)

BIN = Path(sys.executable).parent
LINKED = 50
# (paths.COMMIT_INDEX_FOLDER, paths.AT_RISK_INDEX_FOLDER, atrisk.REACHED_FOLDER: the at-risk check's memo of the
# commits the branches reached, with their tips: put back with the refs; its memo of the absent commits,
# made with the object store as it is, is left as each run leaves it, as the objects are)
INDEX_FOLDERS = ("commit-index", "at-risk-index", "at-risk-reached")


@dataclass
class Fixture:
    """A repository with one active session on ``main`` and the refs to put back."""

    repo: Path
    env: dict[str, str]
    saved: dict[str, str]
    indexes: Path | None = None  # a copy of the session's derived indexes at the saved tip

    def keep_indexes(self, where: Path) -> None:
        """Copy the indexes (made at the saved session tip) to put back after each run: left
        at the tip a run made, the next run's tip would not descend from it and they would be
        made again from every entry, which is not what a run after one commit costs."""
        self.indexes = where
        where.mkdir()
        for folder in INDEX_FOLDERS:
            if (self.repo / ".git" / "git-session" / folder).is_dir():
                shutil.copytree(self.repo / ".git" / "git-session" / folder, where / folder)

    def run(self, *args: str, hooks: bool = True) -> None:
        env = self.env if hooks else {**self.env, "GIT_SESSION_DISABLE": "1"}
        done = subprocess.run(args, cwd=self.repo, env=env, capture_output=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"bench: {' '.join(args)} failed:\n{done.stderr.decode()}")

    def status(self) -> tuple[float, float]:
        """Seconds of the command: wall clock, and CPU (its own and its git processes')."""
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        self.run(git_session_exe(), "status")
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime

    def restore(self) -> None:
        queue = self.repo / ".git" / "git-session" / "queue"
        left = [p.name for p in queue.iterdir()] if queue.is_dir() else []
        if left:
            raise SystemExit(f"bench: {self.repo.name}: still queued after the command: {left}")
        self.run("git", "reset", "-q", "--hard", self.saved["refs/heads/main"])
        for ref, tip in self.saved.items():
            self.run("git", "update-ref", ref, tip)
        for folder in INDEX_FOLDERS if self.indexes is not None else ():
            assert self.indexes is not None
            shutil.rmtree(self.repo / ".git" / "git-session" / folder, ignore_errors=True)
            if (self.indexes / folder).is_dir():
                shutil.copytree(self.indexes / folder, self.repo / ".git" / "git-session" / folder)

    def commits(self, count: int, without_index: bool = False) -> None:
        if without_index:  # the session's commit and at-risk indexes (local, derived data) gone: made again
            for folder in INDEX_FOLDERS:
                shutil.rmtree(self.repo / ".git" / "git-session" / folder, ignore_errors=True)
        for _ in range(count):
            name = f"f{random.randrange(10**9)}"
            (self.repo / name).write_text(f"{name}\n")
            self.run("git", "add", name)
            self.run("git", "commit", "-q", "-m", f"change {name}")

    def rebase(self) -> None:
        self.run("git", "rebase", "-q", "onto")


def build(
    where: Path, env: dict[str, str], name: str, sessions: int, entries: int, packed: bool, present: bool = False
) -> Fixture:
    """A repository of ``sessions`` sessions, ours active on main with ``LINKED`` linked
    commits (made through the hooks) and ``entries`` commit entries more (naming commits
    absent from the repository, or with ``present`` commits of main); a branch ``onto`` to
    rebase main on."""
    began = time.perf_counter()
    repo = init_repo(where / name)
    if sessions > 1:
        many_sessions(repo, sessions - 1)
    fixture = Fixture(repo, env, {})
    fixture.run(git_session_exe(), "install")
    fixture.run(git_session_exe(), "start", "Bench", "-o", "Link fast", "-o", "Stay flat")
    if entries:
        add_commit_entries(repo, entries, main_commits(repo, entries) if present else None)
    base = git(repo, "rev-parse", "HEAD").strip()
    fixture.commits(LINKED)
    fixture.run(git_session_exe(), "status")  # links them
    git(repo, "switch", "-q", "-c", "onto", base)
    (repo / "side").write_text("side\n")
    git(repo, "add", "side")
    fixture.run("git", "commit", "-q", "-m", "side", hooks=False)
    git(repo, "switch", "-q", "main")
    git(repo, "repack", "-adq")
    if packed:
        git(repo, "pack-refs", "--all")
    fixture.saved = {
        ref: git(repo, "rev-parse", ref).strip()
        for ref in ("refs/heads/main", "refs/notes/sessions", session_ref(repo))
    }
    fixture.run(git_session_exe(), "status")  # (the indexes at the saved tip)
    fixture.keep_indexes(where / f"{name}.indexes")
    print(f"  built {name}: {sessions} sessions, {entries} entries more, in {time.perf_counter() - began:.1f} s")
    return fixture


def many_sessions(repo: Path, count: int) -> None:
    """Sessions on other branches as ``benchlib.make_sessions`` makes them (most of them
    ended), each in one commit, streamed into ``git fast-import`` (one pack, the refs
    written at the end): 10,000 in seconds, not minutes. The first one is also written
    through the store, and the two trees must be the same."""
    from git_session import codec
    from git_session.fold import EMPTY_META, apply
    from git_session.gitrepo import Repo
    from git_session.names import BranchName, SessionRef, Ulid
    from git_session.store import META_PATH, Draft, Store, _stamp

    store = Store(Repo.discover(str(repo)))
    ident = store.repo.ident()
    who = f"{ident.name} <{ident.email}> {ident.time} {ident.tz}".encode()
    stream: list[bytes] = []
    first: tuple[str, str] | None = None
    for index in range(count):
        branch = BranchName(f"topic/{index:05d}")
        status = "completed" if index % 3 else "active"
        ops = _stamp([Draft.create({"title": f"Topic {index}", "branch": branch, "status": status})], EMPTY_META, ident)
        meta, _ = apply(EMPTY_META, None, ops[0])
        ref = SessionRef.for_session(branch, Ulid(ops[0].id))
        if first is None:
            first = (ref, store._apply(None, EMPTY_META, ops)[0])
        message = codec.encode_commit_message("start", ops).encode()
        data = codec.meta_to_bytes(meta)
        stream += [
            f"commit {ref}\n".encode(),
            b"author " + who + b"\ncommitter " + who + b"\n",
            f"data {len(message)}\n".encode() + message + b"\n",
            f"M 100644 inline {META_PATH}\ndata {len(data)}\n".encode() + data + b"\n",
        ]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream), check=True)
    if first is not None and git(repo, "rev-parse", f"{first[0]}^{{tree}}").strip() != first[1]:
        raise SystemExit("bench: the sessions streamed are not what the store writes")


def session_ref(repo: Path) -> str:
    branch_key = git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").split()
    mains = [ref for ref in branch_key if ref.startswith("refs/sessions/main-")]
    if len(mains) != 1:
        raise SystemExit(f"bench: expected one session on main, found {mains}")
    return mains[0]


def main_commits(repo: Path, count: int) -> list[str]:
    """``count`` commits added to main (each changing one file), streamed into ``git
    fast-import``; their ids, oldest first."""
    who = b"Bench <bench@example.com> 1700000000 +0000"
    base = git(repo, "rev-parse", "HEAD").strip().encode()
    stream = [b"commit refs/heads/main\nmark :1\ncommitter " + who + b"\ndata 5\nold 0\nfrom " + base + b"\n"]
    stream.append(b"M 100644 inline old.txt\ndata 2\n0\n")
    for n in range(1, count):
        message, body = f"old {n}".encode(), f"{n}\n".encode()
        stream += [
            f"commit refs/heads/main\nmark :{n + 1}\n".encode(),
            b"committer " + who + f"\ndata {len(message)}\n".encode() + message + b"\n",
            f"M 100644 inline old.txt\ndata {len(body)}\n".encode() + body + b"\n",
        ]
    marks = repo / ".git" / "bench-marks"
    subprocess.run(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"], cwd=repo, input=b"".join(stream), check=True
    )
    git(repo, "reset", "-q", "--hard", "main")
    ids = dict(line.split() for line in marks.read_text().splitlines())
    marks.unlink()
    return [ids[f":{n + 1}"] for n in range(count)]


def add_commit_entries(repo: Path, count: int, commits: list[str] | None = None) -> None:
    """``count`` commit entries in the active session, 100 to a journal commit (in-process),
    naming ``commits`` (by default commits that are not in the repository)."""
    from git_session.model import Meta
    from git_session.names import BranchName
    from git_session.sessions import Workspace
    from git_session.store import Draft, Handle

    ws = Workspace.open(str(repo))
    found = ws.open_session(BranchName("main"))
    assert found is not None
    for start in range(0, count, 100):
        batch = [
            Draft.add(
                "commit",
                {
                    "text": f"old {n}",
                    "commit": commits[n] if commits else os.urandom(20).hex(),
                    "covers": 0,
                    "branch": "main",
                },
            )
            for n in range(start, min(count, start + 100))
        ]

        def old_commits(handle: Handle, meta: Meta, batch: list[Draft] = batch) -> list[Draft]:
            return batch

        ws.store.append(found.handle.ref, old_commits, ws.ident, "old commits")


@dataclass(frozen=True)
class Variant:
    label: str
    fixture: Fixture
    prepare: Callable[[], None]  # untimed, before the command
    queued: bool


def measure(variants: list[Variant], rounds: int) -> tuple[list[Timing], list[Timing]]:
    """Wall-clock and CPU timings of each variant, in rotating rounds."""
    cpu: list[list[float]] = [[] for _ in variants]

    def run(_: int, index: int) -> float:
        variant = variants[index]
        variant.prepare()
        wall, used = variant.fixture.status()
        variant.fixture.restore()
        cpu[index].append(used)
        return wall

    for index in range(len(variants)):  # warm-up, and a check that each state links
        run(0, index)
        cpu[index].clear()
    samples = interleaved_samples(run, len(variants), rounds)
    return (
        [Timing(v.label, s) for v, s in zip(variants, samples, strict=True)],
        [Timing(v.label, tuple(c)) for v, c in zip(variants, cpu, strict=True)],
    )


def judged(timings: list[Timing], sizes: list[int], entries: int, code: str = "") -> list[Ratio]:
    """The ratios of the variants of one code (``code``: the suffix of its labels)."""
    of = {t.label.removesuffix(code): t for t in timings if t.label.endswith(code)}
    rebase = f"after a rebase of {LINKED}"
    ratios = [
        Ratio(of[f"status, {n} sessions, {rebase}"], of[f"status, {n} sessions, nothing queued"], 1.5) for n in sizes
    ]
    idle = of["status, 1000 sessions, nothing queued"]
    ratios += [Ratio(of[f"status, 1000 sessions, after {c} commits"], idle, None) for c in (1, 10)]
    ratios.append(Ratio(of["status, 1000 sessions, after 100 commits"], idle, 2.0))
    zero = of["status, 0 entries, after 1 commit"]
    ratios += [Ratio(of[f"status, {n} entries, after 1 commit"], zero, 1.2) for n in (entries // 10, entries)]
    ratios.append(Ratio(of[f"status, {entries} entries of present commits, after 1 commit"], zero, 1.2))
    ratios += [  # making the index (once per session and clone): for information
        Ratio(of[f"status, {n} entries, after 1 commit, no index"], of[f"status, {n} entries, after 1 commit"], None)
        for n in (0, entries // 10, entries)
    ]
    return ratios


def against_baseline(timings: list[Timing], kind: str) -> None:
    """Each variant of this code / the same variant of the baseline's (``--baseline``)."""
    of = {t.label: t for t in timings}
    print(f"\n{kind}: this code / baseline, ratio of medians")
    for timing in timings:
        base = of.get(timing.label + BASELINE)
        if base is not None:
            print(f"  {timing.label:<70}  {timing.median_ms / base.median_ms:5.2f}")


def spread(timings: list[Timing]) -> None:
    print("\nspread (milliseconds): quartiles and range")
    width = max(len(t.label) for t in timings)
    for timing in timings:
        ms = sorted(s * 1000 for s in timing.samples)
        q1, _, q3 = statistics.quantiles(ms, n=4) if len(ms) > 1 else (ms[0], ms[0], ms[0])
        print(f"{timing.label:<{width}}  p25 {q1:7.1f}  p75 {q3:7.1f}  min {ms[0]:7.1f}  max {ms[-1]:7.1f}")


BASELINE = " (baseline)"  # the suffix of the labels of the variants run with --baseline's package


def variants_of(fixtures: Fixtures, code: str) -> list[Variant]:
    """The variants measured in the repositories of one code (``code``: its labels' suffix)."""
    by_sessions, by_entries, present, entries = fixtures
    variants: list[Variant] = []
    for n, fixture in by_sessions.items():
        variants.append(Variant(f"status, {n} sessions, nothing queued{code}", fixture, lambda: None, False))
        variants.append(
            Variant(f"status, {n} sessions, after a rebase of {LINKED}{code}", fixture, fixture.rebase, True)
        )
    many = by_sessions[1000]
    for count in (1, 10, 100):
        prepare = lambda count=count: many.commits(count)  # noqa: E731
        variants.append(Variant(f"status, 1000 sessions, after {count} commits{code}", many, prepare, True))
    for n, fixture in by_entries.items():
        variants.append(Variant(f"status, {n} entries, nothing queued{code}", fixture, lambda: None, False))
        prepare = lambda fixture=fixture: fixture.commits(1)  # noqa: E731
        variants.append(Variant(f"status, {n} entries, after 1 commit{code}", fixture, prepare, True))
        prepare = lambda fixture=fixture: fixture.commits(1, without_index=True)  # noqa: E731
        variants.append(Variant(f"status, {n} entries, after 1 commit, no index{code}", fixture, prepare, True))
    label = f"status, {entries} entries of present commits"
    variants.append(Variant(f"{label}, nothing queued{code}", present, lambda: None, False))
    variants.append(Variant(f"{label}, after 1 commit{code}", present, lambda: present.commits(1), True))
    return variants


Fixtures = tuple[dict[int, Fixture], dict[int, Fixture], Fixture, int]


def build_all(where: Path, env: dict[str, str], sizes: list[int], entries: int, packed: bool) -> Fixtures:
    """Every repository, in ``where``, its commands run in ``env``."""
    where.mkdir(exist_ok=True)
    by_sessions = {n: build(where, env, f"sessions-{n}", n, 0, packed) for n in sizes}
    by_entries = {n: build(where, env, f"entries-{n}", 1, n, packed) for n in (0, entries // 10, entries)}
    present = build(where, env, f"present-{entries}", 1, entries, packed, present=True)
    return by_sessions, by_entries, present, entries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="5 rounds, 1,000 entries instead of 10,000")
    parser.add_argument("--sessions", type=int, default=10000, help="the largest count of sessions")
    parser.add_argument("--packed", action="store_true", help="pack the refs of every repository")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the repositories and say where")
    parser.add_argument("--baseline", type=Path, help="every variant run with the git_session package in DIR too")
    args = parser.parse_args()
    if args.baseline is not None and not (args.baseline / "git_session" / "launch.py").is_file():
        parser.error("--baseline must be a folder holding a git_session package")
    rounds = args.rounds or (5 if args.quick else 11)
    entries = 1000 if args.quick else 10000
    with bench_root("git-session-bench-link-", keep=args.keep) as (where, env):
        env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"  # the hooks run git-session
        os.environ["PATH"] = env["PATH"]
        print("building the repositories")
        sizes = sorted({1, 1000, args.sessions})
        fixtures = build_all(where, env, sizes, entries, args.packed)
        variants = variants_of(fixtures, "")
        if args.baseline is not None:
            print(f"building them again for the baseline ({args.baseline})")
            based = {**env, "PYTHONPATH": str(args.baseline.resolve())}
            variants += variants_of(build_all(where / "baseline", based, sizes, entries, args.packed), BASELINE)
        timings, cpu = measure(variants, rounds)
        codes = ["", BASELINE] if args.baseline is not None else [""]
        ratios = judged(timings, sizes, entries)
        for kind, measured in (("wall clock", timings), ("CPU time", cpu)):
            for code in codes:
                shown = [t for t in measured if t.label.endswith(BASELINE) == bool(code)]
                print(f"\n{kind}{' (the baseline)' if code else ''}:")
                report(shown, judged(measured, sizes, entries, code), rounds)
            spread(measured)
            if args.baseline is not None:
                against_baseline(measured, kind)
        for code in codes:
            net_costs(timings, cpu, fixtures, entries, code)
        print(
            f"\nmachine load (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
        )
        if args.keep:
            print(f"kept in {where}")
        return exit_status(ratios, args.check)


def net_costs(timings: list[Timing], cpu: list[Timing], fixtures: Fixtures, entries: int, code: str) -> None:
    """The linking cost per commit and the cost of making the indexes, net of the idle command."""
    by_entries = fixtures[1]
    print(f"\nlinking cost per commit{code} (median after 1 commit - median with nothing queued), milliseconds:")
    rows = [(f"{n:6d} commit entries (absent commits)", f"status, {n} entries") for n in by_entries]
    rows.append((f"{entries:6d} commit entries (present commits)", f"status, {entries} entries of present commits"))
    for shown, label in rows:
        nets = [
            of[f"{label}, after 1 commit{code}"].median_ms - of[f"{label}, nothing queued{code}"].median_ms
            for of in ({t.label: t for t in kind} for kind in (timings, cpu))
        ]
        print(f"  {shown} in the session: wall {nets[0]:6.1f}, CPU {nets[1]:6.1f}")
    print(f"making the indexes{code} (median after 1 commit with no index - with them), milliseconds:")
    for n in by_entries:
        label = f"status, {n} entries, after 1 commit"
        nets = [
            of[f"{label}, no index{code}"].median_ms - of[f"{label}{code}"].median_ms
            for of in ({t.label: t for t in kind} for kind in (timings, cpu))
        ]
        print(f"  {n:6d} commit entries in the session: wall {nets[0]:6.1f}, CPU {nets[1]:6.1f}")


if __name__ == "__main__":
    sys.exit(main())
