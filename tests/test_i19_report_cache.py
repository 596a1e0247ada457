"""The report cache's two keys noticed last round: a loose object folder is trusted by its
time only when that time was already old when the folder was LISTED (not when the next
report starts: a file system with 1-2 s times keeps a folder's time through a removal in the
same tick), and the ``shallow`` file is part of the key (``git fetch --depth`` or
``--unshallow`` gives other histories at the same tips)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from git_session import reportcache
from tests.helpers import git
from tests.test_i17_report_damage import DAMAGES, assert_left_out, forget_reports, two_sessions, without_it
from tests.test_i18_report_cache import folders_listed, report_json, tip_of


def fixed_clock(monkeypatch: pytest.MonkeyPatch, start: int) -> list[int]:
    """The report cache's clock, set by the test (``[ns]``)."""
    clock = [start]
    monkeypatch.setattr(reportcache, "time", SimpleNamespace(time_ns=lambda: clock[0]))
    return clock


def parent_folder_at_a_tick(where: Path, ref: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path, int, list[int]]:
    """The session's tip, the loose folder of its parent commit with its time put at a whole
    second (``changed``), and the report cache's clock set one second later."""
    tip = tip_of(where, ref)
    folder = where / ".git" / "objects" / tip_of(where, f"{tip}~1")[:2]
    changed = time.time_ns() // 10**9 * 10**9
    os.utime(folder, ns=(changed, changed))
    return tip, folder, changed, fixed_clock(monkeypatch, changed + 10**9)


@pytest.mark.slow
def test_a_removal_in_the_tick_of_the_listing_is_seen_however_late_the_next_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder of the parent commit changed one second before it was listed; the parent is
    removed in the same tick (its folder keeps its time, as on a file system with 1-2 s
    times). A report ten seconds later must not trust the listing."""
    where, ref = two_sessions(tmp_path)
    expected = without_it(where, ref, tmp_path)
    forget_reports(where)
    tip, folder, changed, clock = parent_folder_at_a_tick(where, ref, monkeypatch)
    report_json(where)  # cold: the folders listed one second after the folder's time
    named = DAMAGES["parent commit missing"](where, ref, tip)
    os.utime(folder, ns=(changed, changed))  # the same tick
    clock[0] = changed + 10 * 10**9
    assert_left_out(where, ref, named, expected)  # warm, ten seconds later: as a first report
    forget_reports(where)
    assert_left_out(where, ref, named, expected)  # cold


@pytest.mark.slow
def test_a_folder_listed_too_soon_is_listed_again_once_then_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where, ref = two_sessions(tmp_path)
    forget_reports(where)
    folder = where / ".git" / "objects" / tip_of(where, ref)[:2]
    changed = time.time_ns() // 10**9 * 10**9
    os.utime(folder, ns=(changed, changed))
    clock = fixed_clock(monkeypatch, changed + 10**9)
    shown = report_json(where)
    clock[0] = changed + 10 * 10**9
    listed = folders_listed(monkeypatch)
    monkeypatch.setattr(reportcache, "_RACY_NS", 2 * 10**9)
    assert report_json(where) == shown
    assert (str(folder),) in listed  # listed too soon after its change: listed again (and written down)
    listed.clear()
    clock[0] = changed + 20 * 10**9
    assert report_json(where) == shown
    assert listed == []  # listed long after its change: trusted


def shallow_clone(tmp_path: Path) -> tuple[Path, Path]:
    """A clone of ``two_sessions``'s repository with the sessions fetched one commit deep: it and the origin."""
    origin, _ = two_sessions(tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    git(clone, "fetch", "-q", "--depth", "1", "origin", "+refs/sessions/*:refs/sessions/*")
    return clone, origin


@pytest.mark.slow
@pytest.mark.parametrize("deepen", [["--unshallow"], ["--deepen", "10"]])
def test_a_clone_deepened_at_the_same_tips_gives_the_figures_git_now_walks(deepen: list[str], tmp_path: Path) -> None:
    clone, _ = shallow_clone(tmp_path)
    tips = git(clone, "for-each-ref", "refs/sessions/")
    shallow = report_json(clone)  # cached: the histories one commit deep
    git(clone, "fetch", "-q", *deepen, "origin", "+refs/sessions/*:refs/sessions/*")
    assert git(clone, "for-each-ref", "refs/sessions/") == tips
    warm = report_json(clone)
    forget_reports(clone)
    cold = report_json(clone)
    assert warm == cold
    assert cold != shallow  # the objective done is in the history fetched now


@pytest.mark.slow
def test_a_clone_made_shallow_at_the_same_tips_gives_the_figures_git_now_walks(tmp_path: Path) -> None:
    clone, _ = shallow_clone(tmp_path)
    git(clone, "fetch", "-q", "--unshallow", "origin", "+refs/sessions/*:refs/sessions/*")
    deep = report_json(clone)
    commits = git(clone, "for-each-ref", "--format=%(objectname)", "refs/sessions/").split()
    (clone / ".git" / "shallow").write_text("".join(f"{commit}\n" for commit in sorted(commits)))
    warm = report_json(clone)
    forget_reports(clone)
    assert warm == report_json(clone) != deep
