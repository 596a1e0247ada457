#!/usr/bin/env python3
"""Set up and run things, with nothing but Python >= 3.10 and git on the machine.

python3 dev.py demo    set up, then show git session at work in a throwaway repository
python3 dev.py test    set up, then run the whole test suite, ruff, mypy, the import layers and shellcheck
python3 dev.py quick   the inner loop: the tests not marked slow, then ruff
python3 dev.py docs    regenerate the man page and the README's command reference
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
LINTED = ("git_session", "tests", "bench", "tools", "dev.py")


def sh(*args: str | os.PathLike[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env)
    if result.returncode != 0:
        sys.exit(f"dev.py: `{' '.join(str(a) for a in args)}` failed with exit status {result.returncode}")


def setup(extras: str = "") -> None:
    if not PYTHON.exists():
        print("dev.py: creating .venv", flush=True)
        venv.create(VENV, with_pip=True)
    quiet = ["-q", "--disable-pip-version-check"]
    sh(PYTHON, "-m", "pip", "install", *quiet, "-e", f".{extras}")
    install_man_page()


def install_man_page() -> None:
    """Link man/git-session.1 into .venv/share/man/man1, where a wheel install puts it.

    `git session --help` is git's: it runs `man git-session`, and man finds the pages of
    `DIR/../share/man` for each DIR on PATH; an editable install copies no data files, so
    without this link the venv's `git session --help` says "No manual entry".
    """
    if os.name == "nt":  # git for Windows opens HTML help, not man pages
        return
    page = VENV / "share" / "man" / "man1" / "git-session.1"
    page.parent.mkdir(parents=True, exist_ok=True)
    if page.is_symlink() or page.exists():
        page.unlink()
    page.symlink_to(ROOT / "man" / "git-session.1")


def demo() -> None:
    setup()
    show_demo(BIN)


def show_demo(bin_dir: Path) -> None:
    """The demo's commands, run with the ``git-session`` of ``bin_dir``, in a throwaway repository."""
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    env.setdefault("GIT_AUTHOR_NAME", "Demo Developer")
    env.setdefault("GIT_AUTHOR_EMAIL", "demo@example.com")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
    with tempfile.TemporaryDirectory(prefix="git-session-demo-") as where:
        repo = Path(where)
        steps = [
            ["git", "init", "-q", "-b", "main"],
            ["git", "commit", "-q", "--allow-empty", "-m", "initial"],
            ["git", "switch", "-q", "-c", "feature/login"],
            ["git", "session", "start", "Add login", "-o", "Login form", "-o", "Session cookie", "--task", "WEB-7"],
            [
                "git",
                "session",
                "decision",
                "add",
                "Use signed cookies",
                "--rationale",
                "no server-side store",
                "--alternative",
                "JWT in localStorage",
            ],
            ["git", "session", "blocker", "add", "Waiting for the design of the form"],
            ["git", "session", "next", "add", "Write the cookie middleware", "--priority", "high"],
            ["git", "session", "tldr", "Login with signed cookies; form design pending"],
            ["git", "session", "current", "Cookie middleware"],
            ["git", "session", "status"],
            ["git", "session", "log"],
        ]
        for step in steps:
            print(f"\n$ {shlex.join(step)}", flush=True)
            sh(*step, cwd=repo, env=env)
    print("\nDemo done: the repository above was temporary. To use git session in your own repositories,")
    print("put it on your PATH (then `git session --help` opens its man page too):\n")
    print(f"    {path_command(bin_dir)}")


def path_command(bin_dir: Path) -> str:
    """The shell command that puts ``bin_dir`` first on PATH."""
    return f'export PATH={shlex.quote(str(bin_dir))}:"$PATH"'


def pytest(*args: str) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([str(PYTHON), "-m", "pytest", *args], cwd=ROOT, env=env)
    if result.returncode == 5:
        sys.exit("dev.py: pytest ran no tests; that is a failure")
    if result.returncode != 0:
        sys.exit(f"dev.py: tests failed (exit status {result.returncode})")


def ruff() -> None:
    sh(PYTHON, "-m", "ruff", "check", *LINTED)
    sh(PYTHON, "-m", "ruff", "format", "--check", *LINTED)


def shell_hooks() -> list[Path]:
    """The hook shims that are shell scripts (hooks/ also holds an awk program and __init__.py)."""
    shims = (p for p in (ROOT / "hooks").iterdir() if p.is_file())
    return sorted(p for p in shims if p.read_bytes().startswith(b"#!/bin/sh\n"))


def test() -> None:
    setup("[test,mcp]")
    pytest("-n", "auto")  # one worker per core (pytest-xdist)
    ruff()
    sh(PYTHON, "-m", "mypy", "--strict", "--cache-dir", mypy_cache(), "git_session", "tools", "tests", "bench")
    if sys.version_info >= (3, 11):  # import-linter needs 3.11; CI runs 3.11
        sh(BIN / "lint-imports", "--no-cache")
    else:
        print("dev.py: the import layers are checked on Python 3.11 and later only")
    sh(BIN / "shellcheck", "--shell=sh", "--severity=style", *shell_hooks())
    print("dev.py: all checks passed")


def mypy_cache() -> Path:
    """mypy's cache, outside the clone (a clean checkout in CI checks in a second, not 30):
    one for each clone, by its path. mypy checks each entry against its source file."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "git-session-tests" / "mypy"
    return cache / hashlib.sha256(str(ROOT).encode()).hexdigest()[:16]


def quick() -> None:
    """The inner loop: every test but those marked slow (`python3 dev.py test` and CI run all)."""
    setup("[test,mcp]")
    pytest("-m", "not slow")
    ruff()
    print("dev.py: quick checks passed (slow tests, mypy, import layers and shellcheck: python3 dev.py test)")


def docs() -> None:
    setup()
    sh(PYTHON, "-m", "tools.manpage", "--write")


COMMANDS = {"demo": demo, "test": test, "quick": quick, "docs": docs}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]]()
