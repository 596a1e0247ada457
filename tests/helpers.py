"""Small helpers that build repositories and run git and git-session in them."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from click.testing import CliRunner, Result

from git_session.cli import cli
from git_session.gitrepo import Repo
from git_session.names import ObjectId

FIXED_DATE = "1700000000 +0000"


def git(cwd: Path | str, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> str:
    """Run git and return its stdout; fail the test on a non-zero exit."""
    result = subprocess.run(
        ["git", *args], cwd=cwd, input=input, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def make_repo(where: Path, name: str = "repo", *, commit: bool = True, branch: str = "main") -> Path:
    path = where / name
    git(where, "init", "-q", "-b", branch, str(path))
    if commit:
        (path / "README").write_text("hello\n")
        git(path, "add", "README")
        git(path, "commit", "-q", "-m", "initial")
    return path


def make_repo_with_remote(where: Path) -> tuple[Path, Path]:
    """A bare remote and a clone of it with one commit pushed."""
    remote = where / "remote.git"
    git(where, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = make_repo(where)
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    return repo, remote


def make_two_clones(where: Path) -> tuple[Path, Path, Path]:
    """A bare remote with one commit on main, and two clones of it: (remote, alice, bob)."""
    remote = where / "remote.git"
    git(where, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = make_repo(where, "seed")
    git(seed, "push", "-q", str(remote), "main")
    for name in ("alice", "bob"):
        git(where, "clone", "-q", str(remote), name)
    return remote, where / "alice", where / "bob"


@contextlib.contextmanager
def alarm_after(seconds: int, message: str) -> Iterator[None]:
    """Fail with ``message``, rather than hang, when the body runs past ``seconds``."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise AssertionError(message)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(cwd: Path | str, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """git-session in-process (click's runner), from ``cwd``."""
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)
    finally:
        os.chdir(previous)


def ok(cwd: Path | str, *args: str, env: dict[str, str] | None = None) -> str:
    """git-session in-process; fail the test unless it succeeds. Returns stdout."""
    result = run(cwd, *args, env=env)
    assert result.exit_code == 0, f"git session {' '.join(args)} -> {result.exit_code}\n{result.output}"
    return result.stdout


def fails(cwd: Path | str, *args: str, code: int = 1) -> str:
    """git-session in-process; it must fail with ``code`` and one error line (+ hint). Returns stderr."""
    result = run(cwd, *args)
    assert result.exit_code == code, f"expected exit {code}, got {result.exit_code}\n{result.output}"
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith("git-session: "), result.stderr
    assert all(line.startswith("hint: ") for line in lines[1:]), result.stderr
    return result.stderr


def as_json(cwd: Path | str, *args: str) -> Any:
    return json.loads(ok(cwd, *args, "--json"))


def subprocess_cli(cwd: Path | str, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """git-session through its real entry point, in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "git_session", *args], cwd=cwd, input=input, capture_output=True, text=True
    )


def session_refs(repo: Path | str) -> list[str]:
    out = git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/")
    return out.split()


def entry_texts(repo: Path | str, kind_list: str, *extra: str) -> list[str]:
    return [item["text"] for item in as_json(repo, "show", *extra)[kind_list]]


def fsck(repo: Path | str) -> None:
    git(repo, "fsck", "--strict", "--no-progress")


def needed_tool(name: str, installed_by: str = ".ci/install-test-tools") -> str:
    """The path of a program a test needs (a name on PATH, or an absolute path). Where it is
    missing: in CI the test fails (CI installs it), elsewhere it is skipped, saying how to get it."""
    found = shutil.which(name) if not os.path.isabs(name) else (name if os.path.exists(name) else None)
    if found is not None:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{name} is missing in CI: .ci/run installs it with {installed_by}")
    pytest.skip(f"{name} is missing (run {installed_by}); CI fails here instead")


def needed_root() -> None:
    """A test of what root may do (write where a folder's owner took away their own write
    bit), or that makes other users: in CI, which runs the tests as root, it fails when not
    root; elsewhere it is skipped."""
    if os.geteuid() == 0:
        return
    if os.environ.get("CI"):
        pytest.fail("this test needs root: CI runs the tests as root")
    pytest.skip("needs root; CI runs it as root, and fails here instead")


def race_once(monkeypatch: pytest.MonkeyPatch, repo: Repo, writer: Callable[[], object]) -> list[bool]:
    """Make ``writer`` (another process) move a ref after our loop read it and before its
    compare-and-swap, once; the outcome of every compare-and-swap of ours is recorded."""
    real = repo.cas_ref
    outcomes: list[bool] = []

    def racing(name: str, new: ObjectId, old: ObjectId | None, message: str) -> bool:
        if not outcomes:
            writer()
        outcomes.append(real(name, new, old, message))
        return outcomes[-1]

    monkeypatch.setattr(repo, "cas_ref", racing)
    return outcomes


def recorded_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[tuple[Any, ...]]:
    """The positional arguments of every call of ``owner.name`` from now on (``self`` first
    for a method patched on its class); each call still runs."""
    calls: list[tuple[Any, ...]] = []
    real = getattr(owner, name)

    def recorded(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, recorded)
    return calls


def git_session_folder(where: Path) -> Path:
    """A folder (``where/bin``) holding a ``git-session`` that runs this checkout's with this
    Python: the console script's stand-in, for what runs git-session from PATH (hooks, git)."""
    folder = where / "bin"
    folder.mkdir()
    script = folder / "git-session"
    script.write_text(f'#!/bin/sh\nexec {sys.executable} -m git_session "$@"\n')
    script.chmod(0o755)
    return folder


def reflog_chain_problems(lines: list[str], tip: str) -> list[str]:
    """What breaks the reflog's chain: a line whose old value is not the previous line's new
    one, or a last line that is not the ref's tip."""
    problems = []
    previous = "0" * 40
    for number, line in enumerate(lines):
        old, new = line.split(" ", 2)[:2]
        if old != previous:
            problems.append(f"line {number}: from {old[:8]}, the line before ended at {previous[:8]}")
        previous = new
    if previous != tip:
        problems.append(f"the last line ends at {previous[:8]}, the ref is at {tip[:8]}")
    return problems
