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

import sys
from pathlib import Path

import pytest

from git_session import paths, trailers
from git_session.gitrepo import Repo
from tests import test_trailers
from tests.helpers import needed_tool, ok
from tests.test_hooks22_writes import EVERY_AWK, limited, run_beside
from tests.test_i14_hooks import cache_of, counted, started
from tests.test_i14_hooks3 import linked
from tests.test_trailers import Session, change, head, message

hooked = test_trailers.hooked
session = test_trailers.session
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
