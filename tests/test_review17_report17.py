"""Review of report17: what its fallbacks for damaged sessions still got wrong."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import as_json, fails, git, ok, run
from tests.test_i17_report_damage import (
    DAMAGES,
    assert_left_out,
    delete,
    forget_reports,
    loose,
    two_sessions,
    without_it,
)


def other_ref(where: Path, ref: str) -> str:
    return next(r for r in git(where, "for-each-ref", "--format=%(refname)", "refs/sessions/").split() if r != ref)


def replaced_parent(where: Path, ref: str) -> None:
    """The session's history as git sees it through a replace ref: its tip's parent is gone
    from the object database, a copy of it stands for it (``git replace``)."""
    parent = git(where, "rev-parse", f"{ref}~1").strip()
    raw = git(where, "cat-file", "commit", parent)
    copy = git(where, "hash-object", "-t", "commit", "-w", "--stdin", input=raw.replace("\n\n", "\nx-copy 1\n\n", 1))
    git(where, "replace", parent, copy.strip())
    loose(where, parent).unlink()


def authorless_parent(where: Path, ref: str) -> None:
    """The session's tip rewritten over a parent commit with no author line (a commit git
    reads and walks; libgit2 refuses to parse it): what a teammate's tool could have written."""
    tip = git(where, "rev-parse", ref).strip()
    parent = git(where, "rev-parse", f"{ref}~1").strip()
    raw = git(where, "cat-file", "commit", parent)
    headers, _, message = raw.partition("\n\n")
    kept = "\n".join(line for line in headers.split("\n") if not line.startswith("author "))
    odd = git(where, "hash-object", "-t", "commit", "-w", "--literally", "--stdin", input=f"{kept}\n\n{message}")
    top = git(where, "cat-file", "commit", tip).replace(f"parent {parent}", f"parent {odd.strip()}", 1)
    new_tip = git(where, "hash-object", "-t", "commit", "-w", "--stdin", input=top).strip()
    git(where, "update-ref", ref, new_tip, tip)


@pytest.mark.slow
@pytest.mark.parametrize("odd", [replaced_parent, authorless_parent])
def test_a_session_git_walks_is_not_left_out_because_another_one_is_damaged(
    odd: Callable[[Path, str], None], tmp_path: Path
) -> None:
    """The timing log fails on the damaged session: the fallback must leave out that one
    only, not a session whose history git walks (libgit2 cannot: a replace ref it does not
    follow, a commit it does not parse); without the damaged one the report shows it."""
    where, broken = two_sessions(tmp_path)
    fine = other_ref(where, broken)
    odd(where, fine)
    expected = without_it(where, broken, tmp_path)
    assert "Fine" in expected[0]
    tip = git(where, "rev-parse", broken).strip()
    delete(where, f"{tip}~1")
    assert_left_out(where, broken, f"the history of {tip[:12]} misses", expected)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["meta missing", "entry file missing", "parent commit missing"])
def test_when_no_session_can_be_read_the_first_problem_is_the_error(kind: str, tmp_path: Path) -> None:
    """The readers skip a damaged session with a warning, but when NO session can be read
    the first problem is the error, exit 3 (``Workspace._readable``: ``list`` says so of a
    meta it cannot read): not a report of zero sessions, nor ``history``'s "No sessions
    yet: git session start …" with exit 0."""
    where, broken = two_sessions(tmp_path)
    tip = git(where, "rev-parse", broken).strip()
    DAMAGES[kind](where, broken, tip)
    session = broken.rsplit("/", 1)[1]
    expected = run(where, "report").stderr.removeprefix("git-session: warning: skipped a session: ")
    git(where, "update-ref", "-d", other_ref(where, broken))  # the one session that could be read
    assert expected.startswith(f"session {session}: ") and expected.count("\n") == 1, expected
    if kind == "meta missing":
        assert fails(where, "list", "--all", code=3).startswith(f"git-session: {expected}")
    for reader in (("report",), ("report", "--format", "json"), ("history",), ("history", "--json")):
        result = run(where, *reader)
        assert (result.exit_code, result.stdout) == (3, ""), (reader, result.stdout)
        assert result.stderr.startswith(f"git-session: {expected}"), (reader, result.stderr)
        assert result.stderr.count("\n") == 2, (reader, result.stderr)  # the error and its hint


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["entry file missing", "parent commit missing"])
def test_history_n_fills_its_n_rows_past_a_damaged_session(kind: str, tmp_path: Path) -> None:
    """``history -n 1`` with the newest session damaged: the one before it, not "No sessions
    yet: git session start …" (nor ``[]``) as if there were none."""
    where, _ = two_sessions(tmp_path)
    newest = as_json(where, "history", "-n", "1", "--json")[0]["id"]  # the same times: by id
    broken = next(r for r in git(where, "for-each-ref", "--format=%(refname)", "refs/sessions/").split() if newest in r)
    forget_reports(where)
    other = tmp_path / "without"
    shutil.copytree(where, other)
    git(other, "update-ref", "-d", broken)
    readers = (("history", "-n", "1"), ("history", "-n", "1", "--json"), ("history", "-n", "1", "--metrics"))
    expected = [ok(other, *reader) for reader in readers]
    assert newest not in expected[1] and expected[1] != "[]\n", expected
    DAMAGES[kind](where, broken, git(where, "rev-parse", broken).strip())
    for reader, shown in zip(readers, expected, strict=True):
        result = run(where, *reader)
        assert (result.exit_code, result.stdout) == (0, shown), reader
        assert result.stderr.startswith("git-session: warning: skipped a session: "), reader
        assert result.stderr.count("\n") == 1, reader
