"""Issue 14, the commit path (eighth round): what the commit hooks cost on their own.

- Read with its boundaries, a cluster of letters ending in one that takes a value (`-qm x`)
  cost a function call (`cluster`) each time: 70,000 `-qm x` cost the hook 3 s of CPU in bash
  (dash 0.6 s). Such a cluster is now told in the loop, and an option that repeats the one
  before its value is not told again (it takes the next argument, as it did). So are its
  siblings: `-qF f`, `-qu`, `--message x` pairs.
Every answer stays as it was, under dash, bash and busybox sh; every commit is a real one.
"""

from __future__ import annotations

import resource
import subprocess

import pytest

from tests import test_trailers
from tests.test_i17_hooks import amended, linked
from tests.test_i19_hooks import shell
from tests.test_trailers import Session, message

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["shell"]  # (a fixture)

# (each under 1.7 MB with its pointers, execve's bound; main's hook in bash: 2 s, 1 s, 0.4 s
# and 1 s of CPU; now about 0.5 s, 0.45 s, 0.45 s and 0.4 s; a repeated -m is git's paragraphs)
PAIRS = 50_000
REPEATED = {
    "-qm x": (["-qm", "x"] * PAIRS, "\n\n".join(["x"] * PAIRS)),
    "-qm x -nm y": (["-qm", "x", "-nm", "y"] * (PAIRS // 4), "\n\n".join(["x", "y"] * (PAIRS // 4))),
    "--message x -qa": (["--message", "x", "-qa"] * (PAIRS // 3), "\n\n".join(["x"] * (PAIRS // 3))),
    "-qu -qa": (["-qu", "-qa"] * (PAIRS // 2) + ["-m", "one"], "one"),
}


@pytest.mark.slow
@pytest.mark.parametrize("repeated", list(REPEATED))
def test_a_repeated_cluster_with_a_value_costs_no_call_an_argument(session: Session, shell: str, repeated: str) -> None:
    """Under a limit of 1 s of CPU for each process (git's own and the hook's)."""
    linked(session)

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (1, 1))

    args, subject = REPEATED[repeated]
    argv = ["git", "commit", *args, "--amend"]
    done = subprocess.run(argv, cwd=session.repo, preexec_fn=limited, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert message(session.repo) == amended(session, subject)
