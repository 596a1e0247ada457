"""Round 22's cuts of a handoff's cost (ISSUE14: handoff), each held to what it replaced:
the history's counts read without a regular expression, ISO times without a ``datetime``
each, the clock read without a git process when git would read the clock too."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from git_session import gitcli, history, plaintext
from git_session.sessions import Workspace
from tests import test_i14_handoff_lean
from tests.test_i14_share_noop import probe

# The fixtures, bound by assignment: an import would be "unused", then "redefined" (F811).
handed = test_i14_handoff_lean.handed
on_path = test_i14_handoff_lean.on_path

# What ``history`` read counts with before round 22: the reference of ``_numstat``.
_NUMSTAT = re.compile(r"(\d+|-)\t(\d+|-)\t(.*)", re.DOTALL)
_TOKENS = [
    "1\t2\tsrc/a.txt",
    "-\t-\tlogo.png",
    "10\t0\tpath\twith\ttabs",
    "3\t4\t",
    "0\t0\tline\nbreak",
    "\u0661\t2\tarabic-indic digit",  # \d is any decimal digit: so is isdecimal
    "\u00b2\t1\tsuperscript two",  # a digit, not a decimal: neither reads it
    "1\t-\thalf binary",
    "1\t2",
    "1 2 path",
    "x\t1\tpath",
    "-1\t2\tpath",
    "1\t2x\tpath",
    "",
    ":100644 100644 " + "a" * 40 + " " + "b" * 40 + " M",
    "0123456789abcdef0123456789abcdef01234567",
]


@pytest.mark.parametrize("token", _TOKENS)
def test_numstat_reads_what_the_regular_expression_read(token: str) -> None:
    match = _NUMSTAT.fullmatch(token)
    expected = None
    if match is not None:
        plus, minus, path = match.groups()
        expected = (path, None if plus == "-" else int(plus), None if minus == "-" else int(minus))
    assert history._numstat(token) == expected


def _iso_time_by_datetime(epoch: int, tz: str) -> str:
    """``plaintext.iso_time`` as it was before round 22: a ``datetime`` for each time."""
    offset = (-1 if tz.startswith("-") else 1) * (int(tz[1:3]) * 3600 + int(tz[3:5]) * 60)
    local = datetime(1970, 1, 1) + timedelta(seconds=epoch + offset)
    hours, minutes = divmod(abs(offset) // 60, 60)
    return f"{local.isoformat()}{'-' if offset < 0 else '+'}{hours:02d}:{minutes:02d}"


_EPOCHS = [
    0,
    1,
    59,
    86_399,
    86_400,
    -1,
    -86_401,
    951_782_400,
    1_700_000_000,
    4_102_444_799,
    253_402_300_799 - 5 * 86_400,
]
_ZONES = ["+0000", "-0000", "+0100", "-0130", "+0530", "+1400", "-1200", "+2400", "-2400", "+9959"]


@pytest.mark.parametrize("tz", _ZONES)
def test_iso_time_is_what_datetime_said(tz: str) -> None:
    for epoch in [*_EPOCHS, *range(1_600_000_000, 1_600_000_000 + 3 * 86_400, 3_607)]:
        assert plaintext.iso_time(epoch, tz) == _iso_time_by_datetime(epoch, tz)


def test_iso_time_out_of_range_fails_as_before() -> None:
    for epoch in (10**12, -(10**12)):
        with pytest.raises(OverflowError):
            _iso_time_by_datetime(epoch, "+0000")
        with pytest.raises(OverflowError):
            plaintext.iso_time(epoch, "+0000")


def _no_git(*args: object, **kwargs: object) -> None:
    raise AssertionError(f"a git process was started: {args}")


@pytest.mark.parametrize("date", [None, ""])
def test_now_without_an_author_date_is_the_clock_without_git(
    repo: Path, monkeypatch: pytest.MonkeyPatch, date: str | None
) -> None:
    """Unset or empty, ``GIT_AUTHOR_DATE`` leaves git to read the clock: so does ``now``,
    without starting ``git var`` (one process of a handoff's few)."""
    if date is None:
        monkeypatch.delenv("GIT_AUTHOR_DATE")
    else:
        monkeypatch.setenv("GIT_AUTHOR_DATE", date)
    ws = Workspace.open(str(repo))
    before = int(time.time())
    git_says = subprocess.run(["git", "var", "GIT_AUTHOR_IDENT"], cwd=repo, capture_output=True, text=True, check=True)
    monkeypatch.setattr(gitcli, "run", _no_git)
    monkeypatch.setattr(gitcli, "start", _no_git)
    now = ws.now()
    after = int(time.time())
    assert before <= now <= after
    assert before <= int(git_says.stdout.split()[-2]) <= after  # git read the clock too


def test_now_with_an_author_date_is_git_s(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2001-02-03 04:05:06 +0100")  # git's own reading of it
    assert Workspace.open(str(repo)).now() == 981_169_506


@pytest.mark.slow
def test_the_early_handoff_imports_no_remotes(handed: Path) -> None:
    """The early handoff asks ``quickpush.idle`` alone: the push's remote machinery
    (``remotes``, imported by ``up_to_date`` when a push asks) is not loaded for it."""
    early = probe(handed, "handoff")
    assert early.code == 0 and early.stdout.startswith("# Handoff: Lean handoff")
    assert not {"click", "git_session.cli"} & early.modules  # answered early
    assert "git_session.remotes" not in early.modules
