"""The compiled checks of a session's fields (``codec._valid_meta``) and of an operation
(``codec._valid_op``), which a pull runs for every commit and state it validates, accept
exactly what the full checks (``_checked_meta``, ``_checked_op``: the rules they were always
read by) accept, and build the same value: every rule, broken alone, is refused by both with
the full check's message, and random mixes get the same outcome from both."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from git_session import codec
from git_session.errors import DataError

ID = "01hzzzzzzzzzzzzzzzzzzzzzzz"
OP = "01hzzzzzzzzzzzzzzzzzzzzzz0"
WHERE = "session s"
MAX_TIME = 253402214400
MAX_CLOCK = 2**53
LIMIT = 2**31

META: dict[str, Any] = {
    "v": 1,
    "id": ID,
    "created": 1_700_000_000,
    "tz": "+0100",
    "updated": 1_700_000_100,
    "clock": 7,
    "values": {"title": "t", "status": "active", "tasks": ["A-1"], "n": None, "flag": True},
    "stamps": {"title": [1, ID], "status": [7, OP]},
    "authors": ["Ann <ann@example.com>"],
    "counts": {"objective": {"open": 2, "done": 1}, "note": {"all": 3}},
}

OPERATION: dict[str, Any] = {
    "v": 1,
    "id": OP,
    "clock": 3,
    "at": 1_700_000_000,
    "tz": "-0130",
    "author": "Ann <ann@example.com>",
    "agent": "claude",
    "action": "add",
    "data": {"kind": "objective", "fields": {"text": "ship it", "status": "open", "priority": "high"}},
    "minor": False,
}


def changed(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """``base`` with the value at ``path`` replaced (``...``: the key removed)."""
    obj = copy.deepcopy(base)
    where = obj
    for key in path[:-1]:
        where = where[key]
    if value is ...:
        del where[path[-1]]
    else:
        where[path[-1]] = value
    return obj


def meta(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    return changed(META, path, value)


def op(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    return changed(OPERATION, path, value)


def outcome(read: Any) -> Any:
    try:
        return read()
    except DataError as exc:
        return ("refused", exc.message)


BROKEN_META: list[tuple[Any, str]] = [
    ([META], "expected an object"),
    (meta(("v",), ...), "missing or invalid format version"),
    (meta(("v",), True), "missing or invalid format version"),
    (meta(("v",), 2), "written in format version 2; this git-session reads up to version 1"),
    (meta(("id",), ID.upper()), f"id: malformed value {ID.upper()!r}"),
    (meta(("id",), ...), "id: malformed value None"),
    (meta(("created",), -1), f"created: expected an integer in [0, {MAX_TIME}]"),
    (meta(("created",), True), f"created: expected an integer in [0, {MAX_TIME}]"),
    (meta(("tz",), "+01:00"), "tz: malformed value '+01:00'"),
    (meta(("updated",), MAX_TIME + 1), f"updated: expected an integer in [0, {MAX_TIME}]"),
    (meta(("updated",), 1.0), f"updated: expected an integer in [0, {MAX_TIME}]"),
    (meta(("clock",), -1), f"clock: expected an integer in [0, {MAX_CLOCK}]"),
    (meta(("clock",), MAX_CLOCK + 1), f"clock: expected an integer in [0, {MAX_CLOCK}]"),
    (meta(("values",), ...), "values: expected an object"),
    (meta(("values", "Title"), "x"), "values: field name: malformed value 'Title'"),
    (meta(("values", "title"), 1.5), "values: title: expected a list of at most 1000 texts"),
    (meta(("values", "tasks"), ["a", 1]), "values: tasks: expected a list of texts"),
    (meta(("values", "title"), "x" * (codec.MAX_TEXT + 1)), "values: title: text longer than 1048576 characters"),
    (meta(("stamps",), [1]), "stamps: expected an object"),
    (meta(("stamps", "title"), [1]), "stamps: malformed stamp for 'title'"),
    (meta(("stamps", "title"), [-1, ID]), f"stamps: expected an integer in [0, {MAX_CLOCK}]"),
    (meta(("stamps", "title"), [1, "x"]), "stamps: malformed value 'x'"),
    (meta(("authors",), "Ann"), "authors: expected a list of at most 1000 texts"),
    (meta(("authors",), ["a"] * 1001), "authors: expected a list of at most 1000 texts"),
    (meta(("authors",), ["a", None]), "authors: expected a list of texts"),
    (meta(("counts",), []), "counts: expected an object"),
    (meta(("counts",), None), "counts: expected an object"),
    (meta(("counts", "note"), 3), "counts: expected an object"),
    (meta(("counts", "note", "all"), LIMIT + 1), f"counts: expected an integer in [{-LIMIT}, {LIMIT}]"),
    (meta(("counts", "note", "all"), True), f"counts: expected an integer in [{-LIMIT}, {LIMIT}]"),
    (meta(("counts", "note", "all"), "3"), f"counts: expected an integer in [{-LIMIT}, {LIMIT}]"),
]

BROKEN_OPS: list[tuple[Any, str]] = [
    ("op", "expected an object"),
    (op(("v",), 0), "missing or invalid format version"),
    (op(("v",), 2), "written in format version 2; this git-session reads up to version 1"),
    (op(("id",), 5), "id: malformed value 5"),
    (op(("clock",), 0), f"clock: expected an integer in [1, {MAX_CLOCK}]"),
    (op(("clock",), MAX_CLOCK + 1), f"clock: expected an integer in [1, {MAX_CLOCK}]"),
    (op(("clock",), False), f"clock: expected an integer in [1, {MAX_CLOCK}]"),
    (op(("at",), -1), f"at: expected an integer in [0, {MAX_TIME}]"),
    (op(("tz",), None), "tz: malformed value None"),
    (op(("author",), "a\nb"), "author: expected one line of text"),
    (op(("author",), ...), "author: expected one line of text"),
    (op(("agent",), "x" * 1025), "agent: expected one line of text"),
    (op(("agent",), 1), "agent: expected one line of text"),
    (op(("action",), "delete"), "action: unknown value 'delete'"),
    (op(("action",), ["add"]), "action: unknown value ['add']"),
    (op(("data",), ...), "data: expected an object"),
    (op(("data",), []), "data: expected an object"),
    (op(("data", "fields"), ...), "fields: expected an object"),
    (op(("data", "fields", "Text"), "x"), "fields: field name: malformed value 'Text'"),
    (op(("data", "fields", "text"), 2.5), "fields: text: expected a list of at most 1000 texts"),
    (op(("data", "fields", "text"), ...), "an added entry has no text"),
    (op(("data", "fields", "text"), ["x"]), "an added entry has no text"),
    (op(("data", "kind"), "bogus"), "kind: unknown value 'bogus'"),
    (op(("data", "kind"), {"k": 1}), "kind: unknown value {'k': 1}"),
    (op(("data", "fields", "status"), "resolved"), "status: unknown value 'resolved'"),
    (op(("data", "fields", "status"), ["open"]), "status: unknown value ['open']"),
    (op(("data", "fields", "priority"), "urgent"), "priority: unknown value 'urgent'"),
    (op(("data", "kind"), "note"), "status: unknown value 'open'"),  # a note has no status
    ({**OPERATION, "action": "update", "data": {"kind": "objective", "fields": {}}}, "entry: malformed value None"),
    ({**OPERATION, "action": "set", "data": {"fields": {"colour": "red"}}}, "session field: unknown value 'colour'"),
    ({**OPERATION, "action": "set", "data": {"fields": {"status": "open"}}}, "status: unknown value 'open'"),
    ({**OPERATION, "action": "set", "data": {"fields": {"status": None}}}, "status: unknown value None"),
    ({**OPERATION, "action": "create", "data": {"fields": {"text": "x"}}}, "session field: unknown value 'text'"),
]


@pytest.mark.parametrize(("obj", "message"), BROKEN_META, ids=[f"meta{n}" for n in range(len(BROKEN_META))])
def test_each_rule_of_a_sessions_fields_is_refused_by_both_checks(obj: Any, message: str) -> None:
    assert codec._valid_meta(obj) is None
    with pytest.raises(DataError) as refused:
        codec.meta_from_bytes(codec.dumps(obj).encode(), WHERE)
    assert refused.value.message == f"{WHERE}: {message}"


@pytest.mark.parametrize(("obj", "message"), BROKEN_OPS, ids=[f"op{n}" for n in range(len(BROKEN_OPS))])
def test_each_rule_of_an_operation_is_refused_by_both_checks(obj: Any, message: str) -> None:
    assert codec._valid_op(obj) is None
    with pytest.raises(DataError) as refused:
        codec.op_from_json(codec.loads(codec.dumps(obj)), WHERE)
    assert refused.value.message == f"{WHERE}: {message}"


ACCEPTED_META: list[dict[str, Any]] = [
    META,
    meta(("authors",), ...),
    meta(("counts",), ...),
    meta(("counts",), {}),
    meta(("counts", "note", "all"), -LIMIT),
    meta(("clock",), 0),
    meta(("stamps",), {}),
    meta(("values",), {"unknown_9": False}),
    {**META, "later": [1.5]},
]

ACCEPTED_OPS: list[dict[str, Any]] = [
    OPERATION,
    op(("agent",), ...),
    op(("minor",), True),
    op(("minor",), 1),  # only true is minor
    op(("clock",), MAX_CLOCK),
    op(("data", "fields", "extra_field"), ["a"]),
    op(("data", "unknown"), {"kept": 1}),
    op(("data", "kind"), "blocker") | {"data": {"kind": "blocker", "fields": {"text": "x", "status": "resolved"}}},
    {**OPERATION, "action": "update", "data": {"kind": "note", "entry": ID, "fields": {}}},
    {**OPERATION, "action": "set", "data": {"fields": {"status": "completed", "title": "t"}}},
    {**OPERATION, "action": "create", "data": {"fields": {}}},
]


@pytest.mark.parametrize("obj", ACCEPTED_META, ids=[f"meta{n}" for n in range(len(ACCEPTED_META))])
def test_fields_the_full_check_accepts_the_compiled_one_builds_the_same(obj: dict[str, Any]) -> None:
    compiled = codec._valid_meta(obj)
    assert compiled is not None and compiled == codec._checked_meta(obj, WHERE)
    assert codec.meta_from_bytes(codec.dumps(obj).encode(), WHERE) == compiled
    assert compiled.values is obj["values"]


@pytest.mark.parametrize("obj", ACCEPTED_OPS, ids=[f"op{n}" for n in range(len(ACCEPTED_OPS))])
def test_operations_the_full_check_accepts_the_compiled_one_builds_the_same(obj: dict[str, Any]) -> None:
    compiled = codec._valid_op(obj)
    assert compiled is not None and compiled == codec._checked_op(obj, WHERE)
    assert compiled.data is obj["data"]  # kept whole, unknown keys included


META_POOLS: dict[str, list[Any]] = {
    "v": [1, 0, 2, True, "1", ...],
    "id": [ID, OP, ID.upper(), 3, ...],
    "created": [0, MAX_TIME, MAX_TIME + 1, -1, True, 1.0, ...],
    "tz": ["+0000", "+000", None, ...],
    "updated": [5, MAX_TIME + 1, False, "5", ...],
    "clock": [0, MAX_CLOCK, MAX_CLOCK + 1, -1, None, ...],
    "values": [{}, {"title": "t"}, {"x": 1.0}, {"x": [1]}, {"X": 1}, [], ...],
    "stamps": [{}, {"a": [1, OP]}, {"a": [1]}, {"a": [1, "x"]}, {"a": [True, OP]}, [], ...],
    "authors": [[], ["a"], ["a", 1], "a", None, ...],
    "counts": [{}, {"k": {"s": 1}}, {"k": {"s": 1.0}}, {"k": {"s": LIMIT + 1}}, {"k": []}, [], None, ...],
}

OP_POOLS: dict[str, list[Any]] = {
    "v": [1, 0, 2, True, ...],
    "id": [OP, ID, OP.upper(), None, ...],
    "clock": [1, MAX_CLOCK, 0, MAX_CLOCK + 1, True, 1.0, ...],
    "at": [0, MAX_TIME, -1, MAX_TIME + 1, "0", ...],
    "tz": ["+0000", "0000", 0, ...],
    "author": ["a", "", "x" * 1025, "a\nb", None, ...],
    "agent": [None, "claude", "a\nb", 0, ...],
    "action": ["add", "update", "set", "create", "drop", None, ...],
    "data": [
        {"kind": "objective", "fields": {"text": "t"}},
        {"kind": "objective", "entry": ID, "fields": {"status": "done"}},
        {"fields": {"title": "t", "status": "paused"}},
        {"kind": "blocker", "fields": {"text": "t", "status": "open", "priority": "low"}},
        {"kind": "note", "fields": {"text": "t", "status": "open"}},
        {"kind": "next", "entry": "x", "fields": {"priority": "urgent"}},
        {"kind": "commit", "fields": {"text": 1}},
        {"fields": {"status": "open"}},
        {"fields": {"colour": "red"}},
        {"kind": "objective", "fields": []},
        [],
        ...,
    ],
    "minor": [False, True, 1, None, ...],
}


@pytest.mark.parametrize(("pools", "name"), [(META_POOLS, "meta"), (OP_POOLS, "op")])
def test_random_values_get_the_same_outcome_from_both_checks(pools: dict[str, list[Any]], name: str) -> None:
    draw = random.Random(14)
    for _ in range(4000):
        obj = {key: pool[0] if draw.random() < 0.85 else draw.choice(pool) for key, pool in pools.items()}
        obj = {key: copy.deepcopy(value) for key, value in obj.items() if value is not ...}
        raw = codec.loads(codec.dumps(obj))
        if name == "meta":
            full = outcome(lambda: codec._checked_meta(raw, WHERE))  # noqa: B023
            assert outcome(lambda: codec.meta_from_bytes(codec.dumps(obj).encode(), WHERE)) == full, obj  # noqa: B023
            compiled: object = codec._valid_meta(raw)
        else:
            full = outcome(lambda: codec._checked_op(raw, WHERE))  # noqa: B023
            assert outcome(lambda: codec.op_from_json(raw, WHERE)) == full, obj  # noqa: B023
            compiled = codec._valid_op(raw)
        assert compiled is None or compiled == full, obj
