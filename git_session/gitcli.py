"""The one helper that runs the ``git`` binary.

It is used where only git knows the answer (identity, trailers, patch-ids) and for the
network. Variables that pin git to another repository (set when we run inside a hook)
are stripped, and the repository is passed explicitly instead.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence

from git_session.errors import GitError

# Variables git sets for hooks and aliases that would point a child git elsewhere.
_LOCATION_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_NAMESPACE",
    "GIT_QUARANTINE_PATH",
)


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LOCATION_VARIABLES}
    env.update(extra or {})
    return env


def run(
    args: Sequence[str],
    *,
    git_dir: str | None = None,
    cwd: str | None = None,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``git ARGS`` and return its result; raise ``GitError`` if it fails and ``check``."""
    command = ["git", *([f"--git-dir={git_dir}"] if git_dir else []), *args]
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            input=input,
            env=clean_environment(env),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            check=False,
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}", "install git and put it on PATH") from None
    if check and result.returncode != 0:
        message = result.stderr.strip().splitlines()[-1:] or [f"exit status {result.returncode}"]
        raise GitError(
            f"`git {' '.join(args)}` failed: {message[0]}",
            command=command,
            output=result.stdout,
            stderr=result.stderr,
        )
    return result


def split_z(output: str) -> list[str]:
    """Split ``-z`` output into its NUL-terminated records."""
    return [record for record in output.split("\0") if record]
