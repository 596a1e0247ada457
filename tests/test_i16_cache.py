"""The report's cache (``reportcache``): a second report reads no session again and shows what
the first showed; the cache is never trusted over the refs (a tip under another session's ref,
a session that moved, a linked commit that is gone, a damaged or foreign file)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from git_session import gitcli, reportcache
from git_session.metrics import BlockerFigure, Change, Prepared
from git_session.model import Stamp
from git_session.sessions import Workspace
from git_session.store import Store
from tests.helpers import git, ok, run
from tests.test_i16_report import fixture_repo, repo  # noqa: F401  (fixtures)


def cache_file(where: Path) -> Path:
    return where / ".git" / "git-session" / "report-inputs"


def report_json(where: Path, *args: str) -> Any:
    return json.loads(ok(where, "report", "--format", "json", *args))


def test_a_report_from_the_cache_is_the_report_read_from_the_sessions(
    repo: Path,  # noqa: F811
) -> None:
    for args in (("--all-remotes",), ("--remote", "origin"), ("--weekly",), ("--branch", "feature/login")):
        for fmt in ("json", "text", "markdown", "html"):
            cache_file(repo).unlink(missing_ok=True)
            read = ok(repo, "report", "--format", fmt, *args)
            assert cache_file(repo).exists()
            assert ok(repo, "report", "--format", fmt, *args) == read, (args, fmt)
    cache_file(repo).unlink()
    history = ok(repo, "history", "--metrics", "--json")
    assert ok(repo, "history", "--metrics", "--json") == history


def test_a_report_from_the_cache_reads_no_session_and_runs_no_log(
    repo: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok(repo, "report", "--all-remotes")  # the cache has every tip

    def unread(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a session was read")

    calls: list[str] = []
    real_run = gitcli.run

    def counted(args: Any, **options: Any) -> Any:
        calls.append(args[0])
        return real_run(args, **options)

    for method in ("meta", "entries", "state", "journal"):
        monkeypatch.setattr(Store, method, unread)
    monkeypatch.setattr(gitcli, "run", counted)
    assert len(report_json(repo, "--all-remotes")["sessions"]) == 4
    assert calls == ["var"]


def sessions_repo(tmp_path: Path) -> tuple[Path, Workspace]:
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    git(where, "commit", "-q", "--allow-empty", "-m", "root")
    return where, Workspace.open(str(where))


def session_refs(where: Path) -> dict[str, str]:
    """Each session's title by its ref."""
    refs = git(where, "for-each-ref", "--format=%(refname)", "refs/sessions/").split()
    ws = Workspace.open(str(where))
    return {ref: ws.find(ref.rsplit("/", 1)[1]).meta.title for ref in refs}


def test_a_tip_cached_for_one_session_is_not_used_under_another_sessions_ref(tmp_path: Path) -> None:
    where, _ = sessions_repo(tmp_path)
    ok(where, "start", "First", "-o", "one")
    git(where, "switch", "-q", "-c", "other")
    ok(where, "start", "Second", "-o", "two")
    by_title = {title: ref for ref, title in session_refs(where).items()}
    assert sorted(s["title"] for s in report_json(where)["sessions"]) == ["First", "Second"]  # both cached
    first_tip = git(where, "rev-parse", by_title["First"]).strip()
    git(where, "update-ref", by_title["Second"], first_tip)  # Second's ref now holds First's commit
    result = run(where, "report", "--format", "json")
    assert result.exit_code == 0
    assert [s["title"] for s in json.loads(result.stdout)["sessions"]] == ["First"]
    assert "skipped a session" in result.stderr and "its data names another session" in result.stderr


def test_a_session_that_moved_is_read_again_and_its_old_tip_dropped(tmp_path: Path) -> None:
    where, _ = sessions_repo(tmp_path)
    ok(where, "start", "Moving", "-o", "one", "-o", "two")
    assert report_json(where)["sessions"][0]["objectives_done"] == 0
    old = set(reportcache.load(Workspace.open(str(where)).repo).sessions)
    listed = json.loads(ok(where, "objective", "list", "--json"))
    ok(where, "objective", "done", listed[0]["id"])
    assert report_json(where)["sessions"][0]["objectives_done"] == 1
    kept = set(reportcache.load(Workspace.open(str(where)).repo).sessions)
    assert len(kept) == 1 and not kept & old


def test_a_linked_commit_that_is_gone_has_no_stats_even_when_cached(tmp_path: Path) -> None:
    where, ws = sessions_repo(tmp_path)
    ok(where, "start", "Linked")
    git(where, "switch", "-q", "-c", "side")
    (where / "f.txt").write_text("a\nb\n")
    git(where, "add", "f.txt")
    git(where, "commit", "-q", "-m", "side change")
    sha = git(where, "rev-parse", "HEAD").strip()
    git(where, "switch", "-q", "main")
    ws.add(None, "commit", "side change", {"commit": sha})
    figures = report_json(where)["sessions"][0]
    assert (figures["commits"], figures["files_changed"], figures["lines_added"]) == (1, 1, 2)
    assert sha in reportcache.load(ws.repo).commits
    git(where, "branch", "-q", "-D", "side")
    git(where, "reflog", "expire", "--expire=now", "--all")
    git(where, "gc", "-q", "--prune=now")
    assert not Workspace.open(str(where)).repo.has_object(sha)
    figures = report_json(where)["sessions"][0]
    assert (figures["commits"], figures["files_changed"], figures["lines_added"]) == (1, 0, 0)


def test_a_damaged_or_foreign_cache_file_is_ignored(tmp_path: Path) -> None:
    where, _ = sessions_repo(tmp_path)
    ok(where, "start", "Cached", "-o", "one")
    shown = report_json(where)
    data = cache_file(where).read_bytes()
    damaged = data.replace(b'"Cached"', b'"Forged"')
    assert damaged != data
    cache_file(where).write_bytes(damaged)  # the checksum no longer matches
    assert report_json(where) == shown
    body = b'{"sessions": 5, "commits": {}}'
    cache_file(where).write_bytes(reportcache.HEADER + hashlib.sha1(body).hexdigest().encode() + b"\n" + body)
    assert report_json(where) == shown
    cache_file(where).write_bytes(b"something else")
    assert report_json(where) == shown


def test_what_a_session_is_made_of_comes_back_whole_from_the_file() -> None:
    """Every field of ``Prepared``, each with a value of its own, through the file's form."""
    prepared = Prepared(
        id="s",
        title="t",
        branch="b",
        status="completed",
        reason="r",
        owner="o",
        authors=("a", "c"),
        created=1,
        ended=2,
        changes=(Change(Stamp(3, "op"), 4, "paused"),),
        objectives_done=5,
        objectives_total=6,
        objectives_done_at=(7,),
        decisions=8,
        discoveries=9,
        blockers=(BlockerFigure("x", "blocked", 10, None, True), BlockerFigure("y", "done", 11, 12, False)),
        commits=(("sha", 13),),
        checkpoints=14,
        compactions=15,
        agents=("claude",),
        models=("opus",),
    )
    assert len(reportcache._fields(prepared)) == len(dataclasses.fields(Prepared))
    assert reportcache._prepared(json.loads(json.dumps(reportcache._fields(prepared)))) == prepared
