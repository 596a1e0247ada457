"""Review of report19 (the report cache's folder listings, format 3): a removal that falls
between the sessions' reading and the listing of their folder, in the tick of the folder's
time, is seen by the next report; a folder that cannot be trusted from a new listing (gone
since, or with a time in the future) does not make every report write the whole file again."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from git_session import gitrepo, reportcache
from tests.helpers import git
from tests.test_i17_report_damage import DAMAGES, assert_left_out, forget_reports, two_sessions, without_it
from tests.test_i18_report_cache import report_json, tip_of
from tests.test_i19_report_cache import parent_folder_at_a_tick


def counting_writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each time the report cache's file is written from now on (the body's length)."""
    writes: list[int] = []
    real = gitrepo.write_checksummed  # as reportcache imported it

    def counted(path: Path, header: bytes, body: bytes) -> None:
        writes.append(len(body))
        real(path, header, body)

    monkeypatch.setattr(reportcache, "write_checksummed", counted)
    return writes


@pytest.mark.slow
def test_a_removal_after_the_reading_and_before_the_listing_in_the_same_tick_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first report reads the sessions (the parent commit among what git walks); the parent
    is removed before the folders are listed for the file, in the tick of its folder's time
    (a file system with 1-2 s times keeps it). The listing does not have it, so no later
    listing can miss it: the next report, ten seconds later, must not use what was read of
    it."""
    where, ref = two_sessions(tmp_path)
    expected = without_it(where, ref, tmp_path)
    forget_reports(where)
    tip, folder, changed, clock = parent_folder_at_a_tick(where, ref, monkeypatch)
    named: list[str] = []
    real_save = reportcache.save

    def removed_first(*args: Any) -> None:
        named.append(DAMAGES["parent commit missing"](where, ref, tip))
        os.utime(folder, ns=(changed, changed))  # the same tick
        real_save(*args)

    monkeypatch.setattr(reportcache, "save", removed_first)
    report_json(where)  # cold: read with the parent there
    monkeypatch.setattr(reportcache, "save", real_save)
    assert named
    clock[0] = changed + 10 * 10**9
    assert_left_out(where, ref, named[0], expected)  # warm, ten seconds later: as a first report
    forget_reports(where)
    assert_left_out(where, ref, named[0], expected)  # cold


@pytest.mark.slow
def test_folders_gone_since_they_were_listed_do_not_make_every_report_write_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``git repack -d`` packs the loose objects and removes the folders it emptied (no
    commit-graph written: the cache still holds). The next report writes the file once;
    the ones after it have nothing new to write."""
    where, _ = two_sessions(tmp_path)
    shown = report_json(where)
    git(where, "repack", "-d", "-q")
    assert report_json(where) == shown  # the objects packed since: written again
    writes = counting_writes(monkeypatch)
    assert report_json(where) == shown
    assert report_json(where) == shown
    assert writes == []


@pytest.mark.slow
def test_a_folder_with_a_time_in_the_future_does_not_make_every_report_write_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder's time an hour ahead of the clock (a copy from a machine whose clock was
    ahead) is never trusted: it is listed at every report, but listing it again teaches
    nothing to write down."""
    where, ref = two_sessions(tmp_path)
    folder = where / ".git" / "objects" / tip_of(where, ref)[:2]
    ahead = time.time_ns() + 3600 * 10**9
    os.utime(folder, ns=(ahead, ahead))
    shown = report_json(where)
    assert report_json(where) == shown
    writes = counting_writes(monkeypatch)
    assert report_json(where) == shown
    assert report_json(where) == shown
    assert writes == []
