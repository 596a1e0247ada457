"""``doctor`` judges a history as git reads it (replace refs, grafts), and ``doctor --fix``
never moves a ref back over entries git can read."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import as_json, git, make_repo, ok, run, session_refs


def notes_session(tmp_path: Path, *texts: str) -> tuple[Path, str]:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work")
    for text in texts:
        ok(repo, "note", text)
    (ref,) = session_refs(repo)
    return repo, ref


def object_file(repo: Path, oid: str) -> Path:
    return repo / ".git" / "objects" / oid[:2] / oid[2:]


def replace_missing(repo: Path, oid: str) -> str:
    """What `git replace` is for: a commit lost (its file gone) stands in for by a copy
    git reads instead (same tree and parents, another message)."""
    body = git(repo, "cat-file", "commit", oid)
    copy = git(repo, "hash-object", "-t", "commit", "-w", "--stdin", input=body + "restored by hand\n").strip()
    git(repo, "replace", oid, copy)
    object_file(repo, oid).unlink()
    return copy


def texts(repo: Path) -> list[str]:
    return [n["text"] for n in as_json(repo, "show")["notes"]]


def test_a_replaced_commit_in_a_session_history_is_no_problem_and_fix_keeps_every_entry(tmp_path: Path) -> None:
    repo, ref = notes_session(tmp_path, "a", "b", "c", "d")
    tip = git(repo, "rev-parse", ref).strip()
    replace_missing(repo, git(repo, "rev-parse", f"{ref}~3").strip())
    git(repo, "rev-list", "--objects", "--quiet", ref)  # git reads the whole history
    report = run(repo, "doctor")
    assert f"problem: {ref}" not in report.stdout
    fixed = run(repo, "doctor", "--fix")
    assert f"problem: {ref}" not in fixed.stdout and "restored" not in fixed.stdout
    assert git(repo, "rev-parse", ref).strip() == tip
    assert texts(repo) == ["a", "b", "c", "d"]


def installed(tmp_path: Path, *texts: str) -> tuple[Path, str, str]:
    """A session of notes in an installed repository, and doctor's first lines there."""
    repo, ref = notes_session(tmp_path, *texts)
    ok(repo, "install")
    healthy = run(repo, "doctor")
    assert healthy.exit_code == 0
    return repo, ref, healthy.stdout


def unfollowed(ref: str, tip: str) -> str:
    return (
        f"warning: {ref}: git reads its history through refs/replace/, which git-session's own reads (its log) "
        "do not follow: "
        f"the history of {tip[:12]} misses an object\n"
    )


def test_doctor_reports_a_replaced_history_as_healthy_in_whole(tmp_path: Path) -> None:
    """Healthy (exit 0), with a warning: git-session's own reads (libgit2) do not follow
    the replace ref, so ``log`` of that session fails."""
    repo, ref, healthy = installed(tmp_path, "a", "b", "c")
    tip = git(repo, "rev-parse", ref).strip()
    replace_missing(repo, git(repo, "rev-parse", f"{ref}~2").strip())
    for args in (("doctor",), ("doctor", "--fix")):
        result = run(repo, *args)
        assert (result.exit_code, result.stdout) == (0, healthy + unfollowed(ref, tip))


def test_a_history_git_refuses_and_libgit2_reads_is_a_problem_that_fix_leaves(tmp_path: Path) -> None:
    """A replacement naming a parent that is gone: libgit2 (which ignores replace refs)
    reads the history, git does not."""
    repo, ref, healthy = installed(tmp_path, "a", "b")
    tip = git(repo, "rev-parse", ref).strip()
    parent = git(repo, "rev-parse", f"{ref}~1").strip()
    body = git(repo, "cat-file", "commit", parent).replace(
        "parent " + git(repo, "rev-parse", f"{ref}~2").strip(), "parent " + "1" * 40
    )
    copy = git(repo, "hash-object", "-t", "commit", "-w", "--stdin", "--literally", input=body).strip()
    git(repo, "replace", "-f", parent, copy)
    problem = (
        f"problem: {ref}: git cannot read its history: Could not read {'1' * 40}; git reads its newest commit, "
        f"which the fix never moves back over (git reflog {ref} lists its earlier values)\n"
    )
    for args in (("doctor",), ("doctor", "--fix")):
        result = run(repo, *args)
        assert (result.exit_code, result.stdout) == (1, healthy + problem + "1 problem(s)\n")
    assert git(repo, "rev-parse", ref).strip() == tip
    assert texts(repo) == ["a", "b"]


def test_fix_never_moves_a_session_back_over_a_newest_commit_git_reads(tmp_path: Path) -> None:
    """An old commit lost (no replacement): main restored the session to its first commit,
    dropping every note written since, which git reads in its newest commit."""
    repo, ref, healthy = installed(tmp_path, "a", "b", "c")
    tip = git(repo, "rev-parse", ref).strip()
    lost = git(repo, "rev-parse", f"{ref}~2").strip()
    object_file(repo, lost).unlink()
    problem = (
        f"problem: {ref}: the history of {tip[:12]} misses an object; git reads its newest commit, "
        f"which the fix never moves back over (git reflog {ref} lists its earlier values)\n"
    )
    for args in (("doctor",), ("doctor", "--fix")):
        result = run(repo, *args)
        assert (result.exit_code, result.stdout) == (1, healthy + problem + "1 problem(s)\n")
    assert git(repo, "rev-parse", ref).strip() == tip
    assert texts(repo) == ["a", "b", "c"]


def test_fix_does_not_skip_a_newer_reflog_commit_git_reads(tmp_path: Path) -> None:
    """The tip lost and an old commit lost: the commit before the tip is readable (its
    history is not whole); the only complete one is the first: main went back to it."""
    repo, ref, _ = installed(tmp_path, "a", "b", "c")
    tip = git(repo, "rev-parse", ref).strip()
    before = git(repo, "rev-parse", f"{ref}~1").strip()
    object_file(repo, git(repo, "rev-parse", f"{ref}~2").strip()).unlink()
    object_file(repo, tip).unlink()
    fixed = run(repo, "doctor", "--fix")
    assert fixed.exit_code == 1
    assert fixed.stdout.endswith(
        f"git reads the commit {before[:12]} of its reflog, whose history is not whole: the fix leaves it\n"
        "1 problem(s)\n"
    )
    assert git(repo, "rev-parse", ref).strip() == tip


def test_fix_restores_a_lost_tip_over_a_replaced_history_and_keeps_the_reflog_git_reads(tmp_path: Path) -> None:
    repo, ref, healthy = installed(tmp_path, "a", "b", "c")
    tip = git(repo, "rev-parse", ref).strip()
    before = git(repo, "rev-parse", f"{ref}~1").strip()
    replaced = git(repo, "rev-parse", f"{ref}~2").strip()
    replace_missing(repo, replaced)
    object_file(repo, tip).unlink()
    fixed = run(repo, "doctor", "--fix")
    restored = f"fixed: restored {ref} to {before[:12]}, the newest complete commit of its reflog\n"
    assert (fixed.exit_code, fixed.stdout) == (0, restored + healthy + unfollowed(ref, before))
    assert git(repo, "rev-parse", ref).strip() == before
    assert texts(repo) == ["a", "b"]
    values = git(repo, "reflog", "--format=%H", ref).split()
    assert replaced in values and tip not in values  # the replaced one git reads stays in the reflog


def test_one_broken_session_among_many_is_found_alone(tmp_path: Path) -> None:
    repo, ref, _ = installed(tmp_path, "a")
    for n in range(4):
        git(repo, "switch", "-q", "-c", f"b{n}")
        ok(repo, "start", f"other {n}")
    tip = git(repo, "rev-parse", ref).strip()
    object_file(repo, tip).unlink()
    result = run(repo, "doctor")
    problems = [line for line in result.stdout.splitlines() if line.startswith("problem:")]
    assert len(problems) == 1 and problems[0].startswith(f"problem: {ref}: ")


def test_a_history_cut_by_a_graft_is_read_as_git_reads_it(tmp_path: Path) -> None:
    """``.git/info/grafts`` (which git still follows) makes a commit a root: what it
    replaced may be gone. (libgit2 follows this file too: a guard, it passes on main.)"""
    repo, ref, healthy = installed(tmp_path, "a", "b")
    tip = git(repo, "rev-parse", ref).strip()
    root, lost = (git(repo, "rev-parse", f"{ref}~{n}").strip() for n in (1, 2))
    git(repo, "config", "advice.graftFileDeprecated", "false")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "grafts").write_text(f"{root}\n")
    object_file(repo, lost).unlink()
    for args in (("doctor",), ("doctor", "--fix")):
        result = run(repo, *args)
        assert (result.exit_code, result.stdout) == (0, healthy)
    assert git(repo, "rev-parse", ref).strip() == tip


def test_a_session_ref_at_a_file_is_still_a_problem_that_fix_restores(tmp_path: Path) -> None:
    """git reads a file (``rev-list --objects`` of it succeeds), but it is no history."""
    repo, ref, healthy = installed(tmp_path, "a")
    tip = git(repo, "rev-parse", ref).strip()
    blob = git(repo, "rev-parse", f"{ref}:meta.json").strip()
    git(repo, "update-ref", ref, blob)
    report = run(repo, "doctor")
    assert report.exit_code == 1 and f"problem: {ref}: " in report.stdout
    fixed = run(repo, "doctor", "--fix")
    restored = f"fixed: restored {ref} to {tip[:12]}, the newest complete commit of its reflog\n"
    assert (fixed.exit_code, fixed.stdout) == (0, restored + healthy)
    assert texts(repo) == ["a"]


def test_fix_alone_keeps_the_entries_of_a_replaced_history(tmp_path: Path) -> None:
    """The loss itself, as main had it: ``doctor --fix`` pointed the session back at its
    first commit (the only one whose history libgit2 reads), and every note was gone."""
    repo, ref = notes_session(tmp_path, "a", "b", "c", "d")
    tip = git(repo, "rev-parse", ref).strip()
    replace_missing(repo, git(repo, "rev-parse", f"{ref}~3").strip())
    run(repo, "doctor", "--fix")
    assert texts(repo) == ["a", "b", "c", "d"]
    assert git(repo, "rev-parse", ref).strip() == tip
