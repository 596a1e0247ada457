"""Bad input of every kind: a clear one-line error (and a hint), or the right behaviour."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from git_session import sessions as sessions_module
from git_session.cli import cli
from git_session.names import BranchName, SessionRef
from tests.helpers import as_json, fails, git, make_repo, ok, run, session_refs, subprocess_cli


def test_not_a_repository(tmp_path: Path) -> None:
    assert fails(tmp_path, "status") == (
        "git-session: not a git repository (or any of the parent directories)\n"
        "hint: run git session inside a git work tree, or pass -C DIR to git\n"
    )


def test_works_from_a_subdirectory(repo: Path) -> None:
    (repo / "deep" / "er").mkdir(parents=True)
    ok(repo / "deep" / "er", "start", "From below")
    assert as_json(repo, "status")["title"] == "From below"


def test_unborn_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, commit=False)
    ok(repo, "start", "Before the first commit", "-o", "Write it")
    state = as_json(repo, "status")
    assert (state["branch"], state["base"], state["title"]) == ("main", None, "Before the first commit")


def test_detached_head(repo: Path) -> None:
    ok(repo, "start", "W")
    git(repo, "checkout", "-q", "--detach")
    assert fails(repo, "status") == (
        "git-session: HEAD is detached: there is no current branch to find a session for\n"
        "hint: check out a branch (git switch NAME) or pass --session ID\n"
    )
    fails(repo, "start", "X")
    assert as_json(repo, "status", "--session", "main")["title"] == "W"
    ok(repo, "note", "while detached", "--session", "main")


def test_bare_repository_reads_with_session(repo: Path, tmp_path: Path) -> None:
    ok(repo, "start", "Shared", "-o", "One")
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    git(repo, "push", "-q", str(bare), "refs/sessions/*:refs/sessions/*")
    assert fails(bare, "status") == (
        "git-session: this is a bare repository: it has no current branch\nhint: pass --session ID\n"
    )
    assert as_json(bare, "show", "main")["objectives"][0]["text"] == "One"
    assert as_json(bare, "status", "--session", "shared")["title"] == "Shared"
    assert [s["title"] for s in as_json(bare, "list")] == ["Shared"]
    fails(bare, "start", "No branch here")


def test_sha256_repository_is_refused_clearly(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--object-format=sha256", "sha")
    assert fails(tmp_path / "sha", "status") == (
        "git-session: this repository uses SHA-256 object names, which git-session cannot read yet\n"
        "hint: git-session needs a SHA-1 repository (pygit2 has no SHA-256 support)\n"
    )


def test_no_identity(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    git(repo, "config", "user.useConfigOnly", "true")
    assert fails(repo, "start", "W") == (
        "git-session: no git identity is configured\n"
        'hint: set one with: git config --global user.name "Your Name" && '
        "git config --global user.email you@example.com\n"
    )
    assert session_refs(repo) == []


def test_reading_commands_need_no_identity(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok(repo, "start", "W", "-o", "Read without a name")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    git(repo, "config", "user.useConfigOnly", "true")
    assert "Read without a name" in ok(repo, "handoff")
    assert "Read without a name" in ok(repo, "brief")
    assert as_json(repo, "status")["title"] == "W"


def test_identity_comes_from_git_config(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"):
        monkeypatch.delenv(name)
    git(repo, "config", "user.name", "Con Fig")
    git(repo, "config", "user.email", "config@example.com")
    ok(repo, "start", "W")
    assert as_json(repo, "status")["authors"] == ["Con Fig <config@example.com>"]


def test_linked_worktrees_have_their_own_sessions_in_shared_refs(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(other))
    ok(repo, "start", "Main work")
    ok(other, "start", "Feature work")
    assert as_json(repo, "status")["title"] == "Main work"
    assert as_json(other, "status")["title"] == "Feature work"
    ok(other, "note", "into main's session", "--session", "main")
    assert as_json(repo, "status")["notes"][0]["text"] == "into main's session"
    assert len(session_refs(repo)) == 2
    assert not (other / ".git").is_dir()


# feature and feature/x cannot exist at once in git, but their sessions outlive them.
ODD_BRANCHES = [
    "feature",
    "feature/x",
    "Feature",
    "FEATURE/X",
    "feature-x",
    "wip.lockdown",
    "été/ça-marche",
    "x" * 200,
    "🚀/launch",
    "a.b/c.d",
]


def test_odd_branch_names_never_clash(repo: Path) -> None:
    created = {}
    for branch in ODD_BRANCHES:
        git(repo, "switch", "-q", "-c", branch)
        ok(repo, "start", f"on {branch}")
        created[branch] = as_json(repo, "status")["id"]
        git(repo, "switch", "-q", "main")
        git(repo, "branch", "-q", "-D", branch)
    refs = session_refs(repo)
    assert len(refs) == len(ODD_BRANCHES) == len({SessionRef.of(r).branch_key for r in refs})
    for branch, sid in created.items():
        state = as_json(repo, "show", branch)
        assert (state["id"], state["branch"], state["title"]) == (sid, branch, f"on {branch}")
    git(repo, "switch", "-q", "-c", "feature/x")
    assert as_json(repo, "status")["id"] == created["feature/x"]
    git(repo, "fsck", "--strict")


@pytest.mark.parametrize("branch", ODD_BRANCHES)
def test_branch_keys_are_valid_ref_components(branch: str) -> None:
    key = BranchName(branch).key()
    assert key and not key.endswith(".lock") and "/" not in key and not key.startswith(".")
    subprocess.run(["git", "check-ref-format", f"refs/sessions/{key}/x"], check=True)


def test_case_only_differences_get_different_keys() -> None:
    assert BranchName("Feature").key() != BranchName("feature").key()
    assert BranchName("feature/x").key() != BranchName("feature-x").key()


CONTROL_TEXT = "bell\a esc\x1b[31mred\x1b[0m rtl\u202eevil\u202c nul-free\ttab\r\nnext line"


def test_control_characters_are_stored_exactly_and_shown_safely(repo: Path) -> None:
    ok(repo, "start", "W")
    ok(repo, "note", CONTROL_TEXT)
    assert as_json(repo, "show")["notes"][0]["text"] == CONTROL_TEXT
    shown = ok(repo, "show")
    assert "\x1b" not in shown and "\a" not in shown and "\u202e" not in shown and "\r" not in shown
    assert "esc\\x1b[31mred" in shown and "rtl\\u202eevil" in shown and "\\nnext line" in shown
    log = ok(repo, "log")
    assert "\x1b" not in log


def test_control_characters_in_error_messages_are_made_safe(repo: Path) -> None:
    ok(repo, "start", "W")
    err = fails(repo, "objective", "done", "\x1b[2J")
    assert "\x1b" not in err


def test_huge_text_round_trips(repo: Path) -> None:
    ok(repo, "start", "W")
    text = ("line of text ✓\n" * 60000)[:-1]
    result = run(repo, "note", "-", input=text)
    assert result.exit_code == 0, result.output
    assert as_json(repo, "show")["notes"][0]["text"] == text
    assert len(ok(repo, "status")) < 2000


def test_text_over_the_limit_is_refused_and_nothing_is_written(repo: Path) -> None:
    ok(repo, "start", "W")
    before = session_refs(repo), git(repo, "for-each-ref", "refs/sessions/")
    result = run(repo, "note", "-", input="x" * (1024 * 1024 + 1))
    assert result.exit_code == 1
    assert result.stderr.startswith("git-session: text is 1048577 bytes; the limit is 1048576 bytes\nhint: ")
    assert (session_refs(repo), git(repo, "for-each-ref", "refs/sessions/")) == before


def test_malformed_session_data_is_a_data_error(repo: Path) -> None:
    ok(repo, "start", "W")
    (ref,) = session_refs(repo)
    blob = git(repo, "hash-object", "-w", "--stdin", input="not json").strip()
    tree = git(repo, "mktree", input=f"100644 blob {blob}\tmeta.json\n").strip()
    bad = git(repo, "commit-tree", tree, "-p", ref, "-m", "corrupt").strip()
    git(repo, "update-ref", ref, bad)
    sid = SessionRef.of(ref).session_id
    err = fails(repo, "show", sid, code=3)
    assert err.startswith(f"git-session: session {sid}: not valid JSON (")
    assert err.count("\n") == 1


def test_newer_format_is_refused(repo: Path) -> None:
    ok(repo, "start", "W")
    (ref,) = session_refs(repo)
    meta = json.loads(git(repo, "show", f"{ref}:meta.json"))
    meta["v"] = 2
    blob = git(repo, "hash-object", "-w", "--stdin", input=json.dumps(meta)).strip()
    tree = git(repo, "mktree", input=f"100644 blob {blob}\tmeta.json\n").strip()
    bad = git(repo, "commit-tree", tree, "-p", ref, "-m", "future").strip()
    git(repo, "update-ref", ref, bad)
    err = fails(repo, "status", code=3)
    assert "written in format version 2; this git-session reads up to version 1" in err
    assert err.endswith("hint: upgrade git-session to read this session\n")


def test_internal_errors_leave_a_crash_log(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok(repo, "start", "W")

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(sessions_module.Workspace, "find", explode)
    result = run(repo, "status")
    assert result.exit_code == 70
    first, hint = result.stderr.splitlines()
    assert first == "git-session: internal error: RuntimeError('boom')"
    log = Path(hint.removeprefix("hint: the details are in ").removesuffix("; please report them"))
    assert "RuntimeError: boom" in log.read_text() and "Traceback" in log.read_text()


def test_interrupt_exits_130(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sessions_module.Workspace, "find", interrupt)
    assert run(repo, "status").exit_code == 130


def test_colour_only_on_a_terminal_and_never_with_no_color(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok(repo, "start", "W")
    monkeypatch.chdir(repo)
    coloured = CliRunner().invoke(cli, ["status"], color=True)
    plain = CliRunner().invoke(cli, ["status"], color=True, env={"NO_COLOR": "1"})
    assert "\x1b[" in coloured.stdout
    assert "\x1b[" not in plain.stdout
    assert "\x1b[" not in ok(repo, "status")


@pytest.mark.slow
def test_real_entry_point_in_a_subprocess(repo: Path) -> None:
    result = subprocess_cli(repo, "start", "Via python -m", "-o", "One")
    assert result.returncode == 0, result.stderr
    result = subprocess_cli(repo, "status", "--json")
    assert json.loads(result.stdout)["title"] == "Via python -m"
    result = subprocess_cli(repo, "objective", "done", "zzz")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("git-session: no objective 'zzz'")


def test_git_runs_it_as_git_session(repo: Path) -> None:
    scripts = Path(sys.executable).parent
    if not (scripts / "git-session").exists():
        pytest.skip("git-session is not installed next to this interpreter")
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["git", "session", "start", "Through git"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    result = subprocess.run(["git", "session", "status"], cwd=repo, env=env, capture_output=True, text=True)
    assert "Through git" in result.stdout


def test_one_unreadable_session_does_not_hide_the_others(repo: Path) -> None:
    ok(repo, "start", "Broken one")
    (broken,) = session_refs(repo)
    ok(repo, "end")
    ok(repo, "start", "Good one")
    blob = git(repo, "hash-object", "-w", "--stdin", input='{"v": 1}').strip()
    tree = git(repo, "mktree", input=f"100644 blob {blob}\tmeta.json\n").strip()
    git(repo, "update-ref", broken, git(repo, "commit-tree", tree, "-p", broken, "-m", "bad").strip())
    result = run(repo, "list", "--all", "--json")
    assert result.exit_code == 0
    assert [s["title"] for s in json.loads(result.stdout)] == ["Good one"]
    sid = SessionRef.of(broken).session_id
    assert result.stderr == f"git-session: warning: skipped a session: session {sid}: id: malformed value None\n"
    assert as_json(repo, "status")["title"] == "Good one"
