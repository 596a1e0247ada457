"""Issue 10: one config reader that sees what git sees, ``git -c`` and ``GIT_CONFIG_*`` included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from git_session import trailers
from git_session.gitrepo import Repo, command_line_config, config_bool, config_key
from tests.helpers import git, make_repo, ok

# git runs `git session` as the `git-session` on PATH: the one of the venv running the tests.
ENV_PATH = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def git_session(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """``git [args]``, which runs ``git-session`` itself and hands it the command-line config."""
    command = ["git", *args]
    result = subprocess.run(
        command, cwd=repo, capture_output=True, text=True, env={**os.environ, **ENV_PATH, **(env or {})}
    )
    assert result.returncode == 0, f"{' '.join(command)} -> {result.returncode}\n{result.stderr}"
    return result.stdout


def two_remotes(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A repository with a session, its ``origin`` and a second remote ``other``."""
    repo = make_repo(tmp_path)
    remotes = []
    for name in ("origin", "other"):
        bare = tmp_path / f"{name}.git"
        git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
        git(repo, "remote", "add", name, str(bare))
        remotes.append(bare)
    ok(repo, "start", "work", "-o", "O1")
    return repo, remotes[0], remotes[1]


def sessions_in(bare: Path) -> list[str]:
    return git(bare, "for-each-ref", "--format=%(refname)", "refs/sessions/").split()


def test_git_dash_c_session_remote_is_where_push_goes(tmp_path: Path) -> None:
    repo, origin, other = two_remotes(tmp_path)
    git_session(repo, "-c", "session.remote=other", "session", "push")
    assert sessions_in(other) and not sessions_in(origin)


def test_a_dash_c_section_name_in_any_case_is_the_same_key(tmp_path: Path) -> None:
    repo, origin, other = two_remotes(tmp_path)
    git(repo, "config", "session.remote", "origin")  # the file says origin; the command line wins
    git_session(repo, "-c", "SESSION.Remote=other", "session", "push")
    assert sessions_in(other) and not sessions_in(origin)


def test_git_config_count_variables_choose_the_remote(tmp_path: Path) -> None:
    repo, origin, other = two_remotes(tmp_path)
    counted = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "Session.remote", "GIT_CONFIG_VALUE_0": "other"}
    git_session(repo, "session", "push", env=counted)
    assert sessions_in(other) and not sessions_in(origin)


def test_a_dash_c_trailer_key_is_used(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "work", "-o", "O1")
    git_session(repo, "-c", "session.trailer.id=Work-Session", "session", "hook", "refresh")
    cache = trailers.cache_path(Repo.discover(str(repo)), "main")
    assert cache is not None
    text = cache.read_text()
    assert "keys Work-Session Session-Objectives Decisions\n" in text
    assert "\nWork-Session: " in text


@pytest.mark.parametrize(
    "value",
    ['it\'s a "quoted" value', "a=b=c", "  spaced  ", "bang! 'and' \\ back", ""],
    ids=["quotes", "equals", "spaces", "bang-backslash", "empty"],
)
def test_a_dash_c_value_arrives_exactly(tmp_path: Path, value: str) -> None:
    repo = make_repo(tmp_path)
    program = "import sys; from git_session.gitrepo import Repo; print(repr(Repo.discover().config_value(sys.argv[1])))"
    script = f"{sys.executable} -c '{program}'"
    shown = git_session(
        repo, "-c", f"alias.cfgshow=!{script}", "-c", f"Branch.Main.Note={value}", "cfgshow", "branch.Main.note"
    )
    assert shown.strip() == repr(value)
    lower = git_session(
        repo, "-c", f"alias.cfgshow=!{script}", "-c", f"branch.Main.note={value}", "cfgshow", "branch.main.note"
    )
    assert lower.strip() == "None"  # the subsection keeps its case


def test_git_config_parameters_formats() -> None:
    new = "'alias.env'=''\\!'env' 'Session.Remote'='it'\\''s a=b \"q\"' 'Branch.Main.Flag'= 'core.x'=''"
    assert command_line_config({"GIT_CONFIG_PARAMETERS": new}) == [
        ("alias.env", "!env"),
        ("session.remote", 'it\'s a=b "q"'),
        ("branch.Main.flag", None),
        ("core.x", ""),
    ]
    old = "'session.remote=up' 'session.mergeTrailers'"
    assert command_line_config({"GIT_CONFIG_PARAMETERS": old}) == [
        ("session.remote", "up"),
        ("session.mergetrailers", None),
    ]
    both = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "a.b",
        "GIT_CONFIG_VALUE_0": "x",
        "GIT_CONFIG_PARAMETERS": "'a.b'='y'",
    }
    assert command_line_config(both) == [("a.b", "x"), ("a.b", "y")]  # git's order: -c last, so it wins


def test_keys_and_booleans_read_as_git_reads_them() -> None:
    assert config_key("Branch.Main.Remote") == "branch.Main.remote"
    assert config_key("SESSION.remote") == "session.remote"
    assert [config_bool(v) for v in (None, "", "yes", "On", "TRUE", "1", "no", "off", "0", "2", "maybe")] == [
        True, False, True, True, True, True, False, False, False, True, None,
    ]  # fmt: skip


def test_the_last_value_wins_and_the_command_line_comes_last(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "config", "--add", "session.remote", "one")
    git(repo, "config", "--add", "session.remote", "two")
    assert Repo.discover(str(repo)).config_value("session.remote") == "two"
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'session.remote'='three'")
    opened = Repo.discover(str(repo))
    assert opened.config_value("session.remote") == "three"
    assert opened.config_values("Session.Remote") == ["one", "two", "three"]


def test_git_config_global_names_the_global_file(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (Path(os.environ["HOME"]) / ".gitconfig").write_text("[session]\n\tremote = home\n")
    xdg = Path(os.environ["XDG_CONFIG_HOME"]) / "git"
    xdg.mkdir(parents=True)
    (xdg / "config").write_text("[session]\n\tpushCheck = warn\n")
    assert Repo.discover(str(repo)).config_value("session.pushcheck") == "warn"
    assert Repo.discover(str(repo)).config_value("session.remote") == "home"
    named = tmp_path / "global.cfg"
    named.write_text("[session]\n\tremote = named\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(named))
    assert Repo.discover(str(repo)).config_values("session.remote") == ["named"]
    assert Repo.discover(str(repo)).config_value("session.pushCheck") is None  # nor the XDG file, as git
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    assert Repo.discover(str(repo)).config_value("session.remote") is None


def test_git_config_system_and_nosystem(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    named = tmp_path / "system.cfg"
    named.write_text("[session]\n\tremote = system\n")
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(named))
    assert Repo.discover(str(repo)).config_value("session.remote") is None  # GIT_CONFIG_NOSYSTEM=1 (the seal)
    monkeypatch.delenv("GIT_CONFIG_NOSYSTEM")
    assert Repo.discover(str(repo)).config_values("session.remote") == ["system"]
