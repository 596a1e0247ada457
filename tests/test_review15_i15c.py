"""Review of i15c (issue 15): defects found by the adversarial review, each with its test."""

from __future__ import annotations

from pathlib import Path

from git_session import paths
from git_session.gitrepo import Repo
from tests.helpers import as_json, git, ok, run
from tests.test_i15_atrisk import WARNING, on_path, short, work
from tests.test_i15_autoreattach import commit_file, head, link, reattach_new, sessions_of

__all__ = ["on_path", "work"]  # the fixtures, used by name


def test_a_squash_of_a_submodule_bump_is_linked_whatever_diff_submodule_says(repo: Path) -> None:
    """``git log -p`` (the new commits' patch-ids) obeys ``diff.submodule``; ``git diff-tree``
    (the linked commits') does not: with ``log`` the bump has no patch at all, and a squash
    of it was never linked."""
    git(repo, "switch", "-q", "-c", "feature")
    ok(repo, "start", "Bump")
    session = as_json(repo, "status")["id"]
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head(repo)},sub")
    git(repo, "commit", "-q", "-m", "Add the submodule")
    bump = head(repo)
    link(repo, bump, session)
    git(repo, "switch", "-q", "main")
    commit_file(repo, "other.txt", "unrelated\n", "Meanwhile on main")
    ok(repo, "list")  # examines the branches as they are
    git(repo, "config", "diff.submodule", "log")
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Bump (#1)")
    squash = head(repo)

    report = reattach_new(repo)

    assert report is not None and [(x.commit, x.sessions) for x in report.linked] == [(squash, (session,))]
    assert sessions_of(repo, squash) == {session}


def test_a_detached_head_of_another_worktree_holds_them_as_the_current_ones_does(
    work: tuple[Path, str, list[str]], tmp_path: Path
) -> None:
    """``status --help`` says a detached HEAD holds a session's commits; only the worktree
    the command ran in was looked at, so the same session was at risk seen from one worktree
    and not from the other (``git gc`` keeps what any worktree's HEAD holds)."""
    repo, session, commits = work
    git(repo, "worktree", "add", "-q", "--detach", str(tmp_path / "other"), commits[-1])
    git(repo, "reset", "-q", "--hard", commits[0])

    assert run(tmp_path / "other", "status", "--session", session).stderr == ""
    assert run(repo, "status").stderr == ""

    git(repo, "worktree", "remove", str(tmp_path / "other"))
    assert run(repo, "status").stderr == WARNING.format(n=3, s=short(repo, session), c=commits[0][:12])


def test_a_squash_of_a_submodule_bump_is_linked_when_the_submodule_is_ignored(repo: Path) -> None:
    """``submodule.<name>.ignore=all`` hid the bump from ``git diff-tree`` (the linked
    commits' patch-ids) and not from ``git log -p --ignore-submodules=none`` (the new
    commits'): the two patch-ids of one change differed, and its squash was never linked."""
    git(repo, "switch", "-q", "-c", "feature")
    ok(repo, "start", "Bump")
    session = as_json(repo, "status")["id"]
    (repo / ".gitmodules").write_text('[submodule "sub"]\n\tpath = sub\n\turl = ./sub\n\tignore = all\n')
    git(repo, "add", ".gitmodules")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head(repo)},sub")
    git(repo, "commit", "-q", "-m", "Add the submodule")
    bump = head(repo)
    link(repo, bump, session)
    git(repo, "switch", "-q", "main")
    commit_file(repo, "other.txt", "unrelated\n", "Meanwhile on main")
    ok(repo, "list")  # examines the branches as they are
    # what a version that let the setting hide the bump cached (the bump's diff: empty)
    paths.patch_id_cache(Repo.discover(str(repo))).write_text(f"{bump} - -\n")
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Bump (#1)")
    squash = head(repo)

    report = reattach_new(repo)

    assert report is not None and [(x.commit, x.sessions) for x in report.linked] == [(squash, (session,))]
