"""Review of report18: warm and cold reports that still disagree."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from git_session import report
from git_session.errors import GitError
from git_session.metrics import Timing
from git_session.sessions import Workspace
from tests.helpers import git, ok, run
from tests.test_i17_report_damage import (
    assert_left_out,
    forget_reports,
    outputs,
    two_sessions,
    without_it,
)
from tests.test_i18_report_cache import folders_listed, graph_entry_damaged, moved_done, report_json


def chained(where: Path, tmp_path: Path) -> Path:
    """Move every object of ``where`` two alternates away (``where`` -> middle -> far, as
    ``git clone --shared`` of a shared clone leaves it): the far store's objects folder."""
    far, middle = tmp_path / "far" / "objects", tmp_path / "middle" / "objects"
    objects = borrowed(where, far)
    (objects / "pack").mkdir()
    (middle / "info").mkdir(parents=True)
    (middle / "info" / "alternates").write_text(f"{far}\n")
    (objects / "info" / "alternates").write_text(f"{middle}\n")
    return far


def borrowed(where: Path, far: Path) -> Path:
    """Move every object of ``where`` to ``far``, named by its alternates file (as bytes: a
    path need not be ASCII): its own objects folder."""
    objects = where / ".git" / "objects"
    shutil.move(str(objects), str(far))
    (objects / "info").mkdir(parents=True)
    (objects / "info" / "alternates").write_bytes(bytes(far) + b"\n")
    return objects


def parent_lost_after_a_report(where: Path, ref: str, far: Path, expected: list[str]) -> None:
    """A report caches both sessions; then the parent of ``ref``'s tip is removed from
    ``far``: the next report, warm, leaves the session out as a first (cold) one does."""
    forget_reports(where)
    outputs(where)  # cached
    tip = git(where, "rev-parse", ref).strip()
    parent = git(where, "rev-parse", f"{tip}~1").strip()
    (far / parent[:2] / parent[2:]).unlink()
    named = f"the history of {tip[:12]} misses"
    assert_left_out(where, ref, named, expected)  # warm: as a first report
    forget_reports(where)
    assert_left_out(where, ref, named, expected)  # cold


@pytest.mark.slow
def test_an_object_removed_two_alternates_away_is_seen_by_a_warm_report(tmp_path: Path) -> None:
    where, ref = two_sessions(tmp_path)
    far = chained(where, tmp_path)
    git(where, "fsck", "--connectivity-only")
    expected = without_it(where, ref, tmp_path)
    parent_lost_after_a_report(where, ref, far, expected)


@pytest.mark.slow
def test_folders_changed_by_work_outside_the_sessions_are_listed_once_not_on_every_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commits on a branch without a session change no session: the folders they wrote to
    are listed by the next report, and the cache written again so that the one after lists
    nothing (otherwise every warm report pays for them, up to the whole inventory)."""
    where, _ = two_sessions(tmp_path)
    shown = report_json(where)
    git(where, "checkout", "-q", "-b", "elsewhere", "main")
    for n in range(20):
        (where / f"g{n}.txt").write_text(f"{n}\n")
        git(where, "add", f"g{n}.txt")
        git(where, "commit", "-q", "-m", f"more {n}")
    listed = folders_listed(monkeypatch)
    assert report_json(where) == shown
    assert listed
    listed.clear()
    assert report_json(where) == shown
    assert listed == []


@pytest.mark.slow
def test_a_commit_graph_file_of_an_alternate_damaged_is_seen_by_a_warm_report(tmp_path: Path) -> None:
    """git reads the commit-graph file of an alternate (when the repository has none)."""
    where, ref = two_sessions(tmp_path)
    far = tmp_path / "far" / "objects"
    objects = borrowed(where, far)
    expected = without_it(where, ref, tmp_path)
    forget_reports(where)
    outputs(where)  # cached
    named = graph_entry_damaged(where, ref)
    (objects / "info" / "commit-graph").rename(far / "info" / "commit-graph")
    assert_left_out(where, ref, named, expected)  # warm: as a first report
    forget_reports(where)
    assert_left_out(where, ref, named, expected)  # cold


@pytest.mark.slow
def test_replace_refs_under_the_base_git_is_told_are_seen_by_a_warm_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_REPLACE_REF_BASE", "refs/swapped/")
    where, ref = two_sessions(tmp_path)
    before = report_json(where)
    moved_done(where, ref)
    assert git(where, "for-each-ref", "--format=%(refname)", "refs/swapped/")
    warm = report_json(where)
    forget_reports(where)
    cold = report_json(where)
    assert cold != before
    assert warm == cold


@pytest.mark.slow
def test_an_object_removed_from_an_alternate_whose_path_is_not_ascii_is_seen_by_a_warm_report(
    tmp_path: Path,
) -> None:
    where, ref = two_sessions(tmp_path)
    far = tmp_path / "dépôt" / "objects"
    borrowed(where, far)
    git(where, "fsck", "--connectivity-only")
    expected = without_it(where, ref, tmp_path)
    parent_lost_after_a_report(where, ref, far, expected)


@pytest.mark.slow
def test_a_log_that_fails_for_every_session_alike_is_git_s_error_not_a_session_s(tmp_path: Path) -> None:
    """``git log`` refusing a setting fails the log of any session: no session is to blame
    (main: git's error), none is named as one git cannot walk."""
    where, _ = two_sessions(tmp_path)
    git(where, "config", "log.date", "bogus")
    result = run(where, "report")
    assert result.exit_code == GitError.exit_code
    assert result.stdout == ""
    assert result.stderr.startswith("git-session: `git log ")
    assert result.stderr.endswith(" failed: fatal: unknown date format bogus\n")


@pytest.mark.slow
def test_a_log_that_failed_once_does_not_leave_out_the_one_session_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm report reads one session again (the one changed since): the timing log failing
    for another reason than that session (another process repacking meanwhile, say) is git's
    error, not that session left out with a warning."""
    where, _ = two_sessions(tmp_path)
    report_json(where)
    ok(where, "objective", "add", "one more")  # the open session (checked out): its tip moves
    real = report.read_timing
    calls: list[int] = []

    def once(ws: Workspace, tips: Mapping[str, str]) -> Timing:
        calls.append(len(tips))
        if len(calls) == 1:
            raise GitError("`git log` failed: fatal: packfile went away")
        return real(ws, tips)

    monkeypatch.setattr(report, "read_timing", once)
    result = run(where, "report")
    assert calls[0] == 1  # one session read again
    assert (result.exit_code, result.stdout) == (GitError.exit_code, "")
    assert result.stderr == "git-session: `git log` failed: fatal: packfile went away\n"


@pytest.mark.slow
def test_grafts_in_the_file_git_is_told_are_seen_by_a_warm_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grafts = tmp_path / "grafts"
    monkeypatch.setenv("GIT_GRAFT_FILE", str(grafts))
    where, ref = two_sessions(tmp_path)
    expected = without_it(where, ref, tmp_path)
    outputs(where)  # cached
    tip = git(where, "rev-parse", ref).strip()
    grafts.write_text(f"{tip} {'1' * 40}\n")  # git reads the tip's parent as a commit that is not here
    named = f"git cannot walk the history of {tip[:12]}"
    assert_left_out(where, ref, named, expected)  # warm: as a first report
    forget_reports(where)
    assert_left_out(where, ref, named, expected)  # cold
