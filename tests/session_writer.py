"""A test fixture: a process that appends notes to one session in a loop.

    python tests/session_writer.py REPO PREFIX COUNT [--session ID] [--barrier FILE] [--start N]

It opens the repository, prints ``ready``, waits until FILE exists (so that many
writers start together), then adds COUNT notes ``PREFIX-<N>``, ``PREFIX-<N+1>``, …
through the same code path as ``git session note``. After each write has returned it
prints the entry's id and text and flushes: a printed line is an acknowledged write.
COUNT 0 means forever.

Tests import ``spawn``, ``read_line`` and ``acknowledged`` from here to drive such processes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve()
# Variables that would pin a child to another repository; the hermetic seal drops them
# already, this makes sure a writer finds its repository from the path it is given.
_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")


def spawn(
    repo: Path | str,
    prefix: str,
    count: int,
    *,
    session: str | None = None,
    barrier: Path | None = None,
    start: int = 0,
) -> subprocess.Popen[str]:
    """Start a writer and return once it has opened the repository (printed ``ready``)."""
    args = [sys.executable, str(SCRIPT), str(repo), prefix, str(count), "--start", str(start)]
    if session:
        args += ["--session", session]
    if barrier:
        args += ["--barrier", str(barrier)]
    env = {k: v for k, v in os.environ.items() if k not in _LOCATION_VARIABLES}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    first = read_line(proc)
    if first != "ready\n":
        proc.kill()
        _, err = proc.communicate(timeout=60)
        raise AssertionError(f"writer {prefix} did not start: {first!r}\n{err}")
    return proc


def read_line(proc: subprocess.Popen[str]) -> str:
    """One line of a writer's output, read unbuffered so that ``communicate`` later
    gets all the rest."""
    assert proc.stdout is not None
    data = b""
    while not data.endswith(b"\n"):
        byte = os.read(proc.stdout.fileno(), 1)
        if not byte:
            break
        data += byte
    return data.decode()


def acknowledged(output: str) -> dict[str, str]:
    """Entry id -> text for every complete line a writer printed."""
    acks: dict[str, str] = {}
    for line in output.splitlines(keepends=True):
        if line.endswith("\n") and line != "ready\n":
            entry_id, _, text = line.rstrip("\n").partition(" ")
            acks[entry_id] = text
    return acks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("prefix")
    parser.add_argument("count", type=int)
    parser.add_argument("--session")
    parser.add_argument("--barrier")
    parser.add_argument("--start", type=int, default=0)
    args = parser.parse_args()

    from git_session.sessions import Workspace

    workspace = Workspace.open(args.repo)
    print("ready", flush=True)
    if args.barrier:
        # Polling, not timing: every writer has started and imported everything
        # before the first one writes.
        while not os.path.exists(args.barrier):
            time.sleep(0.001)
    index = args.start
    while args.count == 0 or index < args.start + args.count:
        text = f"{args.prefix}-{index}"
        _, op = workspace.add(args.session, "note", text)
        sys.stdout.write(f"{op.id} {text}\n")
        sys.stdout.flush()
        index += 1


if __name__ == "__main__":
    main()
