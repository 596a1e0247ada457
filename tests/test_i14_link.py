"""Issue 14, linking: a drain costs what it links. Each session's ref is resolved once (by
its path, never by listing every session), all commits of a drain go into one journal
commit per session and one notes commit, and a commit entry is found by its commit id
through the index in the session's tree. Sessions written before the index keep
linking correctly (every entry read, once) and are pulled as they are."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from git_session import codec, linking
from git_session.errors import ConflictError
from git_session.gitrepo import Repo
from git_session.names import SESSIONS_PREFIX, BranchName, ObjectId, SessionRef
from git_session.store import COMMIT_COUNT_PATH, COMMIT_INDEX, Draft, Handle, Store
from tests.helpers import as_json, git, make_two_clones, ok, run, session_refs


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # for the hooks


@pytest.fixture
def work(repo: Path) -> Path:
    ok(repo, "install")
    ok(repo, "start", "Work", "-o", "Ship")
    return repo


def commit(repo: Path, name: str) -> str:
    (repo / name).write_text(f"{name}\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"add {name}")
    return head(repo)


def head(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def the_ref(repo: Path) -> str:
    (ref,) = session_refs(repo) if len(session_refs(repo)) == 1 else [the_ref_on(repo, "main")]
    return ref


def linked(repo: Path) -> list[tuple[str, str]]:
    return [(c["sha"], c["subject"]) for c in as_json(repo, "show")["commits"]]


def commit_entries(repo: Path) -> list[dict[str, object]]:
    return [v for v in as_json(repo, "log") if v["kind"] == "commit"]


def count(repo: Path, rev: str) -> int:
    return int(git(repo, "rev-list", "--count", rev))


def index_paths(repo: Path) -> list[str]:
    listed = git(repo, "ls-tree", "-r", "--name-only", the_ref(repo), "--", "index")
    return sorted(listed.split())


def write_old_layout(repo: Path) -> None:
    """The session's history as a git-session before the index wrote it: every tree
    without ``index/`` (all else was the same), the ref moved onto it."""
    r = Repo.discover(str(repo))
    ref = the_ref(repo)
    mapping: dict[str, ObjectId] = {}
    for info in reversed(list(r.walk(ObjectId(head(repo, ref))))):
        tree = r.edit_tree(info.tree, {"index": None})
        mapping[info.id] = r.copy_commit(info.id, tree, [mapping[p] for p in info.parents])
    git(repo, "update-ref", ref, mapping[head(repo, ref)])
    assert index_paths(repo) == []


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """How many entries were decoded and how many times session refs were listed."""
    calls = {"decoded": 0, "listed": 0}
    decode, names = codec.entry_from_bytes, Repo.ref_names

    def decoding(data: bytes, where: str) -> object:
        calls["decoded"] += 1
        return decode(data, where)

    def listing(self: Repo, prefix: str) -> list[str]:
        calls["listed"] += prefix == SESSIONS_PREFIX  # every session (a branch's own are listed by prefix)
        return names(self, prefix)

    monkeypatch.setattr(codec, "entry_from_bytes", decoding)
    monkeypatch.setattr(Repo, "ref_names", listing)
    yield calls


def add_old_commit_entries(repo: Path, number: int) -> None:
    """``number`` commit entries of commits long gone, in one journal commit."""
    store = Store(Repo.discover(str(repo)))
    ref = SessionRef.of(the_ref(repo))
    drafts = [
        Draft.add("commit", {"text": f"old {n}", "commit": f"{n:040x}", "covers": 0, "branch": "main"})
        for n in range(number)
    ]
    store.append(ref, lambda handle, meta: drafts, store.repo.ident(), "old commits")


# --- one journal commit per session, one notes commit, whatever the drain holds ---------------


def test_commits_queued_together_are_one_journal_commit_and_one_notes_commit(work: Path) -> None:
    ok(work, "status")
    before = (count(work, the_ref(work)), count(work, "refs/notes/sessions") if has_notes(work) else 0)
    made = [commit(work, name) for name in ("a", "b", "c")]
    ok(work, "hook", "drain")
    assert (count(work, the_ref(work)), count(work, "refs/notes/sessions")) == (before[0] + 1, before[1] + 1)
    assert linked(work) == [(sha, f"add {name}") for sha, name in zip(made, "abc", strict=True)]
    assert git(work, "log", "-1", "--format=%s", the_ref(work)) == "commit: add a (and 2 more)\n"


def has_notes(repo: Path) -> bool:
    return bool(git(repo, "for-each-ref", "refs/notes/sessions").strip())


def test_a_rebase_of_linked_commits_is_one_journal_commit_and_lists_no_session(
    work: Path, counted: dict[str, int]
) -> None:
    base = head(work)
    for name in ("a", "b", "c", "d"):
        commit(work, name)
    ok(work, "hook", "drain")
    git(work, "switch", "-q", "-c", "onto", base)
    commit(work, "z")
    git(work, "switch", "-q", "main")
    tip = head(work, the_ref(work))
    git(work, "rebase", "-q", "onto")
    counted["listed"] = 0
    ok(work, "hook", "drain")
    assert counted["listed"] == 0  # each session's ref is found by its path, not among all of them
    assert git(work, "rev-list", f"{tip}..{the_ref(work)}").count("\n") == 1
    rebased = git(work, "rev-list", "--reverse", "onto..main").split()
    assert linked(work) == [(sha, f"add {name}") for sha, name in zip(rebased, "abcd", strict=True)]
    assert len(commit_entries(work)) == 8  # 4 added, 4 moved


def test_a_session_named_only_by_its_id_is_still_found(work: Path) -> None:
    """A note line without a branch (not written by git-session): its session is looked
    for among all of them, once."""
    a = commit(work, "a")
    ok(work, "hook", "drain")
    sid = as_json(work, "status")["id"]
    r = Repo.discover(str(work))
    ref = SessionRef.of(the_ref(work))
    batch = linking.Batch(Store(r))
    assert batch.sessions.of_line({"session": sid}) == ref
    assert batch.sessions.of_line({"session": sid, "branch": "other"}) is None
    assert batch.sessions.of_line({"session": "not an id", "branch": "main"}) is None
    assert linked(work) == [(a, "add a")]


# --- the index: a commit entry found by its commit ------------------------------------------------


def test_linking_reads_no_other_commit_entry(work: Path, counted: dict[str, int]) -> None:
    add_old_commit_entries(work, 300)
    ok(work, "status")
    a = commit(work, "a")
    counted["decoded"] = 0
    ok(work, "hook", "drain")
    assert counted["decoded"] < 30  # the handful the journal commit touches, not 300
    assert linked(work)[-1] == (a, "add a")


def test_the_index_follows_an_entry_moved_by_an_amend(work: Path) -> None:
    a = commit(work, "a")
    ok(work, "hook", "drain")
    (entry,) = [str(v["entry"]) for v in commit_entries(work)]
    assert index_paths(work) == [COMMIT_COUNT_PATH, f"{COMMIT_INDEX}/{a[:2]}/{a[2:]}-{entry}.json"]
    git(work, "commit", "-q", "--amend", "-m", "add a, amended")
    amended = head(work)
    ok(work, "hook", "drain")
    assert index_paths(work) == [COMMIT_COUNT_PATH, f"{COMMIT_INDEX}/{amended[:2]}/{amended[2:]}-{entry}.json"]
    assert git(work, "show", f"{the_ref(work)}:{COMMIT_COUNT_PATH}") == "1\n"
    assert linked(work) == [(amended, "add a, amended")]


def test_an_index_that_does_not_count_every_entry_is_not_trusted(work: Path) -> None:
    """An index left behind by a git-session that did not keep it (its count is not the
    meta's): the commit's entry is found among all of them, not added twice."""
    a = commit(work, "a")
    ok(work, "hook", "drain")
    r = Repo.discover(str(work))
    ref = the_ref(work)
    tip = ObjectId(head(work, ref))
    info = r.commit(tip)
    tree = r.edit_tree(info.tree, {COMMIT_INDEX: None, COMMIT_COUNT_PATH: r.write_blob(b"0\n")})
    git(work, "update-ref", ref, r.copy_commit(tip, tree, info.parents))
    assert Store(r).commit_index(Handle(SessionRef.of(ref), ObjectId(head(work, ref)))) is None
    requeue(work, a)
    ok(work, "hook", "drain")
    assert linked(work) == [(a, "add a")]


def requeue(repo: Path, sha: str) -> None:
    """The record prepare-commit-msg wrote for ``sha``, written again (its link repeated)."""
    ref = the_ref(repo)
    queue = repo / ".git" / "git-session" / "queue"
    record = f"branch main\nparent {head(repo, sha + '~1')}\nref {ref}\ntip {head(repo, ref)}\n"
    (queue / "pending.1.again").write_text(record)


# --- sessions written before the index -----------------------------------------------------------


def test_a_session_written_before_the_index_links_without_duplicates_and_stays_as_it_was(work: Path) -> None:
    a = commit(work, "a")
    ok(work, "hook", "drain")
    write_old_layout(work)
    requeue(work, a)
    b = commit(work, "b")
    ok(work, "hook", "drain")
    assert linked(work) == [(a, "add a"), (b, "add b")]
    git(work, "commit", "-q", "--amend", "-m", "add b, amended")
    amended = head(work)
    ok(work, "hook", "drain")
    assert linked(work) == [(a, "add a"), (amended, "add b, amended")]
    assert len(commit_entries(work)) == 3  # a, b, b moved
    assert index_paths(work) == []  # never indexed: its tree stays what its operations made of it
    git(work, "fsck", "--strict")


def test_a_session_written_before_the_index_is_pulled_and_merged(tmp_path: Path) -> None:
    _, alice, bob = make_two_clones(tmp_path)
    ok(alice, "start", "Old", "-o", "Ship")
    ok(alice, "note", "written before the index")
    write_old_layout(alice)
    ok(alice, "push")
    ok(bob, "pull")
    assert as_json(bob, "show", "--session", "Old")["title"] == "Old"
    ok(alice, "note", "alice again")
    write_old_layout(alice)
    ok(alice, "push")
    ok(bob, "note", "--session", "Old", "from bob")
    ok(bob, "pull")
    texts = sorted(str(v["fields"].get("text")) for v in as_json(bob, "log", "--session", "Old") if v["kind"] == "note")
    assert texts == ["alice again", "from bob", "written before the index"]
    assert index_paths(bob) == []


def test_a_session_that_cannot_be_written_keeps_its_records_queued_and_no_other(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "side"
    git(work, "worktree", "add", "-q", "-b", "side", str(other))
    ok(other, "start", "Side")
    (doomed,) = [ref for ref in session_refs(work) if ref != the_ref_on(work, "main")]
    a, s = commit(work, "a"), commit(other, "s")
    append = Store.append

    def failing(self: Store, ref: SessionRef, *args: object, **kwargs: object) -> object:
        if ref == doomed:
            raise ConflictError("held by a test")
        return append(self, ref, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "append", failing)
    result = run(work, "hook", "drain")
    assert result.stderr == f"git-session: warning: commit {s[:12]} stays queued: held by a test\n"
    queue = work / ".git" / "git-session" / "queue"
    assert len(list(queue.iterdir())) == 1
    assert linked(work) == [(a, "add a")]
    assert git(work, "notes", "--ref=sessions", "list").split()[1::2] == [a]
    monkeypatch.setattr(Store, "append", append)
    ok(work, "hook", "drain")
    assert list(queue.iterdir()) == []
    assert [(c["sha"], c["subject"]) for c in as_json(other, "show")["commits"]] == [(s, "add s")]


def the_ref_on(repo: Path, branch: str) -> str:
    key = BranchName(branch).key()
    (ref,) = [ref for ref in session_refs(repo) if ref.startswith(f"{SESSIONS_PREFIX}{key}/")]
    return ref
