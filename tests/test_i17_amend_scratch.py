"""write_amends' scratch files in the branch's cache folder are made anew, never opened as
found: a FIFO planted at one (the name is ``.amend.<pid>``) blocked the command that
rendered the trailers, waiting for a reader that never comes (the snapshot files of
link17's review had the guard; awk's own scratch file did not)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from git_session import trailers
from git_session.gitrepo import Repo
from git_session.names import BranchName
from tests import test_trailers
from tests.test_i14_hooks import cache_of
from tests.test_i14_hooks3 import linked
from tests.test_trailers import Session

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["hooked", "session"]  # (fixtures)


def test_a_fifo_at_the_scratch_file_does_not_block_the_rendering(session: Session) -> None:
    repo = session.repo
    linked(session, "-m", "subject")
    cache = cache_of(repo)
    scratch = cache.parent / f".amend.{os.getpid()}"
    os.mkfifo(scratch)
    text = cache.read_text().replace("[open] O2\n", "[open] O5\n")  # new lines: awk must run
    done = threading.Event()

    def render() -> None:
        trailers.write_cache(Repo.discover(str(repo)), BranchName("main"), text)
        done.set()

    worker = threading.Thread(target=render, daemon=True)
    worker.start()
    finished = done.wait(20)
    if not finished:  # let the blocked writer go, so that the test ends
        with open(scratch, "rb") as reader:
            reader.read()
        worker.join(20)
    assert finished, "write_amends waited on a FIFO planted at its scratch file"
    assert not Path(scratch).exists()
    amended = next(cache.parent.glob(f"{trailers.AMENDED}*")).read_text()
    assert "[open] O5" in amended
