"""Issue 14, linking flat at 10,000 present commit entries (round 20): a link no longer
writes the session's index files whole (the commit index and the at-risk check's, 700 KB
each at 10,000 entries) but appends a record to each, bringing it from the tip it is at to
the session's; the at-risk check's memo of the commits the branches reached is written
again only once it lacks more than a few.

The first test of each part fails without its change (the file written whole, the memo
written on every link). The others pin each trap of the records: a torn or damaged record
is not believed and the file is written whole by the next writer; a record that does not
follow the tip the file is at (a concurrent writer's) is not believed; a record that brings
the file to a tip the session no longer descends from (a session rewritten elsewhere) makes
the index again; a rewrite or a redaction writes it whole; two processes writing it at once
leave a file every reader reads right."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from git_session import atrisk, commitindex, paths
from git_session.commitindex import commit_index, record_bytes
from git_session.gitrepo import Repo
from git_session.names import BranchName, ObjectId, SessionRef
from git_session.sessions import Workspace
from git_session.store import Handle, Store
from tests.helpers import git, ok
from tests.test_i14_link import (
    add_entry,
    add_old_commit_entries,
    commit,
    commit_entries,
    counted,
    head,
    index_file,
    index_lines,
    linked,
    on_path,
    requeue,
    stored_lines,
    the_ref,
    work,
)

__all__ = ["counted", "on_path", "work"]  # the fixtures used here

OLD = 300  # old commit entries: enough lines that a link's record is appended, not the file written whole


def cached(repo: Path) -> commitindex._Cached:
    return read(index_file(repo))


def read(path: Path) -> commitindex._Cached:
    found = commitindex._read(path)
    assert found is not None
    return found


def tip_of(repo: Path, data: bytes) -> str:
    """The tip an index file of ``data`` is at."""
    probe = index_file(repo).with_name("probe")
    probe.write_bytes(data)
    try:
        return read(probe).tip
    finally:
        probe.unlink()


@pytest.fixture
def appended(work: Path) -> tuple[Path, str, str, bytes]:
    """A session of ``OLD`` old entries and two linked commits a and b, b's link appended to
    the index as a record; the repository, a, b, and the file as it was before that record."""
    add_old_commit_entries(work, OLD)
    a = commit(work, "a")
    ok(work, "hook", "drain")
    commit_index(*_store_and_handle(work))  # (the index at the tip of a's link)
    before = index_file(work).read_bytes()
    b = commit(work, "b")
    ok(work, "hook", "drain")
    commit_index(*_store_and_handle(work))
    return work, a, b, before


def _store_and_handle(repo: Path) -> tuple[Store, Handle]:
    store = Store(Repo.discover(str(repo)))
    return store, store.handle(SessionRef.of(the_ref(repo)))


# --- a link appends -------------------------------------------------------------------------


def test_a_link_appends_a_record_and_leaves_the_rest_of_the_file_as_it_was(
    appended: tuple[Path, str, str, bytes],
) -> None:
    repo, _, _, before = appended
    after = index_file(repo).read_bytes()
    assert after.startswith(before) and after[len(before) :].startswith(commitindex.RECORD)
    assert cached(repo).records >= 1 and not cached(repo).torn
    assert cached(repo).tip == head(repo, the_ref(repo))
    assert index_lines(repo) == stored_lines(repo)


def test_the_at_risk_check_appends_to_its_index_too(appended: tuple[Path, str, str, bytes]) -> None:
    repo = appended[0]
    ok(repo, "status")
    at_risk = paths.private_dir(Repo.discover(str(repo))) / atrisk.INDEX_FOLDER / cached_id(repo)
    before = at_risk.read_bytes()
    c = commit(repo, "c")
    ok(repo, "status")
    assert at_risk.read_bytes().startswith(before) and read(at_risk).records >= 1
    assert read(at_risk).tip == head(repo, the_ref(repo)) and c.encode() in read(at_risk).lines


def cached_id(repo: Path) -> str:
    return SessionRef.of(the_ref(repo)).session_id


def test_the_records_are_written_whole_again_once_there_are_too_many(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commitindex, "MAX_RECORDS", 2)
    add_old_commit_entries(work, OLD)
    for name in ("a", "b", "c", "d"):
        commit(work, name)
        ok(work, "hook", "drain")
        commit_index(*_store_and_handle(work))
        assert cached(work).records <= 2
    assert index_lines(work) == stored_lines(work)


# --- what is not believed -------------------------------------------------------------------


@pytest.mark.parametrize("cut", [1, 10, 80])
def test_a_torn_record_is_not_believed_and_the_file_is_written_whole_from_what_counts(
    appended: tuple[Path, str, str, bytes], cut: int, counted: dict[str, int]
) -> None:
    repo, a, b, _ = appended
    records = cached(repo).records
    data = index_file(repo).read_bytes()
    index_file(repo).write_bytes(data[:-cut])  # (a writer stopped in the middle of its record)
    assert cached(repo).torn and cached(repo).records == records - 1
    counted["decoded"] = 0
    requeue(repo, b)
    ok(repo, "hook", "drain")
    assert counted["decoded"] < 30  # brought up to date from the record before: not made again from every entry
    assert len(commit_entries(repo)) == OLD + 2  # b found by the index: not added twice
    assert linked(repo)[-2:] == [(a, "add a"), (b, "add b")]
    assert not cached(repo).torn and cached(repo).records == 0  # written whole, once
    assert index_lines(repo) == stored_lines(repo)


def test_a_torn_record_after_the_sessions_tip_is_cleared_by_the_next_reader(
    appended: tuple[Path, str, str, bytes],
) -> None:
    """A second writer's record cut short after the one that brought the file to the
    session's tip: the lines stand, and the file is written whole (else every later record
    would come after the torn one, never read)."""
    repo = appended[0]
    index_file(repo).write_bytes(index_file(repo).read_bytes() + commitindex.RECORD + b" 0123")
    assert cached(repo).torn and cached(repo).tip == head(repo, the_ref(repo))
    assert index_lines(repo) == stored_lines(repo)
    assert not cached(repo).torn and cached(repo).records == 0


def test_a_damaged_record_is_not_believed(appended: tuple[Path, str, str, bytes]) -> None:
    """A record whose lines changed (its size and count as they were): its checksum says so."""
    repo, _, b, before = appended
    data = index_file(repo).read_bytes()
    record = data[len(before) :]
    lines_start = record.index(b"\n") + 1
    damaged = record[:lines_start] + record[lines_start:].replace(b.encode(), b"f" * 40)
    index_file(repo).write_bytes(before + damaged)
    assert cached(repo).torn and b.encode() not in cached(repo).lines and b"f" * 40 not in cached(repo).lines
    requeue(repo, b)
    ok(repo, "hook", "drain")
    assert len(commit_entries(repo)) == OLD + 2
    assert index_lines(repo) == stored_lines(repo)
    assert not cached(repo).torn


def test_a_record_that_does_not_follow_the_files_tip_is_not_believed(appended: tuple[Path, str, str, bytes]) -> None:
    """A record from another tip than the file's (a second writer appending from the tip the
    first one brought the file from), whole, with the count the meta says and the session's
    tip: believed, its line would hide b's entry from the link, which would add it again."""
    repo, _, b, before = appended
    _, handle = _store_and_handle(repo)
    base_tip = tip_of(repo, before)
    lines = {e: c for c, e in index_lines(repo)}
    entry_b = next(entry for entry, named in lines.items() if named == b)
    other_tip = head(repo, f"{base_tip}~1")
    wrong = record_bytes(ObjectId(other_tip), handle.tip, f"{'0' * 40} {entry_b}\n".encode())
    index_file(repo).write_bytes(before + wrong)
    assert cached(repo).tip == base_tip and cached(repo).torn
    requeue(repo, b)
    ok(repo, "hook", "drain")
    assert len(commit_entries(repo)) == OLD + 2
    assert index_lines(repo) == stored_lines(repo)


def test_a_record_to_a_tip_the_session_no_longer_descends_from_makes_the_index_again(
    appended: tuple[Path, str, str, bytes],
) -> None:
    """The session rewritten elsewhere (its ref set back, another entry added there, as many
    as the file counts): the tip the file's record brought it to is no ancestor of the
    session's: made again, never read as the session's."""
    repo, _, b, before = appended
    ref = SessionRef.of(the_ref(repo))
    assert cached(repo).records >= 1
    git(repo, "update-ref", str(ref), tip_of(repo, before))
    store = Store(Repo.discover(str(repo)))
    add_entry(store, ref, "e" * 40, "elsewhere")
    assert index_lines(repo) == stored_lines(repo)
    assert ("e" * 40) in dict(index_lines(repo)) and b not in dict(index_lines(repo))
    requeue(repo, b)
    ok(repo, "hook", "drain")
    assert index_lines(repo) == stored_lines(repo)
    assert b in dict(index_lines(repo))


def test_an_amend_after_a_record_writes_the_index_whole(appended: tuple[Path, str, str, bytes]) -> None:
    repo, _, b, _ = appended
    entry_b = dict(index_lines(repo))[b]
    git(repo, "commit", "-q", "--amend", "-m", "add b, amended")
    amended = head(repo)
    ok(repo, "hook", "drain")
    commit_index(*_store_and_handle(repo))
    assert cached(repo).records == 0  # an entry moved: written whole
    assert (amended, entry_b) in index_lines(repo) and b not in dict(index_lines(repo))
    assert index_lines(repo) == stored_lines(repo)


def test_a_redaction_after_a_record_makes_the_index_again(appended: tuple[Path, str, str, bytes]) -> None:
    repo, a, b, _ = appended
    ok(repo, "redact", dict(index_lines(repo))[a])
    assert index_lines(repo) == stored_lines(repo)
    assert a not in dict(index_lines(repo)) and b in dict(index_lines(repo))
    assert cached(repo).records == 0


# --- two writers at once ----------------------------------------------------------------------

_WRITER = """
import sys, time
from pathlib import Path
from git_session.commitindex import commit_index
from git_session.gitrepo import Repo
from git_session.names import SessionRef
from git_session.store import Handle, Store
repo, ref, go, *tips = sys.argv[1:]
store = Store(Repo.discover(repo))
while not Path(go).exists():
    time.sleep(0.001)
for tip in tips:
    handle = Handle(SessionRef.of(ref), tip)
    got = sorted(line for line in commit_index(store, handle).lines.decode().splitlines())
    want = sorted(
        f"{e.commit} {e.id}" for e in store.entries(handle, "commit")
    )
    print("ok" if got == want else f"wrong at {tip}")
"""


def test_two_processes_writing_the_index_at_once_leave_it_right(work: Path, tmp_path: Path) -> None:
    """Two processes bring the index up through the same tips at once, each appending its
    records or writing the file whole: each reads every tip's lines right, and so does a
    reader after them, whatever the order their writes landed in."""
    add_old_commit_entries(work, OLD)
    store, handle = _store_and_handle(work)
    commit_index(store, handle)
    ref = SessionRef.of(the_ref(work))
    tips = []
    for n in range(12):
        add_entry(store, ref, f"{n + 1:040x}", f"later {n}")
        tips.append(store.handle(ref).tip)
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(work), str(ref), str(go), *tips],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    go.write_text("")
    outputs = [writer.communicate(timeout=120) for writer in writers]
    for out, err in outputs:
        assert err == "" and out.split() == ["ok"] * len(tips)
    assert index_lines(work) == stored_lines(work)


# --- the at-risk check's memo of the commits reached ------------------------------------------


def test_a_link_leaves_the_memo_of_the_commits_reached_as_it_was(work: Path) -> None:
    for name in ("a", "b"):
        commit(work, name)
    ok(work, "status")
    memo = paths.private_dir(Repo.discover(str(work))) / atrisk.REACHED_FOLDER / cached_id(work)
    before = memo.read_bytes()
    commit(work, "c")
    ok(work, "status")
    assert memo.read_bytes() == before  # c walked on each check until the memo lacks more than a few


def test_a_commit_the_memo_lacks_is_at_risk_once_no_branch_holds_it(work: Path) -> None:
    a = commit(work, "a")
    ok(work, "status")
    c = commit(work, "c")
    ok(work, "status")  # (c linked; the memo, without c, kept)
    git(work, "reset", "-q", "--hard", a)
    ws = Workspace.open(str(work))
    found = ws.open_session(BranchName("main"))
    assert found is not None
    risk = atrisk.at_risk(ws, found.handle)
    assert risk is not None and risk.lost == (ObjectId(c),)


# --- Repo.present -------------------------------------------------------------------------------


def test_present_says_no_for_anything_that_is_no_full_id(work: Path) -> None:
    repo = Repo.discover(str(work))
    here = head(work)
    asked = ["0" * 40, here, here[:12], "g" * 40, "é" * 40, "", here.upper(), here + "0" * 24]
    assert repo.present(asked) == {oid for oid in asked if repo.has_object(oid)} >= {here}
    assert repo.present(reversed(asked)) == repo.present(asked)


# --- an index file a record cannot be appended to ----------------------------------------------


def test_an_index_file_that_takes_no_record_is_written_whole(appended: tuple[Path, str, str, bytes]) -> None:
    """A file the link cannot append to but can replace (a link to it, which the append does
    not follow; another user's file in a shared repository's writable folder): written whole,
    as it was before records. Left as it was, every later command would bring it up again from
    the same old tip (walking each link since) until a quarter of its lines had come since."""
    repo = appended[0]
    path = index_file(repo)
    kept = path.with_name("kept")
    path.rename(kept)
    path.symlink_to(kept.name)  # (read through the link; the append refuses it)
    commit(repo, "c")
    ok(repo, "hook", "drain")
    commit_index(*_store_and_handle(repo))
    assert not path.is_symlink()
    assert cached(repo).tip == head(repo, the_ref(repo))
    assert index_lines(repo) == stored_lines(repo)


def test_an_index_file_linked_elsewhere_is_left_as_it_is_there(appended: tuple[Path, str, str, bytes]) -> None:
    """A file with another name too (the repository copied with ``cp -al``, a snapshot made of
    hard links): the record would land in the copy's file as well, which is the copy's own
    business; the file is written whole here instead, as it was before records."""
    repo = appended[0]
    path = index_file(repo)
    elsewhere = repo.parent / "snapshot-index"
    os.link(path, elsewhere)
    before = elsewhere.read_bytes()
    commit(repo, "c")
    ok(repo, "hook", "drain")
    commit_index(*_store_and_handle(repo))
    assert elsewhere.read_bytes() == before
    assert cached(repo).tip == head(repo, the_ref(repo))
    assert index_lines(repo) == stored_lines(repo)
