"""Review of pull16: the compiled checks (``codec._valid_meta``, ``codec._valid_op``) never
accept what the full checks refuse, for any JSON value put anywhere in a session's fields or an
operation (not only the values of a fixed pool); and ``fold.apply``, now one ``replace`` per
step, never shares a container with an earlier state or with the operation it applies, so a
later step cannot change either."""

from __future__ import annotations

import copy
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from git_session import codec
from git_session.errors import DataError
from git_session.fold import EMPTY_META, apply, target_entry
from git_session.model import Action, Entry, Meta, Op, OpData
from tests.test_i14_pull_codec import ID, META, OP, WHERE

CHECKS = settings(derandomize=True, database=None, max_examples=300, deadline=None)

OPERATIONS: list[dict[str, Any]] = [
    {
        "v": 1,
        "id": OP,
        "clock": 3,
        "at": 1_700_000_000,
        "tz": "-0130",
        "author": "Ann",
        "agent": "claude",
        "action": "add",
        "data": {"kind": "objective", "fields": {"text": "ship it", "status": "open", "priority": "high"}},
        "minor": False,
    },
    {
        "v": 1,
        "id": OP,
        "clock": 3,
        "at": 1,
        "tz": "+0000",
        "author": "Ann",
        "agent": None,
        "action": "update",
        "data": {"kind": "next", "entry": ID, "fields": {"status": "done", "priority": "low"}},
    },
    {"v": 1, "id": OP, "clock": 1, "at": 1, "tz": "+0000", "author": "A", "action": "set", "data": {"fields": {}}},
    {
        "v": 1,
        "id": OP,
        "clock": 1,
        "at": 1,
        "tz": "+0000",
        "author": "A",
        "action": "create",
        "data": {"fields": {"status": "paused", "title": "x", "tasks": ["a"]}},
    },
]

# Values near every rule's edge: bool for int, floats (NaN and infinities among them), ints past
# each bound, look-alike digits and letters, ids and time zones with a line end, nested values.
EDGES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    2,
    -1,
    2**31,
    2**31 + 1,
    -(2**31) - 1,
    2**53,
    2**53 + 1,
    253402214401,
    10**30,
    1.0,
    -0.0,
    float("nan"),
    float("inf"),
    "",
    "a",
    "\n",
    "x" * 1025,
    "١",
    "\u2028",
    ID,
    ID.upper(),
    ID + "\n",
    "+0000",
    "+0000\n",
    "+٠٠٠٠",
    [],
    [1, OP],
    [True, OP],
    [1.0, OP],
    [1, OP, 1],
    ["a", None],
    {},
    {"all": True},
    "active",
    "open",
    "resolved",
    "urgent",
    "high",
    "add",
    "update",
    "objective",
    "note",
]
KEYS = ["v", "id", "status", "priority", "text", "kind", "entry", "fields", "all", "Title", "é", "x", "minor", "agent"]
json_values = st.sampled_from(EDGES) | st.recursive(
    st.sampled_from(EDGES) | st.integers() | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


def paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def broken(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """``base`` with one to three places changed: a value replaced, a key removed, a key added."""
    obj: Any = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(obj)))
        if not path:
            continue
        parent = obj
        for key in path[:-1]:
            parent = parent[key]
        how = draw(st.sampled_from(("replace", "remove", "add")))
        if how == "replace" or not isinstance(parent, dict):
            parent[path[-1]] = copy.deepcopy(draw(json_values))
        elif how == "remove":
            del parent[path[-1]]
        else:
            parent[draw(st.sampled_from(KEYS))] = copy.deepcopy(draw(json_values))
    return obj


def outcome(read: Any) -> Any:
    try:
        return read()
    except DataError as exc:
        return ("refused", exc.message)


def as_stored(obj: Any) -> Any:
    """What reading ``obj`` back from its JSON gives (``None``: JSON cannot hold it)."""
    try:
        return codec.loads(codec.dumps(obj))
    except (ValueError, TypeError):
        return None


@pytest.mark.slow
@CHECKS
@given(broken(META))
def test_the_compiled_fields_check_accepts_nothing_the_full_one_refuses(obj: Any) -> None:
    raw = as_stored(obj)
    if raw is None:
        return
    full = outcome(lambda: codec._checked_meta(copy.deepcopy(raw), WHERE))
    compiled = codec._valid_meta(copy.deepcopy(raw))
    assert compiled is None or repr(compiled) == repr(full), obj  # repr: NaN is not equal to itself
    assert repr(outcome(lambda: codec.meta_from_bytes(codec.dumps(obj).encode(), WHERE))) == repr(full)


@pytest.mark.slow
@CHECKS
@given(st.sampled_from(OPERATIONS).flatmap(broken))
def test_the_compiled_operation_check_accepts_nothing_the_full_one_refuses(obj: Any) -> None:
    raw = as_stored(obj)
    if raw is None:
        return
    full = outcome(lambda: codec._checked_op(copy.deepcopy(raw), WHERE))
    compiled = codec._valid_op(copy.deepcopy(raw))
    assert compiled is None or repr(compiled) == repr(full), obj
    assert repr(outcome(lambda: codec.op_from_json(raw, WHERE))) == repr(full)


def one_change_each(base: dict[str, Any]) -> list[Any]:
    """``base`` with each of its places (keys of nested objects too) given each edge value,
    taken out, or given a sibling key with each edge value."""
    found: list[Any] = []
    for path in paths(base)[1:]:
        for value in [*EDGES, ...]:
            obj: Any = copy.deepcopy(base)
            parent = obj
            for key in path[:-1]:
                parent = parent[key]
            if value is ...:
                if isinstance(parent, dict):
                    del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(value)
            found.append(obj)
            if isinstance(parent, dict) and value is not ...:
                for key in KEYS:
                    sibling = copy.deepcopy(obj)
                    where = sibling
                    for step in path[:-1]:
                        where = where[step]
                    where[key] = copy.deepcopy(value)
                    found.append(sibling)
    return found


@pytest.mark.slow
def test_every_single_change_gets_the_same_outcome_from_both_checks() -> None:
    for obj in one_change_each(META):
        raw = as_stored(obj)
        if raw is not None:
            full = outcome(lambda: codec._checked_meta(copy.deepcopy(raw), WHERE))  # noqa: B023
            compiled = codec._valid_meta(copy.deepcopy(raw))
            assert compiled is None or repr(compiled) == repr(full), obj
    for base in OPERATIONS:
        for obj in one_change_each(base):
            raw = as_stored(obj)
            if raw is not None:
                full = outcome(lambda: codec._checked_op(copy.deepcopy(raw), WHERE))  # noqa: B023
                read = codec._valid_op(copy.deepcopy(raw))
                assert read is None or repr(read) == repr(full), obj


def test_a_later_step_changes_no_earlier_state_and_no_operation() -> None:
    entry_id = "01hzzzzzzzzzzzzzzzzzzzzzz1"

    def op(n: int, action: Action, data: dict[str, Any], minor: bool = False) -> Op:
        return Op(
            f"01hzzzzzzzzzzzzzzzzzzzzz{n:02d}",
            n,
            1000 + n,
            "+0000",
            f"A{n % 2}",
            action,
            cast(OpData, data),
            None,
            minor,
        )

    ops = [
        op(1, "create", {"fields": {"title": "t", "status": "active"}}),
        Op(entry_id, 2, 1002, "+0000", "A0", "add", OpData(kind="objective", fields={"text": "o", "status": "open"})),
        op(3, "set", {"fields": {"title": "u"}}, minor=True),
        op(4, "update", {"kind": "objective", "entry": entry_id, "fields": {"status": "done", "text": "p"}}),
        op(5, "add", {"kind": "checkpoint", "fields": {"text": "c", "compaction": 1}}),
        op(6, "update", {"kind": "objective", "entry": entry_id, "fields": {"status": "open"}}),
        op(7, "set", {"fields": {"status": "paused", "tasks": ["a"]}}),
    ]
    ops_before = copy.deepcopy(ops)
    empty_before = copy.deepcopy(EMPTY_META)
    meta: Meta = EMPTY_META
    entries: dict[str, Entry] = {}
    seen: list[tuple[object, object]] = []
    for one in ops:
        target = target_entry(one)
        given_entry = entries.get(target) if target else None
        seen.append(((meta, given_entry), copy.deepcopy((meta, given_entry))))
        meta, after = apply(meta, given_entry, one)
        seen.append(((meta, after), copy.deepcopy((meta, after))))
        if target and after is not None:
            entries[target] = after
    assert meta.counts == {"checkpoint": {"all": 1}, "compaction": {"all": 1}, "objective": {"open": 1}}
    assert meta.values == {"title": "u", "status": "paused", "tasks": ["a"]}
    assert meta.updated == 1007 and meta.clock == 7
    for state, snapshot in seen:
        assert state == snapshot
    assert ops == ops_before
    assert empty_before == EMPTY_META
