"""Issue 17, point 4: `git session search QUERY` over every session (ended ones, private
entries, teammates' fetched copies), with git doing the scanning."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from git_session import codec, gitcli, search
from git_session.errors import UserError
from git_session.gitrepo import Repo
from git_session.plaintext import when
from git_session.sessions import Workspace, abbreviate
from tests.helpers import as_json, git, make_repo, make_two_clones, ok, run


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def short_sid(repo: Path, session_id: str) -> str:
    return Workspace.open(str(repo)).short_session_id(session_id)


def entry(repo: Path, kind: str, text: str, *extra: str) -> dict[str, Any]:
    shown = as_json(repo, "show", *extra)
    found = [e for e in shown[kind] if e["text"] == text]
    assert len(found) == 1, shown[kind]
    return dict(found[0], session=shown["id"], tz=shown.get("tz", "+0000"))


def hit_json(repo: Path, *args: str) -> list[dict[str, Any]]:
    result = run(repo, "search", *args, "--json")
    assert result.exit_code in (0, 1), result.output
    value: list[dict[str, Any]] = __import__("json").loads(result.stdout)
    return value


def cache_repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path)
    ok(repo, "start", "Cache layer for the API", "-o", "Speed up reads")
    ok(repo, "decision", "add", "Use Redis", "--rationale", "Fast, shared by workers", "--alternative", "Memcached")
    ok(repo, "note", 'Tried "quoted" words and a back\\slash')
    ok(repo, "end", "--complete", "--no-handoff")
    git(repo, "checkout", "-q", "-b", "feature/auth")
    ok(repo, "start", "Login flow")
    ok(repo, "discovery", "add", "Redis sessions expire early")
    ok(repo, "note", "private thought about redis", "--private")
    return repo


def test_whole_output_over_ended_and_open_sessions(tmp_path: Path) -> None:
    repo = cache_repo(tmp_path)
    decision = entry(repo, "decisions", "Use Redis", "--session", "main")
    discovery = entry(repo, "discoveries", "Redis sessions expire early")
    ids = {decision["session"]: short_sid(repo, decision["session"]), discovery["session"]: ""}
    ids[discovery["session"]] = short_sid(repo, discovery["session"])
    hits = hit_json(repo, "redis")
    assert sorted((h["kind"], h["text"], h["copy"], h["matched"]) for h in hits) == [
        ("decision", "Use Redis", None, ["text"]),
        ("discovery", "Redis sessions expire early", None, ["text"]),
        ("note", "private thought about redis", "private", ["text"]),
    ]
    assert [h["created"] for h in hits] == sorted((h["created"] for h in hits), reverse=True)
    shorts = {h["id"]: h for h in hits}
    ws = Workspace.open(str(repo))
    lines = []
    for h in hits:
        found = ws.find(h["session"])
        kind = h["kind"]
        short = ws.short_entry_id(found, kind, h["id"])
        copy = " (private)" if h["copy"] == "private" else ""
        lines.append(
            f"{ids[h['session']]} {h['branch']}{copy} {kind} {short} {when(h['created'], '+0000')}  {h['text']}"
        )
    assert shorts and ok(repo, "search", "redis") == "\n".join(lines) + "\n"


def test_rationale_alternatives_title_and_every_word(tmp_path: Path) -> None:
    repo = cache_repo(tmp_path)
    assert [(h["kind"], h["matched"]) for h in hit_json(repo, "memcached")] == [("decision", ["alternatives"])]
    assert [(h["kind"], h["matched"]) for h in hit_json(repo, "WORKERS", "redis")] == [
        ("decision", ["text", "rationale"])
    ]
    assert [(h["kind"], h["text"]) for h in hit_json(repo, "api", "cache")] == [("session", "Cache layer for the API")]
    assert hit_json(repo, "redis", "login") == []  # each word in one entry, not across the session


def test_json_escaped_texts_are_found(tmp_path: Path) -> None:
    repo = cache_repo(tmp_path)
    assert [h["kind"] for h in hit_json(repo, '"quoted"')] == ["note"]
    assert [h["kind"] for h in hit_json(repo, "back\\slash")] == ["note"]


def test_non_ascii_words_and_case(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "Ünïcode")
    ok(repo, "note", "Straße café ÉCOLE")
    assert [h["text"] for h in hit_json(repo, "école")] == ["Straße café ÉCOLE"]
    assert [h["text"] for h in hit_json(repo, "CAFÉ")] == ["Straße café ÉCOLE"]
    assert [h["text"] for h in hit_json(repo, "ünïcode")] == ["Ünïcode"]
    assert [h["text"] for h in hit_json(repo, "STRAßE")] == ["Straße café ÉCOLE"]


def test_filters_kind_branch_author_since(tmp_path: Path) -> None:
    repo = cache_repo(tmp_path)
    assert [h["kind"] for h in hit_json(repo, "redis", "--kind", "decision")] == ["decision"]
    assert sorted(h["kind"] for h in hit_json(repo, "redis", "--kind", "note", "--kind", "discovery")) == [
        "discovery",
        "note",
    ]
    assert [h["branch"] for h in hit_json(repo, "redis", "--branch", "main")] == ["main"]
    assert hit_json(repo, "redis", "--branch", "nope") == []
    assert len(hit_json(repo, "redis", "--author", "NOBODY-ELSE")) == 0
    author = as_json(repo, "show")["discoveries"][0]["author"]
    assert len(hit_json(repo, "redis", "--author", author.split()[0].upper())) == 3
    assert len(hit_json(repo, "redis", "--since", "2000-01-01")) == 3
    assert hit_json(repo, "redis", "--since", "2999-01-01") == []


def test_nothing_found_and_bad_arguments(tmp_path: Path) -> None:
    repo = cache_repo(tmp_path)
    result = run(repo, "search", "zebra")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")
    result = run(repo, "search", "redis", "--kind", "handoff")
    assert result.exit_code == 2
    assert result.stderr.startswith("git-session: Invalid value for --kind: 'handoff' is not one of session, ")
    result = run(repo, "search", "redis", "--since", "not a date at all")
    assert result.exit_code == 1
    assert result.stderr == (
        "git-session: not a date: 'not a date at all'\n"
        "hint: e.g. 2026-11-01, 2026-11-01T09:00+01:00, '2 weeks ago', yesterday\n"
    )
    result = run(repo, "search", "   ")
    assert (result.exit_code, result.stderr.splitlines()[0]) == (1, "git-session: nothing to search for")


def test_teammates_fetched_copies_are_searched_once(tmp_path: Path) -> None:
    _, alice, bob = make_two_clones(tmp_path)
    ok(alice, "start", "Alice's work")
    ok(alice, "decision", "add", "Adopt protobuf", "--rationale", "schema evolution")
    ok(alice, "push", "origin")
    ok(bob, "fetch", "origin")
    hits = hit_json(bob, "protobuf")
    assert [(h["copy"], h["text"], h["title"]) for h in hits] == [("origin", "Adopt protobuf", "Alice's work")]
    ok(bob, "pull", "origin")  # now a local session as well: shown once, as the local one
    assert [(h["copy"], h["text"]) for h in hit_json(bob, "protobuf")] == [(None, "Adopt protobuf")]
    assert [(h["copy"], h["kind"]) for h in hit_json(bob, "evolution")] == [(None, "decision")]


def test_damaged_session_data_is_skipped_not_a_crash(tmp_path: Path) -> None:
    repo = cache_repo(tmp_path)
    # a session whose entry file is not JSON but holds the word
    blob = git(repo, "hash-object", "-w", "--stdin", input="redis {not json").strip()
    tree = git(repo, "mktree", input=f"100644 blob {blob}\tzz.json\n").strip()
    for level in ("y", "x", "note", "entries"):
        tree = git(repo, "mktree", input=f"040000 tree {tree}\t{level}\n").strip()
    commit = git(repo, "commit-tree", tree, "-m", "bad").strip()
    git(repo, "update-ref", "refs/sessions/bad-0123456789/01234567890123456789012345", commit)
    assert len(hit_json(repo, "redis")) == 3


def test_git_is_run_once_and_only_hits_are_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scanning is git's: one git grep over every session, and an entry is decoded only
    when its file holds the words."""
    repo = make_repo(tmp_path)
    for n in range(6):
        git(repo, "checkout", "-q", "-b", f"b{n}")
        ok(repo, "start", f"Session {n}")
        for m in range(5):
            ok(repo, "note", f"note {n}.{m}" + (" needle" if (n, m) == (3, 2) else ""))
    calls: list[list[str]] = []
    real_run = gitcli.run
    decoded: list[str] = []
    real_decode = codec.entry_from_bytes

    def counting_run(args: list[str], **kwargs: Any) -> Any:
        calls.append(list(args))
        return real_run(args, **kwargs)

    def counting_decode(data: bytes, where: str) -> Any:
        decoded.append(where)
        return real_decode(data, where)

    monkeypatch.setattr(gitcli, "run", counting_run)
    monkeypatch.setattr(codec, "entry_from_bytes", counting_decode)
    hits = search.search(Repo.discover(str(repo)), search.Query("NEEDLE"))
    assert [h.text for h in hits] == ["note 3.2 needle"]
    assert len([c for c in calls if "grep" in c]) == 1
    assert len(decoded) == 1


def test_many_tips_are_given_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    for n in range(5):
        git(repo, "checkout", "-q", "-b", f"b{n}")
        ok(repo, "start", f"Session {n} needle")
    monkeypatch.setattr(search, "MAX_TIPS_PER_RUN", 2)
    hits = search.search(Repo.discover(str(repo)), search.Query("needle"))
    assert sorted(h.title for h in hits) == [f"Session {n} needle" for n in range(5)]


def test_short_ids_match_the_other_views(tmp_path: Path) -> None:
    repo = cache_repo(tmp_path)
    hits = hit_json(repo, "redis", "--kind", "discovery")
    shown = abbreviate([h["session"] for h in hits])
    assert shown  # the session's short id as `list` shows it
    line = ok(repo, "search", "redis", "--kind", "discovery")
    assert line.split()[0] == short_sid(repo, hits[0]["session"])


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("2026-11-01", 1793491200),
        ("2026-11-01T01:00+01:00", 1793491200),
        ("today", 1796000000 - 1796000000 % 86400),
        ("yesterday", 1796000000 - 1796000000 % 86400 - 86400),
        ("2 weeks ago", 1796000000 - 14 * 86400),
        ("1 hour", 1796000000 - 3600),
    ],
)
def test_since_dates(text: str, epoch: int) -> None:
    assert search.since_epoch(text, 1796000000.5) == epoch


def test_since_refuses_what_is_no_date() -> None:
    with pytest.raises(UserError):
        search.since_epoch("soon", 0)
