"""``gitrepo.staged_file`` stages a file at a name anyone can foresee (``.<name>.<pid>.tmp``)
in folders a shared repository's group can write (``.git/logs/refs/...``, the private
folder): opened as a plain ``open(..., "wb")``, a symbolic link planted at that name was
followed: the file it names (any file the user can write) was emptied, filled with the
data, given the mode asked for, and the link itself then renamed into place. git makes its
own such files (locks) with ``O_EXCL``: a name already there is never written through."""

from __future__ import annotations

import os
from pathlib import Path

from git_session.gitrepo import replace_file


def test_a_link_planted_at_the_staged_name_is_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    victim.chmod(0o600)
    target = tmp_path / "reflog"
    target.write_bytes(b"old\n")
    (tmp_path / f".reflog.{os.getpid()}.tmp").symlink_to(victim)
    replace_file(target, b"new\n", 0o664)
    assert victim.read_bytes() == b"precious\n"
    assert oct(victim.stat().st_mode & 0o777) == oct(0o600)
    assert not target.is_symlink() and target.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reflog", "victim"]


def test_a_file_left_at_the_staged_name_by_a_process_that_died_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "cache"
    (tmp_path / f".cache.{os.getpid()}.tmp").write_bytes(b"half a file of a process killed")
    replace_file(target, b"whole\n")
    assert target.read_bytes() == b"whole\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]
