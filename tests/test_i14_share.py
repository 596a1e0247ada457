"""Pull and push at scale (issue 14): what a pull reads and writes, and what a push with
nothing new does not do, checked structurally (calls counted), never by the clock; and the
hostile histories the incremental paths must still refuse."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from git_session import gitcli, sharing
from git_session.gitrepo import Repo
from git_session.store import Store
from tests.helpers import as_json, git, ok, run, session_refs
from tests.test_sharing import two_clones


def counting(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> Counter[str]:
    """Count the calls of ``owner.name`` (keyed by their first string argument, or "")."""
    calls: Counter[str] = Counter()
    real = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        first = next((a for a in args if isinstance(a, str)), None)
        listed = next((a for a in args if isinstance(a, list)), None)
        calls[first or (listed[0] if listed else "")] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def git_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The git commands run through ``gitcli.run``, by their subcommand (after any ``-c``; a
    push that sends nothing as "push --dry-run")."""
    calls: Counter[str] = Counter()
    real = gitcli.run

    def run(args: list[str], **kwargs: Any) -> Any:
        words = list(args)
        while words[:1] == ["-c"]:
            words = words[2:]
        dry = words[:1] == ["push"] and "--dry-run" in words
        calls["push --dry-run" if dry else words[0] if words else ""] += 1
        return real(args, **kwargs)

    monkeypatch.setattr(gitcli, "run", run)
    return calls


def pull_in_process(repo_path: Path) -> sharing.MergeReport:
    repo = Repo.discover(str(repo_path))
    return sharing.pull(repo, sharing.resolve_remote(repo, None))


def sessions_on_branches(repo: Path, count: int) -> None:
    for index in range(count):
        git(repo, "switch", "-q", "-c", f"topic-{index}")
        ok(repo, "start", f"Work {index}")


# --- pull: what it reads and writes ---------------------------------------------------------


def test_a_pull_creates_every_new_session_in_one_write_of_packed_refs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, alice, bob = two_clones(tmp_path)
    sessions_on_branches(alice, 3)
    ok(alice, "push")
    calls = git_calls(monkeypatch)
    single = counting(monkeypatch, Repo, "cas_ref")

    report = pull_in_process(bob)

    assert report.outcomes == Counter({"created": 3}) and report.skipped == []
    assert calls["update-ref"] == 0  # no loose file, lock and reflog each
    assert not any(ref.startswith("refs/sessions/") for ref in single)  # no ref moved one by one
    assert session_refs(bob) == session_refs(alice)
    theirs = session_tips(alice)
    packed = (bob / ".git" / "packed-refs").read_text()
    assert all(f"{tip} {ref}\n" in packed for ref, tip in theirs.items())
    assert not (bob / ".git" / "refs" / "sessions").exists()
    git(bob, "fsck", "--no-dangling")  # git reads the file as its own
    ok(bob, "note", "written here", "--session", "topic-1")  # its first write here begins its reflog
    [(ref, tip)] = [(ref, tip) for ref, tip in session_tips(bob).items() if theirs[ref] != tip]
    assert git(bob, "reflog", "--format=%H", ref).split() == [tip]
    assert git(bob, "rev-parse", f"{ref}@{{1}}").strip() == theirs[ref]  # its value before, from the reflog


def session_tips(repo: Path) -> dict[str, str]:
    out = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/sessions/")
    return dict(line.split() for line in out.splitlines())


def test_a_new_sessions_state_is_checked_without_writing_a_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, alice, bob = two_clones(tmp_path)
    sessions_on_branches(alice, 2)
    ok(alice, "note", "more")
    ok(alice, "push")
    edits = counting(monkeypatch, Repo, "edit_tree")

    assert pull_in_process(bob).outcomes == Counter({"created": 2})

    assert sum(edits.values()) == 0


def test_a_pull_reads_nothing_of_a_session_it_has_already(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, alice, bob = two_clones(tmp_path)
    sessions_on_branches(alice, 3)
    ok(alice, "push")
    ok(bob, "pull")
    ok(alice, "note", "one more")  # on topic-2's session only
    ok(alice, "push")
    metas = counting(monkeypatch, Store, "_read_meta")
    decoded = counting(monkeypatch, Store, "commit_ops")

    report = pull_in_process(bob)

    assert report.outcomes == Counter({"up-to-date": 2, "fast-forward": 1})
    assert sum(metas.values()) == 2  # the session that moved on, its two tips; not the two up to date
    assert sum(decoded.values()) == 1  # its one new commit, not its history


def test_a_session_written_here_while_the_pull_merges_is_not_clobbered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Shared")
    ok(alice, "push")
    ok(bob, "pull")
    ok(alice, "note", "from alice")
    ok(alice, "push")
    real_move = sharing._move_refs

    def write_first(repo: Repo, planned: Any) -> set[Any]:
        ok(bob, "note", "from bob")  # another process, between the merge and the ref update
        return real_move(repo, planned)

    monkeypatch.setattr(sharing, "_move_refs", write_first)

    report = pull_in_process(bob)

    assert report.outcomes == Counter({"merged": 1}) and report.skipped == []
    notes = {n["text"] for n in as_json(bob, "show", "--json")["notes"]}
    assert notes == {"from alice", "from bob"}


def loose_objects(repo: Path) -> int:
    return int(git(repo, "count-objects").split()[0])


def test_diverged_sessions_are_merged_into_one_pack_not_a_file_per_object(tmp_path: Path) -> None:
    _, alice, bob = two_clones(tmp_path)
    sessions_on_branches(alice, 3)
    ok(alice, "push")
    ok(bob, "pull")
    for index in range(3):  # every session gets a note on each side
        for who in (alice, bob):
            ok(who, "note", "--session", f"topic-{index}", f"from {who.name}")
    ok(alice, "push")
    ok(bob, "fetch")  # what the fetch writes is git's; what the merge writes is ours
    packs, loose = len(list((bob / ".git" / "objects" / "pack").glob("*.pack"))), loose_objects(bob)
    repo = Repo.discover(str(bob))

    report = sharing.merge_remote(repo, sharing.resolve_remote(repo, None))

    assert report.outcomes == Counter({"merged": 3}) and report.skipped == []
    assert loose_objects(bob) == loose
    assert len(list((bob / ".git" / "objects" / "pack").glob("*.pack"))) == packs + 1
    for index in range(3):
        shown = as_json(bob, "show", "--session", f"topic-{index}", "--json")
        assert {n["text"] for n in shown["notes"]} == {"from alice", "from bob"}
    assert git(bob, "fsck", "--strict", "--no-progress").strip() == ""


# --- pull: hostile histories the incremental paths still refuse ----------------------------


def forged_commit(repo: Path, parent: str, op: dict[str, Any] | str, *, tree: str | None = None) -> str:
    """A commit on ``parent`` carrying ``op`` (a line as is, or an operation), with
    ``parent``'s tree unless another is given."""
    line = op if isinstance(op, str) else json.dumps(op, separators=(",", ":"), sort_keys=True)
    message = f"forged\n\n{line}\n"
    return git(repo, "commit-tree", tree or f"{parent}^{{tree}}", "-p", parent, "-m", message).strip()


def an_op(repo: Path, ref: str, **changes: Any) -> dict[str, Any]:
    """The last operation of ``ref``'s tip, with ``changes``: a template that reads as valid."""
    message = git(repo, "log", "-1", "--format=%B", ref)
    op: dict[str, Any] = json.loads([line for line in message.splitlines() if line.startswith("{")][-1])
    op.update(changes)
    return op


def valid_on_top(repo: Path, parent: str, text: str) -> str:
    """A commit on ``parent`` made by git-session itself (a note), taken off the branch's ref."""
    (ref,) = session_refs(repo)
    before = git(repo, "rev-parse", ref).strip()
    git(repo, "update-ref", ref, parent, before)
    ok(repo, "note", text)
    made = git(repo, "rev-parse", ref).strip()
    git(repo, "update-ref", ref, before, made)
    return made


@pytest.fixture
def pulled_once(tmp_path: Path) -> Iterator[tuple[Path, Path, Path, str]]:
    """Alice's session, pulled (validated) by Bob; the remote, and the session's ref."""
    remote, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Shared")
    ok(alice, "note", "first")
    ok(alice, "push")
    assert "1 new" in ok(bob, "pull")
    (ref,) = session_refs(alice)
    yield remote, alice, bob, ref


BAD_LATER: dict[str, Callable[[Path, str], dict[str, Any] | str]] = {
    "malformed": lambda repo, ref: '{"v": 1, "id": "01hz',
    "second-create": lambda repo, ref: an_op(repo, ref, action="create", data={"fields": {"title": "Again"}}),
    "newer-format": lambda repo, ref: an_op(repo, ref, v=2),
}
BAD_MESSAGES = {
    "malformed": "not valid JSON",
    "second-create": "creates the session a second time",
    "newer-format": "format version 2",
}


@pytest.mark.parametrize("bad", sorted(BAD_LATER))
def test_a_bad_operation_in_a_later_fetch_on_top_of_a_validated_history_is_refused(
    pulled_once: tuple[Path, Path, Path, str], bad: str
) -> None:
    remote, alice, bob, ref = pulled_once
    validated = git(alice, "rev-parse", ref).strip()
    forged = forged_commit(alice, validated, BAD_LATER[bad](alice, ref))
    buried = valid_on_top(alice, forged, "a valid note on top")  # the tip alone looks fine
    git(alice, "push", "-q", "-f", str(remote), f"{buried}:{ref}")

    result = run(bob, "pull")

    assert result.exit_code == 3
    assert f"skipped session {ref.rsplit('/', 1)[1]}: " in result.stderr and BAD_MESSAGES[bad] in result.stderr
    assert git(bob, "rev-parse", ref).strip() == validated


def test_a_new_session_whose_intermediate_state_lies_is_refused(tmp_path: Path) -> None:
    """Every commit's operations are valid and the tip's state is what they make, but a
    commit in between carries a second creation of the session: the history is refused."""
    remote, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Forged")
    (ref,) = session_refs(alice)
    first = git(alice, "rev-parse", ref).strip()
    again = forged_commit(alice, first, an_op(alice, ref, action="create", data={"fields": {"title": "Again"}}))
    tip = valid_on_top(alice, again, "on top")
    git(alice, "push", "-q", str(remote), f"{tip}:{ref}")

    result = run(bob, "pull")

    assert result.exit_code == 3
    assert "creates the session a second time" in result.stderr
    assert session_refs(bob) == []


@pytest.mark.parametrize("how", ["extra-file", "executable-meta"])
def test_a_new_session_whose_tree_is_not_what_its_operations_make_is_refused(tmp_path: Path, how: str) -> None:
    """The state is checked in one pass, without writing it: a tree that differs from
    what the operations make, by a file or only by a file's mode, is refused as before."""
    remote, alice, bob = two_clones(tmp_path)
    ok(alice, "start", "Forged")
    ok(alice, "note", "n")
    (ref,) = session_refs(alice)
    tip = git(alice, "rev-parse", ref).strip()
    listing = git(alice, "ls-tree", tip)
    if how == "extra-file":
        blob = git(alice, "hash-object", "-w", "--stdin", input="{}\n").strip()
        listing += f"100644 blob {blob}\textra.json\n"
    else:
        listing = listing.replace("100644 blob", "100755 blob")
    tree = git(alice, "mktree", input=listing).strip()
    message = git(alice, "log", "-1", "--format=%B", tip)
    forged = git(alice, "commit-tree", tree, "-p", f"{tip}^", "-m", message).strip()
    git(alice, "push", "-q", str(remote), f"{forged}:{ref}")

    result = run(bob, "pull")

    assert result.exit_code == 3
    assert "its stored state does not match its operations" in result.stderr
    assert session_refs(bob) == []


# --- push with nothing new -------------------------------------------------------------------


def test_a_push_after_a_push_reads_no_commit_and_runs_no_git_push(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, alice, _ = two_clones(tmp_path)
    sessions_on_branches(alice, 3)
    assert ok(alice, "push") == "Pushed 3 session(s) to origin\n"
    calls = git_calls(monkeypatch)
    walks = counting(monkeypatch, Repo, "walk")
    scans: list[object] = []

    def scan(texts: object) -> list[Any]:
        scans.append(texts)
        return []

    repo = Repo.discover(str(alice))
    report = sharing.push(repo, sharing.resolve_remote(repo, None), scan)

    assert report.pushed == [] and not report.notes_pushed and report.unreadable == {}
    assert calls["push"] == 0 and sum(walks.values()) == 0 and scans == []
    assert run(alice, "push").stdout == "Everything up to date on origin\n"


def test_a_session_pushed_to_one_remote_still_goes_to_another(tmp_path: Path) -> None:
    _, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Work")
    ok(alice, "push")
    other = tmp_path / "other.git"
    git(tmp_path, "init", "-q", "--bare", str(other))
    git(alice, "remote", "add", "other", str(other))

    assert run(alice, "push", "other").stdout == "Pushed 1 session(s) to other\n"
    assert git(other, "for-each-ref", "--format=%(refname)", "refs/sessions/").split() == session_refs(alice)
    ok(alice, "note", "later")
    assert run(alice, "push", "other").stdout == "Pushed 1 session(s) to other\n"
    assert run(alice, "push").stdout == "Pushed 1 session(s) to origin\n"


def test_a_push_sends_what_the_remote_lacks_though_it_was_pushed_elsewhere_before(tmp_path: Path) -> None:
    """The pushed log says what left once; what the remote has is what its copies say: a
    remote replaced by an empty one (its copies pruned by a fetch) gets every session again."""
    _, alice, _ = two_clones(tmp_path)
    ok(alice, "start", "Work")
    assert run(alice, "push").stdout == "Pushed 1 session(s) to origin\n"
    empty = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(empty))
    git(alice, "remote", "set-url", "origin", str(empty))
    assert run(alice, "fetch").stdout == "Fetched 0 session(s) from origin into refs/session-remotes/origin/sessions/\n"

    assert run(alice, "push").stdout == "Pushed 1 session(s) to origin\n"
    assert git(empty, "for-each-ref", "--format=%(refname)", "refs/sessions/").split() == session_refs(alice)
    assert run(alice, "push").stdout == "Everything up to date on origin\n"
