"""Issue 9, the data items: what is stored can always be read back (10), a session lost to
``git gc --prune=now`` comes back from its reflog (14), a damaged object is reported at
once instead of hanging a walk (16), and one broken session or notes ref never takes down
a command that does not need it (18)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from git_session.gitrepo import Ident, Repo
from git_session.names import BranchName, SessionRef, Ulid
from git_session.store import Draft, Store
from tests.helpers import as_json, fails, git, make_repo, ok, run, session_refs

TIMEOUT = 60  # seconds: a hang fails the test instead of the whole run


def cli(cwd: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """git-session in a child process, killed if it does not finish in time."""
    return subprocess.run(
        [sys.executable, "-m", "git_session", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def ref_of(repo: Path, title: str) -> str:
    (found,) = [s for s in as_json(repo, "list", "--all") if s["title"] == title]
    (ref,) = [r for r in session_refs(repo) if r.endswith(found["id"])]
    return ref


def two_sessions(tmp_path: Path) -> Path:
    """Session "main work" on main (three notes), and session "other work" on branch other."""
    repo = make_repo(tmp_path)
    ok(repo, "start", "main work")
    for text in ("first", "second", "third"):
        ok(repo, "note", text)
    git(repo, "switch", "-q", "-c", "other")
    ok(repo, "start", "other work")
    git(repo, "switch", "-q", "main")
    return repo


def object_file(repo: Path, oid: str) -> Path:
    return repo / ".git" / "objects" / oid[:2] / oid[2:]


def truncate(repo: Path, oid: str) -> None:
    """Cut a loose object's file in half, as a full disk or a crash can leave it."""
    path = object_file(repo, oid)
    data = path.read_bytes()
    path.chmod(0o644)
    path.write_bytes(data[: len(data) // 2])


# --- 16: a damaged object is reported at once ---------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("what", ["middle commit", "tip's meta.json"])
def test_a_truncated_object_is_reported_at_once_by_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    repo = two_sessions(tmp_path)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    ok(repo, "install")
    ref = ref_of(repo, "main work")
    sid = ref.rsplit("/", 1)[1]
    if what == "middle commit":
        truncate(repo, git(repo, "rev-parse", f"{ref}~2").strip())
    else:
        truncate(repo, git(repo, "rev-parse", f"{ref}:meta.json").strip())

    log = cli(repo, "log")
    assert log.returncode == 3, log.stderr
    assert log.stderr.startswith(f"git-session: session {sid}: ") and "damaged" in log.stderr
    if what == "middle commit":  # the tip is fine: what reads only the tip still works
        assert cli(repo, "status").returncode == 0
        assert cli(repo, "note", "fourth").returncode == 0
    else:
        status = cli(repo, "status")
        assert status.returncode == 3 and f"session {sid}" in status.stderr
        assert cli(repo, "note", "fourth").returncode == 3
    Path(repo, "file").write_text("change\n")
    git(repo, "add", "file")
    commit = subprocess.run(["git", "commit", "-q", "-m", "subject"], cwd=repo, capture_output=True, timeout=TIMEOUT)
    assert commit.returncode == 0, commit.stderr
    other = cli(repo, "log", "other")
    assert other.returncode == 0 and "other work" in other.stdout
    assert "other work" in cli(repo, "list", "--all").stdout


# --- 10: the writer never stores what its reader rejects --------------------------------


def test_a_write_after_the_clock_limit_is_refused_and_the_session_stays_readable(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "pulled with a huge clock")
    store = Store(Repo.discover(str(repo)))
    (handle,) = store.handles()
    ident = Ident("Pulled", "p@example.com", 1700000000, "+0000")
    store.append(handle.ref, lambda h, m: [Draft.set({"tldr": "far"})], ident, "far", 2**53 - 1)
    before = git(repo, "rev-parse", handle.ref)

    error = fails(repo, "note", "one more")
    assert "not written" in error and "clock" in error
    assert git(repo, "rev-parse", handle.ref) == before
    assert as_json(repo, "show")["tldr"] == "far"
    ok(repo, "log")


def test_a_commit_time_past_the_limit_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    (ref,) = session_refs(repo)
    before = git(repo, "rev-parse", ref)
    result = run(repo, "note", "from the future", env={"GIT_AUTHOR_DATE": f"@{2**40 + 1} +0000"})
    assert result.exit_code == 1
    assert result.stderr.startswith("git-session: not written: ") and "GIT_AUTHOR_DATE" in result.stderr
    assert git(repo, "rev-parse", ref) == before
    ok(repo, "note", "from today")
    assert [n["text"] for n in as_json(repo, "show")["notes"]] == ["from today"]


def test_a_commit_with_an_unreadable_operation_is_left_out_of_the_log_and_reported(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "note", "kept")
    (ref,) = session_refs(repo)
    tip = git(repo, "rev-parse", ref).strip()
    (line,) = [op for op in git(repo, "log", "-1", "--format=%B", tip).splitlines() if op.startswith("{")]
    line = line.replace('"clock":2', f'"clock":{2**60}')
    bad = git(repo, "commit-tree", f"{tip}^{{tree}}", "-p", tip, "-m", "note: bad\n\n" + line).strip()
    git(repo, "update-ref", ref, bad)
    result = run(repo, "log")
    assert result.exit_code == 0
    assert "warning: left out: session " in result.stderr and "clock" in result.stderr
    assert "kept" in result.stdout
    ok(repo, "note", "still writable")


def test_an_unreadable_session_does_not_keep_its_branch_from_a_new_one(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "old")
    (ref,) = session_refs(repo)
    git(repo, "update-ref", ref, git(repo, "hash-object", "-w", "--stdin", input="junk\n").strip())
    result = run(repo, "start", "new")
    assert result.exit_code == 0, result.output
    assert "skipped a session" in result.stderr
    assert as_json(repo, "status")["title"] == "new"


# --- 14: session refs keep a reflog; doctor brings a lost session back ------------------


def test_every_write_of_a_session_is_in_its_reflog(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "note", "one")
    ok(repo, "note", "private", "--private")
    (ref,) = session_refs(repo)
    log = git(repo, "reflog", "--format=%gs", ref).splitlines()
    assert log == ["git-session: note: one", "git-session: start: work"]
    private = "refs/session-private/" + ref.removeprefix("refs/sessions/")
    assert git(repo, "reflog", "--format=%gs", private).splitlines()[0] == "git-session: note: private"


def test_a_bare_repository_keeps_the_reflog_of_a_pulled_session(tmp_path: Path) -> None:
    """A pull creates a session in packed-refs, without a reflog (round 21); its first write
    here begins one, in a bare repository too, whose line names the value pulled."""
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    ok(bare, "pull")
    (ref,) = session_refs(bare)
    pulled = git(bare, "rev-parse", ref).strip()
    ok(repo, "note", "more")
    ok(bare, "pull")
    assert git(bare, "reflog", "--format=%gs", ref).splitlines() == ["git-session: merge"]
    assert git(bare, "rev-parse", f"{ref}@{{1}}").strip() == pulled


def lose_tip(repo: Path, ref: str) -> str:
    """What ``git gc --prune=now`` does to a write it races: the ref names a commit that is gone."""
    tip = git(repo, "rev-parse", ref).strip()
    object_file(repo, tip).unlink()
    return tip


def test_doctor_finds_a_session_whose_tip_is_gone_and_restores_it_from_the_reflog(tmp_path: Path) -> None:
    repo = two_sessions(tmp_path)
    ref = ref_of(repo, "main work")
    previous = git(repo, "rev-parse", f"{ref}~1").strip()
    lose_tip(repo, ref)
    assert "other work" in ok(repo, "list", "--all")
    assert fails(repo, "status", code=3).startswith(f"git-session: session {ref.rsplit('/', 1)[1]}: ")

    report = run(repo, "doctor")
    assert report.exit_code == 1
    assert f"problem: {ref}: " in report.stdout and "--fix restores it from its reflog" in report.stdout
    fixed = run(repo, "doctor", "--fix")
    assert f"fixed: restored {ref} to {previous[:12]}" in fixed.stdout
    assert git(repo, "rev-parse", ref).strip() == previous
    assert [n["text"] for n in as_json(repo, "show")["notes"]] == ["first", "second"]
    ok(repo, "note", "third again")
    git(repo, "fsck", "--no-progress")


def test_doctor_moves_aside_a_session_with_nothing_complete_in_its_reflog(tmp_path: Path) -> None:
    repo = two_sessions(tmp_path)
    ref = ref_of(repo, "main work")
    tip = lose_tip(repo, ref)
    (repo / ".git" / "logs" / ref).unlink()
    fixed = run(repo, "doctor", "--fix")
    aside = "refs/session-broken/" + ref.removeprefix("refs/")
    assert f"fixed: moved {ref} aside to {aside}" in fixed.stdout
    assert git(repo, "for-each-ref", "--format=%(objectname)", aside).strip() == tip
    assert ref not in session_refs(repo)
    assert [s["title"] for s in as_json(repo, "list", "--all")] == ["other work"]
    ok(repo, "start", "fresh start")


def test_redact_help_says_where_the_old_history_stays() -> None:
    result = run(".", "redact", "--help")
    text = " ".join(result.stdout.split())
    assert "The reflog entries of the session's ref (`git reflog refs/sessions/KEY/ID`)" in text
    assert "stay on this disk, unreachable, until `git gc` prunes them (`git gc --prune=now`" in text
    assert "a backup, another clone" in text


# --- 18: one broken ref never takes down what does not need it ---------------------------


def with_remote(tmp_path: Path) -> tuple[Path, Path]:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = two_sessions(tmp_path)
    git(repo, "remote", "add", "origin", str(remote))
    return repo, remote


def test_a_session_ref_at_a_missing_object_is_skipped_by_list_and_push(tmp_path: Path) -> None:
    repo, remote = with_remote(tmp_path)
    broken = SessionRef.for_session(BranchName("x"), Ulid("0" * 26))
    path = repo / ".git" / broken
    path.parent.mkdir(parents=True)
    path.write_text("1" * 40 + "\n")

    listed = run(repo, "list", "--all")
    assert listed.exit_code == 0
    assert "skipped a session: session " + "0" * 26 + ": object 111111111111 is missing" in listed.stderr
    assert sorted(s["title"] for s in as_json(repo, "list", "--all")) == ["main work", "other work"]
    pushed = run(repo, "push")
    assert pushed.exit_code == 3
    assert f"warning: not pushed: {broken}: " in pushed.stderr
    assert "Pushed 2 session(s)" in pushed.stdout
    assert len(session_refs(remote)) == 2
    pulled = run(repo, "pull")  # git's own ref iteration dies on such a ref, and every fetch with it
    assert pulled.exit_code == 0, pulled.output
    assert pulled.stdout == "Pulled from origin: 2 up to date\n"


@pytest.mark.parametrize("junk", ["blob", "tree"])
def test_a_remote_notes_ref_that_is_junk_breaks_neither_pull_nor_push(tmp_path: Path, junk: str) -> None:
    repo, remote = with_remote(tmp_path)
    git(repo, "notes", "--ref=sessions", "add", "-m", '{"session":"x"}', "HEAD")
    blob = git(remote, "hash-object", "-w", "--stdin", input="junk\n").strip()
    target = blob
    if junk == "tree":
        target = git(remote, "mktree", input=f"100644 blob {blob}\tjunk\n").strip()
    git(remote, "update-ref", "refs/notes/sessions", target)

    pulled = run(repo, "pull")
    assert pulled.exit_code == 0, pulled.output
    assert "notes refused: " in pulled.stdout
    assert '{"session":"x"}' in git(repo, "notes", "--ref=sessions", "show", "HEAD")
    pushed = run(repo, "push")
    assert "Pushed 2 session(s)" in pushed.stdout
    assert "not pushed: refs/notes/sessions: the remote's refs/notes/sessions is not a notes commit" in pushed.stderr
    assert run(repo, "pull").exit_code == 0


@pytest.mark.parametrize("command", [["note", "-"], ["tldr", "-"], ["objective", "add", "-"]])
def test_a_nul_in_text_from_stdin_is_one_clear_line(tmp_path: Path, command: list[str]) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    result = cli(repo, *command, input="before\0after")
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[0].endswith("contains a NUL character")
    assert len(result.stderr.splitlines()) == 2


def test_a_text_with_unicode_line_separators_is_read_back_as_written(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    text = "one\u2028two\x85three\x1cfour"
    ok(repo, "note", text)
    assert [op["fields"]["text"] for op in as_json(repo, "log") if op["kind"] == "note"] == [text]


def test_a_note_line_nested_too_deep_is_skipped_not_a_crash(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    Path(repo, "file").write_text("change\n")
    git(repo, "add", "file")
    git(repo, "commit", "-q", "-m", "a change")
    git(repo, "notes", "--ref=sessions", "add", "-m", "[" * 5000, "HEAD")
    result = run(repo, "handoff")
    assert result.exit_code == 0, result.output
    assert "a change" in result.stdout


def test_a_damaged_ref_file_is_reported_by_doctor_and_skipped_by_push(tmp_path: Path) -> None:
    repo, remote = with_remote(tmp_path)
    for ref in ("refs/notes/sessions", "refs/sessions/x/" + "0" * 26):
        path = repo / ".git" / ref
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("garbage\n")
    pushed = run(repo, "push")
    assert pushed.exit_code == 3
    assert "not pushed: refs/notes/sessions: refs/notes/sessions cannot be read: its file is damaged" in pushed.stderr
    assert len(session_refs(remote)) == 2
    doctor = run(repo, "doctor")
    assert doctor.exit_code == 1
    for ref in ("refs/notes/sessions", "refs/sessions/x/" + "0" * 26):
        assert f"problem: {ref}: {ref} cannot be read: its file is damaged" in doctor.stdout
    assert "refs/notes/sessions" in run(repo, "doctor", "--fix").stdout


def test_a_session_commit_naming_an_unknown_encoding_is_read_as_utf8(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "note", "kept")
    (ref,) = session_refs(repo)
    raw = git(repo, "cat-file", "commit", ref)
    head, _, body = raw.partition("\n\n")
    forged = git(repo, "hash-object", "-t", "commit", "-w", "--stdin", input=f"{head}\nencoding no-such\n\n{body}")
    git(repo, "update-ref", ref, forged.strip())
    assert [op["fields"].get("text") for op in as_json(repo, "log")][-1] == "kept"
    ok(repo, "note", "after")


def test_a_queued_rewrite_record_that_is_not_utf8_does_not_take_every_command_down(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "install")
    queue = repo / ".git" / "git-session" / "queue"
    queue.mkdir(parents=True, exist_ok=True)
    (queue / "rewrite-1").write_bytes(b"ab\xff cd\nnot ids\n")
    assert as_json(repo, "status")["title"] == "work"


def test_a_push_of_many_sessions_by_pattern_still_keeps_the_unreadable_one_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from git_session import sharing

    monkeypatch.setattr(sharing, "EXACT_REFSPECS_UP_TO", 0)  # as with more than 64 sessions to send
    repo, remote = with_remote(tmp_path)
    ref = ref_of(repo, "main work")
    tip = git(repo, "rev-parse", ref).strip()
    git(repo, "update-ref", ref, git(repo, "commit-tree", f"{tip}^{{tree}}", "-p", tip, "-m", "x\n\n{bad").strip())
    pushed = run(repo, "push")
    assert pushed.exit_code == 3 and f"not pushed: {ref}: " in pushed.stderr
    assert ref not in session_refs(remote) and len(session_refs(remote)) == 1


def test_a_damaged_pack_is_reported_in_one_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "note", "packed")
    git(repo, "gc", "-q")
    (pack,) = (repo / ".git" / "objects" / "pack").glob("*.pack")
    data = bytearray(pack.read_bytes())
    for index in range(200, len(data) - 40, 97):
        data[index] ^= 0x5A
    pack.chmod(0o644)
    pack.write_bytes(bytes(data))
    for command in ("log", "status"):
        result = cli(repo, command)
        assert result.returncode == 3, result.stderr
        assert result.stderr.startswith("git-session: session ") and len(result.stderr.splitlines()) <= 2
