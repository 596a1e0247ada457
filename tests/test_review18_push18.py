"""Adversarial review of push18 (round 18): the no-op push's early answer, the dry run
handed to the command, and the pre-push check of a push by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import git, ok, run
from tests.test_i14_share_noop import probe
from tests.test_i17_push_remote import pushed_twice
from tests.test_i18_push_check import stale_copy
from tests.test_trust_secrets import GITHUB_TOKEN, clones, push, refused_unleaked, remote_objects, session_refs_of


def test_a_damaged_copy_of_the_remotes_notes_is_left_to_the_command(tmp_path: Path) -> None:
    """The command reads the copy of the remote's notes even when nothing leaves
    (``remotes.outgoing_notes``): a damaged one is warned about, and the push fails. The
    early answer, which no longer reads the copies, said "up to date" with status 0."""
    _, alice, _ = pushed_twice(tmp_path)
    copy = alice / ".git" / "refs" / "session-remotes" / "origin" / "notes" / "sessions"
    assert copy.is_file()
    copy.write_text("garbage\n")
    command = run(alice, "push")
    warning = (
        "git-session: warning: not pushed: refs/notes/sessions: refs/session-remotes/origin/notes/sessions "
        "cannot be read: its file is damaged\n"
    )
    failure = "git-session: 1 ref(s) were not pushed: they cannot be read\nhint: git session doctor\n"
    assert (command.exit_code, command.stdout, command.stderr) == (
        3,
        "Everything up to date on origin\n",
        warning + failure,
    )

    answer = probe(alice, "push")
    assert answer[:3] == (3, "Everything up to date on origin\n", warning + failure)
    assert not answer.answered_early


def secret_past_a_backup(tmp_path: Path) -> tuple[Path, Path, Path, str]:
    """A session pushed with a clean checkpoint, a mirror of the remote made then (the
    backup), and a checkpoint holding a secret made after: the remote, the clone, the
    backup and the session's ref."""
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Snapshots")
    (alice / "notes.txt").write_text("nothing to hide\n")
    ok(alice, "checkpoint", "-m", "clean")
    assert ok(alice, "push") == "Pushed 1 session(s) to origin\n"
    backup = tmp_path / "backup.git"
    git(tmp_path, "clone", "-q", "--mirror", str(remote), str(backup))
    (alice / "deploy.env").write_text(f"TOKEN={GITHUB_TOKEN}\n")
    ok(alice, "checkpoint", "-m", "before deploying")
    (ref,) = session_refs_of(alice)
    return remote, alice, backup, ref


@pytest.mark.slow
@pytest.mark.parametrize("how", ["git push", "git session push"])
def test_a_session_the_remote_has_at_an_older_tip_is_scanned_past_that_tip(tmp_path: Path, how: str) -> None:
    """A remote re-pointed to one that has the session, but at an older tip (a backup made
    before): git gives the pre-push hook that tip (the dry run says "old..new"), and what the
    remote lacks past it leaves. The copy here (a fetch from the old URL, which had it all)
    was believed because the remote "still has the ref": the secret past its tip left
    unscanned."""
    _, alice, backup, ref = secret_past_a_backup(tmp_path)
    stale_copy(alice, ref, "refs/session-remotes/origin/sessions/" + ref.removeprefix("refs/sessions/"))
    git(alice, "remote", "set-url", "origin", str(backup))

    if how == "git push":
        result = push(alice, "origin", "refs/sessions/*:refs/sessions/*")
        assert result.returncode != 0, result.stderr
        assert "(file deploy.env)" in result.stderr and GITHUB_TOKEN not in result.stderr
    else:
        refused = run(alice, "push")
        assert refused.exit_code != 0, refused.output
        assert "(file deploy.env)" in refused.stderr and GITHUB_TOKEN not in refused.output
    assert GITHUB_TOKEN.encode() not in remote_objects(backup)


@pytest.mark.slow
def test_notes_the_remote_has_at_an_older_tip_are_scanned_past_that_tip(tmp_path: Path) -> None:
    """As for a session: the notes' copy here, ahead of the tip git gives the hook, is
    history that remote lacks."""
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    git(alice, "notes", "--ref=sessions", "add", "-m", "a clean line", "HEAD")
    assert push(alice, "origin", "refs/notes/sessions").returncode == 0
    backup = tmp_path / "backup.git"
    git(tmp_path, "clone", "-q", "--mirror", str(remote), str(backup))
    ok(alice, "start", "Notes")
    ok(alice, "decision", "add", "Use the deploy key", "--rationale", f"it is {GITHUB_TOKEN}")
    git(alice, "commit", "-q", "--allow-empty", "-m", "work")
    ok(alice, "status")  # links the commit: its note now quotes the decision
    assert GITHUB_TOKEN in git(alice, "notes", "--ref=sessions", "show", "HEAD")
    stale_copy(alice, "refs/notes/sessions", "refs/session-remotes/origin/notes/sessions")
    git(alice, "remote", "set-url", "origin", str(backup))

    result = push(alice, "origin", "refs/notes/sessions")
    refused_unleaked(result, "GitHub Token in the note on commit", backup)


@pytest.mark.slow
def test_a_push_url_behind_the_other_has_what_it_lacks_scanned(tmp_path: Path) -> None:
    """Two push URLs: the first holds the session at the tip here ("="), the second (a backup
    made before) at an older one. The copy here was believed (the remote "has the ref" at
    every URL) and hid everything: what the second lacks left it unscanned."""
    remote, alice, backup, ref = secret_past_a_backup(tmp_path)
    git(alice, "push", "-q", "--no-verify", "origin", f"{ref}:{ref}")  # past the check, by hand
    stale_copy(alice, ref, "refs/session-remotes/origin/sessions/" + ref.removeprefix("refs/sessions/"))
    git(alice, "remote", "set-url", "--add", "--push", "origin", str(remote))
    git(alice, "remote", "set-url", "--add", "--push", "origin", str(backup))

    refused = run(alice, "push")
    assert refused.exit_code != 0, refused.output
    assert "(file deploy.env)" in refused.stderr and GITHUB_TOKEN not in refused.output
    assert GITHUB_TOKEN.encode() not in remote_objects(backup)
