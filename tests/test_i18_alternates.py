"""``objects/info/alternates`` is read as git reads it: a line is a C string (cut at a NUL
byte), relative paths from the folder that names them, chains followed. Main opened the
path with the NUL in it, and every command (``Repo.discover``) crashed with "embedded null
byte" where git itself found the objects."""

from __future__ import annotations

from pathlib import Path

from git_session.gitrepo import alternates
from tests.helpers import git, make_repo, ok, run


def borrowing(tmp_path: Path, line: bytes) -> tuple[Path, Path]:
    source = make_repo(tmp_path, "source")
    ok(source, "start", "Borrowed work")
    target = make_repo(tmp_path, "target")
    (target / ".git" / "objects" / "info").mkdir(parents=True, exist_ok=True)
    (target / ".git" / "objects" / "info" / "alternates").write_bytes(line + b"\n")
    return source, target


def test_a_line_with_a_nul_byte_names_the_folder_before_it_as_git_reads_it(tmp_path: Path) -> None:
    source, target = borrowing(tmp_path, str(tmp_path / "source" / ".git" / "objects").encode() + b"\0junk")
    tip = git(source, "rev-parse", "HEAD").strip()
    assert git(target, "cat-file", "-t", tip).strip() == "commit"  # git's reading
    assert alternates(str(target / ".git" / "objects")) == [str(tmp_path / "source" / ".git" / "objects")]
    for command in (("list",), ("status",), ("report", "--format", "json"), ("doctor",)):
        result = run(target, *command)
        assert "Traceback" not in result.output + result.stderr, command
        assert result.exit_code in (0, 1, 3), (command, result.exit_code, result.stderr)


def test_chains_relative_paths_and_repeats_are_followed_as_git_follows_them(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "objects", tmp_path / "b" / "objects"
    for folder in (first, second):
        (folder / "info").mkdir(parents=True)
    (first / "info" / "alternates").write_text("# a comment\n../../b/objects\n\n")
    (second / "info" / "alternates").write_text(f"{first}\n{second}\n")  # back to the first: read once
    assert alternates(str(first)) == [str(second)]
    assert alternates(str(tmp_path / "none")) == []
