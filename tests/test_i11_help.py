"""Issue 11, a person's first hour: help that opens, colour as git decides it, doctor after
uninstall, and lists and statuses that say when there is nothing to show."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import dev
from git_session.cli import cli
from tests.helpers import fails, git, make_repo, make_repo_with_remote, needed_tool, ok, run, subprocess_cli

BIN = Path(sys.executable).parent
ENV_PATH = {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "80"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ROOT = Path(__file__).resolve().parent.parent


def through_git(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` with this venv's ``git-session`` on PATH, its output a pipe."""
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **ENV_PATH, **(env or {})}
    )


def on_terminal(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """``git ARGS`` with its standard output a terminal; what the terminal received."""
    master, slave = pty.openpty()
    environ = {**os.environ, **ENV_PATH, "TERM": "xterm"}
    environ.pop("NO_COLOR", None)
    environ.update(env or {})
    result = subprocess.run(
        ["git", *args], cwd=repo, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE, env=environ
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the terminal's other end is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert result.returncode == 0, result.stderr
    return b"".join(chunks).decode().replace("\r\n", "\n")


def as_git_runs_it(*args: str) -> Result:
    """git-session in-process, named as git runs it (``git session``), from the current folder."""
    runner = CliRunner(env={"COLUMNS": "80"})
    return runner.invoke(cli, list(args), prog_name="git session", catch_exceptions=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


# --- a group without its subcommand ---------------------------------------------------


def test_git_session_alone_prints_its_help_and_succeeds() -> None:
    bare = as_git_runs_it()
    assert bare.exit_code == 0 and bare.stderr == ""
    assert bare.stdout == as_git_runs_it("--help").stdout
    assert bare.stdout.startswith("Usage: git session [OPTIONS] COMMAND [ARGS]...\n\n  Keep a branch's")


def test_a_group_alone_prints_its_help_and_succeeds() -> None:
    bare = as_git_runs_it("objective")
    assert bare.exit_code == 0 and bare.stderr == ""
    assert bare.stdout == (
        "Usage: git session objective [OPTIONS] COMMAND [ARGS]...\n"
        "\n"
        "  Objectives: what the session sets out to do.\n"
        "\n"
        "Options:\n"
        "  -h, --help  Show this message and exit.\n"
        "\n"
        "Commands:\n"
        "  add     Add an objective.\n"
        "  done    Mark an objective done.\n"
        "  drop    Drop an objective that is no longer wanted.\n"
        "  list    List objectives.\n"
        "  reopen  Reopen a done or dropped objective.\n"
    )


def test_git_session_alone_through_git_and_the_real_entry_point(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    helped = through_git(repo, "session", "-h")
    assert helped.stdout.startswith("Usage: git session [OPTIONS] COMMAND [ARGS]...\n\n  Keep a branch's")
    for result in (through_git(repo, "session"), subprocess_cli(repo)):
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout == helped.stdout


# --- git session --help: the man page -------------------------------------------------


def test_git_session_help_through_git_opens_the_man_page(repo: Path) -> None:
    """git turns `git session --help` into `man git-session`; man finds the venv's page
    (dev.py links it into .venv/share/man) from the venv's bin on PATH."""
    needed_tool("man")
    env_man = {**os.environ, "MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80"}
    env_man.pop("MANPATH", None)
    helped = subprocess.run(
        ["git", "session", "--help"], cwd=repo, capture_output=True, text=True, env={**env_man, **ENV_PATH}
    )
    page = subprocess.run(
        ["man", "-l", str(ROOT / "man" / "git-session.1")], capture_output=True, text=True, env=env_man
    )
    assert (helped.returncode, helped.stderr) == (0, "")
    assert helped.stdout == page.stdout
    assert helped.stdout.startswith("GIT-SESSION(1)")


def test_the_venv_has_the_man_page_where_man_looks() -> None:
    linked = BIN.parent / "share" / "man" / "man1" / "git-session.1"
    assert linked.read_bytes() == (ROOT / "man" / "git-session.1").read_bytes()


def test_git_session_dash_dash_help_run_directly_prints_the_commands_help(repo: Path) -> None:
    direct = subprocess.run(
        [str(BIN / "git-session"), "--help"], cwd=repo, capture_output=True, text=True, env={**os.environ, **ENV_PATH}
    )
    assert (direct.returncode, direct.stderr) == (0, "")
    assert direct.stdout == through_git(repo, "session", "-h").stdout


def test_the_demo_ends_telling_how_to_put_git_session_on_path(capfd: pytest.CaptureFixture[str]) -> None:
    dev.show_demo(BIN)
    out = capfd.readouterr().out
    assert out.splitlines()[-4:] == [
        "Demo done: the repository above was temporary. To use git session in your own repositories,",
        "put it on your PATH (then `git session --help` opens its man page too):",
        "",
        f'    export PATH={BIN}:"$PATH"',
    ]
    line = out.splitlines()[-1].strip()
    found = subprocess.run(
        ["sh", "-c", f"{line} && command -v git-session"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert found.stdout == f"{BIN / 'git-session'}\n"


# --- colour ---------------------------------------------------------------------------


def added(repo: Path, *args: str, env: dict[str, str] | None = None, terminal: bool = False) -> str:
    """``git [ARGS] session objective add …``: what it printed."""
    command = (*args, "session", "objective", "add", "Write it")
    if terminal:
        return on_terminal(repo, *command, env=env)
    result = through_git(repo, *command, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def expect(out: str, *, coloured: bool) -> None:
    short = ANSI.sub("", out).split()[-1]
    assert out == f"Added objective {click.style(short, fg='yellow') if coloured else short}\n"


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ((), {}, False),
        (("-c", "color.session=always"), {}, True),
        (("-c", "color.ui=always"), {}, True),
        (("-c", "color.ui=always", "-c", "color.session=never"), {}, False),
        (("-c", "color.session=always"), {"NO_COLOR": "1"}, True),  # asked for, by name
    ],
)
def test_colour_in_a_pipe(repo: Path, args: tuple[str, ...], env: dict[str, str], coloured: bool) -> None:
    ok(repo, "start", "work")
    expect(added(repo, *args, env=env), coloured=coloured)


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ((), {}, True),
        (("-c", "color.ui=never"), {}, False),
        (("-c", "color.ui=false"), {}, False),
        (("-c", "color.session=never"), {}, False),
        (("-c", "color.ui=never", "-c", "color.session=auto"), {}, True),
        (("-c", "color.session=true"), {}, True),
        ((), {"NO_COLOR": "1"}, False),
        ((), {"TERM": "dumb"}, False),
    ],
)
def test_colour_on_a_terminal(repo: Path, args: tuple[str, ...], env: dict[str, str], coloured: bool) -> None:
    ok(repo, "start", "work")
    expect(added(repo, *args, env=env, terminal=True), coloured=coloured)


def test_colour_from_the_repository_config(repo: Path) -> None:
    ok(repo, "start", "work")
    git(repo, "config", "color.session", "never")
    expect(added(repo, terminal=True), coloured=False)
    git(repo, "config", "color.session", "always")
    expect(added(repo), coloured=True)


# --- doctor where git-session is not installed ----------------------------------------

NOT_INSTALLED = "git-session is not installed here: git session install sets up the hooks and the notes config\n"


def test_doctor_after_uninstall_says_not_installed(repo: Path) -> None:
    ok(repo, "install")
    assert run(repo, "doctor").exit_code == 0
    ok(repo, "uninstall")
    result = run(repo, "doctor")
    assert (result.exit_code, result.stdout, result.stderr) == (1, NOT_INSTALLED, "")


def test_doctor_never_installed_says_not_installed_and_fix_installs(repo: Path) -> None:
    result = run(repo, "doctor")
    assert (result.exit_code, result.stdout) == (1, NOT_INSTALLED)
    assert run(repo, "doctor", "--fix").exit_code == 0
    assert run(repo, "doctor").exit_code == 0


def test_doctor_with_a_part_missing_names_it(repo: Path) -> None:
    ok(repo, "install")
    (repo / ".git" / "hooks" / "pre-push").unlink()
    result = run(repo, "doctor")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"problem: hook pre-push: missing from {repo / '.git' / 'hooks'}\n")
    assert result.stdout.endswith("1 problem(s); git session doctor --fix repairs them\n")


# --- nothing to show ------------------------------------------------------------------


def test_list_with_no_sessions_says_so(repo: Path) -> None:
    assert ok(repo, "list") == 'No sessions yet: git session start "TITLE" starts one on the current branch\n'
    assert ok(repo, "list", "--json") == "[]\n"


def test_list_of_a_remote_before_any_fetch_says_so(tmp_path: Path) -> None:
    repo, _ = make_repo_with_remote(tmp_path)
    assert ok(repo, "list", "--remote", "origin") == (
        "No sessions fetched from origin: git session fetch origin copies them\n"
    )


def test_list_with_only_ended_or_filtered_sessions_says_so(repo: Path) -> None:
    ok(repo, "start", "work")
    assert ok(repo, "list", "--branch", "elsewhere") == (
        "No sessions match (1 in all: git session list --all lists every one)\n"
    )
    ok(repo, "end", "--complete", "--no-handoff")
    assert ok(repo, "list") == "No open sessions (1 ended: git session list --all lists them)\n"


def test_status_json_without_a_session_is_null_and_succeeds(repo: Path) -> None:
    result = run(repo, "status", "--json")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "null\n", "")
    assert fails(repo, "status") == (
        "git-session: no session on branch 'main'\nhint: start one with: git session start \"TITLE\"\n"
    )
    assert fails(repo, "status", "--json", "--session", "nothing").startswith("git-session: ")
