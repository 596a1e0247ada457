"""The derived indexes of a session fetched from a remote (``commit-index/<id>``,
``at-risk-index/<id>``) stay while its copy is here: main dropped them whenever the cache
of the local sessions' fields changed, and the next use made them again (about 0.6 s at
10,000 entries); they go when the copy does."""

from __future__ import annotations

from pathlib import Path

from git_session import atrisk, paths, sharing
from git_session.commitindex import commit_index
from git_session.sessions import Workspace
from tests.helpers import git, ok
from tests.test_i15_atrisk import on_path, work

__all__ = ["on_path", "work"]  # the fixtures used here

FOLDERS = (paths.COMMIT_INDEX_FOLDER, paths.AT_RISK_INDEX_FOLDER)


def indexes(repo: Path) -> dict[str, list[str]]:
    private = repo / ".git" / "git-session"
    return {folder: sorted(p.name for p in (private / folder).iterdir()) for folder in FOLDERS}


def test_the_indexes_of_a_fetched_session_stay_while_its_copy_does(
    tmp_path: Path, work: tuple[Path, str, list[str]]
) -> None:
    repo, session, _ = work
    ok(repo, "push")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(tmp_path / "remote.git"), str(clone))
    ok(clone, "fetch")
    ws = Workspace.open(str(clone))
    [(_, handle)] = sharing.fetched_copies(ws.store)
    assert handle.id == session
    commit_index(ws.store, handle)
    atrisk.at_risk(ws, handle)
    made = {folder: [session] for folder in FOLDERS}
    assert indexes(clone) == made
    files = [clone / ".git" / "git-session" / folder / session for folder in FOLDERS]
    stamps = [f.stat().st_mtime_ns for f in files]

    git(clone, "switch", "-q", "-c", "mine")
    ok(clone, "start", "Mine")  # the local sessions change: their fields are cached again
    ok(clone, "list", "--all")
    assert indexes(clone) == made
    assert [f.stat().st_mtime_ns for f in files] == stamps  # kept, not made again

    (ref,) = git(clone, "for-each-ref", "--format=%(refname)", "refs/session-remotes/origin/sessions/").split()
    git(clone, "update-ref", "-d", ref)  # the copy gone: its indexes go at the next change
    ok(clone, "note", "more")  # the local session's tip moves: its fields are cached again
    ok(clone, "list", "--all")
    assert indexes(clone) == {folder: [] for folder in FOLDERS}
