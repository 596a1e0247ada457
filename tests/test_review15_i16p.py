"""Review of i16p (the report's cache): figures read from the cache must be those read without
it, whatever changed in the repository since the cache was written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from git_session import reportcache
from git_session.sessions import Workspace
from tests.helpers import git, ok


def cache_file(where: Path) -> Path:
    return where / ".git" / "git-session" / "report-inputs"


def report_json(where: Path) -> Any:
    return json.loads(ok(where, "report", "--format", "json"))


def without_cache(where: Path) -> Any:
    cache_file(where).unlink(missing_ok=True)
    return report_json(where)


def linked_repo(tmp_path: Path) -> tuple[Path, str]:
    """A session linking a commit that adds 2 lines to a tree that already has 5 in another file."""
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    (where / "big.txt").write_text("1\n2\n3\n4\n5\n")
    git(where, "add", "big.txt")
    git(where, "commit", "-q", "-m", "root")
    ok(where, "start", "Linked")
    (where / "f.txt").write_text("a\nb\n")
    git(where, "add", "f.txt")
    git(where, "commit", "-q", "-m", "change")
    sha = git(where, "rev-parse", "HEAD").strip()
    Workspace.open(str(where)).add(None, "commit", "change", {"commit": sha})
    return where, sha


def figures(report: Any) -> tuple[int, int]:
    session = report["sessions"][0]
    return session["files_changed"], session["lines_added"]


def test_the_stats_of_a_shallow_boundary_commit_are_not_kept_once_it_is_deepened(tmp_path: Path) -> None:
    where, sha = linked_repo(tmp_path)
    (where / ".git" / "shallow").write_text(sha + "\n")  # a shallow clone's boundary: seen as a root
    assert figures(report_json(where)) == (2, 7)  # the whole tree, as git log gives it
    (where / ".git" / "shallow").unlink()  # deepened (its parent is here)
    cached = report_json(where)
    assert figures(without_cache(where)) == (1, 2)
    assert figures(cached) == (1, 2)
    report_json(where)  # the cache has its stats now
    (where / ".git" / "shallow").write_text(sha + "\n")  # made shallow again (git fetch --depth)
    assert figures(report_json(where)) == figures(without_cache(where)) == (2, 7)


def test_a_commit_replaced_after_its_stats_were_kept_shows_what_git_shows_of_it(tmp_path: Path) -> None:
    where, sha = linked_repo(tmp_path)
    assert figures(report_json(where)) == (1, 2)  # kept in the cache
    git(where, "replace", "--graft", sha)  # git now sees it as a root: its whole tree added
    cached = report_json(where)
    assert figures(without_cache(where)) == (2, 7)
    assert figures(cached) == (2, 7)
    report_json(where)  # nothing kept of what git sees through the replacement
    git(where, "replace", "-d", sha)
    assert figures(report_json(where)) == figures(without_cache(where)) == (1, 2)
    git(where, "replace", "--graft", sha)
    git(where, "pack-refs", "--all")  # the replacement's ref packed
    assert not (where / ".git" / "refs" / "replace" / sha).exists()
    assert figures(report_json(where)) == (2, 7)


def test_a_cache_file_nested_too_deeply_is_ignored(tmp_path: Path) -> None:
    where, _ = linked_repo(tmp_path)
    shown = report_json(where)
    body = b"[" * 200_000 + b"]" * 200_000
    cache_file(where).write_bytes(reportcache.HEADER + hashlib.sha1(body).hexdigest().encode() + b"\n" + body)
    assert report_json(where) == shown
