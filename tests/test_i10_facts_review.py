"""Review of issue 10's "one home for each fact" (H3): each test pins a behaviour of main that
the move must keep."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from git_session import adr, gitrepo, notes, paths, views
from git_session.errors import EXIT_CONFLICT, ConflictError, NotFoundError
from git_session.gitrepo import Repo
from git_session.model import Entry, Stamp
from git_session.names import NOTES_REF, BranchName, ObjectId, slug
from git_session.sessions import Workspace
from tests.helpers import as_json, git, make_repo, ok, race_once


def forge_next_priority(repo: Path, priority: Any) -> None:
    """Rewrite the stored state of the session's one next step so that its priority is
    ``priority``, as a writer that never went through git-session's checks could store it."""
    ref = git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").strip()
    tip = git(repo, "rev-parse", ref).strip()
    listing = []
    for line in git(repo, "ls-tree", "-r", tip).splitlines():
        mode_type_blob, path = line.split("\t")
        mode, kind, blob = mode_type_blob.split()
        if path.endswith(".json") and "/next/" in path:
            data = json.loads(git(repo, "cat-file", "blob", blob))
            data["values"]["priority"] = priority
            blob = git(repo, "hash-object", "-w", "--stdin", input=json.dumps(data)).strip()
        listing.append((path, f"{mode} {kind} {blob}"))
    tree = _mktree(repo, listing)
    message = git(repo, "log", "-1", "--format=%B", tip)
    forged = git(repo, "commit-tree", tree, "-p", tip, "-m", message).strip()
    git(repo, "update-ref", ref, forged)


def _mktree(repo: Path, listing: list[tuple[str, str]]) -> str:
    """A tree of ``(path, "mode type id")`` items, nested folders made level by level."""
    here = [f"{item}\t{path}" for path, item in listing if "/" not in path]
    folders: dict[str, list[tuple[str, str]]] = {}
    for path, item in listing:
        if "/" in path:
            top, _, rest = path.partition("/")
            folders.setdefault(top, []).append((rest, item))
    here += [f"040000 tree {_mktree(repo, inner)}\t{name}" for name, inner in folders.items()]
    return git(repo, "mktree", input="\n".join(here) + "\n").strip()


# --- one priority order: the views show a stored priority as it is stored ------------------

ODD_PRIORITIES = [None, True, 3, ["high"], "urgent"]


@pytest.mark.parametrize("priority", ODD_PRIORITIES, ids=repr)
def test_a_next_steps_view_gives_its_stored_priority_as_stored(priority: Any) -> None:
    entry = Entry("e1", "next", 0, "+0000", "a", None, {"text": "t", "priority": priority}, {}, Stamp(1, "e1"))
    assert views.entry_view(entry)["priority"] == priority


@pytest.mark.parametrize("priority", ODD_PRIORITIES, ids=repr)
def test_a_next_step_stored_with_an_odd_priority_is_shown_as_on_main(tmp_path: Path, priority: Any) -> None:
    """Session data fetched straight into refs/sessions/ (a mirror) is read as stored: main
    gave its priority as stored (null stayed null), not as Python's text for it."""
    forger = make_repo(tmp_path, "forger")
    ok(forger, "start", "Forged")
    ok(forger, "next", "add", "odd one")
    forge_next_priority(forger, priority)
    mirror = make_repo(tmp_path, "mirror")
    git(mirror, "fetch", "-q", str(forger), "+refs/sessions/*:refs/sessions/*")

    shown = as_json(mirror, "show", "--json", "--session", "Forged")["next"]
    assert [(n["text"], n["priority"]) for n in shown] == [("odd one", priority)]
    handed = json.loads(ok(mirror, "handoff", "--format", "json", "Forged"))["next"]
    assert [(n["text"], n["priority"]) for n in handed] == [("odd one", priority)]
    # the text views print it as Python writes the value, not as the default
    assert f"[{priority}] odd one" in ok(mirror, "next", "list", "--session", "Forged")
    assert f"[{priority}] odd one" in ok(mirror, "brief", "--session", "Forged")


# --- one paths module: in a linked worktree, the hooks and Python still meet -----------------


def test_in_a_linked_worktree_the_hooks_and_python_meet_in_the_common_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue, the cache and the awk program are below the common dir, which the hooks find
    through ``commondir``; the editing file is in the worktree's own git dir."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # for the hooks
    repo = make_repo(tmp_path)
    ok(repo, "install")
    worktree = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(worktree))
    ok(worktree, "start", "In the worktree")
    session_id = as_json(worktree, "status")["id"]
    common = Repo.discover(str(worktree)).common_dir
    own = Path(git(worktree, "rev-parse", "--absolute-git-dir").strip())
    assert Path(common) == repo / ".git" and own != repo / ".git"
    private = Path(common) / paths.PRIVATE_FOLDER
    assert (private / paths.CACHE_FOLDER / "feature" / paths.CACHE_FILE).is_file()

    (worktree / "file").write_text("work\n")
    git(worktree, "add", "file")
    git(worktree, "commit", "-q", "-m", "With -m")
    editor = tmp_path / "editor"
    seen = tmp_path / "seen"
    editor.write_text(
        f'#!/bin/sh\n[ -e "{own / paths.EDITING_FILE}" ] && [ ! -e "{Path(common) / paths.EDITING_FILE}" ]'
        f' && echo own > "{seen}"\nprintf "Typed\\n" > "$1"\n'
    )
    editor.chmod(0o755)
    git(worktree, "commit", "-q", "--allow-empty", env={**os.environ, "GIT_EDITOR": str(editor)})

    assert seen.read_text() == "own\n"  # prepare-commit-msg kept the message in the worktree's git dir
    assert (own / paths.EDITING_FILE).read_bytes() == b""  # and it was consumed (emptied: no process)
    for rev in ("HEAD", "HEAD~1"):
        assert f"Session-Id: {session_id}" in git(worktree, "log", "-1", "--format=%B", rev)
    assert [p.name.split(".")[0] + "." for p in (private / paths.QUEUE_FOLDER).iterdir()] == [paths.PENDING_PREFIX] * 2
    ok(worktree, "status")  # links what the hooks queued in the common dir
    assert list((private / paths.QUEUE_FOLDER).iterdir()) == []
    subjects = [c["subject"] for c in as_json(worktree, "show", "--json")["commits"]]
    assert sorted(subjects) == ["Typed", "With -m"]


# --- one compare-and-swap loop: what each of the two old loops did at its edges ------------


def test_a_session_deleted_while_a_write_retries_is_not_found_and_stays_deleted(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(repo, "start", "Deleted meanwhile")
    ws = Workspace.open(str(repo))
    ref = ws.find(None).handle.ref
    outcomes = race_once(monkeypatch, ws.repo, lambda: git(repo, "update-ref", "-d", ref))

    with pytest.raises(NotFoundError) as raised:
        ws.add(None, "note", "too late")

    assert outcomes == [False]  # lost once; the retry found no session and wrote nothing
    assert raised.value.message == f"session {ref.rsplit('/', 1)[1]} no longer exists"
    assert git(repo, "for-each-ref", "refs/sessions/") == ""


def test_a_notes_ref_deleted_while_a_note_is_written_gets_that_note_alone(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "second")
    first, second = git(repo, "rev-parse", "HEAD~1", "HEAD").split()
    git(repo, "notes", f"--ref={NOTES_REF}", "add", "-m", '{"t":"old"}', first)
    store_repo = Repo.discover(str(repo))
    outcomes = race_once(monkeypatch, store_repo, lambda: git(repo, "update-ref", "-d", NOTES_REF))

    notes.add_note_lines(store_repo, {ObjectId(second): [{"t": "ours"}]}, store_repo.ident(), "ours")

    assert outcomes == [False, True]  # built again on no notes at all, then written
    annotated = [line.split()[1] for line in git(repo, "notes", f"--ref={NOTES_REF}", "list").splitlines()]
    assert annotated == [second]
    assert git(repo, "notes", f"--ref={NOTES_REF}", "show", second) == '{"t":"ours"}\n'
    assert git(repo, "rev-list", "--count", NOTES_REF).strip() == "1"  # a new history: the old one is gone


def test_a_notes_ref_held_locked_is_a_conflict_naming_git_and_the_lock(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_repo = Repo.discover(str(repo))
    lock = Path(store_repo.lock_path(NOTES_REF))
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("held by git notes\n")  # fresh: not a stale lock to break
    monkeypatch.setattr(gitrepo, "RETRY_SECONDS", 0.1)
    head = ObjectId(git(repo, "rev-parse", "HEAD").strip())

    with pytest.raises(ConflictError) as raised:
        notes.add_note_lines(store_repo, {head: [{"t": "waits"}]}, store_repo.ident(), "waits")

    assert raised.value.message == f"could not update {NOTES_REF}: it kept changing or stayed locked"
    assert raised.value.hint == f"if no git is running, remove {lock}"
    assert raised.value.exit_code == EXIT_CONFLICT
    assert lock.read_text() == "held by git notes\n"


def test_a_session_ref_held_locked_is_a_conflict_naming_git_session_and_the_lock(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(repo, "start", "Locked")
    ws = Workspace.open(str(repo))
    ref = ws.find(None).handle.ref
    lock = Path(ws.repo.lock_path(ref))
    lock.write_text("held\n")
    monkeypatch.setattr(gitrepo, "RETRY_SECONDS", 0.1)

    with pytest.raises(ConflictError) as raised:
        ws.add(None, "note", "waits")

    assert raised.value.message == f"could not update session {ref.session_id}: it kept changing or stayed locked"
    assert raised.value.hint == f"if no git-session is running, remove {lock}"


# --- one slug rule: every key a session is filed under stays what main made it --------------

# Made by main (187b4a1): a changed key would leave the sessions stored under the old one behind.
MAIN_BRANCH_KEYS = {
    "main": "main-b28b7af693",
    "feature/Ünïcode": "feature-unicode-8ed71823fe",
    "Fix  THE bug--": "fix-the-bug-6633799390",
    "ß/æ/œ": "1632b73336",
    "中文/分支": "7d2b6ef681",
    "x" * 60: "x" * 40 + "-06ced2e070",
    "a-" * 30: "a-" * 19 + "a-bdc14c4bcc",
    "caf\udce9": "caf-d2f52bc440",
    "--": "e6a9fc0432",
    "ﬁx/①": "fix-1-509cc57c48",
    "İstanbul": "istanbul-da19ec0a30",
    "Ǆ-ligature": "dz-ligature-9365302d92",
    "\u0301e": "e-e7ad611d8d",
}
MAIN_ADR_SLUGS = {
    "Use ULIDs: time-ordered!": "use-ulids-time-ordered",
    "!!!": "decision",
    "a" * 49 + "-b" + "c" * 10: "a" * 49,
    "Ωmega ﬁnal": "mega-final",
}


@pytest.mark.parametrize(("branch", "key"), sorted(MAIN_BRANCH_KEYS.items()))
def test_a_branch_key_is_the_one_main_made(branch: str, key: str) -> None:
    assert BranchName(branch).key() == key


@pytest.mark.parametrize(("title", "made"), sorted(MAIN_ADR_SLUGS.items()))
def test_an_adr_file_name_slug_is_the_one_main_made(title: str, made: str) -> None:
    assert adr.slug(title) == made


def _main_slugify(text: str) -> str:  # sessions.slugify on main, verbatim
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _main_key(name: str) -> str:  # BranchName.key on main, verbatim
    digest = hashlib.sha1(name.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    made = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-")
    return f"{made}-{digest}" if made else digest


_TEXT = st.text(
    st.characters(exclude_categories=["Cs"]) | st.sampled_from([*"-_ ./ßİﬁ①Ǆ\u0301Ωé", "\udce9"]), max_size=90
)


@settings(max_examples=500, deadline=None)
@given(_TEXT)
def test_the_one_slug_rule_makes_what_each_of_mains_three_made(text: str) -> None:
    assert BranchName(text).key() == _main_key(text)
    assert slug(text) == _main_slugify(text)  # title lookups
    assert adr.slug(text) == (_main_slugify(text)[: adr.MAX_SLUG].strip("-") or "decision")
