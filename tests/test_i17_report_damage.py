"""A session with damaged data (a tree or file missing or unreadable, a meta that does not
decode, a commit of its history missing or damaged) is left out of ``report`` and ``history``
with one warning naming it, as ``list`` leaves one out: the other sessions' figures are those
of a report without it, the exit code 0. ``compare`` of such a session: one error line."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from git_session import history, report
from git_session.errors import GitError
from git_session.gitrepo import Repo
from git_session.sessions import Workspace
from tests.helpers import as_json, fails, git, ok, run

Damage = Callable[[Path, str, str], str]  # (repo, ref, tip) -> what the warning names


def loose(where: Path, oid: str) -> Path:
    path = where / ".git" / "objects" / oid[:2] / oid[2:]
    assert path.is_file(), f"{oid} is not a loose object"
    path.chmod(0o644)
    return path


def delete(where: Path, revision: str) -> str:
    oid = git(where, "rev-parse", revision).strip()
    loose(where, oid).unlink()
    return oid[:12]


def garble(where: Path, revision: str) -> str:
    oid = git(where, "rev-parse", revision).strip()
    loose(where, oid).write_bytes(b"not a zlib stream")
    return oid[:12]


def objective_path(where: Path, tip: str) -> str:
    listed = git(where, "ls-tree", "-r", "--name-only", tip).split()
    return next(path for path in listed if path.startswith("entries/objective/"))


def rewrite(where: Path, ref: str, tip: str, path: str, content: str) -> str:
    """A new tip whose file at ``path`` holds ``content``."""
    env = {"GIT_INDEX_FILE": str(where / ".git" / "damage-index")}
    git(where, "read-tree", tip, env=env)
    blob = git(where, "hash-object", "-w", "--stdin", input=content).strip()
    git(where, "update-index", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = git(where, "write-tree", env=env).strip()
    git(where, "update-ref", ref, git(where, "commit-tree", tree, "-p", tip, "-m", "damaged").strip(), tip)
    return "not valid JSON"


DAMAGES: dict[str, Damage] = {
    "entry file missing": lambda w, ref, tip: delete(w, f"{tip}:{objective_path(w, tip)}"),
    "entry file damaged": lambda w, ref, tip: garble(w, f"{tip}:{objective_path(w, tip)}"),
    "entry file not JSON": lambda w, ref, tip: rewrite(w, ref, tip, objective_path(w, tip), "{not json"),
    "entry folder missing": lambda w, ref, tip: delete(w, f"{tip}:entries/objective"),
    "root tree missing": lambda w, ref, tip: delete(w, f"{tip}^{{tree}}"),
    "meta missing": lambda w, ref, tip: delete(w, f"{tip}:meta.json"),
    "meta damaged": lambda w, ref, tip: garble(w, f"{tip}:meta.json"),
    "meta not JSON": lambda w, ref, tip: rewrite(w, ref, tip, "meta.json", "{not json"),
    "parent commit missing": lambda w, ref, tip: delete(w, f"{tip}~1") and f"the history of {tip[:12]} misses",
    "parent commit damaged": lambda w, ref, tip: garble(w, f"{tip}~1"),
    "first commit missing": lambda w, ref, tip: (
        delete(w, git(w, "rev-list", "--max-parents=0", tip).split()[0]) and f"the history of {tip[:12]} misses"
    ),
}
READERS = (
    ("report",),
    ("report", "--format", "json"),
    ("history", "--metrics"),
    ("history", "--json"),
)


def two_sessions(tmp_path: Path) -> tuple[Path, str]:
    """A repository with an ended session (linked commit, objective done) and an open one on
    another branch (objective, pause, blocker): the ref of the open one."""
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    git(where, "commit", "-q", "--allow-empty", "-m", "root")
    ok(where, "start", "Fine")
    ok(where, "objective", "add", "ship it")
    ok(where, "objective", "done", as_json(where, "show")["objectives"][0]["id"])
    (where / "f.txt").write_text("one\ntwo\n")
    git(where, "add", "f.txt")
    git(where, "commit", "-q", "-m", "work")
    ok(where, "end", "--complete")
    git(where, "checkout", "-q", "-b", "other")
    ok(where, "start", "Broken")
    ok(where, "objective", "add", "to do")
    ok(where, "pause")
    ok(where, "resume")
    ok(where, "blocker", "add", "waiting")
    refs = git(where, "for-each-ref", "--format=%(refname)", "refs/sessions/").split()
    return where, next(ref for ref in refs if "/other-" in ref)


def outputs(where: Path) -> list[str]:
    return [ok(where, *reader) for reader in READERS]


def without_it(where: Path, ref: str, tmp_path: Path) -> list[str]:
    """What the readers show of the repository without the session at ``ref``."""
    other = tmp_path / "without"
    shutil.copytree(where, other)
    git(other, "update-ref", "-d", ref)
    (other / ".git" / "git-session" / "report-inputs").unlink(missing_ok=True)
    return outputs(other)


def forget_reports(where: Path) -> None:
    (where / ".git" / "git-session" / "report-inputs").unlink(missing_ok=True)


def assert_left_out(where: Path, ref: str, named: str, expected: list[str]) -> None:
    session = ref.rsplit("/", 1)[1]
    for reader, shown in zip(READERS, expected, strict=True):
        result = run(where, *reader)
        assert (result.exit_code, result.stdout) == (0, shown), reader
        lines = result.stderr.splitlines()
        assert len(lines) == 1, (reader, result.stderr)
        assert lines[0].startswith(f"git-session: warning: skipped a session: session {session}: "), lines
        assert named in lines[0], (reader, lines[0])


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(DAMAGES))
def test_a_damaged_session_is_left_out_of_a_first_report(kind: str, tmp_path: Path) -> None:
    where, ref = two_sessions(tmp_path)
    expected = without_it(where, ref, tmp_path)
    named = DAMAGES[kind](where, ref, git(where, "rev-parse", ref).strip())
    forget_reports(where)
    assert_left_out(where, ref, named, expected)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(DAMAGES))
def test_a_session_damaged_since_the_last_report_is_left_out_the_others_cached(kind: str, tmp_path: Path) -> None:
    """The cache holds both sessions; the damaged one moved since (a decision added), so its
    new tip is read: it is left out, the other one comes from the cache."""
    where, ref = two_sessions(tmp_path)
    outputs(where)
    ok(where, "decision", "add", "keep going")
    expected = without_it(where, ref, tmp_path)
    named = DAMAGES[kind](where, ref, git(where, "rev-parse", ref).strip())
    assert_left_out(where, ref, named, expected)


@pytest.mark.slow
def test_a_session_whose_cached_tip_is_gone_is_left_out_as_list_leaves_it_out(tmp_path: Path) -> None:
    where, ref = two_sessions(tmp_path)
    outputs(where)
    expected = without_it(where, ref, tmp_path)
    tip = git(where, "rev-parse", ref).strip()
    loose(where, tip).unlink()
    assert_left_out(where, ref, f"object {tip[:12]} is missing", expected)
    listed = run(where, "list", "--all")
    assert (
        listed.stderr
        == f"git-session: warning: skipped a session: session {ref.rsplit('/', 1)[1]}: object {tip[:12]} is missing\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(DAMAGES))
def test_compare_of_a_damaged_session_is_one_error_line(kind: str, tmp_path: Path) -> None:
    where, ref = two_sessions(tmp_path)
    fine = next(r for r in git(where, "for-each-ref", "--format=%(refname)", "refs/sessions/").split() if r != ref)
    session = ref.rsplit("/", 1)[1]
    named = DAMAGES[kind](where, ref, git(where, "rev-parse", ref).strip())
    stderr = fails(where, "compare", fine.rsplit("/", 1)[1], session, code=3)
    assert stderr.startswith(f"git-session: session {session}: ") and named in stderr.splitlines()[0]


def test_a_linked_commit_git_cannot_show_counts_without_its_changes_the_others_exact(tmp_path: Path) -> None:
    """``git log --numstat`` over every linked commit fails on one whose file is missing: the
    others are read (the list halved where git fails), that one counts without its changes."""
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    git(where, "commit", "-q", "--allow-empty", "-m", "root")
    ok(where, "start", "Linked")
    shas = []
    for number in range(1, 6):
        (where / f"f{number}.txt").write_text("".join(f"line {n} of {number}\n" for n in range(number)))
        git(where, "add", f"f{number}.txt")
        git(where, "commit", "-q", "-m", f"change {number}")
        shas.append(git(where, "rev-parse", "HEAD").strip())
    ws = Workspace.open(str(where))
    for sha in shas:
        ws.add(None, "commit", f"linked {sha[:7]}", {"commit": sha})
    delete(where, f"{shas[2]}:f3.txt")
    for _ in range(2):  # nothing cached of it: the same again
        result = run(where, "report", "--format", "json")
        assert result.exit_code == 0
        figures = json.loads(result.stdout)["sessions"][0]
        assert (figures["commits"], figures["files_changed"], figures["lines_added"]) == (5, 4, 1 + 2 + 4 + 5)
        unread = shas[2][:12]
        assert result.stderr == (
            f"git-session: warning: the changes of linked commit {unread} cannot be read: it counts without them\n"
        )


def test_the_commits_git_cannot_show_are_found_in_a_bounded_number_of_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2,000 linked commits, three of them damaged: the others' stats in a few dozen
    processes; git failing on every one (not the commits: git itself): git's error, after a
    bounded number of processes, not one per commit."""
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    warned: list[str] = []
    ws = Workspace(Repo.discover(str(where)), warned.append)
    shas = [f"{n:040x}" for n in range(2000)]
    bad = {shas[7], shas[1000], shas[1999]}
    calls: list[int] = []

    def read_line_counts(repo: Repo, part: Sequence[str]) -> list[Any]:
        calls.append(len(part))
        if bad & set(part):
            raise GitError("git log failed", command=("log",))
        return list(part)

    monkeypatch.setattr(history, "read_line_counts", read_line_counts)
    shown: list[Any] = report._read_commits(ws, shas)
    assert shown == [sha for sha in shas if sha not in bad]
    assert warned == [
        f"the changes of linked commit {sha[:12]} cannot be read: it counts without them" for sha in sorted(bad)
    ]
    assert len(calls) <= 2 + 2 * 3 * 11
    bad.update(shas)
    calls.clear()
    with pytest.raises(GitError, match="git log failed"):
        report._read_commits(ws, shas)
    assert len(calls) == 1 + (2 + 16 * 11)  # the first, then the budget (gitcli.halved)
