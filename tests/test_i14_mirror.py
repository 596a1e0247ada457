"""Issue 14, push: the remote's copies written after a push are compared with what they were
before it, so a fetch that set one meanwhile is never undone by an older tip."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import git, ok, session_refs
from tests.test_sharing import two_clones


def test_a_copy_a_fetch_set_while_the_push_ran_is_not_overwritten(tmp_path: Path) -> None:
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Work")
    ok(alice, "push")
    (copy,) = git(alice, "for-each-ref", "--format=%(refname)", "refs/session-remotes/").split()
    ok(alice, "note", "one")
    (ref,) = session_refs(alice)
    fetched = git(alice, "rev-parse", "HEAD").strip()  # some other commit a fetch brought meanwhile
    hook = remote / "hooks" / "pre-receive"
    hook.parent.mkdir(exist_ok=True)
    clean = "unset GIT_DIR GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_QUARANTINE_PATH"
    hook.write_text(f"#!/bin/sh\ncat >/dev/null\n{clean}\ngit -C '{alice}' update-ref {copy} {fetched}\n")
    hook.chmod(0o755)
    ok(alice, "push")
    assert git(remote, "rev-parse", ref).strip() == git(alice, "rev-parse", ref).strip()
    assert git(alice, "rev-parse", copy).strip() == fetched
