"""The first report (no cache): sessions' trees read the quick way (``Repo.quick_blobs``: no
``CommitInfo`` per tip, packed objects never tried as loose files), the timing log run while
they are read; anything unusual read the careful way, which names it as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from git_session import gitcli, gitrepo, store
from git_session.gitrepo import Repo
from git_session.names import ObjectId
from git_session.sessions import Workspace
from tests.helpers import git, ok, run
from tests.test_i16_report import fixture_repo, repo  # noqa: F401  (fixtures)


def report_json(where: Path, *args: str) -> Any:
    return json.loads(ok(where, "report", "--format", "json", *args))


def new_repo(tmp_path: Path) -> Path:
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    git(where, "commit", "-q", "--allow-empty", "-m", "root")
    return where


def session_ref(where: Path, title: str) -> str:
    for line in git(where, "for-each-ref", "--format=%(refname) %(objectname)", "refs/sessions/").splitlines():
        ref, tip = line.split()
        if json.loads(git(where, "cat-file", "blob", f"{tip}:meta.json"))["values"]["title"] == title:
            return ref
    raise AssertionError(title)


def objective_path(where: Path, tip: str) -> str:
    listed = git(where, "ls-tree", "-r", "--name-only", tip).split()
    return next(path for path in listed if path.startswith("entries/objective/"))


def test_a_first_report_over_packed_sessions_reads_no_tip_as_a_commit_and_no_loose_file(
    repo: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    packed = tmp_path / "packed"
    shutil.copytree(repo, packed)
    git(packed, "gc", "-q")
    (packed / ".git" / "git-session" / "report-inputs").unlink(missing_ok=True)
    expected = ok(repo, "report", "--all-remotes", "--format", "json")
    listed = git(packed, "for-each-ref", "--format=%(objectname)", "refs/sessions/", "refs/session-remotes/")
    tips = set(listed.split())
    assert len(tips) >= 4
    as_commits: list[str] = []
    loose_tries: list[str] = []
    real_commit, real_raw = Repo.commit, gitrepo._BoundedLoose._raw

    def commit(self: Repo, commit_id: Any) -> Any:
        as_commits.append(str(commit_id))
        return real_commit(self, commit_id)

    def raw(self: Any, oid: object) -> bytes:
        loose_tries.append(str(oid))
        return real_raw(self, oid)

    monkeypatch.setattr(Repo, "commit", commit)
    monkeypatch.setattr(gitrepo._BoundedLoose, "_raw", raw)
    assert ok(packed, "report", "--all-remotes", "--format", "json") == expected
    assert not tips & set(as_commits), "a session's tip was read as a CommitInfo"
    assert loose_tries == []


def test_a_nesting_too_deep_is_read_the_careful_way_and_named(tmp_path: Path) -> None:
    where = new_repo(tmp_path)
    ok(where, "start", "Fine")
    ok(where, "end", "--complete")
    ok(where, "start", "Deep")
    ref = session_ref(where, "Deep")
    git(where, "update-ref", ref, too_deep(where, tmp_path, git(where, "rev-parse", ref).strip()))
    result = run(where, "report", "--format", "json")
    assert result.exit_code == 0
    assert [s["title"] for s in json.loads(result.stdout)["sessions"]] == ["Fine"]
    session = ref.rsplit("/", 1)[1]
    assert result.stderr.startswith(
        f"git-session: warning: skipped a session: session {session}: tree "
    ) and result.stderr.rstrip().endswith("nests deeper than 16 folders")


def too_deep(where: Path, tmp_path: Path, tip: str) -> str:
    """A commit on ``tip`` whose ``entries/objective`` nests 21 folders deep (its other
    entries gone)."""
    blob = git(where, "rev-parse", f"{tip}:meta.json").strip()
    tree = git(where, "mktree", input=f"100644 blob {blob}\tx.json\n").strip()
    for _ in range(20):
        tree = git(where, "mktree", input=f"040000 tree {tree}\td\n").strip()
    index = tmp_path / "index"
    env = {"GIT_INDEX_FILE": str(index)}
    git(where, "read-tree", tip, env=env)
    git(where, "update-index", "--add", "--cacheinfo", f"100644,{blob},placeholder", env=env)
    base = git(where, "write-tree", env=env).strip()
    entries = git(where, "mktree", input=f"040000 tree {tree}\tobjective\n").strip()
    listing = git(where, "ls-tree", base).splitlines()
    kept = [line for line in listing if not line.endswith(("\tplaceholder", "\tentries"))]
    root = git(where, "mktree", input="\n".join([*kept, f"040000 tree {entries}\tentries"]) + "\n").strip()
    return git(where, "commit-tree", root, "-p", tip, "-m", "deep").strip()


def test_a_damaged_entry_is_named_as_before(tmp_path: Path) -> None:
    where = new_repo(tmp_path)
    ok(where, "start", "Fine")
    ok(where, "end", "--complete")
    ok(where, "start", "Broken")
    ok(where, "objective", "add", "to do")
    ref = session_ref(where, "Broken")
    tip = git(where, "rev-parse", ref).strip()
    path = objective_path(where, tip)
    index = tmp_path / "index"
    env = {"GIT_INDEX_FILE": str(index)}
    git(where, "read-tree", tip, env=env)
    bad = git(where, "hash-object", "-w", "--stdin", input="{not json").strip()
    git(where, "update-index", "--cacheinfo", f"100644,{bad},{path}", env=env)
    broken = git(where, "commit-tree", git(where, "write-tree", env=env).strip(), "-p", tip, "-m", "x").strip()
    git(where, "update-ref", ref, broken, tip)
    result = run(where, "report", "--format", "json")
    assert [s["title"] for s in json.loads(result.stdout)["sessions"]] == ["Fine"]
    session = ref.rsplit("/", 1)[1]
    name = path.rsplit("/", 1)[1]
    assert result.stderr.startswith(f"git-session: warning: skipped a session: session {session}: {name}: ")


def test_a_session_left_out_does_not_take_the_timing_log_down_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The timing log starts before the entries are read; a session then left out (its entry
    damaged) whose history git cannot walk (a parent missing) would fail that log: it is run
    again over the sessions read, as a report did before."""
    where = new_repo(tmp_path)
    ok(where, "start", "Fine")
    ok(where, "pause")
    ok(where, "resume")
    ok(where, "end", "--complete")
    expected = report_json(where)
    ok(where, "start", "Broken")
    ok(where, "objective", "add", "to do")
    ref = session_ref(where, "Broken")
    tip = git(where, "rev-parse", ref).strip()
    path = objective_path(where, tip)
    index = tmp_path / "index"
    env = {"GIT_INDEX_FILE": str(index)}
    git(where, "read-tree", tip, env=env)
    bad = git(where, "hash-object", "-w", "--stdin", input="{not json").strip()
    git(where, "update-index", "--cacheinfo", f"100644,{bad},{path}", env=env)
    tree = git(where, "write-tree", env=env).strip()
    text = f"tree {tree}\nparent {'1' * 40}\nauthor A <a@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n\nx\n"
    orphan = git(where, "hash-object", "-t", "commit", "-w", "--stdin", "--literally", input=text).strip()
    git(where, "update-ref", ref, orphan, tip)
    (where / ".git" / "git-session" / "report-inputs").unlink(missing_ok=True)
    calls: list[str] = []
    real_run = gitcli.run

    def counted(args: Any, **options: Any) -> Any:
        calls.append(args[0])
        return real_run(args, **options)

    monkeypatch.setattr(gitcli, "run", counted)
    result = run(where, "report", "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert [s["title"] for s in shown["sessions"]] == ["Fine"]
    fine, before = shown["sessions"][0], expected["sessions"][0]
    assert fine["paused_seconds"] == before["paused_seconds"] and fine["created"] == before["created"]
    assert calls.count("log") == 2  # the first timing log failed; the second left the broken session out


def one_session(tmp_path: Path) -> tuple[Path, Workspace, store.Handle]:
    """A repository with one session of five objectives, a decision and a blocker."""
    where = new_repo(tmp_path)
    ok(where, "start", "One")
    for n in range(5):
        ok(where, "objective", "add", f"objective {n}")
    ok(where, "decision", "add", "a decision")
    ok(where, "blocker", "add", "a blocker")
    ws = Workspace.open(str(where))
    (handle,) = ws.store.handles()
    return where, ws, handle


def test_quick_blobs_gives_what_the_store_reads_the_careful_way(tmp_path: Path) -> None:
    _, ws, handle = one_session(tmp_path)
    tree = ws.repo.commit(handle.tip).tree
    for path in ("entries/objective", "entries/decision", "entries/blocker", "entries", "nothing/here"):
        assert ws.repo.quick_blobs(handle.tip, path) == list(ws.repo.blobs_under(tree, path)), path
    assert ws.repo.quick_blobs(handle.tip, "meta.json", file=True) == [
        ("meta.json", ws.repo.blob_at(tree, store.META_PATH))
    ]
    assert ws.repo.quick_blobs(handle.tip, "meta.json") == []  # a file where a folder is asked: none, as blobs_under
    assert ws.repo.quick_blobs(handle.tip, "entries", file=True) is None
    assert ws.repo.quick_blobs(handle.tip, "nothing", file=True) is None
    assert ws.repo.quick_blobs(tree, "entries") is None  # not a commit
    assert ws.repo.quick_blobs(ObjectId("0" * 40), "entries") is None  # not here


def test_quick_folders_reads_each_folder_as_quick_blobs_does_and_none_when_one_is_unusual(tmp_path: Path) -> None:
    where, ws, handle = one_session(tmp_path)
    paths = ["entries/objective", "entries/blocker", "entries/commit", "meta.json"]
    assert ws.repo.quick_folders(handle.tip, paths) == [ws.repo.quick_blobs(handle.tip, path) for path in paths]
    deep = ObjectId(too_deep(where, tmp_path, handle.tip))
    assert ws.repo.quick_blobs(deep, "entries/objective") is None
    assert ws.repo.quick_folders(deep, ["entries/blocker"]) == [[]]  # gone from that commit
    assert ws.repo.quick_folders(deep, ["entries/blocker", "entries/objective"]) is None
    assert ws.repo.quick_folders(ObjectId(ws.repo.commit(handle.tip).tree), ["entries/objective"]) is None
