"""Review of issue 9's data items: names and text that come from outside git-session (a
branch name, the git identity, GIT_SESSION_AGENT) and are not UTF-8 are refused in one
line by the writer, never a crash, and nothing is stored."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import fails, git, make_repo, ok, session_refs

LATIN1_E = "\udce9"  # the byte 0xe9 (é in Latin-1), as Python reads it from argv, env or git


def test_a_branch_whose_name_is_not_utf8_is_refused_at_start_in_one_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, branch=f"caf{LATIN1_E}")
    assert "not valid UTF-8" in fails(repo, "start", "work")
    assert session_refs(repo) == []
    git(repo, "switch", "-q", "-c", "plain")
    ok(repo, "start", "work")


@pytest.mark.parametrize("variable", ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_SESSION_AGENT"])
def test_an_identity_or_agent_that_is_not_utf8_is_refused_and_the_session_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "note", "before")
    tip = git(repo, "for-each-ref", "--format=%(objectname)", "refs/sessions/").strip()
    before = os.environ.get(variable)
    monkeypatch.setenv(variable, f"b{LATIN1_E}d")
    assert "not valid UTF-8" in fails(repo, "note", "after")
    assert git(repo, "for-each-ref", "--format=%(objectname)", "refs/sessions/").strip() == tip
    ok(repo, "status")  # reading needs no identity
    if before is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, before)
    ok(repo, "note", "after")
