"""Review of i14-hooks2 (round 15): the commit path's shortcuts, tried against what git does.

Each test here failed on the branch as it was handed over for review.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from git_session import data, paths
from tests import test_trailers
from tests.helpers import git
from tests.test_i14_hooks import age, cache_of
from tests.test_i14_hooks2 import append_config
from tests.test_trailers import Session, change, lines, message, run_git

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["hooked", "session"]  # (fixtures)


PREVIOUS_VERSION = "fcad344ddd71f4e9c12dad79113bdf0cb1a7f353"  # main before this change: in every clone's history


def main_awk_program() -> bytes:
    """The awk program as the previous version wrote it beside its caches."""
    return subprocess.run(
        ["git", "show", f"{PREVIOUS_VERSION}:hooks/git-session-trailers.awk"],
        cwd=Path(__file__).parent,
        capture_output=True,
        check=True,
    ).stdout


def test_an_awk_program_left_by_the_previous_version_does_not_skip_the_config_check(session: Session) -> None:
    """New hooks (one folder shared by core.hooksPath) over a repository whose cache and awk
    program the previous version rendered: that program ignores GIT_SESSION_CONFIGS and would
    write the trailers it has, whatever the config says now."""
    repo = session.repo
    program = cache_of(repo).parent.parent.parent / paths.AWK_PROGRAM
    assert program.is_file()
    program.write_bytes(main_awk_program())
    append_config(repo, '[session "trailer"]\n\tid = Work-Session\n')
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    assert message(repo) == "subject\n\n" + lines([f"Work-Session: {session.id}", *session.first[1:]])
    assert git(repo, "config", "session.trailer.id") == "Work-Session\n"


def test_the_hook_knows_the_programs_mark() -> None:
    """What the hook looks for on the awk program's first line is what the program says."""
    first = data.hook("git-session-trailers.awk").decode().split("\n", 1)[0]
    assert first.endswith("(reads GIT_SESSION_CONFIGS).")
    assert '*"(reads GIT_SESSION_CONFIGS).")' in data.hook("prepare-commit-msg").decode()


@pytest.mark.parametrize(
    ("before", "header"),
    [
        (b"", b'\r[session "tr\\ailer"]'),  # git skips a \r before a header as a blank
        (b"\xef\xbb\xbf", b'[session "tr\\ailer"]'),  # a byte order mark, skipped by git
    ],
    ids=["cr", "bom"],
)
def test_a_subsection_spelt_with_a_backslash_after_what_git_skips_is_honoured(
    session: Session, before: bytes, header: bytes
) -> None:
    """awk looked for a backslash only in a header at the start of a line, after spaces or tabs."""
    repo = session.repo
    age(cache_of(repo))
    config = repo / ".git" / "config"
    config.write_bytes(before + header + b"\n\tid = Work-Session\n" + config.read_bytes())
    assert git(repo, "config", "session.trailer.id") == "Work-Session\n"
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    assert message(repo) == "subject\n\n" + lines([f"Work-Session: {session.id}", *session.first[1:]])


def test_commit_msg_without_prepare_commit_msg_beside_it_does_not_block_the_commit(session: Session) -> None:
    """A commit that died in its editor leaves git-session-editing; prepare-commit-msg, which
    empties it, taken away since: commit-msg read (`.`) a file that is not there, and the
    shell's error failed every commit from then on."""
    repo = session.repo
    hooks = repo / ".git" / "hooks"
    (repo / ".git" / "git-session-editing").write_text("edited\n")
    (hooks / "prepare-commit-msg").unlink()
    change(repo)
    result = run_git(repo, "commit", "-q", "-m", "subject", check=False)
    assert (result.returncode, result.stdout) == (0, "")
    assert message(repo) == "subject\n"


def test_git_config_in_the_environment_does_not_hide_the_config_git_commits_with(
    session: Session, tmp_path: Path
) -> None:
    """GIT_CONFIG names the only file `git config` reads, but `git commit` reads the usual
    ones: the hook's `git config` compared the trailers' config of another file."""
    repo = session.repo
    other = tmp_path / "other"
    other.write_text("[core]\n")
    append_config(repo, '[session "trailer"]\n\tid = Work-Session\n')
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", env={"GIT_CONFIG": str(other)})
    assert message(repo) == "subject\n\n" + lines([f"Work-Session: {session.id}", *session.first[1:]])
