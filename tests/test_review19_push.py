"""Review of round 19's push branch: defects found in the pre-push check of a ``git push``
by hand (``pushcheck``) and in autoPush's one-connection push (``sharing._push_leased``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import git
from tests.test_trust_secrets import GITHUB_TOKEN, clones, push, remote_objects
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
    assert result.returncode != 0, result.stderr
    assert "GitHub Token in the note on commit" in result.stderr and GITHUB_TOKEN not in result.stderr
    leaked = GITHUB_TOKEN.encode() in remote_objects(remote)
    assert not leaked
