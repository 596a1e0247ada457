"""Review of round 21's sweep: what its new secret patterns, reflog rewrite and import
checks got wrong."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from git_session import importing, redact, secrets
from git_session.errors import UserError
from git_session.gitrepo import Repo
from git_session.sessions import Workspace
from tests.helpers import as_json, fails, git, make_repo, make_two_clones, ok, session_refs

HEX40 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"


@pytest.mark.parametrize(
    "text",
    [
        "the token is JWT-based",
        "the secret is HMAC-SHA256",
        "the token is HS256-signed",
        "Passwords are bcrypt-hashed (cost 12)",
        "password is SHA-1 hashed",
        "the secret is AES-256",
        "secret is base64-encoded",
        "the token is per-user",
        "the token is 1-time use",
        "secrets are 2-way encrypted",
        "the password was reset-to-default",
        "the token is Bearer-type",
        "token was changed to refreshToken",
        f"cache key {HEX40}",
        f"the sort key was {HEX40}",
        f"primary key {HEX40}",
        f"fixed the key {HEX40} regression",
        f"keys {HEX40} and 1234",
    ],
)
def test_prose_about_credentials_and_keys_that_are_object_ids_are_no_finding(text: str) -> None:
    """Round 21's prose and hex patterns reported what code review says of credentials
    (a value made of words, a name in code) and a 40-hex id after any "key" (a cache's,
    a sort's, a table's: in a git tool, a commit id); a push stopped on each."""
    assert secrets.scan([("note", text)]) == []


def _reflog(repo: Path, ref: str) -> list[tuple[str, str, str]]:
    """A reflog's entries, oldest first: (old, new, message)."""
    lines = (repo / ".git" / "logs" / ref).read_text().splitlines()
    return [(line[:40], line[41:81], line.partition("\t")[2]) for line in lines]


def test_redacting_a_short_text_keeps_the_reflog_entries_of_the_history_left(repo: Path) -> None:
    """A reflog entry whose message merely contained a short redacted text was dropped even
    when it names a commit of the rewritten history: redacting "git" emptied the session
    ref's reflog ("git-session: …" is every message), which doctor --fix restores from.
    A commit still in the history keeps its subject anyway: dropping its entry hid nothing."""
    ok(repo, "start", "Work")
    ok(repo, "note", "first note")
    ok(repo, "objective", "add", "git")
    ok(repo, "note", "later note")
    (ref,) = session_refs(repo)
    before = _reflog(repo, ref)
    entry = as_json(repo, "show")["objectives"][0]["id"]
    ok(repo, "redact", entry[:8])
    after = _reflog(repo, ref)
    history = set(git(repo, "rev-list", ref).split())
    assert [e[1] for e in before[:2]] == [e[1] for e in after[:2]]  # start, the first note: kept as they were
    assert after[-1][1] == git(repo, "rev-parse", ref).strip()  # the redaction's own entry
    assert {e[1] for e in after} <= history
    assert all(after[n][0] == after[n - 1][1] for n in range(1, len(after)))


def test_a_rewritten_reflog_keeps_its_mode(tmp_path: Path) -> None:
    """The reflog written again (redact, doctor --fix) took the umask's mode: in a repository
    shared by a group (core.sharedRepository, logs made 0664), a teammate could no longer
    append to it, and git fails a ref update it cannot log."""
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    ok(repo, "note", "a")
    (ref,) = session_refs(repo)
    log = repo / ".git" / "logs" / ref
    log.write_text(f"{'0' * 40} {'1' * 40} Someone <someone@example.com> 1700000000 +0000\tgone\n" + log.read_text())
    log.chmod(0o664)
    Repo.discover(str(repo)).drop_broken_reflog_entries(ref)
    assert "gone" not in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o664


def test_a_session_ended_while_a_file_is_imported_is_not_reopened(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's status was checked against the session as read before the write, and
    written whatever the session had become: an ``end`` in between (another terminal, an
    agent) was undone, the completed session paused again, as no lifecycle command may do
    (``pause`` checks again in its write: "became completed meanwhile")."""
    path = tmp_path / "s.md"
    path.write_text("---\ntitle: T\nstatus: active\n---\n\n## Objectives\n- one\n")
    ok(repo, "import", str(path))
    path.write_text("---\ntitle: T\nstatus: paused\n---\n\n## Objectives\n- one\n- two\n")
    checked = importing._check_status_change

    def ended_meanwhile(*args: object, **kwargs: object) -> None:
        checked(*args, **kwargs)  # type: ignore[arg-type]
        ok(repo, "end", "--complete", "--no-handoff")

    monkeypatch.setattr(importing, "_check_status_change", ended_meanwhile)
    with pytest.raises(UserError, match="became completed meanwhile"):
        importing.import_file(Workspace(Repo.discover(str(repo))), str(path))
    assert as_json(repo, "show")["status"] == "completed"


@pytest.mark.parametrize(
    ("ended_by", "front", "refusal"),
    [
        (("end", "--complete", "--no-handoff"), "status: active\n", "is completed; cannot make it active"),
        (("end", "--complete", "--no-handoff"), "", "is completed: it takes no more entries"),
        (("pause",), "status: abandoned\n", "an abandoned session needs a reason"),
        (("pause",), "status: active\n", "is already active on branch 'main'"),
    ],
)
def test_a_refused_file_naming_a_teammate_s_fetched_session_leaves_no_copy_of_it(
    tmp_path: Path, ended_by: tuple[str, ...], front: str, refusal: str
) -> None:
    """A file naming a session this clone knows only as a fetched copy merged the copy into
    ``refs/sessions/`` before the file was checked against it: a refused file (a status no
    lifecycle command would move the session to, entries for an ended session, a second
    open session on the branch) said "nothing imported from it", and the teammate's
    session was this clone's all the same."""
    _, alice, bob = make_two_clones(tmp_path)
    ok(alice, "start", "Shared", "-o", "Ship")
    session = as_json(alice, "status")["id"]
    ok(alice, *ended_by)
    ok(alice, "push")
    ok(bob, "fetch")
    if "already active" in refusal:
        ok(bob, "start", "Bob's own")
    before = session_refs(bob)
    plan = tmp_path / "plan.md"
    plan.write_text(f"---\nid: {session}\ntitle: Shared\n{front}---\n\n## Decisions\n- Use SQLite\n")
    error = fails(bob, "import", str(plan))
    assert error.startswith(f"git-session: {plan}: ")
    assert refusal in error and "nothing imported from it" in error
    assert session_refs(bob) == before


def test_a_fetched_copy_that_cannot_be_read_refuses_the_file_naming_it(tmp_path: Path) -> None:
    """The file is now checked against the fetched copy before the copy is validated and
    merged: a copy whose entry is not one (data from a remote) still refuses only that file,
    in one line, and is not merged."""
    _, alice, bob = make_two_clones(tmp_path)
    ok(alice, "start", "Shared", "-o", "Ship")
    session = as_json(alice, "status")["id"]
    ok(alice, "push")
    ok(bob, "fetch")
    copy = git(bob, "for-each-ref", "--format=%(refname)", "refs/session-remotes/").split()[0]
    entry = next(p for p in git(bob, "ls-tree", "-r", "--name-only", copy).split() if p.startswith("entries/"))
    index = {"GIT_INDEX_FILE": str(tmp_path / "index")}
    git(bob, "read-tree", copy, env=index)
    garbage = git(bob, "hash-object", "-w", "--stdin", input="not an entry").strip()
    git(bob, "update-index", "--cacheinfo", f"100644,{garbage},{entry}", env=index)
    tree = git(bob, "write-tree", env=index).strip()
    git(bob, "update-ref", copy, git(bob, "commit-tree", tree, "-p", copy, "-m", "tampered").strip())
    plan = tmp_path / "plan.md"
    plan.write_text(f"---\nid: {session}\ntitle: Shared\n---\n\n## Decisions\n- Use SQLite\n")
    error = fails(bob, "import", str(plan))
    assert error.startswith(f"git-session: {plan}: the fetched copy of session {session[:12]} cannot be used: ")
    assert session_refs(bob) == [], error


def test_redact_says_so_when_the_reflog_still_names_the_old_history(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reflog its writer held when redact rewrote it kept the old history, text and all,
    and redact said nothing (the text stays on the disk until the entries expire)."""
    ok(repo, "start", "Work")
    ok(repo, "objective", "add", "deploy with password Zq8vT3mW9xLr2")
    ok(repo, "note", "later")
    (ref,) = session_refs(repo)
    ws = Workspace(Repo.discover(str(repo)))
    rewrite = ws.store.rewrite
    lock = repo / ".git" / f"{ref}.lock"

    def held_after(*args: Any) -> Any:
        tip = rewrite(*args)
        lock.write_text("")  # another writer, just after the rewrite
        return tip

    monkeypatch.setattr(ws.store, "rewrite", held_after)
    entry = as_json(repo, "show")["objectives"][0]["id"]
    assert redact.redact(ws, ws.find(None), entry[:8]).reflogs_kept == (ref,)
    lock.unlink()
    assert "Zq8vT3mW9xLr2" in (repo / ".git" / "logs" / ref).read_text()  # what the warning is about
