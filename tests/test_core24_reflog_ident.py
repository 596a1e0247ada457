"""A reflog line git-session writes names whom git's own would (``git update-ref`` under the
same environment and config): the committer (``GIT_COMMITTER_NAME`` / ``GIT_COMMITTER_EMAIL``,
then ``committer.*``, then ``user.*``), dated now in the local time zone, as libgit2 dates
its lines (``GIT_COMMITTER_DATE`` is git's alone: libgit2, given our identity by
``Repository.set_ident``, takes no date). Both writers of our lines did otherwise: libgit2's
(a work tree's repository) named ``user.*``; ours (a bare one, or logging off in the files)
named ``user.*`` (else ``git-session <git-session@localhost>``), now, ``+0000``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from git_session.gitrepo import Ident, Repo
from tests.helpers import git

OURS, GITS = "refs/sessions/ours", "refs/sessions/gits"


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def who_and_when(repo: Repo, ref: str) -> tuple[str, int, str]:
    """The last line's ``Name <email>``, time and zone."""
    last = Path(repo.reflog_path(ref)).read_text(encoding="utf-8").splitlines()[-1]
    who, seconds, zone = last.split("\t", 1)[0].split(" ", 2)[2].rsplit(" ", 2)
    return who, int(seconds), zone


def written_now(repo: Repo, ref: str, before: int, after: int) -> str:
    """The last line's ``Name <email>``, once its date is checked: between ``before`` and
    ``after``, in the local time zone."""
    who, seconds, zone = who_and_when(repo, ref)
    assert zone == time.strftime("%z", time.localtime(before))  # (Paris: +0100 or +0200)
    assert before <= seconds <= after
    return who


def both_written(tmp_path: Path, bare: bool) -> Repo:
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", *(["--bare"] if bare else []), str(path))
    git(path, "config", "user.name", "Config User")
    git(path, "config", "user.email", "config@example.com")
    repo = Repo.discover(str(path))
    tip = repo.write_commit(repo.edit_tree(None, {}), [], "a", Ident("t", "t@example.com", 1700000000, "+0000"))
    assert repo.cas_ref(OURS, tip, None, "git-session: ours")
    git(path, "update-ref", "--create-reflog", "-m", "git's", GITS, tip)
    return repo


@pytest.mark.parametrize("bare", [False, True], ids=["libgit2's line", "our line"])
def test_the_committer_of_the_environment_as_git_names_it_dated_now_in_the_local_time_zone(
    tmp_path: Path, paris: None, monkeypatch: pytest.MonkeyPatch, bare: bool
) -> None:
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2021-06-01 12:00:00 -0700")
    before = int(time.time())
    repo = both_written(tmp_path, bare)
    after = int(time.time())
    assert written_now(repo, OURS, before, after) == "C O Mitter <committer@example.com>"
    assert who_and_when(repo, GITS) == ("C O Mitter <committer@example.com>", 1622574000, "-0700")


@pytest.mark.parametrize("bare", [False, True], ids=["libgit2's line", "our line"])
def test_committer_config_first_then_now_in_the_local_time_zone(
    tmp_path: Path, paris: None, monkeypatch: pytest.MonkeyPatch, bare: bool
) -> None:
    for name in ("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE"):
        monkeypatch.delenv(name)
    monkeypatch.setenv(
        "GIT_CONFIG_PARAMETERS", "'committer.name'='Cmd Committer' 'committer.email'=' <cmd@example.com>. '"
    )
    before = int(time.time())
    repo = both_written(tmp_path, bare)
    after = int(time.time())
    assert written_now(repo, OURS, before, after) == written_now(repo, GITS, before, after)
    assert who_and_when(repo, OURS)[0] == "Cmd Committer <cmd@example.com>"


@pytest.mark.parametrize("bare", [False, True], ids=["libgit2's line", "our line"])
def test_user_config_when_nothing_else_names_the_committer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bare: bool
) -> None:
    for name in ("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name)
    repo = both_written(tmp_path, bare)
    assert who_and_when(repo, OURS)[0] == who_and_when(repo, GITS)[0] == "Config User <config@example.com>"


@pytest.mark.parametrize("ref", ["refs/heads/topic", "refs/notes/sessions"])
def test_logging_off_on_the_command_line_begins_no_reflog_git_does_not_begin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ref: str
) -> None:
    """``git -c core.logAllRefUpdates=false`` over a work tree's ``true``: git begins no
    reflog for a branch or the notes ref; libgit2, which reads the files only, began one."""
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(path))
    repo = Repo.discover(str(path))
    ident = Ident("t", "t@example.com", 1700000000, "+0000")
    first = repo.write_commit(repo.edit_tree(None, {}), [], "a", ident)
    second = repo.write_commit(repo.edit_tree(None, {}), [first], "b", ident)
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.logallrefupdates'='false'")
    repo = Repo.discover(str(path))
    assert repo.cas_ref(ref, first, None, "git-session: created")
    assert not repo.cas_ref(ref, first, None, "git-session: again")  # (there already)
    assert not repo.cas_ref(ref, second, second, "git-session: moved?")  # (not at second)
    Path(repo.lock_path(ref)).write_text("")  # another writer's
    assert not repo.cas_ref(ref, second, first, "git-session: locked")
    Path(repo.lock_path(ref)).unlink()
    assert repo.cas_ref(ref, second, first, "git-session: moved")
    assert repo.ref_target(ref) == second
    assert not Path(repo.reflog_path(ref)).exists()
    log = Path(repo.reflog_path(ref))
    log.parent.mkdir(parents=True, exist_ok=True)
    log.touch()  # a reflog there: git appends to it whatever the setting, and so do we
    assert repo.cas_ref(ref, first, second, "git-session: back")
    assert git(path, "reflog", "show", "--format=%gs", ref).splitlines() == ["git-session: back"]
