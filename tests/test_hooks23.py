"""Round 23: what the hooks' awk writes when a write fails, and what is planted beside.

- ``trailers._run_awk`` (the amend files, ``amended~`` and ``ours~``) ran the program in place:
  busybox's awk does not tell a failed write, and a file cut short at a line's end was taken
  whole (the hook then wrote it over the message of `--amend --no-edit`: the user's lines
  below the cut lost). It now writes as the hook has it write (GIT_SESSION_OUT): appended or
  beside, read back.
- An append by mawk that failed part-way: a line of ours longer than its buffer died in it.
- Busybox sh took awk's path for `-m` and `--amend --no-edit` in the `limited` fixture, not in
  a repository made long before: its `test -nt` tells whole seconds (the fixture's defect).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from git_session import paths, trailers
from git_session.gitrepo import Repo
from tests import test_trailers
from tests.helpers import git, needed_tool, ok
from tests.test_hooks22_writes import EVERY_AWK, limited, run_beside
from tests.test_i14_hooks import cache_of, counted, started
from tests.test_i14_hooks3 import linked
from tests.test_review22_hooks import PATHS, committed
from tests.test_trailers import Session, change, head, message, writes

hooked = test_trailers.hooked
session = test_trailers.session
editors = test_trailers.editors
__all__ = ["counted", "limited"]  # (fixtures)

# (an awk whose writes make no file over the bytes its file `limit` says, SIGXFSZ ignored:
# the write fails; _run_awk gives awk an environment of its own)
LIMITED_AWK = """#!{python}
import os, resource, signal, sys
limit = int(open({limit!r}).read())
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
os.execv({awk!r}[0], [*{awk!r}, *sys.argv[1:]])
"""


def limited_awk(where: Path, awk: list[str]) -> Path:
    script = where / "limited-awk"
    script.write_text(LIMITED_AWK.format(python=sys.executable, awk=awk, limit=str(where / "limit")))
    script.chmod(0o755)
    return script


def test_the_amend_files_busybox_awk_fails_to_write_are_never_taken_short(session: Session, tmp_path: Path) -> None:
    """Cut at every line's end of what it writes: nothing, or what it writes unlimited."""
    busybox = needed_tool("busybox")
    repo = session.repo
    linked(session, "-m", "subject", "-m", "body of\nthree\nlines")
    session.decide("D2", "later")
    session.decide("D3", "then")
    session.done("O1")  # (its line moves: written beside)
    ok(repo, "status")
    cache = cache_of(repo)
    message = cache.parent / f"{trailers.TIP_MESSAGE}{head(repo)}"
    program = paths.awk_program(Repo.discover(str(repo)))
    awk = str(limited_awk(tmp_path, [busybox, "awk"]))
    (tmp_path / "limit").write_text(str(1 << 20))
    whole = trailers._run_awk(awk, program, cache, message, tmp_path / "scratch")
    assert whole is not None and b"D3 -- then\n" in whole[0] and b"D3 -- then\n" in whole[1]
    ends = [at + 1 for at, byte in enumerate(whole[0]) if byte == ord("\n")][:-1]
    assert len(ends) >= 6
    for limit in ends:
        (tmp_path / "limit").write_text(str(limit))
        assert trailers._run_awk(awk, program, cache, message, tmp_path / "scratch") is None, limit
    assert not list(tmp_path.glob("scratch*"))


@pytest.mark.parametrize("awk", EVERY_AWK)
def test_a_failed_append_of_a_line_of_ours_longer_than_awks_buffer_leaves_no_torn_line(
    tmp_path: Path, awk: str
) -> None:
    """(mawk died on a print that filled its buffer: each piece of 1,024 bytes is flushed now)"""
    text = "s" * 200 + "\n"
    long = "Decisions: D1 -- " + "w" * 20_000
    status, written = run_beside(awk, tmp_path, text, "fresh", limit=len(text) + 10_000, decision=long)
    assert status == 2
    assert written == text


# --- the shells of the `limited` fixture take the paths its tests name ------------------------


@pytest.mark.parametrize("argv", [["-m", "subject"], ["--amend", "--no-edit"]], ids=["m", "amend"])
def test_every_shell_of_the_fixture_writes_a_message_of_m_or_an_amend_itself(
    limited: Session, counted: tuple[dict[str, str], Path], argv: list[str]
) -> None:
    """Busybox sh took awk's path in the fixture (not in a repository made long before): the
    fixture's config was written in the second the trailers were rendered in, and busybox's
    `test -nt` tells whole seconds (dash and bash tell nanoseconds), so the hook could not
    know the config older and had awk read it. The fixture's config is dated back now; the
    hook's conservative answer is right (only slower) and stays."""
    repo = limited.repo
    linked(limited, "-m", "first")
    limited.decide("D2", "later")  # (something to add on the amend)
    ok(repo, "status")
    change(repo)
    assert started(repo, counted, "commit", "-q", *argv) == []
    assert "D2 -- later" in message(repo)


# --- a directory planted where the hooks write ------------------------------------------------
#
# A directory at COMMIT_EDITMSG.git-session~ made every commit that writes the message beside
# it go on without trailers, with a warning, for ever. An empty one is removed now; one that
# holds files is not the hook's to remove: the message is written beside it under a name of
# the hook's process. A directory at git-session-editing (the editor's mark, for commit-msg)
# failed the commit: `: > file` ends dash and busybox sh when the redirection fails.


def plant_folder(at: Path, kind: str) -> None:
    at.mkdir()
    if kind == "holding a file":
        (at / "theirs").write_text("not the hook's\n")


def folder_kept(at: Path, kind: str) -> bool:
    """What was planted is still there, as it was, if it held a file; gone, if empty."""
    if kind == "empty":
        return not at.exists()
    return (at / "theirs").read_text() == "not the hook's\n"


@pytest.mark.parametrize("kind", ["empty", "holding a file"])
@pytest.mark.parametrize("path", list(PATHS))
def test_a_folder_planted_beside_the_message_never_keeps_the_trailers_out(
    session: Session, editors: Path, kind: str, path: str
) -> None:
    repo = session.repo
    argv, typed = PATHS[path]
    env = {"GIT_EDITOR": writes(editors, typed)} if typed else {}
    ok(repo, "status")
    beside = repo / ".git" / "COMMIT_EDITMSG.git-session~"
    plant_folder(beside, kind)
    for _ in range(2):
        change(repo)
        done = committed(repo, *argv, env=env)
        assert done.returncode == 0, done.stderr
        assert "git-session" not in done.stderr
        assert message(repo).startswith("subject\n")
        assert "Session-Id: " in message(repo)
        assert folder_kept(beside, kind)
        assert [p.name for p in (repo / ".git").glob("COMMIT_EDITMSG.*")] == ([beside.name] if kind != "empty" else [])


@pytest.mark.parametrize("kind", ["empty", "holding a file"])
def test_a_folder_planted_beside_the_message_of_an_amend_never_keeps_the_trailers_out(
    session: Session, kind: str
) -> None:
    """(the shell writes amended~ beside the message: O1 done moves its line)"""
    repo = session.repo
    linked(session, "-m", "subject")
    session.done("O1")
    ok(repo, "status")
    change(repo)
    beside = repo / ".git" / "COMMIT_EDITMSG.git-session~"
    plant_folder(beside, kind)
    done = committed(repo, "-q", "--amend", "--no-edit", env={})
    assert done.returncode == 0, done.stderr
    assert "Session-Objectives: [done] O1" in message(repo)
    assert folder_kept(beside, kind)


@pytest.mark.parametrize("kind", ["empty", "holding a file", "fifo", "symlink"])
@pytest.mark.parametrize("how", ["-m", "editor", "template"])
def test_what_is_planted_at_the_editors_mark_never_fails_or_blocks_a_commit(
    session: Session, editors: Path, tmp_path: Path, kind: str, how: str
) -> None:
    """git-session-editing: a folder failed every commit (`: >` in dash and busybox sh), a
    FIFO blocked every commit through the editor, a symlink was followed. The commit goes on;
    with the trailers, but through the editor while a folder that holds files is there
    (commit-msg cannot be told how the message was made: it warns)."""
    repo = session.repo
    mark = repo / ".git" / "git-session-editing"
    outside = tmp_path / "outside"
    if kind == "fifo":
        os.mkfifo(mark)
    elif kind == "symlink":
        outside.write_text("not the hook's\n")
        mark.symlink_to(outside)
    else:
        plant_folder(mark, kind)
    if how == "template":
        (editors / "template").write_text("# a template\n")
        git(repo, "config", "commit.template", str(editors / "template"))
    argv = ["-q", "-m", "subject"] if how == "-m" else ["-q"]
    env = {} if how == "-m" else {"GIT_EDITOR": writes(editors, "subject\n")}
    ok(repo, "status")
    change(repo)
    try:
        done = committed(repo, *argv, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("the commit hung on what was planted at the editor's mark")
    finally:
        if mark.is_fifo():
            os.close(os.open(mark, os.O_RDONLY | os.O_NONBLOCK))
    assert done.returncode == 0, done.stderr
    assert message(repo).startswith("subject\n")
    assert ("Session-Id: " in message(repo)) == (how == "-m" or kind != "holding a file")
    if kind == "holding a file":
        assert folder_kept(mark, kind)
    elif mark.exists() and not (how == "-m" and kind == "fifo"):  # (an empty one, never opened: left)
        assert mark.is_file() and not mark.is_symlink()  # (its own mark)
    if kind == "symlink":
        assert outside.read_text() == "not the hook's\n"
