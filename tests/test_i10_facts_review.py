"""Review of issue 10's "one home for each fact" (H3): each test pins a behaviour of main that
the move must keep."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from git_session import paths, views
from git_session.gitrepo import Repo
from git_session.model import Entry, Stamp
from tests.helpers import as_json, git, make_repo, ok


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
    assert not (own / paths.EDITING_FILE).exists()  # and commit-msg took it away
    for rev in ("HEAD", "HEAD~1"):
        assert f"Session-Id: {session_id}" in git(worktree, "log", "-1", "--format=%B", rev)
    assert [p.name.split(".")[0] + "." for p in (private / paths.QUEUE_FOLDER).iterdir()] == [paths.PENDING_PREFIX] * 2
    ok(worktree, "status")  # links what the hooks queued in the common dir
    assert list((private / paths.QUEUE_FOLDER).iterdir()) == []
    subjects = [c["subject"] for c in as_json(worktree, "show", "--json")["commits"]]
    assert sorted(subjects) == ["Typed", "With -m"]
