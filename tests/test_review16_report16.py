"""Review of report16 (the quick reading of a first report): hostile trees read as before."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers import git, ok, subprocess_cli


def new_repo(tmp_path: Path) -> Path:
    where = tmp_path / "r"
    git(tmp_path, "init", "-q", "-b", "main", str(where))
    git(where, "commit", "-q", "--allow-empty", "-m", "root")
    ok(where, "start", "Fine")
    ok(where, "end", "--complete")
    ok(where, "start", "Hurt")
    ok(where, "objective", "add", "to do")
    return where


def hurt(where: Path) -> tuple[str, str]:
    for line in git(where, "for-each-ref", "--format=%(refname) %(objectname)", "refs/sessions/").splitlines():
        ref, tip = line.split()
        if json.loads(git(where, "cat-file", "blob", f"{tip}:meta.json"))["values"]["title"] == "Hurt":
            return ref, tip
    raise AssertionError("no session Hurt")


def raw_git(where: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", *args], cwd=where, input=input, capture_output=True, check=True).stdout


def with_entry(where: Path, tree: str, path: str, mode: bytes, sha: str) -> str:
    """``tree`` with the entry at ``path`` given ``mode`` and ``sha``, written as git would
    never write it (``hash-object --literally``: a folder's mode may name a file or a commit)."""
    name, _, rest = path.partition("/")
    data = raw_git(where, "cat-file", "tree", tree)
    entries: list[list[bytes]] = []
    while data:
        head, _, data = data.partition(b"\0")
        entries.append([*head.split(b" ", 1), data[:20]])
        data = data[20:]
    for entry in entries:
        if entry[1] == name.encode():
            inner = with_entry(where, entry[2].hex(), rest, mode, sha) if rest else sha
            entry[0], entry[2] = (b"40000" if rest else mode), bytes.fromhex(inner)
    raw = b"".join(m + b" " + n + b"\0" + s for m, n, s in entries)
    return raw_git(where, "hash-object", "-w", "-t", "tree", "--literally", "--stdin", input=raw).decode().strip()


@pytest.mark.parametrize("pointed", ["blob", "commit"])
def test_a_kind_folder_that_is_not_a_tree_is_skipped_as_before_not_read_nor_a_crash(
    tmp_path: Path, pointed: str
) -> None:
    """``entries/objective`` with a folder's mode naming a file or a commit: main skipped the
    session ("object … is a blob, not a tree"); the quick reading iterated the object as a
    tree: a file read as no entries (the session reported), a commit a segfault."""
    where = new_repo(tmp_path)
    ref, tip = hurt(where)
    target = git(where, "rev-parse", f"{tip}:meta.json").strip() if pointed == "blob" else tip
    root = with_entry(where, git(where, "rev-parse", f"{tip}^{{tree}}").strip(), "entries/objective", b"40000", target)
    bad = git(where, "commit-tree", root, "-p", tip, "-m", "x").strip()
    git(where, "update-ref", ref, bad, tip)
    result = subprocess_cli(where, "report", "--format", "json")  # a segfault must not take pytest down
    assert result.returncode == 0, result.stderr
    assert [s["title"] for s in json.loads(result.stdout)["sessions"]] == ["Fine"]
    session = ref.rsplit("/", 1)[1]
    assert result.stderr == (
        f"git-session: warning: skipped a session: session {session}: object {target[:12]} is a {pointed}, not a tree\n"
    )
