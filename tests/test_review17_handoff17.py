"""Defects found reviewing handoff17 (ISSUE14: handoff)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import git, ok
from tests.test_i14_share_noop import settle

pytestmark = pytest.mark.slow  # each case starts git-session in child processes

_LIMIT = 64 * 1024  # bytes a file written by the command (and its git) may hold


def _limited() -> None:
    """A file may not grow past ``_LIMIT`` (``ulimit -f``): as a full temporary folder refuses
    what git writes to a file there. Pipes are not files: nothing refuses them."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (_LIMIT, _LIMIT))


def _handoff(repo: Path, limited: bool) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "git_session", "handoff"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        preexec_fn=_limited if limited else None,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_a_git_log_larger_than_the_temporary_folder_takes_is_still_read(repo: Path) -> None:
    """gitcli.start wrote git's output to temporary files: where they could be made but not
    filled (a full or small /tmp, a file size limit), git failed midway and the handoff with
    it ("failed: exit status 128", its stderr lost too), where the pipes always worked."""
    ok(repo, "start", "Large history")
    for n in range(6):  # each subject is 16,000 characters: the log is larger than _LIMIT
        (repo / f"f{n}.txt").write_text(f"{n}\n")
        git(repo, "add", f"f{n}.txt")
        git(repo, "commit", "-q", "--no-verify", "-m", f"Add f{n} " + "x" * 16_000)
    expected = _handoff(repo, limited=False)  # also leaves the compiled template in its cache
    assert expected[0] == 0 and expected[1].count("x" * 16_000) >= 6, expected
    assert _handoff(repo, limited=True) == expected


# A repository's template (it comes with the project) that builds a reference cycle on each
# turn: a namespace holding itself and 100 kB. Rendered with the cyclic collector on, each
# turn's cycle is freed soon after; without it, all 2,500 stay: 250 MB.
_CYCLES = (
    "{% for i in range(2500) %}{% set ns = namespace() %}{% set ns.me = ns %}"
    "{% set ns.big = 'x' * 100000 %}{% endfor %}# Cycles\n"
)
_ENTRY = """
import sys
sys.argv = ["git-session", "handoff"]
from git_session import launch
try:
    launch.main()
finally:
    print("click" not in sys.modules, file=sys.stderr)
"""
_PEAK = """
import json, resource, subprocess, sys
done = subprocess.run([sys.executable, "-c", sys.argv[1]], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(json.dumps([done.returncode, done.stdout, done.stderr, peak]))
"""


def test_a_repository_template_building_cycles_does_not_grow_the_early_answer(repo: Path) -> None:
    """The early answer (launch) ran with the cyclic collector off, the repository's template
    too: a template building a cycle per turn (which main's early answer, collector on, freed
    a few turns later) kept every one, 250 MB here, gigabytes within the sandbox's ten seconds."""
    ok(repo, "start", "Cycles")
    (repo / ".git-session" / "templates").mkdir(parents=True)
    (repo / ".git-session" / "templates" / "handoff.md.j2").write_text(_CYCLES)
    settle(repo)  # nothing left for a command to do: the console script answers early
    done = subprocess.run([sys.executable, "-c", _PEAK, _ENTRY], cwd=repo, capture_output=True, text=True, check=True)
    code, stdout, early, peak = json.loads(done.stdout)
    assert (code, stdout, early) == (0, "# Cycles\n", "True\n")
    assert peak < 160, f"{peak} MB"  # a git-session process is about 60 MB
