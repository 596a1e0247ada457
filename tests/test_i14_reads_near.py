"""Issue 14, a short id with 10,000 loose session refs: ``sessionids.ids_sharing`` checks only
the folders that can change one session's short id (``refs/sessions/`` itself, packed-refs,
the folders holding an id of its prefix), and every folder at the next full check."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from git_session import sessionids
from git_session.gitrepo import Repo
from git_session.names import BranchName
from git_session.sessions import Workspace
from tests.helpers import git, ok
from tests.test_i14_reads import _age, _expected, _folder, _index, _short, _twin, many

__all__ = ["many"]  # the fixture, shared with test_i14_reads


def _stats_spied(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths ``os.stat`` and ``os.lstat`` are given from now on (a name, with ``dir_fd``)."""
    named: list[str] = []
    for name in ("stat", "lstat"):
        real = getattr(os, name)

        def spy(path: Any, *args: Any, real: Any = real, **kwargs: Any) -> Any:
            named.append(os.fspath(path))
            return real(path, *args, **kwargs)

        monkeypatch.setattr(os, name, spy)
    return named


def test_status_stats_only_the_folders_that_can_change_its_short_id(
    many: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Structural: of 41 branch folders, ``status`` checks its own (and the folder list's
    own stamp), not the forty others (the cost that grew with 10,000 sessions)."""
    repo, _ = many
    ok(repo, "start", "Mine")
    _age(repo)
    ok(repo, "status")  # the index written, every folder's stamp trusted
    folders = set(os.listdir(repo / ".git" / "refs" / "sessions"))
    checked = _stats_spied(monkeypatch)
    ok(repo, "status")
    assert sorted({os.path.basename(p) for p in checked} & folders) == [BranchName("main").key()]


def test_a_twin_in_another_branch_s_folder_shows_at_the_next_full_check(
    many: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, ids = many
    one, elsewhere = ids[8], _folder(repo, ids[9])
    before = _short(repo, one)
    twin = _twin(one, 12)
    git(repo, "update-ref", f"refs/sessions/{elsewhere}/{twin}", f"refs/sessions/{elsewhere}/{ids[9]}")
    # Plain git wrote into a folder that held no id of this prefix: not checked for this id...
    assert _short(repo, one) == before
    ok(repo, "list", "--all")  # ...until any listing checks every folder
    assert _short(repo, one) == one[:13] == _expected(repo, one)
    third = _twin(one, 14)
    git(repo, "update-ref", f"refs/sessions/{_folder(repo, ids[10])}/{third}", f"refs/sessions/{elsewhere}/{twin}")
    monkeypatch.setattr(sessionids, "FULL_CHECK_NS", 0)  # the last full check is old: every folder
    assert _short(repo, one) == one[:15] == _expected(repo, one)


def test_a_twin_removed_from_any_folder_shortens_the_id_at_once(many: tuple[Path, list[str]]) -> None:
    repo, ids = many
    one, elsewhere = ids[8], _folder(repo, ids[9])
    twin = _twin(one, 12)
    git(repo, "update-ref", f"refs/sessions/{elsewhere}/{twin}", f"refs/sessions/{elsewhere}/{ids[9]}")
    assert sessionids.session_ids(Repo.discover(str(repo))) == sorted([*ids, twin])  # a full check
    assert _short(repo, one) == one[:13]
    git(repo, "update-ref", "-d", f"refs/sessions/{elsewhere}/{twin}")  # its folder holds an id of the prefix
    assert _short(repo, one) == _expected(repo, one)
    assert len(_short(repo, one)) < 13


def test_an_index_of_the_first_format_is_rebuilt(many: tuple[Path, list[str]]) -> None:
    """An index that main wrote before this change (format 1: no time of the last full check)."""
    repo, ids = many
    assert _short(repo, ids[0]) == _expected(repo, ids[0])
    lines = _index(repo).read_text().split("\n")
    _index(repo).write_text("\n".join(["git-session session refs 1", *lines[2:]]))
    twin = _twin(ids[0], 11)
    folder = _folder(repo, ids[1])
    git(repo, "update-ref", f"refs/sessions/{folder}/{twin}", f"refs/sessions/{folder}/{ids[1]}")
    assert _short(repo, ids[0]) == ids[0][:12] == _expected(repo, ids[0])
    assert _index(repo).read_text().startswith(sessionids.HEADER + "\n")


def test_a_forged_index_never_names_a_path(
    many: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder of the index named ``..`` is refused unchecked: the index is rebuilt from the refs."""
    repo, ids = many
    one = ids[0]
    assert _short(repo, one) == _expected(repo, one)
    lines = _index(repo).read_text().split("\n")
    names = lines[6].split()
    at = next(i for i, refs in enumerate(lines[9:-1]) if refs.startswith(one))
    names[at] = "../../../../outside"  # tmp_path/outside, from repo/.git/refs/sessions
    (tmp_path / "outside").mkdir()
    _index(repo).write_text("\n".join([*lines[:6], " ".join(names), *lines[7:]]))
    named = _stats_spied(monkeypatch)

    assert _short(repo, one) == _expected(repo, one)
    assert [p for p in named if "outside" in p] == []
    assert "outside" not in _index(repo).read_text()


def test_status_shows_the_same_short_ids_as_a_full_listing(many: tuple[Path, list[str]]) -> None:
    repo, ids = many
    ws = Workspace.open(str(repo))
    full = sessionids.session_ids(ws.repo)
    for session_id in ids:
        assert ws.short_session_id(session_id) == _expected(repo, session_id)
        near = sessionids.ids_sharing(ws.repo, session_id, 4)
        assert near == [i for i in full if i.startswith(session_id[:4])]
