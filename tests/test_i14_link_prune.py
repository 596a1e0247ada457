"""Issue 14, linking (fourth round): a session's derived indexes in the private folder
(``commit-index/<id>``, ``at-risk-index/<id>``) go when the session does, where the other
derived data of sessions that are gone is dropped (the cache of the sessions' fields)."""

from __future__ import annotations

from pathlib import Path

from git_session import paths
from tests.helpers import git, ok
from tests.test_i15_atrisk import commit_file, on_path, work

__all__ = ["on_path", "work"]  # the fixtures used here

FOLDERS = (paths.COMMIT_INDEX_FOLDER, paths.AT_RISK_INDEX_FOLDER)


def indexes(repo: Path) -> dict[str, list[str]]:
    private = repo / ".git" / "git-session"
    return {folder: sorted(p.name for p in (private / folder).iterdir()) for folder in FOLDERS}


def test_the_indexes_of_a_deleted_session_go_at_the_next_listing(work: tuple[Path, str, list[str]]) -> None:
    repo, feature, _ = work
    git(repo, "switch", "-q", "-c", "other")
    ok(repo, "start", "Other")
    commit_file(repo, "o.txt", "o\n", "O")
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").split()
    other = [ref for ref in refs if "other" in ref]
    ok(repo, "status")  # links it, and indexes both sessions' commits
    ok(repo, "status", "--session", feature)
    other_id = other[0].rsplit("/", 1)[1]
    assert indexes(repo) == {folder: sorted([feature, other_id]) for folder in FOLDERS}
    git(repo, "update-ref", "-d", other[0])
    stray = repo / ".git" / "git-session" / paths.COMMIT_INDEX_FOLDER / "x-not-an-id"
    stray.write_text("kept: not a session's\n")

    ok(repo, "list", "--all")

    assert indexes(repo) == {
        paths.COMMIT_INDEX_FOLDER: sorted([feature, "x-not-an-id"]),
        paths.AT_RISK_INDEX_FOLDER: [feature],
    }
    git(repo, "switch", "-q", "feature")
    ok(repo, "status")  # the session left works as before
    assert indexes(repo)[paths.AT_RISK_INDEX_FOLDER] == [feature]


def test_listing_keeps_the_indexes_of_every_session_here(work: tuple[Path, str, list[str]]) -> None:
    repo, feature, _ = work
    before = indexes(repo)
    assert before == {folder: [feature] for folder in FOLDERS}
    ok(repo, "list", "--all")
    ok(repo, "list", "--all")
    assert indexes(repo) == before
