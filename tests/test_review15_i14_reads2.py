"""Review of i14-reads2: what the branch's shortcuts must still hold."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import git, make_repo, make_two_clones, ok
from tests.test_i14_reads import _age, _create, _expected, _folder, _ids, _index, _short, _twin, many

__all__ = ["many"]  # the fixture, shared with test_i14_reads

_MCP_PROBE = (
    "import gc, sys\n"
    "import git_session.mcp.server as server\n"
    "server.serve = lambda: print(gc.get_threshold())\n"
    "sys.argv = ['git-session', 'mcp']\n"
    "from git_session.cli import main\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
)


def test_the_mcp_server_keeps_the_interpreter_s_collection_thresholds(tmp_path: Path) -> None:
    """A command's raised gc threshold is for a short process: the long-lived MCP server
    collects as Python does by default."""
    repo = make_repo(tmp_path)
    probe = "import gc; print(gc.get_threshold())"
    default = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)

    served = subprocess.run([sys.executable, "-c", _MCP_PROBE], cwd=repo, capture_output=True, text=True)

    assert served.returncode == 0, served.stderr
    assert served.stdout == default.stdout


def _checked_at(repo: Path, when_ns: int) -> None:
    """The index as if its last full check was at ``when_ns`` (line 2 of the file)."""
    lines = _index(repo).read_text().split("\n")
    _index(repo).write_text("\n".join([lines[0], str(when_ns), *lines[2:]]))


@pytest.mark.parametrize("offset_s", [-61, 3600])
def test_a_full_check_recorded_in_the_future_is_no_check(many: tuple[Path, list[str]], offset_s: int) -> None:
    """A time of the last full check ahead of the clock (written before the clock was set
    back: a VM resumed, NTP stepping) proves nothing: trusting it kept a twin written by
    plain git into another branch's folder out of the short id for as long as the clock
    was ahead, not the documented minute."""
    repo, ids = many
    one, elsewhere = ids[8], _folder(repo, ids[9])
    assert _short(repo, one) == _expected(repo, one)
    _checked_at(repo, time.time_ns() + offset_s * 1_000_000_000)
    twin = _twin(one, 12)
    git(repo, "update-ref", f"refs/sessions/{elsewhere}/{twin}", f"refs/sessions/{elsewhere}/{ids[9]}")

    assert _short(repo, one) == one[:13] == _expected(repo, one)
    assert _short(repo, one) == one[:13]  # (the check recorded at the clock's time now)
    assert 0 <= time.time_ns() - int(_index(repo).read_text().split("\n")[1]) < 60_000_000_000


def test_a_twin_git_session_starts_in_another_branch_s_folder_shows_at_once(many: tuple[Path, list[str]]) -> None:
    """``start`` on a branch whose folder exists (from another worktree, say) is git-session's
    own write, not plain git's: the short ids shown next count the new session at once."""
    repo, ids = many
    one = ids[8]
    assert _short(repo, one) == _expected(repo, one)
    branch = git(repo, "for-each-ref", "--format=%(refname)", f"refs/sessions/{_folder(repo, ids[9])}/")
    assert branch.strip()

    _create(repo, "topic/09", _twin(one, 12))  # topic/09's folder holds ids[9], of another prefix

    assert _short(repo, one) == one[:13] == _expected(repo, one)


def test_a_twin_pulled_into_another_branch_s_folder_shows_at_once(tmp_path: Path) -> None:
    _, alice, bob = make_two_clones(tmp_path)
    ids = [_create(alice, f"topic/{n:02d}", session_id) for n, session_id in enumerate(_ids("", 4))]
    ok(alice, "push")
    ok(bob, "pull")
    _age(alice)
    one = ids[0]
    assert _short(alice, one) == _expected(alice, one)
    _create(bob, "topic/03", _twin(one, 12))
    ok(bob, "push")

    ok(alice, "pull")

    assert _short(alice, one) == one[:13] == _expected(alice, one)
