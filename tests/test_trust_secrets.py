"""Issue 9, items 2-5: every secret that would leave is found, whatever its disguise or
its path out (notes history, commit messages, snapshots), and what is no secret can pass.

Sample credentials are assembled at run time, as in test_secrets.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from git_session.secrets import decode, masked, scan
from tests.helpers import as_json, fails, git, make_repo, make_two_clones, ok, run

AWS_KEY = "AKIA" + "J7Q2ZK5VWX3MPL4N"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
ENV_PATH = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def chars(n: int, seed: str = "") -> str:
    return "".join(random.Random(f"{n}/{seed}").choices(ALNUM, k=n))


GITHUB_TOKEN = "ghp" + "_" + chars(36)
RANDOM_TOKEN = chars(40, "random")


def clones(tmp_path: Path) -> tuple[Path, Path, Path]:
    return make_two_clones(tmp_path)


def remote_objects(remote: Path) -> bytes:
    command = ["git", "cat-file", "--batch-all-objects", "--batch", "--unordered"]
    return subprocess.run(command, cwd=remote, capture_output=True, check=True).stdout


def refused_unleaked(result: subprocess.CompletedProcess[str], finding: str, remote: Path) -> None:
    """The push stopped on ``finding`` (named, the secret itself never shown), and the token
    never reached ``remote``."""
    assert result.returncode != 0, result.stderr
    assert finding in result.stderr and GITHUB_TOKEN not in result.stderr
    assert GITHUB_TOKEN.encode() not in remote_objects(remote)


def session_refs_of(repo: Path) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").split()


def fingerprints_in(error: str) -> list[str]:
    return re.findall(r"\[([0-9a-f]{16})\]", error)


# --- item 4: blind spots of the scanner ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "what"),
    [
        (f"token {GITHUB_TOKEN[:6]}\u200b{GITHUB_TOKEN[6:]} for CI", "GitHub Token"),
        (f"token {GITHUB_TOKEN[:10]}\u2060{GITHUB_TOKEN[10:]}", "GitHub Token"),
        (f"token {GITHUB_TOKEN[:12]}\u3164{GITHUB_TOKEN[12:]}", "GitHub Token"),
        ("password=hunter2", "password assignment"),
        ("DB_PASSWORD=letmein", "password assignment"),
        ("password=hunter2, user=bob", "password assignment"),
        ("password=$DB_PASS token=Zq81kLw0", "password assignment"),
        ("passwd: s3cr3t!", "password assignment"),
        ("mysql -u root -pS3cretPw db", "password on a command line"),
        ("mysqldump -u root -p'S3cret Pw' db > dump.sql", "password on a command line"),
    ],
)
def test_disguised_secrets_are_found(text: str, what: str) -> None:
    assert [f.what for f in scan([("s", text)])] == [what]


@pytest.mark.parametrize(
    "text",
    [
        "the password is in the vault",
        "connect(host, password=password)",
        "login(user, password=self.password)",
        "  password: this.password",
        "token = os.environ['API_TOKEN']",
        "password = getpass()",
        "Password: cfg.Password,",
        "export PGPASSWORD=$DB_PASS",
        "pwd=/home/alice",
        "PASSWORD=changeme",
        "mkdir -p build && cp -p a b",
        "github.com/pkg/errors v0.9.1 h1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=",
        '"integrity": "sha512-' + chars(86, "sri") + '=="',
        'checksum = "' + hashlib.sha256(b"crate").hexdigest() + '"',
    ],
)
def test_what_is_no_password_stays_quiet(text: str) -> None:
    assert scan([("s", text)]) == []


@pytest.mark.parametrize(
    "encoded",
    [
        f"aws={AWS_KEY}\n".encode("utf-16"),  # with a byte-order mark
        f"aws={AWS_KEY}\n".encode("utf-16-le"),
        f"aws={AWS_KEY}\n".encode("utf-16-be"),
        f"aws={AWS_KEY}\n".encode("utf-32"),
        f"caf\u00e9 aws={AWS_KEY}\n".encode("latin-1"),
    ],
)
def test_text_files_are_decoded_whatever_their_encoding(encoded: bytes) -> None:
    text = decode(encoded)
    assert text is not None and AWS_KEY in text


def test_a_true_binary_is_left_out() -> None:
    assert decode(bytes(range(256)) * 4) is None


def test_masked_replaces_each_secret_and_says_what_it_was() -> None:
    text, findings = masked(f"rotate {AWS_KEY[:8]}\u200b{AWS_KEY[8:]} tomorrow")
    assert text == "rotate [redacted] tomorrow"
    assert [f.what for f in findings] == ["AWS Access Key"]


def test_the_agent_name_is_scanned_before_a_push(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "start", "Agent at work")
    monkeypatch.setenv("GIT_SESSION_AGENT", f"bot {AWS_KEY}")
    ok(alice, "note", "harmless")
    error = fails(alice, "push")
    assert "AWS Access Key" in error and "(agent)" in error
    assert AWS_KEY.encode() not in remote_objects(remote)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "latin-1"])
def test_a_non_utf8_file_in_a_snapshot_is_scanned(tmp_path: Path, encoding: str) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "start", "Snapshots")
    (alice / "creds.txt").write_bytes(f"se\u00f1or aws={AWS_KEY}\n".encode(encoding))
    ok(alice, "checkpoint", "-m", "encoded creds")
    error = fails(alice, "push")
    assert "AWS Access Key" in error and "(file creds.txt)" in error
    assert session_refs_of(remote) == []


def test_a_symlink_target_in_a_snapshot_is_scanned(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "start", "Snapshots")
    os.symlink(f"/srv/keys/{AWS_KEY}", alice / "key-link")
    ok(alice, "checkpoint", "-m", "a link")
    error = fails(alice, "push")
    assert "AWS Access Key" in error and "(file key-link)" in error
    assert AWS_KEY.encode() not in remote_objects(remote)


# --- item 5: what is public already, and what was acknowledged -------------------------------


def lockfiles(repo: Path) -> None:
    (repo / "go.sum").write_text("".join(f"example.com/m{i} v1.0.{i} h1:{chars(43, f'go{i}')}=\n" for i in range(20)))
    packages = {f"node_modules/p{i}": {"integrity": f"sha512-{chars(86, f'npm{i}')}=="} for i in range(20)}
    (repo / "package-lock.json").write_text(json.dumps({"packages": packages}, indent=2))
    (repo / "fixture.txt").write_text(f"sample token {RANDOM_TOKEN}\n")  # random-looking, and public


def test_files_the_remote_has_already_do_not_stop_a_push(tmp_path: Path) -> None:
    _, alice, _ = clones(tmp_path)
    lockfiles(alice)
    git(alice, "add", ".")
    git(alice, "commit", "-q", "-m", "dependencies")
    git(alice, "push", "-q", "origin", "main")
    git(alice, "switch", "-q", "-c", "feature")
    (alice / "fixture.txt").write_text(f"sample token {RANDOM_TOKEN}\nanother harmless line\n")
    ok(alice, "start", "Feature")
    ok(alice, "checkpoint", "-m", "work in progress")
    assert "Pushed 1 session(s)" in ok(alice, "push")
    # A new line with a secret in that same file is still found.
    (alice / "fixture.txt").write_text(f"sample token {RANDOM_TOKEN}\naws={AWS_KEY}\n")
    ok(alice, "checkpoint", "-m", "oops")
    error = fails(alice, "push")
    assert "AWS Access Key" in error and "(file fixture.txt)" in error and "high-entropy" not in error


def test_a_lockfile_never_pushed_does_not_stop_a_push(tmp_path: Path) -> None:
    _, alice, _ = clones(tmp_path)
    lockfiles(alice)
    (alice / "fixture.txt").unlink()
    ok(alice, "start", "New dependencies")
    ok(alice, "checkpoint", "-m", "go.sum and package-lock.json, local only")
    assert "Pushed 1 session(s)" in ok(alice, "push")


def test_a_finding_is_acknowledged_by_its_fingerprint_and_that_travels(tmp_path: Path) -> None:
    remote, alice, bob = clones(tmp_path)
    ok(alice, "start", "Acknowledged")
    ok(alice, "note", f"build id {RANDOM_TOKEN}")
    error = fails(alice, "push")
    (fingerprint,) = set(fingerprints_in(error))
    assert "high-entropy string" in error and RANDOM_TOKEN not in error
    assert f"git session secrets allow {fingerprint}" in error
    assert fingerprint == hashlib.sha256(f"high-entropy string\n{RANDOM_TOKEN}".encode()).hexdigest()[:16]
    assert "acknowledged in session" in ok(alice, "secrets", "allow", fingerprint)
    assert "already acknowledged" in ok(alice, "secrets", "allow", fingerprint)
    ok(alice, "push")
    assert RANDOM_TOKEN.encode() in remote_objects(remote)
    # Another secret in the same session is still found.
    ok(alice, "note", f"key {AWS_KEY}")
    assert "AWS Access Key" in fails(alice, "push")
    # The acknowledgement travels with the session: bob's push is not stopped by it.
    ok(bob, "pull")
    (session,) = [s["id"] for s in as_json(bob, "list")]
    ok(bob, "note", "bob adds a line", "--session", session)
    assert "Pushed 1 session(s)" in ok(bob, "push")


def test_allow_refuses_what_is_not_a_fingerprint(tmp_path: Path) -> None:
    _, alice, _ = clones(tmp_path)
    ok(alice, "start", "W")
    error = fails(alice, "secrets", "allow", AWS_KEY)
    assert "not a finding's fingerprint" in error and "16 hex digits" in error
    result = run(alice, "log", "--json")
    assert all(item["kind"] != "allow" for item in json.loads(result.stdout))


# --- item 2: secrets in the notes and their history ------------------------------------------


def note_on_head(repo: Path, line: dict[str, str]) -> None:
    git(repo, "notes", "--ref=sessions", "append", "-m", json.dumps(line, sort_keys=True), "HEAD")


def test_a_note_removed_before_the_push_still_stops_it(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "start", "Notes")
    note_on_head(alice, {"session": "x", "text": f"key {AWS_KEY}"})
    head = git(alice, "rev-parse", "HEAD").strip()
    assert f"the note on commit {head[:12]}" in fails(alice, "push")
    git(alice, "notes", "--ref=sessions", "remove", "HEAD")  # the natural fix: the history keeps it
    error = fails(alice, "push")
    assert "AWS Access Key" in error and f"git session redact --note {head[:12]}" in error
    assert AWS_KEY.encode() not in remote_objects(remote)


@pytest.mark.parametrize("removed_first", [False, True])
def test_redact_note_takes_the_secret_out_of_the_notes_history(tmp_path: Path, removed_first: bool) -> None:
    remote, alice, bob = clones(tmp_path)
    ok(alice, "start", "Notes")
    note_on_head(alice, {"session": "x", "text": "harmless line"})
    note_on_head(alice, {"session": "x", "text": f"key {AWS_KEY}"})
    git(alice, "commit", "-q", "--allow-empty", "-m", "second")
    note_on_head(alice, {"session": "x", "text": "on the second commit"})
    if removed_first:
        git(alice, "notes", "--ref=sessions", "remove", "HEAD~1")
    error = fails(alice, "push")
    command = re.search(r"git session redact --note ([0-9a-f]{12})", error)
    assert command is not None
    out = ok(alice, "redact", "--note", command.group(1))
    assert "Redacted 1 line(s) holding a secret from the note on" in out
    assert "Pushed 1 session(s) and the notes" in ok(alice, "push")
    objects = remote_objects(remote)
    assert AWS_KEY.encode() not in objects and b"on the second commit" in objects
    assert b"harmless line" in objects  # the lines without a secret stay, in every version
    git(alice, "fsck", "--strict", "--no-progress")
    ok(bob, "pull")
    history = git(bob, "log", "-p", "refs/notes/sessions")
    assert "on the second commit" in history and AWS_KEY not in history


def test_redact_note_refuses_once_the_note_was_pushed(tmp_path: Path) -> None:
    _, alice, _ = clones(tmp_path)
    ok(alice, "start", "Notes")
    note_on_head(alice, {"session": "x", "text": f"build {RANDOM_TOKEN}"})
    (fingerprint,) = set(fingerprints_in(fails(alice, "push")))
    ok(alice, "secrets", "allow", fingerprint)  # "no secret", says alice, and pushes it
    ok(alice, "push")
    tip = git(alice, "rev-parse", "refs/notes/sessions")
    error = fails(alice, "redact", "--note", "HEAD")
    assert "was pushed to origin already" in error and "rotate" in error
    assert git(alice, "rev-parse", "refs/notes/sessions") == tip


def test_redact_note_says_when_no_line_holds_a_secret(tmp_path: Path) -> None:
    _, alice, _ = clones(tmp_path)
    ok(alice, "start", "Notes")
    note_on_head(alice, {"session": "x", "text": "harmless"})
    tip = git(alice, "rev-parse", "refs/notes/sessions")
    assert "no line of the note on" in fails(alice, "redact", "--note", "HEAD")
    assert git(alice, "rev-parse", "refs/notes/sessions") == tip


def test_redact_an_entry_takes_it_out_of_the_notes_that_quote_it_too(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Decisions", "-o", "Ship it")
    ok(alice, "decision", "add", "Use the staging key", "--rationale", f"it is {AWS_KEY}")
    (entry,) = [d["id"] for d in as_json(alice, "decision", "list")]
    git(alice, "commit", "-q", "--allow-empty", "-m", "work", env=ENV_PATH)
    ok(alice, "status")  # links the commit: its note quotes the decision
    assert AWS_KEY in git(alice, "notes", "--ref=sessions", "show", "HEAD")
    assert "Redacted decision" in ok(alice, "redact", entry)
    note = git(alice, "notes", "--ref=sessions", "show", "HEAD")
    assert AWS_KEY not in note and "Ship it" in note
    ok(alice, "push")
    assert AWS_KEY.encode() not in remote_objects(remote)


# --- item 3: secrets copied into commit messages ----------------------------------------------


def push(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **ENV_PATH, **(env or {})}
    return subprocess.run(["git", "push", *args], cwd=repo, capture_output=True, text=True, env=environment)


def test_a_secret_in_a_trailer_value_is_masked_and_said_so(tmp_path: Path) -> None:
    _, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Trailers")
    result = run(
        alice, "decision", "add", "Use the staging key", "--rationale", f"it is {AWS_KEY[:6]}\u200b{AWS_KEY[6:]}"
    )
    assert result.exit_code == 0
    assert "masked in the commit trailers" in result.stderr and "AWS Access Key" in result.stderr
    result = run(alice, "objective", "add", f"Rotate {GITHUB_TOKEN}")
    assert "objective" in result.stderr and "masked in the commit trailers" in result.stderr
    assert "masked" not in run(alice, "note", "harmless").stderr  # said once, when it was written
    git(alice, "commit", "-q", "--allow-empty", "-m", "work", env=ENV_PATH)
    message = git(alice, "log", "-1", "--format=%B")
    assert AWS_KEY[6:] not in message and GITHUB_TOKEN[4:] not in message
    assert "Decisions: Use the staging key -- it is [redacted]" in message
    assert "Session-Objectives: [open] Rotate [redacted]" in message
    trailers = git(alice, "log", "-1", "--format=%(trailers:key=Decisions,valueonly)")
    assert trailers.strip() == "Use the staging key -- it is [redacted]"


@pytest.mark.slow
def test_the_pre_push_hook_stops_a_commit_message_holding_a_secret(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Work")
    git(alice, "commit", "-q", "--allow-empty", "-m", f"Deploy with {GITHUB_TOKEN}", env=ENV_PATH)
    before = git(remote, "rev-parse", "main")
    result = push(alice, "origin", "main")
    assert result.returncode != 0
    assert "push stopped: the commits being pushed hold secrets in their messages" in result.stderr
    assert "GitHub Token in the message of commit" in result.stderr and GITHUB_TOKEN not in result.stderr
    assert "git push --no-verify" in result.stderr
    assert git(remote, "rev-parse", "main") == before
    # Warned, not stopped, when so configured; acknowledged, not even warned.
    git(alice, "config", "session.pushCheck", "warn")
    result = push(alice, "--dry-run", "origin", "main")
    assert result.returncode == 0 and "warning: the commits being pushed hold secrets" in result.stderr
    git(alice, "config", "--unset", "session.pushCheck")
    (fingerprint,) = set(fingerprints_in(result.stderr))
    ok(alice, "secrets", "allow", fingerprint)
    result = push(alice, "origin", "main")
    assert result.returncode == 0, result.stderr
    assert git(remote, "rev-parse", "main") == git(alice, "rev-parse", "main")


@pytest.mark.slow
def test_the_pre_push_check_looks_only_at_what_the_remote_lacks(tmp_path: Path) -> None:
    _, alice, _ = clones(tmp_path)
    git(alice, "commit", "-q", "--allow-empty", "-m", f"Old {GITHUB_TOKEN}")
    git(alice, "push", "-q", "origin", "main")  # before the hooks: the remote has it already
    ok(alice, "install")
    git(alice, "commit", "-q", "--allow-empty", "-m", "harmless")
    result = push(alice, "origin", "main")
    assert result.returncode == 0, result.stderr
    assert "secret" not in result.stderr


def test_the_pre_push_hook_lets_the_push_go_when_its_check_fails(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    git(alice, "commit", "-q", "--allow-empty", "-m", f"Deploy with {GITHUB_TOKEN}")
    broken = tmp_path / "broken-bin"
    broken.mkdir()
    (broken / "git-session").write_text("#!/bin/sh\necho 'Traceback: boom' >&2\necho blocked\nexit 70\n")
    (broken / "git-session").chmod(0o755)
    result = push(alice, "origin", "main", env={"PATH": f"{broken}{os.pathsep}{os.environ['PATH']}"})
    assert result.returncode == 0, result.stderr
    assert "were not checked for secrets" in result.stderr
    assert git(remote, "rev-parse", "main") == git(alice, "rev-parse", "main")


def test_the_pre_push_check_is_bounded_in_commits_and_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from git_session import pushcheck
    from git_session.gitrepo import Repo

    repo_path = make_repo(tmp_path)
    for i in range(5):
        git(repo_path, "commit", "-q", "--allow-empty", "-m", f"c{i} {GITHUB_TOKEN}")
    repo = Repo.discover(str(repo_path))
    line = f"refs/heads/main {git(repo_path, 'rev-parse', 'HEAD').strip()} refs/heads/main {'0' * 40}"
    checked = pushcheck.check(repo, "origin", [line])
    assert (checked.commits, checked.complete, len(checked.findings)) == (6, True, 5)
    monkeypatch.setattr(pushcheck, "MAX_COMMITS", 2)
    assert pushcheck.check(repo, "origin", [line]).commits == 2
    monkeypatch.undo()
    ticks = iter(range(0, 1000, 4))
    checked = pushcheck.check(repo, "origin", [line], clock=lambda: float(next(ticks)))
    assert not checked.complete and checked.commits == 2  # 10 s: the clock passes it at the third commit


def test_a_long_line_of_many_tokens_is_scanned_in_one_pass() -> None:
    """Each token's look back for a checksum marker, and each named secret, is bounded:
    a line of thousands of tokens is not scanned thousands of times (it was: minutes)."""
    tokens = " ".join(chars(24, str(i)) for i in range(4000))
    assert len(scan([("s", tokens)])) > 1000  # random tokens: each its own finding
    commands = " ".join(f"mysql -p{chars(24, str(i))}" for i in range(4000))
    assert {f.what for f in scan([("s", commands)])} == {"password on a command line", "high-entropy string"}


def test_every_hint_names_a_command_that_works_or_says_there_is_none(tmp_path: Path) -> None:
    _, alice, _ = clones(tmp_path)
    ok(alice, "start", "Hints")
    (alice / "creds.txt").write_text(f"aws={AWS_KEY}\n")
    ok(alice, "checkpoint", "-m", "with creds")
    (checkpoint,) = [c["id"] for c in as_json(alice, "show")["checkpoints"]]
    error = fails(alice, "push")
    command = re.search(r"remove it with: (git session redact \S+ --session \S+)", error)
    assert command is not None and checkpoint.startswith(command.group(1).split()[3])
    ok(alice, *command.group(1).split()[2:])
    ok(alice, "tldr", f"deploy with {AWS_KEY}")
    error = fails(alice, "push")
    assert "a session's field cannot be redacted" in error and "remove it with" not in error
    (fingerprint,) = set(fingerprints_in(error))
    ok(alice, "secrets", "allow", fingerprint)
    ok(alice, "push")
