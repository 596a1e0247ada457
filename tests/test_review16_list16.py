"""Review of list16: the version 2 session metas cache (rows plus a lazily decoded rest)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from git_session import metacache, paths
from git_session.gitrepo import Repo
from git_session.names import BranchName
from git_session.sessions import Workspace
from git_session.store import Draft
from tests.helpers import ok


def _cache(repo: Path) -> Path:
    return paths.session_metas_cache(Repo.discover(str(repo)))


def _start(repo: Path, n: int = 2) -> list[str]:
    ws = Workspace.open(str(repo))
    drafts = [[Draft.create({"title": f"S{i}", "branch": f"topic/{i}"})] for i in range(n)]
    return [ws.store.create(BranchName(f"topic/{i}"), drafts[i], ws.ident, "start").id for i in range(n)]


def _rewrite(repo: Path, edit: dict[int, str]) -> None:
    """The cache with some rows' columns replaced, its checksum made to hold (by hand)."""
    cache = _cache(repo)
    body = cache.read_bytes().split(b"\n", 1)[1].decode()
    head, *lines = body.split("\n")
    for row in range(int(head)):
        columns = lines[row].split("\t")
        for column, value in edit.items():
            columns[column] = value
        lines[row] = "\t".join(columns)
    data = "\n".join([head, *lines]).encode()
    cache.write_bytes(metacache.HEADER + hashlib.sha1(data).hexdigest().encode() + b"\n" + data)


def test_rows_written_by_hand_with_impossible_times_or_offsets_are_not_trusted(repo: Path) -> None:
    _start(repo)
    shown = ok(repo, "list", "--all"), ok(repo, "list", "--all", "--json")
    for edit in ({2: "99999999999999999"}, {2: "-99999999999999"}, {3: "+24:0"}, {3: "zz"}, {3: ""}):
        ok(repo, "list", "--all")
        _rewrite(repo, edit)
        assert ok(repo, "list", "--all") == shown[0], edit
        assert ok(repo, "list", "--all", "--json") == shown[1], edit


def test_a_rest_that_cannot_be_decoded_is_read_from_the_tips_not_made_up(repo: Path) -> None:
    """A checksummed file whose rest is not the sessions' fields: the command that finds it
    out shows (and acts on) the fields the tips hold, not an update time of 0 and no authors."""
    ids = _start(repo)
    Workspace.open(str(repo)).set_fields(ids[0], {"tldr": "kept", "current": "work"}, "fields")
    shown = ok(repo, "list", "--all", "--json")
    cache = _cache(repo)
    body = cache.read_bytes().split(b"\n", 1)[1]
    damaged = body.rsplit(b"\n", 1)[0] + b"\nnonsense"
    cache.write_bytes(metacache.HEADER + hashlib.sha1(damaged).hexdigest().encode() + b"\n" + damaged)
    assert ok(repo, "list", "--all", "--json") == shown
    ws = Workspace.open(str(repo))
    assert [f.meta.authors for f in ws.all_sessions()] == [(ws.ident.person,)] * 2


def test_list_shows_a_session_written_at_an_offset_of_a_day_or_more_as_git_would(repo: Path) -> None:
    """``codec`` accepts any ``[+-]NNNN`` (git writes ``+2400`` when told to): ``list`` must
    not fail on a session pulled from anyone with such an offset."""
    ok(repo, "start", "Far east", env={"GIT_AUTHOR_DATE": "@1000000000 +2400"})
    rows = ok(repo, "list", "--all")
    assert rows.split("  ", 1)[1] == "active     2001-09-10 01:46  main                            Far east\n"
    assert ok(repo, "list", "--all") == rows  # from the cache
