"""Adversarial review of issue 14 (rev-a): defects found in the merged work, each pinned.

The trailer cache is trusted without asking git while every config file the hook knows is
older than it. A config read through ``include.path`` (or ``includeIf``), or a global config
named by ``GIT_CONFIG_GLOBAL``, is not one of those files: its change must still be seen.

A push records, as the remote's copy of each session, what the remote holds after it
(``sharing._mirror``): the next push sends nothing whose copy is the local tip. After a push
by pattern, a session that moved while git pushed must not be recorded at its new tip, which
the remote may not have.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session import sharing
from tests import test_trailers
from tests.helpers import git, ok, session_refs
from tests.test_i14_hooks import age
from tests.test_sharing import two_clones
from tests.test_trailers import Session, change, lines, message, run_git

hooked = test_trailers.hooked
session = test_trailers.session


def test_a_trailer_key_changed_in_an_included_file_is_used_at_the_next_commit(session: Session, tmp_path: Path) -> None:
    repo = session.repo
    included = tmp_path / "included.gitconfig"
    included.write_text("")
    git(repo, "config", "include.path", str(included))
    change(repo)
    ok(repo, "hook", "refresh")  # the cache rendered with the include in place
    age(repo / ".git" / "config", 120)  # every config file the hook knows is older than the cache
    git(repo, "config", "--file", str(included), "session.trailer.id", "Work-Session")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    assert message(repo) == "subject\n\n" + lines([f"Work-Session: {session.id}", *session.first[1:]])


def test_a_trailer_key_in_the_global_config_named_by_git_config_global_is_used(
    session: Session, tmp_path: Path
) -> None:
    repo = session.repo
    elsewhere = tmp_path / "elsewhere.gitconfig"
    elsewhere.write_text("")
    env = {"GIT_CONFIG_GLOBAL": str(elsewhere)}
    ok(repo, "hook", "refresh", env=env)
    age(repo / ".git" / "config", 120)
    git(repo, "config", "--file", str(elsewhere), "session.trailer.id", "Work-Session")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", env=env)
    assert message(repo) == "subject\n\n" + lines([f"Work-Session: {session.id}", *session.first[1:]])


@pytest.mark.parametrize("how", ["written", "removed"])
def test_a_trailer_key_changed_in_the_shared_config_file_is_used_at_the_next_commit(session: Session, how: str) -> None:
    """``.git-session/config.yaml``'s ``trailer:`` keys are read when git config sets none:
    an edit of the file after the cache was rendered is not covered by any git config time."""
    repo = session.repo
    shared = repo / ".git-session" / "config.yaml"
    shared.parent.mkdir()
    shared.write_text("trailer:\n  id: Work-Session\n" if how == "removed" else "")
    ok(repo, "hook", "refresh")
    for path in (repo / ".git" / "config", shared, shared.parent):
        age(path, 120)  # older than the cache
    if how == "written":
        shared.write_text("trailer:\n  id: Work-Session\n")
    else:
        shared.unlink()
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    key = "Work-Session" if how == "written" else "Session-Id"
    assert message(repo) == "subject\n\n" + lines([f"{key}: {session.id}", *session.first[1:]])


def test_a_session_that_moved_during_a_push_by_pattern_is_pushed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Work")
    ok(alice, "push")
    ok(alice, "note", "one")
    ok(alice, "note", "two")
    (ref,) = session_refs(alice)
    later = git(alice, "rev-parse", ref).strip()
    git(alice, "update-ref", ref, f"{ref}~1")
    loose = alice / ".git" / ref
    assert loose.is_file()
    # The session moves to its later tip while the remote receives: git has read the earlier one.
    hook = remote / "hooks" / "pre-receive"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f'#!/bin/sh\ncat >/dev/null\necho {later} > "{loose}.new" && mv "{loose}.new" "{loose}"\n')
    hook.chmod(0o755)
    monkeypatch.setattr(sharing, "EXACT_REFSPECS_UP_TO", 0)  # by pattern, as past 64 sessions
    ok(alice, "push")
    assert git(alice, "rev-parse", ref).strip() == later
    hook.unlink()

    ok(alice, "push")
    assert git(remote, "rev-parse", ref).strip() == later
