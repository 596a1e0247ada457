"""Review of the typed model: a field read through a property gives what the string lookup
it replaced gave, for every value the codec lets a stored field hold (str, int, bool,
list[str]) -- text output, --json output and what is written (journal, commit notes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from git_session import linking, trailers
from git_session.gitrepo import Repo
from git_session.model import EntryKind, FieldValue
from git_session.names import Ulid
from git_session.sessions import Workspace
from git_session.store import Draft
from tests.helpers import as_json, git, make_repo, ok

OP_IDS = [Ulid(f"01hq00000000000000000000{n:02d}") for n in range(10, 99)]


def hostile(tmp_path: Path, ops: list[tuple[EntryKind | None, dict[str, FieldValue]]]) -> tuple[Path, Workspace]:
    """A repository with a session, then one commit of operations: an entry of a kind
    (ids 01hq…10, …11, … in order), or session fields (kind ``None``)."""
    repo = make_repo(tmp_path)
    ok(repo, "start", "Hostile", "--objective", "obj one")
    ws = Workspace(Repo.discover(str(repo)))
    found = ws.find(None)
    ids = iter(OP_IDS)
    drafts = [
        Draft("set", {"fields": fields}, id=next(ids))
        if kind is None
        else Draft("add", {"kind": kind, "fields": fields}, id=next(ids))
        for kind, fields in ops
    ]
    ws._append(found.handle.id, lambda handle, meta: drafts, "hostile", found=found)
    return repo, ws


def tamper(repo: Path, paths: list[str], change: dict[str, Any]) -> None:
    """Rewrite stored entry files in the session's tree (as a remote could ship them): the
    reader takes the tree as it is, without the journal's checks."""
    ref = git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").split()[0]
    tree = git(repo, "rev-parse", f"{ref}^{{tree}}").strip()
    index = {"GIT_INDEX_FILE": str(repo / ".git" / "tamper-index")}
    git(repo, "read-tree", tree, env=index)
    for path in paths:
        stored = json.loads(git(repo, "cat-file", "blob", f"{ref}:{path}"))
        stored["values"].update(change)
        blob = git(repo, "hash-object", "-w", "--stdin", input=json.dumps(stored)).strip()
        git(repo, "update-index", "--cacheinfo", f"100644,{blob},{path}", env=index)
    new_tree = git(repo, "write-tree", env=index).strip()
    commit = git(repo, "commit-tree", "-p", ref, "-m", "tamper", new_tree).strip()
    git(repo, "update-ref", ref, commit)


def next_paths(entry_id: str) -> list[str]:
    return [f"entries/next/{entry_id[-2]}/{entry_id[-1]}/{entry_id}.json", f"open/next/{entry_id}.json"]


# --- a next step's priority: shown as stored, not narrowed to the three known ones ---


def test_a_priority_this_version_does_not_know_is_shown_as_stored(tmp_path: Path) -> None:
    repo, _ = hostile(tmp_path, [("next", {"text": "n1", "status": "open", "priority": "high"})])
    tamper(repo, next_paths(OP_IDS[0]), {"priority": "urgent"})  # a newer version's priority
    assert "[urgent] n1" in ok(repo, "next", "list")
    assert "[urgent] n1" in ok(repo, "status")
    assert "[urgent] n1" in ok(repo, "brief")
    assert [e["priority"] for e in as_json(repo, "next", "list")] == ["urgent"]
    assert [e["priority"] for e in as_json(repo, "show")["next"]] == ["urgent"]


def test_a_priority_that_is_no_text_is_shown_as_stored(tmp_path: Path) -> None:
    repo, _ = hostile(tmp_path, [("next", {"text": "n1", "status": "open"})])
    tamper(repo, next_paths(OP_IDS[0]), {"priority": True})
    assert "[True] n1" in ok(repo, "next", "list")
    assert [e["priority"] for e in as_json(repo, "next", "list")] == [True]


# --- a false value that is not a text (False, 0, []) is shown as nothing, as before ---


def test_a_false_reason_parent_or_resolution_is_not_printed(tmp_path: Path) -> None:
    repo, _ = hostile(
        tmp_path,
        [(None, {"reason": False, "parent": 0}), ("blocker", {"text": "b1", "status": "open", "resolution": False})],
    )
    status = ok(repo, "status")
    assert "reason" not in status and "continues" not in status
    assert "False" not in ok(repo, "show")
    assert ok(repo, "blocker", "list").rstrip().endswith("[open] b1")


def test_a_false_commit_or_label_falls_back_in_the_brief(tmp_path: Path) -> None:
    repo, _ = hostile(
        tmp_path,
        [("commit", {"text": "c1", "commit": False}), ("checkpoint", {"text": "cp", "label": 0, "commit": 0})],
    )
    brief = ok(repo, "brief")
    assert "- ? c1" in brief
    assert f"- {OP_IDS[1][:4]} cp · " in brief  # the only checkpoint: its 4 characters (ids are unique per kind)


# --- --json gives each field as stored ---


def test_session_json_gives_session_fields_as_stored(tmp_path: Path) -> None:
    fields: dict[str, FieldValue] = {"reason": False, "agent": 7, "model": True, "base": 3, "parent": 0, "tldr": 5}
    repo, _ = hostile(tmp_path, [(None, {**fields, "current": 9})])
    expected = {**fields, "current": 9}
    for view in (as_json(repo, "show"), as_json(repo, "status"), as_json(repo, "list")[0]):
        assert {name: view[name] for name in expected} == expected
    context = json.loads(ok(repo, "handoff", "--format", "json"))
    assert {name: context["session"][name] for name in expected} == expected


def test_entry_json_gives_entry_fields_as_stored(tmp_path: Path) -> None:
    repo, _ = hostile(
        tmp_path,
        [
            ("decision", {"text": "d1", "rationale": 5}),
            ("blocker", {"text": "b1", "status": "open", "resolution": False}),
            ("handoff", {"text": "h", "format": 1, "tip": 5}),
        ],
    )
    assert as_json(repo, "decision", "list")[0]["rationale"] == 5
    assert as_json(repo, "blocker", "list")[0]["resolution"] is False
    (handoff,) = as_json(repo, "show")["handoffs"]
    assert (handoff["format"], handoff["tip"]) == (1, 5)


def test_a_stored_handoff_format_of_null_stays_null(tmp_path: Path) -> None:
    repo, _ = hostile(tmp_path, [("handoff", {"text": "h", "format": None})])
    (handoff,) = as_json(repo, "show")["handoffs"]
    assert handoff["format"] is None


def test_commit_sha_json_is_as_stored(tmp_path: Path) -> None:
    repo, _ = hostile(tmp_path, [("commit", {"text": "c1", "commit": 5})])
    assert as_json(repo, "brief")["commits"] == [{"sha": 5, "subject": "c1"}]
    assert [c["sha"] for c in as_json(repo, "show")["commits"]] == [5]


# --- a text where a list belongs is read as the string lookups read it ---


def test_a_text_where_tasks_or_alternatives_belong_is_read_as_before(tmp_path: Path) -> None:
    repo, _ = hostile(tmp_path, [(None, {"tasks": "ab"}), ("decision", {"text": "d1", "alternatives": "xy"})])
    assert as_json(repo, "show")["tasks"] == ["a", "b"]
    assert as_json(repo, "decision", "list")[0]["alternatives"] == ["x", "y"]
    show = ok(repo, "show")
    assert "tasks a, b" in show
    assert "alternative: x" in show and "alternative: y" in show
    assert "d1 (alternatives: x; y)" in ok(repo, "brief")


def test_a_number_where_a_list_belongs_reads_as_none(tmp_path: Path) -> None:
    # It used to crash every view; no view needs it to work.
    repo, _ = hostile(tmp_path, [(None, {"tasks": 3}), ("decision", {"text": "d1", "alternatives": 4})])
    assert as_json(repo, "show")["tasks"] == []
    assert as_json(repo, "decision", "list")[0]["alternatives"] == []


# --- what is written: a continued session's journal and a commit's note ---


def test_a_continued_session_carries_its_parents_tasks_as_stored(tmp_path: Path) -> None:
    repo, ws = hostile(tmp_path, [(None, {"tasks": "T-1 T-2"})])
    parent = ws.find(None).handle.id
    ok(repo, "end", "--no-handoff")
    ok(repo, "start", "Next", "--from", parent)
    found = Workspace(Repo.discover(str(repo))).find(None)
    assert found.handle.id != parent
    assert found.meta.get("tasks") == "T-1 T-2"


def test_a_commit_note_keeps_a_rationale_as_stored(tmp_path: Path) -> None:
    _, ws = hostile(tmp_path, [("decision", {"text": "d1", "rationale": 5})])
    found = ws.find(None)
    line = linking.note_line(ws.store, found.handle, "main")
    assert line["decisions"] == [{"id": OP_IDS[0], "text": "d1", "rationale": 5}]


def test_covers_stored_as_a_number_in_text_still_marks_the_last_commit(tmp_path: Path) -> None:
    _, ws = hostile(tmp_path, [("decision", {"text": "before"})])
    found = ws.find(None)
    clock = ws.store.meta(found.handle).clock
    covered = Draft("add", {"kind": "commit", "fields": {"text": "c", "commit": "0" * 40, "covers": str(clock)}})
    after = Draft("add", {"kind": "decision", "fields": {"text": "after"}})
    ws._append(found.handle.id, lambda handle, meta: [covered, after], "commit", found=found)
    since = trailers.since_last_commit(ws.store, ws.find(None).handle)
    assert [d.text for d in since.decisions] == ["after"]
