"""Issue 9, items 2-5, second look (adversarial review): the other ways out.

The pre-push hook checks what a push sends besides branch commits: the messages of
annotated tags, the session notes and session refs pushed by hand (``git push origin
refs/notes/sessions``, ``--mirror``), and never lets a private layer go. Text copied out
of a session (trailers, ADRs) is masked whole; the decoder, file names and long lines
leave the scanner no blind spot and no unbounded run.
Sample credentials are assembled at run time, as in test_secrets.py.
"""

from __future__ import annotations

import base64
import gzip
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from git_session.secrets import decode, masked, scan
from tests.helpers import fails, git, ok, run
from tests.test_trust_secrets import (
    AWS_KEY,
    ENV_PATH,
    GITHUB_TOKEN,
    chars,
    clones,
    push,
    refused_unleaked,
    remote_objects,
)


@pytest.mark.slow
def test_an_annotated_tag_message_with_a_secret_stops_the_push(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    git(alice, "tag", "-a", "v1", "-m", f"Release, deployed with {GITHUB_TOKEN}")
    git(alice, "tag", "-a", "v1-again", "-m", "harmless", "v1")  # a tag of that tag
    for pushed in (["v1"], ["v1-again"], ["--tags"]):
        result = push(alice, "origin", *pushed)
        assert result.returncode != 0, result.stderr
        assert "GitHub Token in the message of tag" in result.stderr and GITHUB_TOKEN not in result.stderr
    assert GITHUB_TOKEN.encode() not in remote_objects(remote)
    assert git(remote, "tag").strip() == ""


def linked_decision_with_secret(alice: Path) -> None:
    """A decision whose rationale holds a token, linked to a commit: the note quotes it."""
    ok(alice, "install")
    ok(alice, "start", "Notes")
    ok(alice, "decision", "add", "Use the deploy key", "--rationale", f"it is {GITHUB_TOKEN}")
    git(alice, "commit", "-q", "--allow-empty", "-m", "work")
    ok(alice, "status")  # links the commit: its note now quotes the decision
    assert GITHUB_TOKEN in git(alice, "notes", "--ref=sessions", "show", "HEAD")


@pytest.mark.slow
def test_session_notes_pushed_by_plain_git_push_are_scanned(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    linked_decision_with_secret(alice)
    for pushed in (["origin", "refs/notes/sessions"], ["origin", "refs/notes/*:refs/notes/*"], ["--mirror", "origin"]):
        result = push(alice, *pushed)
        assert result.returncode != 0, result.stderr
        assert "GitHub Token in the note on commit" in result.stderr and GITHUB_TOKEN not in result.stderr
    assert GITHUB_TOKEN.encode() not in remote_objects(remote)


@pytest.mark.slow
def test_session_refs_pushed_by_plain_git_push_have_their_snapshots_scanned(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Snapshots")
    (alice / "deploy.env").write_text(f"TOKEN={GITHUB_TOKEN}\n")
    ok(alice, "checkpoint", "-m", "before deploying")
    result = push(alice, "origin", "refs/sessions/*:refs/sessions/*")
    refused_unleaked(result, "(file deploy.env)", remote)


def test_a_plain_push_of_clean_notes_and_sessions_goes_through(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Clean")
    ok(alice, "decision", "add", "Keep the old API", "--rationale", "callers depend on it")
    git(alice, "commit", "-q", "--allow-empty", "-m", "work")
    ok(alice, "status")
    result = push(alice, "origin", "refs/notes/sessions", "refs/sessions/*:refs/sessions/*")
    assert result.returncode == 0, result.stderr
    assert "secret" not in result.stderr
    assert git(remote, "rev-parse", "refs/notes/sessions") == git(alice, "rev-parse", "refs/notes/sessions")


# --- text that is not quite what its bytes first suggest ----------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        f"aws={AWS_KEY}\n".encode("utf-16-le") + b"\n",  # a line appended by a tool that writes bytes
        f"aws={AWS_KEY}\n".encode("utf-16-be") + b"\n",
        f"aws={AWS_KEY}\n".encode("utf-32-le") + b"\n",
        f"aws={AWS_KEY}\n".encode("utf-16-le") + b"\x00\xd8",  # a lone surrogate at the end
        f"log line\x00\naws={AWS_KEY}\n".encode(),  # UTF-8 with a stray NUL: not UTF-16
        f"aws={AWS_KEY}\n\x00".encode(),
        ("\u6570\u636e" * 100 + f"\naws={AWS_KEY}\n").encode("utf-16-le") + b"\n",
    ],
    ids=["utf-16-le+1", "utf-16-be+1", "utf-32-le+1", "lone-surrogate", "utf-8+nul", "utf-8+nul-at-end", "cjk-utf-16"],
)
def test_text_with_a_stray_byte_is_still_decoded_and_scanned(encoded: bytes) -> None:
    text = decode(encoded)
    assert text is not None and AWS_KEY in text
    assert [f.what for f in scan([("file", text)])] == ["AWS Access Key"]


def test_binaries_stay_left_out() -> None:
    assert decode(gzip.compress(f"aws={AWS_KEY}\n".encode() * 50, mtime=0)) is None
    assert decode(bytes(range(256)) * 4) is None


# --- private entries ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_mirror_push_does_not_send_private_entries(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Private")
    ok(alice, "objective", "add", "--private", "ask for a raise")
    for pushed in (["--mirror", "origin"], ["origin", "refs/session-private/*:refs/session-private/*"]):
        result = push(alice, *pushed)
        assert result.returncode != 0, result.stderr
        assert "push stopped: private session entries would leave" in result.stderr
    assert b"ask for a raise" not in remote_objects(remote)
    git(alice, "config", "session.pushCheck", "warn")
    result = push(alice, "--dry-run", "--mirror", "origin")
    assert result.returncode == 0 and "warning: private session entries would leave" in result.stderr


@pytest.mark.slow
def test_a_push_to_a_url_does_not_stop_at_messages_the_remotes_have(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    git(alice, "commit", "-q", "--allow-empty", "-m", f"Old {GITHUB_TOKEN}")
    git(alice, "push", "-q", "origin", "main")  # before the hooks: public already
    ok(alice, "install")
    git(alice, "commit", "-q", "--allow-empty", "-m", "harmless")
    result = push(alice, str(remote), "main:feature")  # a new branch, to a URL: no remote name
    assert result.returncode == 0, result.stderr
    assert "secret" not in result.stderr
    git(alice, "commit", "-q", "--allow-empty", "-m", f"New {GITHUB_TOKEN}")
    result = push(alice, str(remote), "main:feature")
    assert result.returncode != 0 and "GitHub Token in the message of commit" in result.stderr


# --- other copies of session text into what gets committed --------------------------------------


def test_a_secret_in_a_decision_is_masked_in_its_adr_and_said_so(tmp_path: Path) -> None:
    _, alice, _ = clones(tmp_path)
    ok(alice, "start", "Records")
    ok(alice, "decision", "add", "Use the deploy key", "--rationale", f"it is {GITHUB_TOKEN}", "--alternative", AWS_KEY)
    ok(alice, "decision", "add", "Keep the old API", "--rationale", "callers depend on it")
    result = run(alice, "adr", "--dir", "docs/adr")
    assert result.exit_code == 0, result.stderr
    records = sorted((alice / "docs" / "adr").iterdir())
    assert len(records) == 2
    texts = [path.read_text() for path in records]
    assert GITHUB_TOKEN[4:] not in texts[0] and AWS_KEY not in texts[0] and "[redacted]" in texts[0]
    assert "[redacted]" not in texts[1] and "callers depend on it" in texts[1]
    assert "held a secret (GitHub Token, AWS Access Key): it is masked there" in result.stderr
    result = run(alice, "end", "--adr", "docs/ended")
    assert result.exit_code == 0 and "it is masked there" in result.stderr
    assert all(GITHUB_TOKEN[4:] not in path.read_text() for path in (alice / "docs" / "ended").iterdir())


def private_key(width: int) -> str:
    body = base64.b64encode(random.Random(f"key/{width}").randbytes(600)).decode()
    lines = [body[i : i + width] for i in range(0, len(body), width)]
    return "\n".join(["-----BEGIN OPENSSH PRIVATE KEY-----", *lines, "-----END OPENSSH PRIVATE KEY-----"])


@pytest.mark.parametrize("width", [64, 16])
def test_a_private_key_is_masked_whole_not_only_its_first_line(width: int) -> None:
    key = private_key(width)
    body = key.splitlines()[1:-1]
    for text in (f"use this key:\n{key}\nthanks", " ".join(f"use this key: {key}".split())):
        clean, findings = masked(text)
        assert [line for line in body if line in clean] == []
        assert findings and findings[0].what == "Private Key"
    assert masked(f"rotate it:\n{key}")[0] == "rotate it:\n[redacted]"


def test_a_private_key_in_a_rationale_leaves_no_line_in_the_commit_message_or_the_adr(tmp_path: Path) -> None:
    _, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Keys")
    key = private_key(64)
    ok(alice, "decision", "add", "Use the deploy key", "--rationale", key)
    git(alice, "commit", "-q", "--allow-empty", "-m", "work", env=ENV_PATH)
    message = git(alice, "log", "-1", "--format=%B")
    assert "Decisions: Use the deploy key -- [redacted]" in message
    ok(alice, "adr", "--dir", "docs/adr")
    (record,) = (alice / "docs" / "adr").iterdir()
    for line in key.splitlines()[1:-1]:
        assert line not in message and line not in record.read_text()


@pytest.mark.parametrize(
    "rationale",
    ["the db password=letmein\nthen restart the app", "the db password=\nLetme1n!"],
    ids=["found-only-with-its-line-end", "found-only-once-joined"],
)
def test_a_trailer_masks_what_either_the_text_or_its_one_line_form_reveals(tmp_path: Path, rationale: str) -> None:
    _, alice, _ = clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "Passwords")
    result = run(alice, "decision", "add", "Share the database", "--rationale", rationale)
    assert "masked in the commit trailers" in result.stderr
    git(alice, "commit", "-q", "--allow-empty", "-m", "work", env=ENV_PATH)
    message = git(alice, "log", "-1", "--format=%B")
    assert "Letme1n" not in message and "letmein" not in message and "[redacted]" in message


@pytest.mark.slow
def test_a_mirror_push_to_a_bare_path_is_still_checked(tmp_path: Path) -> None:
    _, alice, _ = clones(tmp_path)
    linked_decision_with_secret(alice)
    git(alice, "init", "-q", "--bare", "backup.git")  # a path git takes, with no "/" in it
    result = push(alice, "--mirror", "backup.git")
    assert result.returncode != 0, result.stderr
    assert "GitHub Token in the note on commit" in result.stderr
    assert git(alice / "backup.git", "for-each-ref").strip() == ""


def test_a_secret_in_a_file_name_of_a_snapshot_stops_the_push(tmp_path: Path) -> None:
    remote, alice, _ = clones(tmp_path)
    ok(alice, "start", "Names")
    (alice / "cache").mkdir()
    (alice / "cache" / f"{GITHUB_TOKEN}.json").write_text("{}\n")
    ok(alice, "checkpoint", "-m", "a cache")
    error = fails(alice, "push")
    assert "GitHub Token" in error and GITHUB_TOKEN not in error
    assert GITHUB_TOKEN.encode() not in remote_objects(remote)


# --- bounded scanning ----------------------------------------------------------------------------


def test_the_plugins_see_a_long_line_in_overlapping_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Some plugins' patterns are quadratic in the line (a megabyte line of URLs took
    minutes): they see at most a window of it at once, and a credential on a window's
    edge is still found whole."""
    from git_session import secrets

    seen: list[int] = []
    original = secrets._plugins_for

    def recording(line: str, suspects: Sequence[str]) -> list[Any]:
        seen.append(len(line))
        return original(line, suspects)

    monkeypatch.setattr(secrets, "_plugins_for", recording)
    step = secrets.PLUGIN_WINDOW - 250
    tokens = ["ghp" + "_" + chars(36, str(k)) for k in range(1, 6)]
    line = list("https://example.com/a " * 2000)
    for k, token in enumerate(tokens, start=1):
        at = step * k * 3 - 20  # across the edge of a window
        line[at : at + len(token) + 2] = f" {token} "
    found = scan([("s", "".join(line))])
    assert max(seen) <= secrets.PLUGIN_WINDOW
    assert {f.what for f in found} == {"GitHub Token"} and len(found) == len(tokens)
