"""What a report costs (git processes, no replay) and what it survives (stored data naming
anything), and its figures as pure functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from git_session import gitcli, metrics
from git_session.metrics import Change
from git_session.model import Stamp
from git_session.sessions import Workspace
from git_session.store import Store
from tests.helpers import git, ok, recorded_calls, run
from tests.test_i16_report import fixture_repo, repo  # noqa: F401  (fixtures)


def report_json(where: Path, *args: str) -> Any:
    return json.loads(ok(where, "report", "--format", "json", *args))


def test_a_report_runs_two_git_processes_and_replays_nothing(
    repo: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, ...]] = []
    real_run, real_start = gitcli.run, gitcli.start

    def counted_run(args: Any, **options: Any) -> Any:
        calls.append(tuple(args))
        return real_run(args, **options)

    def counted_start(args: Any, **options: Any) -> Any:
        calls.append(tuple(args))
        return real_start(args, **options)

    def no_replay(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a report read a journal")

    monkeypatch.setattr(gitcli, "run", counted_run)
    monkeypatch.setattr(gitcli, "start", counted_start)
    monkeypatch.setattr(Store, "journal", no_replay)
    monkeypatch.setattr(Store, "commit_ops", no_replay)
    for format in ("json", "text", "html"):
        (repo / ".git" / "git-session" / "report-inputs").unlink(missing_ok=True)
        calls.clear()
        ok(repo, "report", "--all-remotes", "--format", format)
        # the time of the report (GIT_AUTHOR_DATE honoured, as for a commit), then the two logs
        assert [c[0] for c in calls] == ["var", "log", "log"], calls
        _, timing, stats = calls
        assert "--stdin" in timing and '--grep="status":"resolved"' in timing
        assert "--no-walk=unsorted" in stats and "--stdin" in stats
        calls.clear()
        ok(repo, "report", "--all-remotes", "--format", format)
        assert [c[0] for c in calls] == ["var"], calls  # the same tips again: all from the cache


def test_linked_commits_that_are_not_here_or_not_commits_count_without_stats(tmp_path: Path) -> None:
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    git(where, "commit", "-q", "--allow-empty", "-m", "root")
    ok(where, "start", "Odd links")
    tree = git(where, "rev-parse", "HEAD^{tree}").strip()
    ws = Workspace.open(str(where))
    for named in ("0" * 40, tree, "not a commit", "-n1"):
        ws.add(None, "commit", "linked elsewhere", {"commit": named})
    figures = report_json(where)["sessions"][0]
    assert (figures["commits"], figures["files_changed"], figures["lines_added"]) == (4, 0, 0)


def test_an_unreadable_state_change_gives_no_time_and_breaks_nothing(tmp_path: Path) -> None:
    """A commit of a session's history whose message says "status":"paused" but holds no
    readable operation (written by hand, by another tool): the report goes on without it."""
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    git(where, "commit", "-q", "--allow-empty", "-m", "root")
    ok(where, "start", "Tampered")
    ref = git(where, "for-each-ref", "--format=%(refname)", "refs/sessions/").strip()
    tip = git(where, "rev-parse", ref).strip()
    message = 'pause\n\n{"status":"paused", not json\n'
    bogus = git(where, "commit-tree", f"{tip}^{{tree}}", "-p", tip, "-m", message).strip()
    git(where, "update-ref", ref, bogus, tip)
    figures = report_json(where)["sessions"][0]
    assert (figures["status"], figures["paused_seconds"]) == ("active", 0)


def test_a_damaged_session_is_reported_and_left_out(tmp_path: Path) -> None:
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    git(where, "commit", "-q", "--allow-empty", "-m", "root")
    ok(where, "start", "Fine")
    empty = git(where, "commit-tree", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-m", "nothing").strip()
    git(where, "update-ref", "refs/sessions/main/" + "a" * 26, empty)
    result = run(where, "report", "--format", "json")
    assert result.exit_code == 0
    assert [s["title"] for s in json.loads(result.stdout)["sessions"]] == ["Fine"]
    assert result.stderr.startswith("git-session: warning: skipped a session: session aaaa")


# --- the figures as functions -----------------------------------------------------------------------


def change(clock: int, at: int, status: str) -> Change:
    return Change(Stamp(clock, f"op{clock}"), at, status)


def test_spans_follow_the_changes_in_stamp_order() -> None:
    changes = [
        change(3, 300, "active"),
        change(1, 100, "active"),
        change(2, 200, "paused"),
        change(4, 350, "completed"),
    ]
    assert metrics.spans(100, 350, changes) == ([(100, 200), (300, 350)], [(200, 300)])


def test_spans_without_changes_or_with_the_start_unread() -> None:
    assert metrics.spans(100, 400, []) == ([(100, 400)], [])
    assert metrics.spans(100, 400, [change(5, 250, "paused")]) == ([(100, 250)], [(250, 400)])
    assert metrics.spans(100, 100, []) == ([], [])


def test_percentiles_medians_and_velocity() -> None:
    assert metrics.percentile([], 0.9) is None and metrics.median([]) is None
    assert metrics.percentile([5, 1, 3, 2, 4, 6, 7, 8, 9, 10], 0.9) == 9
    assert metrics.percentile([7], 0.9) == 7 and metrics.median([1, 2, 3, 10]) == 2
    assert metrics.velocity(3, 0) is None and metrics.velocity(3, metrics.DAY // 2) == 6.0


def test_weeks_cross_the_year() -> None:
    assert metrics.week_of(1703980800) == "2023-W52"  # Sunday 31 December 2023
    assert metrics.weeks_between(1703462400, 1704326400) == ["2023-W52", "2024-W01"]  # Mon 25 Dec .. Thu 4 Jan
    assert metrics.weeks_between(1704067200, 1704067200) == ["2024-W01"]


def test_time_to_resolve_bins_and_overlap() -> None:
    assert metrics.ttr_distribution([0, 3599, 3600, 10 * metrics.DAY]) == [
        ("< 1h", 2),
        ("1h–4h", 1),
        ("4h–1d", 0),
        ("1d–3d", 0),
        ("3d–7d", 0),
        ("≥ 7d", 1),
    ]
    assert metrics.overlap([(0, 100), (200, 300)], 50, 250) == 100
    assert metrics.overlap([(0, 100)], None, None) == 100


def test_a_repository_without_sessions_reports_in_every_format(tmp_path: Path) -> None:
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    assert ok(where, "report", "--weekly").endswith("No sessions match.\n")
    assert report_json(where)["sessions"] == [] and report_json(where)["summary"]["velocity"] is None
    assert ok(where, "report", "--format", "markdown").endswith("No sessions match.\n")
    page = ok(where, "report", "--weekly", "--format", "html")
    assert '<p class="empty">No sessions.</p>' in page and '<table id="weekly">' in page
    assert ok(where, "history") == 'No sessions yet: git session start "TITLE" starts one on the current branch\n'


def test_control_characters_of_stored_texts_never_reach_the_terminal(tmp_path: Path) -> None:
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    git(where, "commit", "-q", "--allow-empty", "-m", "root")
    ok(where, "start", "Bell")
    ws = Workspace.open(str(where))
    ws.set_fields(None, {"title": "evil \x1b[31mred\x07"}, "title")
    shown = ok(where, "report")
    assert "\x1b" not in shown and "\x07" not in shown and "evil \\x1b[31mred\\x07" in shown


def test_history_reads_the_entries_of_the_sessions_it_shows_only(
    repo: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = recorded_calls(monkeypatch, Store, "entries_of_kinds")
    (repo / ".git" / "git-session" / "report-inputs").unlink(missing_ok=True)  # what the cache has is not read
    shown = json.loads(ok(repo, "history", "-n", "1", "--json"))
    assert [(handle.id, kinds) for _, handle, kinds in calls] == [(shown[0]["id"], metrics.READ_KINDS)]
    assert metrics.READ_KINDS == ("objective", "blocker", "commit")
