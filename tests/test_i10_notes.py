"""Issue 10: installing must not make git warn ``notes ref refs/notes/sessions is invalid``
on every amend and rebase while no session note exists yet (notes.rewriteRef named a ref
that did not exist). The notes still follow both once there are some."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from git_session.integrations import settings
from git_session.names import NOTES_REF
from tests.helpers import git, make_repo_with_remote, ok, run

WARNING = "is invalid"


def git_err(repo: Path, *args: str) -> str:
    """Run git; fail unless it succeeds; return its stderr."""
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ})
    assert result.returncode == 0, result.stderr
    return result.stderr


def rewrite(repo: Path) -> str:
    """An amend, then a rebase that rewrites the last commit (not the first); their stderr."""
    if git(repo, "rev-list", "--count", "HEAD") == "1\n":
        git(repo, "commit", "-q", "--allow-empty", "-m", "second")
    err = git_err(repo, "commit", "--amend", "-q", "--allow-empty", "-m", "amended")
    env_rebase = {**os.environ, "GIT_SEQUENCE_EDITOR": "true"}
    result = subprocess.run(
        ["git", "rebase", "-q", "--force-rebase", "HEAD~1"], cwd=repo, capture_output=True, text=True, env=env_rebase
    )
    assert result.returncode == 0, result.stderr
    return err + result.stderr


def test_amend_and_rebase_are_silent_before_the_first_note(repo: Path) -> None:
    ok(repo, "install")
    assert git(repo, "for-each-ref", NOTES_REF) == ""
    assert WARNING not in rewrite(repo)
    assert git(repo, "for-each-ref", NOTES_REF) == ""  # nothing was created on the way


def test_notes_still_follow_amend_and_rebase(repo: Path) -> None:
    ok(repo, "install")
    git(repo, "commit", "-q", "--allow-empty", "-m", "second")
    git(repo, "notes", "--ref=sessions", "add", "-m", '{"session":"x"}')
    assert WARNING not in rewrite(repo)
    assert git(repo, "notes", "--ref=sessions", "show", "HEAD") == '{"session":"x"}\n'


def test_an_older_install_is_migrated_by_install_and_by_doctor_fix(repo: Path) -> None:
    for repair in (["install"], ["doctor", "--fix"]):
        ok(repo, "install")
        _as_an_older_install_left_it(repo)
        assert WARNING in rewrite(repo)
        doctor = run(repo, "doctor").stdout
        assert f"problem: config notes.rewriteRef: {NOTES_REF} (set by an older install)" in doctor
        ok(repo, *repair)
        assert git(repo, "config", "--get-all", "notes.rewriteRef") == settings.REWRITE_REF + "\n"
        assert WARNING not in rewrite(repo)
        assert "problem" not in run(repo, "doctor").stdout
        ok(repo, "uninstall")
        assert "rewriteref" not in git(repo, "config", "--list").lower()


def test_uninstall_of_an_older_install_removes_its_value(repo: Path) -> None:
    ok(repo, "install")
    _as_an_older_install_left_it(repo)
    ok(repo, "uninstall")
    assert "rewriteref" not in git(repo, "config", "--list").lower()


def test_a_users_own_plain_value_is_kept(repo: Path) -> None:
    git(repo, "config", "notes.rewriteRef", NOTES_REF)
    assert "Set notes.rewriteRef" not in ok(repo, "install")
    warning = f"warning: config notes.rewriteRef: {NOTES_REF} (set by you) makes every amend warn until"
    assert warning in run(repo, "doctor").stdout
    git(repo, "notes", "--ref=sessions", "add", "-m", '{"session":"x"}')
    assert "notes.rewriteRef" not in run(repo, "doctor").stdout.replace("(notes.rewriteRef and friends)", "")
    ok(repo, "uninstall")
    assert git(repo, "config", "--get-all", "notes.rewriteRef") == NOTES_REF + "\n"


def test_sharing_with_no_notes_anywhere_is_silent(tmp_path: Path) -> None:
    repo, remote = make_repo_with_remote(tmp_path)
    ok(repo, "install")
    ok(repo, "push")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    ok(clone, "install")
    ok(clone, "fetch")
    ok(clone, "pull")
    assert git(clone, "for-each-ref", NOTES_REF) == ""
    assert WARNING not in rewrite(clone)


def _as_an_older_install_left_it(repo: Path) -> None:
    """The plain ref name in the config and in the record, as installs before the fix wrote it."""
    git(repo, "config", "--local", "--fixed-value", "--unset-all", "notes.rewriteRef", settings.REWRITE_REF)
    git(repo, "config", "--local", "--add", "notes.rewriteRef", NOTES_REF)
    path = Path(git(repo, "rev-parse", "--git-common-dir").strip())
    record = (repo / path if not path.is_absolute() else path) / "git-session" / "hooks-installed"
    data = json.loads(record.read_text())
    data["config"] = [[k, NOTES_REF if v == settings.REWRITE_REF else v] for k, v in data["config"]]
    record.write_text(json.dumps(data))
