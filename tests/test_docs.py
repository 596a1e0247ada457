"""The man page and the README's command reference are generated from the click tree
and must match it; every command's --help works; the wheel installs the man page
where man (and so `git help session`) finds it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from git_session import manpage
from git_session.cli import cli
from git_session.integrations import shims as integration_shims

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = manpage.walk()
HINT = "is stale: regenerate it with `python3 dev.py docs` and commit the result"
MAN = shutil.which("man")
needs_man = pytest.mark.skipif(MAN is None, reason="man is not installed")


# --- generated documents are up to date -----------------------------------------------


def test_man_page_is_up_to_date() -> None:
    committed = (ROOT / manpage.MAN_PATH).read_text(encoding="utf-8")
    assert committed == manpage.render_man(), f"{manpage.MAN_PATH} {HINT}"


def test_readme_command_reference_is_up_to_date() -> None:
    readme = (ROOT / manpage.README_PATH).read_text(encoding="utf-8")
    assert readme == manpage.splice_readme(readme, manpage.render_markdown()), f"README.md's command reference {HINT}"


def test_check_and_write_on_a_stale_copy(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(f"# x\n\n{manpage.START_MARKER}\nstale text\n{manpage.END_MARKER}\n\nafter\n")
    assert manpage.main(["--check", "--root", str(tmp_path)]) == 1
    assert manpage.main(["--write", "--root", str(tmp_path)]) == 0
    assert manpage.main(["--check", "--root", str(tmp_path)]) == 0
    readme = (tmp_path / "README.md").read_text()
    assert readme.startswith("# x\n\n") and readme.endswith(f"{manpage.END_MARKER}\n\nafter\n")
    assert "stale text" not in readme and "| `git session start " in readme


def test_readme_without_markers_is_an_error() -> None:
    with pytest.raises(ValueError, match="commands:start"):
        manpage.splice_readme("# no markers\n", "x\n")


def test_every_command_is_in_both_documents() -> None:
    man = manpage.render_man()
    markdown = manpage.render_markdown()
    for command in COMMANDS:
        assert manpage.roff_escape(command.name) in man
    for command in manpage.leaves(COMMANDS):
        assert f"\n| `{command.name} " in markdown or f"\n| `{command.name}` |" in markdown


def test_every_exit_code_is_documented() -> None:
    codes = dict(manpage.exit_codes())
    assert sorted(codes) == [0, 1, 2, 3, 4, 5, 70, 74, 130]


def test_the_cli_does_not_import_the_generator() -> None:
    code = "import sys, git_session.cli; print('git_session.manpage' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "False\n"


# --- every command's --help --------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c.path) or "git-session")
def test_help(command: manpage.CommandDoc) -> None:
    result = CliRunner().invoke(cli, [*command.path, "--help"], prog_name="git session")
    assert result.exit_code == 0, result.output
    usage = result.output.splitlines()[0]
    assert usage.startswith(f"Usage: {command.name} [OPTIONS]"), usage
    for argument in command.arguments:
        assert argument in usage
    flat = " ".join(result.output.split())
    assert " ".join(command.short_help.split()) in flat
    for option in command.options:
        assert ", ".join(option.names) in flat


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.path][:3], ids=lambda c: " ".join(c.path))
def test_short_help_option_on_subcommands(command: manpage.CommandDoc) -> None:
    result = CliRunner().invoke(cli, [*command.path, "-h"], prog_name="git session")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: {command.name} ")


# --- the man page renders, and a wheel installs it where man finds it -------------------


def _man_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MANPATH", "MANOPT", "MANROFFOPT")}
    return {**env, "MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat", **extra}


@needs_man
def test_man_renders_the_page() -> None:
    page = ROOT / manpage.MAN_PATH
    result = subprocess.run(
        [str(MAN), "--warnings", "-l", str(page)], capture_output=True, text=True, env=_man_env(), timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "NAME\n       git-session - keep a branch's working context" in result.stdout
    for section in ("SYNOPSIS", "COMMANDS", "SESSION NAMES", "EXIT STATUS", "ENVIRONMENT", "FILES", "SEE ALSO"):
        assert f"\n{section}\n" in result.stdout


def _copy_project(dest: Path) -> Path:
    """A clean copy, so that building leaves no build/ or egg-info in the work tree."""
    ignore = shutil.ignore_patterns(".*", "__pycache__", "build", "dist", "*.egg-info")
    return Path(shutil.copytree(ROOT, dest / "src", ignore=ignore))


def _build_wheel(tmp_path: Path) -> Path:
    """Offline without build isolation when this interpreter can build wheels; else pip's isolated build."""
    src, out = _copy_project(tmp_path), tmp_path / "dist"
    can_build_here = importlib.util.find_spec("wheel") is not None or _setuptools_has_bdist_wheel()
    isolation = ["--no-build-isolation", "--no-index"] if can_build_here else []
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, "-w", str(out), str(src)]
    env = {**os.environ, "PIP_RETRIES": "0", "PIP_DEFAULT_TIMEOUT": "10", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip("building a wheel took over 120 s (no package index reachable?)")
    wheels = sorted(out.glob("git_session-*.whl"))
    if result.returncode != 0 or not wheels:
        pytest.skip(f"pip could not build a wheel here: {_first_error(result.stderr)}")
    return wheels[0]


def _first_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return next((line for line in lines if line.startswith("ERROR:")), lines[-1] if lines else "no output")


def _setuptools_has_bdist_wheel() -> bool:
    """setuptools >= 70.1 builds wheels itself; older ones need the wheel package."""
    return importlib.util.find_spec("setuptools.command.bdist_wheel") is not None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_wheel(tmp_path_factory.mktemp("wheel"))


def _man_member(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        members = [n for n in archive.namelist() if n.endswith(".data/data/share/man/man1/git-session.1")]
    assert members, f"{wheel.name} has no share/man/man1/git-session.1"
    return members[0]


def test_wheel_ships_the_man_page(wheel: Path) -> None:
    member = _man_member(wheel)
    assert member.startswith("git_session-") and member.count("/") == 5
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(member).decode() == (ROOT / manpage.MAN_PATH).read_text(encoding="utf-8")


def test_wheel_ships_the_hooks(wheel: Path) -> None:
    """The shims install copies are package data, read from the installed package."""
    shims = integration_shims.shipped_hooks()
    assert {"prepare-commit-msg", "commit-msg", "post-rewrite"} <= {shim.name for shim in shims}
    with zipfile.ZipFile(wheel) as archive:
        for shim in shims:
            assert archive.read(f"git_session/hooks/{shim.name}") == (ROOT / "hooks" / shim.name).read_bytes()


def test_wheel_ships_the_templates(wheel: Path) -> None:
    """The default handoff and ADR templates are package data, read with importlib.resources."""
    with zipfile.ZipFile(wheel) as archive:
        for name in ("handoff.md.j2", "handoff.html.j2", "adr.md.j2"):
            shipped = archive.read(f"git_session/templates/{name}")
            assert shipped == (ROOT / "git_session" / "templates" / name).read_bytes()


@needs_man
def test_git_help_finds_the_installed_page(wheel: Path, tmp_path: Path) -> None:
    """pip puts scripts in <prefix>/bin and the data in <prefix>/share/man; man-db maps a
    PATH entry <prefix>/bin to <prefix>/share/man, so `git help session` (and `git session
    --help`, which git turns into it) finds the page, as long as git-session is on PATH."""
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    script = prefix / "bin/git-session"  # git help maps `session` to git-session(1) only if it is a command
    script.write_text(f"#!{sys.executable}\nfrom git_session.cli import main\nmain()\n")
    script.chmod(0o755)
    target = prefix / "share/man/man1/git-session.1"
    target.parent.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as archive:
        target.write_bytes(archive.read(_man_member(wheel)))
    env = _man_env(PATH=f"{prefix / 'bin'}{os.pathsep}{os.environ['PATH']}")
    found = subprocess.run([str(MAN), "-w", "git-session"], capture_output=True, text=True, env=env, timeout=60)
    assert found.stdout.strip() == str(target), found.stderr
    shown = subprocess.run(["git", "help", "session"], capture_output=True, text=True, env=env, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("GIT-SESSION(1)"), shown.stdout[:200]
