"""The typed model: the operation constructors write exactly what the hand-built dicts
wrote, the Literal types are the one statement of each vocabulary, and the properties
read an entry's and a session's fields as the string lookups did."""

from __future__ import annotations

from typing import get_args

import pytest

from git_session import codec
from git_session.fold import EMPTY_META
from git_session.gitrepo import Ident
from git_session.model import (
    ACTIONS,
    ENTRY_KINDS,
    ENTRY_STATUSES,
    PRIORITIES,
    SESSION_FIELDS,
    SESSION_STATUSES,
    Action,
    Entry,
    EntryStatus,
    FieldValue,
    Meta,
    Op,
    SessionStatus,
    Stamp,
)
from git_session.names import Ulid
from git_session.store import Draft, _stamp

SESSION = Ulid("01hq0000000000000000000000")
ENTRY = Ulid("01hq0000000000000000000001")
OP = Ulid("01hq0000000000000000000002")
IDENT = Ident("A U Thor", "author@example.com", 1700000000, "+0100")


def line(draft: Draft) -> str:
    """The journal line a draft becomes (as its commit message stores it)."""
    (op,) = _stamp([draft], EMPTY_META, IDENT)
    return codec.dumps(codec.op_to_json(op))


def test_create_is_the_dict_start_built() -> None:
    fields: dict[str, FieldValue] = {"title": "Fix", "branch": "main", "status": "active", "tasks": ["T-1"]}
    draft = Draft.create(fields, agent="claude-code", id=SESSION)
    assert (draft.action, draft.data, draft.agent, draft.minor, draft.id) == (
        "create",
        {"fields": {"title": "Fix", "branch": "main", "status": "active", "tasks": ["T-1"]}},
        "claude-code",
        False,
        SESSION,
    )
    assert line(draft) == (
        '{"action":"create","agent":"claude-code","at":1700000000,"author":"A U Thor <author@example.com>",'
        '"clock":1,"data":{"fields":{"branch":"main","status":"active","tasks":["T-1"],"title":"Fix"}},'
        '"id":"01hq0000000000000000000000","minor":false,"tz":"+0100","v":1}'
    )


def test_an_empty_create_is_the_private_layers_first_operation() -> None:
    draft = Draft.create({}, id=SESSION)
    assert (draft.action, draft.data, draft.agent, draft.id) == ("create", {"fields": {}}, None, SESSION)


def test_set_is_the_dict_set_fields_and_set_status_built() -> None:
    draft = Draft.set({"tldr": "fixed", "current": "tests"}, agent=None, minor=True, id=OP)
    assert (draft.action, draft.data, draft.agent, draft.minor) == (
        "set",
        {"fields": {"tldr": "fixed", "current": "tests"}},
        None,
        True,
    )
    assert line(draft) == (
        '{"action":"set","agent":null,"at":1700000000,"author":"A U Thor <author@example.com>","clock":1,'
        '"data":{"fields":{"current":"tests","tldr":"fixed"}},"id":"01hq0000000000000000000002","minor":true,'
        '"tz":"+0100","v":1}'
    )


def test_add_is_the_dict_every_adding_command_built() -> None:
    fields: dict[str, FieldValue] = {"text": "Use X", "rationale": "simple", "alternatives": ["Y"]}
    draft = Draft.add("decision", fields, agent="codex", id=OP)
    assert (draft.action, draft.data, draft.agent, draft.minor) == (
        "add",
        {"kind": "decision", "fields": {"text": "Use X", "rationale": "simple", "alternatives": ["Y"]}},
        "codex",
        False,
    )
    assert line(draft) == (
        '{"action":"add","agent":"codex","at":1700000000,"author":"A U Thor <author@example.com>","clock":1,'
        '"data":{"fields":{"alternatives":["Y"],"rationale":"simple","text":"Use X"},"kind":"decision"},'
        '"id":"01hq0000000000000000000002","minor":false,"tz":"+0100","v":1}'
    )


def test_a_commit_entry_keeps_its_integer_field() -> None:
    fields: dict[str, FieldValue] = {"text": "Fix", "commit": "a" * 40, "covers": 7, "branch": "main"}
    draft = Draft.add("commit", fields, id=OP)
    assert draft.data == {
        "kind": "commit",
        "fields": {"text": "Fix", "commit": "a" * 40, "covers": 7, "branch": "main"},
    }
    assert '"covers":7' in line(draft)


def test_update_is_the_dict_transitions_and_rewrites_built() -> None:
    draft = Draft.update("objective", ENTRY, {"status": "done"}, agent="claude-code", id=OP)
    assert (draft.action, draft.data, draft.agent, draft.minor) == (
        "update",
        {"kind": "objective", "entry": ENTRY, "fields": {"status": "done"}},
        "claude-code",
        False,
    )
    assert line(draft) == (
        '{"action":"update","agent":"claude-code","at":1700000000,"author":"A U Thor <author@example.com>",'
        '"clock":1,"data":{"entry":"01hq0000000000000000000001","fields":{"status":"done"},"kind":"objective"},'
        '"id":"01hq0000000000000000000002","minor":false,"tz":"+0100","v":1}'
    )


def test_a_constructor_copies_its_fields() -> None:
    """The caller's dict may change afterwards; the draft does not."""
    fields: dict[str, FieldValue] = {"text": "a"}
    draft = Draft.add("note", fields)
    fields["text"] = "b"
    assert draft.data["fields"] == {"text": "a"}


def test_drafts_get_fresh_ids_unless_given() -> None:
    assert Draft.add("note", {"text": "a"}).id != Draft.add("note", {"text": "a"}).id


@pytest.mark.parametrize(
    "draft",
    [
        Draft.create({"title": "t", "branch": "main", "status": "active"}, id=SESSION),
        Draft.set({"status": "paused", "reason": "lunch"}),
        Draft.add("next", {"text": "t", "status": "open", "priority": "high"}),
        Draft.update("blocker", ENTRY, {"status": "resolved", "resolution": "done"}),
    ],
)
def test_what_a_constructor_makes_reads_back_the_same(draft: Draft) -> None:
    (op,) = _stamp([draft], EMPTY_META, IDENT)
    (read,) = codec.decode_commit_message(codec.encode_commit_message("s", [op]), "test")
    assert read == op


def test_the_literals_are_the_vocabularies() -> None:
    assert ACTIONS == get_args(Action) == ("create", "set", "add", "update")
    assert get_args(SessionStatus) == SESSION_STATUSES == ("active", "paused", "handoff", "completed", "abandoned")
    assert "objective" in ENTRY_KINDS and "allow" in ENTRY_KINDS and len(set(ENTRY_KINDS)) == len(ENTRY_KINDS)
    assert PRIORITIES == ("high", "medium", "low")
    assert "status" in SESSION_FIELDS
    used = {status for statuses in ENTRY_STATUSES.values() for status in statuses}
    assert used == set(get_args(EntryStatus))  # no status the model names but no kind takes
    assert all(statuses[0] == "open" for statuses in ENTRY_STATUSES.values())


def entry(kind: str, **values: FieldValue) -> Entry:
    stamp = Stamp(1, OP)
    return codec.entry_from_bytes(
        codec.entry_to_bytes(
            Entry(OP, "note", 1, "+0000", "A <a@b>", None, values, {k: stamp for k in values}, stamp)
        ).replace(b'"kind":"note"', f'"kind":"{kind}"'.encode()),
        "test",
    )


def test_entry_properties_read_the_fields() -> None:
    decision = entry("decision", text="Use X", rationale="simple", alternatives=["Y", "Z"], private=True)
    assert (decision.kind, decision.text, decision.rationale, decision.alternatives) == (
        "decision",
        "Use X",
        "simple",
        ["Y", "Z"],
    )
    assert decision.private is True
    commit = entry("commit", text="Fix", commit="a" * 40, rewritten="b" * 40)
    assert (commit.commit, commit.rewritten) == ("a" * 40, "b" * 40)
    checkpoint = entry("checkpoint", text="cp", label="before", commit="c" * 40, snapshot="d" * 40)
    assert (checkpoint.label, checkpoint.commit, checkpoint.snapshot) == ("before", "c" * 40, "d" * 40)
    assert entry("next", text="t", status="open", priority="high").priority == "high"
    assert entry("blocker", text="t", status="resolved", resolution="gone").resolution == "gone"
    handoff = entry("handoff", text="# Doc", format="markdown", tip="e" * 40)
    assert (handoff.format, handoff.tip) == ("markdown", "e" * 40)


def test_entry_properties_default_as_the_lookups_did() -> None:
    bare = entry("next", text="t", status="open")
    assert bare.priority == "medium"
    assert (bare.rationale, bare.alternatives, bare.private) == ("", [], False)
    assert (bare.resolution, bare.commit, bare.rewritten, bare.label, bare.snapshot, bare.tip) == (None,) * 6
    assert entry("handoff", text="x").format == "markdown"


def test_meta_properties_read_the_fields() -> None:
    values: dict[str, FieldValue] = {
        "title": "T",
        "branch": "main",
        "status": "paused",
        "reason": "lunch",
        "tldr": "short",
        "current": "step",
        "agent": "codex",
        "model": "m1",
        "base": "f" * 40,
        "parent": SESSION,
        "tasks": ["A-1", "B-2"],
    }
    meta = Meta(SESSION, 1, "+0000", 1, 1, values, {})
    assert (meta.title, meta.branch, meta.status, meta.reason, meta.tldr, meta.current) == (
        "T",
        "main",
        "paused",
        "lunch",
        "short",
        "step",
    )
    assert (meta.agent, meta.model, meta.base, meta.parent, meta.tasks) == (
        "codex",
        "m1",
        "f" * 40,
        SESSION,
        ["A-1", "B-2"],
    )
    empty = Meta(SESSION, 1, "+0000", 1, 1, {}, {})
    assert (empty.status, empty.tldr, empty.current, empty.reason, empty.parent, empty.tasks) == (
        "active",
        "",
        "",
        None,
        None,
        [],
    )


def test_an_op_read_keeps_data_it_does_not_know() -> None:
    """Typed as OpData, an operation's data is still kept whole: a rewrite (redact) writes
    back every byte it read, keys a later version may add included."""
    raw = (
        '{"action":"add","agent":null,"at":1700000000,"author":"A <a@b>","clock":2,'
        '"data":{"fields":{"text":"t"},"kind":"note","later":1},'
        '"id":"01hq0000000000000000000002","minor":false,"tz":"+0000","v":1}'
    )
    op: Op = codec.op_from_json(codec.loads(raw), "test")
    assert codec.dumps(codec.op_to_json(op)) == raw
