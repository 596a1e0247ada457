"""Review of round 19's push branch: defects found in the pre-push check of a ``git push``
by hand (``pushcheck``) and in autoPush's one-connection push (``sharing._push_leased``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from git_session import secrets, sharing
from git_session.gitrepo import Repo
from git_session.remotes import RemoteView
from tests.helpers import git, ok, session_refs
from tests.test_i19_push_check import snapshot_with_secret
from tests.test_sharing import AWS_KEY, all_refs, two_clones
from tests.test_trust_secrets import GITHUB_TOKEN, clones, push, refused_unleaked, remote_objects, session_refs_of
from tests.test_trust_secrets_review import linked_decision_with_secret


@pytest.mark.slow
def test_notes_pushed_under_another_name_beside_other_notes_pushed_to_their_name_are_scanned(tmp_path: Path) -> None:
    """Two lines push notes: the session notes (with a secret) under another name, and other
    notes under the session notes' name. The check kept one notes tip, the last line's: the
    secret left unscanned."""
    remote, alice, _ = clones(tmp_path)
    linked_decision_with_secret(alice)
    git(alice, "notes", "--ref=clean", "add", "-m", "nothing here", "HEAD")

    result = push(alice, "origin", "refs/notes/sessions:refs/notes/archive", "refs/notes/clean:refs/notes/sessions")
    refused_unleaked(result, "GitHub Token in the note on commit", remote)


@pytest.mark.slow
def test_a_session_pushed_beside_a_ref_that_cannot_be_scanned_is_still_scanned(tmp_path: Path) -> None:
    """A branch pushed to a session's name beside a session holding a secret: the branch's
    commit carries no operation, the scan of everything failed on it, and the check (which
    never stops a push when it fails) let the session's secret leave, saying "push stopped"."""
    remote, alice, _ = clones(tmp_path)
    ref = snapshot_with_secret(alice)
    other = ref.rsplit("/", 1)[0] + "/not-a-session"

    result = push(alice, "origin", ref, f"refs/heads/main:{other}")
    refused_unleaked(result, "(file deploy.env)", remote)


@pytest.mark.slow
def test_a_session_deleted_while_the_one_connection_push_reads_does_not_leave_unscanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """autoPush's one-connection push read the session tips twice (for the leases, then for
    what leaves): a session gone by the second read left nothing to scan, and the push sent
    its first tip all the same, with a lease at its copy: a secret left unscanned."""
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Deleted meanwhile")
    ok(alice, "push")
    ok(alice, "note", f"the key is {AWS_KEY}")
    (ref,) = session_refs(alice)
    repo = Repo.discover(str(alice))
    original = sharing._copies_view

    def then_deleted(*args: Any) -> RemoteView | None:
        view = original(*args)
        git(alice, "update-ref", "-d", ref)
        return view

    monkeypatch.setattr(sharing, "_copies_view", then_deleted)
    sharing.push(repo, sharing.resolve_remote(repo, "origin"), secrets.scan, prefixes=["refs/sessions/"], leased=True)

    leaked = AWS_KEY.encode() in remote_objects(remote)
    assert not leaked


@pytest.mark.slow
def test_a_session_pushed_under_another_name_beside_another_ref_pushed_to_its_name_is_scanned(tmp_path: Path) -> None:
    """``X:Y`` (X with a secret) and then a ref holding X's older, clean tip pushed to X:
    the check kept one tip per session name, the last line's, and X's secret left."""
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Snapshots")
    (ref,) = session_refs_of(alice)
    older = "refs/session-remotes/origin/sessions/" + ref.removeprefix("refs/sessions/")
    git(alice, "update-ref", older, git(alice, "rev-parse", ref).strip())
    (alice / "deploy.env").write_text(f"TOKEN={GITHUB_TOKEN}\n")
    ok(alice, "checkpoint", "-m", "before deploying")
    other = ref.rsplit("/", 1)[0] + "/other-session"

    result = push(alice, "origin", f"{ref}:{other}", f"{older}:{ref}")
    refused_unleaked(result, "(file deploy.env)", remote)


@pytest.mark.slow
def test_a_session_lost_to_gc_with_a_copy_leaves_the_others_pushed_by_auto_push(tmp_path: Path) -> None:
    """A session at a missing object (lost to ``git gc --prune=now``) whose copy says the
    remote had it: the one-connection push's ancestry check raised, and autoPush pushed
    nothing; the push as always leaves that one here and pushes the others."""
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Kept")
    ok(alice, "push")
    ok(alice, "note", "more")
    (ref,) = session_refs(alice)
    lost = ref.rsplit("/", 1)[0] + "/lost"
    git(alice, "update-ref", "refs/session-remotes/origin/sessions/" + lost.removeprefix("refs/sessions/"), ref)
    (alice / ".git" / lost).write_text("1234567890123456789012345678901234567890\n")
    repo = Repo.discover(str(alice))

    remote_of = sharing.resolve_remote(repo, "origin")
    report = sharing.push(repo, remote_of, secrets.scan, prefixes=["refs/sessions/"], leased=True)

    assert report.pushed == [ref] and list(report.unreadable) == [lost]
    assert all_refs(remote, "refs/sessions/") == {ref: git(alice, "rev-parse", ref).strip()}
