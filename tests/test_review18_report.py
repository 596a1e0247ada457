"""Review of report18: warm and cold reports that still disagree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import git
from tests.test_i17_report_damage import (
    assert_left_out,
    forget_reports,
    outputs,
    two_sessions,
    without_it,
)


def chained(where: Path, tmp_path: Path) -> Path:
    """Move every object of ``where`` two alternates away (``where`` -> middle -> far, as
    ``git clone --shared`` of a shared clone leaves it): the far store's objects folder."""
    objects = where / ".git" / "objects"
    far = tmp_path / "far" / "objects"
    middle = tmp_path / "middle" / "objects"
    (middle / "info").mkdir(parents=True)
    shutil.move(str(objects), str(far))
    (objects / "info").mkdir(parents=True)
    (objects / "pack").mkdir()
    (middle / "info" / "alternates").write_text(f"{far}\n")
    (objects / "info" / "alternates").write_text(f"{middle}\n")
    return far


@pytest.mark.slow
def test_an_object_removed_two_alternates_away_is_seen_by_a_warm_report(tmp_path: Path) -> None:
    where, ref = two_sessions(tmp_path)
    far = chained(where, tmp_path)
    git(where, "fsck", "--connectivity-only")
    expected = without_it(where, ref, tmp_path)
    forget_reports(where)
    outputs(where)  # cached
    tip = git(where, "rev-parse", ref).strip()
    parent = git(where, "rev-parse", f"{tip}~1").strip()
    (far / parent[:2] / parent[2:]).unlink()
    named = f"the history of {tip[:12]} misses"
    assert_left_out(where, ref, named, expected)  # warm: as a first report
    forget_reports(where)
    assert_left_out(where, ref, named, expected)  # cold
