"""Operations that change what the commit hooks use, with that after-effect included, so
that every front end gets it: sessions that arrive with a pull, hooks that are installed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from git_session import sharing
from git_session.sessions import Workspace

if TYPE_CHECKING:  # imported by ``install``: a pull does not load the install machinery
    from git_session.integrations import commands as install_core


def pull(
    ws: Workspace, remote: str | None, show_progress: bool, progress: sharing.Progress
) -> tuple[sharing.Remote, sharing.MergeReport]:
    """Merge a remote's sessions into these; the hooks then see a session that arrived on
    the current branch, and the commits of the default branches that copy commits the
    arrived notes link are linked too (``autoreattach``)."""
    target = sharing.resolve_remote(ws.repo, remote)
    report = sharing.pull(ws.repo, target, show_progress, progress)
    if not ws.repo.is_bare and ws.repo.head_branch() is not None:
        ws.refresh_trailers(ws.branch())
    from git_session import autoreattach

    # The notes that arrived may name the sources of copies already here: those looked at again.
    autoreattach.follow_branches(ws, rescan=report.notes == "merged")
    return target, report


def install(ws: Workspace, force: bool = False, manual: bool = False) -> install_core.InstallResult:
    """Install the hooks and the notes config; sessions active before the hooks existed get
    their pre-rendered trailers (a failure there only warns)."""
    from git_session.integrations import commands

    result = commands.install(ws.repo, force=force, manual=manual)
    ws.refresh_active_trailers()
    return result
