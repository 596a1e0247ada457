"""Issue 14: the at-risk check that every ``status`` runs reads its own index of the
session's commit entries (kept as the commit index is), not every entry; and
``since_last_commit`` walks the journal without reading all of it first."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygit2
import pytest

from git_session import atrisk, trailers
from git_session.commitindex import index_bytes
from git_session.gitrepo import CommitInfo, Repo
from git_session.names import BranchName, ObjectId
from git_session.sessions import Workspace
from git_session.store import Draft, Handle, Store
from tests.helpers import git, make_repo, ok, run
from tests.test_i15_atrisk import commit_file, on_path, short, work

__all__ = ["on_path", "work"]  # the fixtures used here


def _handle(repo: Path) -> tuple[Workspace, Handle]:
    ws = Workspace.open(str(repo))
    found = ws.open_session(BranchName("feature"))
    assert found is not None
    return ws, found.handle


def _add(repo: Path, drafts: list[Draft]) -> None:
    ws, handle = _handle(repo)
    ws.store.append(handle.ref, lambda _handle, _meta: drafts, ws.ident, "entries")


def _commit(text: str, commit: str | None, **more: Any) -> Draft:
    fields: dict[str, Any] = {"text": text, "covers": 0, "branch": "feature", **more}
    if commit is not None:
        fields["commit"] = commit
    return Draft.add("commit", fields)


def _index(repo: Path, session: str) -> Path:
    return repo / ".git" / "git-session" / atrisk.INDEX_FOLDER / session


def _both(repo: Path) -> tuple[atrisk.AtRisk | None, atrisk.AtRisk | None]:
    """The answer as ``status`` gives it, and from every entry decoded (as before the index)."""
    ws, handle = _handle(repo)
    found = atrisk.at_risk(ws, handle)
    ws, handle = _handle(repo)
    return found, atrisk._from_entries(ws, handle)


@pytest.fixture
def mixed(work: tuple[Path, str, list[str]]) -> tuple[Path, str, list[str]]:
    """The linked commits a..d, with commit entries more: originals of commits not in the
    repository, a rewritten one, one naming no commit, one naming a commit by a short id,
    a reattached copy (of d) that matched one missing commit; the branch then reset to a
    (b, c, d leave it)."""
    repo, session, commits = work
    missing = [os.urandom(20).hex() for _ in range(12)]
    _add(
        repo,
        [
            *(_commit(f"old {n}", sha) for n, sha in enumerate(missing[:10])),
            _commit("rewritten", missing[10], rewritten=commits[1]),
            _commit("no commit", None),
            _commit("copy", commits[3], reattached=True, sources=[missing[0], "not-a-commit"]),
        ],
    )
    git(repo, "reset", "-q", "--hard", commits[0])
    return repo, session, commits


def test_the_answer_from_the_index_is_the_entries_answer(mixed: tuple[Path, str, list[str]]) -> None:
    repo, session, _ = mixed

    made, expected = _both(repo)  # the index made
    read, _ = _both(repo)  # and read

    assert expected is not None and len(expected.lost) == 9 + 3  # 9 missing originals (one matched), b, c and d
    assert made == read == expected
    assert run(repo, "status").stderr == f"git-session: warning: {expected.message(short(repo, session))}\n"


def _counted(method: Any, calls: list[str]) -> Any:
    """``method``, noting its third argument (the kind, or the entry id) in ``calls``."""

    def counted(self: Store, handle: Handle, what: str, *more: Any) -> Any:
        calls.append(what)
        return method(self, handle, what, *more)

    return counted


def test_status_decodes_no_commit_entry_once_the_index_is_made(
    mixed: tuple[Path, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _, _ = mixed
    warned = run(repo, "status").stderr  # makes the index
    listed: list[str] = []
    read: list[str] = []
    entries, commit_entry = Store.entries, Store.commit_entry
    monkeypatch.setattr(Store, "entries", _counted(entries, listed))
    monkeypatch.setattr(Store, "commit_entry", _counted(commit_entry, read))

    again = run(repo, "status")

    assert again.stderr == warned != ""
    assert "commit" not in listed
    assert len(read) == 2  # the copy (for what it matched) and the last link that stands (for its subject)


def test_nothing_at_risk_reads_no_entry(work: tuple[Path, str, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, _, _ = work
    _add(repo, [_commit("copy", None, reattached=True)])
    ok(repo, "status")
    listed: list[str] = []
    entries = Store.entries
    monkeypatch.setattr(Store, "entries", _counted(entries, listed))
    monkeypatch.setattr(Store, "commit_entry", lambda *a: pytest.fail("an entry was read"))

    assert run(repo, "status").stderr == ""
    assert "commit" not in listed


def test_a_stale_index_is_brought_up_to_date(mixed: tuple[Path, str, list[str]]) -> None:
    repo, session, commits = mixed
    _both(repo)
    old = _index(repo, session).read_bytes()
    _add(repo, [_commit("later", os.urandom(20).hex()), _commit("dropped", commits[2])])
    ws, handle = _handle(repo)  # one entry moved too: rewritten
    entry = next(e for e in ws.store.entries(handle, "commit") if e.commit == commits[1])
    ws.store.append(handle.ref, lambda _h, _m: [Draft.update("commit", entry.id, {"rewritten": "x"})], ws.ident, "re")
    _index(repo, session).write_bytes(old)

    found, expected = _both(repo)

    assert expected is not None and commits[1] not in expected.lost and commits[2] in expected.lost
    assert found == expected
    assert _index(repo, session).read_bytes() != old


@pytest.mark.parametrize(
    "damage",
    ["missing", "garbage", "checksum", "truncated", "other tip", "count", "lying copy", "lying last", "odd line"],
)
def test_a_missing_or_damaged_index_gives_the_entries_answer(mixed: tuple[Path, str, list[str]], damage: str) -> None:
    repo, session, commits = mixed
    _both(repo)
    path = _index(repo, session)
    data = path.read_bytes()
    header, _, lines = data.partition(b"\n")
    tip = ObjectId(header.split()[3].decode())
    if damage == "missing":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"\x00garbage\n")
    elif damage == "checksum":
        path.write_bytes(data.replace(b" o ", b" r ", 1) if b" o " in data else data[:-2] + b"x\n")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "other tip":  # made for a commit that is no ancestor of the session's tip
        path.write_bytes(index_bytes(ObjectId(commits[0]), lines))
    elif damage == "count":  # a line short of the session's count
        path.write_bytes(index_bytes(tip, b"".join(lines.splitlines(keepends=True)[1:])))
    elif damage == "lying copy":  # checksummed, but a copy's line names another commit
        forged = [
            line if not line.startswith(b"c ") else b"c " + commits[1].encode() + line[42:]
            for line in lines.splitlines(keepends=True)
        ]
        path.write_bytes(index_bytes(tip, b"".join(forged)))
    elif damage == "lying last":  # the last link that stands said a copy (read: found out)
        path.write_bytes(index_bytes(tip, lines.replace(b"o " + commits[0].encode(), b"c " + commits[0].encode())))
    else:
        path.write_bytes(index_bytes(tip, lines.replace(b"o ", b"o x ", 1)))

    found, expected = _both(repo)

    assert expected is not None
    assert found == expected


def test_damaged_entries_warn_as_they_did(mixed: tuple[Path, str, list[str]]) -> None:
    """An entry that cannot be read: the session is left to the other checks, index or not."""
    repo, _, _ = mixed
    ok(repo, "status")
    ws, handle = _handle(repo)
    repo_ = ws.repo
    tree = repo_.commit(handle.tip).tree
    name, _ = next(iter(repo_.blobs_under(tree, "entries/commit")))
    entry_id = name.rsplit("/", 1)[-1].removesuffix(".json")
    git(repo, "update-ref", "refs/keep", handle.tip)
    broken = _with_blob(repo, handle.tip, f"entries/commit/{entry_id[-2]}/{entry_id[-1]}/{entry_id}.json", b"{not json")
    git(repo, "update-ref", str(handle.ref), broken)
    ws, handle = _handle(repo)

    assert atrisk.warnings(ws, [handle]) == []


def _with_blob(repo: Path, commit: str, path: str, data: bytes) -> str:
    """A commit like ``commit`` whose tree has ``data`` at ``path``."""
    env = {**os.environ, "GIT_INDEX_FILE": str(repo / ".git" / "atrisk-test-index")}
    import subprocess

    def g(*args: str, stdin: bytes | None = None) -> str:
        return (
            subprocess.run(["git", *args], cwd=repo, env=env, input=stdin, capture_output=True, check=True)
            .stdout.decode()
            .strip()
        )

    g("read-tree", commit)
    blob = g("hash-object", "-w", "--stdin", stdin=data)
    g("update-index", "--cacheinfo", f"100644,{blob},{path}")
    tree = g("write-tree")
    return g("commit-tree", tree, "-p", commit, "-m", "broken", stdin=b"")


def test_a_session_without_commit_entries_writes_no_index(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "Nothing linked")

    assert run(repo, "status").stderr == ""
    assert not (repo / ".git" / "git-session" / atrisk.INDEX_FOLDER).exists()


# --- since_last_commit -----------------------------------------------------------------


def test_the_journal_walk_is_the_topological_one(tmp_path: Path) -> None:
    """Children first as the topological walk gives them, merges and all."""
    repo = make_repo(tmp_path)
    for n in range(3):
        commit_file(repo, f"m{n}", "m\n", f"main {n}")
    git(repo, "switch", "-q", "-c", "side", "HEAD~2")
    for n in range(3):
        commit_file(repo, f"s{n}", "s\n", f"side {n}")
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-edit", "side")
    for n in range(2):
        commit_file(repo, f"t{n}", "t\n", f"after {n}")
    r = Repo.discover(str(repo))
    tip = ObjectId(git(repo, "rev-parse", "HEAD").strip())

    assert [c.id for c in trailers.journal_children_first(r, tip)] == [c.id for c in r.walk(tip)]
    line = ObjectId(git(repo, "rev-parse", "HEAD~3").strip())  # before the merge: one line
    assert [c.id for c in trailers.journal_children_first(r, line)] == [c.id for c in r.walk(line)]


def test_since_last_commit_reads_the_journal_back_to_the_last_link_only(
    work: tuple[Path, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _, _ = work
    for n in range(6):
        ok(repo, "decision", "add", f"Decision {n}")
    ws, handle = _handle(repo)
    expected = trailers.since_last_commit(ws.store, handle)
    given: list[tuple[bool, int]] = []
    walk = Repo.walk

    def counted(self: Repo, tip: ObjectId, *args: Any, topological: bool = True, **kw: Any) -> Iterator[CommitInfo]:
        given.append((topological, 0))
        for commit in walk(self, tip, *args, topological=topological, **kw):
            given[-1] = (topological, given[-1][1] + 1)
            yield commit

    monkeypatch.setattr(Repo, "walk", counted)

    assert trailers.since_last_commit(ws.store, handle) == expected
    assert len(expected.decisions) == 6
    assert given == [(False, 7)]  # the six decisions and the last link, nothing older


def test_present_says_what_has_object_says(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    first = commit_file(repo, "a", "a\n", "A")
    git(repo, "repack", "-adq")
    second = commit_file(repo, "b", "b\n", "B")  # loose
    r = Repo.discover(str(repo))
    asked = [os.urandom(20).hex(), first, "not hex", os.urandom(20).hex(), second, first[:12]]

    assert r.present(asked) == {c for c in asked if r.has_object(c)} == {first, second}


def test_the_tags_that_hold_commits_are_listed_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not every ref of the repository (its thousands of sessions): the tags' folder and packed-refs."""
    repo = make_repo(tmp_path)
    first = commit_file(repo, "a", "a\n", "A")
    git(repo, "tag", "packed", first)
    git(repo, "pack-refs", "--all")
    git(repo, "tag", "-a", "-m", "annotated", "loose", "HEAD~1")
    r = Repo.discover(str(repo))
    monkeypatch.setattr(pygit2.Repository, "raw_listall_references", lambda self: pytest.fail("every ref listed"))

    assert sorted(atrisk._held(r)) == sorted([first, git(repo, "rev-parse", "HEAD~1").strip()])
