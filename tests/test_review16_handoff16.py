"""Review of handoff16: the console script's early answer for `git session handoff`
(``launch``, ``quickhandoff``) must end as the full command ends in every case it takes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_i14_handoff_lean import _CLOCK, _FULL, handed, on_path

__all__ = ["handed", "on_path"]  # the fixtures, used by name

pytestmark = pytest.mark.slow


def _slow_git(folder: Path, marker: Path) -> Path:
    """A ``git`` that, for a ``log``, writes its process id to ``marker`` and only waits."""
    real = shutil.which("git")
    assert real is not None
    folder.mkdir()
    script = folder / "git"
    script.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do if [ "$a" = log ]; then\n'
        '    echo $$ > "$MARKER.new"; mv "$MARKER.new" "$MARKER"; exec sleep 60\n'  # (the marker: with its pid)
        "fi; done\n"
        f'exec "{real}" "$@"\n'
    )
    script.chmod(0o755)
    return folder


def _interruptible() -> None:
    """Ctrl-C as a terminal delivers it: a suite started in the background by a shell without
    job control inherits SIGINT ignored, and Python then installs no handler for it (the
    command would run to its end and the test wait a minute on the slow git log)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupted(cwd: Path, argv: list[str], env: dict[str, str], marker: Path) -> tuple[int, bytes, bytes]:
    """Run ``argv``, press Ctrl-C while the handoff's git log runs: exit code, stdout, stderr."""
    marker.unlink(missing_ok=True)
    process = subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, preexec_fn=_interruptible
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the handoff never ran its git log"  # (with its pid: put in place whole)
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ValueError, OSError):  # the waiting `git log` this test started
            os.kill(int(marker.read_text()), signal.SIGKILL)
    return process.returncode, out, err


def test_ctrl_c_during_an_early_handoff_ends_as_the_command_does(handed: Path, tmp_path: Path) -> None:
    """The command line's boundary answers an interrupt with one empty line on stderr and
    exit 130; the early answer let the KeyboardInterrupt out (a traceback, death by SIGINT)."""
    marker = tmp_path / "log-started"
    slow = _slow_git(tmp_path / "slowbin", marker)
    env = {**os.environ, **_CLOCK, "MARKER": str(marker), "PATH": f"{slow}{os.pathsep}{os.environ['PATH']}"}
    loaded = tmp_path / "loaded"
    probe = (
        "import atexit, sys; from git_session import launch; "
        f"atexit.register(lambda: open({str(loaded)!r}, 'w').write(str('click' in sys.modules))); "
        "sys.argv = ['git-session', *sys.argv[1:]]; launch.main()"
    )
    early = _interrupted(handed, [sys.executable, "-c", probe, "handoff", "--format", "json"], env, marker)
    assert loaded.read_text() == "False"  # it was the early answer that was interrupted
    full = _interrupted(handed, [sys.executable, "-c", _FULL, "handoff", "--format", "json"], env, marker)
    assert full == (130, b"", b"\n")
    assert early == full
