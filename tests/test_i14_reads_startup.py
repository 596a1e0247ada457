"""Issue 14, start-up: a command whose repository did not change loads only what it uses.
Reattach (and the ``logging``/``concurrent.futures`` it pulls in) waits until a branch
moved; the settings until one is asked for or the shared file is there; the meta cache until
sessions are listed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import git, make_repo_with_remote, ok, run

# Loaded by a command only when it has the work they do.
LAZY = (
    "git_session.reattach",
    "git_session.notes",
    "git_session.settings",
    "git_session.metacache",
    "git_session.data",
    "logging",
    "concurrent.futures",
    "yaml",
    "difflib",
    "traceback",
)

_PROBE = (
    "import json, sys\n"
    "sys.argv = ['git-session', *sys.argv[1:]]\n"
    "from git_session.cli import main\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
)


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # for the hooks


def loaded(repo: Path, *args: str) -> set[str]:
    """The modules a fresh process running ``git session ARGS`` ended with."""
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.splitlines()[-1]))


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A clone with the hooks, a session and a linked commit (the notes exist: automatic
    reattach has something to look for), every branch examined once."""
    repo, _ = make_repo_with_remote(tmp_path)
    ok(repo, "install")
    ok(repo, "start", "Parser")
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "Add a")
    ok(repo, "status")  # links it and records the branches
    assert git(repo, "notes", "--ref=sessions", "list").strip()
    return repo


def test_status_with_nothing_moved_loads_no_reattach_settings_nor_cache(linked: Path) -> None:
    assert sorted(loaded(linked, "status") & set(LAZY)) == []


def test_a_branch_that_moved_is_still_examined(linked: Path) -> None:
    git(linked, "commit", "-q", "--allow-empty", "--no-verify", "-m", "From elsewhere")

    assert "git_session.reattach" in loaded(linked, "status")
    assert "git_session.reattach" not in loaded(linked, "status")  # examined: nothing moved since


def test_list_loads_the_cache_and_a_shared_file_the_settings(linked: Path) -> None:
    assert "git_session.metacache" in loaded(linked, "list")
    (linked / ".git-session").mkdir()
    (linked / ".git-session" / "config.yaml").write_text("brief: [\n")

    assert "git_session.settings" in loaded(linked, "status")
    assert run(linked, "status").stderr.endswith(" (the file is left out; see: git session config)\n")


def test_a_bare_repository_s_file_in_head_is_still_checked(tmp_path: Path) -> None:
    repo, remote = make_repo_with_remote(tmp_path)
    (repo / ".git-session").mkdir()
    (repo / ".git-session" / "config.yaml").write_text("brief: [\n")
    git(repo, "add", ".git-session")
    git(repo, "commit", "-q", "-m", "Shared settings")
    git(repo, "push", "-q", "origin", "main")

    listed = run(remote, "list")

    assert listed.stderr == (
        "git-session: warning: HEAD:.git-session/config.yaml:2:1: "
        "not valid YAML: did not find expected node content (the file is left out; see: git session config)\n"
    )
