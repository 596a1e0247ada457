"""Issue 14, the commit path: the trailer cache is fresh by the config values it was rendered
from, not by file times, and the amend and editor paths start as few processes as they can.

Every commit runs through the real hook shims, installed into the test repository. Whether
a commit went to Python is seen by a ``git-session`` first on PATH that records each call.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from git_session import data, trailers
from git_session.gitrepo import Repo
from tests import test_trailers
from tests.helpers import git, ok
from tests.test_trailers import Session, change, lines, message, run_git, script, writes

hooked = test_trailers.hooked
session = test_trailers.session
editors = test_trailers.editors

PARAGRAPH = "Jira: PROJ-123\nwith a line of text\nand another"


def cache_of(repo: Path) -> Path:
    cache = trailers.cache_path(Repo.discover(str(repo)), "main")
    assert cache is not None and cache.exists()
    return cache


def age(path: Path, seconds: int = 60) -> None:
    """Make ``path`` older than any config written from now on (file times are coarse)."""
    then = path.stat().st_mtime_ns - seconds * 1_000_000_000
    os.utime(path, ns=(then, then))


@pytest.fixture
def watched(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose ``git-session`` only records that it was asked (and fails), so a
    commit that needs Python shows it; and the file it records in."""
    where = tmp_path / "watch"
    where.mkdir()
    calls = where / "calls"
    script(where, "git-session", f'echo "$*" >> "{calls}"\nexit 1\n')
    return {"PATH": f"{where}{os.pathsep}{os.environ['PATH']}"}, calls


def commit_watched(repo: Path, watch: tuple[dict[str, str], Path], *args: str) -> str:
    env, calls = watch
    change(repo)
    result = run_git(repo, *args, env=env)
    assert not calls.exists(), calls.read_text()
    return result.stderr


# --- an unrelated config write keeps the commit out of Python ------------------------------


@pytest.mark.parametrize(
    "write",
    [
        ("remote", "add", "origin", "https://example.com/repo.git"),  # git remote add
        ("config", "branch.main.remote", "origin"),  # what push -u writes
        ("config", "--global", "user.signingkey", "ABC"),  # an edit of ~/.gitconfig
        ("config", "--global", "trailerx.jira.key", "Jira"),  # a section that only starts like ours
    ],
    ids=["remote-add", "push-u", "global", "lookalike-section"],
)
def test_an_unrelated_config_write_keeps_the_commit_out_of_python(
    session: Session, watched: tuple[dict[str, str], Path], write: tuple[str, ...]
) -> None:
    age(cache_of(session.repo))
    git(session.repo, *write)
    stderr = commit_watched(session.repo, watched, "commit", "-q", "-m", "subject")
    assert stderr == ""
    assert message(session.repo) == "subject\n\n" + lines(session.first)


def test_recorded_values_over_several_lines_still_compare_equal(
    session: Session, watched: tuple[dict[str, str], Path]
) -> None:
    """A value may hold newlines, blank lines, trailing blanks: the record keeps it whole."""
    repo = session.repo
    git(repo, "config", "trailer.note.command", "line one\n\n  line three  \n")
    git(repo, "config", "--add", "trailer.note.command", "")
    ok(repo, "hook", "refresh")
    age(cache_of(repo))
    git(repo, "remote", "add", "origin", "https://example.com/repo.git")
    commit_watched(repo, watched, "commit", "-q", "-m", "subject")
    assert message(repo) == "subject\n\n" + lines(session.first)


# --- a relevant one is honoured -------------------------------------------------------------


@pytest.mark.parametrize("scope", ["--local", "--global"])
def test_a_new_trailer_key_in_the_config_is_used_at_the_next_commit(session: Session, scope: str) -> None:
    repo = session.repo
    age(cache_of(repo))
    git(repo, "config", scope, "session.trailer.id", "Work-Session")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    assert message(repo) == "subject\n\n" + lines([f"Work-Session: {session.id}", *session.first[1:]])


def test_a_configured_trailer_written_after_the_cache_is_honoured(session: Session) -> None:
    """trailer.<name>.key makes a mixed paragraph a trailer block: our lines join it."""
    repo = session.repo
    age(cache_of(repo))
    git(repo, "config", "trailer.jira.key", "Jira")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", PARAGRAPH)
    assert message(repo) == f"subject\n\n{PARAGRAPH}\n" + lines(session.first)


def test_new_separators_written_after_the_cache_are_honoured(session: Session) -> None:
    """trailer.separators: `Fixes # 12` is a trailer to git, so our lines join its paragraph."""
    repo = session.repo
    age(cache_of(repo))
    git(repo, "config", "trailer.separators", ":#")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", "Fixes # 12")
    assert message(repo) == "subject\n\nFixes # 12\n" + lines(session.first)


def test_a_comment_character_written_after_the_cache_is_honoured(session: Session, editors: Path) -> None:
    """core.commentChar: the trailers go above the scissors line git wrote with it (below it,
    git would cut them off with the diff of `commit -v`)."""
    repo = session.repo
    age(cache_of(repo))
    git(repo, "config", "core.commentChar", ";")
    change(repo)
    run_git(repo, "commit", "-q", "-v", env={"GIT_EDITOR": writes(editors, "typed subject\n")})
    assert message(repo) == "typed subject\n\n" + lines(session.first)


def test_git_dash_c_on_the_commit_is_honoured(session: Session) -> None:
    """`git -c` changes no file: the hook asks git whenever it is given."""
    repo = session.repo
    change(repo)
    run_git(repo, "-c", "session.trailer.id=Work-Session", "commit", "-q", "-m", "with -c")
    assert message(repo) == "with -c\n\n" + lines([f"Work-Session: {session.id}", *session.first[1:]])
    change(repo)
    run_git(repo, "commit", "-q", "-m", "without")
    assert message(repo).startswith(f"without\n\nSession-Id: {session.id}\n")


def test_a_cache_written_before_caches_recorded_their_config_is_rendered_again(session: Session) -> None:
    repo = session.repo
    cache = cache_of(repo)
    text = cache.read_text()
    cache.write_text(text[: text.index("\n\n") + 1])  # as main wrote it: no blank line, no config
    age(cache)
    git(repo, "config", "trailer.jira.key", "Jira")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", PARAGRAPH)
    assert message(repo) == f"subject\n\n{PARAGRAPH}\n" + lines(session.first)
    assert cache.read_text().endswith("\n\ntrailer.jira.key Jira\n")


# --- the record itself ------------------------------------------------------------------------


def test_the_cache_records_the_config_after_its_trailers(session: Session) -> None:
    repo = session.repo
    git(repo, "config", "trailer.jira.key", "Jira")
    git(repo, "config", "core.commentChar", ";")
    git(repo, "config", "user.name", "Not Recorded")
    ok(repo, "hook", "refresh")
    text = cache_of(repo).read_text()
    assert text.endswith(
        "\n" + lines(session.first) + "\ncore.commentchar ;\ntrailer.jira.key Jira\n"
    )  # (in the file's order)


def test_the_record_is_not_a_change_of_the_trailers() -> None:
    """values_changed compares the trailer lines only: a config that changed none of them
    does not repeat what was said about a withheld entry."""
    header = [trailers.CACHE_MAGIC, *(f"line {n}" for n in range(2, 10))]
    before = "\n".join([*header, "Session-Id: x", "", "core.commentchar ;"]) + "\n"
    after = "\n".join([*header, "Session-Id: x", "", "trailer.jira.key Jira"]) + "\n"
    assert trailers._trailer_lines(before) == trailers._trailer_lines(after) == ["Session-Id: x"]


def test_the_hook_asks_git_the_question_python_records() -> None:
    hook = data.hook("prepare-commit-msg").decode()
    assert f"git config --get-regexp '{trailers.CONFIG_PATTERN}'" in hook


def test_the_awk_program_stops_at_the_recorded_config(tmp_path: Path) -> None:
    """No line of the record ever becomes a trailer, whatever it looks like."""
    header = [trailers.CACHE_MAGIC, "ref r", "tip t", "comment #", "merge no", "keys A B C", "head none"]
    record = ["configured ", "separators :", "A: 01hzzzzzzzzzzzzzzzzzzzzzzz", "", "B: [open] looks like one"]
    (tmp_path / "cache").write_text("\n".join([*header, *record]) + "\n")
    (tmp_path / "msg").write_text("subject\n")
    (tmp_path / "awk").write_bytes(data.hook("git-session-trailers.awk"))
    subprocess.run(
        ["awk", "-v", "mode=fresh", "-f", str(tmp_path / "awk"), str(tmp_path / "cache"), str(tmp_path / "msg")],
        check=True,
        env={"LC_ALL": "C", "PATH": os.environ["PATH"]},
    )
    assert (tmp_path / "msg").read_text() == "subject\n\nA: 01hzzzzzzzzzzzzzzzzzzzzzzz\n"
