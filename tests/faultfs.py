"""Real file-system faults for tests: a small tmpfs that fills up (ENOSPC) or is remounted
read-only (EROFS), and a user without rights (EACCES).

No LD_PRELOAD and no mocks: the kernel refuses the writes. It needs root (mount(2),
setpriv), which the CI machine has; a machine that lacks it fails these tests loudly
unless ``GIT_SESSION_NO_FAULT_FS=1`` says to skip them on purpose.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

OPT_OUT = "GIT_SESSION_NO_FAULT_FS"
CHUNK = 64 * 1024


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        if os.environ.get(OPT_OUT) == "1" and not os.environ.get("CI"):  # never skipped in CI
            pytest.skip(f"{OPT_OUT}=1: no real file-system faults here")
        pytest.fail(
            f"cannot `mount {' '.join(args)}`: {result.stderr.strip()}\n"
            f"these tests need root to make real faults (set {OPT_OUT}=1 to skip them deliberately)"
        )


@contextlib.contextmanager
def small_fs(size_kb: int) -> Iterator[Path]:
    """A fresh tmpfs of ``size_kb`` KiB that any user can enter (mode 0755), unmounted after."""
    point = Path(tempfile.mkdtemp(prefix="git-session-faultfs-"))
    point.chmod(0o755)
    _mount("-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "tmpfs", str(point))
    try:
        yield point
    finally:
        if subprocess.run(["umount", str(point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(point)], capture_output=True)
        with contextlib.suppress(OSError):
            point.rmdir()


def read_only(point: Path, on: bool) -> None:
    """Remount the tmpfs read-only (every write gets EROFS, for root too) or writable again."""
    _mount("-o", f"remount,{'ro' if on else 'rw'}", str(point))


def fill(point: Path) -> Path:
    """Fill the tmpfs to the last byte (or top it up again); returns the filler file (delete
    it to free the space)."""
    filler = point / "filler"
    block = b"\0" * CHUNK
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        size = CHUNK
        while size:
            try:
                os.write(handle, block[:size])
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                size //= 2  # then smaller pieces, down to the last byte
    finally:
        os.close(handle)
    return filler


def is_full(point: Path) -> bool:
    return shutil.disk_usage(point).free == 0


def as_nobody(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """Run a command as user nobody (root ignores file modes: a real EACCES needs another user)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_DIR")}
    env["HOME"] = str(home)
    command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
