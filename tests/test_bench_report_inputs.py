"""``bench/report_inputs.py`` (the floor of a first report's reading, timed by ``bench_report.py
--floors``) reads what a report reads of the sessions' states, packed or loose: every session's
meta and the files of the kinds ``metrics.READ_KINDS`` names, no more, no less."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from git_session import metrics
from tests.helpers import git, ok

READER = Path(__file__).resolve().parent.parent / "bench" / "report_inputs.py"


def files_read(repo: Path) -> int:
    done = subprocess.run([sys.executable, str(READER)], cwd=repo, capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_the_reader_reads_the_kinds_the_report_reads() -> None:
    sys.path.insert(0, str(READER.parent))
    try:
        import report_inputs
    finally:
        sys.path.remove(str(READER.parent))
    assert report_inputs.KINDS == metrics.READ_KINDS


@pytest.mark.parametrize("packed", [False, True], ids=["loose", "packed"])
def test_it_reads_each_meta_and_the_entries_of_the_kinds_a_report_reads(repo: Path, packed: bool) -> None:
    ok(repo, "start", "One", "-o", "first", "-o", "second")  # 2 objectives
    ok(repo, "blocker", "add", "waiting")  # 1 blocker
    ok(repo, "decision", "add", "use sqlite")  # not read: its count is in the meta
    ok(repo, "note", "a note")  # not read
    git(repo, "switch", "-q", "-c", "other")
    ok(repo, "start", "Two", "-o", "third")  # 1 objective
    if packed:
        git(repo, "gc", "-q")
    assert files_read(repo) == 2 + 3 + 1  # two metas, three objectives, one blocker
