"""Issue 15: the MCP server reattaches on its own too — a tool call after a squash of a
session's commits arrived links it, as the next command would, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_session.mcp import tools
from git_session.names import ObjectId
from git_session.sessions import Workspace
from tests.helpers import git
from tests.test_i15_autoreattach import feature, head, sessions_of

__all__ = ["feature"]  # the fixture, used by name


def test_a_tool_call_links_a_squash_that_arrived(
    feature: tuple[Path, str, list[ObjectId]], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, session, _ = feature
    git(repo, "merge", "-q", "--squash", "feature")
    git(repo, "commit", "-q", "-m", "Parser")
    squash = head(repo)
    monkeypatch.chdir(repo)

    reply = tools.call(lambda ws: "answer")
    short = Workspace.open(str(repo)).short_session_id(session)

    assert sessions_of(repo, squash) == {session}
    assert reply == tools.Reply(
        f"answer\nwarning: reattached {squash[:12]} 'Parser' to session {short} (a squash of its commits)"
    )
    assert tools.call(lambda ws: "answer") == tools.Reply("answer")  # nothing new: nothing said
