"""Sharing sessions through remotes: push, fetch, pull, merge, and nothing private leaking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.daemon import git_daemon  # noqa: F401  (a fixture)
from tests.helpers import as_json, fails, git, make_repo, ok, run, session_refs

AWS_KEY = "AKIA" + "J7Q2ZK5VWX3MPL4N"
# The hooks call git-session by name: the one of the venv running the tests.
ENV_PATH = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7d1q3n8Qx2vR\n-----END RSA PRIVATE KEY-----"


def two_clones(tmp_path: Path, url: str | None = None, bare: Path | None = None) -> tuple[Path, Path, Path]:
    """A bare remote with one commit on main, and two clones of it (``url``: clone over that)."""
    remote = bare or tmp_path / "remote.git"
    if bare is None:
        git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = make_repo(tmp_path, "seed")
    git(seed, "push", "-q", str(remote), "main")
    clones = []
    for name in ("alice", "bob"):
        git(tmp_path, "clone", "-q", url or str(remote), name)
        clones.append(tmp_path / name)
    return remote, clones[0], clones[1]


def note_on_head(repo: Path, line: dict[str, str]) -> None:
    git(repo, "notes", "--ref=sessions", "append", "-m", json.dumps(line, sort_keys=True), "HEAD")


def all_refs(repo: Path, pattern: str) -> dict[str, str]:
    out = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", pattern)
    return dict(line.split(" ", 1) for line in out.splitlines())


def remote_objects(remote: Path) -> bytes:
    """Every object the remote holds, raw: what was sent, reachable or not."""
    command = ["git", "cat-file", "--batch-all-objects", "--batch", "--unordered"]
    return subprocess.run(command, cwd=remote, capture_output=True, check=True).stdout


def notes_lines(repo: Path) -> list[str]:
    commit = git(repo, "rev-parse", "HEAD").strip()
    return git(repo, "notes", "--ref=sessions", "show", commit).splitlines()


def texts_of(repo: Path, *args: str) -> set[str]:
    """The texts of a session's objectives, notes and decisions."""
    shown = as_json(repo, "show", *args)
    return {e["text"] for kind in ("objectives", "notes", "decisions") for e in shown[kind]}


def exchange_and_converge(alice: Path, bob: Path) -> None:
    """Both write to a shared session and to their own, push and pull both ways."""
    ok(alice, "start", "Shared work", "-o", "Ship it")
    ok(alice, "push")
    ok(bob, "pull")
    shared = as_json(bob, "list", "--remote", "origin")[0]["id"]
    ok(bob, "note", "bob was here", "--session", shared)
    ok(alice, "note", "alice was here")
    git(bob, "switch", "-q", "-c", "bob-branch")
    ok(bob, "start", "Bob's own", "-o", "Bob objective")
    note_on_head(alice, {"session": "a", "by": "alice"})
    note_on_head(bob, {"session": "b", "by": "bob"})
    ok(alice, "push")
    ok(bob, "push")  # rejected for the shared session and the notes: fetch, merge, retry
    ok(alice, "pull")
    ok(bob, "pull")
    assert all_refs(alice, "refs/sessions/") == all_refs(bob, "refs/sessions/")
    assert git(alice, "rev-parse", "refs/notes/sessions") == git(bob, "rev-parse", "refs/notes/sessions")
    assert len(session_refs(alice)) == 2
    texts = texts_of(alice, shared)
    assert {"Ship it", "alice was here", "bob was here"} <= texts
    assert "Bob objective" in texts_of(alice, "bob-branch")
    # Same commit on both sides (the seed's main): its note is the union of both lines.
    lines = notes_lines(alice)
    assert any('"by": "alice"' in line for line in lines) and any('"by": "bob"' in line for line in lines)


def test_two_clones_over_a_file_path_converge(tmp_path: Path) -> None:
    remote, alice, bob = two_clones(tmp_path)
    exchange_and_converge(alice, bob)
    assert all_refs(remote, "refs/sessions/") == all_refs(alice, "refs/sessions/")
    git(remote, "fsck", "--strict", "--no-progress")


@pytest.mark.slow
def test_two_clones_over_git_daemon_converge(tmp_path: Path, git_daemon: tuple[Path, str]) -> None:  # noqa: F811
    base, url = git_daemon
    bare = base / "shared.git"
    git(base, "init", "-q", "--bare", "-b", "main", str(bare))
    _, alice, bob = two_clones(tmp_path, url=url + "shared.git", bare=bare)
    assert git(alice, "remote", "get-url", "origin").startswith("git://127.0.0.1:")
    exchange_and_converge(alice, bob)
    assert all_refs(bare, "refs/sessions/") == all_refs(alice, "refs/sessions/")


def test_a_rejected_push_fetches_merges_and_retries_without_forcing(tmp_path: Path) -> None:
    remote, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Shared")
    ok(alice, "push")
    ok(bob, "pull")
    ok(alice, "note", "from alice")
    ok(alice, "push")
    (alice_tip,) = all_refs(alice, "refs/sessions/").values()
    ok(bob, "note", "from bob", "--session", "main")
    out = ok(bob, "push")
    assert "Merged what origin had meanwhile: 1 merged" in out
    assert "Pushed 1 session(s)" in out
    (remote_tip,) = all_refs(remote, "refs/sessions/").values()
    git(remote, "merge-base", "--is-ancestor", alice_tip, remote_tip)  # not forced: alice's work is kept
    ok(alice, "pull")
    assert {"from alice", "from bob"} <= texts_of(alice, "main")


def test_two_clones_pushing_at_the_same_moment_both_land(tmp_path: Path) -> None:
    remote, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Shared")
    ok(alice, "push")
    ok(bob, "pull")
    for who in (alice, bob):
        for n in range(3):
            ok(who, "note", f"{who.name} {n}", "--session", "main")
    results: dict[str, subprocess.CompletedProcess[str]] = {}
    barrier = threading.Barrier(2)

    def push(who: Path) -> None:
        barrier.wait()
        results[who.name] = subprocess.run(
            [sys.executable, "-m", "git_session", "push"], cwd=who, capture_output=True, text=True
        )

    threads = [threading.Thread(target=push, args=(who,)) for who in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.returncode == 0 for r in results.values()), {k: r.stderr for k, r in results.items()}
    for who in (alice, bob):
        ok(who, "pull")
    texts = texts_of(alice, "main")
    assert {f"{who} {n}" for who in ("alice", "bob") for n in range(3)} <= texts
    assert all_refs(alice, "refs/sessions/") == all_refs(bob, "refs/sessions/") == all_refs(remote, "refs/sessions/")


def test_remote_copies_stay_out_of_branch_r_and_survive_fetch_prune(tmp_path: Path) -> None:
    _, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Shared")
    ok(alice, "push")
    out = ok(bob, "fetch")
    assert "Fetched 1 session(s) from origin into refs/session-remotes/origin/sessions/" in out
    assert session_refs(bob) == []  # fetch merges nothing
    copies = all_refs(bob, "refs/session-remotes/")
    assert len(copies) == 1
    assert "session" not in git(bob, "branch", "-r")
    assert "session" not in git(bob, "branch", "-a")
    git(bob, "fetch", "-q", "--prune", "origin")
    git(bob, "fetch", "-q", "--prune", "--all")
    assert all_refs(bob, "refs/session-remotes/") == copies
    assert [s["title"] for s in as_json(bob, "list", "--remote", "origin")] == ["Shared"]


def forge_session(tmp_path: Path, remote: Path, how: str) -> str:
    """Push a session that is not valid to the remote, by hand; returns its id."""
    forger = make_repo(tmp_path, f"forger-{how}")
    ok(forger, "start", f"Forged {how}")
    (ref,) = session_refs(forger)
    tip = git(forger, "rev-parse", ref).strip()
    if how == "tree":  # the stored state says something its operations do not
        tree = git(forger, "rev-parse", f"{tip}^{{tree}}").strip()
        listing = git(forger, "ls-tree", tree)
        blob = git(forger, "hash-object", "-w", "--stdin", input='{"v": 1, "lies": true}\n').strip()
        new_tree = git(forger, "mktree", input=listing + f"100644 blob {blob}\textra.json\n").strip()
        message = git(forger, "log", "-1", "--format=%B", tip)
        forged = git(forger, "commit-tree", new_tree, "-m", message).strip()
    else:  # a newer format version than this git-session reads
        message = git(forger, "log", "-1", "--format=%B", tip).replace('"v":1', '"v":99')
        forged = git(forger, "commit-tree", f"{tip}^{{tree}}", "-m", message).strip()
    git(forger, "update-ref", ref, forged)
    git(forger, "push", "-q", str(remote), f"{ref}:{ref}")
    return ref.rsplit("/", 1)[1]


def test_a_malformed_session_is_reported_by_name_and_the_good_ones_merge(tmp_path: Path) -> None:
    remote, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Good one")
    git(alice, "switch", "-q", "-c", "other")
    ok(alice, "start", "Good two")
    ok(alice, "push")
    bad = forge_session(tmp_path, remote, "tree")
    result = run(bob, "pull")
    assert result.exit_code == 3
    assert f"git-session: warning: skipped session {bad}: its stored state does not match its operations" in (
        result.stderr
    )
    assert "2 new" in result.stdout
    assert sorted(s["title"] for s in as_json(bob, "list")) == ["Good one", "Good two"]
    assert not any(bad in ref for ref in session_refs(bob))


def test_a_session_in_a_newer_format_is_skipped_with_a_clear_reason(tmp_path: Path) -> None:
    remote, _, bob = two_clones(tmp_path)
    bad = forge_session(tmp_path, remote, "version")
    result = run(bob, "pull")
    assert result.exit_code == 3
    assert f"skipped session {bad}" in result.stderr and "format version 99" in result.stderr
    assert session_refs(bob) == []


@pytest.mark.parametrize(
    ("text", "what"),
    [(f"deploy key is {AWS_KEY} for staging", "AWS"), (PRIVATE_KEY, "Private Key")],
)
def test_a_secret_stops_the_push_and_names_the_entry(tmp_path: Path, text: str, what: str) -> None:
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Leaky")
    ok(alice, "note", "harmless")
    entry = run(alice, "discovery", "add", "--", text).stdout.split()[-1]
    error = fails(alice, "push")
    assert error.startswith("git-session: push stopped: ")
    assert what in error.splitlines()[0] and f"discovery {entry}" in error
    assert AWS_KEY not in error and "MIIEow" not in error
    assert "git session redact" in error
    assert all_refs(remote, "refs/sessions/") == {}


def test_redact_takes_the_entry_out_before_a_push(tmp_path: Path) -> None:
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Leaky", "-o", "Keep me")
    ok(alice, "note", "before")
    ok(alice, "note", f"key {AWS_KEY}")
    entry = next(n["id"] for n in as_json(alice, "show")["notes"] if AWS_KEY in n["text"])
    ok(alice, "objective", "add", "after")
    assert "Redacted note" in ok(alice, "redact", entry)
    assert {"Keep me", "before", "after"} == texts_of(alice)
    ok(alice, "push")
    objects = remote_objects(remote)
    assert AWS_KEY.encode() not in objects
    assert b"before" in objects


def test_redact_refuses_once_the_entry_was_pushed(tmp_path: Path) -> None:
    _, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Pushed")
    entry = run(alice, "note", "pushed text").stdout.split()[-1]
    ok(alice, "push")
    tip = git(alice, "rev-parse", session_refs(alice)[0])
    error = fails(alice, "redact", entry)
    assert "was pushed to origin already" in error and "rotate" in error
    assert git(alice, "rev-parse", session_refs(alice)[0]) == tip


def test_private_entries_never_reach_the_remote(tmp_path: Path) -> None:
    remote, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Mixed", "-o", "Public objective")
    ok(alice, "note", "--private", f"my own key {AWS_KEY}")
    ok(alice, "objective", "add", "--private", "Private objective")
    private_id = next(o["id"] for o in as_json(alice, "objective", "list") if o.get("private"))
    ok(alice, "objective", "done", private_id[:10])
    assert "Private objective" in texts_of(alice)
    ok(alice, "push")  # the private key is not scanned: it does not leave
    objects = remote_objects(remote)
    assert b"Private objective" not in objects and AWS_KEY.encode() not in objects
    assert b"Public objective" in objects
    assert all(not r.startswith("refs/session-private/") for r in all_refs(remote, "refs/"))
    ok(bob, "pull")
    assert texts_of(bob, "main") == {"Public objective"}
    assert "Private objective" not in ok(alice, "handoff")


def test_start_from_a_teammates_session_after_a_pull(tmp_path: Path) -> None:
    _, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Alice's investigation", "-o", "Find the leak")
    ok(alice, "tldr", "Leak is in the cache layer")
    ok(alice, "push")
    ok(bob, "pull")
    parent = as_json(bob, "list")[0]["id"]
    git(bob, "switch", "-q", "-c", "bob-fix")
    ok(bob, "start", "--from", parent[:10])
    status = as_json(bob, "status")
    assert status["parent"] == parent and status["tldr"] == "Leak is in the cache layer"
    assert [o["text"] for o in status["objectives"]] == ["Find the leak"]
    handoff = json.loads(ok(bob, "handoff", "--format", "json"))
    assert handoff["related"]["parent"]["id"] == parent
    assert handoff["related"]["parent"]["title"] == "Alice's investigation"
    assert "Alice's investigation" in ok(bob, "handoff")


def test_push_with_nothing_new_says_so(tmp_path: Path) -> None:
    _, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "One")
    assert "Pushed 1 session(s) to origin" in ok(alice, "push")
    assert "Everything up to date on origin" in ok(alice, "push")


def test_an_unknown_remote_and_a_dead_one_fail_in_one_line(tmp_path: Path) -> None:
    _, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "One")
    assert fails(alice, "push", "nope").startswith("git-session: no remote named 'nope'")
    git(alice, "remote", "add", "gone", str(tmp_path / "does-not-exist.git"))
    error = fails(alice, "fetch", "gone", code=4)
    assert error.startswith("git-session: cannot fetch sessions from gone: ")


@pytest.mark.slow
def test_auto_push_sends_the_sessions_of_the_pushed_branch(tmp_path: Path) -> None:
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "On main")
    git(alice, "switch", "-q", "-c", "feature")
    ok(alice, "start", "On feature")
    (alice / "f").write_text("x\n")
    git(alice, "add", "f")
    git(alice, "commit", "-q", "-m", "feature work")
    git(alice, "push", "-q", "origin", "feature")
    assert all_refs(remote, "refs/sessions/") == {}  # off by default
    git(alice, "config", "session.autoPush", "true")
    (alice / "g").write_text("y\n")
    git(alice, "add", "g")
    git(alice, "commit", "-q", "-m", "more", env=ENV_PATH)
    git(alice, "push", "-q", "origin", "feature", env=ENV_PATH)
    titles = [
        json.loads(git(remote, "show", f"{tip}:meta.json"))["values"]["title"]
        for tip in all_refs(remote, "refs/sessions/").values()
    ]
    assert titles == ["On feature"]


def test_auto_push_never_fails_the_users_push(tmp_path: Path) -> None:
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "install")
    git(alice, "config", "session.autoPush", "true")
    git(alice, "switch", "-q", "-c", "feature")
    ok(alice, "start", "Leaky")
    ok(alice, "note", f"oops {AWS_KEY}")
    result = subprocess.run(
        ["git", "push", "origin", "feature"], cwd=alice, capture_output=True, text=True, env={**os.environ, **ENV_PATH}
    )
    assert result.returncode == 0, result.stderr
    assert "push stopped" in result.stderr and "sessions were not pushed" in result.stderr
    assert git(remote, "rev-parse", "refs/heads/feature") == git(alice, "rev-parse", "feature")
    assert all_refs(remote, "refs/sessions/") == {}


def test_a_session_written_while_the_push_scans_is_scanned_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from git_session import secrets, sharing
    from git_session.gitrepo import Repo

    _, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Busy")
    calls: list[list[secrets.Finding]] = []

    def scan_then_write(items: object) -> list[secrets.Finding]:
        found = secrets.scan(items)  # type: ignore[arg-type]
        if not calls:  # another process adds an entry between our scan and git push
            ok(alice, "note", f"late {AWS_KEY}")
        calls.append(found)
        return found

    repo = Repo.discover(str(alice))
    with pytest.raises(sharing.SecretsFound) as caught:
        sharing.push(repo, sharing.resolve_remote(repo, None), scan_then_write)
    assert len(calls) == 2 and "AWS" in caught.value.message
    assert git(tmp_path / "remote.git", "for-each-ref", "refs/sessions/") == ""


def test_a_session_filed_under_another_branch_is_refused(tmp_path: Path) -> None:
    _, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Feature work")
    (ref,) = session_refs(alice)
    tip = git(alice, "rev-parse", ref).strip()
    misfiled = "refs/sessions/other-0123456789/" + ref.rsplit("/", 1)[1]
    git(alice, "push", "-q", "origin", f"{tip}:{misfiled}")
    result = run(bob, "pull")
    assert result.exit_code == 3
    assert "filed under another branch than its own ('main')" in result.stderr
    assert session_refs(bob) == []


def test_progress_shows_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from git_session.cli import sharing as cli

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    cli._progress_meter()("Merging sessions", 50, 50)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    meter = cli._progress_meter()
    for done in range(1, 51):
        meter("Merging sessions", done, 50)
    err = capsys.readouterr().err
    assert "Merging sessions: 20% (10/50)\r" in err and err.endswith("Merging sessions: 100% (50/50)\n")


def test_a_session_written_after_the_scan_does_not_leave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from git_session import gitcli, secrets, sharing
    from git_session.gitrepo import Repo

    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Busy")
    real_run = gitcli.run

    def write_then_run(args: list[str], **kwargs: object) -> object:
        if args[0] == "push":  # another process adds an entry just before git reads the refs
            ok(alice, "note", f"late {AWS_KEY}")
        return real_run(args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gitcli, "run", write_then_run)  # the module sharing calls it through
    repo = Repo.discover(str(alice))
    report = sharing.push(repo, sharing.resolve_remote(repo, None), secrets.scan)
    assert len(report.pushed) == 1
    assert AWS_KEY.encode() not in remote_objects(remote)
    monkeypatch.undo()
    assert "push stopped" in fails(alice, "push")


def test_every_file_of_a_checkpoint_is_scanned(tmp_path: Path) -> None:
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Snapshots")
    (alice / "creds.txt").write_text(f"aws={AWS_KEY}\n")
    git(alice, "add", "creds.txt")
    git(alice, "commit", "-q", "-m", "local only")  # committed, never pushed: the snapshot carries it
    ok(alice, "checkpoint", "-m", "with creds")
    error = fails(alice, "push")
    assert "push stopped: AWS Access Key in session" in error and "(file creds.txt)" in error
    assert all_refs(remote, "refs/sessions/") == {}


def test_an_unreadable_session_commit_stays_here_and_is_reported(tmp_path: Path) -> None:
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Damaged")
    (ref,) = session_refs(alice)
    tip = git(alice, "rev-parse", ref).strip()
    bad = git(alice, "commit-tree", f"{tip}^{{tree}}", "-p", tip, "-m", "x\n\n{not json").strip()
    git(alice, "update-ref", ref, bad)
    result = run(alice, "push")
    assert result.exit_code == 3
    assert f"git-session: warning: not pushed: {ref}: session " in result.stderr and "not valid JSON" in result.stderr
    assert all_refs(remote, "refs/sessions/") == {}


def test_an_agent_name_must_be_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, alice, _ = two_clones(tmp_path)
    monkeypatch.setenv("GIT_SESSION_AGENT", "bot\nv2")
    assert "must be one line" in fails(alice, "start", "W")


def test_remote_names_with_slashes_get_folders_of_their_own(tmp_path: Path) -> None:
    remote, alice, _ = two_clones(tmp_path)
    other = tmp_path / "other.git"
    git(tmp_path, "init", "-q", "--bare", str(other))
    git(alice, "remote", "add", "team", str(remote))
    git(alice, "remote", "add", "team/sessions", str(other))
    ok(alice, "start", "Shared")
    ok(alice, "push", "team")
    ok(alice, "push", "team/sessions")
    ok(alice, "fetch", "team")
    ok(alice, "fetch", "team/sessions")
    folders = {ref.split("/")[2] for ref in all_refs(alice, "refs/session-remotes/")}
    assert folders == {"team", "team%2Fsessions"}
    ok(alice, "pull", "team")
    assert len(all_refs(alice, "refs/session-remotes/")) == 2


def test_fetch_puts_nothing_under_refs_remotes_even_with_a_broad_fetch_refspec(tmp_path: Path) -> None:
    _, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Shared")
    ok(alice, "push")
    git(bob, "config", "--add", "remote.origin.fetch", "+refs/*:refs/remotes/origin/all/*")
    ok(bob, "fetch")
    assert all_refs(bob, "refs/remotes/origin/all/") == {}


def test_pull_into_a_bare_repository(tmp_path: Path) -> None:
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Shared")
    ok(alice, "push")
    git(tmp_path, "clone", "-q", "--bare", str(remote), "mirror.git")
    assert "1 new" in ok(tmp_path / "mirror.git", "pull")


@pytest.mark.slow
def test_auto_push_does_nothing_on_a_dry_run(tmp_path: Path) -> None:
    remote, alice, _ = two_clones(tmp_path)
    ok(alice, "install")
    git(alice, "config", "session.autoPush", "true")
    ok(alice, "start", "Work")
    git(alice, "commit", "-q", "--allow-empty", "-m", "c")
    git(alice, "push", "-q", "--dry-run", "origin", "main", env=ENV_PATH)
    git(alice, "push", "-q", "-n", "origin", "main", env=ENV_PATH)
    assert all_refs(remote, "refs/sessions/") == {}
    git(alice, "push", "-q", "origin", "main", env=ENV_PATH)
    assert len(all_refs(remote, "refs/sessions/")) == 1


@pytest.mark.slow
def test_auto_push_does_nothing_on_a_dry_run_under_a_hook_manager(tmp_path: Path) -> None:
    """husky and lefthook call `git session hook run pre-push`: the push is then the hook's
    grandparent or further up, not its parent."""
    remote, alice, _ = two_clones(tmp_path)
    managed = tmp_path / "managed-hooks"
    managed.mkdir()
    (managed / "pre-push").write_text('#!/bin/sh\nexec sh -c \'git session hook run pre-push "$@"\' pre-push "$@"\n')
    (managed / "pre-push").chmod(0o755)
    git(alice, "config", "core.hooksPath", str(managed))
    git(alice, "config", "session.autoPush", "true")
    ok(alice, "start", "Work")
    git(alice, "commit", "-q", "--allow-empty", "-m", "c")
    git(alice, "push", "-q", "-n", "origin", "main", env=ENV_PATH)
    assert all_refs(remote, "refs/sessions/") == {}
    git(alice, "push", "-q", "origin", "main", env=ENV_PATH)
    assert len(all_refs(remote, "refs/sessions/")) == 1
