"""The compiled entry check (``codec._valid_entry``) accepts exactly what the full check
(``codec._checked_entry``, the rules entries were always read by) accepts, and builds the same
entry: every rule, broken alone, is refused by both, with the full check's message."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from git_session import codec
from git_session.errors import DataError

ID = "01hzzzzzzzzzzzzzzzzzzzzzzz"
OP = "01hzzzzzzzzzzzzzzzzzzzzzz0"
WHERE = "session s: entries/objective/01/hz/x.json"
MAX_TIME = 253402214400
MAX_CLOCK = 2**53

VALID: dict[str, Any] = {
    "v": 1,
    "id": ID,
    "kind": "objective",
    "created": 1_700_000_000,
    "tz": "+0100",
    "author": "Ann <ann@example.com>",
    "agent": "claude",
    "values": {"text": "ship it", "status": "done", "done": True, "count": 3, "tags": ["a", "b"], "gone": None},
    "stamps": {"text": [3, OP], "status": [9, ID]},
    "added": [3, OP],
}


def changed(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """VALID with the value at ``path`` replaced (``...``: the key removed)."""
    entry = copy.deepcopy(VALID)
    where = entry
    for key in path[:-1]:
        where = where[key]
    if value is ...:
        del where[path[-1]]
    else:
        where[path[-1]] = value
    return entry


def outcome(read: Any) -> Any:
    try:
        return read()
    except DataError as exc:
        return ("refused", exc.message)


# Each rule, broken alone, and what the full check says of it.
BROKEN: list[tuple[Any, str]] = [
    ([VALID], "expected an object"),
    ("entry", "expected an object"),
    (changed(("v",), ...), "missing or invalid format version"),
    (changed(("v",), 0), "missing or invalid format version"),
    (changed(("v",), True), "missing or invalid format version"),
    (changed(("v",), "1"), "missing or invalid format version"),
    (changed(("v",), 1.0), "missing or invalid format version"),
    (changed(("v",), 2), "written in format version 2; this git-session reads up to version 1"),
    (changed(("id",), ...), "id: malformed value None"),
    (changed(("id",), ID.upper()), f"id: malformed value {ID.upper()!r}"),
    (changed(("id",), ID[:-1]), f"id: malformed value {ID[:-1]!r}"),
    (changed(("id",), 7), "id: malformed value 7"),
    (changed(("kind",), "bogus"), "kind: unknown value 'bogus'"),
    (changed(("kind",), ["objective"]), "kind: unknown value ['objective']"),
    (changed(("kind",), None), "kind: unknown value None"),
    (changed(("created",), -1), f"created: expected an integer in [0, {MAX_TIME}]"),
    (changed(("created",), MAX_TIME + 1), f"created: expected an integer in [0, {MAX_TIME}]"),
    (changed(("created",), True), f"created: expected an integer in [0, {MAX_TIME}]"),
    (changed(("created",), 1.5), f"created: expected an integer in [0, {MAX_TIME}]"),
    (changed(("created",), "1"), f"created: expected an integer in [0, {MAX_TIME}]"),
    (changed(("tz",), "+000"), "tz: malformed value '+000'"),
    (changed(("tz",), "0100"), "tz: malformed value '0100'"),
    (changed(("tz",), "+01000"), "tz: malformed value '+01000'"),
    (changed(("tz",), None), "tz: malformed value None"),
    (changed(("author",), ...), "author: expected one line of text"),
    (changed(("author",), "a\nb"), "author: expected one line of text"),
    (changed(("author",), "x" * 1025), "author: expected one line of text"),
    (changed(("author",), 5), "author: expected one line of text"),
    (changed(("agent",), "a\nb"), "agent: expected one line of text"),
    (changed(("agent",), "x" * 1025), "agent: expected one line of text"),
    (changed(("agent",), False), "agent: expected one line of text"),
    (changed(("values",), ...), "values: expected an object"),
    (changed(("values",), ["text"]), "values: expected an object"),
    (changed(("values", "Text"), "x"), "values: field name: malformed value 'Text'"),
    (changed(("values", "x" * 65), "x"), f"values: field name: malformed value {'x' * 65!r}"),
    (changed(("values", "text"), 1.5), "values: text: expected a list of at most 1000 texts"),
    (changed(("values", "text"), {"a": "b"}), "values: text: expected a list of at most 1000 texts"),
    (changed(("values", "text"), "x" * (codec.MAX_TEXT + 1)), "values: text: text longer than 1048576 characters"),
    (changed(("values", "tags"), ["x"] * (codec.MAX_LIST + 1)), "values: tags: expected a list of at most 1000 texts"),
    (changed(("values", "tags"), ["x", 1]), "values: tags: expected a list of texts"),
    (changed(("values", "tags"), ["x", None]), "values: tags: expected a list of texts"),
    (changed(("values", "tags"), ["x" * (codec.MAX_TEXT + 1)]), "values: tags: expected a list of texts"),
    (changed(("stamps",), ...), "stamps: expected an object"),
    (changed(("stamps",), [[3, OP]]), "stamps: expected an object"),
    (changed(("stamps", "text"), [3]), "stamps: malformed stamp for 'text'"),
    (changed(("stamps", "text"), [3, OP, 1]), "stamps: malformed stamp for 'text'"),
    (changed(("stamps", "text"), "3"), "stamps: malformed stamp for 'text'"),
    (changed(("stamps", "text"), [-1, OP]), f"stamps: expected an integer in [0, {MAX_CLOCK}]"),
    (changed(("stamps", "text"), [MAX_CLOCK + 1, OP]), f"stamps: expected an integer in [0, {MAX_CLOCK}]"),
    (changed(("stamps", "text"), [True, OP]), f"stamps: expected an integer in [0, {MAX_CLOCK}]"),
    (changed(("stamps", "text"), [3, "op"]), "stamps: malformed value 'op'"),
    (changed(("added",), ...), "malformed stamp for 'added'"),
    (changed(("added",), [3]), "malformed stamp for 'added'"),
    (changed(("added",), {"clock": 3}), "malformed stamp for 'added'"),
    (changed(("added",), [3.0, OP]), f"expected an integer in [0, {MAX_CLOCK}]"),
    (changed(("added",), [3, None]), "malformed value None"),
]


@pytest.mark.parametrize(("entry", "message"), BROKEN, ids=[f"rule{n}" for n in range(len(BROKEN))])
def test_each_rule_is_refused_by_both_checks_with_the_full_checks_message(entry: Any, message: str) -> None:
    assert codec._valid_entry(entry) is None  # the compiled check does not accept it
    with pytest.raises(DataError) as refused:
        codec.entry_from_bytes(codec.dumps(entry).encode(), WHERE)
    assert refused.value.message == f"{WHERE}: {message}"


ACCEPTED: list[dict[str, Any]] = [
    VALID,
    changed(("agent",), None),
    changed(("agent",), ...),  # absent: no agent
    changed(("created",), 0),
    changed(("created",), MAX_TIME),
    changed(("stamps",), {}),
    changed(("values",), {}),
    changed(("added",), [MAX_CLOCK, OP]),
    changed(("added",), [0, OP]),
    changed(("author",), "x" * 1024),
    changed(("author",), ""),
    changed(("kind",), "blocker"),
    changed(("values", "text"), "x" * codec.MAX_TEXT),
    changed(("values", "tags"), ["x"] * codec.MAX_LIST),
    changed(("values", "tags"), []),
    changed(("values", "n"), -(2**70)),
    changed(("values", "unknown_field_9"), False),
    {**VALID, "extra": {"kept": [1.5]}},  # a key a later version may add
]


@pytest.mark.parametrize("entry", ACCEPTED, ids=[f"accepted{n}" for n in range(len(ACCEPTED))])
def test_what_the_full_check_accepts_the_compiled_one_builds_the_same(entry: dict[str, Any]) -> None:
    compiled = codec._valid_entry(entry)
    assert compiled is not None and compiled == codec._checked_entry(entry, WHERE)
    assert codec.entry_from_bytes(codec.dumps(entry).encode(), WHERE) == compiled
    assert compiled.values is entry["values"]  # kept whole, as the full check keeps it


POOLS: dict[str, list[Any]] = {
    "v": [1, 1, 0, 2, True, "1", None, ...],
    "id": [ID, ID, OP, ID.upper(), "", 3, None, ...],
    "kind": ["objective", "decision", "commit", "Objective", "", None, 1, ...],
    "created": [0, 1, MAX_TIME, MAX_TIME + 1, -1, True, False, 1.0, "0", None, ...],
    "tz": ["+0000", "-1130", "+000", "+00:00", "", None, ...],
    "author": ["a", "", "x" * 1024, "x" * 1025, "a\nb", "a\rb", None, 0, ...],
    "agent": [None, "claude", "", "a\nb", "x" * 1025, 0, True, ...],
    "values": [
        {},
        {"text": "t"},
        {"text": "t", "tags": ["a"]},
        {"text": None, "n": 1, "b": False},
        {"_x": 1},
        {"9x": 1},
        {"x": 1.0},
        {"x": [1]},
        {"x": [None]},
        {"x": {}},
        [],
        None,
        "text",
        ...,
    ],
    "stamps": [{}, {"a": [1, OP]}, {"a": [1, OP], "b": [0, ID]}, {"a": [1]}, {"a": [1, "x"]}, {"a": None}, [], ...],
    "added": [[1, OP], [0, ID], [MAX_CLOCK, OP], [MAX_CLOCK + 1, OP], [-1, OP], [1], [1, OP, 2], [False, OP], None],
}


def test_random_entries_get_the_same_outcome_from_both_checks() -> None:
    """Each key drawn from its pool (the first value valid, the most drawn): a fifth of them
    are entries, the rest break one rule or more."""
    draw = random.Random(16)
    for _ in range(4000):
        entry = {key: pool[0] if draw.random() < 0.85 else draw.choice(pool) for key, pool in POOLS.items()}
        entry = {key: copy.deepcopy(value) for key, value in entry.items() if value is not ...}
        data = codec.dumps(entry).encode()
        full = outcome(lambda: codec._checked_entry(codec.loads(data), WHERE))  # noqa: B023
        assert outcome(lambda: codec.entry_from_bytes(data, WHERE)) == full, entry  # noqa: B023
        compiled = codec._valid_entry(codec.loads(data))
        assert compiled is None or compiled == full, entry
