"""Round 21's sweep of trust defects: what an import pushes and may change (a local path, a
status the lifecycle refuses), secrets the scanner missed, what a redaction leaves behind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from git_session import importing, secrets
from tests.helpers import as_json, fails, git, make_repo_with_remote, ok, run, session_refs


def _pushed_text(repo: Path) -> str:
    """Everything the session refs hold, as a teammate fetching them gets it: every commit's
    message and every blob of every commit's tree."""
    shown = [git(repo, "log", "--format=%B", "--all", "--", ".")]
    for ref in session_refs(repo):
        for commit in git(repo, "rev-list", ref).split():
            shown.append(git(repo, "ls-tree", "-r", commit))
            for line in git(repo, "ls-tree", "-r", commit).splitlines():
                shown.append(git(repo, "cat-file", "-p", line.split()[2]))
    return "\n".join(shown)


def _file(path: Path, front: str = "title: From the file\n", body: str = "## Objectives\n- one\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n\n{body}")
    return path


# --- 1. import: a file outside the work tree -------------------------------------------------


def test_an_import_from_outside_the_work_tree_pushes_no_local_folder(repo: Path, tmp_path: Path) -> None:
    """The import note and the session's commit subjects named the file's absolute path
    (``/home/alice/notes/x.md``), pushed with the session: now only its name."""
    outside = _file(tmp_path / "home" / "alice" / "notes" / "x.md", front="")
    ok(repo, "import", str(outside))
    pushed = _pushed_text(repo)
    assert "alice" not in pushed and str(tmp_path) not in pushed
    assert [n["text"] for n in as_json(repo, "show")["notes"]] == ["Imported from x.md (outside the work tree)"]


def test_a_memory_bank_outside_the_work_tree_is_not_titled_by_its_owner_s_folder(repo: Path, tmp_path: Path) -> None:
    """A Cline bank's title was the folder above ``memory-bank``: outside the work tree that
    is the importer's home folder."""
    bank = tmp_path / "home" / "alice" / "memory-bank"
    bank.mkdir(parents=True)
    (bank / "activeContext.md").write_text("# Active Context\n\n## Current Focus\nthe parser\n")
    ok(repo, "import", str(bank / "activeContext.md"))
    assert "alice" not in _pushed_text(repo)
    assert as_json(repo, "show")["title"] == "Cline memory bank: memory-bank"


def test_a_file_imported_from_outside_keeps_its_session_and_note_when_imported_again(
    repo: Path, tmp_path: Path
) -> None:
    """The session id (and the import note's) come from the absolute path, which is never
    shown, only hashed (with this clone's key since round 22: tests/test_corefix22_import.py):
    the file is found again, updated in place (one import note), and re-importing it
    unchanged writes nothing."""
    outside = _file(tmp_path / "home" / "alice" / "x.md", front="")
    ok(repo, "import", str(outside))
    session = as_json(repo, "show")["id"]
    assert session != importing.derived_id("path", outside.resolve().as_posix())  # no longer the path's own hash
    refs = {ref: git(repo, "rev-parse", ref) for ref in session_refs(repo)}
    assert "unchanged" in ok(repo, "import", str(outside))
    assert {ref: git(repo, "rev-parse", ref) for ref in session_refs(repo)} == refs
    _file(outside, front="", body="## Objectives\n- one\n- two\n")
    ok(repo, "import", str(outside))
    shown = as_json(repo, "show")
    assert shown["id"] == session and len(shown["notes"]) == 1
    assert [o["text"] for o in shown["objectives"]] == ["one", "two"]


# --- 2. import: the lifecycle of the session ------------------------------------------------


def _unchanged(repo: Path) -> dict[str, str]:
    return {ref: git(repo, "rev-parse", ref) for ref in session_refs(repo)}


def test_a_file_cannot_bring_an_ended_session_back(repo: Path, tmp_path: Path) -> None:
    """A completed session's file changed to ``status: active`` made it active again, which
    ``resume`` refuses (an ended session is continued in a new one)."""
    path = _file(tmp_path / "s.md", front="title: T\nstatus: completed\n")
    ok(repo, "import", str(path))
    before = _unchanged(repo)
    for status in ("active", "paused", "abandoned\nreason: gone"):
        _file(path, front=f"title: T\nstatus: {status}\n")
        error = fails(repo, "import", str(path))
        assert f"{path}: session " in error and "is completed; cannot make it" in error
        assert "nothing imported from it" in error
        assert _unchanged(repo) == before


def test_an_ended_session_takes_no_more_entries_from_a_file(repo: Path, tmp_path: Path) -> None:
    path = _file(tmp_path / "s.md", front="title: T\nstatus: completed\n")
    ok(repo, "import", str(path))
    before = _unchanged(repo)
    _file(path, front="title: T\nstatus: completed\n", body="## Objectives\n- one\n- two\n")
    assert "is completed: it takes no more entries" in fails(repo, "import", str(path))
    assert _unchanged(repo) == before


def test_a_file_moves_a_session_as_the_lifecycle_commands_would(repo: Path, tmp_path: Path) -> None:
    """pause, resume, end and abandon (with a reason) are taken; the items a file ending
    the session adds are added before it ends."""
    path = _file(tmp_path / "s.md", front="title: T\nstatus: active\n")
    ok(repo, "import", str(path))
    for status in ("paused", "active"):
        _file(path, front=f"title: T\nstatus: {status}\n")
        ok(repo, "import", str(path))
        assert as_json(repo, "show")["status"] == status
    _file(path, front="title: T\nstatus: abandoned\n")
    assert "an abandoned session needs a reason" in fails(repo, "import", str(path))
    _file(path, front="title: T\nstatus: abandoned\nreason: superseded\n", body="## Objectives\n- one\n- two\n")
    ok(repo, "import", str(path))
    shown = as_json(repo, "show")
    assert (shown["status"], shown["reason"], len(shown["objectives"])) == ("abandoned", "superseded", 2)


def test_a_file_opens_no_second_session_on_a_branch(repo: Path, tmp_path: Path) -> None:
    """``start`` refuses a second open session on a branch; a file did not (new or resumed)."""
    ok(repo, "start", "Mine")
    before = _unchanged(repo)
    error = fails(repo, "import", str(_file(tmp_path / "new.md", front="title: T\n")))
    assert "is already active on branch 'main'; the file's is active" in error
    assert _unchanged(repo) == before
    ok(repo, "import", str(_file(tmp_path / "done.md", front="title: Done\nstatus: completed\n")))
    paused = _file(tmp_path / "other.md", front="title: P\nstatus: paused\ngit_branch: other\n")
    git(repo, "branch", "other")
    ok(repo, "import", str(paused))
    git(repo, "switch", "-q", "other")
    ok(repo, "start", "Other")
    before = _unchanged(repo)
    _file(paused, front="title: P\nstatus: active\ngit_branch: other\n")
    assert "is already active on branch 'other'" in fails(repo, "import", str(paused))
    assert _unchanged(repo) == before


@pytest.mark.parametrize("status", ["handoff", "completed"])
def test_a_new_session_may_be_imported_ended(repo: Path, tmp_path: Path, status: str) -> None:
    ok(repo, "start", "Mine")
    ok(repo, "import", str(_file(tmp_path / "s.md", front=f"title: T\nstatus: {status}\n")))
    assert len(session_refs(repo)) == 2


# --- 5. redact: the session ref's reflog ------------------------------------------------------

SECRET_TEXT = "deploy with password Zq8vT3mW9xLr2"


def _every_object_text(repo: Path) -> str:
    listed = git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)")
    blobs = [line.split()[0] for line in listed.splitlines() if line.split()[1] in ("blob", "commit")]
    return git(repo, "cat-file", "--batch", input="\n".join(blobs) + "\n")


def _reflog_chain(path: Path) -> list[tuple[str, str]]:
    return [(line.split()[0], line.split()[1]) for line in path.read_text().splitlines()]


def test_redact_leaves_no_reflog_entry_quoting_the_text_nor_keeping_the_old_history(repo: Path) -> None:
    """The session ref's reflog kept each old commit's subject ("objective add: <text>") and
    its values kept the old history from ``git gc`` until the reflog expired (90 days)."""
    ok(repo, "start", "Work")
    ok(repo, "objective", "add", SECRET_TEXT)
    ok(repo, "objective", "add", "a later objective")
    ok(repo, "note", "and a note")
    entry = as_json(repo, "show")["objectives"][0]["id"]
    (ref,) = session_refs(repo)
    logs = repo / ".git" / "logs" / ref
    assert SECRET_TEXT in logs.read_text()
    ok(repo, "redact", entry[:8])
    assert SECRET_TEXT not in logs.read_text()
    assert git(repo, "reflog", "show", ref).count("\n") >= 2  # what did not hold it is kept: start, the rewrite
    git(repo, "fsck", "--strict", "--no-progress")
    git(repo, "gc", "-q", "--prune=now")  # the reflog as it is, not expired
    assert SECRET_TEXT not in _every_object_text(repo)
    assert [o["text"] for o in as_json(repo, "show")["objectives"]] == ["a later objective"]
    chain = _reflog_chain(logs)
    assert chain[-1][1] == git(repo, "rev-parse", ref).strip()
    assert all(chain[n][0] == chain[n - 1][1] for n in range(1, len(chain)))  # each starts where one ended


def test_redact_leaves_the_notes_reflog_no_old_note_quoting_the_text(repo: Path) -> None:
    """The notes history was rewritten without the note lines quoting the entry, but the
    notes ref's reflog (git logs ``refs/notes/``) kept the old notes commits from ``git gc``."""
    ok(repo, "install")
    ok(repo, "start", "Work")
    ok(repo, "objective", "add", SECRET_TEXT)
    ok(repo, "objective", "add", "a later objective")
    for name in ("a", "b"):
        (repo / name).write_text(name)
        git(repo, "add", name)
        git(repo, "commit", "-q", "-m", f"add {name}")
    ok(repo, "list")  # links the commits: their notes quote the objectives
    quoted = f'"text":"{SECRET_TEXT}"'
    assert quoted in git(repo, "notes", "--ref=sessions", "show", "HEAD")
    logs = repo / ".git" / "logs" / "refs" / "notes" / "sessions"
    assert logs.exists()
    entry = as_json(repo, "show")["objectives"][0]["id"]
    ok(repo, "redact", entry[:8])
    chain = _reflog_chain(logs)
    assert all(chain[n][0] == chain[n - 1][1] for n in range(1, len(chain)))  # each starts where one ended
    git(repo, "fsck", "--strict", "--no-progress")
    git(repo, "gc", "-q", "--prune=now")
    assert quoted not in _every_object_text(repo)
    assert "a later objective" in git(repo, "notes", "--ref=sessions", "show", "HEAD")


# --- 4. redact: the commits whose trailers quote the text -------------------------------------

TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


@pytest.mark.parametrize(
    ("kind", "text", "trailer"),
    [
        ("objective", f"rotate {TOKEN} today", "Session-Objectives: [open] rotate [redacted] today"),
        ("objective", "fix ab", "Session-Objectives: [open] fix ab"),
        ("decision", "use ab", "Decisions: use ab"),
    ],
)
def test_redact_names_the_commits_whose_trailer_quotes_the_text(repo: Path, kind: str, text: str, trailer: str) -> None:
    """The warning looked for the text as stored, so a trailer whose secret the hook masked
    was missed, and a text under 8 characters was never looked for."""
    ok(repo, "install")
    ok(repo, "start", "Work")
    ok(repo, kind, "add", text)
    ok(repo, "objective", "add", "fix abc and more")  # quotes the short text, is not it
    (repo / "a").write_text("a")
    git(repo, "add", "a")
    git(repo, "commit", "-q", "-m", "add a")
    message = git(repo, "log", "-1", "--format=%B")
    assert trailer in message.splitlines()
    ok(repo, "list")  # links the commit
    entry = as_json(repo, "show")[f"{kind}s"][0]["id"]
    result = run(repo, "redact", entry[:8])
    commit = git(repo, "rev-parse", "--short=12", "HEAD").strip()
    assert f"the message of commit {commit} quotes it in its trailers" in result.stderr


def test_redact_of_a_short_text_quoted_only_inside_another_is_not_named(repo: Path) -> None:
    ok(repo, "install")
    ok(repo, "start", "Work")
    ok(repo, "objective", "add", "fix abc and more")
    (repo / "a").write_text("a")
    git(repo, "add", "a")
    git(repo, "commit", "-q", "-m", "add a")
    ok(repo, "list")
    ok(repo, "objective", "add", "fix ab")
    entry = next(o for o in as_json(repo, "show")["objectives"] if o["text"] == "fix ab")["id"]
    assert "quotes it" not in run(repo, "redact", entry[:8]).stderr


# --- 3. the secret scanner: prose and bare hex keys -------------------------------------------

HEX40 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"
HEX64 = HEX40 + "2b0b822cd15d6c15b0f00a08"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("the password is hunter2x", "hunter2x"),
        ("The staging password was changed to Tr0ub4dor.", "Tr0ub4dor"),
        ("log in with password Zq8vT3mW9xLr2", "Zq8vT3mW9xLr2"),
        ("the token is 'a1b2c3d4'", "a1b2c3d4"),
        (f"API key {HEX40}", HEX40),
        (f"the secret is {HEX64}", HEX64),
        (f"Authorization: Bearer {HEX40}", HEX40),
    ],
)
def test_the_scanner_finds_credentials_given_in_prose(text: str, secret: str) -> None:
    (found,) = secrets.scan([("note", text)])
    assert found.fingerprint == secrets.fingerprint(found.what, secret)
    assert secret not in secrets.masked(text)[0]


@pytest.mark.parametrize(
    "text",
    [
        f"fixed in {HEX40}",
        f"commit {HEX40} reverted {HEX64}",
        f"cherry-picked from {HEX40} (key change)",
        f"signing key {HEX40.upper()}",
        "key 0000000000000000000000000000000000000000",
        "the password is required",
        "password reset flow, token bucket v2, key rotation for v1.2",
        "the token is expired.",
        "the secret is in the vault",
        "the password is e.g. long",
    ],
)
def test_the_scanner_leaves_ids_and_prose_about_credentials_alone(text: str) -> None:
    assert secrets.scan([("note", text)]) == []


def test_a_session_quoting_its_linked_commits_pushes_and_one_giving_a_password_does_not(
    tmp_path: Path,
) -> None:
    """A linked commit's id is never a finding, wherever the session shows it."""
    repo, remote = make_repo_with_remote(tmp_path)
    ok(repo, "install")
    ok(repo, "start", "Work")
    ok(repo, "objective", "add", "ship it")
    (repo / "a").write_text("a")
    git(repo, "add", "a")
    git(repo, "commit", "-q", "-m", "add a")
    sha = git(repo, "rev-parse", "HEAD").strip()
    ok(repo, "note", f"fixed in {sha}; token rotation done in commit {sha}")
    ok(repo, "push")
    ok(repo, "note", "the password is hunter2x")
    assert "password assignment" in fails(repo, "push")
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=remote, capture_output=True)
    assert objects.returncode == 0 and b"hunter2x" not in objects.stdout
