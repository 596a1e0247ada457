"""Issue 11: `explain REV` says why a commit was made; `switch` claims to resume only what
it resumed, and `switch -c` creates a branch; `end --abandon` asks on a terminal."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from git_session.sessions import Workspace
from tests.helpers import as_json, fails, git, ok, run


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def short_sid(repo: Path, session_id: str) -> str:
    return Workspace.open(str(repo)).short_session_id(session_id)


def commit(repo: Path, name: str, message: str | None = None) -> str:
    (repo / name).write_text(f"{name}\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message or f"add {name}")
    return git(repo, "rev-parse", "HEAD").strip()


def entry_ids(repo: Path, kind: str) -> dict[str, str]:
    """Text -> id of the current session's entries of a kind (``objectives``, ``decisions``)."""
    return {e["text"]: e["id"] for e in as_json(repo, "show")[kind]}


def add_note(repo: Path, sha: str, text: str) -> None:
    git(repo, "notes", "--ref=sessions", "add", "-f", "-m", text, sha)


# --- 1. explain ---------------------------------------------------------------------------


def test_explain_says_which_session_objectives_and_decisions(repo: Path) -> None:
    ok(repo, "install")
    ok(repo, "start", "Fix the race", "-o", "Reproduce it", "-o", "Fix it")
    ok(repo, "decision", "add", "Lock first", "--rationale", "simplest")
    first = commit(repo, "a")
    reproduce = entry_ids(repo, "objectives")["Reproduce it"]
    ok(repo, "objective", "done", reproduce)
    second = commit(repo, "b")
    sid = as_json(repo, "status")["id"]
    ws = Workspace.open(str(repo))
    found = ws.find(sid)
    objectives, decisions = entry_ids(repo, "objectives"), entry_ids(repo, "decisions")
    o_short = {t: ws.short_entry_id(found, "objective", i) for t, i in objectives.items()}
    d_short = ws.short_entry_id(found, "decision", decisions["Lock first"])
    short = short_sid(repo, sid)
    assert ok(repo, "explain", first) == (
        f"Commit {first[:12]} 'add a'\n"
        "\n"
        f"Made in session {short} 'Fix the race' (active) on branch main\n"
        "  linked by: its note, its Session-Id trailer, the session's journal\n"
        "  Objectives it worked towards:\n"
        f"    {o_short['Reproduce it']} Reproduce it\n"
        f"    {o_short['Fix it']} Fix it\n"
        "  Decisions taken since the previous commit:\n"
        f"    {d_short} Lock first (why: simplest)\n"
    )
    assert ok(repo, "explain") == (
        f"Commit {second[:12]} 'add b'\n"
        "\n"
        f"Made in session {short} 'Fix the race' (active) on branch main\n"
        "  linked by: its note, its Session-Id trailer, the session's journal\n"
        "  Objectives completed by it:\n"
        f"    {o_short['Reproduce it']} Reproduce it\n"
        "  Objectives it worked towards:\n"
        f"    {o_short['Fix it']} Fix it\n"
    )
    assert as_json(repo, "explain", first) == {
        "commit": first,
        "subject": "add a",
        "sessions": [
            {
                "id": sid,
                "known": True,
                "title": "Fix the race",
                "status": "active",
                "short_id": short,
                "branch": "main",
                "linked_by": ["note", "trailer", "journal"],
                "objectives": [
                    {"id": objectives[t], "short_id": o_short[t], "text": t, "status": "open"}
                    for t in ("Reproduce it", "Fix it")
                ],
                "decisions": [
                    {
                        "id": decisions["Lock first"],
                        "short_id": d_short,
                        "text": "Lock first",
                        "rationale": "simplest",
                    }
                ],
            }
        ],
    }


def test_an_amended_commit_is_one_session_with_what_both_lines_recorded(repo: Path) -> None:
    ok(repo, "install")
    ok(repo, "start", "W", "-o", "Ship")
    commit(repo, "a")
    ship = entry_ids(repo, "objectives")["Ship"]
    ok(repo, "objective", "done", ship)
    git(repo, "commit", "-q", "--amend", "-m", "add a, amended")
    sha = git(repo, "rev-parse", "HEAD").strip()
    sid = as_json(repo, "status")["id"]
    ws = Workspace.open(str(repo))
    assert ok(repo, "explain") == (
        f"Commit {sha[:12]} 'add a, amended'\n"
        "\n"
        f"Made in session {short_sid(repo, sid)} 'W' (active) on branch main\n"
        "  linked by: its note, its Session-Id trailer, the session's journal\n"
        "  Objectives completed by it:\n"
        f"    {ws.short_entry_id(ws.find(sid), 'objective', ship)} Ship\n"
    )


def test_a_commit_linked_to_no_session_says_so_in_one_line_and_exits_1(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    result = run(repo, "explain")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        f"Commit {head[:12]} is not linked to any session\n",
        "",
    )
    result = run(repo, "explain", "HEAD", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"commit": head, "subject": "initial", "sessions": []}
    assert fails(repo, "explain", "no-such-rev") == "git-session: unknown revision: 'no-such-rev'\n"


def test_a_session_named_only_by_the_trailer_is_shown_as_not_here(repo: Path) -> None:
    sha = commit(repo, "a", "add a\n\nSession-Id: 01abcdefghjkmnpqrstvwxyz00")
    result = run(repo, "explain")
    assert result.exit_code == 0
    assert result.stderr == "hint: a session not in this repository may be fetched: git session fetch REMOTE\n"
    assert result.stdout == (
        f"Commit {sha[:12]} 'add a'\n"
        "\n"
        "Made in session 01abcdefghjkmnpqrstvwxyz00 (not in this repository)\n"
        "  linked by: its Session-Id trailer\n"
        "  no note records the session's objectives and decisions for this commit\n"
    )


def test_untrusted_notes_never_crash_explain(repo: Path) -> None:
    sha = git(repo, "rev-parse", "HEAD").strip()
    junk = "\n".join(
        [
            "not json",
            "[1, 2]",
            '{"session": 7}',
            '{"session": "../../etc/passwd"}',
            '{"session": "01zz", "branch": ["x"], "objectives": "many", "decisions": [1, {"text": 2}]}',
            '{"session": "01yy", "branch": "b\\u001b[31m", "objectives": [{"id": 5, "text": "T\\u001b[2J",'
            ' "status": "done"}, {"text": "no id"}], "decisions": [{"id": "d1", "text": "D", "rationale": 3}]}',
        ]
    )
    add_note(repo, sha, junk)
    result = run(repo, "explain")
    assert result.exit_code == 0
    assert result.stdout == (
        f"Commit {sha[:12]} 'initial'\n"
        "\n"
        "Made in session 01zz (not in this repository)\n"
        "  linked by: its note\n"
        "  no objectives or decisions were recorded\n"
        "\n"
        "Made in session 01yy (not in this repository)\n"
        "  linked by: its note\n"
        "  Objectives completed by it:\n"
        "    T\\x1b[2J\n"
        "  Objectives it worked towards:\n"
        "    no id\n"
        "  Decisions taken since the previous commit:\n"
        "    d1 D\n"
    )
    assert result.stderr == (
        f"git-session: warning: left out: note on {sha[:12]}: line 1 is not a JSON object\n"
        f"git-session: warning: left out: note on {sha[:12]}: line 2 is not a JSON object\n"
        f"git-session: warning: left out: a line of the note on {sha[:12]} names no session\n"
        f"git-session: warning: left out: a line of the note on {sha[:12]} names no session\n"
        "hint: a session not in this repository may be fetched: git session fetch REMOTE\n"
    )


# --- 2. switch ----------------------------------------------------------------------------


def test_switch_to_an_active_session_does_not_claim_to_resume_it(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature")
    ok(repo, "start", "On feature")
    sid = as_json(repo, "status")["id"]
    git(repo, "switch", "-q", "main")  # plain git: the session is left active, never paused
    out = ok(repo, "switch", "feature")
    short = short_sid(repo, sid)
    assert out.startswith(f"Session {short} is active on this branch\n# Session {short}: On feature (active,")
    assert "Resumed" not in out


def test_switch_c_creates_the_branch_pauses_the_session_left_and_starts_nothing(repo: Path) -> None:
    ok(repo, "start", "On main")
    sid = as_json(repo, "status")["id"]
    result = run(repo, "switch", "-c", "topic")
    assert result.exit_code == 0
    assert result.stdout == (
        f"Paused session {short_sid(repo, sid)} 'On main'\n"
        "No session on branch topic; start one with: git session start\n"
    )
    assert result.stderr == "Switched to a new branch 'topic'\n"
    assert git(repo, "branch", "--show-current") == "topic\n"
    assert [s["id"] for s in as_json(repo, "list", "--all")] == [sid]
    assert as_json(repo, "show", sid)["status"] == "paused"
    head = git(repo, "rev-parse", "main").strip()
    out = ok(repo, "switch", "-c", "other", "main")
    assert out == "No session on branch other; start one with: git session start\n"
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert fails(repo, "switch", "-c", "other", code=4).startswith("git-session: `git switch -c other` failed")
    assert fails(repo, "switch", "main", "HEAD", code=2) == (
        "git-session: START goes with -c\nhint: see: cli switch --help\n"
    )


# --- 3. end --abandon on a terminal -------------------------------------------------------


def on_terminal(repo: Path, args: list[str], answer: bytes | None) -> tuple[int, str, str]:
    """git-session in a child process whose stdin is a pseudo-terminal; ``answer`` is typed
    once the question is on stderr. Returns (exit code, stdout, stderr)."""
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "git_session", *args],
        cwd=repo,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    assert child.stderr is not None and child.stdout is not None
    err = b""
    if answer is not None:
        deadline = time.monotonic() + 30
        while b"[y/N]" not in err and time.monotonic() < deadline:
            ready, _, _ = select.select([child.stderr], [], [], 1)
            if ready:
                err += os.read(child.stderr.fileno(), 4096)
        os.write(master, answer)
    out, rest = child.communicate(timeout=60)
    os.close(master)
    return child.returncode, out.decode(), (err + rest).decode()


def test_end_abandon_asks_on_a_terminal(repo: Path) -> None:
    ok(repo, "start", "Risky")
    sid = as_json(repo, "status")["id"]
    short = short_sid(repo, sid)
    question = f"Abandon session {short} 'Risky'? [y/N]: "
    assert on_terminal(repo, ["end", "--abandon", "--reason", "x"], b"n\n") == (
        1,
        "",
        f"{question}Session {short} is left active\n",
    )
    assert as_json(repo, "show", sid)["status"] == "active"
    code, out, err = on_terminal(repo, ["end", "--abandon", "--reason", "x"], b"y\n")
    assert (code, err) == (0, question)
    assert out.startswith(f"Ended session {short} 'Risky': abandoned\n")
    assert as_json(repo, "show", sid)["status"] == "abandoned"


def test_end_abandon_yes_and_no_terminal_do_not_ask(repo: Path) -> None:
    ok(repo, "start", "One")
    one = as_json(repo, "status")["id"]
    code, out, err = on_terminal(repo, ["end", "--abandon", "--reason", "x", "--yes"], None)
    assert (code, err) == (0, "")
    assert out.startswith(f"Ended session {short_sid(repo, one)} 'One': abandoned\n")
    ok(repo, "start", "Two")
    two = as_json(repo, "status")["id"]
    result = run(repo, "end", "--abandon", "--reason", "x")  # stdin is no terminal: scripts, agents
    assert result.exit_code == 0 and result.stderr == ""
    assert as_json(repo, "show", two)["status"] == "abandoned"
