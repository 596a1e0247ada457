"""Benchmark of sharing sessions: do `git-session push` and `fetch` cost what plain git does?

1,000 sessions (20 on each of 50 branches, each a few commits: its start with an
objective, a decision with its rationale, a progress note, and for all but the last
session of a branch its end) and the notes of 50 linked commits are shared with a remote
given by its path. Every verdict is a ratio measured in the same run:

- ``git-session push origin`` against plain ``git push origin 'refs/sessions/*:refs/sessions/*'
  refs/notes/sessions:refs/notes/sessions``, the same refs (target <= 1.5): every run pushes
  into a fresh empty bare repository, so every run sends the 1,000 sessions;
  ``--only push`` measures that push alone and judges it against the range issue 14 keeps
  (target <= 1.2);
- ``git-session fetch origin`` against plain ``git fetch origin`` of the same refs into
  ``refs/session-remotes/origin/`` (target <= 1.5): every run fetches into a fresh repository;
- ``git-session pull origin`` into a fresh repository against that plain ``git fetch``
  (target <= 2.0): the pull fetches, validates every session and creates its ref; and the
  same into a fresh repository that borrows the source's objects (``objects/info/alternates``),
  where the fetch moves no object (for information);
- ``git-session pull origin`` of sessions that diverged (each got one more commit here and
  one more there) against plain ``git fetch`` of the same refs (target <= 3.0): every run
  starts from a copy of the diverged repository, and each session gets a merge commit;
- ``git-session push origin`` with nothing new against plain ``git push`` of the same refs,
  also with nothing new: (push - the Python floor) / git push (target <= 2.0), the floor
  being ``python -c "import pygit2"`` timed in the same rounds.

Before each run (untimed) the fresh repository is made and ``origin`` pointed at it, and
the copies of the remote's refs that a push records (``refs/session-remotes/``) and its
log of what it sent are deleted, so that each push is a first push for both variants (and
git-session's scans every session that leaves); after each run (untimed)
the script checks that the receiving repository holds exactly the session refs and notes
of the source, then deletes it. The first run of each variant is an untimed warm-up; the
others are interleaved in rounds (A, B, A, B, …) so that machine noise hits them alike, and
medians are compared. With ``--daemon`` the same is measured over a ``git daemon`` on
127.0.0.1 (``git://`` URLs), shown for information.

The sessions are written in-process with the core API (``Store.create``, ``Store.append``)
in a hermetic repository (own HOME, no system config, fixed identities); the commands run
as subprocesses of the real console script.

With ``--baseline DIR`` (a folder holding another ``git_session`` package, e.g. ``git archive
main git_session``), the no-op push, the pull into a fresh repository and the pull of diverged
sessions are also run by this code's entry and by the baseline's (``python -c``, each importing
its own package), in the same rounds, for information.

Usage: .venv/bin/python bench/bench_transfer.py [--quick] [--rounds N] [--sessions N] [--only PART] [--check] [--keep]
                                                [--baseline DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from benchlib import (
    Command,
    Ratio,
    Timing,
    bench_root,
    children_cpu,
    exit_status,
    git,
    git_session_exe,
    init_repo,
    interleaved_samples,
    report,
    timed,
)

from git_session import linking, notes, paths
from git_session.gitrepo import Ident
from git_session.model import Fields, Meta
from git_session.names import BranchName, ObjectId
from git_session.sessions import Workspace
from git_session.store import Draft, Handle, Store

ROOT = Path(__file__).resolve().parents[1]
BRANCHES = 50
TARGET = 1.5  # git-session push (fetch) / plain git push (fetch) of the same refs
PULL_TARGET = 2.0  # git-session pull of new sessions / plain git fetch of the same refs
DIVERGED_TARGET = 3.0  # git-session pull of diverged sessions / plain git fetch of the same refs
NOOP_TARGET = 2.0  # (no-op git-session push - the Python floor) / no-op git push
PUSH_TARGET = 1.2  # --only push: issue 14's row to keep, git-session push 1.0-1.2x git push
PARTS = ("transfer", "push", "pull", "diverged", "noop")
DEFAULT_PARTS = ("transfer", "pull", "diverged", "noop")  # "push" is the first row of "transfer"
SESSIONS = "refs/sessions/"
NOTES = "refs/notes/sessions"
COPIES = "refs/session-remotes/"
FETCHED_SESSIONS = "refs/session-remotes/origin/sessions/"
FETCHED_NOTES = "refs/session-remotes/origin/notes/sessions"
PUSH_REFSPECS = (f"{SESSIONS}*:{SESSIONS}*", f"{NOTES}:{NOTES}")
FETCH_REFSPECS = (f"+{SESSIONS}*:{FETCHED_SESSIONS}*", f"+{NOTES}:{FETCHED_NOTES}")


# --- the fixture --------------------------------------------------------------------------


def source_repo(path: Path) -> Path:
    init_repo(path)
    git(path, "remote", "add", "origin", str(path))  # pointed at a fresh repository before each run
    return path


def branch_names(sessions: int) -> list[BranchName]:
    return [BranchName(f"topic/bench-{index:02d}") for index in range(min(BRANCHES, sessions))]


def session_commits(branch: BranchName, number: int, base: str, ended: bool, one_commit: bool) -> list[list[Draft]]:
    """A session's commits as the CLI writes them (each list is one): its start with an
    objective, a decision, a note and, if ``ended``, its end; or all that in one commit."""
    title = f"Work on {branch}, part {number}"
    fields: Fields = {"title": title, "branch": str(branch), "status": "active", "base": base, "tasks": ["BENCH-1"]}
    objective = {"text": f"Finish part {number} of {branch}", "status": "open"}
    decision: Fields = {
        "text": f"Split part {number} into small steps",
        "rationale": "each step can be reviewed and reverted on its own",
        "alternatives": ["one large change", "a feature flag"],
    }
    note = {"text": f"Started part {number}; the first step is in review"}
    commits = [
        [Draft("create", {"fields": fields}), Draft("add", {"kind": "objective", "fields": objective})],
        [Draft("add", {"kind": "decision", "fields": decision})],
        [Draft("add", {"kind": "note", "fields": note})],
    ]
    if ended:
        commits.append([Draft("set", {"fields": {"status": "completed"}})])
    return [[draft for drafts in commits for draft in drafts]] if one_commit else commits


def write_session(store: Store, ident: Ident, branch: BranchName, commits: list[list[Draft]]) -> Handle:
    title = commits[0][0].data["fields"]["title"]
    handle = store.create(branch, commits[0], ident, f"start: {title}")
    for drafts in commits[1:]:
        handle, _ = store.append(handle.ref, _always(drafts), ident, f"bench: {len(drafts)} operation(s)")
    return handle


def _always(drafts: list[Draft]) -> Callable[[Handle, Meta], Sequence[Draft]]:
    """A build callback for ``Store.append`` that records the same drafts whatever the state."""
    return lambda handle, meta: drafts


def sessions_repo(path: Path, sessions: int, one_commit: bool) -> Path:
    """``sessions`` sessions spread over the branches (the last one of each still active),
    and on each branch one commit whose note links it to that session."""
    ws = Workspace.open(str(source_repo(path)))
    head = git(path, "rev-parse", "HEAD").strip()
    branches = branch_names(sessions)
    last: dict[BranchName, Handle] = {}
    for index in range(sessions):
        branch, number = branches[index % len(branches)], index // len(branches)
        ended = index + len(branches) < sessions  # a later session on this branch follows
        commits = session_commits(branch, number, head, ended, one_commit)
        last[branch] = write_session(ws.store, ws.ident, branch, commits)
    link_commits(path, ws, head, last)
    return path


def link_commits(path: Path, ws: Workspace, head: str, last: dict[BranchName, Handle]) -> None:
    """A commit on each branch, noted as the hooks note it (one notes commit for all)."""
    tree = ws.repo.commit(ws.repo.resolve_commit(head)).tree
    lines, updates = {}, []
    for branch, handle in last.items():
        message = f"Step 1 of {branch}\n\nSession-Id: {handle.id}\n"
        commit = ws.repo.write_commit(tree, [ws.repo.resolve_commit(head)], message, ws.ident)
        updates.append(f"create refs/heads/{branch} {commit}\n")
        lines[commit] = [linking.note_line(ws.store, handle, str(branch))]
    git(path, "update-ref", "--stdin", stdin="".join(updates))
    notes.add_note_lines(ws.repo, lines, ws.ident, "git-session: link commits")


# --- what a run must leave ----------------------------------------------------------------


def shared_refs(repo: Path, sessions_prefix: str, notes_ref: str) -> dict[str, str]:
    """The session refs under ``sessions_prefix`` (named without it) and the notes tip."""
    out = git(repo, "for-each-ref", "--format=%(objectname) %(refname)", sessions_prefix, notes_ref)
    found = {}
    for line in out.splitlines():
        oid, name = line.split(" ", 1)
        found["notes" if name == notes_ref else name.removeprefix(sessions_prefix)] = oid
    return found


def pushed_log_folder(repo: Path) -> Path:
    """Where a push notes what each remote was sent (its next scan skips that)."""
    return paths.private_dir_of(str(repo / ".git")) / paths.PUSHED_FOLDER


def delete_refs(repo: Path, prefix: str) -> None:
    names = git(repo, "for-each-ref", "--format=%(refname)", prefix).split()
    if names:
        git(repo, "update-ref", "--stdin", stdin="".join(f"delete {name}\n" for name in names))


class Setup(NamedTuple):
    cwd: Path  # where the command runs
    target: Path  # the repository that must hold the sessions afterwards


@dataclass(frozen=True)
class Transfer:
    """One measured command, with the untimed work around each of its runs."""

    label: str
    argv: tuple[str, ...]
    prepare: Callable[[str], Setup]  # a run's name -> where to run, and where the refs go
    verify: Callable[[Path], None]  # did the run do the job? (then clean up)


@dataclass(frozen=True)
class Site:
    """Where the source lives and how its fresh repositories are reached: by path or URL."""

    source: Path
    targets: Path
    url: Callable[[Path], str]
    expected: dict[str, str]  # the source's session refs and notes tip

    def fresh_bare(self, name: str) -> Setup:
        target = self.targets / f"{name}.git"
        git(self.targets, "init", "-q", "--bare", str(target))
        git(self.source, "remote", "set-url", "origin", self.url(target))
        delete_refs(self.source, COPIES)  # what an earlier push recorded: each push is a first one,
        shutil.rmtree(pushed_log_folder(self.source), ignore_errors=True)  # that scans every session
        return Setup(self.source, target)

    def fresh_repo(self, name: str) -> Setup:
        target = self.targets / name
        git(self.targets, "init", "-q", str(target))
        git(target, "remote", "add", "origin", self.url(self.source))
        delete_refs(self.source, COPIES)  # what the last push recorded: not in the remote we fetch from
        return Setup(target, target)

    def borrowing_repo(self, name: str) -> Setup:
        """A fresh repository that has every object of the source already (alternates)."""
        setup = self.fresh_repo(name)
        info = setup.target / ".git" / "objects" / "info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "alternates").write_text(f"{self.source / '.git' / 'objects'}\n")
        return setup

    def pulled(self, target: Path) -> None:
        """The target holds the source's sessions as its own, and the remote's copies."""
        found = shared_refs(target, SESSIONS, NOTES)
        if found != self.expected:
            missing, extra = len(self.expected.keys() - found), len(found.keys() - self.expected)
            raise SystemExit(f"bench: {target} did not pull the sessions ({missing} missing, {extra} extra refs)")
        self.fetched(target)

    def pushed(self, target: Path) -> None:
        self._verify(target, SESSIONS, NOTES)

    def fetched(self, target: Path) -> None:
        self._verify(target, FETCHED_SESSIONS, FETCHED_NOTES)

    def _verify(self, target: Path, sessions_prefix: str, notes_ref: str) -> None:
        """The target holds the source's sessions and notes, nothing else; then it goes."""
        found = shared_refs(target, sessions_prefix, notes_ref)
        if found != self.expected:
            missing, extra = len(self.expected.keys() - found), len(found.keys() - self.expected)
            raise SystemExit(f"bench: {target} does not hold the sessions ({missing} missing, {extra} extra refs)")
        shutil.rmtree(target)


PLAIN_PUSH, PLAIN_FETCH = ("git", "push", "origin", *PUSH_REFSPECS), ("git", "fetch", "origin", *FETCH_REFSPECS)


def transfers(site: Site, where: str) -> list[Transfer]:
    exe, count = git_session_exe(), f"{len(site.expected) - 1:,} sessions"
    return [
        Transfer(f"git push, same refs ({where})", PLAIN_PUSH, site.fresh_bare, site.pushed),
        Transfer(f"git-session push: {count} ({where})", (exe, "push", "origin"), site.fresh_bare, site.pushed),
        Transfer(f"git fetch, same refs ({where})", PLAIN_FETCH, site.fresh_repo, site.fetched),
        Transfer(f"git-session fetch: {count} ({where})", (exe, "fetch", "origin"), site.fresh_repo, site.fetched),
    ]


def pulls(site: Site, baseline: Path | None = None) -> list[Transfer]:
    """Pull into a fresh repository, and into one that has the objects; git fetch of each.
    ``baseline``: the fresh pull by this code's entry and the baseline's too, last."""
    exe, count = git_session_exe(), f"{len(site.expected) - 1:,} new sessions"
    pull = (exe, "pull", "origin")
    return [
        Transfer("git fetch, same refs (fresh)", PLAIN_FETCH, site.fresh_repo, site.fetched),
        Transfer(f"git-session pull: {count} (fresh)", pull, site.fresh_repo, site.pulled),
        Transfer("git fetch, same refs (objects here)", PLAIN_FETCH, site.borrowing_repo, site.fetched),
        Transfer(f"git-session pull: {count} (objects here)", pull, site.borrowing_repo, site.pulled),
        *(
            Transfer(f"git-session pull: {count} (fresh, {name})", argv, site.fresh_repo, site.pulled)
            for name, argv in entry_commands(baseline, "pull", "origin")
        ),
    ]


# --- diverged sessions --------------------------------------------------------------------


@dataclass(frozen=True)
class Diverged:
    """A repository whose sessions each have one commit the source lacks, while the source's
    each have one it lacks: copied afresh before each run."""

    template: Path
    source: Path
    targets: Path
    expected: dict[str, str]  # the source's session refs (and notes) after it moved on

    def fresh_copy(self, name: str) -> Setup:
        target = self.targets / name
        shutil.copytree(self.template, target, symlinks=True)
        return Setup(target, target)

    def fetched(self, target: Path) -> None:
        found = shared_refs(target, FETCHED_SESSIONS, FETCHED_NOTES)
        if found != self.expected:
            raise SystemExit(f"bench: {target} did not fetch the source's sessions")
        shutil.rmtree(target)

    def merged(self, target: Path) -> None:
        """Every session here holds the source's tip and its own, in a merge commit."""
        from git_session.gitrepo import Repo

        repo = Repo.discover(str(target))
        mine = shared_refs(self.template, SESSIONS, NOTES)
        found = shared_refs(target, SESSIONS, NOTES)
        for name, tip in self.expected.items():
            if name == "notes":
                continue
            ours = found.get(name)
            theirs, before = ObjectId(tip), ObjectId(mine[name])
            if ours is None or not (
                repo.is_ancestor(theirs, ObjectId(ours)) and repo.is_ancestor(before, ObjectId(ours))
            ):
                raise SystemExit(f"bench: {target} did not merge session {name}")
        self.fetched(target)


def diverge(store: Store, ident: Ident, text: str) -> None:
    """One more commit (a note) in every session."""
    for handle in store.handles():
        store.append(handle.ref, _always([Draft("add", {"kind": "note", "fields": {"text": text}})]), ident, "note")


def diverged(served: Path, source: Path, targets: Path, loose: bool) -> Diverged:
    """Pull the source into a template, then write one note in every session on each side."""
    template = served / "diverged"
    git(served, "init", "-q", str(template))
    git(template, "remote", "add", "origin", str(source))
    subprocess.run([git_session_exe(), "pull", "origin"], cwd=template, check=True, capture_output=True)
    mine, theirs = Workspace.open(str(template)), Workspace.open(str(source))
    diverge(mine.store, mine.ident, "written here")
    diverge(theirs.store, theirs.ident, "written there")
    if not loose:
        git(source, "gc", "-q")
        git(template, "gc", "-q")
    return Diverged(template, source, targets, shared_refs(source, SESSIONS, NOTES))


def diverged_pulls(fixture: Diverged, count: int, baseline: Path | None = None) -> list[Transfer]:
    pull = (git_session_exe(), "pull", "origin")
    return [
        Transfer("git fetch, same refs (diverged)", PLAIN_FETCH, fixture.fresh_copy, fixture.fetched),
        Transfer(f"git-session pull: {count:,} diverged sessions", pull, fixture.fresh_copy, fixture.merged),
        *(
            Transfer(
                f"git-session pull: {count:,} diverged sessions ({name})", argv, fixture.fresh_copy, fixture.merged
            )
            for name, argv in entry_commands(baseline, "pull", "origin")
        ),
    ]


def entry_commands(baseline: Path | None, *args: str) -> list[tuple[str, tuple[str, ...]]]:
    """With ``baseline``: the command by this code's entry and by the baseline's (``_ENTRY``)."""
    entries = [] if baseline is None else [("this code", ROOT), ("baseline", baseline.resolve())]
    return [(name, (sys.executable, "-c", _ENTRY, str(path), *args)) for name, path in entries]


# --- a push with nothing new --------------------------------------------------------------


@dataclass(frozen=True)
class Net:
    """(measured - floor) / baseline, medians of the same run, against its target."""

    measured: Timing
    floor: Timing
    baseline: Timing
    target: float

    @property
    def value(self) -> float:
        return (self.measured.median_ms - self.floor.median_ms) / self.baseline.median_ms

    @property
    def passed(self) -> bool:
        return self.value <= self.target


# The console script's entry, from the package in the folder given first (``--baseline``).
_ENTRY = "import sys; sys.path.insert(0, sys.argv.pop(1)); from git_session.launch import main; main()"


def noop_pushes(served: Path, source: Path, count: int, baseline: Path | None = None) -> list[Command]:
    """The source pushed once to a bare remote; then each push finds nothing to send. With
    ``baseline``: the same push by this code's entry and the baseline's, for information."""
    remote = served / "noop.git"
    git(served, "init", "-q", "--bare", str(remote))
    git(source, "remote", "set-url", "origin", str(remote))
    delete_refs(source, COPIES)
    subprocess.run([git_session_exe(), "push", "origin"], cwd=source, check=True, capture_output=True)
    return [
        Command('floor: python -c "import pygit2"', (sys.executable, "-c", "import pygit2"), source),
        Command("git push, nothing new", PLAIN_PUSH, source),
        Command(f"git-session push: {count:,} sessions, nothing new", (git_session_exe(), "push", "origin"), source),
        *(
            Command(f"git-session push, nothing new ({name})", argv, source)
            for name, argv in entry_commands(baseline, "push", "origin")
        ),
    ]


# --- timing -------------------------------------------------------------------------------


class Timings(NamedTuple):
    wall: list[Timing]
    cpu: list[Timing]  # user + system time of the command and of every process it started


def timed_cpu(label: str, argv: Sequence[str], cwd: Path, env: dict[str, str], cpu: list[float]) -> float:
    """``timed``, with the run's CPU seconds appended to ``cpu``."""
    before = children_cpu()
    elapsed = timed(label, argv, cwd, env)
    cpu.append(children_cpu() - before)
    return elapsed


def run_once(transfer: Transfer, name: str, env: dict[str, str], cpu: list[float]) -> float:
    setup = transfer.prepare(name)
    elapsed = timed_cpu(transfer.label, transfer.argv, setup.cwd, env, cpu)
    transfer.verify(setup.target)
    return elapsed


def rounds_of(labels: Sequence[str], run: Callable[[int, int, list[float]], float], rounds: int) -> Timings:
    """Each variant once per round in a rotating order: wall-clock and CPU timings."""
    cpu: list[list[float]] = [[] for _ in labels]
    samples = interleaved_samples(lambda round_number, index: run(round_number, index, cpu[index]), len(labels), rounds)
    return Timings(
        [Timing(label, s) for label, s in zip(labels, samples, strict=True)],
        [Timing(f"{label} (CPU)", tuple(c)) for label, c in zip(labels, cpu, strict=True)],
    )


def interleaved(commands: Sequence[Transfer], env: dict[str, str], rounds: int) -> Timings:
    """One untimed (but checked) run of each, then each once per round in a rotating order."""
    for index, transfer in enumerate(commands):
        run_once(transfer, f"warmup-{index}", env, [])
    return rounds_of(
        [t.label for t in commands],
        lambda round_number, index, cpu: run_once(commands[index], f"run-{round_number}-{index}", env, cpu),
        rounds,
    )


def interleaved_commands(commands: Sequence[Command], env: dict[str, str], rounds: int, warmup: int = 2) -> Timings:
    """``benchlib.interleaved``, with CPU time."""
    for command in commands:
        for _ in range(warmup):
            timed(command.label, command.argv, command.cwd, env)
    return rounds_of(
        [c.label for c in commands],
        lambda _, index, cpu: timed_cpu(commands[index].label, commands[index].argv, commands[index].cwd, env, cpu),
        rounds,
    )


# --- the run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    rounds: int
    sessions: int
    one_commit: bool
    loose: bool
    daemon: bool
    check: bool
    keep: bool
    parts: tuple[str, ...] = DEFAULT_PARTS
    baseline: Path | None = None


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="8 rounds, each session written in one commit")
    parser.add_argument("--rounds", type=int, help="timed rounds of each measurement (default 15)")
    parser.add_argument("--sessions", type=int, default=1_000, help="sessions in the repository (default 1,000)")
    parser.add_argument("--loose", action="store_true", help="leave objects and refs loose, as git-session writes them")
    parser.add_argument("--daemon", action="store_true", help="also measure over git:// (a local git daemon)")
    parser.add_argument("--only", choices=PARTS, action="append", help="measure only this part (repeatable)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    parser.add_argument(
        "--baseline", type=Path, help="the no-op push and the pulls of the git_session package in DIR too"
    )
    args = parser.parse_args(argv)
    if args.baseline is not None and not (args.baseline / "git_session" / "launch.py").is_file():
        parser.error("--baseline must be a folder holding a git_session package")
    if args.sessions < 1:
        parser.error("--sessions must be at least 1")
    return Settings(
        rounds=args.rounds or (8 if args.quick else 15),
        sessions=args.sessions,
        one_commit=args.quick,
        loose=args.loose,
        daemon=args.daemon,
        check=args.check,
        keep=args.keep,
        parts=tuple(args.only or DEFAULT_PARTS),
        baseline=args.baseline,
    )


@contextmanager
def daemon_url(served: Path, wanted: bool) -> Iterator[str | None]:
    """The base URL of a git daemon serving ``served``, if ``--daemon`` asked for one."""
    if not wanted:
        yield None
        return
    sys.path.insert(0, str(ROOT))  # the test suite's daemon helper: tests/daemon.py
    from tests.daemon import serve

    with serve(served) as url:
        yield url


def build(served: Path, settings: Settings) -> Path:
    began = time.perf_counter()
    source = sessions_repo(served / "sessions", settings.sessions, settings.one_commit)
    commits = int(git(source, "rev-list", "--count", "--all").strip())
    objects = int(git(source, "count-objects").split()[0])
    built = time.perf_counter() - began
    print(
        f"{settings.sessions:,} sessions ({commits:,} commits, {objects:,} objects) built in {built:.1f} s", flush=True
    )
    if not settings.loose:
        git(source, "gc", "-q")  # as `git gc --auto` leaves a repository past 6,700 loose objects
        print(f"packed by git gc in {time.perf_counter() - began - built:.1f} s", flush=True)
    print(f"under {served}", flush=True)
    return source


def measure(served: Path, source: Path, url: str | None, env: dict[str, str], settings: Settings) -> list[Ratio | Net]:
    expected = shared_refs(source, SESSIONS, NOTES)
    if "notes" not in expected or len(expected) != settings.sessions + 1:
        raise SystemExit(f"bench: the fixture in {source} does not hold {settings.sessions} sessions and notes")
    targets = served / "targets"
    targets.mkdir()
    site = Site(source, targets, str, expected)
    wall, cpu = Timings([], []), Timings([], [])
    ratios: list[Ratio] = []
    cpu_ratios: list[Ratio] = []  # the same ratios by CPU time, for information

    def judged(timings: Timings, pairs: Sequence[tuple[int, int, float | None]]) -> None:
        """Ratios of ``timings`` (measured index, baseline index, target), by wall and by CPU."""
        wall.wall.extend(timings.wall)
        cpu.cpu.extend(timings.cpu)
        ratios.extend(Ratio(timings.wall[m], timings.wall[b], target) for m, b, target in pairs)
        cpu_ratios.extend(Ratio(timings.cpu[m], timings.cpu[b], None) for m, b, _ in pairs)

    if "transfer" in settings.parts:
        # (where the remote is, how it is reached, the ratios' target): over git:// for information
        sites: list[tuple[str, Site, float | None]] = [("path", site, TARGET)]
        if url is not None:
            by_url = Site(source, targets, lambda path: url + path.relative_to(served).as_posix(), expected)
            sites.append(("git://", by_url, None))
        for where, each, target in sites:
            judged(interleaved(transfers(each, where), env, settings.rounds), [(1, 0, target), (3, 2, target)])
    if "push" in settings.parts:  # the push row alone, judged against the range to keep
        judged(interleaved(transfers(site, "path")[:2], env, settings.rounds), [(1, 0, PUSH_TARGET)])
    if "pull" in settings.parts:
        fresh = pulls(site, settings.baseline)
        judged(interleaved(fresh, env, settings.rounds), [(1, 0, PULL_TARGET), (3, 2, None), *against(fresh, 4, 0)])
    nets: list[Net] = []
    if "noop" in settings.parts:
        commands = noop_pushes(served, source, settings.sessions, settings.baseline)
        noop = interleaved_commands(commands, env, settings.rounds)
        judged(noop, [(2, 1, None)])
        nets.append(Net(noop.wall[2], noop.wall[0], noop.wall[1], NOOP_TARGET))
        nets.append(Net(noop.cpu[2], noop.cpu[0], noop.cpu[1], float("inf")))  # for information
        for compared in range(3, len(commands)):  # --baseline: this code's entry, the baseline's
            nets += [Net(timings[compared], timings[0], timings[1], float("inf")) for timings in (noop.wall, noop.cpu)]
    if "diverged" in settings.parts:  # last: it moves the source's sessions on
        began = time.perf_counter()
        fixture = diverged(served, source, targets, settings.loose)
        print(f"diverged {settings.sessions:,} sessions in {time.perf_counter() - began:.1f} s", flush=True)
        merging = diverged_pulls(fixture, settings.sessions, settings.baseline)
        judged(interleaved(merging, env, settings.rounds), [(1, 0, DIVERGED_TARGET), *against(merging, 2, 0)])
    report(wall.wall, ratios, settings.rounds)
    print("\nthe same by CPU time (user + system of the command and every process it starts), for information:")
    report(cpu.cpu, cpu_ratios, settings.rounds)
    spread(wall.wall)
    for net in nets:
        verdict = f"<= {net.target:g}  {'PASS' if net.passed else 'FAIL'}" if net.target != float("inf") else "info"
        print(
            f"\n({net.measured.label} - floor) / {net.baseline.label}: "
            f"({net.measured.median_ms:.1f} - {net.floor.median_ms:.1f}) / {net.baseline.median_ms:.1f} = "
            f"{net.value:.2f}  {verdict}"
        )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nmachine load (1, 5, 15 min) at the end: {load} on {os.cpu_count()} cores")
    return [*ratios, *nets]


def against(commands: Sequence[Transfer], first: int, baseline: int) -> list[tuple[int, int, float | None]]:
    """The ratios, for information, of the commands from ``first`` on (``--baseline``'s) to ``baseline``."""
    return [(measured, baseline, None) for measured in range(first, len(commands))]


def spread(timings: Sequence[Timing]) -> None:
    """Each measurement's samples, as quartiles and the largest, in milliseconds."""
    print("\nspread (wall clock, ms): p25 / median / p75 / max")
    width = max(len(t.label) for t in timings)
    for timing in timings:
        ordered = sorted(s * 1000 for s in timing.samples)
        quarter = ordered[len(ordered) // 4], ordered[(3 * len(ordered)) // 4]
        print(
            f"  {timing.label:<{width}}  {quarter[0]:8.1f} {timing.median_ms:8.1f} {quarter[1]:8.1f} {ordered[-1]:8.1f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    with bench_root("git-session-bench-transfer-", settings.keep) as (root, env):
        served = root / "served"
        served.mkdir()
        source = build(served, settings)
        with daemon_url(served, settings.daemon) as url:
            ratios = measure(served, source, url, env, settings)
    return exit_status(ratios, settings.check)


if __name__ == "__main__":
    sys.exit(main())
