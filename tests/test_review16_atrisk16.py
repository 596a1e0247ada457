"""Review of atrisk16: defects found in the at-risk index, ``Repo.present`` and the tag listing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from git_session.gitrepo import Repo
from tests.helpers import git, make_repo


def test_present_sees_an_object_packed_by_another_process_after_its_rescan(tmp_path: Path) -> None:
    """``git gc --auto`` (which git runs in the background after a commit) moves loose
    objects into a new pack and deletes the loose copies: a commit looked up after the one
    rescan of the packs was there all along, and ``has_object`` says so; ``present`` said it
    was absent (a false 'at risk')."""
    repo = make_repo(tmp_path)
    git(repo, "commit", "-q", "--allow-empty", "-m", "loose")
    loose = git(repo, "rev-parse", "HEAD").strip()
    assert (repo / ".git" / "objects" / loose[:2] / loose[2:]).is_file()
    r = Repo.discover(str(repo))
    missing = os.urandom(20).hex()

    def asked() -> Iterator[str]:
        yield missing  # absent: the packs are looked for again here
        git(repo, "repack", "-a", "-d", "-q")  # another process: into a new pack, the loose copy gone
        assert not (repo / ".git" / "objects" / loose[:2] / loose[2:]).exists()
        yield loose

    assert r.present(asked()) == {loose}
    assert r.has_object(loose)


def test_a_fifo_among_the_tags_is_no_tag_and_hangs_nothing(tmp_path: Path) -> None:
    """The tags are listed from their folder now: a FIFO there (libgit2's listing skips
    anything but a regular file) was listed, and reading it as a ref blocked for ever,
    so every ``status`` that looked for the tags holding a commit hung."""
    repo = make_repo(tmp_path)
    git(repo, "tag", "kept")
    os.mkfifo(repo / ".git" / "refs" / "tags" / "fifo")
    script = (
        "import sys; from git_session import atrisk; from git_session.gitrepo import Repo; "
        "r = Repo.discover(sys.argv[1]); print(r.ref_names('refs/tags/'), len(atrisk._held(r)))"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, str(repo)], capture_output=True, text=True, timeout=30, check=True
        )
    except subprocess.TimeoutExpired:
        raise AssertionError("listing the tags hung on a FIFO") from None

    assert done.stdout == "['refs/tags/kept'] 1\n"
