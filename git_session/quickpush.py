"""A push with nothing to send, answered before the command line is imported (SPEC §7).

`git session push` run again with nothing new costs what its start-up costs: click, the
commands' modules, the store, reattach's machinery. The console script (``launch``) asks
``up_to_date`` first; it imports only the repository, the settings and ``remotes``.

It answers only when the whole command would do nothing but say "up to date": opening
the repository would link no recorded commit (the hooks' queue is empty), record no agent
start (the agents' queue is empty), warn about no shared configuration file, and reattach
nothing (no branch moved since automatic reattach last looked); and the remote holds every
session at its tip, and the notes too. That is asked of the remote as ``git push`` asks it
(``remotes.push_statuses``: one ``git push --dry-run``, what ``sharing.push`` decides with):
never of the copies here, which a re-pointed URL, a remote made anew or a session deleted
there leave saying "it has it". Any doubt, or any error, is ``None``: the command then runs
in full and does, or says, exactly what it always did.
"""

from __future__ import annotations

import os
import stat

from git_session import branchstamp, paths, settings
from git_session.gitrepo import Repo
from git_session.names import NOTES_REF, SESSIONS_PREFIX
from git_session.remotes import Remote, in_step, push_statuses, ref_tips, resolve_remote


def up_to_date(spec: str | None) -> str | None:
    """The name of the remote (``spec``, or the default) that a push would find up to date,
    when the command would do nothing else either; ``None`` when it might."""
    try:
        repo = Repo.discover(None)
        if not idle(repo):
            return None
        remote = resolve_remote(repo, spec)
        if _known_to_leave(repo, remote):
            return None
        notes = repo.ref_target(NOTES_REF) is not None  # a damaged ref raises: the command's to say
        if not in_step(push_statuses(repo, remote, (SESSIONS_PREFIX,), notes, every_ref=True)):
            return None
        if not _readable(os.path.join(paths.pushed_folder(repo), remote.key)):
            return None
    except Exception:  # the command says what it is, as it always does
        return None
    return remote.name


def _known_to_leave(repo: Repo, remote: Remote) -> bool:
    """Whether the copies here already say that something leaves (a session, or the notes,
    the remote's copy lacks). The command then asks the remote itself: asking it here too
    would connect twice before the push connects again (a passphrase asked three times).
    Only their "nothing leaves" is checked with the remote: it is the answer a re-pointed
    URL, a remote made anew or a session deleted there makes wrong."""
    tips = ref_tips(repo, [SESSIONS_PREFIX, remote.sessions_prefix])
    ours = {name: tip for name, tip in tips.items() if name.startswith(SESSIONS_PREFIX)}
    if any(tips.get(remote.copy_ref(name)) != tip for name, tip in ours.items()):
        return True
    return repo.ref_target(NOTES_REF) != repo.ref_target(remote.notes_ref)


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
