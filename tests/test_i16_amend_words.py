"""A commit whose message mentions ``--amend`` is a commit, not an amend (found reviewing
hooks16: prepare-commit-msg reads the command line without its argument boundaries, so it
recorded "amends <parent>", and the new commit was never linked)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import as_json, git, ok
from tests.test_i11_rest import commit, head, on_path  # noqa: F401  (a fixture)


def test_a_message_that_mentions_amend_is_linked_as_a_new_commit(repo: Path) -> None:
    ok(repo, "install")
    ok(repo, "start", "Work")
    first = commit(repo, "a")
    ok(repo, "status")
    (repo / "b").write_text("b\n")
    git(repo, "add", "b")
    git(repo, "commit", "-q", "-m", "explain the --amend flag")
    second = head(repo)
    linked = [(c["sha"], c["subject"]) for c in as_json(repo, "show")["commits"]]
    assert sorted(linked) == sorted([(first, "add a"), (second, "explain the --amend flag")])
