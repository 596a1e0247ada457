"""Review of push17 (round 17): what a push decides from ``git push --dry-run``."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import fails, git, ok
from tests.test_i14_share_noop import in_repo, probe
from tests.test_i17_push_remote import local_refs, pushed_twice, remote_refs
from tests.test_sharing import two_clones


def test_notes_re_pointed_to_a_remote_with_other_notes_are_merged_and_sent(tmp_path: Path) -> None:
    """The remote has notes of its own (another repository, or its notes rewritten): the copy
    here of what the old one had is ours, but this one does not hold it. The notes must not
    stay here with "up to date" until a fetch."""
    _, alice, _ = pushed_twice(tmp_path)
    other = tmp_path / "other.git"
    git(tmp_path, "init", "-q", "--bare", str(other))
    seed = tmp_path / "seed"
    git(seed, "notes", "--ref=sessions", "add", "-m", "their line", "HEAD")
    git(seed, "push", "-q", str(other), "main", "refs/notes/sessions")
    theirs = git(other, "rev-parse", "refs/notes/sessions").strip()
    git(alice, "remote", "set-url", "origin", str(other))

    assert in_repo(alice) is None
    out = ok(alice, "push")

    assert out.endswith("Pushed 2 session(s) and the notes to origin\n"), out
    assert remote_refs(other) == local_refs(alice)
    git(other, "merge-base", "--is-ancestor", theirs, "refs/notes/sessions")  # theirs kept, not clobbered
    assert probe(alice, "push")[:3] == (0, "Everything up to date on origin\n", "")


def test_a_second_push_url_unreachable_fails_as_git_push_fails(tmp_path: Path) -> None:
    """``git push`` answers for the first URL, then dies on the second (exit 128): the
    lines it printed for the first are not "everything up to date" (early or in full)."""
    remote, alice, _ = pushed_twice(tmp_path)
    git(alice, "config", "--add", "remote.origin.pushurl", str(remote))
    git(alice, "config", "--add", "remote.origin.pushurl", str(tmp_path / "nowhere.git"))

    assert in_repo(alice) is None
    answer = probe(alice, "push")
    assert answer.code != 0 and answer.stdout == "", answer
    assert "cannot push sessions to origin" in answer.stderr and "nowhere.git" in answer.stderr, answer.stderr


AWS_KEY = "AKIA" + "J7Q2ZK5VWX3MPL4N"


def test_a_checkpoint_file_is_scanned_for_a_remote_made_anew_though_a_stale_branch_copy_has_it(
    tmp_path: Path,
) -> None:
    """The scan leaves out a snapshot's files that the remote's branches have (``PublicFiles``):
    which branches it has is asked of it too, not taken from ``refs/remotes/<name>/*``, which
    a re-pointed URL or a remote made anew leaves saying "it has it"."""
    _, alice, _ = two_clones(tmp_path)
    Path(alice, "cfg.env").write_text(f"aws_access_key_id = {AWS_KEY}\n")
    git(alice, "add", "cfg.env")
    git(alice, "commit", "-q", "-m", "config")
    git(alice, "push", "-q", "origin", "main")
    git(alice, "switch", "-q", "-c", "topic")
    ok(alice, "start", "Work")
    Path(alice, "other").write_text("change\n")
    ok(alice, "checkpoint", "-m", "cp")
    assert ok(alice, "push") == "Pushed 1 session(s) to origin\n"  # the remote has main: cfg.env is public
    empty = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(empty))
    git(alice, "remote", "set-url", "origin", str(empty))

    stderr = fails(alice, "push")

    assert stderr.startswith("git-session: push stopped: AWS Access Key in session "), stderr
    assert "(file cfg.env)" in stderr, stderr
    assert git(empty, "for-each-ref") == ""  # nothing was sent
