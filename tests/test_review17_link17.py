"""Review of link17: defects found in the branch, each pinned by a test that failed on it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from git_session import paths, trailers
from git_session.gitrepo import Repo
from git_session.names import BranchName
from tests import test_trailers
from tests.test_i14_hooks import cache_of
from tests.test_i14_hooks3 import linked
from tests.test_trailers import Session, change, head, message, run_git

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["hooked", "session"]  # (fixtures)


def test_a_cache_rewritten_while_awk_runs_is_not_recorded_as_what_awk_made_from_the_first(
    session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """write_amends digests the cache, then awk reads the cache file again: another process
    rendering the branch in between (a drain in the background, a command of the user's)
    makes awk write from the other cache, and the record said the files were made from the
    first. Met again (the same lines, a later drain), they were taken: `commit --amend` got
    the trailers of a cache that was gone (O3 where the cache said O4)."""
    repo = session.repo
    linked(session, "-m", "subject")
    r = Repo.discover(str(repo))
    cache = cache_of(repo)
    text = cache.read_text()
    assert "Session-Objectives: [open] O2\n" in text
    mine, theirs = text.replace("[open] O2\n", "[open] O4\n"), text.replace("[open] O2\n", "[open] O3\n")
    real = trailers._run_awk
    raced: list[bool] = []

    def meanwhile(*args: Any) -> Any:
        if not raced:  # the other process's cache lands before awk reads it
            raced.append(True)
            cache.write_text(theirs)
        return real(*args)

    monkeypatch.setattr(trailers, "_run_awk", meanwhile)
    trailers.write_cache(r, BranchName("main"), mine)
    assert raced
    monkeypatch.setattr(trailers, "_run_awk", real)
    trailers.write_cache(r, BranchName("main"), mine)  # rendered again to the same lines
    folder = cache.parent
    awk = shutil.which("mawk") or shutil.which("awk")
    assert awk is not None
    fresh = real(awk, paths.awk_program(r), cache, folder / f"{trailers.TIP_MESSAGE}{head(repo)}", tmp_path / "s")
    assert fresh is not None and "[open] O4" in fresh[0].decode()
    got = (folder / f"{trailers.AMENDED}{head(repo)}").read_bytes().partition(b"\n")[2]
    assert got == fresh[0]
    change(repo)
    run_git(repo, "commit", "-q", "--amend", "--no-edit")
    assert "Session-Objectives: [open] O4\n" in message(repo)
    assert "[open] O3" not in message(repo)
