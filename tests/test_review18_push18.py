"""Adversarial review of push18 (round 18): the no-op push's early answer, the dry run
handed to the command, and the pre-push check of a push by hand."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run
from tests.test_i14_share_noop import probe
from tests.test_i17_push_remote import pushed_twice


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
