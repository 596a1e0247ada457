"""Issue 11, the rest: one record per final commit. An amend (every form), a squash, a
fixup, a reword, a rebase and a cherry-pick within the branch leave each commit on the
branch one note line per session and one ``commit`` entry in the session's journal, the
entry of the commit they replace moved onto it (or, for a squash, marked rewritten)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from git_session import notes
from git_session.gitrepo import Ident, Repo
from git_session.names import ObjectId
from git_session.sessions import Workspace, abbreviate
from tests.helpers import as_json, git, make_two_clones, ok, run

STAMP = "2023-11-14 22:13"  # FIXED_DATE, as conftest sets it
WHO = "A U Thor"


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # for the hooks


@pytest.fixture
def work(repo: Path) -> Path:
    """A session with objectives Ship and Test, a commit 'add a' linked to it."""
    ok(repo, "install")
    ok(repo, "start", "Work", "-o", "Ship", "-o", "Test")
    commit(repo, "a")
    ok(repo, "status")  # links it
    return repo


def commit(repo: Path, name: str) -> str:
    (repo / name).write_text(f"{name}\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"add {name}")
    return head(repo)


def head(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def note(repo: Path, rev: str = "HEAD") -> list[dict[str, object]]:
    """The note's lines, parsed (after the next command linked what is queued)."""
    ok(repo, "hook", "drain")
    raw = git(repo, "notes", "--ref=sessions", "show", head(repo, rev))
    return [json.loads(line) for line in raw.splitlines()]


def ids(repo: Path) -> dict[str, str]:
    """Entry text -> full id, and the session's id under "session"."""
    shown = as_json(repo, "show")
    found = {e["text"]: e["id"] for kind in ("objectives", "decisions") for e in shown[kind]}
    return {**found, "session": shown["id"]}


def short(repo: Path) -> dict[str, str]:
    """Entry id -> as `log` shows it."""
    return abbreviate([v["entry"] for v in as_json(repo, "log") if v["entry"]])


def linked(repo: Path) -> list[tuple[str, str]]:
    return [(c["sha"], c["subject"]) for c in as_json(repo, "show")["commits"]]


def line(repo: Path, done: tuple[str, ...] = (), branch: str = "main") -> dict[str, object]:
    known = ids(repo)
    objectives = [
        {"id": known[text], "status": "done" if text in done else "open", "text": text} for text in ("Ship", "Test")
    ]
    return {"branch": branch, "decisions": [], "objectives": objectives, "session": known["session"]}


def journal_head(repo: Path) -> list[str]:
    """The first lines of `log`: the session made, its objectives, the first commit."""
    abbrev = short(repo)
    known = ids(repo)
    entry = next(v["entry"] for v in as_json(repo, "log") if v["kind"] == "commit")
    base = as_json(repo, "show")["base"]
    return [
        f"{STAMP}  {WHO}  create title=Work; status=active; branch=main; base={base[:12]}",
        f"{STAMP}  {WHO}  objective {abbrev[known['Ship']]}: Ship",
        f"{STAMP}  {WHO}  objective {abbrev[known['Test']]}: Test",
        f"{STAMP}  {WHO}  commit {abbrev[entry]}: add a",
    ]


def commit_entry(repo: Path) -> str:
    return short(repo)[next(v["entry"] for v in as_json(repo, "log") if v["kind"] == "commit")]


# --- amend, every form ------------------------------------------------------------------

AMENDS: dict[str, tuple[list[list[str]], dict[str, str], str]] = {
    "-m": ([["commit", "-q", "--amend", "-m", "add a, amended"]], {}, "add a, amended"),
    "editor": ([["commit", "-q", "--amend"]], {"GIT_EDITOR": "sed -i 1s/.*/add\\ a,\\ amended/"}, "add a, amended"),
    "--no-edit": ([["add", "b"], ["commit", "-q", "--amend", "--no-edit"]], {}, "add a"),
    "-C HEAD": ([["add", "b"], ["commit", "-q", "--amend", "-C", "HEAD"]], {}, "add a"),
    "twice": (
        [["commit", "-q", "--amend", "-m", "first"], ["commit", "-q", "--amend", "-m", "add a, amended"]],
        {},
        "add a, amended",
    ),
}


@pytest.mark.parametrize("form", AMENDS)
def test_an_amend_leaves_one_note_line_and_moves_the_commit_entry(work: Path, form: str) -> None:
    commands, env, subject = AMENDS[form]
    ship = ids(work)["Ship"]
    ok(work, "objective", "done", ship)
    (work / "b").write_text("b\n")
    for args in commands:
        git(work, *args, env=env)
    amended = head(work)

    assert note(work) == [line(work, done=("Ship",))]
    assert linked(work) == [(amended, subject)]
    message = git(work, "log", "-1", "--format=%B").rstrip("\n")
    trailers = f"Session-Id: {ids(work)['session']}\nSession-Objectives: [open] Test\nSession-Objectives: [done] Ship"
    assert message == f"{subject}\n\n{trailers}"
    text = "" if subject == "add a" else f'; text="{subject}"'
    assert ok(work, "log") == "\n".join(
        [
            *journal_head(work),
            f"{STAMP}  {WHO}  objective {short(work)[ship]} status=done",
            f"{STAMP}  {WHO}  commit {commit_entry(work)} commit={amended[:12]}; covers=5{text}",
            "",
        ]
    )
    explained = as_json(work, "explain")
    assert [s["id"] for s in explained["sessions"]] == [ids(work)["session"]]


def test_an_amend_before_the_commit_was_linked_is_one_entry(repo: Path) -> None:
    ok(repo, "install")
    ok(repo, "start", "Work", "-o", "Ship", "-o", "Test")
    commit(repo, "a")  # not linked yet: the amend is queued after it
    git(repo, "commit", "-q", "--amend", "-m", "first")
    git(repo, "commit", "-q", "--amend", "-m", "add a")
    assert note(repo) == [line(repo)]
    assert linked(repo) == [(head(repo), "add a")]
    assert ok(repo, "log") == "\n".join([*journal_head(repo), ""])


def test_an_amend_of_a_commit_made_before_the_session_links_it_once(repo: Path) -> None:
    ok(repo, "install")
    ok(repo, "start", "Work", "-o", "Ship", "-o", "Test")
    git(repo, "commit", "-q", "--amend", "-m", "add a")
    assert note(repo) == [line(repo)]
    assert linked(repo) == [(head(repo), "add a")]


def test_an_amend_on_another_branch_leaves_the_sessions_commit_alone(work: Path) -> None:
    original = head(work)
    expected = line(work)
    ok(work, "pause")
    git(work, "switch", "-q", "-c", "other")
    git(work, "commit", "-q", "--amend", "-m", "add a, elsewhere")
    ok(work, "hook", "drain")
    git(work, "switch", "-q", "main")
    ok(work, "resume")
    assert linked(work) == [(original, "add a")]
    assert note(work, "main") == [expected]
    assert note(work, "other") == [expected]  # git copied it: the same work


# --- the rebase family and cherry-pick ----------------------------------------------------


def test_a_squash_leaves_one_note_line_with_the_newest_state_and_one_live_entry(work: Path) -> None:
    ok(work, "objective", "done", ids(work)["Ship"])
    commit(work, "b")  # its note says Ship is done, a's that it is open
    ok(work, "status")
    entries = [v["entry"] for v in as_json(work, "log") if v["kind"] == "commit"]
    sequence = "sed -i 2s/^pick/squash/"
    git(work, "rebase", "-q", "-i", "HEAD~2", env={"GIT_SEQUENCE_EDITOR": sequence, "GIT_EDITOR": "true"})
    squashed = head(work)
    assert note(work) == [line(work, done=("Ship",))]
    assert linked(work) == [(squashed, "add a")]
    abbrev = short(work)
    assert ok(work, "log").splitlines()[-2:] == [
        f"{STAMP}  {WHO}  commit {abbrev[entries[0]]} commit={squashed[:12]}",
        f"{STAMP}  {WHO}  commit {abbrev[entries[1]]} rewritten={squashed[:12]}",
    ]


def test_a_fixup_keeps_one_line_and_the_first_commits_entry(work: Path) -> None:
    ok(work, "objective", "done", ids(work)["Test"])
    commit(work, "b")
    ok(work, "status")
    git(work, "rebase", "-q", "-i", "HEAD~2", env={"GIT_SEQUENCE_EDITOR": "sed -i 2s/^pick/fixup/"})
    assert note(work) == [line(work, done=("Test",))]
    assert linked(work) == [(head(work), "add a")]


def test_a_reword_renames_the_commit_entry(work: Path) -> None:
    commit(work, "b")
    ok(work, "status")
    env = {"GIT_SEQUENCE_EDITOR": "sed -i 1s/^pick/reword/", "GIT_EDITOR": "sed -i 1s/.*/reworded/"}
    git(work, "rebase", "-q", "-i", "HEAD~2", env=env)
    assert linked(work) == [(head(work, "HEAD~1"), "reworded"), (head(work), "add b")]
    assert [note(work, rev) for rev in ("HEAD~1", "HEAD")] == [[line(work)], [line(work)]]


def test_a_rebase_onto_a_new_base_moves_each_entry(work: Path) -> None:
    commit(work, "b")
    ok(work, "status")
    git(work, "switch", "-q", "-c", "base", "HEAD~2")
    commit(work, "z")
    git(work, "switch", "-q", "main")
    git(work, "rebase", "-q", "base")
    assert linked(work) == [(head(work, "HEAD~1"), "add a"), (head(work), "add b")]
    assert [note(work, rev) for rev in ("HEAD~1", "HEAD")] == [[line(work)], [line(work)]]
    assert len([v for v in as_json(work, "log") if v["kind"] == "commit"]) == 4  # 2 added, 2 moved


def test_a_cherry_pick_within_the_branch_moves_the_entry_of_the_commit_it_replaces(work: Path) -> None:
    a = head(work)
    dropped = commit(work, "b")
    ok(work, "status")
    git(work, "reset", "-q", "--hard", "HEAD~1")
    c = commit(work, "c")
    git(work, "cherry-pick", dropped)
    picked = head(work)
    assert note(work) == [line(work)]
    assert linked(work) == [(a, "add a"), (picked, "add b"), (c, "add c")]


def test_a_cherry_pick_onto_another_branch_leaves_the_entry_alone(work: Path) -> None:
    source = head(work)
    expected = line(work)
    ok(work, "pause")
    git(work, "switch", "-q", "-c", "other", "HEAD~1")
    git(work, "cherry-pick", source)
    assert note(work) == [expected]
    git(work, "switch", "-q", "main")
    ok(work, "resume")
    assert linked(work) == [(source, "add a")]


# --- data written before: two lines of one session on a commit ------------------------------


def test_lines_of_one_session_merge_into_one() -> None:
    old = {"session": "s1", "branch": "main", "objectives": [{"id": "o1", "status": "done", "text": "Ship"}]}
    new = {"session": "s1", "branch": "main", "objectives": [{"id": "o1", "status": "open", "text": "Ship"}]}
    other = {"session": "s2", "objectives": []}
    lines = [notes.canonical_line(v) for v in (new, other, old)] + [b"not json"]
    merged = notes.one_line_per_session(lines)
    assert merged == [b"not json", notes.canonical_line(old), notes.canonical_line(other)]


def test_a_commit_with_two_lines_of_one_session_written_before_is_shown_once_and_mended_by_a_rewrite(
    work: Path,
) -> None:
    sha = head(work)
    done = line(work, done=("Ship",))
    repo = Repo.discover(str(work))
    ident = Ident("A U Thor", "author@example.com", 1700000000, "+0000")
    notes.add_note_lines(repo, {ObjectId(sha): [done]}, ident, "old data")  # as an amend left it before
    assert len(note(work)) == 2
    explained = ok(work, "explain")
    assert explained.count("Made in session") == 1 and "Objectives completed by it:\n" in explained
    git(work, "commit", "-q", "--amend", "-m", "add a, amended")
    assert note(work) == [done]


# --- ids as the shortest unique prefix, in every display -------------------------------------

AWS_KEY = "AKIA" + "J7Q2ZK5VWX3MPL4N"


def test_a_push_stopped_by_a_secret_names_session_and_entry_by_their_short_ids(tmp_path: Path) -> None:
    _, alice, _ = make_two_clones(tmp_path)
    ok(alice, "start", "Leaky")
    entry = ok(alice, "discovery", "add", "--", f"deploy key is {AWS_KEY} for staging").split()[-1]
    session = Workspace.open(str(alice)).short_session_id(as_json(alice, "status")["id"])
    result = run(alice, "push")
    assert (result.exit_code, result.stdout) == (1, "")
    print_ = "c83554cf8131f15c"
    assert result.stderr == (
        f"git-session: push stopped: AWS Access Key in session {session}, discovery {entry} (text): AKIA… "
        f"[{print_}] (and 1 more)\n"
        f"hint: also: AWS Access Key in session {session}, a commit's subject: AKIA… [{print_}]\n"
        f"hint: remove it with: git session redact {entry} --session {session} (then push again)\n"
        "hint: nothing was sent\n"
        f"hint: not a secret? acknowledge it: git session secrets allow {print_} --session {session}\n"
    )
    assert len(entry) == len(session) == 4


def test_a_secret_masked_in_the_trailers_names_the_entry_by_its_short_id(repo: Path) -> None:
    ok(repo, "install")
    ok(repo, "start", "Trailers")
    result = run(repo, "decision", "add", "Use the staging key", "--rationale", f"it is {AWS_KEY}")
    entry = result.stdout.split()[-1]
    assert (result.stdout, result.stderr) == (
        f"Added decision {entry}\n",
        f"git-session: warning: decision {entry} holds a secret (AWS Access Key): "
        "it is masked in the commit trailers\n",
    )


def test_a_continued_session_names_its_parent_by_its_short_id_even_when_it_is_gone(repo: Path) -> None:
    ok(repo, "start", "First")
    parent = as_json(repo, "status")["id"]
    ok(repo, "end")
    git(repo, "switch", "-q", "-c", "two")
    ok(repo, "start", "--from", parent[:6], "Second")
    child = as_json(repo, "status")["id"]
    ws = Workspace.open(str(repo))
    short_parent, short_child = ws.short_session_id(parent), ws.short_session_id(child)
    shown = ok(repo, "status")
    assert shown == (
        f"session {short_child}  Second  [active]\n"
        f"branch two · started {STAMP} · updated {STAMP}\n"
        f"continues {short_parent}\n"
        "Progress 0/0 objectives done\n"
    )
    assert f"\ncontinues {short_parent}\n" in ok(repo, "show")
    ref = next(r for r in git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").split() if parent in r)
    git(repo, "update-ref", "-d", ref)  # the parent gone: still its shortest prefix, among those left
    gone = abbreviate([child, parent])[parent]
    assert ok(repo, "status").splitlines()[2] == f"continues {gone}"
    related = json.loads(ok(repo, "handoff", "--format", "json"))["related"]["parent"]
    assert related == {"id": parent, "short": gone, "title": None, "branch": None, "status": None}
    assert len(gone) == 4


# --- redact, then a merging push ----------------------------------------------------------------


def reachable_objects(repo: Path) -> bytes:
    """Every object reachable from any ref (the reflogs aside), as stored."""
    listed = git(repo, "rev-list", "--objects", "--all").split("\n")
    ids = "\n".join(line.split(" ")[0] for line in listed if line)
    done = subprocess.run(["git", "cat-file", "--batch"], cwd=repo, input=ids.encode() + b"\n", capture_output=True)
    assert done.returncode == 0
    return done.stdout


def test_redact_then_a_merging_push_leaves_the_secret_nowhere_and_the_pushed_history_as_it_was(
    tmp_path: Path,
) -> None:
    remote, alice, bob = make_two_clones(tmp_path)
    ok(alice, "install")
    ok(alice, "start", "S", "-o", "Ship")
    ok(alice, "note", "A")
    ok(alice, "push")
    ok(bob, "pull")
    ok(bob, "note", "from bob")
    ok(bob, "push")
    ok(alice, "note", "B")
    ok(alice, "push")  # merges bob's note
    ref = git(alice, "for-each-ref", "--format=%(refname)", "refs/sessions/").strip()
    pushed = head(alice, ref)
    secret = ok(alice, "objective", "add", f"Rotate {AWS_KEY}").split()[2]
    commit(alice, "work")  # its note quotes the objective, its trailer masks it
    ok(alice, "note", "C")
    assert run(alice, "push").stderr.startswith("git-session: push stopped: AWS Access Key in session ")
    ok(alice, "redact", secret)
    assert git(alice, "merge-base", "--is-ancestor", pushed, ref) == ""  # what was pushed stays
    ok(bob, "pull")
    ok(bob, "note", "bob again")
    ok(bob, "push")
    assert ok(alice, "push") == (
        "Merged what origin had meanwhile: 1 merged\nPushed 1 session(s) and the notes to origin\n"
    )
    for where in (alice, remote, bob):
        if where == bob:
            ok(bob, "pull")
        assert AWS_KEY.encode() not in reachable_objects(where)
    items = as_json(alice, "log")
    abbrev = abbreviate([v["entry"] for v in items if v["entry"]])
    texts = [(v["kind"], abbrev[v["entry"]], v["fields"]["text"]) for v in items if v["action"] == "add"]
    assert sorted((kind, text) for kind, _, text in texts) == [  # (operations of one clock come in either order)
        ("commit", "add work"),
        ("note", "A"),
        ("note", "B"),
        ("note", "C"),
        ("note", "bob again"),
        ("note", "from bob"),
        ("objective", "Ship"),
    ]
    base = items[0]["fields"]["base"]
    assert ok(alice, "log") == (
        f"{STAMP}  {WHO}  create title=S; status=active; branch=main; base={base[:12]}\n"
        + "".join(f"{STAMP}  {WHO}  {kind} {entry}: {text}\n" for kind, entry, text in texts)
    )
    # each operation is in one commit of the remote's journal: nothing pushed was made again
    assert git(remote, "rev-list", "--count", ref) == "9\n"  # 7 commits of operations, 2 merges


def test_after_an_amend_the_next_commit_does_not_say_again_what_the_amended_one_did(work: Path) -> None:
    ok(work, "objective", "done", ids(work)["Ship"])
    git(work, "commit", "-q", "--amend", "-m", "add a, amended")
    ok(work, "status")  # links the amend
    commit(work, "b")
    sid = ids(work)["session"]
    assert git(work, "log", "-1", "--format=%B").rstrip("\n") == (
        f"add b\n\nSession-Id: {sid}\nSession-Objectives: [open] Test"
    )
    test = {"id": ids(work)["Test"], "status": "open", "text": "Test"}
    assert note(work) == [{"branch": "main", "decisions": [], "objectives": [test], "session": sid}]
