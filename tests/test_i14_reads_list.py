"""Issue 14, ``list`` of 10,000 sessions: the cached fields are the fields (their stamps read
only when asked for), and the short ids are those of a full comparison."""

from __future__ import annotations

from pathlib import Path

from git_session import metacache, sessionids
from git_session.gitrepo import Repo
from git_session.model import Stamp
from git_session.sessions import Workspace, abbreviate
from git_session.store import Handle
from tests.helpers import ok
from tests.test_i14_reads import PREFIX, many

__all__ = ["many"]  # the fixture, shared with test_i14_reads


def test_cached_fields_equal_those_read_from_the_repository(many: tuple[Path, list[str]]) -> None:
    repo, ids = many
    ok(repo, "list", "--all")
    ws = Workspace.open(str(repo))
    cached = metacache.load(ws.repo)
    handles = [Handle(ref, tip) for ref, tip in sessionids.session_refs(Repo.discover(str(repo)))]
    assert len(cached) == len(handles) == len(ids)
    for handle in handles:
        meta = ws.store.meta(handle)
        assert cached[handle.tip] == meta
        assert dict(cached[handle.tip].stamps) == dict(meta.stamps)
        assert all(isinstance(s, Stamp) for s in cached[handle.tip].stamps.values())


def test_short_ids_equal_a_character_by_character_comparison() -> None:
    ids = [PREFIX + "a" * 21, PREFIX + "b" * 21, "abcd" + "x" * 22, "abce" + "y" * 22, "abc", "zzzz" + "0" * 22]

    def slow(one: str) -> str:
        common = max(
            next((i for i, (x, y) in enumerate(zip(one, o, strict=False)) if x != y), min(len(one), len(o)))
            for o in ids
            if o != one
        )
        return one[: max(4, common + 1)]

    assert abbreviate(ids) == {one: slow(one) for one in ids}
