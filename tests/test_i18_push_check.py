"""The pre-push check of a ``git push`` by hand (``pushcheck``) trusts the copies here only
for what the remote still has (issue 14, round 18): git gives the hook the remote's tip of
every pushed ref; a session or notes the remote lacks (re-pointed, made anew, deleted
there) leave whole, and are scanned whole, whatever a stale copy here says it had."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import git, ok
from tests.test_trust_secrets import GITHUB_TOKEN, clones, push, refused_unleaked, session_refs_of
from tests.test_trust_secrets_review import linked_decision_with_secret


def stale_copy(repo: Path, ref: str, copy: str) -> None:
    """A copy saying the remote has ``ref`` at its tip here, as a fetch left it before the
    remote lost it."""
    git(repo, "update-ref", copy, git(repo, "rev-parse", ref).strip())


@pytest.mark.slow
def test_a_session_the_remote_lacks_is_scanned_whole_whatever_its_copy_says(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Snapshots")
    (alice / "deploy.env").write_text(f"TOKEN={GITHUB_TOKEN}\n")
    ok(alice, "checkpoint", "-m", "before deploying")
    (ref,) = session_refs_of(alice)
    stale_copy(alice, ref, "refs/session-remotes/origin/sessions/" + ref.removeprefix("refs/sessions/"))

    result = push(alice, "origin", "refs/sessions/*:refs/sessions/*")
    refused_unleaked(result, "(file deploy.env)", remote)


@pytest.mark.slow
def test_notes_the_remote_lacks_are_scanned_whole_whatever_their_copy_says(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    linked_decision_with_secret(alice)
    stale_copy(alice, "refs/notes/sessions", "refs/session-remotes/origin/notes/sessions")

    result = push(alice, "origin", "refs/notes/sessions")
    refused_unleaked(result, "GitHub Token in the note on commit", remote)


@pytest.mark.slow
def test_what_the_remote_has_is_still_not_scanned_again(tmp_path: Path) -> None:
    """The remote holds the notes with the secret already (pushed before the check was in):
    pushing one more clean note sends only that one, and goes through."""
    remote, alice, _ = clones(tmp_path)
    linked_decision_with_secret(alice)
    git(alice, "push", "-q", "--no-verify", "origin", "refs/notes/sessions")
    git(alice, "commit", "-q", "--allow-empty", "-m", "more work")
    git(alice, "notes", "--ref=sessions", "add", "-m", "a clean line", "HEAD")

    result = push(alice, "origin", "refs/notes/sessions")
    assert result.returncode == 0, result.stderr
    assert git(remote, "rev-parse", "refs/notes/sessions") == git(alice, "rev-parse", "refs/notes/sessions")
