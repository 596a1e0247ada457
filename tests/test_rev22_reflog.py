"""Review of round 22's ref writes: cas_ref now holds the ref's lock while Python runs
(the ref read again, our reflog line appended), not only inside one libgit2 call. A
process stopped there (Ctrl-C, a timeout's SIGTERM, a closed terminal's SIGHUP) left the
lock behind (refusing every writer of the ref, git's too, for a minute) or a reflog line
of an update it did not make. The stop now waits for the update, made or given up whole."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from git_session.gitrepo import Ident, Repo
from tests.helpers import git

REF = "refs/sessions/stopped"

# Moves REF once; our reflog line (a bare repository: libgit2 logs none) is written, then
# the write is held up, a file saying so (argv[2]), until the test says it has sent its
# signal (argv[3]): the signal always arrives while the lock is held. (It waited 1.5 s: a
# test process not scheduled for longer, at a load of 7-9, sent it to a process that had
# finished its update and exited 0.)
WRITER = """
import pathlib, sys, time
from git_session.gitrepo import Ident, Repo
repo = Repo.discover(sys.argv[1])
tree = repo.edit_tree(None, {})
ident = Ident("w", "w@example.com", 1700000000, "+0000")
old = repo.ref_target(%(ref)r)
new = repo.write_commit(tree, [old], "second", ident)
append = Repo._append_reflog
def held(*args):
    append(*args)
    pathlib.Path(sys.argv[2]).touch()
    deadline = time.monotonic() + 120
    while not pathlib.Path(sys.argv[3]).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
Repo._append_reflog = held
repo.cas_ref(%(ref)r, new, old, "git-session: stopped")
"""


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stopped_update_leaves_no_lock_and_logs_what_it_did(tmp_path: Path, stop: signal.Signals) -> None:
    path = tmp_path / "repo.git"
    git(tmp_path, "init", "-q", "--bare", str(path))
    repo = Repo.discover(str(path))
    first = repo.write_commit(repo.edit_tree(None, {}), [], "first", Ident("t", "t@example.com", 1700000000, "+0000"))
    assert repo.cas_ref(REF, first, None, "git-session: first")
    marker, sent = tmp_path / "holding", tmp_path / "sent"
    script = WRITER % {"ref": REF}
    proc = subprocess.Popen([sys.executable, "-c", script, str(path), str(marker), str(sent)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.01)
    proc.send_signal(stop)  # (pending, blocked while the lock is held: delivered as it is let go)
    sent.touch()
    proc.communicate(timeout=150)
    assert proc.returncode != 0  # it was stopped, once its update was made
    assert not Path(repo.lock_path(REF)).exists()
    lines = Path(repo.reflog_path(REF)).read_text(encoding="utf-8").splitlines()
    assert [line.split(" ")[1] for line in lines] == [first, repo.ref_target(REF)]
    assert repo.ref_target(REF) != first


@pytest.mark.parametrize(("bare", "given"), [(False, "false"), (True, "true")])
def test_logging_given_on_the_command_line_gives_one_line_an_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bare: bool, given: str
) -> None:
    """``git -c core.logAllRefUpdates=…`` reaches git-session, not libgit2, which reads only
    the files: whether libgit2 logs is its files' answer. Taken from the command line, each
    update was logged twice (libgit2's line and ours) or not at all (neither)."""
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", *(["--bare"] if bare else []), str(path))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'core.logallrefupdates'='{given}'")
    repo = Repo.discover(str(path))
    ident = Ident("t", "t@example.com", 1700000000, "+0000")
    first = repo.write_commit(repo.edit_tree(None, {}), [], "first", ident)
    second = repo.write_commit(repo.edit_tree(None, {}), [first], "second", ident)
    assert repo.cas_ref(REF, first, None, "git-session: first")
    assert repo.cas_ref(REF, second, first, "git-session: second")
    lines = Path(repo.reflog_path(REF)).read_text(encoding="utf-8").splitlines()
    assert [line.split(" ")[1] for line in lines] == [first, second]
