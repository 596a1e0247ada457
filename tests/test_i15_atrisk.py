"""Issue 15: a session's links at risk are said out loud — ``status``, ``push`` and
``doctor`` warn when its commits are on no branch any more and no copy was matched."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from git_session.sessions import Workspace
from tests.helpers import as_json, git, make_repo_with_remote, ok, run

WARNING = "git-session: warning: {n} commits of session {s} were rewritten or dropped; the last link is {c} 'Add a'\n"


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # for the hooks


def head(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def commit_file(repo: Path, name: str, text: str, message: str) -> str:
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return head(repo)


def short(repo: Path, session: str) -> str:
    return Workspace.open(str(repo)).short_session_id(session)


@pytest.fixture
def work(tmp_path: Path) -> tuple[Path, str, list[str]]:
    """A session on ``feature`` with four linked commits."""
    repo, _ = make_repo_with_remote(tmp_path)
    ok(repo, "install")
    git(repo, "switch", "-q", "-c", "feature")
    ok(repo, "start", "Parser")
    commits = [commit_file(repo, f"{n}.txt", f"{n}\n", m) for n, m in (("a", "Add a"), ("b", "B"), ("c", "C"))]
    commits.append(commit_file(repo, "d.txt", "d\n", "D"))
    ok(repo, "status")  # links them
    return repo, as_json(repo, "status")["id"], commits


def test_status_warns_when_commits_left_every_branch(work: tuple[Path, str, list[str]]) -> None:
    repo, session, commits = work
    before = run(repo, "status")
    assert before.stderr == ""
    git(repo, "reset", "-q", "--hard", commits[0])  # the last three dropped

    after = run(repo, "status")

    assert after.exit_code == 0
    assert after.stdout == before.stdout
    assert after.stderr == WARNING.format(n=3, s=short(repo, session), c=commits[0][:12])


def test_no_warning_while_a_remote_branch_still_has_them(work: tuple[Path, str, list[str]]) -> None:
    repo, _, commits = work
    git(repo, "push", "-q", "origin", "feature")
    git(repo, "reset", "-q", "--hard", commits[0])

    assert run(repo, "status").stderr == ""


def test_push_and_doctor_warn_too(work: tuple[Path, str, list[str]]) -> None:
    repo, session, _ = work
    git(repo, "switch", "-q", "main")
    git(repo, "branch", "-q", "-D", "feature")  # all four dropped
    gone = "no commit of it is on a branch any more"
    line = f"4 commits of session {short(repo, session)} were rewritten or dropped; {gone}"

    pushed = run(repo, "push")
    doctor = run(repo, "doctor")

    assert pushed.stdout == "Pushed 1 session(s) and the notes to origin\n"
    assert pushed.stderr == f"git-session: warning: {line}\n"
    assert doctor.stdout.splitlines()[-1] == f"warning: links: {line}"
