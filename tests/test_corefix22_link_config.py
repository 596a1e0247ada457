"""The link path asks git for its config once: ``trailers.read_config`` gives what the hook
compares (``git config --get-regexp CONFIG_PATTERN``, as the hook runs it) and whether the
config reads other files, exactly as the two git processes it replaces answered them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from git_session import trailers
from git_session.gitrepo import Repo
from tests.helpers import git, ok, recorded_calls


def _as_the_hook_and_before(repo: Path) -> tuple[str, bool]:
    """The hook's answer (``$(git config --get-regexp …)``) and the old include check's."""
    hook = subprocess.run(["git", "config", "--get-regexp", trailers.CONFIG_PATTERN], cwd=repo, capture_output=True)
    include = r"^include(if\..*)?\.path$"
    names = git(repo, "config", "--name-only", "--get-regexp", include) if _has(repo, include) else ""
    return hook.stdout.decode("utf-8", "surrogateescape").rstrip("\n"), bool(names.strip())


def _has(repo: Path, pattern: str) -> bool:
    return subprocess.run(["git", "config", "--get-regexp", pattern], cwd=repo, capture_output=True).returncode == 0


CONFIGS = {
    "none": "",
    "plain": '[trailer "ticket"]\n\tkey = Ticket\n[core]\n\tcommentChar = ;\n',
    "valueless and empty": '[trailer "a"]\n\tifexists\n[trailer "b"]\n\tkey =\n[session]\n\tmergeTrailers\n',
    "newline in a value": '[trailer "x"]\n\tkey = "one\\ninclude.path two"\n\twhere = "end\\n\\n"\n',
    "include": '[include]\n\tpath = other.cfg\n[trailer "t"]\n\tkey = T\n',
    "includeIf": '[includeIf "gitdir:/nowhere/"]\n\tpath = other.cfg\n',
    "not utf-8": '[trailer "y"]\n\tkey = caf\xe9\n',
    "unrelated only": "[user]\n\tname = x\n[session]\n\tother = 1\n",
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_one_read_answers_as_the_hook_and_the_include_check(repo: Path, name: str) -> None:
    with open(repo / ".git" / "config", "ab") as config:
        config.write(CONFIGS[name].encode("latin-1"))
    (repo / ".git" / "other.cfg").write_text('[trailer "inc"]\n\tkey = Included\n')
    read = trailers.read_config(Repo.discover(str(repo)))
    assert (read.snapshot, read.includes) == _as_the_hook_and_before(repo)


def test_rendering_the_trailers_starts_one_git_config(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok(repo, "install")
    ok(repo, "start", "Work")
    from git_session import gitcli

    calls = recorded_calls(monkeypatch, gitcli, "run")
    ok(repo, "note", "a note: the trailers are rendered again")
    asked = [list(call[0]) for call in calls if list(call[0][:1]) == ["config"]]
    assert len(asked) == 1, asked
