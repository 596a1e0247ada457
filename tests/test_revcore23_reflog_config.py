"""A ``core.logAllRefUpdates`` that is no boolean nor ``always`` (``maybe``) makes git refuse
every ref update ("bad boolean config value"), and libgit2 too ("failed to map"). It was
read as ``false``: git-session then wrote its own reflog line, under the lock, before the
write libgit2 refused: the reflog named a value the ref never took."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session.errors import GitError
from git_session.gitrepo import Ident, Repo
from tests.helpers import git

REF = "refs/sessions/01HZX"


@pytest.mark.parametrize("bare", [False, True])
def test_an_update_refused_for_a_bad_logging_value_logs_nothing(tmp_path: Path, bare: bool) -> None:
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", *(["--bare"] if bare else []), str(path))
    git(path, "config", "core.logAllRefUpdates", "maybe")
    repo = Repo.discover(str(path))
    tip = repo.write_commit(repo.edit_tree(None, {}), [], "a", Ident("t", "t@example.com", 1700000000, "+0000"))
    with pytest.raises(GitError):
        repo.cas_ref(REF, tip, None, "git-session: start")
    assert repo.ref_target(REF) is None
    log = Path(repo.reflog_path(REF))
    assert not log.exists() or log.read_text(encoding="utf-8") == ""
