"""Review of round 24 (shared24): the hooks' umask file is untrusted data.

Any member of a shared repository's group can write ``<common dir>/git-session/umask``.
Every command compared the file with what it should say by reading it whole: a planted file
of gigabytes was read into memory (a MemoryError, not an ``OSError``: the command crashed).
It is now read up to one byte more than what it should say.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import git, make_repo, ok
from tests.test_trust_data_review import limited


def test_a_huge_planted_umask_file_is_not_read_whole(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    git(repo, "config", "core.sharedRepository", "group")
    ok(repo, "start", "work")
    planted = repo / ".git" / "git-session" / "umask"
    assert planted.read_text() == "u+rwx,g+rwx\n"
    with planted.open("r+b") as file:
        file.truncate(2 << 30)  # (sparse: 2 GB of zeros after the line)
    result = limited(repo, "status", megabytes=768)
    assert result.returncode == 0, result.stderr[-2000:]
    assert planted.read_text() == "u+rwx,g+rwx\n"
    assert os.path.getsize(planted) == len("u+rwx,g+rwx\n")
