"""git run by git-session reads nothing of git-session's own standard input (an MCP client's
protocol stream, an agent hook's input)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers import make_repo

EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"


def test_git_reads_nothing_of_our_stdin(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    code = "from git_session import gitcli; print(gitcli.run(['hash-object', '--stdin']).stdout.strip())"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, input="the protocol stream\n", capture_output=True, text=True
    )
    assert (result.returncode, result.stdout) == (0, EMPTY_BLOB + "\n"), result.stderr
    given = "from git_session import gitcli; print(gitcli.run(['hash-object', '--stdin'], input='').stdout.strip())"
    assert subprocess.run([sys.executable, "-c", given], cwd=repo, capture_output=True, text=True).stdout == (
        EMPTY_BLOB + "\n"
    )
