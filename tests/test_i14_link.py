"""Issue 14, linking: a drain costs what it links. Each session's ref is resolved once (by
its path, never by listing every session), all commits of a drain go into one journal
commit per session and one notes commit, and a commit entry is found by its commit id
through the session's commit index: derived, local data outside the session's tree
(whose format stays main's, so that any git-session pulls what this one wrote), brought
up to date or made again, never trusted over the store."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from git_session import codec, commitindex, linking
from git_session.commitindex import CommitIndex, commit_index, index_bytes
from git_session.errors import ConflictError
from git_session.gitrepo import Repo
from git_session.names import SESSIONS_PREFIX, BranchName, ObjectId, SessionRef
from git_session.store import Draft, Store
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


# --- the commit index: a commit entry found by its commit ----------------------------------------


def index_file(repo: Path) -> Path:
    return repo / ".git" / "git-session" / "commit-index" / SessionRef.of(the_ref(repo)).session_id


def the_index(repo: Path) -> CommitIndex:
    store = Store(Repo.discover(str(repo)))
    return commit_index(store, store.handle(SessionRef.of(the_ref(repo))))


def index_lines(repo: Path) -> list[tuple[str, str]]:
    pairs = [line.split(" ") for line in the_index(repo).lines.decode().splitlines()]
    return sorted((commit, entry) for commit, entry in pairs)


def stored_lines(repo: Path) -> list[tuple[str, str]]:
    """What the index must say: every commit entry of the store, by the commit it names."""
    store = Store(Repo.discover(str(repo)))
    entries = store.entries(store.handle(SessionRef.of(the_ref(repo))), "commit")
    return sorted((e.commit if e.commit and ObjectId.is_full(e.commit) else "-", e.id) for e in entries)


def cached_tip(repo: Path) -> str:
    """The tip the index file is at: its header's, or its last record's."""
    cached = commitindex._read(index_file(repo))
    assert cached is not None
    return cached.tip


def test_linking_reads_no_other_commit_entry_once_the_index_is_made(work: Path, counted: dict[str, int]) -> None:
    add_old_commit_entries(work, 300)
    commit(work, "a")
    ok(work, "hook", "drain")  # the index is made: every entry read, once
    b = commit(work, "b")
    counted["decoded"] = 0
    ok(work, "hook", "drain")
    assert counted["decoded"] < 30  # the handful the journal commit touches, not 300
    assert linked(work)[-1] == (b, "add b")
    # brought along b's link by the drain that wrote it (round 21: from the operations it
    # wrote; before, the next reader walked to it): at the tip, its line what the add makes
    assert cached_tip(work) == head(work, the_ref(work))
    counted["decoded"] = 0
    assert len(index_lines(work)) == 302
    assert counted["decoded"] == 0
    assert index_lines(work) == stored_lines(work)


def test_the_index_is_kept_out_of_the_session_tree(work: Path) -> None:
    commit(work, "a")
    ok(work, "hook", "drain")
    assert git(work, "ls-tree", "--name-only", the_ref(work)).split() == ["entries", "meta.json", "open"]
    assert index_file(work).is_file()


def test_the_index_follows_an_entry_moved_by_an_amend(work: Path) -> None:
    a = commit(work, "a")
    ok(work, "hook", "drain")
    (entry,) = [str(v["entry"]) for v in commit_entries(work)]
    assert index_lines(work) == [(a, entry)]
    git(work, "commit", "-q", "--amend", "-m", "add a, amended")
    amended = head(work)
    ok(work, "hook", "drain")
    assert index_lines(work) == [(amended, entry)] == stored_lines(work)
    assert linked(work) == [(amended, "add a, amended")]


def test_a_stale_index_is_brought_up_to_date_after_a_rebase(work: Path) -> None:
    base = head(work)
    for name in ("a", "b", "c"):
        commit(work, name)
    ok(work, "hook", "drain")
    the_index(work)
    git(work, "switch", "-q", "-c", "onto", base)
    commit(work, "z")
    git(work, "switch", "-q", "main")
    git(work, "rebase", "-q", "onto")
    ok(work, "hook", "drain")
    assert index_lines(work) == stored_lines(work)
    assert sorted(c for c, _ in index_lines(work)) == sorted(git(work, "rev-list", "onto..main").split())


def test_a_redacted_history_has_its_index_made_again(work: Path) -> None:
    a = commit(work, "a")
    ok(work, "hook", "drain")
    b = commit(work, "b")
    ok(work, "hook", "drain")
    assert [c for c, _ in index_lines(work)] == sorted([a, b])
    entry_a = dict(index_lines(work))[a]
    ok(work, "redact", entry_a)
    assert index_lines(work) == stored_lines(work)
    assert [c for c, _ in index_lines(work)] == [b]
    requeue(work, b)
    ok(work, "hook", "drain")
    assert len(commit_entries(work)) == 1  # b's entry found: not added twice


def test_an_index_made_for_another_history_is_made_again(work: Path) -> None:
    """A cache whose tip is no ancestor of the session's (a reset, a copied file), even
    one that would count right once brought up to date: made again, never trusted."""
    a = commit(work, "a")
    ok(work, "hook", "drain")
    (entry,) = [str(v["entry"]) for v in commit_entries(work)]
    ref = SessionRef.of(the_ref(work))
    before = head(work, str(ref))
    store = Store(Repo.discover(str(work)))
    moved = Draft.update("commit", entry, {"commit": "d" * 40})
    store.append(ref, lambda handle, meta: [moved], store.repo.ident(), "moved elsewhere")
    assert index_lines(work) == [("d" * 40, entry)]  # made for a history where a's entry moved
    git(work, "update-ref", str(ref), before)  # that history dropped
    add_entry(store, ref, "e" * 40, "another")  # as many entries as the cache would have
    assert index_lines(work) == stored_lines(work)
    assert (a, entry) in index_lines(work)
    requeue(work, a)
    ok(work, "hook", "drain")
    assert len(commit_entries(work)) == 2


def test_an_index_that_does_not_count_every_entry_is_made_again(work: Path) -> None:
    """A well-formed cache for the session's tip missing a line (written by a faulty
    version): its count is not the meta's, it is made again, the entry not added twice."""
    a = commit(work, "a")
    ok(work, "hook", "drain")
    b = commit(work, "b")
    ok(work, "hook", "drain")
    lines = b"".join(
        line for line in the_index(work).lines.splitlines(keepends=True) if not line.startswith(b.encode())
    )
    index_file(work).write_bytes(index_bytes(ObjectId(head(work, the_ref(work))), lines))
    requeue(work, b)
    ok(work, "hook", "drain")
    assert linked(work) == [(a, "add a"), (b, "add b")]
    assert len(commit_entries(work)) == 2


DAMAGES: list[Callable[[bytes], bytes]] = [
    lambda data: data[: len(data) - 20],  # cut short
    lambda data: b"",
    lambda data: data.replace(b" ", b"  ", 1),  # a header of another shape
    lambda data: data[:-28] + b"0" * 27 + b"\n",  # a line changed: the checksum says so
    lambda data: b"\xff\xfe not an index at all\n",
]


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_index_is_ignored(work: Path, damage: Callable[[bytes], bytes]) -> None:
    a = commit(work, "a")
    ok(work, "hook", "drain")
    b = commit(work, "b")
    ok(work, "hook", "drain")
    the_index(work)
    index_file(work).write_bytes(damage(index_file(work).read_bytes()))
    requeue(work, b)
    ok(work, "hook", "drain")
    assert linked(work) == [(a, "add a"), (b, "add b")]
    assert len(commit_entries(work)) == 2
    assert index_lines(work) == stored_lines(work)


def test_an_index_naming_the_wrong_entry_is_not_trusted(work: Path) -> None:
    """A well-formed cache whose lines swap two commits' entries: an entry it names is read
    and checked, the index dropped, the commit's own entry found among all of them."""
    a = commit(work, "a")
    ok(work, "hook", "drain")
    b = commit(work, "b")
    ok(work, "hook", "drain")
    lines = the_index(work).lines
    swapped = lines.replace(a.encode(), b"x" * 40).replace(b.encode(), a.encode()).replace(b"x" * 40, b.encode())
    index_file(work).write_bytes(index_bytes(ObjectId(head(work, the_ref(work))), swapped))
    requeue(work, a)
    ok(work, "hook", "drain")
    assert linked(work) == [(a, "add a"), (b, "add b")]
    assert len(commit_entries(work)) == 2


def test_an_index_that_cannot_be_written_fails_no_command(work: Path) -> None:
    folder = work / ".git" / "git-session" / "commit-index"
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the folder goes\n")
    a = commit(work, "a")
    ok(work, "hook", "drain")
    requeue(work, a)
    b = commit(work, "b")
    assert run(work, "hook", "drain").stderr == ""
    assert linked(work) == [(a, "add a"), (b, "add b")]
    assert len(commit_entries(work)) == 2


def requeue(repo: Path, sha: str) -> None:
    """The record prepare-commit-msg wrote for ``sha``, written again (its link repeated)."""
    ref = the_ref(repo)
    queue = repo / ".git" / "git-session" / "queue"
    record = f"branch main\nparent {head(repo, sha + '~1')}\nref {ref}\ntip {head(repo, ref)}\n"
    (queue / "pending.1.again").write_text(record)


def add_entry(store: Store, ref: SessionRef, commit: str, text: str) -> None:
    draft = Draft.add("commit", {"text": text, "commit": commit, "covers": 0, "branch": "main"})
    store.append(ref, lambda handle, meta: [draft], store.repo.ident(), "a commit elsewhere")


def test_a_pull_merge_brings_the_index_up_to_date(tmp_path: Path) -> None:
    _, alice, bob = make_two_clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Shared", "-o", "Ship")
    a = commit(alice, "a")
    ok(alice, "hook", "drain")
    ok(alice, "push")
    ok(bob, "pull")
    ref = SessionRef.of(the_ref(alice))
    theirs = "b" * 40
    add_entry(Store(Repo.discover(str(bob))), ref, theirs, "bob's")
    ok(bob, "push")
    the_index(alice)
    c = commit(alice, "c")
    ok(alice, "hook", "drain")  # diverged: the pull makes a merge
    ok(alice, "pull")
    assert len(git(alice, "rev-parse", f"{ref}^@").split()) == 2
    assert index_lines(alice) == stored_lines(alice)
    assert sorted(commit for commit, _ in index_lines(alice)) == sorted([a, theirs, c])


# --- sessions shared with main's store (a git-session before the commit index) ------------------

MAIN = "be7fcb7d60fd71bb1effa7a5e1ae82236a62aee6"  # main when the index moved out of the tree


def main_store(where: Path) -> ModuleType:
    """main's store module, loaded beside this one (the format it writes and checks)."""
    source = Path(__file__).resolve().parent.parent
    shown = subprocess.run(
        ["git", "-C", str(source), "show", f"{MAIN}:git_session/store.py"], capture_output=True, check=False
    )
    # A clone of this branch holds MAIN (an ancestor): its absence is a broken checkout, not a reason to skip.
    assert shown.returncode == 0, f"main's store.py ({MAIN}) is not in this checkout's history"
    path = where / "main_store.py"
    path.write_bytes(shown.stdout)
    spec = importlib.util.spec_from_file_location("main_store", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it runs
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_sessions_linked_here_are_pulled_by_mains_store_and_back(tmp_path: Path) -> None:
    old = main_store(tmp_path)
    _, alice, bob = make_two_clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Shared", "-o", "Ship")
    a = commit(alice, "a")
    ok(alice, "hook", "drain")
    b = commit(alice, "b")
    ok(alice, "hook", "drain")
    ok(alice, "push")
    ref = SessionRef.of(the_ref(alice))
    # bob runs main's git-session: its pull checks the state against the operations
    git(bob, "fetch", "-q", "origin", f"{ref}:refs/fetched/session")
    theirs = ObjectId(head(bob, "refs/fetched/session"))
    repo = Repo.discover(str(bob))
    assert old.Store(repo).merge(ref, theirs).outcome == "created"
    elsewhere = "e" * 40
    draft = old.Draft.add("commit", {"text": "bob's", "commit": elsewhere, "covers": 0, "branch": "main"})
    old.Store(repo).append(ref, lambda handle, meta: [draft], repo.ident(), "a commit elsewhere")
    git(bob, "push", "-q", "origin", f"{ref}:{ref}")
    # and alice, with this version, takes bob's history and keeps linking
    the_index(alice)
    ok(alice, "pull")
    assert head(alice, str(ref)) == head(bob, str(ref))
    assert index_lines(alice) == stored_lines(alice)
    assert sorted(commit for commit, _ in index_lines(alice)) == sorted([a, b, elsewhere])
    requeue(alice, b)
    c = commit(alice, "c")
    ok(alice, "hook", "drain")
    assert linked(alice) == [(a, "add a"), (b, "add b"), (elsewhere, "bob's"), (c, "add c")]
    assert len(commit_entries(alice)) == 4
    # bob's store takes alice's new link as a fast-forward
    ok(alice, "push")
    git(bob, "fetch", "-q", "origin", f"+{ref}:refs/fetched/session")
    assert old.Store(repo).merge(ref, ObjectId(head(bob, "refs/fetched/session"))).outcome == "fast-forward"


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
