"""`report`, `history` and `compare` over a fixture of sessions with fixed dates: paused spans,
completed, handed-off and abandoned sessions, resolved and open blockers, linked commits, a
compaction, agents and models, and a teammate's session fetched from the remote."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from git_session import checkpoints
from git_session.sessions import Workspace
from tests.helpers import git, make_two_clones, ok, run

MON = 1699833600  # Monday 13 November 2023, 00:00 UTC (ISO week 2023-W46)
HOUR = 3600
NOW = MON + 7 * 24 * HOUR + 18 * HOUR  # Monday 20 November 2023, 18:00 UTC (2023-W47)
ALICE = {"GIT_AUTHOR_NAME": "Alice", "GIT_AUTHOR_EMAIL": "alice@example.com"}
BOB = {"GIT_AUTHOR_NAME": "Bob", "GIT_AUTHOR_EMAIL": "bob@example.com"}


def at(hours: float) -> str:
    return f"{MON + int(hours * HOUR)} +0000"


class Builder:
    """Runs git-session in a clone as one person, at the times given (hours after MON)."""

    def __init__(self, repo: Path, person: dict[str, str], mp: pytest.MonkeyPatch) -> None:
        self.repo, self.person, self.mp = repo, person, mp

    def __call__(self, hours: float, *args: str, agent: str | None = None) -> str:
        self._env(hours, agent)
        return ok(self.repo, *args)

    def _env(self, hours: float, agent: str | None = None) -> None:
        for name, value in {**self.person, "GIT_AUTHOR_DATE": at(hours), "GIT_COMMITTER_DATE": at(hours)}.items():
            self.mp.setenv(name, value)
        if agent is None:
            self.mp.delenv("GIT_SESSION_AGENT", raising=False)
        else:
            self.mp.setenv("GIT_SESSION_AGENT", agent)

    def compaction(self, hours: float, number: int) -> None:
        """The checkpoint an agent's hook takes before its context is compacted."""
        self._env(hours)
        ws = Workspace.open(str(self.repo))
        found = ws.find(None)
        checkpoints.create(ws, found.handle.id, f"compaction {number}", extra={"compaction": number})

    def entry_id(self, kind: str, text: str) -> str:
        listed = json.loads(ok(self.repo, kind, "list", "--json"))
        return str(next(e["id"] for e in listed if e["text"] == text))

    def commit(self, hours: float, files: dict[str, str]) -> str:
        """A commit of the branch, linked to its session as the hooks link one."""
        self._env(hours)
        for name, content in files.items():
            (self.repo / name).write_text(content)
        git(self.repo, "add", *files)
        git(self.repo, "commit", "-q", "-m", f"change {', '.join(files)}")
        sha = git(self.repo, "rev-parse", "HEAD").strip()
        ws = Workspace.open(str(self.repo))
        branch = ws.branch()
        ws.add(None, "commit", f"change {', '.join(files)}", {"commit": sha, "branch": str(branch)})
        return sha


def build_fixture(root: Path, mp: pytest.MonkeyPatch) -> Path:
    _, alice_repo, bob_repo = make_two_clones(root)
    alice, bob = Builder(alice_repo, ALICE, mp), Builder(bob_repo, BOB, mp)

    # Bob, the teammate: a session handed off on `docs`, pushed; Alice fetches it.
    git(bob_repo, "switch", "-q", "-c", "docs")
    bob(57, "start", "Docs", "-o", "write the guide", "--agent", "codex", "--model", "gpt-5")
    bob(58, "objective", "done", bob.entry_id("objective", "write the guide"), agent="codex")
    bob(59, "end")
    bob(59, "push", "origin")

    # Alice 1: completed on feature/login; paused an hour; a blocker resolved after 5 hours.
    git(alice_repo, "switch", "-q", "-c", "feature/login")
    alice(
        9,
        "start",
        "Login page",
        "-o",
        "form",
        "-o",
        "validation",
        "-o",
        "tests",
        "--agent",
        "claude",
        "--model",
        "opus",
    )
    alice(10, "blocker", "add", "waiting for API keys")
    alice(10.5, "decision", "add", "cookies, not tokens", "--rationale", "simpler")
    alice(11, "discovery", "add", "the old form posts twice", agent="claude")
    alice(12, "pause")
    alice(13, "resume")
    alice.commit(14, {"login.py": "a\nb\nc\n"})
    alice(15, "blocker", "resolve", alice.entry_id("blocker", "waiting for API keys"))
    alice(15, "objective", "done", alice.entry_id("objective", "form"))
    alice.commit(15.5, {"login.py": "a\nB\nc\nd\n", "form.html": "<form>\n"})
    alice(16, "objective", "done", alice.entry_id("objective", "validation"))
    alice(16, "checkpoint", "-m", "form done")
    alice.compaction(16.5, 1)
    alice(17, "end", "--complete")

    # Alice 2: abandoned on spike/cache, its blocker still open.
    git(alice_repo, "switch", "-q", "-c", "spike/cache", "main")
    alice(33, "start", "Spike caching", "-o", "measure")
    alice(34, "blocker", "add", "no production data")
    alice(36, "end", "--abandon", "--reason", "not worth it")

    # Alice 3: next week on feature/search, paused since 12:00; a blocker resolved in 30 minutes.
    git(alice_repo, "switch", "-q", "-c", "feature/search", "main")
    alice(177, "start", "Search", "-o", "index", "-o", "ranking")
    alice(177.5, "blocker", "add", "index too big")
    alice(178, "blocker", "resolve", alice.entry_id("blocker", "index too big"))
    alice(179, "objective", "done", alice.entry_id("objective", "index"))
    alice(179.5, "blocker", "add", "flaky CI")
    alice(180, "pause")

    alice(181, "fetch", "origin")
    return alice_repo


@pytest.fixture(scope="module")
def fixture_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Built once for the module (every test only reads it), as hermetic as conftest's seal."""
    root = tmp_path_factory.mktemp("i16")
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(("GIT_", "XDG_")) or name in ("NO_COLOR", "EMAIL", "PAGER"):
                mp.delenv(name)
        settings = {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_COMMITTER_NAME": "C O Mitter",
            "GIT_COMMITTER_EMAIL": "committer@example.com",
            "GIT_TEMPLATE_DIR": str(tmp_path_factory.mktemp("templates")),
            "GIT_EDITOR": "false",
            "TZ": "UTC",
            "LC_ALL": "C.UTF-8",
            **ALICE,
        }
        for name, value in settings.items():
            mp.setenv(name, value)
        yield build_fixture(root, mp)


@pytest.fixture
def repo(fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in {**ALICE, "GIT_AUTHOR_DATE": f"{NOW} +0000", "GIT_COMMITTER_DATE": f"{NOW} +0000"}.items():
        monkeypatch.setenv(name, value)
    return fixture_repo


def report_json(repo: Path, *args: str) -> Any:
    return json.loads(ok(repo, "report", "--format", "json", *args))


def by_title(shown: Any) -> dict[str, Any]:
    return {s["title"]: s for s in shown["sessions"]}


# --- the figures -----------------------------------------------------------------------------------


def test_the_figures_of_each_session(repo: Path) -> None:
    sessions = by_title(report_json(repo, "--all-remotes"))
    assert list(sessions) == ["Search", "Docs", "Spike caching", "Login page"]  # newest first
    picked = ("status", "remote", "owner", "created", "ended", "wall_seconds", "active_seconds", "paused_seconds")
    assert {title: [s[k] for k in picked] for title, s in sessions.items()} == {
        "Search": [
            "paused",
            None,
            "Alice <alice@example.com>",
            "2023-11-20T09:00:00+00:00",
            None,
            9 * HOUR,
            3 * HOUR,
            6 * HOUR,
        ],
        "Docs": [
            "handoff",
            "origin",
            "Bob <bob@example.com>",
            "2023-11-15T09:00:00+00:00",
            "2023-11-15T11:00:00+00:00",
            2 * HOUR,
            2 * HOUR,
            0,
        ],
        "Spike caching": [
            "abandoned",
            None,
            "Alice <alice@example.com>",
            "2023-11-14T09:00:00+00:00",
            "2023-11-14T12:00:00+00:00",
            3 * HOUR,
            3 * HOUR,
            0,
        ],
        "Login page": [
            "completed",
            None,
            "Alice <alice@example.com>",
            "2023-11-13T09:00:00+00:00",
            "2023-11-13T17:00:00+00:00",
            8 * HOUR,
            7 * HOUR,
            HOUR,
        ],
    }
    login = sessions["Login page"]
    assert {k: login[k] for k in login if k not in (*picked, "id", "short", "authors", "title")} == {
        "branch": "feature/login",
        "reason": None,
        "objectives_done": 2,
        "objectives_total": 3,
        "velocity": round(2 / (7 / 24), 2),
        "decisions": 1,
        "discoveries": 1,
        "blockers_opened": 1,
        "blockers_resolved": 1,
        "blocker_resolve_seconds": [5 * HOUR],
        "commits": 2,
        "files_changed": 2,  # login.py twice, form.html
        "lines_added": 3 + 3,
        "lines_deleted": 1,
        "checkpoints": 2,  # the compaction's is one too
        "compactions": 1,
        "agents": ["claude"],
        "models": ["opus"],
    }
    assert sessions["Spike caching"]["reason"] == "not worth it"
    assert sessions["Search"]["blocker_resolve_seconds"] == [HOUR // 2]
    assert (sessions["Docs"]["agents"], sessions["Docs"]["models"], sessions["Docs"]["objectives_done"]) == (
        ["codex"],
        ["gpt-5"],
        1,
    )


def test_the_figures_across_sessions(repo: Path) -> None:
    summary = report_json(repo, "--all-remotes")["summary"]
    assert {k: summary[k] for k in ("sessions", "ended", "active_seconds", "wall_seconds")} == {
        "sessions": 4,
        "ended": 3,
        "active_seconds": 15 * HOUR,
        "wall_seconds": 22 * HOUR,
    }
    assert (summary["objectives_done"], summary["objectives_total"], summary["velocity"]) == (4, 7, 6.4)
    assert (summary["commits"], summary["lines_added"], summary["lines_deleted"]) == (2, 6, 1)
    assert summary["blockers"] == {
        "opened": 4,
        "resolved": 2,
        "median_resolve_seconds": round(5.5 * HOUR / 2),
        "p90_resolve_seconds": 5 * HOUR,
        "distribution": [
            {"bin": "< 1h", "count": 1},
            {"bin": "1h–4h", "count": 0},
            {"bin": "4h–1d", "count": 1},
            {"bin": "1d–3d", "count": 0},
            {"bin": "3d–7d", "count": 0},
            {"bin": "≥ 7d", "count": 0},
        ],
        # blockers still open in sessions still open (the abandoned spike's is not waited on)
        "longest_open": [
            {
                "session": report_json(repo)["sessions"][0]["short"],
                "text": "flaky CI",
                "open_seconds": 6 * HOUR + HOUR // 2,
            }
        ],
    }
    assert summary["abandoned"]["sessions"] == 1 and summary["abandoned"]["share"] == 0.333
    assert [(r["title"], r["reason"]) for r in summary["abandoned"]["reasons"]] == [("Spike caching", "not worth it")]
    assert summary["weeks"] == [
        {"week": "2023-W46", "started": 3, "ended": 3, "objectives_done": 3},
        {"week": "2023-W47", "started": 1, "ended": 0, "objectives_done": 1},
    ]
    assert [(r["name"], r["sessions"], r["active_seconds"]) for r in summary["branches"]] == [
        ("feature/login", 1, 7 * HOUR),
        ("feature/search", 1, 3 * HOUR),
        ("spike/cache", 1, 3 * HOUR),
        ("docs", 1, 2 * HOUR),
    ]
    assert summary["authors"] == [
        {
            "name": "Alice <alice@example.com>",
            "sessions": 3,
            "active_seconds": 13 * HOUR,
            "objectives_done": 3,
            "commits": 2,
        },
        {
            "name": "Bob <bob@example.com>",
            "sessions": 1,
            "active_seconds": 2 * HOUR,
            "objectives_done": 1,
            "commits": 0,
        },
    ]
    assert [(r["name"], r["sessions"]) for r in summary["agents"]] == [("claude", 1), (None, 2), ("codex", 1)]
    assert [(r["name"], r["sessions"]) for r in summary["models"]] == [("opus", 1), (None, 2), ("gpt-5", 1)]


def shorts(repo: Path) -> dict[str, str]:
    return {s["title"]: s["short"] for s in report_json(repo, "--all-remotes")["sessions"]}


def test_the_whole_text_report(repo: Path) -> None:
    ids = shorts(repo)
    search, docs, spike, login = (ids[t] for t in ("Search", "Docs", "Spike caching", "Login page"))
    assert (
        ok(repo, "report", "--all-remotes")
        == f"""\
Sessions report: 4 sessions, all time (generated 20 Nov 2023, 18:00 UTC)

SESSION  STATUS     BRANCH          ACTIVE  WALL   DONE  RESOLVED  COMMITS  LINES  TITLE
{search}     paused     feature/search  3h 0m   9h 0m  1/2   1/2       0        +0 -0  Search
{docs}     handoff    docs            2h 0m   2h 0m  1/1   0/0       0        +0 -0  Docs (from origin)
{spike}     abandoned  spike/cache     3h 0m   3h 0m  0/1   0/1       0        +0 -0  Spike caching
{login}     completed  feature/login   7h 0m   8h 0m  2/3   1/1       2        +6 -1  Login page

Across sessions
  Active time      15h 0m (wall 22h 0m)
  Objectives done  4 of 7, 6.4 per active day
  Commits          2 (+6 -1 lines)
  Blockers         4 opened, 2 resolved; time to resolve: median 2h 45m, p90 5h 0m
  Longest open     {search} 'flaky CI', open 6h 30m
  Abandoned        1 of 3 ended (33%)
                   {spike} 'Spike caching': not worth it

By week
  WEEK      STARTED  ENDED  OBJECTIVES DONE
  2023-W46  3        3      3
  2023-W47  1        0      1

Busiest branches
  NAME            SESSIONS  ACTIVE  DONE  COMMITS
  feature/login   1         7h 0m   2     2
  feature/search  1         3h 0m   1     0
  spike/cache     1         3h 0m   0     0
  docs            1         2h 0m   1     0

By author
  NAME                       SESSIONS  ACTIVE  DONE  COMMITS
  Alice <alice@example.com>  3         13h 0m  3     2
  Bob <bob@example.com>      1         2h 0m   1     0

By agent
  NAME        SESSIONS  ACTIVE  DONE  COMMITS
  claude      1         7h 0m   2     2
  (no agent)  2         6h 0m   1     0
  codex       1         2h 0m   1     0

By model
  NAME        SESSIONS  ACTIVE  DONE  COMMITS
  opus        1         7h 0m   2     2
  (no model)  2         6h 0m   1     0
  gpt-5       1         2h 0m   1     0
"""
    )


def test_the_weekly_report_compares_with_the_week_before(repo: Path) -> None:
    ids = shorts(repo)
    search, spike = ids["Search"], ids["Spike caching"]
    assert (
        ok(repo, "report", "--weekly")
        == f"""\
Sessions report: 2 sessions, 2023-11-13 to 2023-11-20 (generated 20 Nov 2023, 18:00 UTC)

SESSION  STATUS     BRANCH          ACTIVE  WALL   DONE  RESOLVED  COMMITS  LINES  TITLE
{search}     paused     feature/search  3h 0m   9h 0m  1/2   1/2       0        +0 -0  Search
{spike}     abandoned  spike/cache     3h 0m   3h 0m  0/1   0/1       0        +0 -0  Spike caching

Across sessions
  Active time      6h 0m (wall 12h 0m)
  Objectives done  1 of 3, 4 per active day
  Commits          0 (+0 -0 lines)
  Blockers         3 opened, 1 resolved; time to resolve: median 30m, p90 30m
  Longest open     {search} 'flaky CI', open 6h 30m
  Abandoned        1 of 1 ended (100%)
                   {spike} 'Spike caching': not worth it

This week against the week before
                     THIS WEEK  WEEK BEFORE  CHANGE
  Sessions started   2          1            +1
  Sessions ended     1          1            ±0
  Active time        6h 0m      7h 0m        -1h 0m
  Objectives done    1          2            -1
  Blockers opened    3          1            +2
  Blockers resolved  1          1            ±0
  Commits            0          2            -2

By week
  WEEK      STARTED  ENDED  OBJECTIVES DONE
  2023-W46  1        1      0
  2023-W47  1        0      1

Busiest branches
  NAME            SESSIONS  ACTIVE  DONE  COMMITS
  feature/search  1         3h 0m   1     0
  spike/cache     1         3h 0m   0     0

By author
  NAME                       SESSIONS  ACTIVE  DONE  COMMITS
  Alice <alice@example.com>  2         6h 0m   1     0

By agent
  NAME        SESSIONS  ACTIVE  DONE  COMMITS
  (no agent)  2         6h 0m   1     0

By model
  NAME        SESSIONS  ACTIVE  DONE  COMMITS
  (no model)  2         6h 0m   1     0
"""
    )
    weekly = report_json(repo, "--weekly")["weekly"]
    assert weekly["change"] == {
        "sessions_started": 1,
        "sessions_ended": 0,
        "active_seconds": -HOUR,
        "objectives_done": -1,
        "blockers_opened": 2,
        "blockers_resolved": 0,
        "commits": -2,
    }


def test_the_markdown_report_of_a_remote_s_sessions(repo: Path) -> None:
    docs = shorts(repo)["Docs"]
    rows = "| Name | Sessions | Active | Done | Commits |\n|---|---|---|---|---|"
    assert (
        ok(repo, "report", "--remote", "origin", "--format", "markdown")
        == f"""\
# Sessions report

1 session, all time; generated 20 Nov 2023, 18:00 UTC.

## Sessions

| Session | Status | Branch | Active | Wall | Done | Resolved | Commits | Lines | Title |
|---|---|---|---|---|---|---|---|---|---|
| {docs} | handoff | docs | 2h 0m | 2h 0m | 1/1 | 0/0 | 0 | +0 -0 | Docs (from origin) |

## Across sessions

- **Active time**: 2h 0m (wall 2h 0m)
- **Objectives done**: 1 of 1, 12 per active day
- **Commits**: 0 (+0 -0 lines)
- **Blockers**: 0 opened, 0 resolved; time to resolve: median –, p90 –
- **Abandoned**: 0 of 1 ended (0%)

## By week

| Week | Started | Ended | Objectives done |
|---|---|---|---|
| 2023-W46 | 1 | 1 | 1 |

## Busiest branches

{rows}
| docs | 1 | 2h 0m | 1 | 0 |

## By author

{rows}
| Bob <bob@example.com> | 1 | 2h 0m | 1 | 0 |

## By agent

{rows}
| codex | 1 | 2h 0m | 1 | 0 |

## By model

{rows}
| gpt-5 | 1 | 2h 0m | 1 | 0 |
"""
    )


def test_filters_by_period_author_and_branch(repo: Path) -> None:
    def titles(*args: str) -> list[str]:
        return [s["title"] for s in report_json(repo, "--all-remotes", *args)["sessions"]]

    assert titles("--since", "2023-11-14", "--until", "2023-11-15") == ["Docs", "Spike caching"]
    assert titles("--until", "2023-11-13") == ["Login page"]  # the day given is included
    assert titles("--since", "2023-11-15T10:00:00+00:00") == ["Search", "Docs"]
    assert titles("--since", "2 days ago") == ["Search"]
    assert titles("--author", "BOB@") == ["Docs"]
    assert titles("--branch", "feature/login") == ["Login page"]
    assert titles("--branch", "nowhere") == []
    assert [s["title"] for s in report_json(repo)["sessions"]] == ["Search", "Spike caching", "Login page"]
    assert ok(repo, "report", "--branch", "nowhere") == (
        "Sessions report: 0 sessions, all time (generated 20 Nov 2023, 18:00 UTC)\nNo sessions match.\n"
    )


def test_wrong_options_are_refused(repo: Path) -> None:
    result = run(repo, "report", "--since", "yesterday-ish")
    assert (result.exit_code, result.stderr) == (
        1,
        "git-session: not a date: 'yesterday-ish'\nhint: give YYYY-MM-DD, an ISO time, @EPOCH or 'N days ago'\n",
    )
    assert run(repo, "report", "--weekly", "--since", "2023-11-01").exit_code == 2
    assert run(repo, "report", "--remote", "origin", "--all-remotes").exit_code == 2


def test_history_and_compare(repo: Path) -> None:
    ids = shorts(repo)
    search, spike, login = ids["Search"], ids["Spike caching"], ids["Login page"]
    metrics_heads = "DONE  RESOLVED  COMMITS  LINES  CHECKPOINTS  COMPACTIONS"
    assert ok(repo, "history", "--metrics").splitlines() == [
        f"SESSION  STATUS     BRANCH          STARTED     ACTIVE  {metrics_heads}  TITLE",
        f"{search}     paused     feature/search  2023-11-20  3h 0m   1/2   1/2       0        +0 -0  0            0"
        "            Search",
        f"{spike}     abandoned  spike/cache     2023-11-14  3h 0m   0/1   0/1       0        +0 -0  0            0"
        "            Spike caching",
        f"{login}     completed  feature/login   2023-11-13  7h 0m   2/3   1/1       2        +6 -1  2            1"
        "            Login page",
    ]
    assert (
        ok(repo, "history", "-n", "2")
        == f"""\
SESSION  STATUS     BRANCH          STARTED     ACTIVE  TITLE
{search}     paused     feature/search  2023-11-20  3h 0m   Search
{spike}     abandoned  spike/cache     2023-11-14  3h 0m   Spike caching
"""
    )
    assert [s["title"] for s in json.loads(ok(repo, "history", "-n", "1", "--json"))] == ["Search"]
    assert (
        ok(repo, "compare", "login-page", "search")
        == f"""\
                   A: {login}                 B: {search}                 B - A
Title              Login page              Search
Branch             feature/login           feature/search
Status             completed               paused
Started            13 Nov 2023, 09:00 UTC  20 Nov 2023, 09:00 UTC
Ended              13 Nov 2023, 17:00 UTC  –
Wall time          8h 0m                   9h 0m                   +1h 0m
Active time        7h 0m                   3h 0m                   -4h 0m
Paused time        1h 0m                   6h 0m                   +5h 0m
Objectives done    2                       1                       -1
Objectives         3                       2                       -1
Per active day     6.86                    8
Decisions          1                       0                       -1
Discoveries        1                       0                       -1
Blockers opened    1                       2                       +1
Blockers resolved  1                       1                       ±0
Median to resolve  5h 0m                   30m                     -4h 30m
Commits            2                       0                       -2
Files changed      2                       0                       -2
Lines added        6                       0                       -6
Lines deleted      1                       0                       -1
Checkpoints        2                       0                       -2
Compactions        1                       0                       -1
Agents             claude                  –
Models             opus                    –
"""
    )
    compared = json.loads(ok(repo, "compare", "login-page", "search", "--json"))
    assert compared["change"]["active_seconds"] == -4 * HOUR and compared["b"]["paused_seconds"] == 6 * HOUR


def test_the_configured_period_and_format_are_the_defaults(repo: Path) -> None:
    """report.since and report.format (git config or .git-session/config.yaml) stand for the
    options not given; an option given, or --weekly, wins."""
    git(repo, "config", "session.report.since", "2 days ago")
    git(repo, "config", "session.report.format", "json")
    try:
        assert [s["title"] for s in json.loads(ok(repo, "report", "--all-remotes"))["sessions"]] == ["Search"]
        assert titles_of(ok(repo, "report", "--all-remotes", "--since", "2023-11-15T10:00:00+00:00")) == [
            "Search",
            "Docs",
        ]
        assert ok(repo, "report", "--format", "text", "--branch", "nowhere").startswith("Sessions report: 0 sessions")
    finally:
        git(repo, "config", "--unset", "session.report.since")
        git(repo, "config", "--unset", "session.report.format")


def titles_of(shown: str) -> list[str]:
    return [s["title"] for s in json.loads(shown)["sessions"]]
