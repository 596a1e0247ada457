"""autoPush (the pre-push hook's push of the branch's sessions) in one connection (issue 14,
round 19): it asked the remote by a ``git push --dry-run`` and then pushed, one connection
more than the user's ``git push`` on every push. It now pushes at once, with the remote's
state taken from the copies here and proved by the push itself (``git push --atomic`` with
a lease on every session and the notes: ``sharing._push_leased``); where the remote is not
where the copies say, nothing is sent and the push runs as before (dry run, scan, push).

Connections are counted where the remote sees them (``test_i18_push_connections.counted``)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import git, ok, session_refs
from tests.test_i18_push_check import stale_copy
from tests.test_i18_push_connections import connections, counted
from tests.test_sharing import AWS_KEY, ENV_PATH, all_refs, two_clones
from tests.test_trust_secrets import remote_objects


def auto(tmp_path: Path) -> tuple[Path, Path]:
    """Alice with the hooks, autoPush on, a session on ``feature`` pushed once (its copy here)."""
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "install")
    git(alice, "config", "session.autoPush", "true")
    git(alice, "switch", "-q", "-c", "feature")
    ok(alice, "start", "On feature")
    git(alice, "commit", "-q", "--allow-empty", "-m", "first")
    git(alice, "push", "-q", "origin", "feature", env=ENV_PATH)
    assert all_refs(remote, "refs/sessions/") == all_refs(alice, "refs/sessions/")
    return remote, alice


def push_feature(alice: Path) -> subprocess.CompletedProcess[str]:
    git(alice, "commit", "-q", "--allow-empty", "-m", "more")
    command = ["git", "push", "origin", "feature"]
    return subprocess.run(command, cwd=alice, capture_output=True, text=True, env={**os.environ, **ENV_PATH})


@pytest.mark.slow
def test_auto_push_of_a_session_connects_once_besides_the_users_push(tmp_path: Path) -> None:
    remote, alice = auto(tmp_path)
    ok(alice, "note", "one more line")
    log = counted(tmp_path, alice)

    result = push_feature(alice)
    assert result.returncode == 0, result.stderr
    assert "git-session: pushed 1 session(s) to origin" in result.stderr
    assert connections(log) == 2  # the user's push, and the sessions' (no dry run)
    assert all_refs(remote, "refs/sessions/") == all_refs(alice, "refs/sessions/")
    # What it recorded, as a push always does: the next one connects once too.
    ok(alice, "note", "and another")
    result = push_feature(alice)
    assert result.returncode == 0, result.stderr
    assert connections(log) == 4
    assert all_refs(remote, "refs/sessions/") == all_refs(alice, "refs/sessions/")


@pytest.mark.slow
def test_a_remote_that_lost_the_session_gets_it_again(tmp_path: Path) -> None:
    """The copy says the remote has the session: the lease finds it has not; nothing was
    sent, and the push as always (dry run, push) sends it."""
    remote, alice = auto(tmp_path)
    (ref,) = session_refs(alice)
    git(remote, "update-ref", "-d", ref)

    result = push_feature(alice)
    assert result.returncode == 0, result.stderr
    assert all_refs(remote, "refs/sessions/") == all_refs(alice, "refs/sessions/")


@pytest.mark.slow
def test_a_secret_past_the_remotes_tip_is_found_whatever_the_copy_says(tmp_path: Path) -> None:
    """The remote is re-pointed to a backup made before a note with a secret was pushed;
    the copy here still says it has that note: the scan against the copy sees only what
    follows, but the lease stops that push before anything leaves, and the push as always
    finds the secret."""
    remote, alice = auto(tmp_path)
    backup = tmp_path / "backup.git"
    git(tmp_path, "clone", "-q", "--mirror", str(remote), str(backup))
    ok(alice, "note", f"the key is {AWS_KEY}")
    (ref,) = session_refs(alice)
    git(alice, "push", "-q", "--no-verify", "origin", ref)  # before the check was in
    stale_copy(alice, ref, "refs/session-remotes/origin/sessions/" + ref.removeprefix("refs/sessions/"))
    git(alice, "remote", "set-url", "origin", str(backup))
    ok(alice, "note", "a clean line")

    result = push_feature(alice)
    assert result.returncode == 0, result.stderr  # the user's push never fails on our account
    assert "AWS Access Key" in result.stderr and "sessions were not pushed" in result.stderr
    assert AWS_KEY.encode() not in remote_objects(backup)
    assert git(backup, "rev-parse", "refs/heads/feature") == git(alice, "rev-parse", "feature")


@pytest.mark.slow
def test_a_snapshot_leaving_is_scanned_against_the_branches_the_remote_says_it_has(tmp_path: Path) -> None:
    """Which branches the remote has (whose files are no news) only a dry run asks: a
    checkpoint's snapshot takes the push as before (dry run, push)."""
    remote, alice = auto(tmp_path)
    (alice / "f.txt").write_text("some work\n")
    ok(alice, "checkpoint", "-m", "a snapshot")
    log = counted(tmp_path, alice)

    result = push_feature(alice)
    assert result.returncode == 0, result.stderr
    assert connections(log) == 3
    assert all_refs(remote, "refs/sessions/") == all_refs(alice, "refs/sessions/")


@pytest.mark.slow
def test_a_second_push_url_that_lacks_the_session_is_scanned_whole(tmp_path: Path) -> None:
    """Two push URLs, the second made anew: the first took what the copy says it has (with
    a secret, pushed before the check was in); the lease fails at the second, which gets
    nothing from that push, and the push as always finds the secret for it."""
    remote, alice = auto(tmp_path)
    ok(alice, "note", f"the key is {AWS_KEY}")
    (ref,) = session_refs(alice)
    git(alice, "push", "-q", "--no-verify", "origin", ref)  # the copy follows by hand
    stale_copy(alice, ref, "refs/session-remotes/origin/sessions/" + ref.removeprefix("refs/sessions/"))
    second = tmp_path / "second.git"
    git(tmp_path, "init", "-q", "--bare", str(second))
    git(alice, "config", "--add", "remote.origin.pushurl", str(remote))
    git(alice, "config", "--add", "remote.origin.pushurl", str(second))
    ok(alice, "note", "a clean line")

    result = push_feature(alice)
    assert result.returncode == 0, result.stderr
    assert "AWS Access Key" in result.stderr and "sessions were not pushed" in result.stderr
    assert AWS_KEY.encode() not in remote_objects(second)
    assert all_refs(second, "refs/sessions/") == {}


@pytest.mark.slow
def test_with_no_session_and_no_notes_nothing_else_is_pushed(tmp_path: Path) -> None:
    """No refspec at all would have git push what push.default says (the current branch)."""
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "install")
    git(alice, "config", "session.autoPush", "true")
    git(alice, "branch", "feature")
    git(alice, "commit", "-q", "--allow-empty", "-m", "not for the remote yet")
    before = git(remote, "rev-parse", "refs/heads/main")
    command = ["git", "push", "origin", "feature"]
    result = subprocess.run(command, cwd=alice, capture_output=True, text=True, env={**os.environ, **ENV_PATH})
    assert result.returncode == 0, result.stderr
    assert git(remote, "rev-parse", "refs/heads/main") == before
    assert all_refs(remote, "refs/sessions/") == {}
