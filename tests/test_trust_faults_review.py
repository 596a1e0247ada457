"""Issue 9, items 13 and 18 reviewed: what the first fixes still let through."""

from __future__ import annotations

import fcntl
import time
import types
from pathlib import Path

import pytest

from git_session import linking, paths
from git_session.gitrepo import Repo
from tests.helpers import as_json, fails, git, ok, run
from tests.test_trust_faults import alice_session, clones, notes_of, session_with_a_queued_commit


def test_an_emptied_record_of_choices_keeps_ones_sessions_the_default(repo: Path) -> None:
    ok(repo, "start", "Mine")
    mine = as_json(repo, "status")["id"]
    paths.choices_file(Repo.discover(str(repo))).write_bytes(b"")  # a full disk left the file empty

    ok(repo, "note", "still mine")
    assert notes_of(repo, mine) == ["still mine"]


def test_a_choice_after_a_line_cut_by_a_full_disk_is_recorded_apart(repo: Path) -> None:
    ok(repo, "start", "On main")
    record = paths.choices_file(Repo.discover(str(repo)))
    with open(record, "a") as handle:
        handle.write("01m8n8z")  # the rest of this line never reached the disk
    git(repo, "switch", "-q", "-c", "other")
    ok(repo, "start", "On other")
    other = as_json(repo, "status")["id"]

    ok(repo, "note", "in the new one")
    assert notes_of(repo, other) == ["in the new one"]


def test_naming_the_branch_names_ones_own_session_before_a_teammates(tmp_path: Path) -> None:
    alice, bob = clones(tmp_path)
    ok(bob, "start", "Bob on main")
    mine = as_json(bob, "status")["id"]
    ok(bob, "end", "--complete", "--no-handoff")
    theirs = alice_session(alice)
    ok(bob, "pull")

    assert as_json(bob, "show", "main")["id"] == mine
    assert "is completed: it takes no more entries" in fails(bob, "note", "--session", "main", "where to?")
    assert notes_of(bob, theirs) == ["alice was here"]
    assert as_json(bob, "show", theirs[:10])["id"] == theirs  # theirs by its id


def test_a_commit_after_a_pull_carries_ones_own_session(tmp_path: Path) -> None:
    alice, bob = clones(tmp_path)
    ok(bob, "install")
    ok(bob, "start", "Bob on main")
    mine = as_json(bob, "status")["id"]
    theirs = alice_session(alice)
    ok(bob, "pull")
    ok(bob, "hook", "refresh")  # as the hook does when the trailers are out of date
    (bob / "bob.txt").write_text("bob\n")
    git(bob, "add", "bob.txt")
    git(bob, "commit", "-q", "-m", "Bob's change")

    message = git(bob, "log", "-1", "--format=%B")
    assert f"Session-Id: {mine}" in message and theirs not in message


def test_the_commit_hook_never_waits_for_another_process_linking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = session_with_a_queued_commit(tmp_path)

    def waited(seconds: float) -> None:
        raise AssertionError("the hook waited for the drain lock")

    # linking's own clock only: the hook may run a process with a timeout (subprocess polls
    # through time.sleep), which is no wait for the lock
    clock = types.SimpleNamespace(sleep=waited, monotonic=time.monotonic, time=time.time)
    monkeypatch.setattr(linking, "time", clock)
    with open(repo / ".git" / "git-session" / "drain.lock", "a") as holder:  # another process linking
        fcntl.flock(holder, fcntl.LOCK_EX)
        result = run(repo, "hook", "refresh")
        fcntl.flock(holder, fcntl.LOCK_UN)

    assert result.exit_code == 0, result.output
    assert list((repo / ".git" / "git-session" / "queue").iterdir())  # linked by the next command
    monkeypatch.undo()
    assert [c["subject"] for c in as_json(repo, "show")["commits"]] == ["queued commit"]


def test_an_unreadable_record_of_choices_does_not_disown_ones_sessions(repo: Path) -> None:
    ok(repo, "start", "Mine")
    mine = as_json(repo, "status")["id"]
    ok(repo, "pause")
    record = paths.choices_file(Repo.discover(str(repo)))
    record.unlink()
    record.mkdir()  # not a file: it can be neither read nor written

    result = run(repo, "resume")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(
        f"git-session: warning: cannot record the session as this clone's: cannot access {record}"
    )
    ok(repo, "note", "still mine")
    assert notes_of(repo, mine) == ["still mine"]


def test_the_man_page_names_the_record_of_choices_and_the_crash_logs() -> None:
    from git_session.cli.base import KEEP_CRASH_LOGS
    from tools import manpage

    text = manpage.render_man()
    assert f"<common\\-dir>/git\\-session/{paths.CHOICES_FILE}" in text
    assert "<common\\-dir>/git\\-session/crash/" in text and KEEP_CRASH_LOGS == 10  # "the newest ten"
