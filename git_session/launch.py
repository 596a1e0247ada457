"""The console script: ``git-session`` and ``python -m git_session``.

A push with nothing to send (``git session push [REMOTE]``, run again) is answered by
``quickpush`` before the command line is imported: its start-up would cost more than the
work. Everything else, and that push whenever anything might be to do, is the command
line's (``cli.main``), which says and does what it always did.
"""

from __future__ import annotations

import os
import re
import sys

COMPLETE_VAR = "_GIT_SESSION_COMPLETE"  # cli.COMPLETE_VAR (a test pins the copy): a completion asking
# A remote name shown as is: nothing in it for render.safe to escape, nothing print could not write.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._/@+-]+")


def main() -> None:
    if _answered(sys.argv[1:]):
        return
    from git_session.cli import main as cli_main

    cli_main()


def _answered(args: list[str]) -> bool:
    """``push`` or ``push REMOTE`` (no option: those are click's to read) answered as the
    command would answer it, when there is nothing to push and nothing else to do."""
    if args[:1] != ["push"] or len(args) > 2 or any(a.startswith("-") for a in args[1:]) or COMPLETE_VAR in os.environ:
        return False
    from git_session import quickpush

    name = quickpush.up_to_date(args[1] if len(args) == 2 else None)
    if name is None or not _PLAIN_NAME.fullmatch(name):  # another name: the command line shows it
        return False
    try:
        print(f"Everything up to date on {name}", flush=True)
    except BrokenPipeError:  # the reader has gone: as the command line's boundary answers it
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
        sys.exit(1)
    except OSError:  # a full disk, an I/O error: the command line says so (its words, its exit code)
        return False
    return True
