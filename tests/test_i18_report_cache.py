"""The report cache and what git reads at the same ids: a session damaged after it was
cached at the same tip (an object removed or damaged, a replace ref or commit-graph file
added) is shown as a first report shows it (left out with the usual warning, or with the
figures git now gives); a replace ref naming a missing object, or a damaged commit-graph
entry, leaves out that session only instead of failing the whole report."""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from git_session import report, reportcache
from git_session.metrics import Timing
from git_session.sessions import Workspace
from tests.helpers import git, ok, recorded_calls, run
from tests.test_i17_report_damage import (
    DAMAGES,
    assert_left_out,
    forget_reports,
    loose,
    outputs,
    two_sessions,
    without_it,
)

# The damages that leave the session's ref where it was (the cached tip stays the tip).
IN_PLACE = [
    "entry file missing",
    "entry file damaged",
    "entry folder missing",
    "root tree missing",
    "meta missing",
    "meta damaged",
    "parent commit missing",
    "parent commit damaged",
    "first commit missing",
]


def tip_of(where: Path, ref: str) -> str:
    return git(where, "rev-parse", ref).strip()


def counting_logs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each timing log run from now on (its number of sessions)."""
    runs: list[int] = []
    real = report.read_timing

    def counted(ws: Workspace, tips: Mapping[str, str]) -> Timing:
        if tips:  # none: no git process
            runs.append(len(tips))
        return real(ws, tips)

    monkeypatch.setattr(report, "read_timing", counted)
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("kind", IN_PLACE)
def test_a_session_damaged_at_its_cached_tip_is_left_out_as_a_first_report_leaves_it_out(
    kind: str, tmp_path: Path
) -> None:
    where, ref = two_sessions(tmp_path)
    outputs(where)  # both sessions cached at their tips
    tip = tip_of(where, ref)
    expected = without_it(where, ref, tmp_path)
    named = DAMAGES[kind](where, ref, tip)
    assert tip_of(where, ref) == tip
    assert_left_out(where, ref, named, expected)  # warm: what the cache had no longer holds
    forget_reports(where)
    assert_left_out(where, ref, named, expected)  # cold: the same


def replace_ref_to_nothing(where: Path, ref: str) -> str:
    """A replace ref that makes git read the session's tip's parent as an object that is not here."""
    parent = tip_of(where, f"{ref}~1")
    folder = where / ".git" / "refs" / "replace"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / parent).write_text("1" * 40 + "\n")  # git update-ref refuses a missing object
    return "git cannot walk the history of"


def graph_entry_damaged(where: Path, ref: str) -> str:
    """A commit-graph file whose entry for the session's tip names a parent out of range."""
    git(where, "commit-graph", "write", "--reachable")
    graph = where / ".git" / "objects" / "info" / "commit-graph"
    data = bytearray(graph.read_bytes())
    offsets = {}
    for i in range(data[6] + 1):
        chunk, offset = struct.unpack(">4sQ", bytes(data[8 + 12 * i : 20 + 12 * i]))
        offsets[chunk] = offset
    count = struct.unpack(">I", bytes(data[offsets[b"OIDF"] + 4 * 255 : offsets[b"OIDF"] + 4 * 256]))[0]
    wanted = bytes.fromhex(tip_of(where, ref))
    ids = offsets[b"OIDL"]
    position = next(k for k in range(count) if bytes(data[ids + 20 * k : ids + 20 * k + 20]) == wanted)
    first_parent = offsets[b"CDAT"] + 36 * position + 20
    data[first_parent : first_parent + 4] = struct.pack(">I", 0x0FFFFFF0)
    graph.chmod(0o644)
    graph.write_bytes(bytes(data))
    return "git cannot walk the history of"


ONLY_GIT: dict[str, Callable[[Path, str], str]] = {
    "replace ref to a missing object": replace_ref_to_nothing,
    "commit-graph entry damaged": graph_entry_damaged,
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(ONLY_GIT))
@pytest.mark.parametrize("cached", [True, False])
def test_what_only_git_reads_damaged_leaves_out_one_session_not_the_report(
    kind: str, cached: bool, tmp_path: Path
) -> None:
    where, ref = two_sessions(tmp_path)
    if cached:
        outputs(where)
    expected = without_it(where, ref, tmp_path)
    named = ONLY_GIT[kind](where, ref)
    if not cached:
        forget_reports(where)
    assert_left_out(where, ref, named, expected)
    assert run(where, "report").stderr == (
        f"git-session: warning: skipped a session: session {ref.rsplit('/', 1)[1]}: "
        f"git cannot walk the history of {tip_of(where, ref)[:12]}\n"
    )


def moved_done(where: Path, ref: str) -> None:
    """A replace ref that makes git read the objective done in the other session (the ended
    one) 30 days earlier: the weeks of the summary change."""
    fine = next(r for r in git(where, "for-each-ref", "--format=%(refname)", "refs/sessions/").split() if r != ref)
    done = git(where, "log", "--format=%H", "--fixed-strings", '--grep="status":"done"', fine).split()[0]
    raw = git(where, "cat-file", "commit", done)
    moved = re.sub(r'"at":(\d+)', lambda m: f'"at":{int(m.group(1)) - 30 * 86400}', raw, count=1)
    assert moved != raw
    copy = git(where, "hash-object", "-t", "commit", "-w", "--stdin", input=moved).strip()
    git(where, "replace", done, copy)


def report_json(where: Path) -> dict[str, Any]:
    result = run(where, "report", "--format", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    shown: dict[str, Any] = json.loads(result.stdout)
    return shown


@pytest.mark.slow
def test_a_replace_ref_added_at_the_same_tip_gives_the_figures_git_now_reads(tmp_path: Path) -> None:
    where, ref = two_sessions(tmp_path)
    before = report_json(where)
    moved_done(where, ref)
    warm = report_json(where)
    forget_reports(where)
    cold = report_json(where)
    assert warm == cold
    assert warm != before


@pytest.mark.slow
def test_the_cache_is_used_while_the_replace_refs_are_the_same_and_read_again_when_they_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where, ref = two_sessions(tmp_path)
    moved_done(where, ref)
    first = report_json(where)
    runs = counting_logs(monkeypatch)
    assert report_json(where) == first
    assert runs == []  # the replace refs are those the cache was made with: nothing read again
    git(where, "replace", "-d", git(where, "replace", "-l").strip())
    second = report_json(where)
    assert runs == [2]
    forget_reports(where)
    assert report_json(where) == second != first


@pytest.mark.slow
def test_objects_packed_or_rewritten_the_same_keep_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loose objects packed since (``git repack -d``), or a loose object written again with
    the same bytes, hold what the cache was made of: no session read again."""
    where, ref = two_sessions(tmp_path)
    shown = report_json(where)
    runs = counting_logs(monkeypatch)
    touched = loose(where, tip_of(where, f"{ref}~1"))
    touched.write_bytes(touched.read_bytes())
    assert report_json(where) == shown
    git(where, "repack", "-q", "-d")
    assert report_json(where) == shown
    assert report_json(where) == shown
    assert runs == []


@pytest.mark.slow
def test_a_new_commit_graph_file_reads_the_sessions_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where, _ = two_sessions(tmp_path)
    shown = report_json(where)
    runs = counting_logs(monkeypatch)
    git(where, "commit-graph", "write", "--reachable")
    assert report_json(where) == shown
    assert report_json(where) == shown
    assert runs == [2]


def test_a_cache_file_of_the_former_layout_is_read_again(tmp_path: Path) -> None:
    """A file main wrote (``report inputs 1``, no object store in it) is not trusted: the
    figures come from the repository."""
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    git(where, "commit", "-q", "--allow-empty", "-m", "root")
    ok(where, "start", "Cached", "-o", "one")
    shown = report_json(where)
    cache = where / ".git" / "git-session" / "report-inputs"
    body = json.loads(cache.read_bytes().partition(b"\n")[2])
    del body["store"]
    forged = json.dumps(body).replace('"Cached"', '"Forged"').encode()
    cache.write_bytes(b"git-session report inputs 1 " + hashlib.sha1(forged).hexdigest().encode() + b"\n" + forged)
    assert report_json(where) == shown
    assert reportcache.HEADER != b"git-session report inputs 1 "


@pytest.mark.slow
def test_a_damaged_session_among_many_is_found_in_a_bounded_number_of_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where, ref = two_sessions(tmp_path)
    for n in range(6):
        git(where, "checkout", "-q", "-b", f"more{n}", "main")
        ok(where, "start", f"More {n}")
        ok(where, "pause")
    replace_ref_to_nothing(where, ref)
    runs = counting_logs(monkeypatch)
    result = run(where, "report", "--format", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["sessions"]) == 7
    assert runs[0] == 8 and runs[-1] == 7
    assert len(runs) <= 2 + 2 * 3  # the first, two per halving level (8 -> 1), the last


def folders_listed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The loose object folders the report cache lists from now on, each as ``(folder,)`` (none
    taken as too recent)."""
    calls = recorded_calls(monkeypatch, reportcache, "_listing")
    monkeypatch.setattr(reportcache, "_RACY_NS", 0)
    return calls


@pytest.mark.slow
def test_a_warm_report_lists_no_loose_object_folder_that_did_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stat per folder: a folder's objects are listed again only when it changed (or too
    recently to tell), and an object removed from it is then seen."""
    where, ref = two_sessions(tmp_path)
    shown = report_json(where)
    listed = folders_listed(monkeypatch)
    assert report_json(where) == shown
    assert listed == []
    monkeypatch.setattr(reportcache, "_RACY_NS", 10**18)  # every folder too recent: all listed
    assert report_json(where) == shown
    assert len(listed) == len(list((where / ".git" / "objects").glob("[0-9a-f][0-9a-f]")))
    monkeypatch.setattr(reportcache, "_RACY_NS", 0)
    expected = without_it(where, ref, tmp_path)
    tip = tip_of(where, ref)
    named = DAMAGES["parent commit missing"](where, ref, tip)
    assert_left_out(where, ref, named, expected)


@pytest.mark.slow
def test_a_cache_is_not_written_when_objects_moved_while_the_sessions_were_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What was read may be gone by the time the folders are listed: the listing could not
    show it, so nothing is written (the next report writes it)."""
    where, ref = two_sessions(tmp_path)
    forget_reports(where)
    real = report.figures_of

    def meanwhile(*args: Any, **kwargs: Any) -> Any:
        shown = real(*args, **kwargs)
        loose(where, tip_of(where, f"{ref}~1")).unlink()  # read a moment ago, removed now
        return shown

    monkeypatch.setattr(report, "figures_of", meanwhile)
    report_json(where)
    assert not (where / ".git" / "git-session" / "report-inputs").exists()
