"""Benchmark of `git session mcp`: what an agent waits for, against the Python floor.

Every verdict is a ratio to ``python -c "import pygit2"`` (the floor any git-session
command pays) measured in the same run:

- a tool call on a warm server (target <= 0.3): ``record`` (a note written, compare-and-swap
  included) and ``read`` (the status), each a ``tools/call`` request answered by a server
  that has served a few already, from the request written to the answer read;
- the server's start (target <= 3.0): from spawning ``git-session mcp`` to its answer to
  ``initialize`` (the SDK imported, the tools built); beside it, for information, a Python
  that only imports the SDK's ``MCPServer``: the part of the start that is the SDK's;
- the size of the ``tools/list`` answer in characters (it is in every agent's context on
  every turn; the test suite holds it under 6,000).

The server is spoken to in plain JSON-RPC lines over its stdin and stdout, as a client
does, in a hermetic repository with a session of a few entries. The measurements run
interleaved, in rounds whose order rotates, after a few untimed runs; medians are
compared, minimums shown beside them.

Usage: .venv/bin/python bench/bench_mcp.py [--rounds N] [--check] [--keep]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from benchlib import Ratio, Timing, bench_root, exit_status, git_session_exe, init_repo, interleaved_samples, report

PROTOCOL = "2025-11-25"
SDK_IMPORT = "from mcp.server.mcpserver import MCPServer"  # the part of the start no code of ours can shorten


class Server:
    """``git-session mcp`` running in ``repo``, spoken to one JSON-RPC line at a time."""

    def __init__(self, repo: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [git_session_exe(), "mcp"],
            cwd=repo,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.next_id = 0

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        stdout = self.process.stdout
        assert stdout is not None
        while True:  # notifications (logging) may come first
            line = stdout.readline()
            if not line:
                raise SystemExit(f"bench: the server stopped answering {method}")
            answer: dict[str, Any] = json.loads(line)
            if answer.get("id") == self.next_id:
                if "error" in answer or answer.get("result", {}).get("isError"):
                    raise SystemExit(f"bench: {method} failed: {answer}")
                return answer

    def initialize(self) -> dict[str, Any]:
        client = {"name": "bench", "version": "0"}
        answer = self.request("initialize", {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": client})
        self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return answer

    def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        return self.request("tools/call", {"name": tool, "arguments": arguments})

    def _send(self, message: dict[str, Any]) -> None:
        stdin: IO[bytes] | None = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps(message).encode() + b"\n")
        stdin.flush()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def python(code: str, repo: Path, env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=repo, env=env, check=True)
    return time.perf_counter() - began


def start(repo: Path, env: dict[str, str]) -> float:
    began = time.perf_counter()
    server = Server(repo, env)
    server.initialize()
    elapsed = time.perf_counter() - began
    server.close()
    return elapsed


def call_time(server: Server, tool: str, arguments: dict[str, Any]) -> Callable[[], float]:
    def run() -> float:
        began = time.perf_counter()
        server.call(tool, **arguments)
        return time.perf_counter() - began

    return run


def session_repo(root: Path, env: dict[str, str]) -> Path:
    repo = init_repo(root / "repo")
    steps = [
        ["start", "Benchmark the MCP server", "-o", "Answer fast", "-o", "Start fast"],
        ["decision", "add", "Serve over stdio", "--rationale", "what every client speaks"],
        ["blocker", "add", "Waiting for numbers"],
        ["next", "add", "Read the report", "--priority", "high"],
    ]
    for step in steps:
        subprocess.run([git_session_exe(), *step], cwd=repo, env=env, check=True, capture_output=True)
    return repo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repository")
    args = parser.parse_args()
    with bench_root("bench-mcp-", args.keep) as (root, env):
        repo = session_repo(root, env)
        warm = Server(repo, env)
        warm.initialize()
        listed = warm.request("tools/list", {})
        size = len(json.dumps(listed["result"]))
        runs: list[tuple[str, Callable[[], float]]] = [
            ('python -c "import pygit2"', lambda: python("import pygit2", repo, env)),
            ("python: import the MCP SDK's MCPServer", lambda: python(SDK_IMPORT, repo, env)),
            ("mcp: start (to initialize answered)", lambda: start(repo, env)),
            ("mcp: tools/call record (warm)", call_time(warm, "record", {"kind": "note", "text": "a note"})),
            ("mcp: tools/call read (warm)", call_time(warm, "read", {"view": "status"})),
        ]
        for _, run in runs:  # untimed: caches, bytecode, the server's first calls
            run(), run()
        samples = interleaved_samples(lambda _, index: runs[index][1](), len(runs), args.rounds)
        warm.close()
        if args.keep:
            print(f"kept: {root}")
    timings = [Timing(label, s) for (label, _), s in zip(runs, samples, strict=True)]
    base = timings[0]
    sdk, start_time, record, read = timings[1:]
    ratios = [Ratio(sdk, base, None), Ratio(start_time, base, 3.0), Ratio(record, base, 0.3), Ratio(read, base, 0.3)]
    report(timings, ratios, args.rounds)
    print(f"\ntools/list answer: {size} characters (the test suite holds it under 6,000)")
    return exit_status(ratios, args.check)


if __name__ == "__main__":
    sys.exit(main())
