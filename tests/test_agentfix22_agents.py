"""Round 22's defects in the agent integrations: uninstall gives Codex's config.toml back
byte for byte; a file its owner made read-only is refused; a committed link to a file not
there yet makes it (inside the work tree); a committed link into a .git folder is refused
like one out of the work tree. Each test fails on 6e124df unless it says otherwise."""

from __future__ import annotations

import grp
import json
import os
import pwd
import sys
from pathlib import Path

import pytest

from git_session.integrations.agent_records import UserRecord
from tests import faultfs
from tests.helpers import fails, git, make_repo, ok, run


@pytest.fixture
def codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "codex-home"
    monkeypatch.setenv("CODEX_HOME", str(home))
    home.mkdir()
    return home


# --- uninstall gives Codex's config.toml back byte for byte ---------------------------------

DOCS = '[mcp_servers.docs]\ncommand = "docs"\n'
LAYOUTS = {
    # tomlkit put a blank line after the table before ours, and left it there when taking ours out
    "a server table followed by another table": DOCS + "[other]\nx = 1\n",
    "a comment between them": DOCS + "# about other\n[other]\nx = 1\n",
    "two server tables then another": DOCS + '[mcp_servers.more]\ncommand = "more"\n[other]\nx = 1\n',
    "the servers' own header": "[mcp_servers]\n" + DOCS + "[other]\nx = 1\n",
    "indented keys": '[mcp_servers.docs]\n  command = "docs"\n[other]\n  x = 1\n',
    "an array of tables after": DOCS + "[[rules]]\nx = 1\n",
    "line ends of Windows": (DOCS + "[other]\nx = 1\n").replace("\n", "\r\n"),
    # these came back already
    "a blank line between them": DOCS + "\n[other]\nx = 1\n",
    "the servers at the end": 'model = "m"\n\n' + DOCS,
    "no final newline": 'model = "m"\n\n' + DOCS.rstrip(),
    "blank lines at the end": 'model = "m"\n\n' + DOCS + "\n\n",
    "a comment at the end": DOCS + "# the end\n",
    "a comment at the end, no final newline": DOCS + "# the end",
    "line ends of Windows, no final one": ('model = "m"\n' + DOCS.rstrip()).replace("\n", "\r\n"),
    "no servers": 'model = "m"\n',
    "no servers, a table after": 'model = "m"\n[other]\nx = 1\n',
    "only a comment": "# only a comment\n",
    "dotted keys": 'mcp_servers.docs.command = "docs-server"\nmodel = "gpt-5"\n',
}


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_uninstall_gives_codex_config_back_byte_for_byte(repo: Path, codex_home: Path, text: str) -> None:
    config = codex_home / "config.toml"
    config.write_bytes(text.encode())
    ok(repo, "agent", "install", "codex", "--mcp")
    assert b"[mcp_servers.git-session]" in config.read_bytes()
    ok(repo, "agent", "uninstall", "codex")
    assert config.read_bytes() == text.encode()


def test_the_users_edits_after_install_stay_byte_for_byte(repo: Path, codex_home: Path) -> None:
    config = codex_home / "config.toml"
    config.write_text(DOCS + "[other]\nx = 1\n")
    ok(repo, "agent", "install", "codex", "--mcp")
    config.write_text(config.read_text().replace("x = 1\n", "x = 1\ny = 2 # theirs\n"))
    ok(repo, "agent", "uninstall", "codex")
    assert config.read_text() == DOCS + "[other]\nx = 1\ny = 2 # theirs\n"


def test_a_record_edited_to_name_the_users_comment_takes_out_only_our_table(repo: Path, codex_home: Path) -> None:
    """The record is data from the disk (on 6e124df it had no such field)."""
    config = codex_home / "config.toml"
    config.write_text(DOCS + "# theirs\n[other]\nx = 1\n")
    ok(repo, "agent", "install", "codex", "--mcp")
    record = Path(UserRecord(os.environ).path)
    raw = json.loads(record.read_text())
    (entry,) = raw["mcp"]
    assert entry["added"] == '\n[mcp_servers.git-session]\ncommand = "git"\nargs = ["session", "mcp"]\n\n'
    entry["added"] = "# theirs\n" + entry["added"]
    record.write_text(json.dumps(raw))
    ok(repo, "agent", "uninstall", "codex")
    assert "# theirs\n" in config.read_text() and "git-session" not in config.read_text()


@pytest.mark.parametrize("more", ["\n", "\u3000\n"], ids=["a line break", "a Unicode space"])
def test_a_record_edited_to_name_the_users_white_space_takes_out_only_our_table(
    repo: Path, codex_home: Path, more: str
) -> None:
    """Review of round 22: a record naming the white space before our table (the user's last
    line break, a space U+3000 in their comment) took it out too: TOML reads the same."""
    config = codex_home / "config.toml"
    text = DOCS + "# the end\u3000\n"
    config.write_text(text)
    ok(repo, "agent", "install", "codex", "--mcp")
    record = Path(UserRecord(os.environ).path)
    raw = json.loads(record.read_text())
    raw["mcp"][0]["added"] = more + raw["mcp"][0]["added"]
    record.write_text(json.dumps(raw))
    ok(repo, "agent", "uninstall", "codex")
    assert config.read_text() == text


# --- a file its owner made read-only is refused, not replaced -------------------------------

# agent, options, the file (from the repository; "~" is the test's HOME, CODEX_HOME under it)
READ_ONLY = [
    ("claude", [], ".claude/settings.local.json"),
    ("claude", ["--project"], ".claude/settings.json"),
    ("claude", ["--user"], "~/.claude/settings.json"),
    ("claude", ["--instructions"], "CLAUDE.md"),
    ("claude", ["--mcp"], ".mcp.json"),
    ("codex", [], "~/codex-home/hooks.json"),
    ("codex", ["--mcp"], "~/codex-home/config.toml"),
    ("codex", ["--instructions"], "AGENTS.md"),
    ("gemini", [], ".gemini/settings.json"),
    ("gemini", ["--user"], "~/.gemini/settings.json"),
]
CONTENT = {".md": "# Ours\n", ".toml": 'model = "m"\n', ".json": '{"model": "m"}\n'}


def placed(repo: Path, name: str) -> Path:
    return Path(os.environ["HOME"]) / name[2:] if name.startswith("~/") else repo / name


def read_only_file(repo: Path, name: str) -> Path:
    path = placed(repo, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONTENT[path.suffix])
    path.chmod(0o444)
    return path


def files_of(*folders: Path) -> dict[str, bytes]:
    """Every file under ``folders`` but git's own and git-session's record, with its bytes."""
    found = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and ".git" not in path.relative_to(folder).parts:
                found[str(path)] = path.read_bytes()
    return found


@pytest.mark.parametrize(("agent", "options", "name"), READ_ONLY, ids=[f"{a} {n}" for a, _, n in READ_ONLY])
def test_install_refuses_a_read_only_file_and_writes_nothing(
    repo: Path, monkeypatch: pytest.MonkeyPatch, agent: str, options: list[str], name: str
) -> None:
    home = Path(os.environ["HOME"])
    monkeypatch.setenv("CODEX_HOME", str(home / "codex-home"))
    path = read_only_file(repo, name)
    before = files_of(repo, home)
    with_mcp = options if "--mcp" in options else [*options, "--mcp"]  # more files, none of them written
    error = fails(repo, "agent", "install", agent, *with_mcp)
    hint = "hint: make it writable (chmod u+w), and run the command again\n"
    assert error == f"git-session: {name} is read-only; nothing changed\n{hint}"
    assert files_of(repo, home) == before
    assert path.stat().st_mode & 0o777 == 0o444
    assert not (repo / ".git/git-session/agents-installed").exists()


@pytest.mark.parametrize(("agent", "options"), [("claude", []), ("claude", ["--user"]), ("codex", [])])
def test_install_again_with_everything_in_read_only_files_changes_nothing_and_succeeds(
    repo: Path, codex_home: Path, agent: str, options: list[str]
) -> None:
    """Review of round 22: install that writes nothing refused a read-only file (settings a
    user made read-only once installed, or a Nix-managed one) where 6e124df said "already"."""
    ok(repo, "agent", "install", agent, *options, "--instructions", "--mcp")
    home = Path(os.environ["HOME"])
    files = {path: data for path, data in files_of(repo, home).items() if "git-session" not in path}
    for path in files:
        Path(path).chmod(0o444)
    again = ok(repo, "agent", "install", agent, *options, "--instructions", "--mcp")
    assert "already" in again
    assert {path: files_of(repo, home)[path] for path in files} == files


def test_uninstall_leaves_a_file_made_read_only_since_and_takes_out_the_rest(repo: Path) -> None:
    ok(repo, "agent", "install", "claude", "--mcp", "--instructions")
    settings, instructions = repo / ".claude/settings.local.json", repo / "CLAUDE.md"
    settings.chmod(0o444)
    instructions.chmod(0o444)
    kept = settings.read_bytes(), instructions.read_bytes()
    result = run(repo, "agent", "uninstall", "claude")
    assert result.exit_code == 1
    refused = "is read-only; nothing changed"
    assert f"Failed claude hooks in .claude/settings.local.json: {settings} {refused}\n" in result.stdout
    assert f"CLAUDE.md: {instructions} {refused}" in result.stdout
    assert (settings.read_bytes(), instructions.read_bytes()) == kept  # install made both: not even removed
    assert not (repo / ".mcp.json").exists()  # the rest went
    settings.chmod(0o644)
    instructions.chmod(0o644)
    ok(repo, "agent", "uninstall", "claude")  # the record still names them
    assert not settings.exists() and not instructions.exists()


# --- a committed link to a file not there yet -----------------------------------------------

# agent, options, the link, where it leads (inside the work tree), the file it makes
DANGLING = [
    ("claude", ["--instructions"], "CLAUDE.md", "AGENTS.md", "AGENTS.md"),
    ("gemini", ["--instructions"], "GEMINI.md", "docs/agents.md", "docs/agents.md"),
    ("claude", ["--project"], ".claude/settings.json", "../shared/claude.json", "shared/claude.json"),
    ("claude", ["--project", "--mcp"], ".mcp.json", "shared/mcp.json", "shared/mcp.json"),
]


@pytest.mark.parametrize(("agent", "options", "link", "target", "made"), DANGLING, ids=[d[2] for d in DANGLING])
def test_install_through_a_committed_link_to_a_missing_file_makes_it_and_uninstall_takes_it_away(
    repo: Path, agent: str, options: list[str], link: str, target: str, made: str
) -> None:
    """On 6e124df: "CLAUDE.md cannot be read (not a regular file, or no permission)"."""
    (repo / made).parent.mkdir(parents=True, exist_ok=True)
    (repo / made).parent.joinpath(".keep").touch()  # the folder is committed, the file not yet written
    git(repo, "add", str(Path(made).parent / ".keep"))
    commit_link(repo, link, target)
    ok(repo, "agent", "install", agent, *options)
    assert (repo / link).is_symlink() and os.readlink(repo / link) == target
    assert "git-session" in (repo / made).read_text()
    ok(repo, "agent", "uninstall", agent)
    assert (repo / link).is_symlink() and os.readlink(repo / link) == target  # the committed link stays
    assert not (repo / made).exists()
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


@pytest.mark.parametrize(
    ("target", "why"),
    [("missing/AGENTS.md", "its folder missing"), ("CLAUDE.md", "a loop"), ("LOOP.md", "a loop of two")],
)
def test_a_committed_link_to_a_file_that_cannot_be_made_is_one_line_and_nothing_written(
    repo: Path, target: str, why: str
) -> None:
    if target == "LOOP.md":
        commit_link(repo, "LOOP.md", "CLAUDE.md")
    commit_link(repo, "CLAUDE.md", target)
    error = fails(repo, "agent", "install", "claude", "--instructions")
    assert error == (
        f"git-session: CLAUDE.md is a symbolic link to {target}, which is missing and cannot be made; nothing changed\n"
        "hint: make the file it names, or remove the link, and run the command again\n"
    )
    assert git(repo, "status", "--porcelain", "--untracked-files=all", "--ignored") == ""


def test_a_committed_link_to_a_missing_file_out_of_the_work_tree_makes_nothing(repo: Path, tmp_path: Path) -> None:
    """Passes on 6e124df too (it could not read the link): the guard on making the file."""
    commit_link(repo, "CLAUDE.md", "../nowhere.md")
    error = fails(repo, "agent", "install", "claude", "--instructions")
    assert error == (
        "git-session: CLAUDE.md is a symbolic link committed in this repository leading out of its work tree: "
        "nothing written through it\n"
    )
    assert not (tmp_path / "nowhere.md").exists()


# --- a committed link into .git is a link out of the work tree -------------------------------


@pytest.mark.parametrize(
    ("agent", "options", "link", "target"),
    [
        ("claude", ["--instructions"], "CLAUDE.md", ".git/config"),
        ("codex", ["--instructions"], "AGENTS.md", "sub/.git/config"),
        ("claude", ["--project"], ".claude", "../.git/hooks"),
        ("claude", ["--mcp"], ".mcp.json", ".git/hooks/post-checkout"),
    ],
)
def test_install_writes_nothing_through_a_committed_link_into_a_git_folder(
    repo: Path, agent: str, options: list[str], link: str, target: str
) -> None:
    """On 6e124df install appended the block to .git/config: "fatal: bad config line" after."""
    git(repo, "init", "-q", str(repo / "sub"))
    (repo / ".git/hooks").mkdir(exist_ok=True)
    commit_link(repo, link, target)
    before = git_files(repo)
    error = fails(repo, "agent", "install", agent, *options)
    assert error == (
        f"git-session: {link} is a symbolic link committed in this repository leading into a git folder: "
        "nothing written through it\n"
    )
    assert git_files(repo) == before
    git(repo, "status")  # the repository's config still reads


def git_files(repo: Path) -> dict[Path, bytes]:
    """The config and hooks of the repository and of the one nested in it."""
    found = [repo / ".git/config", repo / "sub/.git/config", *(repo / ".git/hooks").iterdir()]
    return {path: path.read_bytes() for path in found}


def commit_link(repo: Path, name: str, target: str) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).symlink_to(target)
    git(repo, "add", "-f", name)  # (install names some in .git/info/exclude)
    git(repo, "commit", "-q", "-m", f"link {name}")


def test_install_refuses_a_file_the_user_may_not_write_instead_of_replacing_it() -> None:
    """Review of round 22: another user's file (root's 0644 settings, install run by nobody)
    has its owner's write bit; install replaced it through its folder, making it nobody's."""
    with faultfs.small_fs(16384) as fs:
        repo, home = make_repo(fs), fs / "home"
        home.mkdir()
        settings = repo / ".claude/settings.local.json"
        settings.parent.mkdir()
        for path in [repo, *repo.rglob("*"), home]:
            os.chown(path, *NOBODY)
        settings.write_text('{"model": "m"}\n')  # root's, 0644
        settings.chmod(0o644)
        command = [sys.executable, "-m", "git_session", "agent", "install", "claude"]
        result = faultfs.as_nobody(command, repo, home)
        assert result.returncode == 1, result.stdout + result.stderr
        assert result.stderr == (
            "git-session: .claude/settings.local.json is read-only; nothing changed\n"
            "hint: make it writable for you (it is another user's, or on a read-only file system), "
            "and run the command again\n"
        )
        assert settings.read_text() == '{"model": "m"}\n' and settings.stat().st_uid == 0
        assert not (repo / ".git/git-session/agents-installed").exists()


NOBODY = (pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid)


@pytest.mark.parametrize(
    ("agent", "options"), [("claude", ["--mcp"]), ("gemini", [])], ids=["claude .mcp.json", "gemini local settings"]
)
def test_install_that_would_name_a_file_in_a_read_only_exclude_writes_nothing(
    repo: Path, agent: str, options: list[str]
) -> None:
    """Review of round 22: install wrote the files, then failed on .git/info/exclude saying
    "nothing changed"; Claude's .mcp.json was in no record, so uninstall left it behind."""
    read_only_exclude(repo)
    before = files_of(repo)
    error = fails(repo, "agent", "install", agent, *options)
    assert error.startswith("git-session: .git/info/exclude is read-only; nothing changed\n")
    assert files_of(repo) == before
    assert not (repo / ".git/git-session/agents-installed").exists()


def read_only_exclude(repo: Path) -> None:
    exclude = repo / ".git/info/exclude"
    exclude.parent.mkdir(exist_ok=True)
    exclude.write_text("# mine\n")
    exclude.chmod(0o444)


def test_a_read_only_exclude_install_does_not_write_is_no_reason_to_refuse(repo: Path) -> None:
    read_only_exclude(repo)
    ok(repo, "agent", "install", "claude")  # .claude/settings.local.json is not named in it
    ok(repo, "agent", "uninstall", "claude")
