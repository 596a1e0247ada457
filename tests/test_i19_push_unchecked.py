"""When the pre-push check cannot be made (a ref pushed to a session's name that is no
session), the push goes on, as every hook failure lets it: the check said "push stopped …
nothing was sent" all the same, while everything was sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import git, ok
from tests.test_trust_secrets import clones, push, session_refs_of


@pytest.mark.slow
def test_a_check_that_cannot_be_made_does_not_say_the_push_stopped(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Work")
    (ref,) = session_refs_of(alice)
    other = ref.rsplit("/", 1)[0] + "/not-a-session"

    result = push(alice, "origin", f"refs/heads/main:{other}")
    assert result.returncode == 0, result.stderr
    assert git(remote, "rev-parse", other) == git(alice, "rev-parse", "main")  # it went
    assert "stopped" not in result.stderr and "nothing was sent" not in result.stderr
    assert "git-session: the sessions and notes pushed could not be checked: session not-a-session: " in result.stderr
    assert "git-session: warning: the commits being pushed were not checked for secrets\n" in result.stderr
