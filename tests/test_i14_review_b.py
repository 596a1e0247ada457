"""Adversarial review (rev-b) of issues 15, 16 and 17: each test fails without its fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from git_session import codec, paths, settings
from git_session.gitrepo import Repo
from git_session.names import ObjectId
from tests.helpers import git, make_repo, ok, run
from tests.test_i15_autoreattach import feature  # noqa: F401  (the fixture)
from tests.test_i17_config import shared


def test_a_record_of_tips_that_are_no_commits_does_not_warn_on_every_command(
    feature: tuple[Path, str, list[ObjectId]],  # noqa: F811
) -> None:
    """A damaged reattach-seen naming a tree or a blob as a branch's tip made every command
    warn "object is not a committish", and the record was never rewritten."""
    repo, _, _ = feature
    r = Repo.discover(str(repo))
    tree = git(repo, "rev-parse", "main^{tree}").strip()
    blob = git(repo, "rev-parse", "main:other.txt").strip()
    for tips in ({"refs/heads/main": tree, "refs/heads/feature": blob}, {"refs/heads/main": blob}):
        paths.reattach_seen(r).write_text(json.dumps({"tips": tips}))
        first, second = run(repo, "list"), run(repo, "list")
        assert (first.exit_code, first.stderr, second.stderr) == (0, "", "")


def test_a_context_file_never_comes_from_the_git_folder(tmp_path: Path) -> None:
    """A committed config naming .git/config (or a link to it) put the remote's URL, token
    and all, into every brief."""
    repo = make_repo(tmp_path)
    git(repo, "config", "remote.origin.url", "https://user:TOKEN@example.com/x.git")
    (repo / "docs").mkdir()
    (repo / "docs" / "c.md").symlink_to("../.git/config")
    shared(repo, "brief:\n  context: [docs/c.md]\n")
    files, problems = settings.context_files(Repo.discover(str(repo)), settings.load(Repo.discover(str(repo))))
    assert files == []
    assert problems == ["docs/c.md:1:1: a link into the repository's .git folder: not read"]
    shared(repo, "brief:\n  context: [.GIT/config]\n")
    chosen = settings.load(Repo.discover(str(repo)))
    assert settings.context_files(Repo.discover(str(repo)), chosen) == ([], [])
    assert chosen.warnings == (
        ".git-session/config.yaml:2:12: brief.context: '.GIT/config' is not a path inside the repository; ignored",
    )
    assert settings.is_confined("sub/.git/config") is False


def test_report_since_may_be_a_date_written_plainly(tmp_path: Path) -> None:
    """YAML reads an unquoted 2024-01-01 as a date, which was refused as "a non-empty text"
    though the setting says it is a date."""
    repo = make_repo(tmp_path)
    shared(repo, "report:\n  since: 2024-01-01\n")
    chosen = settings.load(Repo.discover(str(repo)))
    assert (chosen.warnings, chosen.text("report.since")) == ((), "2024-01-01")


@pytest.mark.parametrize("option", [["--since", "@99999999999999999999"], ["--until", "9999-12-31"]])
def test_a_date_beyond_what_a_date_can_be_is_refused_not_a_crash(repo: Path, option: list[str]) -> None:
    """A report of such a period was an internal error (OverflowError, "year 10000 is out of range")."""
    result = run(repo, "report", *option)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"git-session: date out of range: {option[1]!r}\nhint: give a date between the years 1 and 9999\n"
    )


def test_a_session_dated_past_the_year_9999_is_skipped_not_a_crash(repo: Path) -> None:
    """Stored times were accepted up to 2**40 (the year 36812): report, history and list
    were an internal error ("year 36812 is out of range") on such a session."""
    ok(repo, "start", "Far")
    ref = git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions").strip()
    meta = json.loads(git(repo, "show", f"{ref}:meta.json"))
    meta["created"] = meta["updated"] = 2**40
    blob = git(repo, "hash-object", "-w", "--stdin", input=codec.dumps(meta)).strip()
    tree = git(repo, "mktree", input=f"100644 blob {blob}\tmeta.json\n").strip()
    git(repo, "update-ref", ref, git(repo, "commit-tree", tree, "-p", ref, "-m", "far").strip())
    skipped = "created: expected an integer in [0, 253402214400]"
    result = run(repo, "list")  # list refuses a damaged session, as it did one dated 2**40 + 1
    assert (result.exit_code, skipped in result.stderr) == (3, True)
    for command in (["report"], ["history"], ["report", "--format", "html"]):
        result = run(repo, *command)  # the only session: its problem is the error, as list's
        assert (result.exit_code, result.stdout, skipped in result.stderr) == (3, "", True), command
    git(repo, "checkout", "-q", "-b", "near")
    ok(repo, "start", "Near")
    for command in (["report"], ["history"], ["report", "--format", "html"]):
        result = run(repo, *command)  # beside a readable one: skipped with a warning
        assert result.exit_code == 0 and skipped in result.stderr, (command, result.stderr)
        assert "Near" in result.stdout and "Far" not in result.stdout, command
