"""A file git-session writes whole (the import key, a reflog rewritten, the caches and
records of ``<common dir>/git-session/``) is staged in a temporary file beside it: a
write that failed (a full disk, a file size limit, Ctrl-C) left that file behind
(``import-key.<pid>.tmp``, ``<reflog>.<pid>.tmp``). Each now goes through
``gitrepo.staged_file``, which removes it on every way out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from git_session import paths
from git_session.gitrepo import Ident, Repo, replace_file
from tests.helpers import git

# Runs CODE in a process whose files cannot grow past 16 bytes (as on a full disk: the
# write fails part way, EFBIG); prints the error it ends with.
LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (16, 16))
from git_session.gitrepo import Repo
repo = Repo.discover(sys.argv[1])
try:
    %s
except BaseException as exc:
    print(type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
"""


def run_limited(repo: Path, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", LIMITED % code, str(repo)], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def left_over(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


def test_an_import_key_that_cannot_be_written_leaves_nothing(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(repo))
    said = run_limited(repo, "from git_session import importing; importing._import_key(repo)")
    assert said.startswith("UserError cannot read or make the import key"), said
    key = paths.import_key(Repo.discover(str(repo)))
    assert not key.exists()
    assert left_over(key.parent) == []


def test_a_reflog_that_cannot_be_rewritten_stays_and_leaves_nothing(tmp_path: Path) -> None:
    """``doctor --fix``'s clean-up of a reflog (``drop_broken_reflog_entries``)."""
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(path))
    repo = Repo.discover(str(path))
    tip = repo.write_commit(repo.edit_tree(None, {}), [], "a", Ident("t", "t@example.com", 1700000000, "+0000"))
    ref = "refs/sessions/01HZX"
    assert repo.cas_ref(ref, tip, None, "git-session: start")
    log = Path(repo.reflog_path(ref))
    kept = log.read_text(encoding="utf-8")
    log.write_text(f"{'0' * 40} {'1' * 40} S <s@example.com> 1700000000 +0000\tgone\n{kept}", encoding="utf-8")
    before = log.read_text(encoding="utf-8")
    assert run_limited(path, f"repo.drop_broken_reflog_entries({ref!r})") == ""
    assert log.read_text(encoding="utf-8") == before
    assert left_over(log.parent) == []
    repo.drop_broken_reflog_entries(ref)  # (without the limit: done)
    assert log.read_text(encoding="utf-8") == kept


def test_a_file_replaced_whole_is_left_as_it_was_on_ctrl_c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """(``replace_file``: the private folder's caches and records, a reflog.)"""
    target = tmp_path / "cache"
    target.write_bytes(b"old\n")

    def interrupted(source: str, destination: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        replace_file(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]
