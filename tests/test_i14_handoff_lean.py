"""A plain `git session handoff`, answered by the console script before the command line is
imported (``launch``, ``quickhandoff``): what it prints is what the command prints, and it
declines (the command runs in full) whenever the command would do or say anything else.
Every case runs both ways in child processes: the console script's entry, and the command
line's own ``cli.main``; their exit codes, outputs and errors must be the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from git_session import quickhandoff, quickpush
from git_session.gitrepo import Repo
from tests.helpers import git, ok
from tests.test_i14_share_noop import probe, settle

# Every case starts git-session twice (and the fixture commits through the hooks).
pytestmark = pytest.mark.slow

_FULL = "from git_session.cli import main; main()"
# A fixed clock: the handoff says when it was generated.
_CLOCK = {"GIT_AUTHOR_DATE": "1700000000 +0000", "GIT_COMMITTER_DATE": "1700000000 +0000"}


class Outcome(NamedTuple):
    code: int
    stdout: str
    stderr: str


def both(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[Outcome, Outcome, bool]:
    """``git-session handoff ARGS`` by the console script and by the command line: their
    outcomes, and whether the console script answered without the command line."""
    environ = {**os.environ, **_CLOCK, **(env or {})}
    argv = ("handoff", *args)
    early = probe(cwd, *argv, env=environ)
    full = subprocess.run(
        [sys.executable, "-c", _FULL, *argv],
        cwd=cwd,
        capture_output=True,
        env=environ,
        check=False,
        encoding="utf-8",
        errors="replace",
    )
    answered = not ({"click", "git_session.cli"} & early.modules)
    return Outcome(early.code, early.stdout, early.stderr), Outcome(full.returncode, full.stdout, full.stderr), answered


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commit hooks run `git-session` from PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture
def handed(repo: Path) -> Path:
    """A session on ``main`` with linked commits, a decision and a blocker, looked at since."""
    ok(repo, "install")
    ok(repo, "start", "Lean handoff")
    ok(repo, "decision", "add", "Skip the command line")
    ok(repo, "blocker", "add", "Nothing yet")
    for n in range(2):
        (repo / f"f{n}.txt").write_text(f"{n}\n")
        git(repo, "add", f"f{n}.txt")
        git(repo, "commit", "-q", "-m", f"Add f{n}")
    settle(repo)  # links what the hooks recorded; the branches' stamps are old enough
    return repo


def session_id(repo: Path) -> str:
    return str(json.loads(ok(repo, "status", "--json"))["id"])


def test_the_plain_forms_are_answered_early_with_the_commands_text(handed: Path) -> None:
    sid = session_id(handed)
    forms: list[tuple[str, ...]] = [
        (),
        (sid,),
        (sid[:6],),
        ("main",),
        ("--session", sid),
        (f"--session={sid[:8]}",),
        ("--format", "json"),
        ("--format=json", sid),
        ("--format", "html", "--session", "main"),
        ("--format", "markdown"),
        ("",),  # as click reads it: no argument, so --session or the branch's
        ("", "--session", sid),
    ]
    for args in forms:
        lean, full, early = both(handed, *args)
        assert early, args
        assert lean == full, args
        assert lean.code == 0 and lean.stderr == "" and lean.stdout, args
    lean, _, _ = both(handed, "--format", "json")
    context = json.loads(lean.stdout)
    assert context["session"]["id"] == sid and len(context["deliverables"]["commits"]) == 2


def test_the_stored_handoff_of_an_ended_session_is_printed_early(handed: Path) -> None:
    sid = session_id(handed)
    ok(handed, "end")
    settle(handed)
    lean, full, early = both(handed, sid)
    assert early and lean == full and lean.stdout.startswith("# Handoff: Lean handoff\n")


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("-h",),
        ("--format", "xml"),
        ("--format",),
        ("--format=",),
        ("--session",),
        ("--session", "-x"),
        ("--session", "a", "--session", "b"),
        ("--format", "json", "--format", "json"),
        ("one", "two"),
        ("--", "main"),
        ("-",),
        ("--template", "t.j2"),
        ("--format", "json", "--template", "t.j2"),
        ("--output", "out.md"),
        ("-o", "out.json"),
        ("--verbose",),
        ("nosuchsession",),
        ("--session", "zzzz"),
    ],
)
def test_anything_else_is_the_command_lines(handed: Path, args: tuple[str, ...]) -> None:
    (handed / "t.j2").write_text("{{ session.title }}\n")
    lean, full, early = both(handed, *args)
    assert not early, args
    assert lean == full
    for name in ("out.md", "out.json"):
        (handed / name).unlink(missing_ok=True)


def test_outside_a_repository_the_command_says_so(tmp_path: Path) -> None:
    lean, full, early = both(tmp_path)
    assert not early and lean == full and lean.code != 0
    assert lean.stderr.startswith("git-session: not a git repository")


def test_a_branch_that_moved_or_queued_work_leaves_it_to_the_command(handed: Path) -> None:
    """Opening the repository would link the new commit (and reattach): the command does it first."""
    (handed / "late.txt").write_text("late\n")
    git(handed, "add", "late.txt")
    git(handed, "commit", "-q", "-m", "Add late")  # queued by the hook; the branch moved
    lean, full, early = both(handed, "--format", "json")
    assert not early
    assert lean.code == full.code == 0
    shown = [c["subject"] for c in json.loads(lean.stdout)["deliverables"]["commits"]]
    assert shown == ["Add f0", "Add f1", "Add late"]
    settle(handed)
    lean, full, early = both(handed, "--format", "json")
    assert early and lean == full


def test_a_shared_config_file_that_cannot_be_read_is_warned_about_by_the_command(handed: Path) -> None:
    (handed / ".git-session").mkdir()
    (handed / ".git-session" / "config.yaml").write_text("remote: [\n")
    lean, full, early = both(handed)
    assert not early and lean == full
    assert lean.code == 0 and lean.stderr.startswith("git-session: warning: .git-session/config.yaml:")


def test_an_escape_character_is_left_to_the_commands_output(handed: Path) -> None:
    """click strips colour codes from what it writes to a pipe: the command prints it."""
    ok(handed, "note", "red \x1b[31malert\x1b[0m done")
    settle(handed)
    lean, full, early = both(handed)
    assert not early and lean == full
    assert "red alert done" in lean.stdout and "\x1b" not in lean.stdout


def test_a_completion_or_an_output_that_is_not_utf8_is_the_command_lines(handed: Path) -> None:
    for env in ({"_GIT_SESSION_COMPLETE": "bash_source"}, {"PYTHONIOENCODING": "ascii:replace"}):
        lean, full, early = both(handed, env=env)
        assert not early and lean == full, env


def test_a_closed_output_exits_1_as_the_command_does(handed: Path) -> None:
    """The reader has gone (``| head -c0``): exit 1, nothing on stderr, both ways."""
    env = {**os.environ, **_CLOCK}
    codes = []
    for argv in ([sys.executable, "-m", "git_session", "handoff"], [sys.executable, "-c", _FULL, "handoff"]):
        reader, writer = os.pipe()
        os.close(reader)
        done = subprocess.run(argv, cwd=handed, stdout=writer, stderr=subprocess.PIPE, env=env, check=False)
        os.close(writer)
        codes.append((done.returncode, done.stderr))
    assert codes[0] == codes[1] == (1, b"")


def test_a_full_output_is_reported_by_the_command(handed: Path) -> None:
    env = {**os.environ, **_CLOCK}
    outcomes = []
    for argv in ([sys.executable, "-m", "git_session", "handoff"], [sys.executable, "-c", _FULL, "handoff"]):
        with open("/dev/full", "w") as full:
            done = subprocess.run(argv, cwd=handed, stdout=full, stderr=subprocess.PIPE, env=env, check=False)
        outcomes.append((done.returncode, done.stderr))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] != 0 and outcomes[0][1].startswith(b"git-session: ")


def test_the_parsing_follows_clicks_reading() -> None:
    assert quickhandoff.parse([]) == (None, "markdown")
    assert quickhandoff.parse(["abc", "--session", "x"]) == ("abc", "markdown")
    assert quickhandoff.parse(["--session=x=y", "--format=html"]) == ("x=y", "html")
    assert quickhandoff.parse(["--format", "json", "abc"]) == ("abc", "json")
    for refused in (["--sess", "x"], ["--format", "JSON"], ["a", "b"], ["--session"], ["--"], ["-o", "f"]):
        assert quickhandoff.parse(refused) is None, refused


def test_the_early_answer_asks_the_one_home_of_opening_would_do_nothing(handed: Path) -> None:
    assert quickpush.idle(Repo.discover(str(handed)))
