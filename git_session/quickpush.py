"""A push with nothing to send, answered before the command line is imported (SPEC §7).

`git session push` run again with nothing new costs what its start-up costs: click, the
commands' modules, the store, reattach's machinery. The console script (``launch``) asks
``up_to_date`` first; it imports only the repository, the settings and ``remotes`` (the
last when it is asked: ``quickhandoff`` asks ``idle`` alone).

It answers only when the whole command would do nothing but say "up to date": opening
the repository would link no recorded commit (the hooks' queue is empty), record no agent
start (the agents' queue is empty), warn about no shared configuration file, and reattach
nothing (no branch moved since automatic reattach last looked); and the remote holds every
session at its tip, and the notes too. That is asked of the remote as ``git push`` asks it
(``remotes.ask_early``: one ``git push --dry-run``, what ``sharing.push`` decides with):
never of the copies here, which a re-pointed URL, a remote made anew or a session deleted
there leave saying "it has it". Any doubt, or any error, is ``None``: the command then runs
in full and does, or says, exactly what it always did, taking the remote's answer from
here instead of asking it again (a push with something to send connects twice: this dry
run and the push).
"""

from __future__ import annotations

import os
import stat

from git_session import branchstamp, paths, settings
from git_session.gitrepo import Repo
from git_session.names import NOTES_REF, SESSIONS_PREFIX


def up_to_date(spec: str | None, hand_over: bool = False) -> str | None:
    """The name of the remote (``spec``, or the default) that a push would find up to date,
    when the command would do nothing else either; ``None`` when it might. ``hand_over``:
    the remote's answer is kept for the command, run next in this process (``launch``)."""
    from git_session.remotes import ask_early, ref_tips, resolve_remote  # not a handoff's (ISSUE14)

    try:
        repo = Repo.discover(None)
        if not idle(repo):
            return None
        remote = resolve_remote(repo, spec)
        # The command reads the copy of the remote's notes even when nothing leaves
        # (``remotes.outgoing_notes``): a damaged one raises, the command's to say.
        repo.ref_target(remote.notes_ref)
        # A damaged ref is left out here as git leaves it out of the push: the command says it.
        before = ref_tips(repo, [SESSIONS_PREFIX, NOTES_REF])
        if before.get(NOTES_REF) != repo.ref_target(NOTES_REF):  # a damaged ref raises: the command's to say
            return None
        if not ask_early(repo, remote, (SESSIONS_PREFIX,), before, hand_over):
            return None
        if not _readable(os.path.join(paths.pushed_folder(repo), remote.key)):
            return None
    except Exception:  # the command says what it is, as it always does
        return None
    return remote.name


def idle(repo: Repo) -> bool:
    """Whether opening the repository for a command would do nothing (``cli.base.workspace``);
    ``quickhandoff`` asks it too."""
    return (
        not repo.is_bare  # its shared file is read from HEAD's tree
        and _empty(str(paths.queue_dir(repo)))  # trailers.queued_work: commits to link
        and _empty(str(paths.agent_queue(repo)))  # agents.follow: agent starts to record
        and settings.of(repo).fault is None  # a file that cannot be read: warned about
        and branchstamp.unchanged(repo)  # autoreattach: nothing new to look at
    )


def _readable(log: str) -> bool:
    """Whether the log of what was pushed to the remote reads (``sharing.PushedLog.tips``:
    the command reads it even when nothing leaves, and says when it cannot). Not a regular
    file (a folder, a FIFO that would block): the command's to meet."""
    try:
        if not stat.S_ISREG(os.stat(log).st_mode):
            return False
        with open(log, "rb"):
            return True
    except FileNotFoundError:  # nothing pushed there yet: read as empty
        return True
    except OSError:
        return False


def _empty(folder: str) -> bool:
    try:
        with os.scandir(folder) as entries:
            return not any(True for _ in entries)
    except FileNotFoundError:
        return True
    except OSError:  # the command meets it, and says so
        return False
