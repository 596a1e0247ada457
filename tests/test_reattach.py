"""`git session reattach`: notes back on squash-merged, cherry-picked and rebased commits,
by patch-id, failing closed (SPEC §4, §5; issue 3)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from git_session import notes
from git_session.gitrepo import Repo
from git_session.names import NOTES_REF, ObjectId
from git_session.store import Store
from tests.helpers import as_json, fsck, git, ok, run, subprocess_cli

SESSION_B = "01hzzzzzzzzzzzzzzzzzzzzzzb"


def commit_file(repo: Path, name: str, text: str, message: str) -> ObjectId:
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return ObjectId(git(repo, "rev-parse", "HEAD").strip())


def head(repo: Path) -> ObjectId:
    return ObjectId(git(repo, "rev-parse", "HEAD").strip())


def canonical(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def note_line(
    session: str, branch: str, objectives: Sequence[Any] = (), decisions: Sequence[Any] = ()
) -> dict[str, Any]:
    return {"session": session, "branch": branch, "objectives": list(objectives), "decisions": list(decisions)}


def link(repo: Path, commit: ObjectId, *lines: dict[str, Any]) -> None:
    """What the post-commit hook does: a session note on the commit."""
    r = Repo.discover(str(repo))
    notes.add_note_lines(r, {commit: list(lines)}, r.ident(), "test: link")


def shown(repo: Path, commit: str) -> str:
    return git(repo, "notes", "--ref=sessions", "show", commit)


def has_note(repo: Path, commit: str) -> bool:
    return commit in git(repo, "notes", "--ref=sessions", "list")


def notes_tip(repo: Path) -> str:
    return git(repo, "rev-parse", NOTES_REF).strip()


def objective(entry_id: str, text: str, status: str) -> dict[str, str]:
    return {"id": entry_id, "text": text, "status": status}


def decision(entry_id: str, text: str, rationale: str) -> dict[str, str]:
    return {"id": entry_id, "text": text, "rationale": rationale}


@pytest.fixture
def feature(repo: Path) -> tuple[Path, str, list[ObjectId]]:
    """A session on branch ``feature`` with three linked commits, and main moved on meanwhile."""
    git(repo, "switch", "-q", "-c", "feature")
    ok(repo, "start", "Parser", "-o", "Parse it")
    session = as_json(repo, "status")["id"]
    o1 = objective("obj1", "Parse it", "open")
    d1 = decision("dec1", "Use a table", "fast")
    d2 = decision("dec2", "No regex", "clear")
    commits = [
        commit_file(repo, "a.txt", "one\n", "Add a"),
        commit_file(repo, "b.txt", "two\n", "Add b"),
        commit_file(repo, "a.txt", "one\nmore\n", "Grow a"),
    ]
    link(repo, commits[0], note_line(session, "feature", [o1], [d1]))
    link(repo, commits[1], note_line(session, "feature", [o1], [d2]))
    link(repo, commits[2], note_line(session, "feature", [{**o1, "status": "done"}], []))
    git(repo, "switch", "-q", "main")
    commit_file(repo, "other.txt", "unrelated\n", "Meanwhile on main")
    return repo, session, commits


def test_a_squash_merge_is_linked_to_the_session_by_patch_id(feature: tuple[Path, str, list[ObjectId]]) -> None:
    repo, session, commits = feature
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Parser (squashed)")
    squash = head(repo)

    out = ok(repo, "reattach")

    assert out == (
        f"linked {squash[:12]} Parser (squashed): squash of 3 linked commit(s) "
        f"{commits[0][:12]}..{commits[2][:12]} -> session {run_short(repo, session)}\n"
    )
    expected = {
        "session": session,
        "branch": "feature",
        "objectives": [objective("obj1", "Parse it", "done")],
        "decisions": [decision("dec1", "Use a table", "fast"), decision("dec2", "No regex", "clear")],
        "squashed": commits,
    }
    assert shown(repo, squash) == canonical(expected) + "\n"
    # the session's journal has the commit too
    shown_session = as_json(repo, "show", "--session", session)
    assert [(c["sha"], c["subject"]) for c in shown_session["commits"]] == [(squash, "Parser (squashed)")]
    store = Store(Repo.discover(str(repo)))
    (handle,) = [h for h in store.handles() if h.id == session]
    (entry,) = store.entries(handle, "commit")
    assert entry.values == {"text": "Parser (squashed)", "commit": squash, "reattached": "squash", "sources": commits}
    # running it again finds nothing more to do, and writes nothing
    tip = notes_tip(repo)
    assert ok(repo, "reattach").startswith("nothing to reattach (")
    assert notes_tip(repo) == tip
    assert len(as_json(repo, "show", "--session", session)["commits"]) == 1
    fsck(repo)


def run_short(repo: Path, session: str) -> str:
    from git_session.sessions import Workspace

    return Workspace.open(str(repo)).short_session_id(session)


def test_a_squash_that_includes_an_unlinked_first_commit_matches_from_the_fork_point(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature")
    commit_file(repo, "setup.txt", "made before the session\n", "Setup")
    linked = [commit_file(repo, "a.txt", "one\n", "Add a"), commit_file(repo, "b.txt", "two\n", "Add b")]
    for commit in linked:
        link(repo, commit, note_line(SESSION_B, "feature"))
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Everything")

    result = run(repo, "reattach")

    assert result.exit_code == 0
    # the session itself is not here (say, only its notes were fetched): said, and skipped
    warning = f"session {SESSION_B} is not in this repository: no journal entry for {head(repo)[:12]}"
    assert result.stderr == f"git-session: warning: {warning}\n"
    assert json.loads(shown(repo, "HEAD"))["squashed"] == linked
    assert json.loads(shown(repo, "HEAD"))["session"] == SESSION_B


def test_a_cherry_pick_without_notes_gets_its_source_note(feature: tuple[Path, str, list[ObjectId]]) -> None:
    repo, session, commits = feature
    git(repo, "cherry-pick", commits[1])
    picked = head(repo)
    assert not has_note(repo, picked)

    out = ok(repo, "reattach")

    assert out.startswith(f"linked {picked[:12]} Add b: same change as {commits[1][:12]} -> session ")
    assert shown(repo, picked) == shown(repo, commits[1])  # copied verbatim
    assert [c["sha"] for c in as_json(repo, "show", "--session", session)["commits"]] == [picked]
    fsck(repo)


def test_commits_rebased_by_a_forge_each_get_their_original_note(feature: tuple[Path, str, list[ObjectId]]) -> None:
    repo, _, commits = feature
    git(repo, "switch", "-q", "-c", "rebased", "feature")
    git(repo, "rebase", "-q", "main")  # no notes.rewriteRef: the notes stay behind, as on a forge
    rebased = git(repo, "rev-list", "--reverse", "main..rebased").split()
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "rebased")

    report = json.loads(ok(repo, "reattach", "--json"))

    assert [(x["commit"], x["how"], x["sources"]) for x in report["linked"]] == sorted(
        [(new, "patch", [old]) for new, old in zip(rebased, commits, strict=True)]
    )
    assert report["ambiguous"] == [] and report["problems"] == []
    for new, old in zip(rebased, commits, strict=True):
        assert shown(repo, new) == shown(repo, old)
    fsck(repo)


def test_a_change_linked_to_two_sessions_is_ambiguous_and_nothing_is_written(repo: Path) -> None:
    base = head(repo)
    git(repo, "switch", "-q", "-c", "one")
    first = commit_file(repo, "same.txt", "same\n", "Same change")
    link(repo, first, note_line("01hzzzzzzzzzzzzzzzzzzzzzza", "one"))
    git(repo, "switch", "-q", "-c", "two", base)
    second = commit_file(repo, "same.txt", "same\n", "Same change again")
    link(repo, second, note_line(SESSION_B, "two"))
    git(repo, "switch", "-q", "main")
    commit_file(repo, "other.txt", "other\n", "Meanwhile")  # (or, at fixed dates, the pick is `first` itself)
    git(repo, "cherry-pick", first)
    picked = head(repo)
    tip = notes_tip(repo)

    result = run(repo, "reattach")

    assert result.exit_code == 1
    assert (
        result.stdout == f"ambiguous {picked[:12]} Same change: it matches commits of different sessions; not linked\n"
    )
    assert result.stderr.splitlines()[0] == "git-session: 1 commit(s) matched ambiguously and were not linked"
    assert result.stderr.splitlines()[1].startswith("hint: ")
    assert notes_tip(repo) == tip and not has_note(repo, picked)
    fsck(repo)


def test_a_change_found_in_two_candidates_is_ambiguous_and_nothing_is_written(
    feature: tuple[Path, str, list[ObjectId]],
) -> None:
    repo, _, commits = feature
    git(repo, "cherry-pick", commits[1])
    once = head(repo)
    git(repo, "revert", "--no-edit", "HEAD")
    git(repo, "cherry-pick", commits[1])
    twice = head(repo)
    tip = notes_tip(repo)

    report = json.loads(run(repo, "reattach", "--json").stdout)

    assert report["linked"] == []
    assert sorted(x["commit"] for x in report["ambiguous"]) == sorted([once, twice])
    assert all(x["reason"].startswith("the same change is also in ") for x in report["ambiguous"])
    assert notes_tip(repo) == tip


def test_an_amended_commit_and_its_original_of_one_session_are_not_ambiguous(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature")
    original = commit_file(repo, "a.txt", "a\n", "Add a (typo)")
    link(repo, original, note_line(SESSION_B, "feature"))
    git(repo, "commit", "-q", "--amend", "-m", "Add a")
    amended = head(repo)
    link(repo, amended, note_line(SESSION_B, "feature"), {"session": SESSION_B, "extra": 1})
    git(repo, "switch", "-q", "main")
    commit_file(repo, "other.txt", "other\n", "Meanwhile")
    git(repo, "cherry-pick", amended)

    ok(repo, "reattach")

    assert shown(repo, "HEAD") == shown(repo, amended)  # the union of both: the amended one's


def test_dry_run_writes_nothing(feature: tuple[Path, str, list[ObjectId]]) -> None:
    repo, session, commits = feature
    git(repo, "cherry-pick", commits[0])
    tip = notes_tip(repo)

    out = ok(repo, "reattach", "--dry-run")

    assert out.startswith(f"would link {head(repo)[:12]} Add a: same change as {commits[0][:12]}")
    assert notes_tip(repo) == tip
    store = Store(Repo.discover(str(repo)))  # read as is: a command would reattach it on its own
    (handle,) = [h for h in store.handles() if h.id == session]
    assert store.entries(handle, "commit") == []


def test_limit_and_onto_bound_the_search(feature: tuple[Path, str, list[ObjectId]]) -> None:
    repo, _, commits = feature
    git(repo, "cherry-pick", commits[0])
    picked = head(repo)
    commit_file(repo, "later.txt", "later\n", "Later")

    assert ok(repo, "reattach", "--limit", "1") == "nothing to reattach (1 commit(s) examined)\n"
    git(repo, "switch", "-q", "-c", "elsewhere", "HEAD~2")
    assert ok(repo, "reattach", "--onto", "main", "--dry-run").startswith(f"would link {picked[:12]} ")


def test_nothing_to_do_without_notes_or_sessions(repo: Path) -> None:
    assert ok(repo, "reattach") == "nothing to reattach (1 commit(s) examined)\n"
    assert not git(repo, "for-each-ref", NOTES_REF)


def test_malformed_notes_are_reported_and_skipped(feature: tuple[Path, str, list[ObjectId]]) -> None:
    repo, _, commits = feature
    git(repo, "notes", "--ref=sessions", "append", "-m", "garbage", commits[0])
    git(repo, "cherry-pick", commits[1])

    result = run(repo, "reattach")

    assert result.exit_code == 0
    assert result.stdout.startswith(f"linked {head(repo)[:12]} Add b")
    assert result.stderr == (f"git-session: warning: note on {commits[0][:12]}: line 2 is not a JSON object\n")


def test_reattach_through_the_real_entry_point(feature: tuple[Path, str, list[ObjectId]]) -> None:
    repo, _, commits = feature
    git(repo, "cherry-pick", commits[1])
    result = subprocess_cli(repo, "reattach", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["linked"][0]["commit"] == head(repo)


def test_unknown_revision(repo: Path) -> None:
    result = run(repo, "reattach", "--onto", "nope")
    assert result.exit_code == 1
    assert result.stderr == "git-session: unknown revision: 'nope'\n"
