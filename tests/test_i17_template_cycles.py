"""A template not ours (it comes with the repository) renders with Python's own cyclic
collection, whatever the command set for itself: ``cli.main`` raises the collector's
thresholds for a short command (100,000 allocations before the first collection) and the
handoff's early answer turns it off. A template building a reference cycle on every turn
(a namespace holding itself) kept each one until the process ended: hundreds of megabytes
here, gigabytes within the sandbox's ten seconds. The class of the early answer's defect
found reviewing handoff17 (tests/test_review17_handoff17.py), for every command that
renders a repository's template."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from git_session import PYTHON_GC_THRESHOLD, sandbox
from tests.helpers import ok

pytestmark = pytest.mark.slow  # each case starts git-session in a child process

# 2,500 cycles of 100 kB each: 250 MB when none is freed.
_LOOP = (
    "{% for i in range(2500) %}{% set ns = namespace() %}{% set ns.me = ns %}"
    "{% set ns.big = 'x' * 100000 %}{% endfor %}"
)
_PEAK = """
import json, resource, subprocess, sys
done = subprocess.run([sys.executable, "-c", sys.argv[1], *sys.argv[2:]], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(json.dumps([done.returncode, done.stdout, done.stderr, peak]))
"""
_CONSOLE_SCRIPT = """
import sys
sys.argv = ["git-session", *sys.argv[1:]]
from git_session import launch
launch.main()
"""


def _peak(repo: Path, *args: str) -> tuple[int, str, str, int]:
    """Exit code, output, errors and peak memory (MB) of the console script run with ``args``."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, _CONSOLE_SCRIPT, *args], cwd=repo, capture_output=True, text=True, check=True
    )
    code, stdout, stderr, peak = json.loads(done.stdout)
    return code, stdout, stderr, peak


def _template(repo: Path, name: str, text: str) -> None:
    folder = repo / ".git-session" / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_the_full_handoff_command_frees_a_repository_template_s_cycles(repo: Path) -> None:
    ok(repo, "start", "Cycles")
    _template(repo, "handoff.md.j2", _LOOP + "# Cycles\n")
    code, stdout, stderr, peak = _peak(repo, "handoff", "-o", "handoff.md")  # -o: the command line runs
    assert (code, stdout, stderr) == (0, "Wrote handoff.md\n", "")
    assert (repo / "handoff.md").read_text() == "# Cycles\n"
    assert peak < 160, f"{peak} MB"  # a git-session process is about 60 MB


def test_adr_frees_a_repository_template_s_cycles(repo: Path) -> None:
    ok(repo, "start", "Cycles")
    ok(repo, "decision", "add", "Use a pull parser")
    _template(repo, "adr.md.j2", _LOOP + "# {{ decision.text }}\n")
    code, _, stderr, peak = _peak(repo, "adr", "--dir", "records")
    assert code == 0, stderr
    [record] = (repo / "records").iterdir()
    assert record.read_text() == "# Use a pull parser\n"
    assert peak < 160, f"{peak} MB"


def test_a_template_not_ours_renders_with_python_s_collection_and_leaves_it_as_set(tmp_path: Path) -> None:
    """During the rendering the collector is on at Python's thresholds; after it, off and
    raised as the command had set it."""
    seen: list[tuple[bool, tuple[int, int, int]]] = []

    def probe() -> str:
        seen.append((gc.isenabled(), gc.get_threshold()))
        return ""

    enabled, threshold = gc.isenabled(), gc.get_threshold()
    try:
        gc.set_threshold(100_000, 50, 100)
        gc.disable()
        template = sandbox.Template("{{ probe() }}ok", "t.j2", False, str(tmp_path))
        assert sandbox.render_template(template, {"probe": probe}) == "ok"
        assert seen == [(True, PYTHON_GC_THRESHOLD)]
        assert (gc.isenabled(), gc.get_threshold()) == (False, (100_000, 50, 100))
    finally:
        gc.set_threshold(*threshold)
        if enabled:
            gc.enable()
