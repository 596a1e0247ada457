"""The console script: ``git-session`` and ``python -m git_session``.

Two commands whose start-up would cost more than their work are answered before the
command line is imported: a push with nothing to send (``git session push [REMOTE]``, run
again) by ``quickpush``, and a plain handoff (``git session handoff [SESSION]``,
``--session``, ``--format``) by ``quickhandoff``. Everything else, and those whenever
anything else might be to do or say, is the command line's (``cli.main``), which says and
does what it always did.
"""

from __future__ import annotations

import codecs
import gc
import os
import re
import sys
from collections.abc import Callable

COMPLETE_VAR = "_GIT_SESSION_COMPLETE"  # cli.COMPLETE_VAR (a test pins the copy): a completion asking
# A remote name shown as is: nothing in it for render.safe to escape, nothing print could not write.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._/@+-]+")


def main() -> None:
    try:
        if _answered(sys.argv[1:]) or _handed_off(sys.argv[1:]):
            return
    except KeyboardInterrupt:  # Ctrl-C during an early answer: as the command line's boundary answers it (cli.base)
        from git_session.errors import EXIT_INTERRUPTED

        if sys.stderr is not None:  # no standard error (a closed descriptor): click says nothing either
            print(file=sys.stderr, flush=True)
        sys.exit(EXIT_INTERRUPTED)
    from git_session.cli import main as cli_main

    cli_main()


def _answered(args: list[str]) -> bool:
    """``push`` or ``push REMOTE`` (no option: those are click's to read) answered as the
    command would answer it, when there is nothing to push and nothing else to do."""
    if args[:1] != ["push"] or len(args) > 2 or any(a.startswith("-") for a in args[1:]) or COMPLETE_VAR in os.environ:
        return False
    return _without_collector(lambda: _push_answer(args))


def _push_answer(args: list[str]) -> bool:
    from git_session import quickpush

    # The command, if it runs, runs next in this process: it takes the remote's answer from here.
    name = quickpush.up_to_date(args[1] if len(args) == 2 else None, hand_over=True)
    if name is None or not _PLAIN_NAME.fullmatch(name):  # another name: the command line shows it
        return False
    return _printed(f"Everything up to date on {name}\n")


def _handed_off(args: list[str]) -> bool:
    """``handoff`` printed as the command prints it (``quickhandoff``: when that is all it would do)."""
    if args[:1] != ["handoff"] or COMPLETE_VAR in os.environ or not _plain_stdout():
        return False
    return _without_collector(lambda: _handoff_answer(args))


def _handoff_answer(args: list[str]) -> bool:
    from git_session import quickhandoff

    text = quickhandoff.text(args[1:])
    if text is None:
        return False
    from git_session.plaintext import on_screen, on_terminal

    if on_terminal(sys.stdout):  # as the command shows it on a terminal (cli.base.print_document)
        asked = quickhandoff.parse(args[1:])
        text = on_screen(text, json_text=asked is not None and asked[1] == "json")
    return _printed(text)


def _without_collector(answer: Callable[[], bool]) -> bool:
    """An early answer, given with the cyclic collector off (ISSUE14: the no-op push, the
    handoff): it would walk the heap of every module imported, during the imports, while the
    answer's many small values are built and again as the interpreter exits, for the few
    hundred objects an answer leaves in cycles."""
    gc.disable()
    try:
        printed = answer()
    finally:
        gc.enable()  # the command line, if it runs, runs as it always does
    if printed:
        gc.freeze()  # nothing is left to do: the exit does not walk the heap either
    return printed


def _plain_stdout() -> bool:
    """Whether the output is written as the command line writes it: click writes to a stream
    that does not encode UTF-8 through a wrapper of its own."""
    try:
        return codecs.lookup(sys.stdout.encoding).name == "utf-8"
    except (AttributeError, LookupError, TypeError):
        return False


def _printed(text: str) -> bool:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader has gone: as the command line's boundary answers it
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
        sys.exit(1)
    except OSError:  # a full disk, an I/O error: the command line says so (its words, its exit code)
        return False
    return True
