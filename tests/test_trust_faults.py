"""Issue 9: a pulled session never takes a branch over; file-system faults are one clear line."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import Result

from git_session import gitcli, gitrepo, linking, paths, views
from git_session.cli.base import KEEP_CRASH_LOGS
from git_session.errors import EXIT_CONFLICT, EXIT_FILESYSTEM, EXIT_GIT, EXIT_INTERNAL, FileSystemError
from git_session.gitrepo import Ident, Repo
from git_session.names import ObjectId
from tests import faultfs
from tests.helpers import as_json, fails, fsck, git, make_repo, make_two_clones, ok, run, subprocess_cli

ALICE = {
    "GIT_AUTHOR_NAME": "Alice",
    "GIT_AUTHOR_EMAIL": "alice@example.com",
    "GIT_AUTHOR_DATE": "4000000000 +0000",  # a crafted far-future `created`
    "GIT_COMMITTER_DATE": "4000000000 +0000",
}


def clones(tmp_path: Path) -> tuple[Path, Path]:
    _, alice, bob = make_two_clones(tmp_path)
    return alice, bob


def alice_session(alice: Path) -> str:
    """Alice's active session on main, pushed."""
    ok(alice, "start", "Alice on main", env=ALICE)
    ok(alice, "note", "alice was here", env=ALICE)
    ok(alice, "push", env=ALICE)
    return str(as_json(alice, "status")["id"])


def notes_of(repo: Path, session: str) -> list[str]:
    return [n["text"] for n in as_json(repo, "show", session)["notes"]]


def test_a_pulled_teammates_session_does_not_take_over_the_branch(tmp_path: Path) -> None:
    alice, bob = clones(tmp_path)
    ok(bob, "start", "Bob on main")
    mine = as_json(bob, "status")["id"]
    theirs = alice_session(alice)

    ok(bob, "pull")
    ok(bob, "note", "bob's progress")
    ok(bob, "decision", "add", "Keep the cache", "--rationale", "it is warm")

    assert as_json(bob, "status")["id"] == mine
    assert notes_of(bob, mine) == ["bob's progress"]
    assert [d["text"] for d in as_json(bob, "show", mine)["decisions"]] == ["Keep the cache"]
    assert notes_of(bob, theirs) == ["alice was here"]
    assert "Also on this branch: session" in ok(bob, "status")
    ok(bob, "push")
    ok(alice, "pull", env=ALICE)
    assert notes_of(alice, theirs) == ["alice was here"]  # nothing of Bob's went into hers


def test_working_in_a_teammates_session_is_an_explicit_choice(tmp_path: Path) -> None:
    alice, bob = clones(tmp_path)
    ok(bob, "start", "Bob on main")
    mine = as_json(bob, "status")["id"]
    theirs = alice_session(alice)
    ok(bob, "pull")

    ok(bob, "note", "--session", theirs[:10], "helping alice")
    assert notes_of(bob, theirs) == ["alice was here", "helping alice"]
    ok(bob, "note", "back to mine")
    assert notes_of(bob, mine) == ["back to mine"]

    fails(bob, "resume", theirs[:10])  # one open session of one's own per branch
    ok(bob, "end", "--complete", "--no-handoff")
    ok(bob, "resume", theirs[:10])
    ok(bob, "note", "now in hers")
    assert as_json(bob, "status")["id"] == theirs
    assert notes_of(bob, theirs)[-1] == "now in hers"


def test_with_no_session_of_ones_own_a_teammates_is_not_picked(tmp_path: Path) -> None:
    alice, bob = clones(tmp_path)
    theirs = alice_session(alice)
    ok(bob, "pull")

    stderr = fails(bob, "note", "where does this go?")
    assert "no session of yours on branch 'main'" in stderr
    assert f"git session resume {theirs[:4]}" in stderr
    assert notes_of(bob, theirs) == ["alice was here"]

    ok(bob, "start", "Bob's own")  # a teammate's open session does not block one's own
    ok(bob, "note", "in my own")
    mine = as_json(bob, "status")["id"]
    assert mine != theirs and notes_of(bob, mine) == ["in my own"]


def test_sessions_started_before_choices_were_recorded_stay_the_default(repo: Path) -> None:
    ok(repo, "start", "Older session")
    older = as_json(repo, "status")["id"]
    paths.choices_file(Repo.discover(str(repo))).unlink()  # as a clone that predates the record

    ok(repo, "note", "still mine")
    assert notes_of(repo, older) == ["still mine"]
    git(repo, "switch", "-q", "-c", "other")
    ok(repo, "start", "On another branch")  # the first recorded choice keeps the older ones
    git(repo, "switch", "-q", "main")
    ok(repo, "note", "and still")
    assert notes_of(repo, older) == ["still mine", "and still"]


def test_writing_once_into_a_teammates_session_does_not_make_it_the_default(tmp_path: Path) -> None:
    alice, bob = clones(tmp_path)
    theirs = alice_session(alice)
    git(bob, "switch", "-q", "-c", "bob-branch")
    ok(bob, "start", "Bob elsewhere")
    git(bob, "switch", "-q", "main")
    ok(bob, "pull")

    ok(bob, "note", "--session", theirs[:10], "a one-off hand")
    assert "no session of yours on branch 'main'" in fails(bob, "note", "where to?")
    assert notes_of(bob, theirs) == ["alice was here", "a one-off hand"]


def test_a_branch_named_session_prefers_ones_own(tmp_path: Path) -> None:
    alice, bob = clones(tmp_path)
    ok(bob, "start", "Bob on main")
    mine = as_json(bob, "status")["id"]
    alice_session(alice)
    ok(bob, "pull")
    assert as_json(bob, "show", "main")["id"] == mine
    result = run(bob, "status")
    assert result.exit_code == 0


# --- file-system faults: one clear line, reading goes on, nothing lost ------------------

READS = [
    ("status",),
    ("status", "--json"),
    ("doctor",),
    ("list",),
    ("log",),
    ("show",),
    ("brief",),
    ("handoff",),
    ("checkpoints",),
]
WRITES = [("note", "on a broken disk"), ("decision", "add", "Keep going"), ("pause",)]


def session_with_a_queued_commit(where: Path) -> Path:
    """A repository with the hooks in, an active session, and a commit recorded by the hook
    but not linked yet (the next command links it)."""
    repo = make_repo(where)
    ok(repo, "install")
    ok(repo, "start", "Faults", "-o", "Stay readable")
    ok(repo, "note", "before the fault")
    (repo / "README").write_text("changed\n")
    git(repo, "commit", "-q", "-am", "queued commit")
    assert list((repo / ".git" / "git-session" / "queue").iterdir())
    return repo


def one_line_error(result: Result, code: int, fault: str) -> None:
    """The command failed with ``code`` and one line naming the fault (a warning and a hint
    may come with it), never a crash."""
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if not line.startswith("git-session: warning: ")]
    assert lines[0].startswith("git-session: cannot "), result.stderr
    assert fault in lines[0], result.stderr
    assert all(line.startswith("hint: ") for line in lines[1:]), result.stderr
    assert "internal error" not in result.stderr


def reads_work(repo: Path, fault: str) -> None:
    for args in READS:
        result = run(repo, *args)
        assert result.exit_code == 0, (args, result.output)
        assert result.stderr.splitlines() in (
            [],
            [f"git-session: warning: recorded commits stay unlinked: cannot write {_drain_lock(repo)}: {fault}"],
        ), (args, result.stderr)


def _drain_lock(repo: Path) -> Path:
    return repo / ".git" / "git-session" / "drain.lock"


def leftovers(repo: Path) -> list[str]:
    """Temporary files a failed write left in the private folder."""
    return [p.name for p in (repo / ".git" / "git-session").rglob(".*")]


def test_a_read_only_repository_with_a_queued_commit_reads_and_refuses_writes_in_one_line() -> None:
    with faultfs.small_fs(16384) as fs:
        repo = session_with_a_queued_commit(fs)
        faultfs.read_only(fs, True)
        try:
            reads_work(repo, "Read-only file system")
            for args in WRITES:
                one_line_error(run(repo, *args), EXIT_FILESYSTEM, "Read-only file system")
            # The snapshot is made by git and by libgit2: whichever writes first names the fault.
            snapshot = run(repo, "checkpoint", "-m", "saved")
            assert snapshot.exit_code in (EXIT_GIT, EXIT_FILESYSTEM), snapshot.output
            errors = [
                line for line in snapshot.stderr.splitlines() if not line.startswith(("hint:", "git-session: warn"))
            ]
            assert len(errors) == 1 and "Read-only file system" in errors[0], snapshot.stderr
            child = subprocess_cli(repo, "note", "through the real entry point")
            assert child.returncode == EXIT_FILESYSTEM and "Read-only file system" in child.stderr
            assert "Traceback" not in child.stderr
        finally:
            faultfs.read_only(fs, False)
        show = as_json(repo, "show")  # writable again: the queued commit is linked now
        assert [c["subject"] for c in show["commits"]] == ["queued commit"]
        assert [n["text"] for n in show["notes"]] == ["before the fault"]
        assert not list((repo / ".git" / "git-session" / "queue").iterdir())
        fsck(repo)


def test_a_full_disk_is_one_line_naming_it_and_loses_nothing() -> None:
    with faultfs.small_fs(16384) as fs:
        repo = session_with_a_queued_commit(fs)
        filler = faultfs.fill(fs)
        assert faultfs.is_full(fs)
        for args in [("note", "on a full disk"), ("decision", "add", "Keep going"), ("pause",)]:
            one_line_error(run(repo, *args), EXIT_FILESYSTEM, "No space left on device")
        assert run(repo, "status").exit_code == 0
        assert run(repo, "brief").exit_code == 0
        assert leftovers(repo) == []
        filler.unlink()
        ok(repo, "note", "after the fault")
        show = as_json(repo, "show")
        assert [n["text"] for n in show["notes"]] == ["before the fault", "after the fault"]
        assert [c["subject"] for c in show["commits"]] == ["queued commit"]
        fsck(repo)


def test_without_write_permission_reads_work_and_writes_name_the_path(tmp_path: Path) -> None:
    with faultfs.small_fs(16384) as fs:
        repo = session_with_a_queued_commit(fs)
        home = fs / "home"
        home.mkdir()
        (home / ".gitconfig").write_text("[safe]\n\tdirectory = *\n")  # the repository is root's
        status = faultfs.as_nobody([sys.executable, "-m", "git_session", "status"], repo, home)
        assert status.returncode == 0, status.stderr
        assert "Stay readable" in status.stdout
        warning = f"recorded commits stay unlinked: cannot write {_drain_lock(repo)}: Permission denied"
        assert status.stderr == f"git-session: warning: {warning}\n"
        note = faultfs.as_nobody([sys.executable, "-m", "git_session", "note", "not mine to write"], repo, home)
        assert note.returncode == EXIT_FILESYSTEM, note.stderr
        assert note.stderr.splitlines()[-2].startswith("git-session: cannot write"), note.stderr
        assert "Permission denied" in note.stderr and "Traceback" not in note.stderr
        assert [n["text"] for n in as_json(repo, "show")["notes"]] == ["before the fault"]
        fsck(repo)


def test_a_held_drain_lock_does_not_crash_a_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = session_with_a_queued_commit(tmp_path)
    monkeypatch.setattr(linking, "LOCK_WAIT_SECONDS", 0.1)
    with open(_drain_lock(repo), "a") as holder:  # another process linking
        fcntl.flock(holder, fcntl.LOCK_EX)
        result = run(repo, "status")
        fcntl.flock(holder, fcntl.LOCK_UN)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("git-session: warning: recorded commits stay unlinked: another git-session")
    assert [c["subject"] for c in as_json(repo, "show")["commits"]] == ["queued commit"]


def test_a_held_session_ref_lock_is_a_conflict_naming_the_lock(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok(repo, "start", "Locked")
    ref = git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").strip()
    lock = repo / ".git" / (ref + ".lock")
    lock.write_text("held by another process\n")  # fresh: not a stale lock to break
    monkeypatch.setattr(gitrepo, "RETRY_SECONDS", 0.2)
    stderr = fails(repo, "note", "waits for the lock", code=EXIT_CONFLICT)
    assert f"remove {lock}" in stderr
    lock.unlink()
    ok(repo, "note", "after the lock")
    assert [n["text"] for n in as_json(repo, "show")["notes"]] == ["after the lock"]


# --- smaller: git's own error lines, crash logs, counts ---------------------------------


def test_a_git_error_shows_gits_error_line_not_its_advice(repo: Path) -> None:
    git(repo, "branch", "other")
    (repo / ".git" / "index.lock").write_text("")
    stderr = fails(repo, "switch", "other", code=EXIT_GIT)
    assert "fatal: Unable to create" in stderr and "index.lock': File exists." in stderr
    assert "remove the file manually" not in stderr


def test_git_error_summary_keeps_the_error_lines_bounded() -> None:
    stderr = "hint: a\nerror: one\nwarning: w\nerror: two\nfatal: three\nerror: four\nadvice\n"
    assert gitcli.error_summary(stderr, 1) == "error: one; error: two; fatal: three"
    assert gitcli.error_summary("just this\nand the last\n", 1) == "and the last"
    assert gitcli.error_summary("", 128) == "exit status 128"
    assert len(gitcli.error_summary("fatal: " + "x" * 5000, 1)) == gitcli.MAX_ERROR_CHARS


def crash(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "state_view", broken)
    result = run(repo, "status", "--json")
    assert result.exit_code == EXIT_INTERNAL
    hint = result.stderr.splitlines()[-1]
    return Path(hint.removeprefix("hint: the details are in ").removesuffix("; please report them"))


def test_crash_logs_stay_in_the_repository_and_only_the_newest_are_kept(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(repo, "start", "Crashing")
    folder = repo / ".git" / "git-session" / "crash"
    logs = [crash(repo, monkeypatch) for _ in range(KEEP_CRASH_LOGS + 3)]
    assert all(log.parent == folder for log in logs)
    assert sorted(folder.iterdir()) == sorted(logs[-KEEP_CRASH_LOGS:])
    assert "RuntimeError: a bug" in logs[-1].read_text()

    shutil.rmtree(folder)
    folder.write_text("")  # the folder cannot be made: the temporary folder takes the log
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert crash(repo, monkeypatch).parent == tmp_path


def test_progress_counts_the_private_objectives_it_lists(repo: Path) -> None:
    ok(repo, "start", "Counting")
    ok(repo, "objective", "add", "Shared goal")
    ok(repo, "objective", "add", "--private", "My own goal")
    assert "0/2 objectives done" in ok(repo, "status")
    private_id = next(o["id"] for o in as_json(repo, "status")["objectives"] if o["text"] == "My own goal")
    ok(repo, "objective", "done", private_id)
    assert "1/2 objectives done" in ok(repo, "status")
    assert as_json(repo, "status")["progress"] == {"done": 1, "total": 2}
    assert "Progress: 1/2 objectives done" in ok(repo, "brief")
    assert json.loads(ok(repo, "handoff", "--format", "json"))["metrics"]["objectives_total"] == 1  # never shared


def test_a_record_truncated_by_a_full_disk_goes_after_a_day(repo: Path) -> None:
    ok(repo, "install")
    ok(repo, "start", "Truncated")
    queue = repo / ".git" / "git-session" / "queue"
    old, fresh = queue / "pending.1.abc", queue / "pending.2.abc"
    old.write_text("")  # the hook's printf met a full disk
    fresh.write_text("")  # or a hook is writing it right now
    day_old = time.time() - linking.ABANDON_SECONDS - 60
    os.utime(old, (day_old, day_old))
    ok(repo, "status")
    assert sorted(queue.iterdir()) == [fresh]


def test_a_commit_libgit2_did_not_store_on_a_full_disk_is_an_error_not_an_id() -> None:
    with faultfs.small_fs(4096) as fs:
        path = make_repo(fs)
        repo = Repo.discover(str(path))
        tree = repo.commit(ObjectId(git(path, "rev-parse", "HEAD").strip())).tree
        ident = Ident("A U Thor", "author@example.com", 1700000000, "+0000")
        filler = faultfs.fill(fs)
        with pytest.raises(FileSystemError, match="No space left on device"):
            repo.write_commit(tree, [], "never stored\n", ident)
        filler.unlink()
        assert repo.has_object(repo.write_commit(tree, [], "stored\n", ident))
