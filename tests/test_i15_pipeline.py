"""Issue 15: what automatic reattach runs — one ``git log -p | git patch-id`` pipeline for
the new commits (the listing taken from the same stream), the linked commits' patch-ids
from a cache, and no ``git merge-base`` for a new commit no linked one grew from."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from git_session import gitcli, paths
from git_session.gitrepo import Repo
from git_session.names import ObjectId
from git_session.reattach import logged, logged_with_patch_ids
from tests.helpers import git
from tests.test_i15_autoreattach import commit_file, feature, head, link, reattach_new, sessions_of

__all__ = ["feature"]  # the fixture, used by name


def test_one_pipeline_lists_and_patch_ids_the_commits_as_diff_tree_does_whatever_the_diff_settings(
    repo: Path,
) -> None:
    old = head(repo)
    lines = [f"line {n}\n" for n in range(40)]
    (repo / "long.txt").write_text("".join(lines))
    git(repo, "add", "long.txt")
    git(repo, "commit", "-q", "-m", "Long file")
    lines[2], lines[12], lines[30] = "two\n", "twelve\n", "thirty\n"
    hex_line = "0123456789abcdef0123456789abcdef01234567"
    commit_file(repo, "long.txt", "".join(lines), f"Three hunks\n\n{hex_line}\ncommit {hex_line}\n\n    indented\n")
    (repo / "blob.bin").write_bytes(bytes(range(256)) * 4)
    git(repo, "add", "blob.bin")
    git(repo, "commit", "-q", "-m", "Binary")
    git(repo, "commit", "-q", "--allow-empty", "-m", "Empty")
    commit_file(repo, "x.txt", "no newline at the end", "No newline")
    # Settings a porcelain `git log -p` obeys and `git diff-tree` does not.
    for key, value in (
        ("diff.noprefix", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("diff.context", "1"),
        ("diff.interHunkContext", "20"),
        ("diff.algorithm", "patience"),
        ("color.ui", "always"),
        ("diff.renames", "copies"),
    ):
        git(repo, "config", key, value)
    r = Repo.discover(str(repo))
    tip = head(repo)

    commits, ids = logged_with_patch_ids(r, [tip], [old], 100)

    listed = logged(r, [tip], [old], 100)
    assert [(c.id, c.parents, c.message.rstrip("\n")) for c in commits] == [
        (c.id, c.parents, c.message.rstrip("\n")) for c in listed
    ]
    assert len(commits) == 5
    assert ids == r.patch_ids([(c.id, None) for c in listed])
    assert len(ids) == 4  # the empty commit has none
    assert commits[3].message == f"Three hunks\n\n{hex_line}\ncommit {hex_line}\n\n    indented\n"


class Calls:
    """The git commands run, by their subcommand."""

    def __init__(self) -> None:
        self.run: list[str] = []
        self.pipelines: list[tuple[str, str]] = []


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    seen = Calls()
    real_run, real_pipeline, real_tee = gitcli.run, gitcli.pipeline, gitcli.tee_pipeline

    def subcommand(args: Any) -> str:
        return str(next(a for a in args if not a.startswith("-") and "=" not in a))

    def run(args: Any, **kwargs: Any) -> Any:
        seen.run.append(subcommand(args))
        return real_run(args, **kwargs)

    def spy(real: Callable[..., str]) -> Callable[..., str]:
        def call(first: Any, second: Any, **kwargs: Any) -> str:
            seen.pipelines.append((subcommand(first), subcommand(second)))
            return real(first, second, **kwargs)

        return call

    monkeypatch.setattr(gitcli, "run", run)
    monkeypatch.setattr(gitcli, "pipeline", spy(real_pipeline))
    monkeypatch.setattr(gitcli, "tee_pipeline", spy(real_tee))
    yield seen


def test_a_squash_arriving_costs_one_pipeline_once_the_linked_commits_patch_ids_are_cached(
    feature: tuple[Path, str, list[ObjectId]], calls: Calls
) -> None:
    repo, session, _ = feature
    commit_file(repo, "c.txt", "c\n", "C")
    assert reattach_new(repo) is not None  # C examined: the linked commits' patch-ids computed
    cached = paths.patch_id_cache(Repo.discover(str(repo))).read_text()
    assert cached and all(
        re.fullmatch(r"[0-9a-f]{40} ([0-9a-f]{40}|-) [0-9a-f]{40}", x) for x in cached.splitlines()[1:]
    )  # after its header
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Parser")
    squash = head(repo)
    calls.run.clear()
    calls.pipelines.clear()

    report = reattach_new(repo)

    assert report is not None and [(x.commit, x.sessions) for x in report.linked] == [(squash, (session,))]
    assert calls.pipelines == [("log", "patch-id")]  # the new commit; the sources' from the cache
    assert "merge-base" not in calls.run and "log" not in calls.run
    assert sessions_of(repo, squash) == {session}


def test_a_patch_id_cache_that_cannot_be_read_is_rebuilt(feature: tuple[Path, str, list[ObjectId]]) -> None:
    repo, session, commits = feature
    cache = paths.patch_id_cache(Repo.discover(str(repo)))
    cache.parent.mkdir(parents=True, exist_ok=True)
    bogus = "\n".join(
        [
            "\x00\xff garbage",
            f"{commits[0]} - ../../etc/passwd",
            f"{commits[0]}",
            f"{commits[1]} - {'z' * 40}",
            f"- - {'a' * 40}",
        ]
    )
    cache.write_bytes(b"patch-ids 2\n" + bogus.encode("utf-8", "surrogateescape") + b"\xfe\n")
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Parser")
    squash = head(repo)

    report = reattach_new(repo)

    assert report is not None and [(x.commit, x.sessions) for x in report.linked] == [(squash, (session,))]
    rebuilt = cache.read_text().splitlines()[1:]  # after its header
    assert rebuilt and all(re.fullmatch(r"[0-9a-f]{40} ([0-9a-f]{40}|-) [0-9a-f]{40}", x) for x in rebuilt)
    assert any(line.startswith(f"{commits[1]} - ") for line in rebuilt)


def test_a_new_commit_a_linked_commit_grew_from_is_no_copy_of_it(
    feature: tuple[Path, str, list[ObjectId]], calls: Calls
) -> None:
    """C adds x, D takes it out, S (linked, on a branch since deleted) adds it again on D:
    C has S's change, but S grew from it. C and D arrive together, unexamined before."""
    repo, session, _ = feature
    grew_from = commit_file(repo, "x.txt", "x\n", "Add x")
    git(repo, "rm", "-q", "x.txt")
    git(repo, "commit", "-q", "-m", "Drop x")
    git(repo, "switch", "-q", "-c", "topic")
    again = commit_file(repo, "x.txt", "x\n", "Add x again")
    link(repo, again, session, "topic")
    git(repo, "switch", "-q", "main")
    git(repo, "branch", "-q", "-D", "topic")
    unrelated = commit_file(repo, "y.txt", "y\n", "Add y")
    calls.run.clear()

    report = reattach_new(repo)

    assert report is not None and report.linked == () and report.ambiguous == ()
    assert sessions_of(repo, grew_from) == set() and sessions_of(repo, unrelated) == set()
    # asked of the one candidate the walk back from S met and that matches: C, against S
    # and against S squashed from where it forks (both are C's change)
    assert calls.run.count("merge-base") == 2
