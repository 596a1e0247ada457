"""Issue 15: automatic reattach — what it examines (the new commits only), the trailer a
forge kept, failing closed when the message and the change disagree."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from git_session import autoreattach, notes, paths
from git_session.gitrepo import Repo
from git_session.names import ObjectId
from git_session.reattach import Report
from git_session.sessions import Workspace
from tests.helpers import as_json, git, ok, run

OTHER = "01hzzzzzzzzzzzzzzzzzzzzzzb"


def head(repo: Path, rev: str = "HEAD") -> ObjectId:
    return ObjectId(git(repo, "rev-parse", rev).strip())


def commit_file(repo: Path, name: str, text: str, message: str) -> ObjectId:
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return head(repo)


def link(repo: Path, commit: ObjectId, session: str, branch: str = "feature") -> None:
    r = Repo.discover(str(repo))
    notes.add_note_lines(r, {commit: [{"session": session, "branch": branch}]}, r.ident(), "test: link")


def sessions_of(repo: Path, commit: str) -> set[str]:
    if commit not in git(repo, "notes", "--ref=sessions", "list"):
        return set()
    return {line.split('"session":"')[1][:26] for line in git(repo, "notes", "--ref=sessions", "show", commit).split()}


@pytest.fixture
def feature(repo: Path) -> tuple[Path, str, list[ObjectId]]:
    """A session on ``feature``: two linked commits; main moved on; the tips examined."""
    git(repo, "switch", "-q", "-c", "feature")
    ok(repo, "start", "Parser")
    session = as_json(repo, "status")["id"]
    commits = [commit_file(repo, "a.txt", "one\n", "Add a"), commit_file(repo, "b.txt", "two\n", "Add b")]
    for commit in commits:
        link(repo, commit, session)
    git(repo, "switch", "-q", "main")
    commit_file(repo, "other.txt", "unrelated\n", "Meanwhile on main")
    ok(repo, "list")  # examines the branches as they are
    return repo, session, commits


def reattach_new(repo: Path) -> Report | None:
    return autoreattach.reattach_new(Workspace.open(str(repo)))


def test_only_the_new_commits_are_examined_and_nothing_when_nothing_moved(
    feature: tuple[Path, str, list[ObjectId]],
) -> None:
    repo, session, _ = feature
    assert reattach_new(repo) is None  # nothing moved since `list`
    commit_file(repo, "c.txt", "c\n", "C")
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Parser")
    squash = head(repo)

    report = reattach_new(repo)

    assert report is not None and report.examined == 2  # C and the squash, not main's history
    assert [(x.commit, x.how, x.sessions) for x in report.linked] == [(squash, "squash", (session,))]
    assert reattach_new(repo) is None


def test_the_next_command_links_a_squash_and_says_so(feature: tuple[Path, str, list[ObjectId]]) -> None:
    repo, session, commits = feature
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Parser")
    squash = head(repo)
    short = Workspace.open(str(repo)).short_session_id(session)

    result = run(repo, "list")

    assert result.stderr == (
        f"git-session: warning: reattached {squash[:12]} 'Parser' to session {short} (a squash of its commits)\n"
    )
    assert sessions_of(repo, squash) == {session}
    assert sessions_of(repo, commits[0]) == {session}


def test_a_squash_whose_change_differs_is_linked_by_its_trailer(feature: tuple[Path, str, list[ObjectId]]) -> None:
    """The forge resolved a conflict: no patch matches, the message still names the session."""
    repo, session, _ = feature
    git(repo, "merge", "-q", "--squash", "feature")
    (repo / "b.txt").write_text("two, as resolved\n")
    git(repo, "add", "b.txt")
    git(repo, "commit", "-q", "-m", f"Parser (#1)\n\n* Add a\n\nSession-Id: {session}\n\n* Add b\n")
    squash = head(repo)

    report = reattach_new(repo)

    assert report is not None
    assert [(x.commit, x.how) for x in report.linked] == [(squash, "trailer")]
    assert sessions_of(repo, squash) == {session}


def test_a_message_naming_two_sessions_is_not_linked(feature: tuple[Path, str, list[ObjectId]]) -> None:
    repo, session, _ = feature
    commit_file(repo, "z.txt", "z\n", f"Mixed\n\nSession-Id: {session}\nSession-Id: {OTHER}")

    report = reattach_new(repo)

    assert report is not None and report.linked == ()
    assert [x.reason for x in report.ambiguous] == ["its message names several sessions"]


def test_a_change_of_one_session_under_another_sessions_trailer_is_not_linked(
    feature: tuple[Path, str, list[ObjectId]],
) -> None:
    repo, _, commits = feature
    git(repo, "cherry-pick", commits[0])
    git(repo, "commit", "-q", "--amend", "-m", f"Add a\n\nSession-Id: {OTHER}")
    picked = head(repo)

    report = reattach_new(repo)

    assert report is not None and report.linked == ()
    assert [(x.commit, x.reason) for x in report.ambiguous] == [
        (picked, "its message names another session than the commits with its change")
    ]
    assert sessions_of(repo, picked) == set()


def test_a_damaged_record_of_the_examined_tips_means_examining_again(
    feature: tuple[Path, str, list[ObjectId]],
) -> None:
    repo, _, _ = feature
    r = Repo.discover(str(repo))
    for junk in (b"not json", b"[1]", b'{"tips": {"refs/heads/main": "../../x"}}'):
        paths.reattach_seen(r).write_bytes(junk)
        report = reattach_new(repo)
        assert report is not None and report.linked == ()
    assert run(repo, "list").exit_code == 0


def test_when_no_branch_folder_changed_not_one_ref_is_read(
    feature: tuple[Path, str, list[ObjectId]], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _, _ = feature
    past = time.time() - 60
    for root, folders, _ in os.walk(repo / ".git" / "refs"):
        for folder in [root, *(os.path.join(root, f) for f in folders)]:
            os.utime(folder, (past, past))
    assert reattach_new(repo) is None  # the tips read once, the stamp recorded with them

    def unread() -> None:
        raise AssertionError("a ref was read")

    monkeypatch.setattr(autoreattach, "watched_tips", lambda repo: unread())
    assert reattach_new(repo) is None
    monkeypatch.undo()
    commit_file(repo, "c.txt", "c\n", "C")  # main's folder changes: the tips are read again

    report = reattach_new(repo)

    assert report is not None and report.examined == 1
