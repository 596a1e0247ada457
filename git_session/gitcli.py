"""The one helper that runs the ``git`` binary.

It is used where only git knows the answer (identity, trailers, patch-ids) and for the
network. Variables that pin git to another repository (set when we run inside a hook)
are stripped, and the repository is passed explicitly instead.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any, TypeVar

from git_session.errors import GitError

Item = TypeVar("Item")
Result = TypeVar("Result")

_ERROR_PREFIXES = ("fatal:", "error:")
MAX_ERROR_LINES = 3
MAX_ERROR_CHARS = 600
# The umask of the programs this process starts (git, the pager; subprocess's ``umask``,
# -1: this process's): the user's own while a shared repository's widened this process's
# (gitrepo.Repo.share_new_files). A child writes the work tree (git switch) and the user's
# files, which keep the user's modes; git gives the files it makes in its git dir their
# shared modes itself.
child_umask = -1

# Variables git sets for hooks and aliases that would point a child git elsewhere.
_LOCATION_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_NAMESPACE",
    "GIT_QUARANTINE_PATH",
)


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LOCATION_VARIABLES}
    env.update(extra or {})
    return env


def run(
    args: Sequence[str],
    *,
    git_dir: str | None = None,
    cwd: str | None = None,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    stderr_to_terminal: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``git ARGS`` and return its result; raise ``GitError`` if it fails and ``check``.

    ``stderr_to_terminal`` lets git write to our standard error (its progress meter)
    instead of capturing it.
    """
    command = ["git", *([f"--git-dir={git_dir}"] if git_dir else []), *args]
    # Without input, git reads nothing of ours: our stdin may be an MCP client's protocol
    # stream or an agent hook's input, which no git command may consume.
    stdin: dict[str, Any] = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            **stdin,
            env=clean_environment(env),
            stdout=subprocess.PIPE,
            stderr=None if stderr_to_terminal else subprocess.PIPE,
            umask=child_umask,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            check=False,
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}", "install git and put it on PATH") from None
    result.stderr = result.stderr or ""
    if check and result.returncode != 0:
        raise GitError(
            f"`git {' '.join(args)}` failed: {error_summary(result.stderr, result.returncode)}",
            command=command,
            output=result.stdout,
            stderr=result.stderr,
        )
    return result


def ref_transaction(lines: str, *, git_dir: str, message: str | None = None) -> bool:
    """Run ``git update-ref --stdin`` on ``lines`` (one transaction: every ref moves or
    none does); whether it did. ``message``: each ref's reflog gets it, made if missing.
    --no-deref: a ref made a symbolic ref (by hand) is replaced, never written through.
    ``core.warnAmbiguousRefs=false`` as ``git -c`` sets it (added to the caller's own ``-c``
    settings, which git keeps): else git looks for refs named like each id it is given
    ("refname is ambiguous", which it only ever warns about), a dozen file look-ups per
    line, most of what 1,000 lines cost."""
    logged = ["--create-reflog", "-m", message] if message is not None else []
    args = ["-c", "core.warnAmbiguousRefs=false", "update-ref", "--no-deref", *logged, "--stdin"]
    return run(args, git_dir=git_dir, input=lines, check=False).returncode == 0


class Running:
    """A ``git`` started by ``start``: it writes its output to two unnamed temporary files
    while the caller works, and ``result`` reads them once it has ended (or, when no
    temporary file can be made, a thread reads its pipes meanwhile)."""

    def __init__(
        self,
        args: Sequence[str],
        command: list[str],
        process: subprocess.Popen[Any],
        files: tuple[IO[bytes], IO[bytes]] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.args = tuple(args)
        self.command = command
        self.process = process
        self._files = files
        self._cwd = cwd
        self._output: tuple[str, str] = ("", "")
        self._reader: threading.Thread | None = None
        if files is None:
            self._reader = threading.Thread(target=self._read, daemon=True)
            self._reader.start()

    def _read(self) -> None:
        self._output = self.process.communicate()

    def _collect(self) -> tuple[str, str]:
        if self._reader is not None:
            self._reader.join()
        elif self._files is not None:  # read once: asked again, the same answer
            files, self._files = self._files, None
            if self.process.wait() == 0:
                self._output = _text_of(files[0]), _text_of(files[1])
            else:  # the file may be what failed (a full disk): git again, through pipes, as they give it
                for file in files:
                    file.close()
                self.process = _popen(self.command, self._cwd, None)
                self._output = self.process.communicate()
        return self._output

    def result(self, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Wait for git; raise ``GitError`` as ``run`` does if it failed and ``check``."""
        stdout, stderr = self._collect()
        result = subprocess.CompletedProcess(self.command, self.process.returncode, stdout, stderr)
        if check and result.returncode != 0:
            raise GitError(
                f"`git {' '.join(self.args)}` failed: {error_summary(stderr, result.returncode)}",
                command=self.command,
                output=stdout,
                stderr=stderr,
            )
        return result


def _text_of(file: IO[bytes]) -> str:
    """What git wrote to ``file``, as a text-mode pipe gives it (``subprocess``: UTF-8 with
    surrogate escapes, ``\\r\\n`` and ``\\r`` read as ``\\n``); the file is closed, and so gone."""
    with file:
        file.seek(0)
        text = file.read().decode("utf-8", "surrogateescape")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def start(args: Sequence[str], *, git_dir: str | None = None, cwd: str | None = None) -> Running:
    """Start ``git ARGS`` and return at once; ``Running.result()`` waits for it like ``run``.

    Its output goes to unnamed temporary files, not to pipes: git never waits for a reader,
    and no thread of ours wakes for each piece it writes (a handoff's log of 1,000 commits is
    half a megabyte). Where no temporary file can be made, a thread reads the pipes."""
    command = ["git", *([f"--git-dir={git_dir}"] if git_dir else []), *args]
    import tempfile  # (here: an import the early answers need not pay, ISSUE14)

    files: tuple[IO[bytes], IO[bytes]] | None
    try:
        files = (tempfile.TemporaryFile(), tempfile.TemporaryFile())  # noqa: SIM115  (closed by result)
    except OSError:
        files = None
    try:
        process = _popen(command, cwd, files)
    except GitError:
        for file in files or ():
            file.close()
        raise
    return Running(args, command, process, files, cwd)


def _popen(command: list[str], cwd: str | None, files: tuple[IO[bytes], IO[bytes]] | None) -> subprocess.Popen[Any]:
    """``command`` started, writing to ``files``, else to text-mode pipes."""
    pipes: dict[str, Any] = (
        {"stdout": files[0], "stderr": files[1]}
        if files is not None
        else {
            "stdout": subprocess.PIPE,
            "stderr": subprocess.PIPE,
            "text": True,
            "encoding": "utf-8",
            "errors": "surrogateescape",
        }
    )
    try:
        return subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.DEVNULL, env=clean_environment(), umask=child_umask, **pipes
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}", "install git and put it on PATH") from None


def pipeline(first: Sequence[str], second: Sequence[str], *, git_dir: str | None = None, input: str = "") -> str:
    """``git FIRST | git SECOND`` fed ``input``: the second's output. Raise ``GitError`` if
    either fails. Neither output is held in memory whole, only the second's."""
    return tee_pipeline(first, second, git_dir=git_dir, input=input, sink=_discard)


def _discard(chunk: bytes) -> None:
    return None


def tee_pipeline(
    first: Sequence[str],
    second: Sequence[str],
    *,
    git_dir: str | None = None,
    input: str = "",
    sink: Callable[[bytes], None],
    then: Callable[[], tuple[Sequence[str], str] | None] | None = None,
) -> str:
    """``git FIRST | git SECOND`` fed ``input``, the first's output also handed to ``sink``
    as it passes (in chunks, in order): the second's output. Raise ``GitError`` if either
    fails. Neither output is held in memory whole, only the second's.

    ``then``, called once the first has ended well, may name one more command and its input
    (``(args, input)``): its output goes on to the second too (not to ``sink``), before the
    second's input ends. One consumer for both: one git process fewer than two pipelines."""
    import tempfile  # (here: an import the early answers need not pay)

    env = clean_environment()
    started: list[tuple[subprocess.Popen[bytes], Sequence[str], IO[bytes]]] = []
    with contextlib.ExitStack() as files:

        def start(args: Sequence[str]) -> subprocess.Popen[bytes]:
            err = files.enter_context(tempfile.TemporaryFile())
            try:
                proc = subprocess.Popen(
                    _command(git_dir, args),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=err,
                    env=env,
                    umask=child_umask,
                )
            except OSError as exc:
                raise GitError(f"cannot run git: {exc}", "install git and put it on PATH") from None
            started.append((proc, args, err))
            return proc

        consumer = start(second)
        assert consumer.stdin is not None and consumer.stdout is not None
        output: list[bytes] = []
        reader = threading.Thread(target=lambda: output.append(consumer.stdout.read() if consumer.stdout else b""))
        reader.start()
        try:
            ended = _pour(start(first), input, consumer.stdin, sink)
            follow = then() if then is not None and ended else None
            if follow is not None:
                _pour(start(follow[0]), follow[1], consumer.stdin, _discard)
        finally:
            with contextlib.suppress(BrokenPipeError):
                consumer.stdin.close()
            reader.join()
            consumer.wait()
        for proc, args, err in started:  # the consumer first: a producer it left was killed
            if proc.returncode != 0:
                err.seek(0)
                stderr = err.read().decode("utf-8", "replace")
                summary = error_summary(stderr, proc.returncode)
                command = _command(git_dir, args)
                raise GitError(f"`git {' '.join(args)}` failed: {summary}", command=command, stderr=stderr)
    return b"".join(output).decode("utf-8", "surrogateescape")


def _command(git_dir: str | None, args: Sequence[str]) -> list[str]:
    return ["git", *([f"--git-dir={git_dir}"] if git_dir else []), *args]


def _pour(producer: subprocess.Popen[bytes], input: str, into: IO[bytes], sink: Callable[[bytes], None]) -> bool:
    """Feed ``producer`` its input and pass its output on to ``into`` (and ``sink``) until
    it ends; whether it ended well (``into``'s reader still there)."""
    assert producer.stdin is not None and producer.stdout is not None
    feeder = threading.Thread(target=_feed, args=(producer.stdin, input.encode("utf-8", "surrogateescape")))
    feeder.start()
    gone = False
    try:
        while chunk := os.read(producer.stdout.fileno(), 1 << 16):
            sink(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(into.fileno(), view) :]
    except BrokenPipeError:  # the reader has gone: its exit status says why
        producer.kill()
        gone = True
    finally:
        producer.stdout.close()
        feeder.join()
        producer.wait()
    return not gone and producer.returncode == 0


def _feed(pipe: IO[bytes], data: bytes) -> None:
    """Write and close; a reader that has gone is reported by its exit status instead."""
    with contextlib.suppress(BrokenPipeError):
        pipe.write(data)
    with contextlib.suppress(BrokenPipeError):
        pipe.close()


def error_summary(stderr: str, returncode: int) -> str:
    """What went wrong, in one line: git's ``fatal:``/``error:`` lines (the first few), else its
    last line. Its explanations and advice after them (``remove the file manually to
    continue.``) say less than the error itself."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith(_ERROR_PREFIXES)]
    chosen = errors[:MAX_ERROR_LINES] or lines[-1:] or [f"exit status {returncode}"]
    summary = "; ".join(chosen)
    return summary if len(summary) <= MAX_ERROR_CHARS else summary[: MAX_ERROR_CHARS - 1] + "…"


def split_z(output: str) -> list[str]:
    """Split ``-z`` output into its NUL-terminated records."""
    return [record for record in output.split("\0") if record]


def halved(
    items: Sequence[Item], run: Callable[[Sequence[Item]], Result], failed: GitError, budget: int | None = None
) -> tuple[list[Result], list[tuple[Item, GitError]]] | None:
    """After ``run(items)`` failed with ``failed``: what ``run`` makes of the parts of
    ``items`` it does not fail on, and each item it fails on alone with its error, found by
    halving (a few more processes for a few failing items); ``None`` when that would take
    more than ``budget`` runs (``None``: no bound)."""
    made: list[Result] = []
    alone: list[tuple[Item, GitError]] = []
    runs = [budget]

    def split(part: Sequence[Item], error: GitError) -> bool:
        if len(part) == 1:
            alone.append((part[0], error))
            return True
        half = len(part) // 2
        for piece in (part[:half], part[half:]):
            if not piece:
                continue
            if runs[0] is not None:
                if runs[0] <= 0:
                    return False
                runs[0] -= 1
            try:
                made.append(run(piece))
            except GitError as exc:
                if not split(piece, exc):
                    return False
        return True

    return (made, alone) if split(items, failed) else None
