"""Issue 15: automatic reattach with the linked commits' patch-ids not cached yet (the
first reattach after they were linked) — their diffs ride the listing's own ``git
patch-id`` (one ``git diff-tree`` more, no second pipeline), and give what git gives for
each diff alone; the listing parsed from the stream however it is cut."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from git_session import gitcli, paths
from git_session.errors import GitError
from git_session.gitrepo import Repo
from git_session.names import ObjectId
from git_session.reattach import logged, logged_with_patch_ids
from tests.helpers import git
from tests.test_i15_autoreattach import commit_file, feature, head, link, reattach_new, sessions_of

__all__ = ["feature"]  # the fixture, used by name


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The git subcommands started, in order."""
    seen: list[str] = []
    real = subprocess.Popen

    class Spy(real):  # type: ignore[misc,valid-type]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            if isinstance(args, list) and args and args[0] == "git":
                seen.append(next(a for a in args[1:] if not a.startswith("-") and "=" not in a))
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Spy)
    yield seen


def cache_lines(repo: Path) -> list[str]:
    return paths.patch_id_cache(Repo.discover(str(repo))).read_text().splitlines()[1:]  # after its header


def test_a_squash_arriving_with_the_cache_cold_costs_one_git_diff_tree_into_the_same_patch_id(
    feature: tuple[Path, str, list[ObjectId]], started: list[str]
) -> None:
    repo, session, _ = feature
    paths.patch_id_cache(Repo.discover(str(repo))).unlink(missing_ok=True)
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Parser")
    squash = head(repo)
    started.clear()

    report = reattach_new(repo)

    assert report is not None and [(x.commit, x.sessions) for x in report.linked] == [(squash, (session,))]
    # the linked commits' diffs after the new ones', into the one `git patch-id`; then the
    # identity the note is written with
    assert started == ["patch-id", "log", "diff-tree", "var"]
    assert len(cache_lines(repo)) == 3  # the two commits, and the two squashed
    git(repo, "commit", "-q", "--allow-empty", "-m", "Later")
    started.clear()

    assert reattach_new(repo) is not None
    assert started == ["patch-id", "log"]  # warm: the new commit alone


def test_the_patch_ids_found_with_the_listing_are_those_git_gives_for_each_diff_alone(
    feature: tuple[Path, str, list[ObjectId]],
) -> None:
    """An empty commit ends the run (its own diff has no patch-id, the squash has one), and
    a second branch forks where ``feature`` does (two squashes from one base tree: one of
    them cannot come back by that tree, and is computed apart)."""
    repo, session, commits = feature
    git(repo, "switch", "-q", "feature")
    git(repo, "commit", "-q", "--allow-empty", "-m", "Nothing")
    link(repo, head(repo), session)
    git(repo, "switch", "-q", "-c", "topic", f"{commits[0]}~1")
    for name in ("t1.txt", "t2.txt"):
        link(repo, commit_file(repo, name, f"{name}\n", f"Add {name}"), session, "topic")
    git(repo, "switch", "-q", "main")
    reattach_new(repo)  # as a command after those commits did
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Parser")
    squash = head(repo)
    r = Repo.discover(str(repo))
    paths.patch_id_cache(r).unlink(missing_ok=True)

    report = reattach_new(repo)

    assert report is not None and [(x.commit, x.sessions) for x in report.linked] == [(squash, (session,))]
    lines = [line.split(" ") for line in cache_lines(repo)]
    bases = [base for _, base, _ in lines if base != "-"]
    assert len(lines) == 7 and len(bases) == 2 and len({r.commit(ObjectId(b)).tree for b in bases}) == 1
    for commit, base, patch_id in lines:
        alone = r.patch_ids([(ObjectId(commit), None if base == "-" else ObjectId(base))])
        assert (patch_id, commit, base) == (alone.get(ObjectId(commit), "-"), commit, base)
    assert [patch_id for _, _, patch_id in lines].count("-") == 1  # the empty commit


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 4096])
def test_the_listing_taken_from_the_stream_is_the_same_however_the_stream_is_cut(
    repo: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    old = head(repo)
    hex_line = "0123456789abcdef0123456789abcdef01234567"
    commit_file(repo, "a.txt", "a\n", f"Tricky\n\ncommit {hex_line}\n{hex_line}\n\n    indented\n   three\n")
    git(repo, "commit", "-q", "--allow-empty", "-m", "Empty")
    commit_file(repo, "b.txt", "commit b\n    four\n", "B")
    git(repo, "commit", "-q", "--allow-empty", "--cleanup=verbatim", "-m", "No line break at the end")
    r = Repo.discover(str(repo))
    real = gitcli.tee_pipeline

    def cut(*args: Any, sink: Callable[[bytes], None], **kwargs: Any) -> str:
        def pieces(chunk: bytes) -> None:
            for start in range(0, len(chunk), size):
                sink(chunk[start : start + size])

        return real(*args, sink=pieces, **kwargs)

    monkeypatch.setattr(gitcli, "tee_pipeline", cut)

    commits, ids = logged_with_patch_ids(r, [head(repo)], [old], 100)

    listed = logged(r, [head(repo)], [old], 100)
    assert [(c.id, c.parents, c.message.rstrip("\n")) for c in commits] == [
        (c.id, c.parents, c.message.rstrip("\n")) for c in listed
    ]
    assert len(commits) == 4 and len(ids) == 2
    assert commits[3].message.rstrip("\n") == f"Tricky\n\ncommit {hex_line}\n{hex_line}\n\n    indented\n   three"
    assert sessions_of(repo, head(repo)) == set()


def test_a_follow_up_command_that_fails_is_named_and_none_runs_after_a_first_that_failed(repo: Path) -> None:
    calls: list[str] = []

    def sink(chunk: bytes) -> None:
        pass

    def then() -> tuple[list[str], str]:
        calls.append("then")
        return ["diff-tree", "--stdin", "--bogus"], ""

    git_dir = str(repo / ".git")
    with pytest.raises(GitError, match=r"^`git diff-tree --stdin --bogus` failed: "):
        gitcli.tee_pipeline(
            ["log", "-p", "--stdin"], ["patch-id"], git_dir=git_dir, input="HEAD\n", sink=sink, then=then
        )
    assert calls == ["then"]
    with pytest.raises(GitError, match=r"^`git log -p --stdin` failed: "):
        gitcli.tee_pipeline(
            ["log", "-p", "--stdin"], ["patch-id"], git_dir=git_dir, input="nope\n", sink=sink, then=then
        )
    assert calls == ["then"]
    output = gitcli.tee_pipeline(
        ["log", "-p", "--stdin"], ["patch-id"], git_dir=git_dir, input="HEAD\n", sink=sink, then=lambda: None
    )
    assert output.split()[1] == head(repo)
