"""Review of link19 (round 19): defects found in the at-risk check's memos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from git_session import atrisk
from git_session.names import BranchName
from git_session.sessions import Workspace
from git_session.store import Draft
from tests.helpers import git, run
from tests.test_i15_atrisk import commit_file, short, work
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


def _without_memo(repo: Path, session: str) -> str:
    """What ``status`` warns with the memo of the commits reached deleted first."""
    (repo / ".git" / "git-session" / atrisk.REACHED_FOLDER / session).unlink(missing_ok=True)
    return run(repo, "status").stderr


def test_a_commit_a_graft_cuts_off_the_branches_is_at_risk_as_without_the_memo(
    work: tuple[Path, str, list[str]],
) -> None:
    """The memo of the commits reached holds while each branch keeps its tip; but a graft
    (``info/grafts``, or the ``shallow`` file a ``git fetch --depth`` writes) changes history
    under the same tips: libgit2's walk and git's gc follow it, so the commits cut off are at
    risk, as the check without the memo says."""
    repo, session, commits = work
    assert run(repo, "status").stderr == ""  # (the memo: every commit reached from feature's tip)
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "grafts").write_text(commits[2] + "\n")  # C without parents

    warned = run(repo, "status").stderr

    assert warned.startswith(f"git-session: warning: 2 commits of session {short(repo, session)} were rewritten")
    assert warned == _without_memo(repo, session)


def test_a_commit_a_shallow_fetch_cuts_off_the_branches_is_at_risk_as_without_the_memo(
    work: tuple[Path, str, list[str]],
) -> None:
    repo, session, commits = work
    assert run(repo, "status").stderr == ""
    (repo / ".git" / "shallow").write_text(commits[2] + "\n")  # (as ``git fetch --depth`` writes it)

    warned = run(repo, "status").stderr

    assert warned.startswith(f"git-session: warning: 2 commits of session {short(repo, session)} were rewritten")
    assert warned == _without_memo(repo, session)


def test_commits_a_graft_joined_to_a_branch_are_at_risk_again_when_it_goes(
    work: tuple[Path, str, list[str]],
) -> None:
    """A graft may add parents: what a walk under it reaches is no memo for history without it."""
    repo, session, commits = work
    git(repo, "reset", "-q", "--hard", commits[0])
    tip = commit_file(repo, "e.txt", "e\n", "E")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "grafts").write_text(f"{tip} {commits[3]}\n")  # E on D
    assert run(repo, "status").stderr == ""
    (repo / ".git" / "info" / "grafts").unlink()

    warned = run(repo, "status").stderr

    assert warned.startswith(f"git-session: warning: 3 commits of session {short(repo, session)} were rewritten")
    assert warned == _without_memo(repo, session)
