"""Issue 14, linking after a rebase: a drain reads each object once and writes its objects
as one pack when it makes many (a file each when it makes few), and a ref it moves never
names an object held only in memory."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import cast

import pytest

from git_session import gitrepo, linking, notes
from git_session.commitindex import SEARCHED_FIRST, CommitIndex
from git_session.gitrepo import Repo
from git_session.names import ObjectId, SessionRef
from git_session.store import Handle, Store
from tests.helpers import as_json, git, make_repo, ok, recorded_calls


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # for the hooks


@pytest.fixture
def work(repo: Path) -> Path:
    ok(repo, "install")
    ok(repo, "start", "Work", "-o", "Ship")
    return repo


@pytest.fixture
def disk_reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each loose object was read from its file."""
    reads: Counter[str] = Counter()
    real = gitrepo._BoundedLoose._raw

    def counted(self: gitrepo._BoundedLoose, oid: object) -> bytes:
        reads[str(oid)] += 1
        return real(self, oid)

    monkeypatch.setattr(gitrepo._BoundedLoose, "_raw", counted)
    return reads


def commit(repo: Path, name: str) -> str:
    (repo / name).write_text(f"{name}\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"add {name}")
    return git(repo, "rev-parse", "HEAD").strip()


def loose_objects(repo: Path) -> set[str]:
    objects = repo / ".git" / "objects"
    return {f"{d.name}{f.name}" for d in objects.iterdir() if len(d.name) == 2 for f in d.iterdir()}


def packs(repo: Path) -> set[str]:
    return {p.name for p in (repo / ".git" / "objects" / "pack").glob("*.pack")}


def linked(repo: Path) -> list[tuple[str, str]]:
    return [(c["sha"], c["subject"]) for c in as_json(repo, "show")["commits"]]


def rebase_linked(repo: Path, names: str) -> None:
    """Commits ``names`` linked, then rebased onto a branch with one commit more."""
    base = git(repo, "rev-parse", "HEAD").strip()
    for name in names:
        commit(repo, name)
    ok(repo, "hook", "drain")
    git(repo, "switch", "-q", "-c", "onto", base)
    commit(repo, "z")
    git(repo, "switch", "-q", "main")
    git(repo, "rebase", "-q", "onto")


# --- what a drain writes -----------------------------------------------------------------------


def test_a_drain_that_makes_many_objects_writes_them_as_one_pack(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rebase_linked(work, "abcd")
    loose, packed = loose_objects(work), packs(work)
    monkeypatch.setattr(linking, "PACKED_FROM", 2)  # what a rebase of 50 makes, from 4 commits
    drained = linking.drain(Repo.discover(str(work)))
    assert drained.problems == ()
    assert loose_objects(work) == loose  # not one file each
    assert len(packs(work) - packed) == 1
    rebased = git(work, "rev-list", "--reverse", "onto..main").split()
    assert linked(work) == [(sha, f"add {name}") for sha, name in zip(rebased, "abcd", strict=True)]
    git(work, "fsck", "--no-dangling", "--no-progress")


def test_a_drain_that_makes_few_objects_writes_them_loose(work: Path) -> None:
    """A pack per commit linked would pile packs up: the few objects of one commit's drain stay files."""
    ok(work, "status")
    packed = packs(work)
    a = commit(work, "a")
    assert linking.drain(Repo.discover(str(work))).problems == ()
    assert packs(work) == packed
    assert linked(work) == [(a, "add a")]


def test_a_ref_moved_inside_packed_writes_names_only_stored_objects(tmp_path: Path) -> None:
    """The objects held so far are stored before the ref moves: git sees what the ref names,
    even when the block then fails."""
    repo = make_repo(tmp_path)
    opened = Repo.discover(str(repo))
    ident = opened.ident()
    with pytest.raises(RuntimeError, match="given up"), opened.packed_writes(loose_below=100):
        tree = opened.edit_tree(None, {"file": opened.write_blob(b"kept\n")})
        first = opened.write_commit(tree, [], "first\n", ident)
        assert opened.cas_ref("refs/test/x", first, None, "test")
        assert git(repo, "cat-file", "-t", "refs/test/x") == "commit\n"  # another process reads it
        git(repo, "fsck", "--no-dangling", "--no-progress")
        dropped = opened.write_blob(b"never stored\n")
        assert opened.read_blob(dropped) == b"never stored\n"
        raise RuntimeError("given up")
    assert git(repo, "show", "refs/test/x:file") == "kept\n"
    assert not Repo.discover(str(repo)).has_object(dropped)
    with pytest.raises(gitrepo.ObjectError, match="missing"):
        opened.read_blob(dropped)  # what was dropped is not read from memory either


def test_packed_writes_keep_their_pack_when_loose_is_not_asked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    opened = Repo.discover(str(repo))
    loose, packed = loose_objects(repo), packs(repo)
    with opened.packed_writes():
        blob = opened.write_blob(b"one object\n")
    assert (loose_objects(repo), len(packs(repo) - packed)) == (loose, 1)
    assert git(repo, "cat-file", "-p", blob) == "one object\n"


def test_a_pack_is_indexed_here_as_git_indexes_it(tmp_path: Path) -> None:
    """The pack and its index are written without ``git index-pack`` (one process less per
    drain): the index is byte for byte the one git makes of the pack."""
    repo = make_repo(tmp_path)
    opened = Repo.discover(str(repo))
    packed = packs(repo)
    with opened.packed_writes():
        blobs = [opened.write_blob(f"line {n}\n".encode() * n) for n in range(300)]
        tree = opened.edit_tree(None, {f"f{n}": blob for n, blob in enumerate(blobs)})
    (pack,) = packs(repo) - packed
    made = repo / ".git" / "objects" / "pack" / pack.replace(".pack", ".idx")
    git(repo, "index-pack", "-o", str(tmp_path / "by-git.idx"), str(made.with_suffix(".pack")))
    assert made.read_bytes() == (tmp_path / "by-git.idx").read_bytes()
    git(repo, "verify-pack", str(made))
    assert git(repo, "cat-file", "-p", f"{tree}:f7") == "line 7\n" * 7
    assert not list((repo / ".git" / "objects" / "pack").glob("tmp_*"))


def test_notes_planned_are_not_made_again_when_the_notes_did_not_move(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(work, "status")
    calls = recorded_calls(monkeypatch, notes.Pending, "add")
    made = [commit(work, name) for name in "abc"]
    assert linking.drain(Repo.discover(str(work))).problems == ()
    assert [target for _, target, _ in calls] == made  # planned once, written as planned
    assert linked(work) == [(sha, f"add {name}") for sha, name in zip(made, "abc", strict=True)]


def test_notes_moved_since_they_were_planned_are_made_again(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer's note lands between the plan and the write: both notes are kept."""
    ok(work, "status")
    other = git(work, "rev-parse", "HEAD").strip()
    real = linking.Batch._write_sessions

    def write_sessions(self: linking.Batch) -> dict[SessionRef, str]:
        failed = real(self)
        git(work, "notes", "--ref=sessions", "add", "-m", '{"other":1}', other)
        return failed

    monkeypatch.setattr(linking.Batch, "_write_sessions", write_sessions)
    a = commit(work, "a")
    assert linking.drain(Repo.discover(str(work))).problems == ()
    assert git(work, "notes", "--ref=sessions", "show", other) == '{"other":1}\n'
    assert linked(work) == [(a, "add a")]


# --- what a drain reads ------------------------------------------------------------------------


def test_a_blob_is_read_from_disk_once_per_command(tmp_path: Path, disk_reads: Counter[str]) -> None:
    repo = make_repo(tmp_path)
    blob = ObjectId.of(git(repo, "hash-object", "-w", "--stdin", input="some content\n").strip())
    opened = Repo.discover(str(repo))
    assert opened.read_blob(blob, 100) == b"some content\n"
    first = disk_reads[blob]  # its size from its header, then the object
    assert [opened.read_blob(blob, 100) for _ in range(2)] == [b"some content\n"] * 2
    assert disk_reads[blob] == first
    written = opened.write_blob(b"written here\n")
    assert opened.read_blob(written) == b"written here\n"
    assert disk_reads[written] == 0  # what was just written is not read back from disk


def test_a_blob_kept_is_still_refused_above_a_limit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    opened = Repo.discover(str(repo))
    blob = opened.write_blob(b"x" * 100)
    with pytest.raises(gitrepo.ObjectError, match="more than the 10"):
        opened.read_blob(blob, 10)


def test_a_flat_notes_tree_is_read_once_however_many_notes_are_looked_up(
    tmp_path: Path, disk_reads: Counter[str]
) -> None:
    """A flat notes tree of a hundred notes is larger than libgit2 kept by default (4 KiB):
    each note looked up read it from disk again."""
    repo = make_repo(tmp_path)
    blob = git(repo, "hash-object", "-w", "--stdin", input="{}\n").strip()
    tree = git(repo, "mktree", input="".join(f"100644 blob {blob}\t{n:040x}\n" for n in range(100))).strip()
    assert int(git(repo, "cat-file", "-s", tree)) > 4096
    opened = Repo.discover(str(repo))
    for n in range(100):
        assert opened.entry_at(ObjectId.of(tree), f"{n:040x}") is not None
    assert disk_reads[tree] == 1


# --- the commit index --------------------------------------------------------------------------


def test_the_index_reads_the_same_lines_searched_or_split(repo: Path) -> None:
    """The first commits asked are searched for, the next ones looked up in the lines split
    once: both read only ``<commit> <one word>`` lines, as the index writes them."""
    commit = b"a" * 40
    lines = b"".join(
        [
            commit + b" X1\n",
            b"b" * 40 + b" X2\n",
            commit + b" X3\n",
            commit + b"  X4\n",  # not one word after one space
            commit + b" X5 X6\n",
            b"c" + commit + b" X7\n",  # another commit's line
            commit + b" X8",  # the last line, without its newline
        ]
    )
    index = CommitIndex(Store(Repo.discover(str(repo))), cast(Handle, None), lines)
    searched = index._entry_ids(commit)
    index._asked = SEARCHED_FIRST
    assert searched == index._entry_ids(commit) == [b"X1", b"X3", b"X8"]
    assert index._entry_ids(b"b" * 40) == [b"X2"]
