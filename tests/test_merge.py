"""Two clones of one session merge as a union (SPEC §3): histories fetched with plain git."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pygit2
import pytest

from git_session import codec
from git_session.errors import DataError
from git_session.fold import fold
from git_session.gitrepo import Repo
from git_session.model import Op
from git_session.names import ObjectId, SessionRef
from git_session.store import Store, new_id
from tests.helpers import as_json, fsck, git, make_repo, ok


def store_of(repo: Path) -> Store:
    return Store(Repo.discover(str(repo)))


def session_ref(repo: Path) -> SessionRef:
    (handle,) = store_of(repo).handles()
    return handle.ref


def tip(repo: Path, ref: str) -> ObjectId:
    return ObjectId(git(repo, "rev-parse", "--verify", "-q", ref).strip())


def ref_exists(repo: Path, ref: str) -> bool:
    return git(repo, "for-each-ref", ref) != ""


def clones(tmp_path: Path, *, objective: bool = True) -> tuple[Path, Path, SessionRef]:
    """Clone A holds a session; clone B has it too, copied with a plain git fetch."""
    a = make_repo(tmp_path, "a")
    ok(a, "start", "Shared work", *(["-o", "Ship it"] if objective else []))
    b = tmp_path / "b"
    git(tmp_path, "clone", "-q", str(a), str(b))
    git(b, "fetch", "-q", "origin", "refs/sessions/*:refs/sessions/*")
    ref = session_ref(a)
    assert tip(b, ref) == tip(a, ref)
    return a, b, ref


def fetch_theirs(into: Path, other: Path, ref: SessionRef) -> ObjectId:
    """The other clone's tip of the session, fetched with plain git into refs/tmp/*."""
    git(into, "fetch", "-q", str(other), "+refs/sessions/*:refs/tmp/*")
    return tip(into, "refs/tmp/" + ref.removeprefix("refs/sessions/"))


def set_ops(store: Store, ref: SessionRef, field: str) -> list[Op]:
    journal = store.journal(store.handle(ref))
    return [item.op for item in journal if item.op.action == "set" and field in item.op.data["fields"]]


def test_diverged_histories_merge_as_a_union_the_same_way_in_both_clones(tmp_path: Path) -> None:
    a, b, ref = clones(tmp_path)
    (objective,) = as_json(a, "objective", "list")
    # B writes more before its summary, so B's summary has the higher clock although
    # A's is written later; both change the objective's status at the same clock.
    ok(b, "note", "b1")
    ok(b, "note", "b2")
    ok(b, "tldr", "B's summary")
    ok(b, "objective", "drop", objective["id"])
    ok(a, "tldr", "A's summary")
    ok(a, "note", "a1")
    ok(a, "note", "a2")
    ok(a, "objective", "done", objective["id"])
    ours_a, ours_b = tip(a, ref), tip(b, ref)
    theirs_in_a = fetch_theirs(a, b, ref)
    theirs_in_b = fetch_theirs(b, a, ref)
    assert (theirs_in_a, theirs_in_b) == (ours_b, ours_a)

    result = store_of(a).merge(ref, theirs_in_a)

    assert result.outcome == "merged"
    assert tip(a, ref) == result.tip
    assert git(a, "rev-parse", f"{result.tip}^@").split() == sorted([ours_a, ours_b])
    # Nothing of the moment of merging goes into it: its date is its parents' latest.
    assert git(a, "log", "-1", "--format=%ct", result.tip) == max(
        git(a, "log", "-1", "--format=%ct", parent) for parent in (ours_a, ours_b)
    )
    store = store_of(a)
    handle = store.handle(ref)
    state = store.state(handle)
    assert sorted(e.text for e in state.of_kind("note")) == ["a1", "a2", "b1", "b2"]
    assert [e.id for e in state.of_kind("objective")] == [objective["id"]]
    # The scalar field: last by (clock, op id); B's has the higher clock.
    (a_tldr,) = [op for op in set_ops(store_of(a), ref, "tldr") if op.data["fields"]["tldr"] == "A's summary"]
    (b_tldr,) = [op for op in set_ops(store_of(a), ref, "tldr") if op.data["fields"]["tldr"] == "B's summary"]
    assert b_tldr.clock > a_tldr.clock
    assert state.meta.get("tldr") == "B's summary"
    assert as_json(a, "status")["tldr"] == "B's summary"
    # The entry's status: equal clocks, so the op id decides.
    updates = [i.op for i in store.journal(handle) if i.op.action == "update"]
    assert len(updates) == 2 and updates[0].clock == updates[1].clock
    winner = max(updates, key=lambda op: op.stamp)
    assert state.of_kind("objective")[0].status == winner.data["fields"]["status"]
    assert state.meta.counts == {"note": {"all": 4}, "objective": {winner.data["fields"]["status"]: 1}}
    # The losers stay visible in the journal.
    journal_ops = [item.op for item in store.journal(handle)]
    assert a_tldr in journal_ops and b_tldr in journal_ops
    assert {op.data["fields"]["status"] for op in updates} == {"done", "dropped"}
    assert state == fold(journal_ops)

    # The other way round: the same tree, and in fact the same merge commit.
    reverse = store_of(b).merge(ref, theirs_in_b)
    assert reverse == result
    assert git(b, "rev-parse", f"{reverse.tip}^{{tree}}") == git(a, "rev-parse", f"{result.tip}^{{tree}}")
    assert store_of(b).state(store_of(b).handle(ref)) == state

    # Later writes are stamped after everything either side had seen.
    ok(a, "note", "after the merge")
    assert store_of(a).journal(store_of(a).handle(ref))[-1].op.clock == 7
    fsck(a)
    fsck(b)


def test_fast_forward_up_to_date_and_created(tmp_path: Path) -> None:
    a, b, ref = clones(tmp_path)
    base = tip(a, ref)

    assert store_of(a).merge(ref, base) == ("up-to-date", base)

    ok(b, "note", "only in B")
    theirs = fetch_theirs(a, b, ref)
    result = store_of(a).merge(ref, theirs)
    assert result == ("fast-forward", theirs)
    assert tip(a, ref) == theirs
    assert [n["text"] for n in as_json(a, "show", "--json")["notes"]] == ["only in B"]

    # An older tip of theirs is already contained: nothing moves.
    assert store_of(a).merge(ref, base) == ("up-to-date", theirs)
    assert tip(a, ref) == theirs

    # A clone without the session gets it as it is.
    c = tmp_path / "c"
    git(tmp_path, "clone", "-q", str(a), str(c))
    assert not ref_exists(c, ref)
    copied = fetch_theirs(c, a, ref)
    assert store_of(c).merge(ref, copied) == ("created", theirs)
    assert tip(c, ref) == theirs
    assert as_json(c, "show", "--json")["notes"][0]["text"] == "only in B"
    fsck(c)


# --- data the store must refuse -----------------------------------------------------------


def forge(
    repo: Path,
    parent: str,
    *,
    op_version: int = 1,
    meta_version: int = 1,
    line: str | None = None,
    action: str = "set",
) -> str:
    """A commit on top of ``parent`` as another writer might make it: setting the summary
    (by ``action``), with the given format versions in its operation and in its
    meta.json, or with ``line`` as its operation."""
    raw = pygit2.Repository(str(repo))
    parent_commit = raw[parent]
    assert isinstance(parent_commit, pygit2.Commit)
    meta: dict[str, Any] = json.loads(raw[parent_commit.tree["meta.json"].id].read_raw())
    op: dict[str, Any] = {
        "v": op_version,
        "id": str(new_id()),
        "clock": meta["clock"] + 1,
        "at": 1700000000,
        "tz": "+0000",
        "author": "Future Writer <future@example.com>",
        "agent": None,
        "action": action,
        "data": {"fields": {"tldr": "from the future"}},
        "minor": False,
    }
    if op_version > 1:
        op["data"]["fields"]["hologram"] = {"kind": "something new"}
    meta.update(v=meta_version, clock=op["clock"])
    meta["values"]["tldr"] = "from the future"
    meta["stamps"]["tldr"] = [op["clock"], op["id"]]
    builder = raw.TreeBuilder(parent_commit.tree)
    builder.insert("meta.json", raw.create_blob(codec.dumps(meta).encode()), pygit2.enums.FileMode.BLOB)
    signature = pygit2.Signature("Future Writer", "future@example.com", 1700000000, 0)
    message = f"tldr: from the future\n\n{line if line is not None else codec.dumps(op)}\n"
    return str(raw.create_commit(None, signature, signature, message, builder.write(), [parent_commit.id]))


BAD_COMMITS: dict[str, tuple[dict[str, Any], str]] = {
    "newer-format": ({"op_version": 2, "meta_version": 2}, "format version 2"),
    "malformed-json": ({"line": '{"v": 1, "id": "01hz'}, "not valid JSON"),
    "malformed-op": ({"line": '{"v": 1, "id": "01hz", "clock": [1, 2]}'}, "malformed value"),
    # Valid by itself, but a session is created once, by its first commit.
    "second-create": ({"action": "create"}, "creates the session a second time"),
}


@pytest.mark.parametrize("bad", sorted(BAD_COMMITS))
@pytest.mark.parametrize("shape", ["diverged", "fast-forward", "buried", "created"])
def test_invalid_history_is_refused_and_the_ref_left_alone(tmp_path: Path, bad: str, shape: str) -> None:
    a, b, ref = clones(tmp_path, objective=False)
    if shape == "diverged":
        ok(a, "note", "only in A")
    ok(b, "note", "only in B")
    changes, message = BAD_COMMITS[bad]
    their_tip = forge(b, tip(b, ref), **changes)
    if shape == "buried":  # a valid commit on top of the bad one
        their_tip = forge(b, their_tip, op_version=1, meta_version=1)
    git(b, "update-ref", ref, their_tip)
    target = a
    if shape == "created":
        target = tmp_path / "c"
        git(tmp_path, "clone", "-q", str(a), str(target))
    before = git(target, "for-each-ref", "refs/sessions/")
    theirs = fetch_theirs(target, b, ref)
    assert theirs == their_tip

    with pytest.raises(DataError, match=message):
        store_of(target).merge(ref, theirs)

    assert git(target, "for-each-ref", "refs/sessions/") == before
    if shape != "created":
        assert as_json(target, "show", "--json")["tldr"] == ""


def refuses_to_adopt(tmp_path: Path, shape: str, a: Path, b: Path, ref: SessionRef, message: str) -> None:
    """B's tip, fetched into A (fast-forward) or into a fresh clone of A (created), is
    refused with ``message`` and leaves the refs as they were."""
    target = a
    if shape == "created":
        target = tmp_path / "c"
        git(tmp_path, "clone", "-q", str(a), str(target))
    before = git(target, "for-each-ref", "refs/sessions/")
    theirs = fetch_theirs(target, b, ref)
    with pytest.raises(DataError, match=message):
        store_of(target).merge(ref, theirs)
    assert git(target, "for-each-ref", "refs/sessions/") == before


@pytest.mark.parametrize("shape", ["fast-forward", "created"])
def test_a_tip_whose_state_is_of_a_newer_format_is_not_adopted(tmp_path: Path, shape: str) -> None:
    """Valid operations, but a materialized state (meta.json) only a newer version reads."""
    a, b, ref = clones(tmp_path, objective=False)
    git(b, "update-ref", ref, forge(b, tip(b, ref), op_version=1, meta_version=2))
    refuses_to_adopt(tmp_path, shape, a, b, ref, "format version 2")


def test_a_tip_that_is_no_commit_is_refused(tmp_path: Path) -> None:
    a, _, ref = clones(tmp_path, objective=False)
    before = tip(a, ref)
    blob = git(a, "hash-object", "-w", "--stdin", input="not a commit\n").strip()
    tree = git(a, "rev-parse", f"{before}^{{tree}}").strip()
    for theirs in (blob, tree, "1234567890" * 4):
        with pytest.raises(DataError, match="not a commit"):
            store_of(a).merge(ref, ObjectId(theirs))
        assert tip(a, ref) == before


@pytest.mark.parametrize("shape", ["fast-forward", "created"])
def test_a_tip_whose_state_lies_about_its_operations_is_not_adopted(tmp_path: Path, shape: str) -> None:
    """Valid operations, but a tree that shows what no operation wrote."""
    a, b, ref = clones(tmp_path, objective=False)
    ok(b, "note", "a real note")
    real = tip(b, ref)
    meta = json.loads(git(b, "show", f"{real}:meta.json"))
    meta["values"]["title"] = "Forged title"
    blob = git(b, "hash-object", "-w", "--stdin", input=json.dumps(meta)).strip()
    listing = git(b, "ls-tree", real).replace(git(b, "rev-parse", f"{real}:meta.json").strip(), blob)
    tree = git(b, "mktree", input=listing).strip()
    message = git(b, "log", "-1", "--format=%B", real)
    git(b, "update-ref", ref, git(b, "commit-tree", tree, "-p", f"{real}^", "-m", message).strip())
    refuses_to_adopt(tmp_path, shape, a, b, ref, "its stored state does not match its operations")
