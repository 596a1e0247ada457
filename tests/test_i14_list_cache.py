"""Issue 14, ``list`` of 10,000 packed sessions: the cache of the sessions' fields keeps a
line per session with what a row shows, and decodes the rest (one JSON array) only when a
field that is not shown is asked for. The first version's file is rebuilt, a rest that
cannot be decoded is never trusted, and the fields are those read from the tips."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

from git_session import metacache, paths
from git_session.gitrepo import Repo
from git_session.names import BranchName
from git_session.sessions import Workspace
from git_session.store import Draft
from tests.helpers import ok, recorded_calls

HOSTILE = ["tab\there", "back\\slash \\t \\n \\\\", "new\nline", "ünï 😀 \u202e", "\\", ""]


def _cache(repo: Path) -> Path:
    return paths.session_metas_cache(Repo.discover(str(repo)))


def _sessions(repo: Path) -> list[str]:
    ws = Workspace.open(str(repo))
    ids: list[str] = []
    for n in range(3):
        fields = {"title": f"Session {n}", "branch": f"topic/{n}", "status": "active"}
        ids.append(ws.store.create(BranchName(f"topic/{n}"), [Draft.create(fields)], ws.ident, "start").id)
    for n, title in enumerate(HOSTILE):
        ws.set_fields(ids[n % 3], {"title": title, "branch": f"b\t{n}\\x"}, "title")
    ws.set_fields(ids[1], {"title": "back\\slash\tand tab", "status": "paused"}, "title")
    return ids


def test_list_shows_what_the_tips_hold_with_any_text_in_the_cached_columns(repo: Path) -> None:
    _sessions(repo)
    cold = ok(repo, "list", "--all"), ok(repo, "list", "--all", "--json"), ok(repo, "list", "--status", "paused")
    _cache(repo).unlink()
    ok(repo, "list", "--all")  # fills the cache
    warm = ok(repo, "list", "--all"), ok(repo, "list", "--all", "--json"), ok(repo, "list", "--status", "paused")
    assert warm == cold
    assert "back\\\\slash\\tand tab" in json.dumps(json.loads(warm[1]))


def test_list_decodes_the_rest_of_the_fields_only_for_json(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _sessions(repo)
    ok(repo, "list", "--all")
    decoded = recorded_calls(monkeypatch, metacache._Rest, "_decode")
    ok(repo, "list", "--all")
    ok(repo, "list", "--branch", "b\t0\\x")
    assert decoded == []
    ok(repo, "list", "--all", "--json")
    assert len(decoded) == 1  # once for every session


def test_a_cached_meta_equals_the_tip_s_and_is_copied_whole(repo: Path) -> None:
    ids = _sessions(repo)
    ok(repo, "list", "--all")
    ws = Workspace.open(str(repo))
    cached = metacache.load(ws.repo)
    for found in ws.all_sessions():
        meta = cached[found.handle.tip]
        assert meta == found.meta and found.meta == meta
        copy = dataclasses.replace(meta, values={**meta.values, "title": "Copied"})
        assert copy.title == "Copied" and copy.status == meta.status and copy.authors == meta.authors
    assert len(cached) == len(ids)


def test_the_first_version_s_cache_is_rebuilt(repo: Path) -> None:
    """A file of the first layout (one JSON object by tip), even one naming the right tips,
    is not read: the fields come from the tips and the file is written again."""
    _sessions(repo)
    shown = ok(repo, "list", "--all")
    ws = Workspace.open(str(repo))
    old = {
        found.handle.tip: [found.meta.id, 0, "+0000", 0, 0, {"title": "Stale"}, {}, [], {}]
        for found in ws.all_sessions()
    }
    body = json.dumps(old, separators=(",", ":")).encode()
    header = b"git-session session metas 1 "
    _cache(repo).write_bytes(header + hashlib.sha1(body).hexdigest().encode() + b"\n" + body)
    assert ok(repo, "list", "--all") == shown
    assert _cache(repo).read_bytes().startswith(metacache.HEADER)


def test_a_rest_that_cannot_be_decoded_is_dropped_and_rebuilt(repo: Path) -> None:
    """A file whose checksum holds but whose rest is not the fields of its sessions (written
    by hand): no crash; the rows are shown, the file is removed and written again."""
    _sessions(repo)
    shown = ok(repo, "list", "--all"), ok(repo, "list", "--all", "--json")
    cache = _cache(repo)
    body = cache.read_bytes().split(b"\n", 1)[1]
    for rest in (b"[]", b"nonsense", b'[["x"],[1],[2]]', b"[" * 100_000):
        damaged = body.rsplit(b"\n", 1)[0] + b"\n" + rest
        cache.write_bytes(metacache.HEADER + hashlib.sha1(damaged).hexdigest().encode() + b"\n" + damaged)
        assert ok(repo, "list", "--all") == shown[0]  # the rows alone
        ok(repo, "list", "--all", "--json")
        assert not cache.exists()
        assert ok(repo, "list", "--all", "--json") == shown[1]
        assert cache.exists()


def test_the_cache_written_again_after_a_change_keeps_the_others_lines_undecoded(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _sessions(repo)
    ok(repo, "list", "--all")
    Workspace.open(str(repo)).set_fields(ids[0], {"title": "Moved"}, "title")
    before = _cache(repo).read_bytes()
    decoded = recorded_calls(monkeypatch, metacache._Rest, "_decode")
    shown = ok(repo, "list", "--all")
    assert _cache(repo).read_bytes() != before and decoded == []  # written again, nothing decoded
    monkeypatch.undo()
    assert "Moved" in shown
    warm = ok(repo, "list", "--all", "--json")
    _cache(repo).unlink()
    assert ok(repo, "list", "--all", "--json") == warm


def test_a_rest_that_cannot_be_decoded_is_not_written_again_as_if_read(repo: Path) -> None:
    """The list after a change writes the file again: the sessions whose rest could not be
    read are left out of it (read from their tips next time), never kept as their rows alone."""
    ids = _sessions(repo)
    ok(repo, "list", "--all")
    cache = _cache(repo)
    body = cache.read_bytes().split(b"\n", 1)[1].rsplit(b"\n", 1)[0]  # a line of the rest fewer
    cache.write_bytes(metacache.HEADER + hashlib.sha1(body).hexdigest().encode() + b"\n" + body)
    Workspace.open(str(repo)).set_fields(ids[0], {"title": "Moved"}, "title")
    ok(repo, "list", "--all")
    ok(repo, "list", "--all")
    warm = ok(repo, "list", "--all", "--json")
    cache.unlink()
    assert ok(repo, "list", "--all", "--json") == warm
