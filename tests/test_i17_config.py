"""Issue 17, point 3: shared configuration in .git-session/config.yaml, overridden by git
config, every setting read through git_session.settings; `git session config`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from git_session import settings, trailers
from git_session.agents import cache
from git_session.allowlist import Allowed
from git_session.gitrepo import Repo
from git_session.pushcheck import mode
from git_session.sharing import resolve_remote
from tests.helpers import alarm_after, git, make_repo, ok, run

DEFAULTS = """\
trailer.id=Session-Id
trailer.objectives=Session-Objectives
trailer.decisions=Decisions
mergeTrailers=false
brief.maxChars=4000
brief.context=
claude.budget=
claude.noSession=hint
codex.budget=
codex.noSession=hint
gemini.budget=
gemini.noSession=hint
remote=
pushCheck=block
autoPush=false
hookTimeout=20
secrets.allow=
templateDir=
report.format=
report.since=
"""


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def shared(repo: Path, text: str | bytes) -> Path:
    path = repo / ".git-session" / "config.yaml"
    path.parent.mkdir(exist_ok=True)
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def fault(repo: Path) -> tuple[str, str]:
    """``config``'s failure: its stdout must still be the configuration without the file."""
    result = run(repo, "config")
    assert result.exit_code == 1, result.output
    assert result.stdout == DEFAULTS
    return result.stdout, result.stderr


def test_no_file_lists_every_setting_at_its_default(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert ok(repo, "config") == DEFAULTS
    origins = ok(repo, "config", "--show-origin").splitlines()
    assert origins == [f"default\t{line}" for line in DEFAULTS.splitlines()]


def test_file_then_git_config_each_value_with_its_origin(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    shared(
        repo,
        "# the team's settings\n"
        "trailer:\n  id: Work-Session\n  objectives: Team-Goals\n"
        "brief: {maxChars: 3000, context: [docs/architecture.md, CONVENTIONS.md]}\n"
        "claude.budget: 5000\n"
        "report:\n  format: HTML\n  since: 30 days ago\n"
        "secrets:\n  allow: [0123456789abcdef]\n",
    )
    git(repo, "config", "session.trailer.objectives", "Mine")
    result = run(repo, "config", "--show-origin", env={"GIT_CONFIG_PARAMETERS": "'session.mergeTrailers'='yes'"})
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == (
        ".git-session/config.yaml:3:7\ttrailer.id=Work-Session\n"
        "git config (local)\ttrailer.objectives=Mine\n"
        "default\ttrailer.decisions=Decisions\n"
        "git config (command line)\tmergeTrailers=true\n"
        ".git-session/config.yaml:5:19\tbrief.maxChars=3000\n"
        ".git-session/config.yaml:5:34\tbrief.context=docs/architecture.md, CONVENTIONS.md\n"
        ".git-session/config.yaml:6:16\tclaude.budget=5000\n"
        "default\tclaude.noSession=hint\n"
        "default\tcodex.budget=\n"
        "default\tcodex.noSession=hint\n"
        "default\tgemini.budget=\n"
        "default\tgemini.noSession=hint\n"
        "default\tremote=\n"
        "default\tpushCheck=block\n"
        "default\tautoPush=false\n"
        "default\thookTimeout=20\n"
        ".git-session/config.yaml:11:10\tsecrets.allow=0123456789abcdef\n"
        "default\ttemplateDir=\n"
        ".git-session/config.yaml:8:11\treport.format=html\n"
        ".git-session/config.yaml:9:10\treport.since=30 days ago\n"
    )
    view = ok(repo, "config", "--json")
    assert '"value": [\n        "docs/architecture.md",\n        "CONVENTIONS.md"\n      ]' in view


def test_unknown_keys_and_bad_values_are_warnings_and_only_they_are_left_out(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    shared(
        repo,
        "trailer:\n  idd: X\n  id: 'not a key'\n"
        "brief:\n  maxChars: lots\n  context: [../secrets.txt, /etc/passwd, ok.md]\n"
        "pushCheck: off\nautoPush: true\nreport.format: pdf\nclaude: {budget: 6000}\n",
    )
    git(repo, "config", "session.codex.budget", "many")
    result = run(repo, "config")
    assert result.exit_code == 0
    assert result.stderr == (
        "git-session: warning: .git-session/config.yaml:2:3: unknown key 'trailer.idd' (did you mean 'trailer.id'?):"
        " ignored\n"
        "git-session: warning: .git-session/config.yaml:3:7: trailer.id: a trailer key is letters, digits and '-';"
        " ignored\n"
        "git-session: warning: .git-session/config.yaml:5:13: brief.maxChars: a whole number is needed; ignored\n"
        "git-session: warning: .git-session/config.yaml:6:12: brief.context: '../secrets.txt' is not a path inside"
        " the repository; ignored\n"
        "git-session: warning: .git-session/config.yaml:7:1: pushCheck is personal: set it with git config"
        " session.pushCheck; ignored here\n"
        "git-session: warning: .git-session/config.yaml:8:1: autoPush is personal: set it with git config"
        " session.autoPush; ignored here\n"
        "git-session: warning: .git-session/config.yaml:9:16: report.format: one of text, markdown, json, html is"
        " needed; ignored\n"
        "git-session: warning: git config session.codex.budget: 'many' is not a whole number (ignored)\n"
    )
    assert result.stdout == DEFAULTS.replace("claude.budget=\n", "claude.budget=6000\n")


def test_a_cloned_file_cannot_turn_off_the_secret_scan_nor_push_elsewhere(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    git(repo, "remote", "add", "origin", str(tmp_path / "o.git"))
    git(repo, "remote", "add", "team", str(tmp_path / "t.git"))
    shared(repo, "pushCheck: off\nremote: /tmp/attacker.git\n")
    opened = Repo.discover(str(repo))
    assert mode(opened) == "block"
    assert resolve_remote(opened, None).name == "origin"  # the file's URL is no remote of yours
    shared(repo, "remote: team\n")
    assert resolve_remote(Repo.discover(str(repo)), None).name == "team"
    git(repo, "config", "session.pushCheck", "warn")
    assert mode(Repo.discover(str(repo))) == "warn"


def test_values_reach_their_readers(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    shared(
        repo,
        "trailer: {id: Work-Session}\nmergeTrailers: true\nclaude: {budget: 5000, noSession: none}\n"
        "secrets: {allow: [0123456789abcdef]}\n",
    )
    opened = Repo.discover(str(repo))
    assert trailers.keys(opened) == ("Work-Session", "Session-Objectives", "Decisions")
    assert cache.budget(opened, "claude") == 5000
    assert cache.no_session(opened, "claude") == "none"
    assert cache.budget(opened, "codex") == 6000
    assert Allowed(opened).covers(None, "0123456789abcdef")
    assert not Allowed(opened).covers(None, "fedcba9876543210")


def test_trailer_keys_of_the_file_reach_the_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    shared(repo, "trailer:\n  id: Work-Session\n")
    ok(repo, "install")
    ok(repo, "start", "Cache layer", "-o", "Fast reads")
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "add a")
    message = git(repo, "log", "-1", "--format=%B")
    assert "\nWork-Session: " in message and "Session-Id:" not in message
    assert "Session-Objectives: [open] Fast reads" in message


def test_brief_budget_from_the_file_and_the_flag_over_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "Budget", "-o", "x" * 150, "-o", "y" * 150, "-o", "z" * 150)
    shared(repo, "brief: {maxChars: 300}\n")
    assert len(ok(repo, "brief")) <= 300
    assert len(ok(repo, "brief", "--max-chars", "4000")) > 300


def test_bare_repository_reads_the_file_in_heads_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    shared(repo, "report: {format: json}\n")
    git(repo, "add", ".git-session/config.yaml")
    git(repo, "commit", "-q", "-m", "config")
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    assert "HEAD:.git-session/config.yaml:1:18\treport.format=json\n" in ok(bare, "config", "--show-origin")


def test_work_tree_file_wins_over_heads_and_deleting_it_applies(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    path = shared(repo, "report: {format: json}\n")
    git(repo, "add", ".git-session/config.yaml")
    git(repo, "commit", "-q", "-m", "config")
    path.write_text("report: {format: html}\n")
    assert "report.format=html\n" in ok(repo, "config")
    path.unlink()
    assert ok(repo, "config") == DEFAULTS


# --- a file that cannot be read: one line, FILE:LINE:COLUMN -------------------------------


def test_bad_yaml_is_one_line_with_line_and_column(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    shared(repo, "trailer:\n  id: [Work-Session\nbrief: {}\n")
    assert fault(repo)[1] == (
        "git-session: .git-session/config.yaml:3:6: not valid YAML: did not find expected ',' or ']'\n"
    )


def test_not_a_mapping_and_not_utf8(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    shared(repo, "- a\n- b\n")
    assert fault(repo)[1] == "git-session: .git-session/config.yaml:1:1: the file must be a mapping of keys to values\n"
    shared(repo, b"report:\n  since: caf\xe9\n")
    assert fault(repo)[1] == "git-session: .git-session/config.yaml:2:13: not UTF-8 text\n"


def test_alias_bomb_is_refused_before_anything_is_built(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    bomb += [f"{chr(98 + n)}: &{chr(98 + n)} [{','.join([f'*{chr(97 + n)}'] * 9)}]" for n in range(8)]
    shared(repo, "\n".join(bomb) + "\nreport.format: json\n")
    with alarm_after(20, "the alias bomb was expanded"):
        assert fault(repo)[1] == "git-session: .git-session/config.yaml:2:8: aliases (*name) are not allowed here\n"


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    marker = tmp_path / "ran"
    shared(repo, f"report:\n  since: !!python/object/apply:os.system ['touch {marker}']\n")
    assert fault(repo)[1] == (
        "git-session: .git-session/config.yaml:2:10: the tag 'tag:yaml.org,2002:python/object/apply:os.system'"
        " is not allowed\n"
    )
    shared(repo, "unknown: !!python/name:os.system ''\n")
    assert fault(repo)[1] == (
        "git-session: .git-session/config.yaml:1:10: the tag 'tag:yaml.org,2002:python/name:os.system' is not allowed\n"
    )
    assert not marker.exists()


def test_ten_megabytes_are_refused_unread(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    shared(repo, "report:\n  since: '" + "x" * (10 << 20) + "'\n")
    with alarm_after(10, "the 10 MB file was read"):
        assert fault(repo)[1] == "git-session: .git-session/config.yaml:1:1: larger than 64 KiB: not read\n"


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    shared(repo, "a: " + "[" * 20 + "]" * 20 + "\n")
    assert fault(repo)[1] == "git-session: .git-session/config.yaml:1:11: nested more than 8 deep\n"
    shared(repo, "a: " + "[" * 5000 + "]" * 5000 + "\n")  # libyaml stops first
    assert fault(repo)[1] == (
        "git-session: .git-session/config.yaml:1:1003: not valid YAML: exceeded maximum nesting depth\n"
    )


def test_a_link_out_of_the_repository_and_a_fifo_are_not_read(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    outside = tmp_path / "home-secret.yaml"
    outside.write_text("report: {format: json}\n")
    (repo / ".git-session").mkdir()
    (repo / ".git-session" / "config.yaml").symlink_to(outside)
    assert fault(repo)[1] == (
        "git-session: .git-session/config.yaml:1:1: a link to a file outside the repository: not read\n"
    )
    (repo / ".git-session" / "config.yaml").unlink()
    os.mkfifo(repo / ".git-session" / "config.yaml")
    with alarm_after(10, "reading a fifo hung"):
        assert fault(repo)[1] == "git-session: .git-session/config.yaml:1:1: not a regular file: not read\n"


def test_other_commands_go_on_without_the_bad_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    shared(repo, "trailer: [\n")
    result = run(repo, "start", "Still works")
    assert result.exit_code == 0
    assert result.stderr == (
        "git-session: warning: .git-session/config.yaml:2:1: not valid YAML: did not find expected node content"
        " (the file is left out; see: git session config)\n"
    )
    assert trailers.keys(Repo.discover(str(repo))) == trailers.DEFAULT_KEYS


# --- context files ----------------------------------------------------------------------


def test_context_files_are_confined_and_capped(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "docs").mkdir()
    (repo / "docs" / "architecture.md").write_text("# Architecture\r\nLayers.\r\n")
    (repo / "BIG.md").write_text("b" * (settings.MAX_CONTEXT_FILE + 10))
    (tmp_path / "outside.md").write_text("private\n")
    (repo / "link.md").symlink_to(tmp_path / "outside.md")
    shared(repo, "brief:\n  context: [docs/architecture.md, BIG.md, link.md, missing.md]\n")
    files, problems = settings.context_files(Repo.discover(str(repo)))
    assert [(f.path, f.text[:30], len(f.text), f.cut) for f in files] == [
        ("docs/architecture.md", "# Architecture\nLayers.\n", 23, False),
        ("BIG.md", "b" * 30, settings.MAX_CONTEXT_FILE, True),
    ]
    assert problems == ["link.md:1:1: a link to a file outside the repository: not read", "missing.md: no such file"]


@pytest.mark.parametrize(
    ("path", "confined"),
    [
        ("a.md", True),
        ("docs/a.md", True),
        ("../a", False),
        ("/etc/passwd", False),
        ("a/../../b", False),
        ("a//b", False),
        ("./a", False),
        ("", False),
        ("a\\..\\b", False),
    ],
)
def test_is_confined(path: str, confined: bool) -> None:
    assert settings.is_confined(path) is confined


def test_brief_shows_the_context_files_last_and_cuts_them_first(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "docs").mkdir()
    (repo / "docs" / "architecture.md").write_text("# Architecture\n\nThree layers:\ncli, core, git.\n")
    shared(repo, "brief:\n  context: [docs/architecture.md, gone.md]\n")
    ok(repo, "start", "Context", "-o", "Read the docs")
    text = ok(repo, "brief")
    assert text.splitlines()[-3:] == [
        "## Repository context (brief.context)",
        "- docs/architecture.md: # Architecture Three layers: cli, core, git.",
        "- (not read) gone.md: no such file",
    ]
    short = ok(repo, "brief", "--max-chars", "200")
    assert short.splitlines()[-3:] == [
        "## Open objectives",
        short.splitlines()[-2],
        "omitted: 2 context files — git session show",
    ]
    assert short.splitlines()[-2].endswith(" Read the docs")
    view = ok(repo, "brief", "--json")
    assert '"context": [\n    {\n      "path": "docs/architecture.md",' in view


def test_unborn_bare_repository_and_a_folder_in_the_files_place(tmp_path: Path) -> None:
    bare = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    assert ok(bare, "config") == DEFAULTS
    repo = make_repo(tmp_path)
    (repo / ".git-session" / "config.yaml").mkdir(parents=True)
    assert fault(repo)[1] == "git-session: .git-session/config.yaml:1:1: not a regular file: not read\n"
