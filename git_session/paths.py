"""Every path git-session keeps below ``<common-dir>/git-session/``, its private folder, shared
by all worktrees (and the one file it keeps in a worktree's own git dir), and where the
team's shared settings file sits in a work tree.

The shell hooks (``hooks/``) cannot import this module and repeat some of these names;
``tests/test_i10_facts.py`` pins each of their copies to the names here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from git_session.gitrepo import Repo

PRIVATE_FOLDER = "git-session"  # below the common dir
QUEUE_FOLDER = "queue"  # what the hooks recorded, for the next command to link
PENDING_PREFIX = "pending."  # queue/pending.<pid>.<parent>: a commit prepare-commit-msg is making
REWRITE_PREFIX = "rewrite-"  # queue/rewrite-<pid>: post-rewrite's "old new" lines
CACHE_FOLDER = "branches"  # branches/<branch>/trailers~: a branch's rendered trailers
CACHE_FILE = "trailers~"  # no ref name holds a `~`: never a branch's folder
AWK_PROGRAM = "trailers.awk"  # the hooks' copy of the shipped git-session-trailers.awk
INSTALLED_MARKER = "hooks-installed"  # the record of what install added
INSTALL_LOCK = "install.lock"
DRAIN_LOCK = "drain.lock"  # held while the queue is linked
CHOICES_FILE = "chosen"  # the sessions chosen with --session, latest last
SESSION_REFS_INDEX = "session-refs"  # each session folder's refs, with its stamp (sessionids)
SESSION_METAS_CACHE = "session-metas"  # the sessions' fields by tip commit (metacache)
REPORT_INPUTS_CACHE = "report-inputs"  # what report figures are made of, by session tip (reportcache)
PUSHED_FOLDER = "pushed"  # per remote: the session tips it took
TEMPLATE_CACHE = "template-cache"  # compiled templates
REATTACH_SEEN = "reattach-seen"  # the branch tips automatic reattach has examined (JSON)
PATCH_ID_CACHE = "patch-ids"  # reattach: the linked commits' patch-ids, by commit (derived)
COMMIT_INDEX_FOLDER = "commit-index"  # commit-index/<session id>: its commit entries by commit (commitindex.py)
AT_RISK_INDEX_FOLDER = "at-risk-index"  # at-risk-index/<session id>: its commit entries at a glance (atrisk.py)
IMPORT_KEY = "import-key"  # this clone's key for the ids of files imported from outside the work tree
CRASH_FOLDER = "crash"  # the logs of unexpected errors
AGENT_CACHE_PREFIX = "agent-"  # branches/<branch>/agent-<agent>~: an agent's pre-rendered answers
AGENT_STATE_FOLDER = "agents"  # agents/<agent>/<agent session id>: what that agent session saw
AGENT_QUEUE_FOLDER = "agent-queue"  # <agent>.<agent session id>: a start the shim answered, to record
HOOK_UMASK = "umask"  # a shared repository's umask for the hooks' writes (gitrepo.hook_umask)
EDITING_FILE = "git-session-editing"  # in the worktree's git dir: the message before the editor, emptied once used
SHARED_CONFIG = ".git-session/config.yaml"  # in the work tree (a bare repository: HEAD's tree); settings.py


def shared_config_may_exist(repo: Repo) -> bool:
    """Whether there may be a shared settings file to read: the work tree has one, or the
    repository is bare (then it is looked for in HEAD's tree). One ``lstat``: the settings
    module is loaded only when there is a file or a setting is asked for."""
    return repo.workdir is None or os.path.lexists(os.path.join(repo.workdir, SHARED_CONFIG))


def private_dir(repo: Repo) -> Path:
    """The private folder; in a shared repository, from now on what this process makes
    there (and anywhere) gets the modes git gives its own (``Repo.share_new_files``)."""
    folder = private_dir_of(repo.common_dir)
    repo.share_new_files(os.fspath(folder), os.fspath(folder / HOOK_UMASK))
    return folder


def hook_umask(repo: Repo) -> Path:
    return private_dir(repo) / HOOK_UMASK


def private_dir_of(common_dir: str) -> Path:
    """The private folder of the repository whose common dir is ``common_dir``."""
    return Path(common_dir) / PRIVATE_FOLDER


def queue_dir(repo: Repo) -> Path:
    return private_dir(repo) / QUEUE_FOLDER


def branch_cache(repo: Repo, branch: str) -> Path:
    """A branch's trailers file; ``trailers.cache_path`` first checks that the name may name one."""
    return private_dir(repo) / CACHE_FOLDER / branch / CACHE_FILE


def awk_program(repo: Repo) -> Path:
    return private_dir(repo) / AWK_PROGRAM


def installed_marker(repo: Repo) -> Path:
    return private_dir(repo) / INSTALLED_MARKER


def install_lock(repo: Repo) -> Path:
    return private_dir(repo) / INSTALL_LOCK


def drain_lock(repo: Repo) -> Path:
    return private_dir(repo) / DRAIN_LOCK


def choices_file(repo: Repo) -> Path:
    return private_dir(repo) / CHOICES_FILE


def session_refs_index(repo: Repo) -> Path:
    return private_dir(repo) / SESSION_REFS_INDEX


def session_metas_cache(repo: Repo) -> Path:
    return private_dir(repo) / SESSION_METAS_CACHE


def report_inputs_cache(repo: Repo) -> Path:
    return private_dir(repo) / REPORT_INPUTS_CACHE


def pushed_folder(repo: Repo) -> Path:
    return private_dir(repo) / PUSHED_FOLDER


def commit_index_file(repo: Repo, session_id: str) -> Path:
    """A session's commit index (``session_id`` is a checked id: never a path)."""
    return private_dir(repo) / COMMIT_INDEX_FOLDER / session_id


def template_cache(repo: Repo) -> Path:
    return private_dir(repo) / TEMPLATE_CACHE


def patch_id_cache(repo: Repo) -> Path:
    return private_dir(repo) / PATCH_ID_CACHE


def import_key(repo: Repo) -> Path:
    return private_dir(repo) / IMPORT_KEY


def crash_folder(repo: Repo) -> Path:
    return private_dir(repo) / CRASH_FOLDER


def agent_shim(repo: Repo) -> Path:
    return private_dir(repo) / "agent-hook"


def agent_cache(repo: Repo, branch: str, agent: str) -> Path:
    """A branch's pre-rendered answers for one agent (``agents.cache`` checks the names first)."""
    return private_dir(repo) / CACHE_FOLDER / branch / f"{AGENT_CACHE_PREFIX}{agent}{CACHE_FILE[-1]}"


def agent_state_dir(repo: Repo, agent: str) -> Path:
    return private_dir(repo) / AGENT_STATE_FOLDER / agent


def agent_queue(repo: Repo) -> Path:
    return private_dir(repo) / AGENT_QUEUE_FOLDER


def reattach_seen(repo: Repo) -> Path:
    return private_dir(repo) / REATTACH_SEEN
