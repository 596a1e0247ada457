"""git sets the set-group-ID bit of a folder it makes in a shared repository only when the
mode gives the group some access (``adjust_shared_perm``: "g+s matters only if any extra
access is granted based on group membership"): ``core.sharedRepository=0600`` (or 0604)
makes folders ``0700``. git-session set it on every folder it made."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session.gitrepo import Ident, Repo
from tests.helpers import git
from tests.test_corefix23_shared import modes, usual_umask

__all__ = ["usual_umask"]  # (autouse here too: the usual umask 022)

SESSION = "refs/sessions/01HZX"


@pytest.mark.parametrize("shared", ["0600", "0604", "0640"])
def test_a_folder_made_gets_the_group_id_bit_only_where_git_gives_it(tmp_path: Path, shared: str) -> None:
    found = []
    for name in ("git", "ours"):
        git(tmp_path, "init", "-q", f"--shared={shared}", str(tmp_path / name))
        repo = Repo.discover(str(tmp_path / name))
        tip = repo.write_commit(repo.edit_tree(None, {}), [], "a", Ident("t", "t@example.com", 1700000000, "+0000"))
        if name == "git":
            git(tmp_path / name, "update-ref", "--create-reflog", "-m", "a", SESSION, tip)
        else:
            assert repo.cas_ref(SESSION, tip, None, "a")
        found.append(modes(tmp_path / name / ".git", SESSION))
    assert found[1] == found[0]
