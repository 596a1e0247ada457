"""A ref git-session writes is logged where git logs it: git appends to a reflog that is
there whatever ``core.logAllRefUpdates`` says (libgit2 not when it is false, as it is
unset in a bare repository), and begins one for every ref when it is ``always``. The notes
ref of a bare repository with a reflog got no line from git-session's notes; a remote
session copy none under ``always``; nor a session created in ``packed-refs``."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session.gitrepo import Ident, Repo
from git_session.names import NOTES_REF, REMOTE_SESSIONS_PREFIX
from tests.helpers import git

REFS = [NOTES_REF, f"{REMOTE_SESSIONS_PREFIX}origin/01HZX", "refs/heads/topic"]
# (bare, core.logAllRefUpdates or None, a reflog already there)
CASES = [
    (True, None, True),
    (True, None, False),
    (True, "always", False),
    (True, "true", False),
    (False, None, False),
    (False, "false", True),
    (False, "false", False),
    (False, "always", False),
]


def configured(where: Path, bare: bool, logging: str | None, ref: str, begun: bool) -> Path:
    git(where.parent, "init", "-q", *(["--bare"] if bare else []), str(where))
    if logging is not None:
        git(where, "config", "core.logAllRefUpdates", logging)
    if begun:
        log = where / ("" if bare else ".git") / "logs" / ref
        log.parent.mkdir(parents=True)
        log.touch()
    return where


def logged_lines(repo: Repo, ref: str) -> int | None:
    path = Path(repo.reflog_path(ref))
    return path.read_text(encoding="utf-8").count("\n") if path.exists() else None


@pytest.mark.parametrize("ref", REFS)
@pytest.mark.parametrize(("bare", "logging", "begun"), CASES)
def test_an_update_is_logged_as_git_logs_it(
    tmp_path: Path, ref: str, bare: bool, logging: str | None, begun: bool
) -> None:
    """The same update made by git (update-ref) in one repository and by git-session in
    another configured alike: the same reflog, line for line (none, or one)."""
    ours = Repo.discover(str(configured(tmp_path / "ours", bare, logging, ref, begun)))
    theirs = Repo.discover(str(configured(tmp_path / "theirs", bare, logging, ref, begun)))
    tip = ours.write_commit(ours.edit_tree(None, {}), [], "a", Ident("t", "t@example.com", 1700000000, "+0000"))
    theirs.write_commit(theirs.edit_tree(None, {}), [], "a", Ident("t", "t@example.com", 1700000000, "+0000"))
    git(tmp_path / "theirs", "update-ref", "-m", "git-session: a", ref, tip)
    assert ours.cas_ref(ref, tip, None, "git-session: a")
    assert logged_lines(ours, ref) == logged_lines(theirs, ref)


@pytest.mark.parametrize("begun", [False, True])
def test_a_ref_whose_creation_git_logs_is_not_created_packed(tmp_path: Path, begun: bool) -> None:
    """``create_packed_refs`` writes no reflog: a ref git would log (every ref under
    ``always``; one whose reflog is there) is left to the usual way, which logs it."""
    ref = "refs/sessions/01HZX"
    path = configured(tmp_path / "repo.git", True, None if begun else "always", ref, begun)
    repo = Repo.discover(str(path))
    tip = repo.write_commit(repo.edit_tree(None, {}), [], "a", Ident("t", "t@example.com", 1700000000, "+0000"))
    other = "refs/session-remotes/origin/01HZY"
    assert repo.create_packed_refs({ref: tip, other: tip}) == ({ref} if begun else {ref, other})
    assert repo.cas_ref(ref, tip, None, "git-session: copy")
    assert logged_lines(repo, ref) == 1
