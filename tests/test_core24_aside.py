"""``doctor --fix`` moves a damaged session ref and its reflog aside (``Repo.move_ref_aside``).
A second move of the same ref (broken again after a fetch, or a second ref of the same
name) replaced the first copy and its reflog: recovery material lost. The copy now takes
the first free name (``<aside>-2``…), a packed ref counted as taken too. And a lock held
on the name aside (another writer) raised a file-system error instead of the function's
"not moved" answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session.gitrepo import Ident, Repo
from git_session.names import ObjectId
from git_session.repair import Broken, repair
from tests.helpers import git

REF = "refs/sessions/01HZX"
ASIDE = "refs/session-broken/sessions/01HZX"


def repo_with_session(tmp_path: Path, message: str) -> tuple[Path, Repo, ObjectId]:
    path = tmp_path / "repo"
    if not path.exists():
        git(tmp_path, "init", "-q", str(path))
    repo = Repo.discover(str(path))
    tip = repo.write_commit(repo.edit_tree(None, {}), [], message, Ident("t", "t@example.com", 1700000000, "+0000"))
    git(path, "update-ref", "--create-reflog", "-m", message, REF, tip)
    return path, repo, tip


def reflog_messages(path: Path, ref: str) -> list[str]:
    return git(path, "reflog", "show", "--format=%gs", ref).splitlines()


def test_a_second_move_aside_of_the_same_ref_keeps_the_first_copy_and_its_reflog(tmp_path: Path) -> None:
    path, repo, first = repo_with_session(tmp_path, "first life")
    assert repo.move_ref_aside(REF, ASIDE, first) == ASIDE
    _, repo, second = repo_with_session(tmp_path, "second life")
    assert repo.move_ref_aside(REF, ASIDE, second) == f"{ASIDE}-2"
    assert repo.ref_target(ASIDE) == first and repo.ref_target(f"{ASIDE}-2") == second
    assert reflog_messages(path, ASIDE) == ["first life"]
    assert reflog_messages(path, f"{ASIDE}-2") == ["second life"]
    assert repo.ref_target(REF) is None


@pytest.mark.parametrize("how", ["packed copy", "reflog only"])
def test_a_name_aside_taken_by_a_packed_ref_or_a_reflog_is_not_reused(tmp_path: Path, how: str) -> None:
    path, repo, first = repo_with_session(tmp_path, "first life")
    assert repo.move_ref_aside(REF, ASIDE, first) == ASIDE
    if how == "packed copy":
        git(path, "pack-refs", "--all")
        assert not Path(repo._ref_path(ASIDE)).exists()
    else:
        git(path, "update-ref", "--no-deref", "-d", ASIDE)  # (git removes its reflog with it...)
        saved = Path(repo.reflog_path(ASIDE))
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text("kept by hand\n")  # (...this one was put back by hand)
    _, repo, second = repo_with_session(tmp_path, "second life")
    assert repo.move_ref_aside(REF, ASIDE, second) == f"{ASIDE}-2"
    assert repo.ref_target(f"{ASIDE}-2") == second
    if how == "packed copy":
        assert repo.ref_target(ASIDE) == first
    else:
        assert Path(repo.reflog_path(ASIDE)).read_text() == "kept by hand\n"


def test_a_held_lock_on_the_name_aside_leaves_the_ref_where_it_is(tmp_path: Path) -> None:
    path, repo, tip = repo_with_session(tmp_path, "created")
    lock = Path(repo.lock_path(ASIDE))
    lock.parent.mkdir(parents=True)
    lock.write_text("")  # another writer's
    assert repo.move_ref_aside(REF, ASIDE, tip) is None
    assert repo.ref_target(REF) == tip and repo.ref_target(ASIDE) is None
    assert reflog_messages(path, REF) == ["created"]
    assert lock.exists() and not Path(repo.lock_path(REF)).exists()


def test_doctor_fix_says_where_a_second_copy_went(tmp_path: Path) -> None:
    _, repo, first = repo_with_session(tmp_path, "first life")
    assert repair(repo, Broken(REF, first, "lost", "aside")).startswith(f"moved {REF} aside to {ASIDE}:")
    _, repo, second = repo_with_session(tmp_path, "second life")
    said = repair(repo, Broken(REF, second, "lost", "aside"))
    assert said.startswith(f"moved {REF} aside to {ASIDE}-2 ({ASIDE} holds an earlier copy, kept): ")
