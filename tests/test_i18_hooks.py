"""Issue 14, the commit path (fifth round): what `git commit` was asked, whatever git's name.

- git run under another name (a symlink or a copy: `ln -s $(command -v git) g; ./g commit
  --amend -m new`) takes any name but `git-<command>` for itself; the hook took only `git`
  (or `git-commit`) for git's, and an amend so started got a new commit's trailers.
- `--amend -C X` / `-c X` (git passes `commit X`, X as typed) left the hook before it
  looked: the amend got no trailers of the decisions since and no record of the amend.
- The `squash` source (`git merge --squash`, then `git commit`) was not handled: the
  trailers went in before the editor, so a message emptied there no longer aborted.
- A `-m` message holding `-F`, `--f` or `--sq` went to awk, and a 20,000-letter option
  cluster took about a second in the hook.
Every case is a real commit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import test_trailers
from tests.helpers import as_json, ok
from tests.test_i14_hooks import counted, started
from tests.test_i17_hooks import NEW, amended, fresh, linked
from tests.test_trailers import Session, block, change, head, lines, message, run_git, script

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["counted"]  # (fixtures)


def commit_entries(repo: Path) -> list[str]:
    """The commits the session's live commit entries name, oldest first."""
    return [str(entry["commit"]) for entry in as_json(repo, "show")["commits"]]


# --- git under another name ------------------------------------------------------------------


@pytest.fixture(params=["symlink", "copy"])
def other_name(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A folder on PATH with git under the name `g` (a symlink to git, or a copy of it)."""
    real = shutil.which("git")
    assert real is not None
    where = tmp_path / "other-name"
    where.mkdir()
    if request.param == "symlink":
        (where / "g").symlink_to(real)
    else:
        shutil.copy2(real, where / "g")
    monkeypatch.setenv("PATH", f"{where}{os.pathsep}{os.environ['PATH']}")
    return str(where / "g")


def run_g(repo: Path, g: str, *args: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([g, *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("spelled", ["path", "name"])
@pytest.mark.parametrize(
    "argv",
    [
        ["commit", "--amend", "-m", NEW],
        ["commit", "-q", "-m", NEW, "--amend"],
        ["-C", ".", "commit", "--amend", "-m", NEW],
    ],
)
def test_an_amend_by_git_under_another_name_gets_an_amends_trailers(
    session: Session, other_name: str, spelled: str, argv: list[str]
) -> None:
    parent = linked(session)
    run_g(session.repo, other_name if spelled == "path" else "g", *argv)
    assert head(session.repo, "HEAD~1") == head(session.repo, f"{parent}~1")
    assert message(session.repo) == amended(session, NEW)
    assert commit_entries(session.repo) == [head(session.repo)]


def test_a_new_commit_by_git_under_another_name_gets_a_new_commits_trailers(session: Session, other_name: str) -> None:
    parent = linked(session)
    run_g(session.repo, "g", "commit", "-m", "explain --amend")
    assert head(session.repo, "HEAD~1") == parent
    assert message(session.repo) == fresh(session, "explain --amend")
    assert commit_entries(session.repo) == [parent, head(session.repo)]


def test_every_source_by_git_under_another_name(session: Session, other_name: str, tmp_path: Path) -> None:
    """template, commit (-C), squash, merge (message: above): as by git."""
    repo = session.repo
    parent = linked(session)
    # template: the editor keeps it and adds a line
    (tmp_path / "template").write_text("from the template\n")
    editor = script(tmp_path, "editor", 'printf "edited\\n" >> "$1"\n')
    run_g(repo, "g", "-c", f"commit.template={tmp_path / 'template'}", "commit", env={"GIT_EDITOR": editor})
    assert message(repo) == fresh(session, "from the template\n\nedited")
    # commit: -C of another commit keeps what it carries
    before = message(repo)
    change(repo)
    run_g(repo, "g", "commit", "-q", "-C", "HEAD")
    assert message(repo) == before
    # squash, then merge
    run_git(repo, "checkout", "-q", "-b", "side", "HEAD~2")
    change(repo, "side-file")
    run_git(repo, "commit", "-q", "-m", "on the side")
    run_git(repo, "checkout", "-q", "main")
    run_g(repo, "g", "merge", "-q", "--squash", "side")
    run_g(repo, "g", "commit", "-q", "--no-edit")
    assert message(repo).startswith("Squashed commit of the following:\n")
    assert message(repo).endswith("\n\n" + lines(block(session.id, ("O1", "O2"))))
    assert head(repo, "HEAD~1") != parent
    # merge (session.mergeTrailers): a merge commit's trailers
    run_git(repo, "config", "session.mergeTrailers", "true")
    run_git(repo, "checkout", "-q", "side")
    change(repo, "side-two")
    run_git(repo, "commit", "-q", "-m", "more on the side")
    run_git(repo, "checkout", "-q", "main")
    run_g(repo, "g", "merge", "-q", "--no-ff", "--no-edit", "side")
    assert message(repo) == "Merge branch 'side'\n\n" + lines(block(session.id, ("O1", "O2")))


# --- --amend with -C/-c of a commit ----------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["commit", "--amend", "-C", "@"],
        ["commit", "-q", "-C", "@", "--amend"],
        ["commit", "--amend", "-c", "@", "--no-edit"],
        ["commit", "--amend", "--reuse-message=HEAD^{commit}"],
    ],
)
def test_an_amend_reusing_heads_message_spelled_otherwise_is_an_amend(session: Session, argv: list[str]) -> None:
    parent = linked(session)
    run_git(session.repo, *argv)
    assert head(session.repo, "HEAD~1") == head(session.repo, f"{parent}~1")
    assert message(session.repo) == amended(session, "subject")
    assert commit_entries(session.repo) == [head(session.repo)]


@pytest.mark.parametrize(
    "argv",
    [
        ["commit", "--amend", "-C", "HEAD~1"],
        ["commit", "--amend", "-c", "HEAD~1", "--no-edit"],
        ["commit", "-C", "HEAD~1", "--am"],
    ],
)
def test_an_amend_reusing_another_commits_message_is_an_amend_with_a_new_message(
    session: Session, argv: list[str]
) -> None:
    """HEAD's lines of ours are kept (its decision D1) with those since, below the other
    commit's message, as for `--amend -m`."""
    parent = linked(session)
    other = message(session.repo, "HEAD~1")
    run_git(session.repo, *argv)
    assert head(session.repo, "HEAD~1") == head(session.repo, f"{parent}~1")
    assert message(session.repo) == amended(session, other.rstrip("\n"))
    assert commit_entries(session.repo) == [head(session.repo)]


def test_a_new_commit_reusing_another_commits_message_still_keeps_what_it_carries(session: Session) -> None:
    parent = linked(session)
    other = message(session.repo, "HEAD~1")
    run_git(session.repo, "commit", "-q", "-C", "HEAD~1")
    assert head(session.repo, "HEAD~1") == parent
    assert message(session.repo) == other


# --- the squash source -------------------------------------------------------------------------


def squashed(session: Session) -> str:
    """`git merge --squash` of a side branch with one commit: SQUASH_MSG's first line."""
    repo = session.repo
    linked(session)
    run_git(repo, "commit", "-q", "-m", "on main")
    run_git(repo, "checkout", "-q", "-b", "side", "HEAD~1")
    change(repo, "side-file")
    run_git(repo, "commit", "-q", "-m", "on the side")
    run_git(repo, "checkout", "-q", "main")
    run_git(repo, "merge", "-q", "--squash", "side")
    return head(repo)


def test_a_squash_committed_without_the_editor_gets_a_new_commits_trailers(session: Session) -> None:
    parent = squashed(session)
    run_git(session.repo, "commit", "-q", "--no-edit")
    assert head(session.repo, "HEAD~1") == parent
    text = message(session.repo)
    assert text.startswith("Squashed commit of the following:\n\ncommit ")
    assert text.endswith("    on the side\n\n" + lines(block(session.id, ("O1", "O2"))))
    assert commit_entries(session.repo)[-1] == head(session.repo)


def test_a_squash_whose_message_is_emptied_in_the_editor_is_aborted(session: Session, tmp_path: Path) -> None:
    parent = squashed(session)
    editor = script(tmp_path, "editor", ': > "$1"\n')
    result = run_git(session.repo, "commit", "-q", env={"GIT_EDITOR": editor}, check=False)
    assert result.returncode == 1
    assert "Aborting commit due to empty commit message." in result.stderr
    assert head(session.repo) == parent


def test_a_squash_edited_gets_the_trailers_after_the_editor(session: Session, tmp_path: Path) -> None:
    parent = squashed(session)
    editor = script(tmp_path, "editor", 'printf "squashed the side\\n" > "$1"\n')
    run_git(session.repo, "commit", "-q", env={"GIT_EDITOR": editor})
    assert head(session.repo, "HEAD~1") == parent
    assert message(session.repo) == "squashed the side\n\n" + lines(block(session.id, ("O1", "O2")))


def test_a_commit_squash_of_another_commit_with_a_message_gets_a_new_commits_trailers(session: Session) -> None:
    parent = linked(session)
    run_git(session.repo, "commit", "-q", "--squash=HEAD", "-m", "more")
    assert head(session.repo, "HEAD~1") == parent
    assert message(session.repo) == fresh(session, "squash! subject\n\nmore")


# --- what reading the command line costs ---------------------------------------------------


@pytest.mark.parametrize("text", ["see -F", "about --fixup", "the --squash flag"])
def test_a_message_naming_a_file_option_is_written_by_the_shell(
    session: Session, counted: tuple[dict[str, str], Path], text: str
) -> None:
    """(one `tr` reads the arguments' boundaries: the message came from -m, no awk)"""
    linked(session)
    assert started(session.repo, counted, "commit", "-q", "-m", text) == ["tr"]
    assert message(session.repo) == fresh(session, text)


def test_a_long_option_cluster_is_read_as_git_reads_it(session: Session, counted: tuple[dict[str, str], Path]) -> None:
    """(its cost, about a second before: bench/bench_commit.py --argv)"""
    linked(session)
    ok(session.repo, "status")  # (the amend's files are written with the cache)
    change(session.repo)
    cluster = "-" + "q" * 20_000 + "m"
    assert started(session.repo, counted, "commit", cluster, NEW, "--amend") == ["tr"]
    assert message(session.repo) == amended(session, NEW)
