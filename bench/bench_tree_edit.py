"""Benchmark of one tree edit inside ``Repo.packed_writes`` (Python) against libgit2's.

A flat folder of N entries (default 10,000, as a notes tree or an entries folder grows) is
stored packed; each round edits it (one file added) inside ``packed_writes`` and outside
(libgit2's ``TreeBuilder``), then edits again the tree the first edit wrote; and edits a
small session-like tree (meta.json and two folders, three levels) 1,000 times. CPU time
of the edit alone (``time.process_time``), medians of interleaved rounds. With ``--baseline
DIR`` (a folder holding another ``git_session`` package, e.g. ``git archive main
git_session``) the same rounds run that package's code too, alternating with this code's,
each in its own process.

Usage: .venv/bin/python bench/bench_tree_edit.py [--entries N] [--rounds N] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _git(cwd: str, *args: str, stdin: bytes = b"") -> str:
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=True).stdout.decode().strip()


def _since(began: float) -> float:
    return (time.process_time() - began) * 1000


def measure(package: str, entries: int) -> dict[str, float]:
    """One round: each measurement's CPU milliseconds, by the package in ``package``."""
    sys.path.insert(0, package)
    from git_session.gitrepo import Repo
    from git_session.names import ObjectId

    folder = tempfile.mkdtemp(prefix="bench-tree-edit-")
    _git(folder, "init", "-q")
    blob = _git(folder, "hash-object", "-w", "--stdin", stdin=b"x\n")
    flat = ObjectId(
        _git(folder, "mktree", stdin="".join(f"100644 blob {blob}\tn{n:05d}\n" for n in range(entries)).encode())
    )
    notes = _git(folder, "mktree", stdin="".join(f"100644 blob {blob}\tn{n}\n" for n in range(4)).encode())
    listing = f"100644 blob {blob}\tmeta.json\n040000 tree {notes}\tnote\n040000 tree {notes}\topen\n"
    small = ObjectId(_git(folder, "mktree", stdin=listing.encode()))
    _git(folder, "repack", "-adq")
    repo = Repo.discover(folder)
    repo.edit_tree(flat, {"n00000": ObjectId(blob)})  # the folder read once, as a command has read it
    found: dict[str, float] = {}
    with repo.packed_writes():
        new = repo.write_blob(b"inside\n")
        began = time.process_time()
        made = repo.edit_tree(flat, {"m": new})
        found["first"] = _since(began)
        began = time.process_time()
        repo.edit_tree(made, {"o": new})
        found["again"] = _since(began)
        changes = [{"meta.json": new, f"note/m{k}": new, f"open/m{k}": new} for k in range(1000)]
        began = time.process_time()
        for change in changes:
            repo.edit_tree(small, change)
        found["small x1000"] = _since(began)
    new = repo.write_blob(b"outside\n")
    began = time.process_time()
    repo.edit_tree(flat, {"m": new})
    found["libgit2"] = _since(began)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=10_000, help="entries of the flat folder (default 10,000)")
    parser.add_argument("--rounds", type=int, default=15, help="rounds (default 15)")
    parser.add_argument("--baseline", type=Path, help="a folder holding another git_session package, measured too")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.entries)))
        return 0
    codes = [("this code", str(ROOT)), *([("baseline", str(args.baseline.resolve()))] if args.baseline else [])]
    samples: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):  # one round of each code at a time: the machine's noise hits both alike
        for name, package in codes:
            child = [sys.executable, __file__, "--child", package, "--entries", str(args.entries)]
            for label, value in json.loads(subprocess.run(child, capture_output=True, check=True).stdout).items():
                samples.setdefault((name, label), []).append(value)
    print(f"{args.rounds} interleaved rounds, flat folder of {args.entries:,} entries; CPU ms: median (p25 - p75)")
    for (name, label), values in samples.items():
        values.sort()
        low, high = values[len(values) // 4], values[-1 - len(values) // 4]
        print(f"  {name:<10} {label:<12} {values[len(values) // 2]:8.2f}  ({low:.2f} - {high:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
