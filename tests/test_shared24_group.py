"""Round 24: a repository shared by a group (``core.sharedRepository``): what git-session
writes in its private folder (``<common dir>/git-session/``) and what its hooks write get
the modes git gives its own files, whatever the writer's umask, so that a second user of
the group commits with the hooks (the commit linked by the next command) and runs commands
that write the queue, caches and locks.

On f1a830e, Bob (same group, umask 022) after Alice: his commit's pending record could not
be written in Alice's ``queue/`` (0755), so his commit was never linked; his commands could
not replace Alice's caches. These tests run two real users (root makes them by number).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from git_session.gitrepo import hook_umask, shared_umask
from tests.helpers import git, ok
from tests.test_i14_hooks import AWK, counted, started
from tests.test_trailers import Session, change, hooked, session

pytestmark = pytest.mark.usefixtures("as_root")  # (two users of one group: root makes them)
__all__ = ["counted", "hooked", "session"]  # (fixtures)

GROUP = 42420
ALICE, BOB = 42421, 42422


def _as(uid: int) -> Callable[[], None]:
    def become() -> None:
        os.setgroups([GROUP])
        os.setgid(GROUP)
        os.setuid(uid)
        os.umask(0o022)  # (the usual umask: the group may read, not write)

    return become


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder every user can enter (pytest's own is root's alone), with a home for each user."""
    where = Path(tempfile.mkdtemp(prefix="git-session-shared-"))
    where.chmod(0o755)
    os.chown(where, ALICE, GROUP)  # (Alice makes the repository in it)
    for uid in (ALICE, BOB):
        home = where / f"home{uid}"
        home.mkdir()
        (home / ".gitconfig").write_text(
            f"[user]\n\tname = u{uid}\n\temail = u{uid}@example.com\n[safe]\n\tdirectory = *\n"
        )
        os.chown(home, uid, GROUP)
        os.chown(home / ".gitconfig", uid, GROUP)
    yield where
    subprocess.run(["rm", "-rf", str(where)], check=False)


def run_as(uid: int, where: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(where / f"home{uid}"),
        "TMPDIR": str(where / f"home{uid}"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "LANG": "C.UTF-8",
    }
    return subprocess.run(list(argv), cwd=cwd, env=env, preexec_fn=_as(uid), capture_output=True, text=True)


def ok_as(uid: int, where: Path, cwd: Path, *argv: str) -> str:
    done = run_as(uid, where, cwd, *argv)
    assert done.returncode == 0, f"{argv} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def session_as(uid: int, where: Path, cwd: Path, *argv: str) -> str:
    return ok_as(uid, where, cwd, sys.executable, "-m", "git_session", *argv)


def alice_repo(where: Path, level: str) -> Path:
    """Alice's repository shared with the group, a session started and the hooks installed."""
    repo = where / "repo"
    ok_as(ALICE, where, where, "git", "init", "-q", f"--shared={level}", "-b", "main", str(repo))
    (repo / "a.txt").write_text("a\n")
    os.chown(repo / "a.txt", ALICE, GROUP)
    ok_as(ALICE, where, repo, "git", "add", "a.txt")
    ok_as(ALICE, where, repo, "git", "commit", "-q", "-m", "first")
    session_as(ALICE, where, repo, "start", "work", "-o", "O1")
    session_as(ALICE, where, repo, "install")
    return repo


def others_message_gone(repo: Path) -> None:
    """git's own COMMIT_EDITMSG keeps its writer's umask (git writes it without
    adjust_shared_perm): the other user could not commit after, with or without git-session."""
    (repo / ".git" / "COMMIT_EDITMSG").unlink(missing_ok=True)


def bob_commits(where: Path, repo: Path, name: str) -> str:
    others_message_gone(repo)
    (repo / name).write_text("b\n")
    os.chown(repo / name, BOB, GROUP)
    ok_as(BOB, where, repo, "git", "add", name)
    ok_as(BOB, where, repo, "git", "commit", "-q", "-m", f"bob's {name}")
    return ok_as(BOB, where, repo, "git", "rev-parse", "HEAD").strip()


def private_paths(repo: Path) -> list[Path]:
    folder = repo / ".git" / "git-session"
    return [folder, *sorted(folder.rglob("*"))]


def git_mode(where: Path, level: str, folder: bool) -> int:
    """The mode git itself gives a new file (a loose ref) or folder (a ref's folder) in a
    repository shared so, made by Alice with umask 022."""
    repo = where / f"git-{level}"
    ok_as(ALICE, where, where, "git", "init", "-q", f"--shared={level}", str(repo))
    ok_as(ALICE, where, repo, "git", "commit", "-q", "--allow-empty", "-m", "x")
    ok_as(ALICE, where, repo, "git", "update-ref", "refs/made/here/ref", "HEAD")
    made = repo / ".git" / "refs" / "made" / "here"
    return stat.S_IMODE(os.stat(made if folder else made / "ref").st_mode)


@pytest.mark.parametrize("level", ["group", "all", "0640"])
def test_every_file_and_folder_of_the_private_folder_gets_the_mode_git_gives_its_own(shared: Path, level: str) -> None:
    repo = alice_repo(shared, level)
    session_as(ALICE, shared, repo, "decision", "add", "D1", "--rationale", "why")
    change_as_alice = repo / "c.txt"
    change_as_alice.write_text("c\n")
    os.chown(change_as_alice, ALICE, GROUP)
    ok_as(ALICE, shared, repo, "git", "add", "c.txt")
    ok_as(ALICE, shared, repo, "git", "commit", "-q", "-m", "second")  # (the hooks write the queue)
    session_as(ALICE, shared, repo, "log")  # (linked: caches, indexes)
    session_as(ALICE, shared, repo, "handoff")  # (the compiled templates)
    folder, file = git_mode(shared, level, True), git_mode(shared, level, False)
    wrong = {
        str(p.relative_to(repo)): oct(stat.S_IMODE(p.stat().st_mode))
        for p in private_paths(repo)
        if not p.is_symlink()
        and stat.S_IMODE(p.stat().st_mode) & 0o7777 not in ((folder,) if p.is_dir() else (file, file | 0o111 & folder))
    }
    assert wrong == {}, (oct(folder), oct(file))
    assert len(private_paths(repo)) > 5


@pytest.mark.parametrize("level", ["group", "all"])
def test_a_second_user_of_the_group_commits_with_the_hooks_and_the_commit_is_linked(shared: Path, level: str) -> None:
    repo = alice_repo(shared, level)
    session_as(ALICE, shared, repo, "status")
    commit = bob_commits(shared, repo, "b.txt")
    message = ok_as(BOB, shared, repo, "git", "log", "-1", "--format=%B")
    assert "Session-Id:" in message
    assert list((repo / ".git" / "git-session" / "queue").glob("pending.*")), "Bob's commit was not queued"
    session_as(BOB, shared, repo, "status")  # (Bob's command links it: the queue, caches, locks)
    assert not list((repo / ".git" / "git-session" / "queue").glob("pending.*"))
    assert commit in ok_as(BOB, shared, repo, "git", "notes", "--ref=refs/notes/sessions", "list")
    # and Alice goes on after Bob: what Bob's command and his hooks wrote is hers to write too
    (repo / "a2.txt").write_text("a\n")
    os.chown(repo / "a2.txt", ALICE, GROUP)
    ok_as(ALICE, shared, repo, "git", "add", "a2.txt")
    others_message_gone(repo)
    ok_as(ALICE, shared, repo, "git", "commit", "-q", "--amend", "--no-edit")  # (post-rewrite's queue)
    session_as(ALICE, shared, repo, "status")
    assert not list((repo / ".git" / "git-session" / "queue").iterdir())


def test_the_umask_a_level_asks_for_gives_gits_modes() -> None:
    """shared_umask and the hooks' hook_umask give what git's adjust_shared_perm gives."""
    assert [oct(shared_umask("group", m)) for m in (0o022, 0o077, 0o002)] == ["0o2", "0o7", "0o2"]
    assert [oct(shared_umask("all", m)) for m in (0o022, 0o077)] == ["0o2", "0o2"]
    assert oct(shared_umask("0640", 0o002)) == "0o27"
    assert shared_umask("umask", 0o077) == 0o077
    assert [hook_umask(level) for level in ("group", "all", "0640", "false")] == [
        "u+rwx,g+rwx",
        "u+rwx,g+rwx,o+rx",
        "0027",
        None,
    ]


def test_a_commit_in_a_shared_repository_starts_nothing_more(
    session: Session, counted: tuple[dict[str, str], Path]
) -> None:
    git(session.repo, "config", "core.sharedRepository", "group")
    ok(session.repo, "status")  # (the hooks' umask written)
    assert (session.repo / ".git" / "git-session" / "umask").read_text() == "u+rwx,g+rwx\n"
    change(session.repo)
    assert started(session.repo, counted, "commit", "-q", "-m", "subject", "-m", "body") == [AWK]
    queued = next((session.repo / ".git" / "git-session" / "queue").glob("pending.*"))
    assert stat.S_IMODE(queued.stat().st_mode) & 0o060 == 0o060


def test_what_commands_write_outside_the_git_dir_keeps_the_users_umask(shared: Path) -> None:
    """The shared modes are the git dir's: an ADR folder and its records, a handoff written to
    a file (the work tree, the user's own files) come out as the user's umask makes them."""
    repo = alice_repo(shared, "group")
    session_as(ALICE, shared, repo, "decision", "add", "D1", "--rationale", "why")
    session_as(ALICE, shared, repo, "adr", "--dir", "docs/adr")
    session_as(ALICE, shared, repo, "handoff", "-o", "handoff.md")
    made = [repo / "docs", repo / "docs" / "adr", *sorted((repo / "docs" / "adr").iterdir()), repo / "handoff.md"]
    assert len(made) == 4
    assert {str(p.relative_to(repo)): oct(stat.S_IMODE(p.stat().st_mode)) for p in made} == {
        "docs": "0o755",
        "docs/adr": "0o755",
        next(str(p.relative_to(repo)) for p in made if p.suffix == ".md" and p.parent.name == "adr"): "0o644",
        "handoff.md": "0o644",
    }
    assert stat.S_IMODE((repo / ".git" / "git-session" / "queue").stat().st_mode) == 0o2775


def test_a_second_user_commits_in_the_editor_after_the_first_and_gets_the_trailers(shared: Path) -> None:
    """The hooks' own file in the git dir (``git-session-editing``: what the editor opened on,
    for commit-msg), made by Alice's hooks, is written by Bob's: with her umask's 0644 his
    write failed, and commit-msg added nothing to his message."""
    repo = alice_repo(shared, "group")
    editor = shared / "editor"
    editor.write_text('#!/bin/sh\nprintf "edited subject\\n" > "$1"\n')
    editor.chmod(0o755)
    for uid, name in ((ALICE, "a3.txt"), (BOB, "b3.txt")):
        (repo / name).write_text("x\n")
        os.chown(repo / name, uid, GROUP)
        others_message_gone(repo)
        if uid == ALICE:  # (made by her hook, not by a command of hers, which has the group's umask)
            (repo / ".git" / "git-session-editing").unlink(missing_ok=True)
        ok_as(uid, shared, repo, "git", "add", name)
        ok_as(uid, shared, repo, "git", "-c", f"core.editor={editor}", "commit", "-q")
        assert "Session-Id:" in ok_as(uid, shared, repo, "git", "log", "-1", "--format=%B"), uid


def test_a_command_in_a_shared_repository_leaves_the_process_umask_as_it_found_it(repo: Path) -> None:
    """The shared umask lasts to the command's end (an in-process command, the MCP server's)."""
    git(repo, "config", "core.sharedRepository", "group")
    old = os.umask(0o022)
    try:
        ok(repo, "start", "work")
        assert os.umask(0o022) == 0o022
    finally:
        os.umask(old)
    assert stat.S_IMODE((repo / ".git" / "git-session").stat().st_mode) == 0o2775  # (it was in force)
