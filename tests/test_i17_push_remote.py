"""A push asks the remote what it has, as ``git push`` does (issue 14, round 17): it decided
from the copies here (fetched, or recorded by the last push) and the log of what it sent,
so a remote re-pointed, made anew, or with a session deleted there got "Everything up to
date" until a fetch. Both the early answer (``quickpush``) and the full command."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from git_session import gitcli, quickpush, remotes, secrets, sharing
from git_session.gitrepo import Repo
from git_session.names import ObjectId
from tests.helpers import git, ok, session_refs
from tests.test_i14_share import sessions_on_branches
from tests.test_i14_share_noop import in_repo, probe, settle
from tests.test_sharing import all_refs, two_clones


def pushed_twice(tmp_path: Path, sessions: int = 2) -> tuple[Path, Path, Path]:
    """Alice's sessions and notes pushed, and her clone settled (the early answer may answer)."""
    remote, alice, bob = two_clones(tmp_path)
    sessions_on_branches(alice, sessions)
    git(alice, "notes", "--ref=sessions", "add", "-m", "a line", "HEAD")
    assert ok(alice, "push") == f"Pushed {sessions} session(s) and the notes to origin\n"
    settle(alice)
    assert in_repo(alice) == "origin"
    return remote, alice, bob


def git_commands(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every git command run through ``gitcli.run``, its options before the subcommand left out."""
    commands: list[list[str]] = []
    real = gitcli.run

    def counted(args: list[str], **kwargs: Any) -> Any:
        rest = list(args)
        while rest[:1] == ["-c"]:
            rest = rest[2:]
        commands.append(rest)
        return real(args, **kwargs)

    monkeypatch.setattr(gitcli, "run", counted)
    return commands


def remote_refs(remote: Path) -> dict[str, str]:
    return {**all_refs(remote, "refs/sessions/"), **all_refs(remote, "refs/notes/sessions")}


def local_refs(repo: Path) -> dict[str, str]:
    return {**all_refs(repo, "refs/sessions/"), **all_refs(repo, "refs/notes/sessions")}


def scanned_texts(repo: Path) -> list[str]:
    texts: list[str] = []

    def scan(found: Iterable[tuple[str, str]]) -> list[secrets.Finding]:
        texts.extend(text for _, text in found)
        return []

    handle = Repo.discover(str(repo))
    sharing.push(handle, sharing.resolve_remote(handle, None), scan)
    return texts


def test_a_url_re_pointed_to_an_empty_repository_is_sent_everything(tmp_path: Path) -> None:
    _, alice, _ = pushed_twice(tmp_path)
    empty = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(empty))
    git(alice, "remote", "set-url", "origin", str(empty))

    assert in_repo(alice) is None  # the early answer leaves it to the command
    answer = probe(alice, "push")
    assert answer[:3] == (0, "Pushed 2 session(s) and the notes to origin\n", "")
    assert remote_refs(empty) == local_refs(alice)
    assert probe(alice, "push")[:3] == (0, "Everything up to date on origin\n", "")


def test_a_remote_made_anew_is_sent_everything_and_scanned_in_full(tmp_path: Path) -> None:
    """What was sent to the old remote is no reason not to scan it for the new one."""
    remote, alice, _ = pushed_twice(tmp_path)
    subprocess.run(["rm", "-rf", str(remote)], check=True)
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))

    assert in_repo(alice) is None
    texts = scanned_texts(alice)
    assert "Work 0" in texts and "Work 1" in texts, texts
    assert any("a line" in text for text in texts), texts  # the note
    assert remote_refs(remote) == local_refs(alice)


def test_a_session_deleted_on_the_remote_is_sent_again(tmp_path: Path) -> None:
    remote, alice, _ = pushed_twice(tmp_path)
    gone = session_refs(alice)[0]
    git(remote, "update-ref", "-d", gone)

    assert in_repo(alice) is None
    assert ok(alice, "push") == "Pushed 1 session(s) to origin\n"
    assert remote_refs(remote) == local_refs(alice)


def test_a_session_moved_on_the_remote_by_someone_else_is_merged_never_clobbered(tmp_path: Path) -> None:
    remote, alice, bob = pushed_twice(tmp_path, sessions=1)
    ref = session_refs(alice)[0]
    ok(bob, "pull")
    git(bob, "switch", "-q", "-c", "topic-0")
    ok(bob, "note", "Bob's note")
    assert ok(bob, "push") == "Pushed 1 session(s) to origin\n"
    bobs = all_refs(remote, ref)[ref]
    ok(alice, "note", "Alice's note")  # hers moves on too: the two diverge

    out = ok(alice, "push")

    assert out.endswith("Pushed 1 session(s) to origin\n"), out
    theirs = all_refs(remote, ref)[ref]
    git(remote, "merge-base", "--is-ancestor", bobs, theirs)  # Bob's note is still there
    assert theirs == all_refs(alice, ref)[ref]


def test_a_session_only_behind_the_remote_is_not_answered_up_to_date_early(tmp_path: Path) -> None:
    """The remote moved on (Bob pushed): the copy here still says it holds Alice's tip.
    ``git push`` would find the remote ahead; the command pulls it in, and sends nothing."""
    remote, alice, bob = pushed_twice(tmp_path, sessions=1)
    ref = session_refs(alice)[0]
    ok(bob, "pull")
    git(bob, "switch", "-q", "-c", "topic-0")
    ok(bob, "note", "Bob's note")
    ok(bob, "push")

    assert in_repo(alice) is None
    ok(alice, "push")
    assert all_refs(alice, ref) == all_refs(remote, ref)


def test_the_no_op_stays_a_no_op_asking_the_remote_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, alice, _ = pushed_twice(tmp_path)
    before = local_refs(alice), all_refs(alice, "refs/session-remotes/")
    answer = probe(alice, "push")
    assert answer[:3] == (0, "Everything up to date on origin\n", "") and answer.answered_early

    calls = git_commands(monkeypatch)
    repo = Repo.discover(str(alice))
    report = sharing.push(repo, sharing.resolve_remote(repo, None), sharing.scan_secrets)

    assert not report.pushed and not report.notes_pushed
    assert [c[:2] for c in calls if c[0] == "push"] == [["push", "--dry-run"]]  # the one look, no transfer
    assert (local_refs(alice), all_refs(alice, "refs/session-remotes/")) == before


def test_the_early_answer_asks_what_a_push_would_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, alice, _ = pushed_twice(tmp_path)
    calls = git_commands(monkeypatch)
    assert in_repo(alice) == "origin"
    assert [c[:2] for c in calls] == [["for-each-ref", "--format=%(objectname)%09%(refname)"], ["push", "--dry-run"]]


@pytest.mark.parametrize("what", ["a session", "the notes"])
def test_when_something_leaves_the_command_takes_the_early_answers_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    """The command asks the remote before it pushes: the early answer asking too made a push
    with something to send connect three times (a passphrase asked three times). Round 18:
    the early answer always asks (it reads no copy here), and hands what it heard to the
    command run next in the same process (``launch``); tests/test_i18_push_connections.py
    counts the connections of the whole command."""
    _, alice, _ = pushed_twice(tmp_path)
    if what == "a session":
        ok(alice, "note", "one more line")
    else:
        git(alice, "notes", "--ref=sessions", "append", "-m", "another line", "HEAD")
    settle(alice)
    calls = git_commands(monkeypatch)
    monkeypatch.chdir(alice)
    assert quickpush.up_to_date(None, hand_over=True) is None
    repo = Repo.discover(str(alice))
    sharing.push(repo, sharing.resolve_remote(repo, None), sharing.scan_secrets)
    assert [c[:2] for c in calls if c[0] == "push"] == [["push", "--dry-run"], ["push", "--porcelain"]]


def test_the_push_url_is_asked_not_the_fetch_url(tmp_path: Path) -> None:
    """``git push`` goes to ``remote.<name>.pushurl``: so does the question."""
    _, alice, _ = pushed_twice(tmp_path)
    elsewhere = tmp_path / "elsewhere.git"
    git(tmp_path, "init", "-q", "--bare", str(elsewhere))
    git(alice, "config", "remote.origin.pushurl", str(elsewhere))

    assert in_repo(alice) is None
    assert ok(alice, "push") == "Pushed 2 session(s) and the notes to origin\n"
    assert remote_refs(elsewhere) == local_refs(alice)


def test_an_unreachable_remote_fails_as_git_push_fails(tmp_path: Path) -> None:
    _, alice, _ = pushed_twice(tmp_path)
    git(alice, "remote", "set-url", "origin", str(tmp_path / "nowhere.git"))
    assert in_repo(alice) is None
    answer = probe(alice, "push")
    assert answer.code != 0 and "cannot push sessions to origin" in answer.stderr


def test_the_view_of_several_push_urls_holds_only_what_all_hold() -> None:
    tip, old = "a" * 40, "b" * 40
    statuses = [
        ("=", "refs/sessions/k/1", "[up to date]"),
        ("=", "refs/sessions/k/2", "[up to date]"),
        (" ", "refs/sessions/k/3", f"{old}..{tip}"),
        ("=", "refs/sessions/k/1", "[up to date]"),
        ("*", "refs/sessions/k/2", "[new reference]"),
        (" ", "refs/sessions/k/3", f"{old}..{tip}"),
    ]
    steady = {f"refs/sessions/k/{n}": ObjectId(tip) for n in "123"}
    view = remotes.RemoteView.of(statuses, steady)
    assert dict(view.held) == {"refs/sessions/k/1": tip}
    assert dict(view.had) == {"refs/sessions/k/3": old}
    assert view.present == {"refs/sessions/k/1", "refs/sessions/k/3"}
    assert not remotes.in_step(statuses) and remotes.in_step(statuses[:2])


def test_a_session_written_while_the_remote_was_asked_is_not_held() -> None:
    """Which of its tips the dry run compared is not known: it is looked at again."""
    steady: dict[str, ObjectId] = {}
    view = remotes.RemoteView.of([("=", "refs/sessions/k/1", "[up to date]")], steady)
    assert not view.held and view.present == {"refs/sessions/k/1"}


def test_a_session_ref_at_a_missing_object_is_left_to_the_command(tmp_path: Path) -> None:
    """A push leaves it out (and the command says it stays): the early answer must not
    call the rest "up to date" without a word about it."""
    _, alice, _ = pushed_twice(tmp_path)
    broken = session_refs(alice)[0].rsplit("/", 1)[0] + "/zzzzzzzzzzzzzzzzzzzzzzzzzz"
    git(alice, "update-ref", broken, git(alice, "rev-parse", "HEAD").strip())
    (alice / ".git" / broken).write_text("1234567890123456789012345678901234567890\n")

    assert in_repo(alice) is None
    answer = probe(alice, "push")
    assert not answer.answered_early and answer.code != 0
    assert f"not pushed: {broken}" in answer.stderr, answer.stderr
