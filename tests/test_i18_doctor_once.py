"""`doctor` checks each thing once: main walked every session's history (and listed the
lock files) twice without ``--fix``, once for its decision whether to repair and again for
the report. After a repair the checks run once more, on what the repair left."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session import doctor
from git_session.gitrepo import Repo
from git_session.integrations.base import Finding
from tests.helpers import make_repo, ok


def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    walk = doctor._history_findings

    def counting(repo: Repo) -> tuple[Finding, ...]:
        calls.append(1)
        return tuple(walk(repo))

    monkeypatch.setattr(doctor, "_history_findings", counting)
    return calls


@pytest.mark.parametrize("fix", [False, True])
def test_a_healthy_repository_has_its_histories_walked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fix: bool
) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "install")
    ok(repo, "start", "Healthy work")
    ok(repo, "note", "Keep it small")
    calls = counted(monkeypatch)
    report = doctor.doctor(Repo.discover(str(repo)), fix=fix)
    assert (len(calls), report.problems, report.fixed) == (1, (), ())


def test_a_repair_checks_again_what_it_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "Work with a stale lock")
    lock = Path(Repo.discover(str(repo)).common_dir) / "refs" / "sessions" / "stale.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    calls = counted(monkeypatch)
    before = doctor.doctor(Repo.discover(str(repo)), now=lock.stat().st_mtime + 86_400)
    fixed = doctor.doctor(Repo.discover(str(repo)), fix=True, now=lock.stat().st_mtime + 86_400)
    assert [f.level for f in before.findings if "lock" in f.message] != []
    assert (len(calls), fixed.fixed != ()) == (3, True)
