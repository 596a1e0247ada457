"""Review of i14-reads2: what the branch's shortcuts must still hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers import make_repo

_MCP_PROBE = (
    "import gc, sys\n"
    "import git_session.mcp.server as server\n"
    "server.serve = lambda: print(gc.get_threshold())\n"
    "sys.argv = ['git-session', 'mcp']\n"
    "from git_session.cli import main\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
)


def test_the_mcp_server_keeps_the_interpreter_s_collection_thresholds(tmp_path: Path) -> None:
    """A command's raised gc threshold is for a short process: the long-lived MCP server
    collects as Python does by default."""
    repo = make_repo(tmp_path)
    probe = "import gc; print(gc.get_threshold())"
    default = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)

    served = subprocess.run([sys.executable, "-c", _MCP_PROBE], cwd=repo, capture_output=True, text=True)

    assert served.returncode == 0, served.stderr
    assert served.stdout == default.stdout
