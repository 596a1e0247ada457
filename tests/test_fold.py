"""Property tests: the state is a pure function of the set of operations (SPEC §3).

The pure layer (``fold``, ``apply``) is checked on random journals, including the
orders a merge applies operations in; the store is checked against the fold after
random appends and after merging random divergent histories.
"""

from __future__ import annotations

import functools
import random
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_session import codec, model
from git_session.fold import EMPTY_META, apply, fold, target_entry
from git_session.gitrepo import Ident, Repo
from git_session.model import (
    ENTRY_STATUSES,
    SESSION_STATUSES,
    Entry,
    EntryKind,
    FieldValue,
    Meta,
    Op,
    OpData,
    SessionState,
)
from git_session.names import BranchName, ObjectId, SessionRef, Ulid
from git_session.store import Draft, Handle, Store

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
AUTHORS = ("Ann <ann@example.com>", "Bob <bob@example.com>", "Cy <cy@example.com>")
KINDS: tuple[EntryKind, ...] = ("objective", "blocker", "next", "note", "decision")
SESSION_FIELDS = ("tldr", "current", "title", "status")
VALUES = ("alpha", "beta", "gamma")
PURE = settings(derandomize=True, database=None, max_examples=200, deadline=None)
STORE = settings(
    derandomize=True,
    database=None,
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

op_ids = st.text(ALPHABET, min_size=26, max_size=26)


def session_value(field: str, index: int) -> str:
    return SESSION_STATUSES[index % len(SESSION_STATUSES)] if field == "status" else VALUES[index % len(VALUES)]


# --- random journals ------------------------------------------------------------------


@st.composite
def journals(draw: st.DrawFn) -> list[Op]:
    """A create and then adds, entry updates and field sets, as several writers that
    sync now and then would make them: clocks tie and interleave, but an update always
    comes after (has a higher clock than) the add of its entry."""
    size = draw(st.integers(0, 30))
    ids = draw(st.lists(op_ids, min_size=size + 1, max_size=size + 1, unique=True))

    def op(index: int, clock: int, action: model.Action, data: OpData, minor: bool = False) -> Op:
        return Op(
            id=ids[index],
            clock=clock,
            at=1_700_000_000 + draw(st.integers(0, 50)),
            tz=draw(st.sampled_from(("+0000", "+0200", "-0530"))),
            author=draw(st.sampled_from(AUTHORS)),
            action=action,
            data=data,
            agent=draw(st.sampled_from((None, "claude-code"))),
            minor=minor,
        )

    ops = [op(0, 1, "create", OpData(fields={"title": "Work", "status": "active", "branch": "main"}))]
    with_status: list[Op] = []
    for index in range(1, size + 1):
        action = draw(st.sampled_from(("add", "update", "set") if with_status else ("add", "set")))
        if action == "add":
            kind = draw(st.sampled_from(KINDS))
            fields: dict[str, FieldValue] = {"text": draw(st.sampled_from(VALUES))}
            if kind in ENTRY_STATUSES:
                fields["status"] = ENTRY_STATUSES[kind][0]
            added = op(index, draw(st.integers(2, 10)), "add", OpData(kind=kind, fields=fields))
            ops.append(added)
            if kind in ENTRY_STATUSES:
                with_status.append(added)
        elif action == "update":
            target = draw(st.sampled_from(with_status))
            kind = target.data["kind"]
            fields = {"status": draw(st.sampled_from(ENTRY_STATUSES[kind]))}
            if draw(st.booleans()):
                fields["text"] = draw(st.sampled_from(VALUES))
            clock = target.clock + draw(st.integers(1, 6))
            ops.append(op(index, clock, "update", OpData(kind=kind, entry=target.id, fields=fields)))
        else:
            names = draw(st.lists(st.sampled_from(SESSION_FIELDS), min_size=1, max_size=3, unique=True))
            fields = {name: session_value(name, draw(st.integers(0, 5))) for name in names}
            ops.append(op(index, draw(st.integers(2, 12)), "set", OpData(fields=fields), minor=draw(st.booleans())))
    return ops


def causal_order(ops: Sequence[Op], permutation: Sequence[int]) -> list[Op]:
    """``ops`` in the order of ``permutation``, except that an update waits for the add of
    its entry: an order in which a merge may apply them."""
    emitted: set[str] = set()
    waiting: dict[str, list[Op]] = {}
    order: list[Op] = []

    def emit(op: Op) -> None:
        order.append(op)
        emitted.add(op.id)
        for later in waiting.pop(op.id, []):
            emit(later)

    for index in permutation:
        op = ops[index]
        if op.action == "update" and op.data["entry"] not in emitted:
            waiting.setdefault(op.data["entry"], []).append(op)
        else:
            emit(op)
    assert not waiting and len(order) == len(ops)
    return order


def replay(ops: Iterable[Op]) -> tuple[Meta, dict[str, Entry]]:
    """``apply`` each operation in the order given, as the store's merge does."""
    meta = EMPTY_META
    entries: dict[str, Entry] = {}
    for op in ops:
        target = target_entry(op)
        meta, entry = apply(meta, entries.get(target) if target else None, op)
        if target and entry is not None:
            entries[target] = entry
    return meta, entries


def canonical(state: SessionState) -> tuple[Meta, dict[str, Entry]]:
    entries = {entry.id: entry for entry in state.entries}
    assert len(entries) == len(state.entries)
    return state.meta, entries


def recount(entries: Iterable[Entry]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {}
    for entry in entries:
        counts.setdefault(entry.kind, Counter())[entry.status or "all"] += 1
    return {kind: dict(by_status) for kind, by_status in counts.items()}


def last_writer(ops: Iterable[Op], field: str) -> Any:
    setting = [op for op in ops if field in op.data.get("fields", {})]
    return max(setting, key=lambda op: op.stamp).data["fields"][field] if setting else None


# --- the pure layer -------------------------------------------------------------------


@pytest.mark.slow
@PURE
@given(journals(), st.randoms(use_true_random=False))
def test_state_does_not_depend_on_the_order_ops_are_applied_in(ops: list[Op], rng: random.Random) -> None:
    expected = fold(ops)
    shuffled = ops[:]
    rng.shuffle(shuffled)
    assert fold(shuffled) == expected
    for _ in range(3):
        permutation = list(range(len(ops)))
        rng.shuffle(permutation)
        assert replay(causal_order(ops, permutation)) == canonical(expected)


@pytest.mark.slow
@PURE
@given(journals(), st.randoms(use_true_random=False))
def test_applying_an_op_twice_changes_nothing(ops: list[Op], rng: random.Random) -> None:
    expected = fold(ops)
    assert fold(ops + ops) == expected
    # Again, later, in between other operations: as when two histories both carry it.
    order = causal_order(ops, rng.sample(range(len(ops)), len(ops)))
    with_repeats = order[:]
    for op in rng.sample(order, rng.randint(1, len(order))):
        position = rng.randint(with_repeats.index(op) + 1, len(with_repeats))
        with_repeats.insert(position, op)
    assert replay(with_repeats) == canonical(expected)
    # And once more on top of the final state, one by one.
    entries = {entry.id: entry for entry in expected.entries}
    for op in ops:
        target = target_entry(op)
        before = entries.get(target) if target else None
        assert apply(expected.meta, before, op) == (expected.meta, before)


@pytest.mark.slow
@PURE
@given(journals())
def test_meta_agrees_with_the_entries_and_the_last_writers(ops: list[Op]) -> None:
    state = fold(ops)
    meta = state.meta
    assert meta.counts == recount(state.entries)
    for kind in KINDS:
        assert meta.count(kind) == len(state.of_kind(kind))
    assert meta.id == ops[0].id
    assert meta.created == ops[0].at
    assert meta.clock == max(op.clock for op in ops)
    assert meta.updated == max(op.at for op in ops if not op.minor)
    assert meta.authors == tuple(sorted({op.author for op in ops}))
    # Every field, of the session and of each entry: last by (clock, op id).
    for name in SESSION_FIELDS:
        assert meta.get(name) == last_writer((op for op in ops if op.action in ("create", "set")), name)
    for entry in state.entries:
        touching = [op for op in ops if target_entry(op) == entry.id]
        assert entry.status == last_writer(touching, "status")
        assert entry.text == last_writer(touching, "text")
    assert {entry.id for entry in state.entries} == {op.id for op in ops if op.action == "add"}


@pytest.mark.slow
@PURE
@given(journals())
def test_ops_and_state_survive_their_encoding(ops: list[Op]) -> None:
    message = codec.encode_commit_message("subject", ops)
    assert codec.decode_commit_message(message, "test") == ops
    state = fold(ops)
    assert codec.meta_from_bytes(codec.meta_to_bytes(state.meta), "test") == state.meta
    for entry in state.entries:
        assert codec.entry_from_bytes(codec.entry_to_bytes(entry), "test") == entry


# --- the store ------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """What a command does to a session, named independently of the ids it gets."""

    verb: str  # add, update, set, or batch: a set and an add in one commit
    kind: EntryKind
    pick: int
    value: int


actions = st.builds(
    Action,
    verb=st.sampled_from(("add", "add", "update", "set", "batch")),
    kind=st.sampled_from(KINDS),
    pick=st.integers(0, 20),
    value=st.integers(0, 5),
)


class Writer:
    """Appends to a session in a scratch repository through ``Store`` alone."""

    def __init__(self, path: str, rng: random.Random) -> None:
        subprocess.run(["git", "init", "-q", "--bare", path], check=True)
        self.store = Store(Repo.discover(path))
        self.rng = rng
        self.time = 1_700_000_000
        self.made = 0

    def ident(self) -> Ident:
        self.time += self.rng.randint(0, 100)
        return Ident("A U Thor", "author@example.com", self.time, "+0000")

    def new_id(self) -> Ulid:
        # Random order (which decides ties of clocks), unique by the counter at the end.
        self.made += 1
        return Ulid("".join(self.rng.choice(ALPHABET) for _ in range(20)) + f"{self.made:06d}")

    def create(self) -> SessionRef:
        fields = {"title": "Work", "status": "active", "branch": "main"}
        drafts = [Draft.create(fields, id=self.new_id())]
        return self.store.create(BranchName("main"), drafts, self.ident(), "start").ref

    def run(self, ref: SessionRef, steps: Iterable[Action]) -> ObjectId:
        for step in steps:
            self.store.append(ref, functools.partial(self.drafts, step=step), self.ident(), step.verb)
        return self.tip(ref)

    def drafts(self, handle: Handle, meta: Meta, step: Action) -> list[Draft]:
        value = VALUES[step.value % len(VALUES)]
        with_status = sorted(
            (kind, entry_id) for kind in ENTRY_STATUSES for entry_id in self.store.entry_ids(handle, kind)
        )
        if step.verb == "batch":
            return [
                *self.drafts(handle, meta, Action("set", step.kind, step.pick, step.value)),
                *self.drafts(handle, meta, Action("add", step.kind, step.pick, step.value)),
            ]
        if step.verb == "update" and with_status:
            kind, entry_id = with_status[step.pick % len(with_status)]
            status = ENTRY_STATUSES[kind][step.value % len(ENTRY_STATUSES[kind])]
            return [Draft.update(kind, entry_id, {"status": status}, id=self.new_id())]
        if step.verb == "set":
            name = SESSION_FIELDS[step.pick % len(SESSION_FIELDS)]
            fields = {name: session_value(name, step.value)}
            return [Draft.set(fields, minor=step.pick % 3 == 0, id=self.new_id())]
        fields = {"text": value, **({"status": "open"} if step.kind in ENTRY_STATUSES else {})}
        return [Draft.add(step.kind, fields, id=self.new_id())]

    def tip(self, ref: SessionRef) -> ObjectId:
        target = self.store.repo.ref_target(ref)
        assert target is not None
        return target

    def move(self, ref: SessionRef, new: ObjectId) -> None:
        assert self.store.repo.cas_ref(ref, new, self.tip(ref), "test: move")

    def journal_ops(self, ref: SessionRef, tip: ObjectId) -> list[Op]:
        return [item.op for item in self.store.journal(Handle(ref, tip))]

    def state(self, ref: SessionRef, tip: ObjectId) -> SessionState:
        return self.store.state(Handle(ref, tip))

    def tree(self, commit: ObjectId) -> ObjectId:
        return self.store.repo.commit(commit).tree


def assert_same_state(stored: SessionState, folded: SessionState) -> None:
    # Compare through the encoding too: the tree holds bytes, and equal states must
    # serialize to equal bytes for two clones to make the same commits.
    assert stored == folded
    assert codec.meta_to_bytes(stored.meta) == codec.meta_to_bytes(folded.meta)
    assert [codec.entry_to_bytes(e) for e in stored.entries] == [codec.entry_to_bytes(e) for e in folded.entries]


def op_count(steps: Iterable[Action]) -> int:
    return sum(2 if step.verb == "batch" else 1 for step in steps)


def union(*journals: list[Op]) -> list[Op]:
    by_id = {op.id: op for journal in journals for op in journal}
    return list(by_id.values())


@pytest.mark.slow
@STORE
@given(st.lists(actions, max_size=25), st.randoms(use_true_random=False))
def test_stored_state_is_the_fold_of_the_journal(steps: list[Action], rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as path:
        writer = Writer(path, rng)
        ref = writer.create()
        tip = writer.run(ref, steps)
        ops = writer.journal_ops(ref, tip)
        assert len(ops) == 1 + op_count(steps)
        assert [op.clock for op in ops] == list(range(1, len(ops) + 1))
        assert_same_state(writer.state(ref, tip), fold(ops))


@pytest.mark.slow
@STORE
@given(
    st.lists(actions, max_size=8),
    st.lists(actions, max_size=10),
    st.lists(actions, max_size=10),
    st.randoms(use_true_random=False),
)
def test_merging_divergent_histories_is_the_fold_of_their_union(
    base: list[Action], ours: list[Action], theirs: list[Action], rng: random.Random
) -> None:
    with tempfile.TemporaryDirectory() as path:
        writer = Writer(path, rng)
        ref = writer.create()
        base_tip = writer.run(ref, base)
        tip_a = writer.run(ref, ours)
        writer.move(ref, base_tip)
        tip_b = writer.run(ref, theirs)
        writer.move(ref, tip_a)
        expected = fold(union(writer.journal_ops(ref, tip_a), writer.journal_ops(ref, tip_b)))

        result = writer.store.merge(ref, tip_b)

        assert result.outcome == ("up-to-date" if not theirs else "fast-forward" if not ours else "merged")
        assert writer.tip(ref) == result.tip
        merged_ops = writer.journal_ops(ref, result.tip)
        assert len(merged_ops) == len({op.id for op in merged_ops}) == 1 + op_count(base + ours + theirs)
        assert_same_state(writer.state(ref, result.tip), expected)

        # The other way round makes the same commit.
        writer.move(ref, tip_b)
        reverse = writer.store.merge(ref, tip_a)
        assert writer.tree(reverse.tip) == writer.tree(result.tip)
        if ours and theirs:
            assert reverse == result

        # And the merged session goes on: a new write sees every clock.
        after = writer.run(ref, [Action("add", "note", 0, 0)])
        ops = writer.journal_ops(ref, after)
        assert ops[-1].clock == max(op.clock for op in ops[:-1]) + 1
        assert_same_state(writer.state(ref, after), fold(ops))
