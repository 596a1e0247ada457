"""Review of issue 9's data items (10, 14, 16, 18) with hostile data from outside:

- names and text that are not UTF-8 (a branch name, the git identity, GIT_SESSION_AGENT)
  are refused in one line before anything is stored, never a crash;
- a loose object is inflated no further than its header says (a zlib bomb is damage, not
  gigabytes of memory), and a file of session data larger than any written is refused
  from its header, loose or packed;
- JSON nested too deeply is skipped by redact (a note line from a remote) and install (its
  record), never a RecursionError;
- a truncated object in a borrowed object store (``git clone --shared``) is reported, not
  a hang;
- ``doctor --fix`` restores a session only to a complete commit of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from tests.helpers import as_json, fails, git, make_repo, ok, session_refs

LATIN1_E = "\udce9"  # the byte 0xe9 (é in Latin-1), as Python reads it from argv, env or git


def test_a_branch_whose_name_is_not_utf8_is_refused_at_start_in_one_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, branch=f"caf{LATIN1_E}")
    assert "not valid UTF-8" in fails(repo, "start", "work")
    assert session_refs(repo) == []
    git(repo, "switch", "-q", "-c", "plain")
    ok(repo, "start", "work")


@pytest.mark.parametrize("variable", ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_SESSION_AGENT"])
def test_an_identity_or_agent_that_is_not_utf8_is_refused_and_the_session_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "note", "before")
    tip = git(repo, "for-each-ref", "--format=%(objectname)", "refs/sessions/").strip()
    before = os.environ.get(variable)
    monkeypatch.setenv(variable, f"b{LATIN1_E}d")
    assert "not valid UTF-8" in fails(repo, "note", "after")
    assert git(repo, "for-each-ref", "--format=%(objectname)", "refs/sessions/").strip() == tip
    ok(repo, "status")  # reading needs no identity
    if before is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, before)
    ok(repo, "note", "after")


# --- a loose object is inflated no further than its header says ---------------------------


def bomb(path: Path, header: bytes, zeros: int) -> None:
    """A loose object file of a few megabytes that inflates to ``zeros`` bytes after ``header``."""
    deflater = zlib.compressobj(9)
    chunk = bytes(1 << 24)
    parts = [deflater.compress(header)] + [deflater.compress(chunk) for _ in range(zeros >> 24)]
    path.chmod(0o644)
    path.write_bytes(b"".join([*parts, deflater.flush()]))


def limited(cwd: Path, *args: str, megabytes: int) -> subprocess.CompletedProcess[str]:
    """git-session in a child process that may map at most ``megabytes`` of memory."""
    code = (
        "import resource, sys; from git_session.cli import main; "
        f"resource.setrlimit(resource.RLIMIT_AS, ({megabytes << 20}, {megabytes << 20})); "
        "sys.argv = ['git-session', *sys.argv[1:]]; main()"
    )
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("header", [b"commit 10\0", b"commit 999999999999\0"])
def test_a_loose_object_that_inflates_past_its_header_is_damage_not_memory(tmp_path: Path, header: bytes) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    tip = git(repo, "rev-parse", session_refs(repo)[0]).strip()
    bomb(repo / ".git" / "objects" / tip[:2] / tip[2:], header, 1 << 30)
    result = limited(repo, "status", megabytes=768)
    assert result.returncode == 3, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("git-session: session ") and len(lines) <= 2, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("packed", [False, True])
def test_a_session_file_larger_than_any_written_is_refused_before_it_is_read(tmp_path: Path, packed: bool) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "hostile")
    git(repo, "switch", "-q", "-c", "other")
    ok(repo, "start", "good")
    (ref,) = [r for r in session_refs(repo) if r.startswith("refs/sessions/main-")]
    huge = tmp_path / "huge"
    huge.write_bytes(b" " * (33 << 20))
    blob = git(repo, "hash-object", "-w", str(huge)).strip()
    tree = git(repo, "mktree", input=f"100644 blob {blob}\tmeta.json\n").strip()
    git(repo, "update-ref", ref, git(repo, "commit-tree", tree, "-p", ref, "-m", "huge").strip())
    if packed:
        git(repo, "repack", "-a", "-d", "-q")
    assert [s["title"] for s in as_json(repo, "list", "--all")] == ["good"]
    shown = subprocess.run(
        [sys.executable, "-m", "git_session", "show", ref.rsplit("/", 1)[1]], cwd=repo, capture_output=True, text=True
    )
    assert shown.returncode == 3 and "more than the" in shown.stderr, shown.stderr


# --- JSON nested too deeply to parse, wherever it is read ----------------------------------


def test_redact_skips_a_note_line_nested_too_deeply_instead_of_crashing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "note", "take me out")
    (entry,) = [n["id"] for n in as_json(repo, "show")["notes"]]
    deep = "[" * 100_000 + "]" * 100_000  # a note line as a remote may send it
    (tmp_path / "deep").write_text(deep)
    git(repo, "notes", "--ref=sessions", "add", "-f", "-F", str(tmp_path / "deep"), "HEAD")
    assert "Redacted note" in ok(repo, "redact", entry)
    assert as_json(repo, "show")["notes"] == []
    assert git(repo, "notes", "--ref=sessions", "show", "HEAD").strip() == deep


def test_an_install_record_nested_too_deeply_is_read_as_no_record(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    record = repo / ".git" / "git-session" / "hooks-installed"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text("[" * 100_000 + "]" * 100_000)
    ok(repo, "install")
    ok(repo, "uninstall")


# --- objects borrowed from another repository ----------------------------------------------


def test_a_truncated_object_in_a_borrowed_object_store_is_reported_not_a_hang(tmp_path: Path) -> None:
    source = make_repo(tmp_path, "source")
    ok(source, "start", "work")
    ok(source, "note", "first")
    ok(source, "note", "second")
    git(tmp_path, "clone", "-q", "--shared", str(source), "borrower")
    borrower = tmp_path / "borrower"
    git(borrower, "fetch", "-q", "origin", "refs/sessions/*:refs/sessions/*")
    middle = git(borrower, "rev-parse", f"{session_refs(borrower)[0]}~1").strip()
    path = source / ".git" / "objects" / middle[:2] / middle[2:]
    data = path.read_bytes()
    path.chmod(0o644)
    path.write_bytes(data[: len(data) // 2])
    log = subprocess.run(
        [sys.executable, "-m", "git_session", "log"], cwd=borrower, capture_output=True, text=True, timeout=60
    )
    assert log.returncode == 3 and "is damaged (it is truncated)" in log.stderr, log.stderr
    ok(borrower, "note", "third")  # the tip is fine; the write goes into the borrower's own objects
    assert not list(
        (source / ".git" / "objects").glob("*/" + git(borrower, "rev-parse", session_refs(borrower)[0]).strip()[2:])
    )


# --- doctor --fix restores a session only to one of its own commits ------------------------


def test_doctor_fix_skips_reflog_entries_that_are_not_the_sessions_own_commits(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "note", "first")
    ok(repo, "note", "second")
    (ref,) = session_refs(repo)
    previous = git(repo, "rev-parse", f"{ref}~1").strip()
    tip = git(repo, "rev-parse", ref).strip()
    strangers = [git(repo, "rev-parse", spec).strip() for spec in ("HEAD", f"{ref}^{{tree}}", f"{ref}:meta.json")]
    with (repo / ".git" / "logs" / ref).open("ab") as log:  # newest last, as git appends them
        for stranger in strangers:
            log.write(f"{tip} {stranger} A <a@example.com> 1700000000 +0000\tedited by hand\n".encode())
        log.write(b"\x00\xff binary\t\tjunk\n\n")
    (repo / ".git" / "objects" / tip[:2] / tip[2:]).unlink()
    fixed = ok(repo, "doctor", "--fix")
    assert f"fixed: restored {ref} to {previous[:12]}" in fixed
    assert [n["text"] for n in as_json(repo, "show")["notes"]] == ["first"]
