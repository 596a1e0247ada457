"""Issue 11, reading the record: `log` shows values as a person reads them (no Python reprs,
short hashes as `show` prints them) and pages through git's pager on a terminal only."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from git_session.render import field_value
from git_session.sessions import abbreviate
from tests.helpers import alarm_after, as_json, git, make_two_clones, ok

STAMP = "2023-11-14 22:13"  # FIXED_DATE, as conftest sets GIT_AUTHOR_DATE and GIT_COMMITTER_DATE
WHO = "A U Thor"
BIN = str(Path(sys.executable).parent)  # git-session, for `git session …`


def journal_log(repo: Path) -> str:
    ok(repo, "start", "Fix login", "-o", "Sign in works", "--task", "JIRA-12", "--task", "JIRA-13", "--agent", "claude")
    ok(repo, "decision", "add", "Use X", "--rationale", "why not", "--alternative", "Y")
    ok(repo, "current", 'say "hi", then go')
    ok(repo, "note", "halfway")
    return ok(repo, "log")


def test_log_reads_values_as_words_and_hashes_short(repo: Path) -> None:
    out = journal_log(repo)
    items = as_json(repo, "log")
    short = abbreviate([v["entry"] for v in items if v["entry"]])  # as log abbreviates them
    ids = {v["kind"]: short[v["entry"]] for v in items if v["action"] == "add"}
    base = git(repo, "rev-parse", "HEAD").strip()
    assert out == (
        f'{STAMP}  {WHO}  create title="Fix login"; status=active; branch=main; agent=claude;'
        f" base={base[:12]}; tasks=JIRA-12, JIRA-13\n"
        f"{STAMP}  {WHO}  objective {ids['objective']}: Sign in works\n"
        f"{STAMP}  {WHO}  decision {ids['decision']}: Use X\n"
        f'{STAMP}  {WHO}  set current="say \\"hi\\", then go"\n'
        f"{STAMP}  {WHO}  note {ids['note']}: halfway\n"
    )
    # show names the base commit by the same 12 hex digits
    assert f"\nbase {base[:12]}\n" in ok(repo, "show")


def test_log_updates_and_sets_read_as_words(repo: Path) -> None:
    ok(repo, "start", "Fix")
    objective = ok(repo, "objective", "add", "One").split()[2]
    ok(repo, "objective", "done", objective)
    ok(repo, "pause")
    items = as_json(repo, "log")
    entry = abbreviate([v["entry"] for v in items if v["entry"]])[items[1]["entry"]]
    lines = ok(repo, "log", "-n", "2").splitlines()
    assert lines == [
        f"{STAMP}  {WHO}  objective {entry} status=done",
        f"{STAMP}  {WHO}  set status=paused",
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "none"),
        (True, "yes"),
        (False, "no"),
        (3, "3"),
        ([], "none"),
        (["JIRA-12", "two words"], 'JIRA-12, "two words"'),
        ("a" * 40, "a" * 12),
        ("a" * 39, "a" * 39),
        ("", '""'),
        ("back\\slash", '"back\\\\slash"'),
        ("plain", "plain"),
    ],
)
def test_field_values(value: bool | int | list[str] | str | None, shown: str) -> None:
    assert field_value(value) == shown


# --- the pager ------------------------------------------------------------------------------


def recording_pager(where: Path) -> tuple[str, Path]:
    """A pager that keeps what it is given, and the LESS it is run with, in ``paged``."""
    paged = where / "paged"
    script = where / "fake-pager"
    script.write_text(f'#!/bin/sh\necho "LESS=$LESS" > "{paged}"\ncat >> "{paged}"\necho PAGER-DONE\n')
    script.chmod(0o755)
    return str(script), paged


def on_terminal(cwd: Path, *command: str, env: dict[str, str]) -> str:
    """Run ``command`` with a pseudo-terminal as its standard input, output and error."""
    leader, follower = pty.openpty()
    with alarm_after(60, f"{command} hung on a terminal"):
        child = subprocess.Popen(command, cwd=cwd, env=env, stdin=follower, stdout=follower, stderr=follower)
        os.close(follower)
        out = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal is closed once the child and its pager are gone
                break
            if not chunk:
                break
            out += chunk
        assert child.wait() == 0, out
    os.close(leader)
    return out.decode().replace("\r\n", "\n")


def pager_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_PAGER", "PAGER", "LESS")}
    return {**env, "PATH": f"{BIN}{os.pathsep}{env['PATH']}", **settings}


def test_git_pager_is_used_on_a_terminal(repo: Path, tmp_path: Path) -> None:
    out = journal_log(repo)
    pager, paged = recording_pager(tmp_path)
    shown = on_terminal(repo, sys.executable, "-m", "git_session", "log", env=pager_env(GIT_PAGER=pager))
    assert shown == "PAGER-DONE\n"
    assert paged.read_text() == "LESS=FRX\n" + out


def test_core_pager_through_git_c_then_pager(repo: Path, tmp_path: Path) -> None:
    out = journal_log(repo)
    pager, paged = recording_pager(tmp_path)
    shown = on_terminal(repo, "git", "-c", f"core.pager={pager}", "session", "log", env=pager_env(LESS="X"))
    assert (shown, paged.read_text()) == ("PAGER-DONE\n", "LESS=X\n" + out)
    paged.unlink()
    shown = on_terminal(repo, "git", "session", "log", env=pager_env(PAGER=pager))
    assert (shown, paged.read_text()) == ("PAGER-DONE\n", "LESS=FRX\n" + out)


@pytest.mark.parametrize(
    "command",
    [
        ("git", "--no-pager", "session", "log"),
        ("git", "-c", "pager.session=false", "session", "log"),
        ("git", "-c", "core.pager=cat", "session", "log"),
    ],
    ids=["git--no-pager", "pager.session=false", "core.pager=cat"],
)
def test_no_pager_when_told(repo: Path, tmp_path: Path, command: tuple[str, ...]) -> None:
    out = journal_log(repo)
    pager, paged = recording_pager(tmp_path)
    assert on_terminal(repo, *command, env=pager_env(PAGER=pager)) == out
    assert not paged.exists()


def test_piped_output_is_never_paged(repo: Path, tmp_path: Path) -> None:
    out = journal_log(repo)
    pager, paged = recording_pager(tmp_path)
    piped = subprocess.run(
        [sys.executable, "-m", "git_session", "log"],
        cwd=repo,
        env=pager_env(GIT_PAGER=pager),
        capture_output=True,
        text=True,
        check=True,
    )
    assert piped.stdout == out
    assert not paged.exists()


# --- one record per operation -----------------------------------------------------------------


def test_log_shows_each_operation_once_after_a_redact_and_a_merging_push(tmp_path: Path) -> None:
    _, alice, bob = make_two_clones(tmp_path)
    ok(alice, "start", "S")
    ok(alice, "note", "A")
    ok(alice, "push")
    ok(bob, "pull")
    ok(bob, "note", "from bob")
    ok(bob, "push")
    ok(alice, "note", "B")
    ok(alice, "push")  # merges bob's note: alice's history now has a merge commit
    ok(alice, "decision", "add", "the secret")
    ok(alice, "note", "C")
    (secret,) = [v["entry"] for v in as_json(alice, "log") if v["kind"] == "decision"]
    ok(alice, "redact", secret)  # rewrites the history after the merge's first parent: B again
    ok(bob, "pull")
    ok(bob, "note", "bob again")
    ok(bob, "push")
    ok(alice, "push")  # merges again, the old copy of B included
    items = as_json(alice, "log")
    assert sorted(v["id"] for v in items) == sorted({v["id"] for v in items})
    short = abbreviate([v["entry"] for v in items if v["entry"]])
    texts = {short[v["entry"]]: v["fields"]["text"] for v in items if v["action"] == "add"}
    assert ok(alice, "log") == (
        f"{STAMP}  {WHO}  create title=S; status=active; branch=main; base={items[0]['fields']['base']!s:.12}\n"
        + "".join(f"{STAMP}  {WHO}  note {entry}: {text}\n" for entry, text in texts.items())
    )
    assert sorted(texts.values()) == ["A", "B", "C", "bob again", "from bob"]


def test_pager_session_config_when_run_as_git_session(repo: Path, tmp_path: Path) -> None:
    """Run as `git-session` (git not in between): pager.session false or a command is read here."""
    out = journal_log(repo)
    pager, paged = recording_pager(tmp_path)
    direct = (sys.executable, "-m", "git_session", "log")
    git(repo, "config", "pager.session", "false")
    assert on_terminal(repo, *direct, env=pager_env(PAGER=pager)) == out
    assert not paged.exists()
    git(repo, "config", "pager.session", pager)
    assert on_terminal(repo, *direct, env=pager_env(PAGER="cat")) == "PAGER-DONE\n"
    assert paged.read_text() == "LESS=FRX\n" + out
