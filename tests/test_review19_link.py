"""Review of link19 (round 19): defects found in the at-risk check's memos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from git_session.names import BranchName
from git_session.sessions import Workspace
from git_session.store import Draft
from tests.helpers import git, run
from tests.test_i15_atrisk import short, work
from tests.test_i19_link import aged

__all__ = ["work"]  # the fixture used here


def test_a_commit_value_of_two_ids_on_two_lines_does_not_make_a_present_commit_known_absent(
    work: tuple[Path, str, list[str]],
) -> None:
    """A commit entry's value is untrusted (pulled data): ``"<id>\\n<id of a linked commit>"``
    is looked up as one id (absent); the memo of absent ids must not come to hold the linked
    commit's id on its own line, or the next check reports that present, reached commit at risk."""
    repo, session, commits = work
    ws = Workspace.open(str(repo))
    found = ws.open_session(BranchName("feature"))
    assert found is not None
    fields: dict[str, Any] = {"text": "Odd", "commit": "0" * 40 + "\n" + commits[1], "covers": 0, "branch": "feature"}
    ws.store.append(found.handle.ref, lambda _h, _m: [Draft.add("commit", fields)], ws.ident, "entries")
    git(repo, "repack", "-adq")
    aged(repo)
    first = run(repo, "status").stderr

    second = run(repo, "status").stderr

    assert first.startswith(f"git-session: warning: 1 commit of session {short(repo, session)} was rewritten")
    assert second == first
