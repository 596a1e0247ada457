"""Long output through git's pager, chosen as `git log` chooses it.

Only when standard output is a terminal: then ``GIT_PAGER``, else ``pager.session`` when it
names a command, else ``core.pager`` (``git -c`` included), else ``PAGER``, else ``less``;
none when that is empty or ``cat``, or when ``pager.session`` is false. ``git --no-pager
session …`` works as well: git then runs this command with ``GIT_PAGER=cat``. The pager gets
``LESS=FRX`` and ``LV=-c`` unless they are set, as git gives them, so that a short output is
printed as it is and colours show.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

from git_session import gitcli
from git_session.gitrepo import Repo, config_bool
from git_session.plaintext import on_terminal

DEFAULT_PAGER = "less"
PAGER_ENV = {"LESS": "FRX", "LV": "-c"}


def pager_command(repo: Repo) -> str | None:
    """The pager to run, or ``None`` to print straight to standard output."""
    if not on_terminal(sys.stdout):
        return None
    command = os.environ.get("GIT_PAGER")
    if command is None:
        own = repo.config_values("pager.session")  # a key without a value is true
        if own and config_bool(own[-1]) is False:
            return None
        if own and own[-1] is not None and config_bool(own[-1]) is None:
            command = own[-1]
    if command is None:
        command = repo.config_value("core.pager")
    if command is None:
        command = os.environ.get("PAGER")
    if command is None:
        command = DEFAULT_PAGER
    return None if command.strip() in ("", "cat") else command


def page(repo: Repo, text: str) -> bool:
    """Show ``text`` (without its final newline) through the pager; ``False`` when there is
    none to run, and then the caller prints it. The pager quitting early is no error."""
    command = pager_command(repo)
    if command is None:
        return False
    sys.stdout.flush()
    env = {**PAGER_ENV, **os.environ, "GIT_PAGER_IN_USE": "true"}
    try:
        pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env, umask=gitcli.child_umask)
    except OSError:
        return False
    assert pager.stdin is not None
    with contextlib.suppress(BrokenPipeError):  # the reader quit the pager before the end: not an error
        pager.stdin.write((text + "\n").encode("utf-8", "surrogateescape"))
        pager.stdin.close()
    pager.wait()
    return True
