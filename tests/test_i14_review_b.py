"""Adversarial review (rev-b) of issues 15, 16 and 17: each test fails without its fix."""

from __future__ import annotations

import json
from pathlib import Path

from git_session import paths
from git_session.gitrepo import Repo
from git_session.names import ObjectId
from tests.helpers import git, run
from tests.test_i15_autoreattach import feature  # noqa: F401  (the fixture)


def test_a_record_of_tips_that_are_no_commits_does_not_warn_on_every_command(
    feature: tuple[Path, str, list[ObjectId]],  # noqa: F811
) -> None:
    """A damaged reattach-seen naming a tree or a blob as a branch's tip made every command
    warn "object is not a committish", and the record was never rewritten."""
    repo, _, _ = feature
    r = Repo.discover(str(repo))
    tree = git(repo, "rev-parse", "main^{tree}").strip()
    blob = git(repo, "rev-parse", "main:other.txt").strip()
    for tips in ({"refs/heads/main": tree, "refs/heads/feature": blob}, {"refs/heads/main": blob}):
        paths.reattach_seen(r).write_text(json.dumps({"tips": tips}))
        first, second = run(repo, "list"), run(repo, "list")
        assert (first.exit_code, first.stderr, second.stderr) == (0, "", "")
