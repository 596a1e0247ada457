"""How often a push connects to the remote (issue 14, round 18): the early answer's dry run
is handed to the command that runs next in the same process (``launch``), which pushes
without asking the remote again. A push with something to send connects twice (the dry run,
the push), a re-pointed remote too (it was three times), a no-op once; and the early answer
no longer reads the copies here (``refs/session-remotes/``) at all.

Connections are counted where the remote sees them: ``remote.origin.receivePack`` names a
wrapper that logs each one and runs ``git-receive-pack``."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from git_session import gitcli, quickpush, remotes, sharing
from git_session.gitrepo import Repo
from git_session.names import NOTES_REF, SESSIONS_PREFIX
from tests.helpers import git, ok, recorded_calls, session_refs
from tests.test_i14_share_noop import probe, settle
from tests.test_i17_push_remote import local_refs, pushed_twice, remote_refs
from tests.test_sharing import all_refs


def counted(tmp_path: Path, repo: Path) -> Path:
    """The log of every connection ``repo``'s pushes make to ``origin`` (one line each)."""
    log = tmp_path / "connections.log"
    wrapper = tmp_path / "receive-pack"
    wrapper.write_text(f"#!/bin/sh\necho connected >> '{log}'\nexec git-receive-pack \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    git(repo, "config", "remote.origin.receivePack", str(wrapper))
    return log


def connections(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_a_push_with_a_session_to_send_connects_twice(tmp_path: Path) -> None:
    remote, alice, _ = pushed_twice(tmp_path)
    log = counted(tmp_path, alice)
    ok(alice, "note", "one more line")
    settle(alice)

    answer = probe(alice, "push")
    assert answer[:3] == (0, "Pushed 1 session(s) to origin\n", "")
    assert connections(log) == 2  # the early answer's dry run (taken by the command), the push
    assert remote_refs(remote) == local_refs(alice)


def test_notes_to_send_connect_twice(tmp_path: Path) -> None:
    remote, alice, _ = pushed_twice(tmp_path)
    log = counted(tmp_path, alice)
    git(alice, "notes", "--ref=sessions", "append", "-m", "another line", "HEAD")
    settle(alice)

    answer = probe(alice, "push")
    assert answer[:3] == (0, "Pushed 0 session(s) and the notes to origin\n", "")
    assert connections(log) == 2
    assert remote_refs(remote) == local_refs(alice)


def test_a_remote_re_pointed_to_an_empty_repository_connects_twice_not_three_times(tmp_path: Path) -> None:
    """The copies here say the remote has everything: the early answer's dry run finds that
    it has nothing, and the command used to ask it again before pushing."""
    _, alice, _ = pushed_twice(tmp_path)
    empty = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(empty))
    git(alice, "remote", "set-url", "origin", str(empty))
    log = counted(tmp_path, alice)

    answer = probe(alice, "push")
    assert answer[:3] == (0, "Pushed 2 session(s) and the notes to origin\n", "")
    assert connections(log) == 2
    assert remote_refs(empty) == local_refs(alice)


def test_a_no_op_connects_once_and_answers_early(tmp_path: Path) -> None:
    _, alice, _ = pushed_twice(tmp_path)
    log = counted(tmp_path, alice)
    settle(alice)  # (the config write above is no branch move; settled for the reattach stamp)

    answer = probe(alice, "push")
    assert answer[:3] == (0, "Everything up to date on origin\n", "") and answer.answered_early
    assert connections(log) == 1


def test_the_early_answer_reads_no_copy_of_the_remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What leaves is the remote's answer: the copies here (1,000 loose refs after a push of
    1,000 sessions) are not read to answer a no-op."""
    _, alice, _ = pushed_twice(tmp_path)
    commands = recorded_calls(monkeypatch, gitcli, "run")
    monkeypatch.chdir(alice)
    assert quickpush.up_to_date(None) == "origin"
    assert not any(arg.startswith("refs/session-remotes/") for (command,) in commands for arg in command)


def test_an_early_answer_is_kept_only_when_asked_and_taken_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library caller (a test, a server) asking the early question leaves nothing behind
    that a later push would believe; ``launch`` hands it over, and the command takes it once."""
    _, alice, _ = pushed_twice(tmp_path)
    monkeypatch.chdir(alice)
    assert quickpush.up_to_date(None) == "origin"
    assert remotes._ANSWERS == {}
    ok(alice, "note", "one more line")
    settle(alice)
    assert quickpush.up_to_date(None, hand_over=True) is None
    assert len(remotes._ANSWERS) == 1

    commands = recorded_calls(monkeypatch, gitcli, "run")
    repo = Repo.discover(str(alice))
    report = sharing.push(repo, sharing.resolve_remote(repo, None), sharing.scan_secrets)
    pushes = sum("push" in args for (args,) in commands)
    assert len(report.pushed) == 1 and pushes == 1 and remotes._ANSWERS == {}


def test_a_session_moved_after_the_early_dry_run_is_not_taken_as_held(tmp_path: Path) -> None:
    """The dry run said "up to date" of the tip it saw; the session moved on before the
    command read it: which tip the remote holds is not that one (it is sent, and scanned)."""
    remote, alice, _ = pushed_twice(tmp_path, sessions=1)
    ref = session_refs(alice)[0]
    repo = Repo.discover(str(alice))
    origin = remotes.resolve_remote(repo, None)
    before = remotes.ref_tips(repo, [SESSIONS_PREFIX, NOTES_REF])
    assert remotes.ask_early(repo, origin, (SESSIONS_PREFIX,), before, hand_over=True)
    ok(alice, "note", "written meanwhile")

    tips = remotes.ref_tips(repo, [SESSIONS_PREFIX, origin.sessions_prefix, NOTES_REF])
    view = remotes.RemoteView.ask(repo, origin, (SESSIONS_PREFIX,), tips)
    assert ref not in view.held and ref in view.present
    assert NOTES_REF in view.held  # the notes did not move

    texts: list[str] = []

    def scan(found: Any) -> list[Any]:
        texts.extend(text for _, text in found)
        return []

    sharing.push(repo, origin, scan)
    assert any("written meanwhile" in text for text in texts)
    assert all_refs(remote, ref) == all_refs(alice, ref)


_IMPORTS = """
import sys
from git_session import launch
sys.argv = ["git-session", "push"]
launch.main()
print(sorted(m for m in ("tempfile", "random", "difflib", "datetime") if m in sys.modules))
"""


def test_the_no_op_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    """Temporary files, random numbers, close matches of unknown keys and YAML dates are for
    other commands: the no-op pays for none of their imports (ISSUE14: no Python-heavy
    imports for a no-op)."""
    _, alice, _ = pushed_twice(tmp_path)
    done = subprocess.run([sys.executable, "-c", _IMPORTS], cwd=alice, capture_output=True, text=True, check=True)
    assert done.stdout == "Everything up to date on origin\n[]\n"


_COLLECTOR = """
import gc, sys
import git_session.cli
from git_session import launch
seen = []
git_session.cli.main = lambda: seen.append(gc.isenabled())
sys.argv = ["git-session", "push"]
launch.main()
print(seen, gc.isenabled())
"""


@pytest.mark.parametrize("what", ["nothing new", "a session to send"])
def test_the_collector_is_on_again_whatever_the_early_answer_says(tmp_path: Path, what: str) -> None:
    """The early answer runs with the cyclic collector off; the command line, when it runs
    after it, runs with it on, as it always did."""
    _, alice, _ = pushed_twice(tmp_path)
    if what != "nothing new":
        ok(alice, "note", "one more line")
        settle(alice)
    done = subprocess.run([sys.executable, "-c", _COLLECTOR], cwd=alice, capture_output=True, text=True, check=True)
    expected = "Everything up to date on origin\n[] True\n" if what == "nothing new" else "[True] True\n"
    assert done.stdout == expected
