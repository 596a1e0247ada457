"""Issue 11, completion: `git session completion SHELL` prints a script that, sourced in a
real shell, completes commands, options, session ids and titles, entry ids with their
text, branches and remotes, for `git-session <TAB>` and `git session <TAB>` (through git's
own completion). Completing never prints an error; outside a repository only commands."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from git_session.cli import cli
from git_session.cli.completion import complete
from git_session.sessions import abbreviate
from tests.helpers import as_json, git, git_session_folder, make_repo, needed_tool, ok

GIT_COMPLETION = Path("/usr/share/bash-completion/completions/git")
COMMANDS = [
    "adr",
    "agent",
    "blocker",
    "brief",
    "checkpoint",
    "checkpoints",
    "compare",
    "completion",
    "config",
    "current",
    "decision",
    "diff",
    "discovery",
    "doctor",
    "end",
    "explain",
    "export",
    "fetch",
    "handoff",
    "history",
    "import",
    "install",
    "list",
    "log",
    "mcp",
    "next",
    "note",
    "objective",
    "pause",
    "pull",
    "push",
    "reattach",
    "redact",
    "report",
    "restore",
    "resume",
    "search",
    "secrets",
    "show",
    "source",
    "start",
    "status",
    "switch",
    "tldr",
    "uninstall",
]


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    return git_session_folder(tmp_path)


def script(shell: str) -> str:
    return ok(Path.cwd(), "completion", shell)


def bash(cwd: Path, bin_dir: Path, words: list[str], *, through_git: bool) -> list[str]:
    """COMPREPLY after sourcing the script (and git's) and completing the last of ``words``."""
    path = cwd.parent / "completion.bash"
    path.write_text(script("bash"))
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    if through_git:
        setup = f"source {GIT_COMPLETION}\nsource {path}\nCOMP_WORDS=(git session {quoted})\n"
        call = "__git_wrap__git_main"
    else:
        setup = f"source {path}\nCOMP_WORDS=(git-session {quoted})\n"
        call = "_git_session_complete"
    program = (
        setup + 'COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\nCOMP_LINE="${COMP_WORDS[*]}"\nCOMP_POINT=${#COMP_LINE}\n'
        f"{call}\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    )
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "--norc", "-c", program], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [line for line in done.stdout.splitlines() if line]


def answer(cwd: Path, *words: str) -> list[list[str]]:
    """What the program answers a completion script, as rows of (type, value, description)."""
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return [line.split("\t") for line in complete(cli, list(words)).splitlines()]
    finally:
        os.chdir(previous)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path)
    git(repo, "branch", "feature/x")
    git(repo, "remote", "add", "origin", str(tmp_path / "elsewhere"))
    git(repo, "remote", "add", "upstream", str(tmp_path / "other"))
    return repo


@pytest.fixture
def session(repo: Path) -> dict[str, str]:
    """A session with two objectives (one done), a blocker, and its short ids."""
    ok(repo, "start", "Fix the sweep race", "-o", "Reproduce it", "-o", "Fix it")
    ok(repo, "blocker", "add", "CI is red")
    listed = {o["text"]: o["id"] for o in as_json(repo, "objective", "list")}
    ok(repo, "objective", "done", listed["Reproduce it"])
    status = as_json(repo, "status")
    short = abbreviate([o["id"] for o in status["objectives"]])
    return {"session": status["id"], **{o["text"]: short[o["id"]] for o in status["objectives"]}}


def test_completion_prints_each_script() -> None:
    for shell in ("bash", "zsh", "fish"):
        assert "_GIT_SESSION_COMPLETE=" in script(shell)
    assert "complete -o bashdefault -o default -F _git_session_complete git-session" in script("bash")
    assert "_git_session ()" in script("bash")


def test_bash_script_passes_shellcheck(tmp_path: Path) -> None:
    shellcheck = shutil.which("shellcheck") or needed_tool(str(Path(sys.executable).parent / "shellcheck"), "dev.py")
    path = tmp_path / "completion.bash"
    path.write_text(script("bash"))
    done = subprocess.run([shellcheck, "-s", "bash", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_commands_outside_a_repository(tmp_path: Path, bin_dir: Path) -> None:
    assert bash(tmp_path, bin_dir, [""], through_git=False) == COMMANDS
    assert bash(tmp_path, bin_dir, ["ob"], through_git=False) == ["objective"]
    assert bash(tmp_path, bin_dir, ["objective", ""], through_git=False) == ["add", "done", "drop", "list", "reopen"]
    # values from a repository: none, and no error (bash asserts an empty stderr)
    assert bash(tmp_path, bin_dir, ["push", ""], through_git=False) == []
    assert bash(tmp_path, bin_dir, ["resume", ""], through_git=False) == []


def test_through_gits_completion(repo: Path, bin_dir: Path) -> None:
    needed_tool(str(GIT_COMPLETION), "git (Debian's git package ships its bash completion)")
    assert bash(repo, bin_dir, [""], through_git=True) == [f"{name} " for name in COMMANDS]
    assert bash(repo, bin_dir, ["st"], through_git=True) == ["start ", "status "]
    assert bash(repo, bin_dir, ["list", "--st"], through_git=True) == ["--status "]
    assert bash(repo, bin_dir, ["list", "--status", ""], through_git=True) == [
        "active ",
        "paused ",
        "handoff ",
        "completed ",
        "abandoned ",
    ]
    assert bash(repo, bin_dir, ["push", ""], through_git=True) == ["origin ", "upstream "]
    assert bash(repo, bin_dir, ["switch", "f"], through_git=True) == ["feature/x "]


def test_options(repo: Path, bin_dir: Path) -> None:
    assert bash(repo, bin_dir, ["objective", "add", "--"], through_git=False) == ["--session", "--private", "--help"]


def test_branches_and_remotes(repo: Path, bin_dir: Path) -> None:
    assert bash(repo, bin_dir, ["switch", ""], through_git=False) == ["feature/x", "main"]
    assert bash(repo, bin_dir, ["list", "--branch", "m"], through_git=False) == ["main"]
    assert bash(repo, bin_dir, ["fetch", "u"], through_git=False) == ["upstream"]


def test_entry_ids_with_their_text(repo: Path, session: dict[str, str], bin_dir: Path) -> None:
    short_fix = session["Fix it"]
    short_done = session["Reproduce it"]
    # done: only open objectives; reopen: only those done or dropped
    assert answer(repo, "objective", "done", "") == [["plain", short_fix, "Fix it"]]
    assert answer(repo, "objective", "reopen", "") == [["plain", short_done, "Reproduce it"]]
    assert bash(repo, bin_dir, ["objective", "done", ""], through_git=False) == [short_fix]
    assert bash(repo, bin_dir, ["objective", "done", ""], through_git=True) == [f"{short_fix} "]
    [[kind, blocker, text]] = answer(repo, "blocker", "resolve", "")
    assert (kind, text) == ("plain", "CI is red")
    assert bash(repo, bin_dir, ["blocker", "resolve", ""], through_git=True) == [f"{blocker} "]
    redactable = sorted(row[2] for row in answer(repo, "redact", ""))
    assert redactable == ["blocker: CI is red", "objective: Fix it", "objective: Reproduce it"]


def test_session_ids_and_titles(repo: Path, session: dict[str, str], bin_dir: Path) -> None:
    rows = answer(repo, "show", "")
    [[kind, value, description]] = rows
    assert kind == "plain" and session["session"].startswith(value) and 4 <= len(value) < 26
    assert description == "Fix the sweep race (active, main)"
    assert answer(repo, "resume", "--session", "Fix") == [["plain", "Fix the sweep race", f"{value} active"]]
    assert bash(repo, bin_dir, ["show", ""], through_git=True) == [f"{value} "]
    assert bash(repo, bin_dir, ["show", "Fix"], through_git=False) == ["Fix\\ the\\ sweep\\ race"]


def test_paths_are_left_to_the_shell(repo: Path) -> None:
    assert answer(repo, "handoff", "-o", "") == [["file", "", ""]]


def test_never_an_error(repo: Path, tmp_path: Path) -> None:
    assert answer(repo, "objective", "done", "--session", "nosuch", "") == []


def test_zsh(repo: Path, session: dict[str, str], bin_dir: Path) -> None:
    needed_tool("zsh")
    path = repo.parent / "completion.zsh"
    path.write_text(script("zsh"))
    # compadd and _describe are stood in for: they print what they were given
    program = f"""
autoload -Uz compinit && compinit -u -d {repo.parent}/zcompdump
source {path}
_describe () {{ print -rl -- "${{(@P)${{@[-1]}}}}" }}
compadd () {{ print -rl -- "${{(@P)${{@[-1]}}}}" }}
words=(session objective done '')
CURRENT=4
_git-session
words=(git-session ob)
CURRENT=2
_git-session
"""
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["zsh", "-f", "-c", program], cwd=repo, env=env, capture_output=True, text=True)
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        f"{session['Fix it']}:Fix it",
        "objective:Objectives: what the session sets out to do.",
    ]


def test_fish(repo: Path, session: dict[str, str], bin_dir: Path) -> None:
    needed_tool("fish")
    path = repo.parent / "completion.fish"
    path.write_text(script("fish"))
    program = f"source {path}; complete -C 'git-session objective done '; complete -C 'git-session sw'"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["fish", "--no-config", "-c", program], cwd=repo, env=env, capture_output=True, text=True)
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        f"{session['Fix it']}\tFix it",
        "switch\tSwitch branch: pause this branch's session...",
    ]
