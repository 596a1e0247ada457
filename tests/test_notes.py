"""Session notes on refs/notes/sessions: union, compare-and-swap, fan-out, merge (SPEC §3, §5)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from git_session import notes
from git_session.errors import DataError
from git_session.gitrepo import Repo
from git_session.names import NOTES_REF, ObjectId
from tests.helpers import fsck, git
from tests.session_writer import read_line

SESSION_A = "01hzzzzzzzzzzzzzzzzzzzzzza"
SESSION_B = "01hzzzzzzzzzzzzzzzzzzzzzzb"
TIMEOUT = 120


def line(session: str = SESSION_A, branch: str = "main", **extra: Any) -> dict[str, Any]:
    return {"session": session, "branch": branch, "objectives": [], "decisions": [], **extra}


def canonical(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def empty_commits(repo: Path, count: int, prefix: str = "c") -> list[ObjectId]:
    """``count`` empty commits on the current branch, oldest first."""
    ids = []
    for n in range(count):
        git(repo, "commit", "-q", "--allow-empty", "-m", f"{prefix}{n}")
        ids.append(ObjectId(git(repo, "rev-parse", "HEAD").strip()))
    return ids


def shown(repo: Path, commit: str) -> str:
    return git(repo, "notes", "--ref=sessions", "show", commit)


def listed(repo: Path) -> dict[str, str]:
    """Annotated object -> note blob, as git lists them."""
    pairs = (row.split() for row in git(repo, "notes", "--ref=sessions", "list").splitlines())
    return {target: blob for blob, target in pairs}


def add(repo: Path, lines: dict[ObjectId, list[dict[str, Any]]], message: str = "test: add") -> ObjectId | None:
    r = Repo.discover(str(repo))
    return notes.add_note_lines(r, lines, r.ident(), message)


def notes_commits(repo: Path) -> list[str]:
    return git(repo, "rev-list", "--parents", NOTES_REF).splitlines()


# --- union, idempotence, reading -------------------------------------------------------


def test_lines_are_a_sorted_unique_union_and_adding_them_again_writes_nothing(repo: Path) -> None:
    (commit,) = empty_commits(repo, 1)
    first = add(repo, {commit: [line(SESSION_B), line(SESSION_A, text="é — ünïcode")]})
    second = add(repo, {commit: [line(SESSION_A, text="é — ünïcode"), line(SESSION_A, extra=1)]})

    expected = sorted([canonical(line(SESSION_B)), canonical(line(SESSION_A, text="é — ünïcode"))])
    expected = sorted({*expected, canonical(line(SESSION_A, extra=1))})
    assert shown(repo, commit) == "".join(f"{x}\n" for x in expected)
    assert "é — ünïcode" in shown(repo, commit)  # UTF-8, not \u escapes
    assert first != second
    assert add(repo, {commit: [line(SESSION_B)]}) == second  # already there: no new notes commit
    assert len(notes_commits(repo)) == 2
    assert git(repo, "log", "-1", "--format=%s", NOTES_REF).strip() == "test: add"
    assert notes.read_note(Repo.discover(str(repo)), commit) == [
        json.loads(x) for x in expected
    ]  # in stored (sorted) order
    fsck(repo)


def test_several_commits_get_their_notes_in_one_notes_commit(repo: Path) -> None:
    commits = empty_commits(repo, 3)
    tip = add(repo, {c: [line(text=c)] for c in commits})

    assert notes_commits(repo) == [tip]  # one root commit
    for c in commits:
        assert shown(repo, c) == canonical(line(text=c)) + "\n"
    assert sorted(listed(repo)) == sorted(commits)
    fsck(repo)


def test_a_note_git_wrote_is_unioned_verbatim_and_its_malformed_lines_are_reported(repo: Path) -> None:
    (commit,) = empty_commits(repo, 1)
    git(repo, "notes", "--ref=sessions", "add", "-m", "not json at all", "-m", '{"session": "x"}', "-m", "[1]", commit)
    r = Repo.discover(str(repo))

    problems: list[str] = []
    assert notes.read_note(r, commit, problems) == [{"session": "x"}]
    assert problems == [
        f"note on {commit[:12]}: line 1 is not a JSON object",
        f"note on {commit[:12]}: line 3 is not a JSON object",
    ]
    assert notes.read_note(r, commit) == [{"session": "x"}]  # no list, no error either

    add(repo, {commit: [line()]})
    # git's note had blank lines between paragraphs: dropped, the rest kept as written, sorted.
    assert shown(repo, commit) == "".join(
        f"{x}\n" for x in sorted(["not json at all", '{"session": "x"}', "[1]", canonical(line())])
    )
    fsck(repo)


def test_a_note_that_is_not_text_does_not_crash_a_reader(repo: Path) -> None:
    (commit,) = empty_commits(repo, 1)
    path = repo / "bad"
    path.write_bytes(b"\xff\xfe{}\n" + canonical(line()).encode() + b"\n")
    blob = git(repo, "hash-object", "-w", str(path)).strip()
    git(repo, "notes", "--ref=sessions", "add", "-C", blob, commit)

    problems: list[str] = []
    assert notes.read_note(Repo.discover(str(repo)), commit, problems) == [line()]
    assert len(problems) == 1


def test_a_commit_without_a_note_and_a_repository_without_notes(repo: Path) -> None:
    (commit,) = empty_commits(repo, 1)
    r = Repo.discover(str(repo))
    assert notes.read_note(r, commit) == []
    assert notes.read_all(r) == {}
    assert notes.add_note_lines(r, {}, r.ident(), "nothing") is None
    assert git(repo, "for-each-ref", NOTES_REF) == ""


def test_copy_note_unions_the_source_lines_into_the_target(repo: Path) -> None:
    source, target = empty_commits(repo, 2)
    add(repo, {source: [line(SESSION_A), line(SESSION_B)], target: [line(SESSION_B, branch="other")]})
    r = Repo.discover(str(repo))

    notes.copy_note(r, source, target, r.ident(), "test: copy")

    expected = sorted(canonical(x) for x in (line(SESSION_A), line(SESSION_B), line(SESSION_B, branch="other")))
    assert shown(repo, target) == "".join(f"{x}\n" for x in expected)
    assert shown(repo, source) == "".join(f"{x}\n" for x in sorted(canonical(x) for x in (line(), line(SESSION_B))))
    tip = r.ref_target(NOTES_REF)
    assert notes.copy_note(r, source, target, r.ident(), "again") == tip  # idempotent
    fsck(repo)


def test_read_all_reads_every_note(repo: Path) -> None:
    commits = empty_commits(repo, 4)
    add(repo, {c: [line(text=str(n))] for n, c in enumerate(commits)})
    assert notes.read_all(Repo.discover(str(repo))) == {c: [line(text=str(n))] for n, c in enumerate(commits)}


# --- compare-and-swap ------------------------------------------------------------------


def test_a_writer_that_loses_the_race_reads_again_and_loses_nothing(repo: Path) -> None:
    mine, theirs = empty_commits(repo, 2)
    ours = Repo.discover(str(repo))
    attempts = []

    def additions(current: notes.Notes) -> dict[ObjectId, list[bytes]]:
        attempts.append(current.tip)
        if len(attempts) == 1:  # another writer moves the ref between our read and our write
            add(repo, {theirs: [line(SESSION_B)]}, "racer")
        return {mine: [notes.canonical_line(line())]}

    notes.add_raw_lines(ours, additions, ours.ident(), "test: racing")

    assert len(attempts) == 2 and attempts[0] is None and attempts[1] is not None
    assert shown(repo, mine) == canonical(line()) + "\n"
    assert shown(repo, theirs) == canonical(line(SESSION_B)) + "\n"
    assert [row.count(" ") for row in notes_commits(repo)] == [1, 0]  # linear: ours on top of theirs
    fsck(repo)


WRITER = textwrap.dedent(
    """
    import os, sys
    from git_session import notes
    from git_session.gitrepo import Repo
    repo_path, barrier, name, *commits = sys.argv[1:]
    repo = Repo.discover(repo_path)
    ident = repo.ident()
    print("ready", flush=True)
    while not os.path.exists(barrier):
        pass
    for n, commit in enumerate(commits):
        line = {"session": "01hzzzzzzzzzzzzzzzzzzzzzza", "branch": "main", "writer": name, "n": n}
        notes.add_note_lines(repo, {commit: [line]}, ident, f"{name} {n}")
        print(commit, flush=True)
    """
)


@pytest.mark.slow
def test_four_processes_adding_notes_at_once_lose_none(repo: Path, tmp_path: Path) -> None:
    commits = empty_commits(repo, 100)
    barrier = tmp_path / "go"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_DIR")}
    writers = []
    for w in range(4):
        mine = commits[w::4]
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(repo), str(barrier), f"w{w}", *mine],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        first = read_line(proc)
        if first != "ready\n":
            proc.kill()
            raise AssertionError(f"writer {w} did not start: {first!r} {proc.communicate()[1]}")
        writers.append(proc)
    barrier.touch()
    acknowledged = []
    for proc in writers:
        out, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err
        acknowledged += out.split()

    assert sorted(acknowledged) == sorted(commits)
    assert sorted(listed(repo)) == sorted(commits)
    for w in range(4):
        for n, commit in enumerate(commits[w::4]):
            assert json.loads(shown(repo, commit)) == {
                "session": SESSION_A,
                "branch": "main",
                "writer": f"w{w}",
                "n": n,
            }
    history = notes_commits(repo)
    assert len(history) == 100  # one notes commit per write, none lost …
    assert all(len(row.split()) <= 2 for row in history)  # … in one line, no merges
    fsck(repo)


# --- the notes tree's layout -------------------------------------------------------------


def fast_import_notes(repo: Path, count: int) -> list[ObjectId]:
    """``count`` commits, each with a session note, made by git itself (which fans out)."""
    script = []
    for n in range(1, count + 1):
        script.append(
            f"commit refs/heads/many\nmark :{n}\ncommitter C <c@example.com> {1700000000 + n} +0000\n"
            f"data 3\nc{n % 10}\n" + (f"from :{n - 1}\n" if n > 1 else "") + "\n"
        )
    script.append(f"commit {NOTES_REF}\ncommitter C <c@example.com> 1700000000 +0000\ndata 6\nnotes\n")
    for n in range(1, count + 1):
        script.append(f"N inline :{n}\ndata {len(canonical(line(text=str(n)))) + 1}\n{canonical(line(text=str(n)))}\n")
    git(repo, "fast-import", "--quiet", input="".join(script) + "\n")
    return [ObjectId(c) for c in git(repo, "rev-list", "--reverse", "refs/heads/many").split()]


def tree_paths(repo: Path) -> list[str]:
    return git(repo, "ls-tree", "-r", "--name-only", NOTES_REF).split()


def test_a_fanned_out_tree_keeps_its_layout_and_stays_readable_by_git(repo: Path) -> None:
    commits = fast_import_notes(repo, 300)
    assert all("/" in p for p in tree_paths(repo))  # git fanned it out: ab/cdef…
    (fresh,) = empty_commits(repo, 1)

    add(repo, {commits[7]: [line(SESSION_B)], fresh: [line(SESSION_B)]})

    paths = tree_paths(repo)
    assert len(paths) == 301 and all(p.count("/") == 1 for p in paths)
    assert f"{commits[7][:2]}/{commits[7][2:]}" in paths and f"{fresh[:2]}/{fresh[2:]}" in paths
    assert shown(repo, commits[7]) == "".join(
        f"{x}\n" for x in sorted([canonical(line(text="8")), canonical(line(SESSION_B))])
    )
    assert shown(repo, fresh) == canonical(line(SESSION_B)) + "\n"
    assert shown(repo, commits[100]) == canonical(line(text="101")) + "\n"
    assert len(listed(repo)) == 301
    assert notes.read_note(Repo.discover(str(repo)), commits[7]) == [line(text="8"), line(SESSION_B)]
    everything = notes.read_all(Repo.discover(str(repo)))
    assert len(everything) == 301 and everything[commits[100]] == [line(text="101")]
    fsck(repo)


def test_a_flat_tree_is_fanned_out_when_it_grows(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notes, "FANOUT_AT", 8)
    commits = empty_commits(repo, 10)
    add(repo, {c: [line(text=c)] for c in commits[:5]})
    assert all("/" not in p for p in tree_paths(repo))  # small: flat, as git keeps it

    add(repo, {c: [line(text=c)] for c in commits[5:]})

    assert sorted(tree_paths(repo)) == sorted(f"{c[:2]}/{c[2:]}" for c in commits)
    for c in commits:
        assert shown(repo, c) == canonical(line(text=c)) + "\n"
    fsck(repo)


def commits_sharing_a_prefix(repo: Path) -> tuple[ObjectId, ObjectId]:
    """Two commits whose ids start with the same two hex digits."""
    seen: dict[str, ObjectId] = {}
    for n in range(2000):
        git(repo, "commit", "-q", "--allow-empty", "-m", f"p{n}")
        commit = ObjectId(git(repo, "rev-parse", "HEAD").strip())
        if commit[:2] in seen:
            return seen[commit[:2]], commit
        seen[commit[:2]] = commit
    raise AssertionError("no two commits share a prefix")


def test_a_mixed_layout_is_read_and_updated_in_place(repo: Path) -> None:
    fanned, flat = commits_sharing_a_prefix(repo)
    blob_a = git(repo, "hash-object", "-w", "--stdin", input=canonical(line()) + "\n").strip()
    blob_b = git(repo, "hash-object", "-w", "--stdin", input=canonical(line(SESSION_B)) + "\n").strip()
    sub = git(repo, "mktree", input=f"100644 blob {blob_a}\t{fanned[2:]}\n").strip()
    root = git(repo, "mktree", input=f"040000 tree {sub}\t{fanned[:2]}\n100644 blob {blob_b}\t{flat}\n").strip()
    git(repo, "update-ref", NOTES_REF, git(repo, "commit-tree", "-m", "mixed", root).strip())
    r = Repo.discover(str(repo))
    assert notes.read_note(r, fanned) == [line()]
    assert notes.read_note(r, flat) == [line(SESSION_B)]

    add(repo, {flat: [line(text="more")], fanned: [line(text="more")]})

    assert sorted(tree_paths(repo)) == sorted([f"{fanned[:2]}/{fanned[2:]}", flat])
    assert shown(repo, flat) == "".join(
        f"{x}\n" for x in sorted([canonical(line(SESSION_B)), canonical(line(text="more"))])
    )
    assert shown(repo, fanned) == "".join(f"{x}\n" for x in sorted([canonical(line()), canonical(line(text="more"))]))
    fsck(repo)


def test_a_note_stored_twice_is_read_as_one_and_rewritten_once(repo: Path) -> None:
    first, second = commits_sharing_a_prefix(repo)
    blob_a = git(repo, "hash-object", "-w", "--stdin", input=canonical(line()) + "\n").strip()
    blob_b = git(repo, "hash-object", "-w", "--stdin", input=canonical(line(SESSION_B)) + "\n").strip()
    sub = git(repo, "mktree", input=f"100644 blob {blob_a}\t{first[2:]}\n").strip()
    root = git(repo, "mktree", input=f"040000 tree {sub}\t{first[:2]}\n100644 blob {blob_b}\t{first}\n").strip()
    git(repo, "update-ref", NOTES_REF, git(repo, "commit-tree", "-m", "twice", root).strip())
    r = Repo.discover(str(repo))
    assert sorted(map(canonical, notes.read_note(r, first))) == sorted([canonical(line()), canonical(line(SESSION_B))])

    add(repo, {first: [line(text="x")]})

    assert tree_paths(repo) == [first]  # one place now: the first of the two
    expected = sorted([canonical(line()), canonical(line(SESSION_B)), canonical(line(text="x"))])
    assert shown(repo, first) == "".join(f"{x}\n" for x in expected)
    assert second not in listed(repo)
    fsck(repo)


# --- merging two histories of the notes ----------------------------------------------------


def set_note(repo: Path, ref: str, commit: str, *lines: dict[str, Any]) -> None:
    content = "".join(f"{canonical(x)}\n" for x in lines)
    git(repo, "notes", f"--ref={ref}", "add", "-f", "-F", "-", commit, input=content)


def diverged_notes(repo: Path) -> list[ObjectId]:
    """refs/notes/sessions and refs/notes/theirs grown apart from a common base, with every
    kind of change on each side."""
    c = empty_commits(repo, 9)
    for n in range(5):
        set_note(repo, "sessions", c[n], line(text=f"base{n}"))
    git(repo, "update-ref", "refs/notes/theirs", NOTES_REF)
    # both sides add lines to one note
    set_note(repo, "sessions", c[0], line(text="base0"), line(text="ours0"))
    set_note(repo, "theirs", c[0], line(text="base0"), line(text="theirs0"))
    # one side only changes a note (unsorted, with a duplicate: taken verbatim, as git does)
    set_note(repo, "sessions", c[1], line(text="z-ours1"), line(text="base1"), line(text="base1"))
    # one side removes a note, the other leaves it
    git(repo, "notes", "--ref=theirs", "remove", c[2])
    # one side removes a note, the other changes it
    git(repo, "notes", "--ref=sessions", "remove", c[3])
    set_note(repo, "theirs", c[3], line(text="base3"), line(text="theirs3"))
    # both make the same change
    set_note(repo, "sessions", c[4], line(text="same"))
    set_note(repo, "theirs", c[4], line(text="same"))
    # new notes on each side, and the same new note on both
    set_note(repo, "sessions", c[5], line(text="ours5"))
    set_note(repo, "theirs", c[6], line(text="theirs6"))
    set_note(repo, "sessions", c[7], line(text="both7"))
    set_note(repo, "theirs", c[7], line(text="both7"), line(SESSION_B))
    return c


def git_merged(repo: Path, scratch: Path) -> dict[str, str]:
    shutil.copytree(repo, scratch)
    git(scratch, "notes", "--ref=sessions", "merge", "-q", "-s", "cat_sort_uniq", "refs/notes/theirs")
    return listed(scratch)


def test_merge_gives_what_git_notes_merge_cat_sort_uniq_gives(repo: Path, tmp_path: Path) -> None:
    commits = diverged_notes(repo)
    expected = git_merged(repo, tmp_path / "scratch")
    ours = git(repo, "rev-parse", NOTES_REF).strip()
    theirs = ObjectId(git(repo, "rev-parse", "refs/notes/theirs").strip())

    tip = notes.merge_notes(Repo.discover(str(repo)), theirs)

    assert listed(repo) == expected  # the same blobs on the same commits: byte for byte
    assert git(repo, "rev-parse", NOTES_REF).strip() == tip
    assert sorted(git(repo, "rev-list", "--parents", "-1", tip).split()[1:]) == sorted([ours, theirs])
    assert shown(repo, commits[0]) == "".join(
        f"{x}\n" for x in sorted(canonical(line(text=t)) for t in ("base0", "ours0", "theirs0"))
    )
    assert commits[2] not in expected and commits[8] not in expected
    fsck(repo)


def test_a_merge_depends_only_on_the_two_tips(repo: Path, tmp_path: Path) -> None:
    diverged_notes(repo)
    other = tmp_path / "other"
    shutil.copytree(repo, other)
    ours = ObjectId(git(repo, "rev-parse", NOTES_REF).strip())
    theirs = ObjectId(git(repo, "rev-parse", "refs/notes/theirs").strip())
    # the other clone has the two histories the other way round
    git(other, "update-ref", NOTES_REF, theirs)
    git(other, "update-ref", "refs/notes/theirs", ours)

    one = notes.merge_notes(Repo.discover(str(repo)), theirs)
    two = notes.merge_notes(Repo.discover(str(other)), ours)

    assert one == two
    assert notes.merge_notes(Repo.discover(str(repo)), theirs) == one  # up to date: nothing new
    assert notes.merge_notes(Repo.discover(str(repo)), ours) == one


def test_merge_fast_forwards_and_creates(repo: Path) -> None:
    commits = empty_commits(repo, 2)
    add(repo, {commits[0]: [line()]})
    base = ObjectId(git(repo, "rev-parse", NOTES_REF).strip())
    add(repo, {commits[1]: [line()]})
    ahead = ObjectId(git(repo, "rev-parse", NOTES_REF).strip())
    git(repo, "update-ref", NOTES_REF, base)
    r = Repo.discover(str(repo))

    assert notes.merge_notes(r, ahead) == ahead  # fast-forward
    assert notes.merge_notes(r, base) == ahead  # behind: up to date
    git(repo, "update-ref", "-d", NOTES_REF)
    assert notes.merge_notes(r, ahead) == ahead  # none yet: taken as is
    assert git(repo, "rev-parse", NOTES_REF).strip() == ahead


def test_merging_something_that_is_not_a_notes_commit_is_refused(repo: Path) -> None:
    blob = ObjectId(git(repo, "hash-object", "-w", "--stdin", input="x").strip())
    with pytest.raises(DataError):
        notes.merge_notes(Repo.discover(str(repo)), blob)
