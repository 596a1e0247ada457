"""The benches time the console script the venv holds: one installed before pyproject.toml's
entry point changed (``git_session.cli:main`` → ``git_session.launch:main``) timed the full
command where users get the early answers (no-op push, handoff), so the bench refuses it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import benchlib


def _venv(tmp_path: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "git-session").write_text(script)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))


def test_a_console_script_of_another_entry_point_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _venv(tmp_path, "import sys\nfrom git_session.cli import main\n", monkeypatch)
    with pytest.raises(SystemExit, match=r"does not start git_session\.launch:main .* dev\.py setup"):
        benchlib.git_session_exe()


def test_the_console_script_of_pyproject_s_entry_point_is_timed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _venv(tmp_path, "import sys\nfrom git_session.launch import main\n", monkeypatch)
    assert benchlib.git_session_exe() == str(tmp_path / "bin" / "git-session")
