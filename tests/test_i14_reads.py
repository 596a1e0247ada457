"""Issue 14, reads at scale: a session's short id comes from an index of the session ids
(``sessionids``) checked against the refs on every read, never from listing every session;
the shortest-unique rule holds with many sessions, whoever adds or removes one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from git_session import metacache, paths, sessionids
from git_session.gitrepo import Repo
from git_session.model import Meta
from git_session.names import ID_ALPHABET, BranchName, Ulid
from git_session.sessions import Workspace, abbreviate
from git_session.store import Draft, Handle, Store, new_id
from tests.helpers import git, make_repo, ok, run, session_refs

PREFIX = "k7m2q"  # the ids below share it, so that their short ids depend on one another


def _create(repo: Path, branch: str, session_id: str) -> str:
    ws = Workspace.open(str(repo))
    fields = {"title": f"Work on {branch}", "branch": branch, "status": "active"}
    ws.store.create(BranchName(branch), [Draft.create(fields, id=Ulid(session_id))], ws.ident, "start")
    return session_id


def _ids(start: str, count: int) -> list[str]:
    return [start + new_id()[len(start) :] for _ in range(count)]


def _twin(session_id: str, shared: int) -> str:
    """A new id sharing exactly its first ``shared`` characters with ``session_id``."""
    other = next(c for c in ID_ALPHABET if c != session_id[shared])
    return session_id[:shared] + other + new_id()[shared + 1 :]


def _index(repo: Path) -> Path:
    return paths.session_refs_index(Repo.discover(str(repo)))


def _short(repo: Path, session_id: str) -> str:
    return Workspace.open(str(repo)).short_session_id(session_id)


def _expected(repo: Path, session_id: str) -> str:
    """The short id among the session refs as git lists them."""
    listed = git(repo, "for-each-ref", "--format=%(refname:lstrip=-1)", "refs/sessions/").split()
    return abbreviate([*listed, session_id], only=[session_id])[session_id]


def _age(repo: Path) -> None:
    """Every session folder and packed-refs as if written long ago: the index trusts their
    stamps (a stamp too recent is read again on every read, whatever it says)."""
    old = 1_600_000_000
    for folder, dirs, _ in os.walk(repo / ".git" / "refs" / "sessions"):
        for name in dirs:
            os.utime(os.path.join(folder, name), (old, old))
        os.utime(folder, (old, old))
    packed = repo / ".git" / "packed-refs"
    if packed.exists():
        os.utime(packed, (old, old))


@pytest.fixture
def many(tmp_path: Path) -> tuple[Path, list[str]]:
    """Forty sessions on forty branches, eight of them sharing a five-character prefix."""
    repo = make_repo(tmp_path)
    ids = [_create(repo, f"topic/{n:02d}", sid) for n, sid in enumerate(_ids(PREFIX, 8) + _ids("", 32))]
    _age(repo)
    return repo, ids


def test_short_ids_with_many_sessions_are_the_shortest_unique_among_all(many: tuple[Path, list[str]]) -> None:
    repo, ids = many
    for session_id in ids:
        assert _short(repo, session_id) == _expected(repo, session_id)
    assert all(len(_short(repo, s)) > len(PREFIX) for s in ids[:8])
    assert sessionids.session_ids(Repo.discover(str(repo))) == sorted(ids)
    assert _index(repo).exists()


def test_a_session_added_by_plain_git_in_a_known_folder_lengthens_the_short_id(
    many: tuple[Path, list[str]],
) -> None:
    repo, ids = many
    one = ids[8]
    assert _short(repo, one) == _expected(repo, one)  # the index is written
    twin = _twin(one, 12)  # shares twelve characters with it
    tip = git(repo, "rev-parse", f"refs/sessions/{_folder(repo, one)}/{one}").strip()
    git(repo, "update-ref", f"refs/sessions/{_folder(repo, one)}/{twin}", tip)  # as a push into this clone would
    assert _short(repo, one) == one[:13] == _expected(repo, one)
    git(repo, "update-ref", "-d", f"refs/sessions/{_folder(repo, one)}/{twin}")
    assert _short(repo, one) == _expected(repo, one)
    assert len(_short(repo, one)) < 13


def test_a_session_fetched_onto_a_new_branch_folder_is_counted(many: tuple[Path, list[str]]) -> None:
    repo, ids = many
    one = ids[0]
    before = _short(repo, one)
    twin = _create(repo, "elsewhere", _twin(one, len(before)))
    assert _short(repo, one) == _expected(repo, one) == one[: len(before) + 1]
    assert _short(repo, twin) == _expected(repo, twin)


def test_packed_refs_are_read_and_their_change_seen(many: tuple[Path, list[str]]) -> None:
    repo, ids = many
    folder = _folder(repo, ids[0])
    assert _short(repo, ids[0]) == _expected(repo, ids[0])
    git(repo, "pack-refs", "--all")
    assert _short(repo, ids[0]) == _expected(repo, ids[0])
    twin = _twin(ids[0], 10)
    git(repo, "update-ref", f"refs/sessions/{folder}/{twin}", f"refs/sessions/{folder}/{ids[0]}")
    git(repo, "pack-refs", "--all")  # the new ref goes straight into packed-refs
    assert _short(repo, ids[0]) == ids[0][:11] == _expected(repo, ids[0])


def test_a_change_in_the_same_clock_tick_as_the_index_is_not_missed(many: tuple[Path, list[str]]) -> None:
    """A folder changed just before the index was written is read again every time: a
    later change that leaves its time as it was (the same tick of a coarse clock) shows."""
    repo, ids = many
    one = ids[8]
    folder = repo / ".git" / "refs" / "sessions" / _folder(repo, one)
    git(repo, "update-ref", f"refs/sessions/{_folder(repo, one)}/{new_id()}", f"refs/sessions/{folder.name}/{one}")
    recent = folder.stat().st_mtime_ns
    assert _short(repo, one) == _expected(repo, one)  # the index is written with this folder's time
    twin = _twin(one, 14)
    git(repo, "update-ref", f"refs/sessions/{folder.name}/{twin}", f"refs/sessions/{folder.name}/{one}")
    os.utime(folder, ns=(recent, recent))  # the change in the same tick: the folder's time is unchanged
    assert _short(repo, one) == one[:15] == _expected(repo, one)


def test_a_damaged_index_is_rebuilt_and_a_read_only_one_costs_only_time(many: tuple[Path, list[str]]) -> None:
    repo, ids = many
    assert _short(repo, ids[0]) == _expected(repo, ids[0])
    index = _index(repo)
    for damage in (b"", b"garbage\n", index.read_bytes()[:-40], b"git-session session ids 1\n1 2\n\n\n\n../x 1 2\n"):
        index.write_bytes(damage)
        assert sessionids.session_ids(Repo.discover(str(repo))) == sorted(ids)
        assert index.read_bytes().startswith(sessionids.HEADER.encode() + b"\n")
    index.unlink()
    index.parent.chmod(0o500)
    try:
        assert _short(repo, ids[0]) == _expected(repo, ids[0])
    finally:
        index.parent.chmod(0o700)


def test_an_index_recorded_before_a_session_was_removed_never_keeps_it(many: tuple[Path, list[str]]) -> None:
    repo, ids = many
    assert _short(repo, ids[0]) == _expected(repo, ids[0])
    git(repo, "update-ref", "-d", f"refs/sessions/{_folder(repo, ids[1])}/{ids[1]}")
    assert ids[1] not in sessionids.session_ids(Repo.discover(str(repo)))


def test_status_shows_the_short_id_among_many_sessions(many: tuple[Path, list[str]]) -> None:
    repo, _ = many
    ok(repo, "start", "Mine")
    mine = Workspace.open(str(repo)).find(None).handle.id
    shown = ok(repo, "status").splitlines()[0].split()[1]
    assert shown == _expected(repo, mine)


def _folder(repo: Path, session_id: str) -> str:
    for name in os.listdir(repo / ".git" / "refs" / "sessions"):
        if (repo / ".git" / "refs" / "sessions" / name / session_id).exists():
            return name
    raise AssertionError(f"no loose ref of {session_id}")


def test_status_reads_no_folder_but_its_own_branch_once_the_index_is_written(
    many: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Structural: with the index written, ``status`` lists only its branch's folder (to find
    its session), never every session's (the cost that grew with 10,000 sessions)."""
    repo, _ = many
    ok(repo, "start", "Mine")
    ok(repo, "status")
    listed: list[str] = []
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        listed.append(os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    ok(repo, "status")
    sessions_dir = os.path.join(str(repo), ".git", "refs", "sessions")
    # find, the others open on the branch, and the index reading it again (just written to)
    assert {p for p in listed if p.startswith(sessions_dir)} == {os.path.join(sessions_dir, BranchName("main").key())}


# --- list: the sessions' fields by tip (metacache), their refs from the index ---------------


def test_list_reads_no_session_twice_and_follows_every_change(
    many: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, ids = many
    first = ok(repo, "list", "--all")
    as_json = ok(repo, "list", "--all", "--json")
    assert paths.session_metas_cache(Repo.discover(str(repo))).exists()
    read: list[str] = []
    real_meta = Store.meta

    def meta(self: Store, handle: Handle, private: bool = False) -> Meta:
        read.append(handle.id)
        return real_meta(self, handle, private)

    monkeypatch.setattr(Store, "meta", meta)
    assert ok(repo, "list", "--all") == first
    assert ok(repo, "list", "--all", "--json") == as_json
    assert read == []  # every session's fields came from the cache
    ws = Workspace.open(str(repo))
    ws.set_fields(ids[3], {"title": "Renamed"}, "title")
    folder = _folder(repo, ids[5])
    git(repo, "update-ref", "-d", f"refs/sessions/{folder}/{ids[5]}")
    read.clear()
    after = ok(repo, "list", "--all")
    assert read == [ids[3]]  # only the session that moved is read again
    assert "Renamed" in after and "Renamed" not in first
    assert len(after.splitlines()) == len(first.splitlines()) - 1
    assert _short(repo, ids[5]) not in [line.split()[0] for line in after.splitlines()]


def test_a_damaged_or_foreign_cache_is_never_shown(many: tuple[Path, list[str]]) -> None:
    repo, _ = many
    first = ok(repo, "list", "--all")
    cache = paths.session_metas_cache(Repo.discover(str(repo)))
    body = cache.read_bytes()
    for damage in (b"", b"nonsense", body[:-10], body.replace(b"Work on", b"Hacked!")):
        cache.write_bytes(damage)
        assert metacache.load(Repo.discover(str(repo))) == {}
        assert ok(repo, "list", "--all") == first


def test_a_cached_tip_under_another_session_s_ref_is_read_and_refused_as_before(
    many: tuple[Path, list[str]],
) -> None:
    """The same commit under another id's ref names another session: not that session's
    fields from the cache, but the error reading it gives (the session skipped, with a warning)."""
    repo, ids = many
    ok(repo, "list", "--all")
    folder = _folder(repo, ids[0])
    copy = _twin(ids[0], 0)
    git(repo, "update-ref", f"refs/sessions/{folder}/{copy}", f"refs/sessions/{folder}/{ids[0]}")
    result = run(repo, "list", "--all")
    assert result.exit_code == 0
    assert f"session {copy}: its data names another session ({ids[0]})" in result.stderr
    assert len(result.stdout.splitlines()) == len(ids)


def test_list_in_a_repository_whose_session_refs_are_packed(many: tuple[Path, list[str]]) -> None:
    repo, _ = many
    first = ok(repo, "list", "--all")
    git(repo, "pack-refs", "--all")
    assert ok(repo, "list", "--all") == first
    assert sorted(str(r) for r, _ in sessionids.session_refs(Repo.discover(str(repo)))) == session_refs(repo)


def test_every_session_removed_leaves_no_id_behind(many: tuple[Path, list[str]]) -> None:
    """With its last session removed, ``refs/sessions/`` may go too (some git versions remove
    empty folders): the ids recorded before are not kept for want of a folder to check them against."""
    repo, ids = many
    assert sessionids.session_ids(Repo.discover(str(repo))) == sorted(ids)
    git(repo, "update-ref", "--stdin", input="".join(f"delete refs/sessions/{_folder(repo, i)}/{i}\n" for i in ids))
    shutil.rmtree(repo / ".git" / "refs" / "sessions")
    assert sessionids.session_ids(Repo.discover(str(repo))) == []
    assert sessionids.session_refs(Repo.discover(str(repo))) == []
    assert ok(repo, "list", "--all").startswith("No sessions yet")
