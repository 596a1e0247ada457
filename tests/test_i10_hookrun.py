"""Every hook command git-session prints runs (issue 10): `install --manual`'s husky, lefthook
and pre-commit snippets, and the config-based hook lines of `install`'s hint.

`hook run` took a hard-coded list of names without pre-push, so the printed pre-push snippet
exited 2 and stopped the user's push. Here each printed command is wired into a real
repository the way its hook manager calls it (its arguments, its standard input), real
commits, an amend and a push run it through `git session` on PATH, and each hook must exit 0
and do its job.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from git_session.integrations import hook_managers, shims
from tests.helpers import as_json, fails, git, make_repo_with_remote, ok

NAMES = [shim.name for shim in shims.shipped_hooks()]
Wiring = dict[str, str]  # hook name -> the body of the script git runs for it


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone with a bare remote, core.hooksPath on a hook manager's folder, git-session on PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # crash logs of the hooks' git-session stay here
    repo, _ = make_repo_with_remote(tmp_path)
    git(repo, "config", "core.hooksPath", "managed")
    return repo


# --- what is printed --------------------------------------------------------------------------


def snippet(repo: Path, manager: str) -> str:
    """The text `install --manual` prints for one hook manager."""
    blocks = ok(repo, "install", "--manual").split("\n\n")
    [text] = [b for b in blocks if b.startswith(f"# {manager}: ")]
    return text.split("\n", 1)[1]


def config_lines(repo: Path) -> list[str]:
    """The commands the hint of a refused `install` prints for git >= 2.54's config-based hooks."""
    hint = [line.removeprefix("hint:").strip() for line in fails(repo, "install").splitlines()]
    route = hint.index(next(line for line in hint if "config-based hooks" in line))
    assert hint[route].startswith("git session install --manual, then config-based hooks")
    lines = hint[route + 1 :]
    assert lines == hook_managers.config_hook_lines()
    return ["git session install --manual", *lines]


# --- each manager's way of running them -----------------------------------------------------


def husky(repo: Path) -> Wiring:
    """husky 9: git runs .husky/_/NAME, which runs `sh -e .husky/NAME "$@"` (stdin passed on)."""
    wiring: Wiring = {}
    for part in snippet(repo, "husky").split("# .husky/")[1:]:
        name, body = part.split("\n", 1)
        path = repo / ".husky" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(body)
        wiring[name] = f'sh -e {shlex.quote(str(path))} "$@"'
    return wiring


def lefthook(repo: Path) -> Wiring:
    """lefthook: `sh -c RUN` with {0} replaced by git's arguments joined by spaces; standard
    input only with use_stdin."""
    config = yaml.safe_load(snippet(repo, "lefthook"))
    wiring: Wiring = {}
    for name, hook in config.items():
        command = hook["commands"]["git-session"]
        assert '"' not in command["run"] and "$" not in command["run"]
        stdin = "" if command.get("use_stdin") else " </dev/null"
        wiring[name] = f'sh -c "{command["run"].replace("{0}", "$*")}"{stdin}'
    return wiring


def pre_commit(repo: Path) -> Wiring:
    """pre-commit: the entry split into words, plus the message file for the -msg hooks
    (pass_filenames); prepare-commit-msg's source and commit in environment variables."""
    config = yaml.safe_load(snippet(repo, "pre-commit"))
    wiring: Wiring = {}
    for hook in config["repos"][0]["hooks"]:
        [name] = hook["stages"]
        files = ' "$1"' if hook.get("pass_filenames", True) else ""
        env = ""
        if name == "prepare-commit-msg":
            env = '[ $# -ge 2 ] && export PRE_COMMIT_COMMIT_MSG_SOURCE="$2"\n'
            env += '[ $# -ge 3 ] && export PRE_COMMIT_COMMIT_OBJECT_NAME="$3"\n'
        wiring[name] = f"{env}{shlex.join(shlex.split(hook['entry']))}{files} </dev/null"
    return wiring


def config_hooks(repo: Path) -> Wiring:
    """git >= 2.54 config-based hooks, as git runs hook.NAME.command: `sh -c 'COMMAND "$@"'`.
    (The git here is older: the printed commands run, and the hooks are run as it would run
    them.)"""
    for line in config_lines(repo):
        subprocess.run(line, shell=True, cwd=repo, check=True, stdout=subprocess.DEVNULL)
    declared = git(repo, "config", "--get-regexp", r"^hook\.").splitlines()
    values = dict(line.split(" ", 1) for line in declared)
    wiring: Wiring = {}
    for key, event in values.items():
        if key.endswith(".event"):
            command = values[key.removesuffix(".event") + ".command"]
            script = f'{command} "$@"'
            wiring[event] = f'sh -c {shlex.quote(script)} {shlex.quote(command)} "$@"'
    return wiring


MANAGERS: dict[str, Callable[[Path], Wiring]] = {
    "husky": husky,
    "lefthook": lefthook,
    "pre-commit": pre_commit,
    "config": config_hooks,
}
# pre-commit cannot feed these their standard input: the snippet leaves them out, and says so.
WITHOUT = {"pre-commit": {"post-rewrite", "pre-push"}}


def wire(repo: Path, wiring: Wiring) -> Path:
    """Install the managers' hooks in core.hooksPath, each logging its exit status."""
    folder, log = repo / "managed", repo.parent / "statuses"
    folder.mkdir()
    for name, body in wiring.items():
        path = folder / name
        path.write_text(
            f'#!/bin/sh\n{body}\nstatus=$?\necho "{name} $status" >> {shlex.quote(str(log))}\nexit $status\n'
        )
        path.chmod(0o755)
    return log


# --- the hooks doing their jobs ----------------------------------------------------------------


def change(repo: Path, text: str) -> None:
    (repo / "file").write_text(text)
    git(repo, "add", "file")


def session_id(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "log", "-1", "--format=%(trailers:key=Session-Id,valueonly)", rev).strip()


@pytest.mark.parametrize("manager", MANAGERS)
def test_every_printed_hook_command_runs_and_does_its_job(repo: Path, manager: str) -> None:
    wiring = MANAGERS[manager](repo)
    assert sorted(wiring) == sorted(set(NAMES) - WITHOUT.get(manager, set()))
    log = wire(repo, wiring)
    ok(repo, "start", "work", "-o", "O1")
    sid = as_json(repo, "status")["id"]
    git(repo, "config", "session.autoPush", "true")

    change(repo, "one\n")  # prepare-commit-msg adds the trailers to a message given with -m
    git(repo, "commit", "-q", "-m", "one")
    assert session_id(repo) == sid

    change(repo, "two\n")  # commit-msg adds them after the editor
    editor = repo.parent / "editor"
    editor.write_text('#!/bin/sh\necho edited > "$1"\n')
    editor.chmod(0o755)
    git(repo, "commit", "-q", env={"GIT_EDITOR": str(editor)})
    assert git(repo, "log", "-1", "--format=%s").strip() == "edited"
    assert session_id(repo) == sid

    before = git(repo, "rev-parse", "HEAD").strip()  # post-rewrite records the amend's old -> new
    git(repo, "commit", "-q", "--amend", "-m", "amended")
    after = git(repo, "rev-parse", "HEAD").strip()
    if "post-rewrite" in wiring:
        queue = repo / ".git/git-session/queue"
        assert [p.read_text() for p in queue.glob("rewrite-*")] == [f"{before} {after}\n"]

    git(repo, "push", "-q", "origin", "main")  # pre-push checks the push and pushes the session
    remote = git(repo, "ls-remote", "origin", "refs/sessions/*")
    assert ("refs/sessions/" in remote) is ("pre-push" in wiring)

    statuses = (log.read_text() if log.exists() else "").splitlines()
    assert sorted(set(statuses)) == sorted(f"{name} 0" for name in wiring)


def test_the_hooks_driven_here_are_every_shipped_hook() -> None:
    """A new shim must be driven by the test above (and printed in every snippet)."""
    assert sorted(NAMES) == ["commit-msg", "post-rewrite", "pre-push", "prepare-commit-msg"]


def test_hook_run_refuses_a_hook_that_is_not_shipped(repo: Path) -> None:
    result = subprocess.run(["git", "session", "hook", "run", "pre-commit"], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == (
        f"git-session: Invalid value for 'HOOK': 'pre-commit' is not a hook git-session ships ({', '.join(NAMES)})\n"
        "hint: see: git session hook run --help\n"
    )
