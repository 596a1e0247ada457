"""The first report (no cache), round 20: a linked commit's figures are read from ``git log
--numstat`` alone (``history.read_line_counts``), which must name every path the ``--raw``
record it no longer asks for named, with the same line counts."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from git_session import history
from git_session.errors import GitError
from git_session.gitrepo import Repo
from tests.helpers import git, make_repo


def raw_paths(where: Path, sha: str) -> set[str]:
    """The paths ``git log --raw`` names for a commit (what the report counted before)."""
    listed = git(where, "log", "--no-walk", "-z", "--raw", "--no-renames", "--format=", sha).split("\0")
    return {listed[n + 1] for n, token in enumerate(listed) if token.lstrip("\n").startswith(":")}


def shortstat(where: Path, sha: str) -> tuple[int, int]:
    """The lines added and deleted, as ``git log --shortstat`` sums them."""
    shown = git(where, "log", "--no-walk", "--shortstat", "--format=", sha)
    added = re.search(r"(\d+) insertion", shown)
    deleted = re.search(r"(\d+) deletion", shown)
    return (int(added.group(1)) if added else 0, int(deleted.group(1)) if deleted else 0)


def test_line_counts_name_every_path_a_raw_record_names_with_its_lines(tmp_path: Path) -> None:
    where = make_repo(tmp_path)
    (where / "text.txt").write_text("one\ntwo\nthree\n")
    (where / "data.bin").write_bytes(b"\0\1\2binary")
    (where / "tool.sh").write_text("echo hi\n")
    os.symlink("text.txt", where / "link")
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", "add")
    (where / "text.txt").write_text("one\n2\nthree\nfour\n")  # 2 added, 1 deleted
    (where / "data.bin").unlink()
    (where / "tool.sh").chmod(0o755)  # its mode alone
    (where / "link").unlink()
    (where / "link").write_text("a file now\n")  # a symlink become a file: a type change
    git(where, "add", "-A")
    git(where, "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},sub")  # a submodule
    git(where, "commit", "-q", "-m", "change")
    git(where, "checkout", "-q", "-b", "side", "HEAD~1")
    (where / "side.txt").write_text("side\n")
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", "side")
    git(where, "checkout", "-q", "main")
    git(where, "merge", "-q", "--no-edit", "side")
    shas = git(where, "rev-list", "--all").split()
    assert len(shas) == 5
    counted = {c.sha: c for c in history.read_line_counts(Repo.discover(str(where)), shas)}
    assert sorted(counted) == sorted(shas)
    for sha in shas:
        assert set(counted[sha].paths) == raw_paths(where, sha), sha
        assert len(counted[sha].paths) == len(set(counted[sha].paths))
    change = counted[git(where, "rev-parse", "main^1").strip()]
    assert sorted(change.paths) == ["data.bin", "link", "sub", "text.txt", "tool.sh"]
    for sha in shas:
        assert (counted[sha].added, counted[sha].deleted) == shortstat(where, sha), sha
    assert counted[git(where, "rev-parse", "main").strip()].paths == ()  # a merge: no diff, as before


def test_line_counts_are_read_whatever_log_output_encoding_the_user_set(tmp_path: Path) -> None:
    """git re-encodes a log's formatted lines to ``i18n.logOutputEncoding`` (or
    ``i18n.commitEncoding``) unless told otherwise: in UTF-16 no marker is found and every
    linked commit's lines and files were silently left out of the report."""
    where = make_repo(tmp_path)
    (where / "text.txt").write_text("one\ntwo\n")
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", "add")
    sha = git(where, "rev-parse", "HEAD").strip()
    plain = history.read_line_counts(Repo.discover(str(where)), [sha])
    assert plain == [history.LineCounts(sha, ("text.txt",), 2, 0)]
    for key in ("i18n.logOutputEncoding", "i18n.commitEncoding"):
        git(where, "config", key, "UTF-16")
        assert history.read_line_counts(Repo.discover(str(where)), [sha]) == plain, key
        git(where, "config", "--unset", key)


def test_output_before_the_first_marker_is_an_error_not_no_commits() -> None:
    """Output the reader cannot take (no marker where the first record starts: git
    re-encoding its lines, a configured pretty format) was read as no commits at all: every
    linked commit's figures silently 0. It is an error, as ``parse_log``'s is."""
    marker = "git-session-0123"
    with pytest.raises(GitError, match="cannot read the output of git log"):
        history._records("\xff\xfeg\x00i\x00t\x00", marker)
    assert history._records("", marker) == []
    assert history._records(f"\n{marker}\0a\0{marker}\0b", marker) == ["a\0", "b"]
