"""A folder entry (mode 40000) may name any object in a damaged or hostile tree: walking the
blobs below it refuses a file or a commit by name, as a look-up by id does (found in review:
pygit2 walked a file as an empty folder, and a commit into a segfault)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import git, make_repo


def _tree_with_folder_naming(repo: Path, kind: str) -> str:
    """A tree whose folder ``a/deep`` names an object of ``kind`` (written literally)."""
    target = {
        "commit": git(repo, "rev-parse", "HEAD").strip(),
        "blob": git(repo, "hash-object", "-w", "--stdin", input="not a folder\n").strip(),
    }[kind]
    keep = git(repo, "hash-object", "-w", "--stdin", input="kept\n").strip()
    inner = b"100644 f\0" + bytes.fromhex(keep) + b"40000 deep\0" + bytes.fromhex(target)
    inner_id = _literal_tree(repo, inner)
    return _literal_tree(repo, b"40000 a\0" + bytes.fromhex(inner_id))


def _literal_tree(repo: Path, data: bytes) -> str:
    done = subprocess.run(
        ["git", "hash-object", "-t", "tree", "-w", "--literally", "--stdin"],
        cwd=repo, input=data, capture_output=True, check=True,
    )  # fmt: skip
    return done.stdout.decode().strip()


@pytest.mark.parametrize("kind", ["commit", "blob"])
def test_a_folder_naming_a_file_or_a_commit_is_refused_by_name(tmp_path: Path, kind: str) -> None:
    repo = make_repo(tmp_path)
    tree = _tree_with_folder_naming(repo, kind)
    program = (
        "import sys\n"
        "from git_session.gitrepo import ObjectError, Repo\n"
        "repo = Repo.discover(sys.argv[1])\n"
        "try:\n"
        "    print(sorted(name for name, _ in repo.blobs_under(sys.argv[2], 'a')))\n"
        "except ObjectError as exc:\n"
        "    print('refused:', exc)\n"
    )
    # a child process: the crash this guards against takes the interpreter down
    done = subprocess.run([sys.executable, "-c", program, str(repo), tree], capture_output=True, text=True)
    deep = git(repo, "rev-parse", f"{tree}:a").strip()
    named = git(repo, "ls-tree", deep).split()[-2]
    assert (done.returncode, done.stdout) == (0, f"refused: object {named[:12]} is a {kind}, not a tree\n"), done.stderr
