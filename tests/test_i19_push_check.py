"""The pre-push check of a ``git push`` by hand (``pushcheck``) keys what the remote has by
the remote's ref (issue 14, round 19): git gives the hook ``<local ref> <local oid> <remote
ref> <remote oid>``, and the remote oid is the tip of the remote ref, not of the local one.
``git push origin X:Y`` said nothing of the remote's X: the copy of X here (and the log of
what was sent as X) hid X's history as if the remote had it, and a secret past the remote's
tip of Y left unscanned. The same for the notes pushed under another name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import git, ok
from tests.test_i18_push_check import stale_copy
from tests.test_trust_secrets import GITHUB_TOKEN, clones, push, refused_unleaked, session_refs_of
from tests.test_trust_secrets_review import linked_decision_with_secret


def foreign_tip(remote: Path, ref: str) -> str:
    """``ref`` on the remote, at a commit this clone never saw (another clone pushed it)."""
    tree = git(remote, "mktree", input="").strip()
    tip = git(remote, "commit-tree", tree, "-m", "pushed from elsewhere").strip()
    git(remote, "update-ref", ref, tip)
    return tip


def snapshot_with_secret(alice: Path) -> str:
    ok(alice, "install")
    ok(alice, "start", "Snapshots")
    (alice / "deploy.env").write_text(f"TOKEN={GITHUB_TOKEN}\n")
    ok(alice, "checkpoint", "-m", "before deploying")
    (ref,) = session_refs_of(alice)
    return ref


@pytest.mark.slow
def test_a_session_pushed_under_another_name_is_scanned_past_that_names_tip(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ref = snapshot_with_secret(alice)
    # The copy here says the remote has this session at its tip (as a push or fetch left it
    # before the remote lost it); the remote has another session, at a tip not here.
    stale_copy(alice, ref, "refs/session-remotes/origin/sessions/" + ref.removeprefix("refs/sessions/"))
    other = ref.rsplit("/", 1)[0] + "/other-session"
    foreign_tip(remote, other)

    result = push(alice, "origin", f"+{ref}:{other}")
    refused_unleaked(result, "(file deploy.env)", remote)


@pytest.mark.slow
def test_a_session_pushed_to_a_branch_is_scanned_past_the_branchs_tip(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ref = snapshot_with_secret(alice)
    stale_copy(alice, ref, "refs/session-remotes/origin/sessions/" + ref.removeprefix("refs/sessions/"))
    foreign_tip(remote, "refs/heads/parked")

    result = push(alice, "origin", f"+{ref}:refs/heads/parked")
    refused_unleaked(result, "(file deploy.env)", remote)


@pytest.mark.slow
def test_notes_pushed_under_another_name_are_scanned_past_that_names_tip(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    linked_decision_with_secret(alice)
    stale_copy(alice, "refs/notes/sessions", "refs/session-remotes/origin/notes/sessions")
    foreign_tip(remote, "refs/notes/archive")

    result = push(alice, "origin", "+refs/notes/sessions:refs/notes/archive")
    refused_unleaked(result, "GitHub Token in the note on commit", remote)


@pytest.mark.slow
def test_the_remote_tip_of_the_same_name_still_hides_what_it_has(tmp_path: Path) -> None:
    """Pushed to its own name and to another: what the remote has under its own name is
    not scanned again (the secret there was pushed before the check was in)."""
    remote, alice, _ = clones(tmp_path)
    ref = snapshot_with_secret(alice)
    git(alice, "push", "-q", "--no-verify", "origin", f"{ref}:{ref}")
    ok(alice, "note", "a clean line")
    other = ref.rsplit("/", 1)[0] + "/other-session"

    result = push(alice, "origin", f"{ref}:{other}", f"{ref}:{ref}")
    assert result.returncode == 0, result.stderr
    assert git(remote, "rev-parse", other) == git(alice, "rev-parse", ref)
