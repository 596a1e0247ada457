"""Issue 14, linking after a rebase (fourth round): the amend files (``trailers.write_amends``)
are made by two awk runs only when what awk reads changed.

Every drain renders the branch's trailers again, most often with the same lines: a new
session tip (the cache's header), a branch moved to a commit of the same message (a
rebase). The amend files are a function of the awk program, the cache (but for the header
lines awk does not read: ref, session tip, branch head) and the tip's message: when a digest
of those (recorded beside them with a digest of each file's lines) is met again and the
files are still what was written, their lines are written again under the cache's session
tip, not made by awk again. Anything else (other lines of ours, a file changed by hand, no
record: written by an older git-session) runs awk as before.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from git_session import paths, trailers
from git_session.gitrepo import Repo
from git_session.names import BranchName
from tests import test_trailers
from tests.helpers import ok
from tests.test_i14_hooks import age, cache_of, counted, started
from tests.test_i14_hooks3 import linked
from tests.test_trailers import DEC, ID, Session, change, head, lines, message

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["counted", "hooked", "session"]  # (fixtures)


@pytest.fixture
def awk_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The awk runs started in this process (write_amends')."""
    runs: list[list[str]] = []
    real = subprocess.run

    def run(args: Any, *rest: Any, **options: Any) -> Any:
        if isinstance(args, list) and os.path.basename(str(args[0])) in ("awk", "mawk", "gawk", "busybox"):
            runs.append([os.path.basename(str(args[0])), *map(str, args[1:])])
        return real(args, *rest, **options)

    monkeypatch.setattr(subprocess, "run", run)
    return runs


def rendered_again(repo: Path) -> None:
    """The branch's cache written again with the same text, as each drain does."""
    trailers.write_cache(Repo.discover(str(repo)), BranchName("main"), cache_of(repo).read_text())


def amend_files(repo: Path) -> dict[str, bytes]:
    folder = cache_of(repo).parent
    return {name: (folder / f"{name}{head(repo)}").read_bytes() for name in (trailers.AMENDED, trailers.AMEND_OURS)}


def test_a_cache_rendered_again_to_the_same_bytes_runs_no_awk_and_the_hook_still_takes_the_files(
    session: Session, counted: tuple[dict[str, str], Path], awk_runs: list[list[str]]
) -> None:
    repo = session.repo
    folder = linked(session, "-m", "subject")
    before = amend_files(repo)
    for name in before:
        age(folder / f"{name}{head(repo)}")  # (written a while ago: older than the cache about to be written)
    awk_runs.clear()
    rendered_again(repo)
    assert awk_runs == []
    assert amend_files(repo) == before
    cache = cache_of(repo).stat().st_mtime_ns
    assert all((folder / f"{name}{head(repo)}").stat().st_mtime_ns >= cache for name in before)
    change(repo)
    assert started(repo, counted, "commit", "-q", "--amend", "--no-edit") == []
    assert message(repo) == "subject\n\n" + lines(session.first)


def test_kept_files_are_what_awk_writes_from_the_same_inputs(session: Session, awk_runs: list[list[str]]) -> None:
    repo = session.repo
    linked(session, "-m", "subject", "-m", "body")
    rendered_again(repo)
    kept = amend_files(repo)
    (cache_of(repo).parent / trailers.AMENDS_INPUTS).unlink()  # (no record: awk runs)
    awk_runs.clear()
    rendered_again(repo)
    assert [run[0] for run in awk_runs] == [os.path.basename(shutil.which("mawk") or "awk")] * 2
    assert amend_files(repo) == kept


@pytest.mark.parametrize("what", ["cache", "message", "amended", "ours", "record", "no record"])
def test_files_made_from_other_inputs_or_changed_since_are_written_again(
    session: Session, awk_runs: list[list[str]], what: str
) -> None:
    repo = session.repo
    folder = linked(session, "-m", "subject")
    tip = head(repo)
    expected = amend_files(repo)
    copied = (folder / f"{trailers.TIP_MESSAGE}{tip}").read_text()
    assert copied.startswith("subject\n\nSession-Id: ")
    cache = cache_of(repo)
    text = cache.read_text()
    if what == "cache":  # rendered with other lines (an objective changed)
        assert "Session-Objectives: [open] O2\n" in text
        text = text.replace("[open] O2\n", "[open] O3\n")
    elif what == "message":  # the tip's message as copied, changed by hand
        (folder / f"{trailers.TIP_MESSAGE}{tip}").write_text("another\n")  # (put back from the tip first)
    elif what in ("amended", "ours"):  # forged, the record intact
        name = trailers.AMENDED if what == "amended" else trailers.AMEND_OURS
        (folder / f"{name}{tip}").write_text((folder / f"{name}{tip}").read_text().replace(ID, "Forged"))
    elif what == "record":
        (folder / trailers.AMENDS_INPUTS).write_text("tip " + "0" * 64 + "\n")
    else:  # written by a git-session before this one: no record
        (folder / trailers.AMENDS_INPUTS).unlink()
    awk_runs.clear()
    trailers.write_cache(Repo.discover(str(repo)), BranchName("main"), text)
    assert len(awk_runs) == (0 if what == "message" else 2)
    assert (folder / f"{trailers.TIP_MESSAGE}{tip}").read_text() == copied
    if what == "cache":
        assert amend_files(repo) != expected
        assert "Session-Objectives: [open] O3\n" in amend_files(repo)[trailers.AMENDED].decode()
    else:
        assert amend_files(repo) == expected
    assert (folder / trailers.AMENDS_INPUTS).read_text().split()[0] == tip


def test_the_record_goes_with_the_amend_files(session: Session) -> None:
    repo = session.repo
    folder = linked(session, "-m", "subject")
    assert (folder / trailers.AMENDS_INPUTS).exists()
    ok(repo, "end", "--complete", "--no-handoff")
    assert not (folder / trailers.AMENDS_INPUTS).exists()
    assert not [p.name for p in folder.iterdir() if p.name.startswith((trailers.AMENDED, trailers.AMEND_OURS))]


def test_an_amend_after_a_decision_still_gets_it(session: Session, counted: tuple[dict[str, str], Path]) -> None:
    """A decision since (the cache's lines changed): the files are written again, and taken."""
    repo = session.repo
    linked(session, "-m", "subject")
    rendered_again(repo)
    session.decide("D2", "later")
    change(repo)
    assert started(repo, counted, "commit", "-q", "--amend", "--no-edit") == []
    assert message(repo) == "subject\n\n" + lines([*session.first, "Decisions: D2 -- later"])
    assert DEC in message(repo)


def test_a_session_written_to_reuses_what_awk_wrote_and_the_hook_takes_it(
    session: Session, counted: tuple[dict[str, str], Path], awk_runs: list[list[str]]
) -> None:
    """A note moves the session's tip (the cache's header), not its lines: the files are
    written again from the bodies awk wrote, headed by the new tip."""
    repo = session.repo
    folder = linked(session, "-m", "subject")
    before = amend_files(repo)
    awk_runs.clear()
    ok(repo, "note", "nothing to say in a trailer")
    assert awk_runs == []
    after = amend_files(repo)
    tip = cache_of(repo).read_text().splitlines()[2]
    assert [text.split(b"\n", 1)[0] for text in before.values()] != [tip.encode()] * 2
    assert [text.split(b"\n", 1) for text in after.values()] == [
        [tip.encode(), text.split(b"\n", 1)[1]] for text in before.values()
    ]
    assert (folder / trailers.AMENDS_INPUTS).exists()
    change(repo)
    assert started(repo, counted, "commit", "-q", "--amend", "--no-edit") == []
    assert message(repo) == "subject\n\n" + lines(session.first)


@pytest.mark.parametrize("line", [1, 2, 6])
def test_awk_does_not_read_the_header_lines_left_out_of_the_digest(session: Session, tmp_path: Path, line: int) -> None:
    """What ``_UNREAD_BY_AWK`` says of the awk program: the same output with those lines
    changed (the ref, the session's tip, the branch's head)."""
    repo = session.repo
    linked(session, "-m", "subject")
    cache = cache_of(repo)
    r = Repo.discover(str(repo))
    message_file = cache.parent / f"{trailers.TIP_MESSAGE}{head(repo)}"
    awk = shutil.which("mawk") or shutil.which("awk")
    assert awk is not None
    program = paths.awk_program(r)
    as_rendered = trailers._run_awk(awk, program, cache, message_file, tmp_path / "scratch")
    text = cache.read_text().split("\n")
    key = trailers._UNREAD_BY_AWK[line].decode()
    assert text[line].startswith(key)
    text[line] = key + "f" * 40
    other = tmp_path / "other-cache"
    other.write_text("\n".join(text))
    assert as_rendered is not None and as_rendered[0]
    assert trailers._run_awk(awk, program, other, message_file, tmp_path / "scratch") == as_rendered
    assert trailers._amend_inputs(awk, program, other, message_file) == trailers._amend_inputs(
        awk, program, cache, message_file
    )
