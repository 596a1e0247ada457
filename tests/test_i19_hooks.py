"""Issue 14, the commit path (sixth round): reading git's command line costs a bounded amount.

- The hook's first, lock-free look at /proc/<ppid>/cmdline read it a byte per system call
  in dash and busybox, a line whole before any check: a 120 KB `-m` cost 240,000 `read`
  calls (half a second to 15 s), and one_paragraph read the message as long again. The
  hook now asks the command line's size first (/proc/<ppid>/stat, one line) and reads it
  itself only up to 2,048 bytes; a longer one is read in blocks by one `tr`, and a message
  whose `-m` values are longer than 256 characters is written by awk.
- bash and busybox cut a string in time growing with its square (`${a#--}`, `${a%%[...]*}`:
  about a second for 130 KB): options are now told by cases, which are linear.
Every answer stays as it was (the trailers of a new commit or of an amend), under dash,
bash and busybox sh alike; every case is a real commit.
"""

from __future__ import annotations

import random
import resource
import subprocess
from pathlib import Path

import pytest

from tests import test_trailers
from tests.helpers import needed_tool
from tests.test_i17_hooks import AMENDS, FRESH, NEW, amended, fresh, linked
from tests.test_i18_hooks import commit_entries
from tests.test_trailers import Session, head, message, run_git

hooked = test_trailers.hooked
session = test_trailers.session
HOOK = Path(__file__).parent.parent / "hooks" / "prepare-commit-msg"
SHELLS = {"dash": ["dash"], "bash": ["bash"], "busybox": ["busybox", "sh"]}


def shell_argv(name: str) -> list[str]:
    """The command that runs shell ``name``, its program by its full path (missing: the test
    fails in CI, where .ci/install-test-tools installs it)."""
    program, *rest = SHELLS[name]
    return [needed_tool(program), *rest]


@pytest.fixture
def has_strace() -> str:
    """strace, which counts a hook's reads (installed by .ci/install-test-tools)."""
    return needed_tool("strace")


BIG = "a" * 120_000  # (one argument holds at most 128 KB)


@pytest.fixture(params=list(SHELLS))
def shell(request: pytest.FixtureRequest, session: Session) -> str:
    """The session's hooks run by this shell (their first line says which)."""
    first = f"#!{' '.join(shell_argv(request.param))}\n"
    hooks = session.repo / ".git" / "hooks"
    for name in ("prepare-commit-msg", "commit-msg", "post-rewrite"):
        text = (hooks / name).read_text()
        (hooks / name).write_text(first + text.split("\n", 1)[1])
    return str(request.param)


def reads(repo: Path, *argv: str) -> int:
    """The `read` system calls of `git ARGV` and all it starts."""
    log = repo.parent / "strace.log"
    strace = ["strace", "-f", "-qq", "-e", "trace=read", "-o", str(log), "git", *argv]
    done = subprocess.run(strace, cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return sum(1 for line in log.read_text().splitlines() if "read(" in line)


# --- the answers, with any message ------------------------------------------------------------


LONG_FRESH = [
    (["commit", "-q", "-m", BIG], BIG),
    (["commit", "-q", f"-m{BIG}"], BIG),
    (["commit", "-q", f"--message={BIG}"], BIG),
    (
        ["commit", "-q", *[x for i in range(14) for x in ("-m", BIG + str(i))]],
        "\n\n".join(BIG + str(i) for i in range(14)),
    ),
    (["commit", "-q" + "q" * 300 + "m" + BIG[:5000]], BIG[:5000]),  # (a value after more than 256 letters)
    (["commit", "-q", "-m", "x" * 300 + "\n" + "y" * 300], "x" * 300 + "\n" + "y" * 300),
]
LONG_AMENDS = [
    (["commit", "-q", "--amend", "-m", BIG], BIG),
    (["commit", "-q", f"-m{BIG}", "--amend"], BIG),
    (["commit", "-q", "--amend", f"--message={BIG}"], BIG),
    (["commit", "-" + "q" * 130_000 + "m", NEW, "--amend"], NEW),
    (["commit", "-" + "q" * 130_000 + "nm", NEW, "--am"], NEW),
    (["commit", "-q", "--amend", "-m", NEW, "--", *["file"] * 20_000], NEW),
]


@pytest.mark.slow
@pytest.mark.parametrize("argv, subject", LONG_FRESH, ids=range(len(LONG_FRESH)))
def test_a_long_command_line_of_a_new_commit_gets_its_trailers(
    session: Session, shell: str, argv: list[str], subject: str
) -> None:
    parent = linked(session)
    run_git(session.repo, *argv)
    assert head(session.repo, "HEAD~1") == parent
    assert message(session.repo) == fresh(session, subject)


@pytest.mark.slow
@pytest.mark.parametrize("argv, subject", LONG_AMENDS, ids=range(len(LONG_AMENDS)))
def test_a_long_command_line_of_an_amend_gets_an_amends_trailers(
    session: Session, shell: str, argv: list[str], subject: str
) -> None:
    parent = linked(session)
    run_git(session.repo, *argv)
    assert head(session.repo, "HEAD~1") == head(session.repo, f"{parent}~1")
    assert message(session.repo) == amended(session, subject)
    assert commit_entries(session.repo)[-1] == head(session.repo)


@pytest.mark.slow
@pytest.mark.parametrize("argv, subject", FRESH[:6], ids=range(6))
def test_the_usual_new_commits_in_every_shell(session: Session, shell: str, argv: list[str], subject: str) -> None:
    parent = linked(session)
    run_git(session.repo, *argv)
    assert head(session.repo, "HEAD~1") == parent
    assert message(session.repo) == fresh(session, subject)


@pytest.mark.slow
@pytest.mark.parametrize("argv", AMENDS[:8], ids=range(8))
def test_the_usual_amends_in_every_shell(session: Session, shell: str, argv: list[str]) -> None:
    linked(session)
    run_git(session.repo, *argv)
    assert message(session.repo) == amended(session, NEW)


# --- what it costs -----------------------------------------------------------------------------


@pytest.mark.usefixtures("has_strace")
@pytest.mark.parametrize("argv", [["-m", BIG], ["--amend", "-m", BIG], [f"--message={BIG}"]], ids=range(3))
def test_a_long_message_is_not_read_a_byte_a_call(session: Session, shell: str, argv: list[str]) -> None:
    """(main: 241,000 reads, as many as the message's bytes twice, in dash and busybox)"""
    linked(session)
    assert reads(session.repo, "commit", "-q", *argv) < 20_000
    assert message(session.repo).startswith(BIG + "\n\n")


@pytest.mark.slow
def test_a_long_option_cluster_costs_no_square(session: Session, shell: str) -> None:
    """Fourteen clusters of 130,000 letters under a limit of 2 s of CPU for each process
    (main's hook in bash: about 0.3 s of CPU each, cut in time growing with the square, and
    3 s of wall time for two; now about 0.01 s each)."""
    linked(session)

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (2, 2))

    argv = ["git", "commit", "-q", *["-" + "q" * 130_000] * 14, "--amend", "-m", NEW]
    done = subprocess.run(argv, cwd=session.repo, preexec_fn=limited, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert message(session.repo) == amended(session, NEW)


# --- the cluster told by cases is the cluster cut ------------------------------------------------


def functions(*names: str) -> str:
    """The hook's shell functions NAMES, as written."""
    text, found = HOOK.read_text(), []
    for name in names:
        start = text.index(f"\n{name}() {{\n")
        found.append(text[start : text.index("\n}\n", start) + 3])
    return "".join(found)


# (main's cluster, on the letters without their `-`)
MAINS = r"""
mains() {
    ahead=${1%%[mFcCtSu]*}
    case $ahead in *n*) noverify=1 ;; esac
    [ "${#ahead}" -lt "${#1}" ] || return 0
    upto=${1%%[mcCtSu]*}
    [ "${#upto}" -gt "${#ahead}" ] && file=1
    [ "${#ahead}" -eq $((${#1} - 1)) ] || {
        [ $((${#1} - ${#ahead})) -le 257 ] || wide=1
        return 0
    }
    case $1 in *[mFcCt]) state=value ;; esac
}
"""


@pytest.mark.parametrize("name", list(SHELLS))
def test_a_long_cluster_is_read_as_a_short_one_is(name: str) -> None:
    """400 clusters of 258 to 900 letters (flags, then perhaps a letter taking a value and
    what follows): the hook's answers (noverify, file, state, wide) are main's."""
    rng = random.Random(19)
    clusters = []
    for _ in range(400):
        flags = "".join(rng.choice("qvseaiopnz") for _ in range(rng.choice([3, 200, 255, 256, 257, 300, 600])))
        rest = "".join(rng.choice("mFcCtSuqnx-=") for _ in range(rng.choice([0, 0, 1, 2, 260, 400])))
        clusters.append("-" + flags + rest)
    clusters = [c for c in clusters if len(c) > 258]
    body = functions("cluster", "long_cluster", "cluster_cut") + MAINS
    body += 'for a do\n  noverify=0 file=0 state=commit wide=0\n  cluster "$a"\n  ours="$noverify $file $state $wide"\n'
    body += (
        '  noverify=0 file=0 state=commit wide=0\n  mains "${a#-}"\n  echo "$ours|$noverify $file $state $wide"\ndone\n'
    )
    done = subprocess.run([*shell_argv(name), "-c", body, "sh", *clusters], capture_output=True, text=True, check=True)
    answers = done.stdout.splitlines()
    assert len(answers) == len(clusters) > 150
    assert [a for a, c in zip(answers, clusters, strict=True) if a.split("|")[0] != a.split("|")[1]] == []


@pytest.mark.usefixtures("has_strace")
def test_a_new_commit_reads_the_trailer_cache_once(session: Session) -> None:
    """(its header was read twice: paying for the look at the command line's size)"""
    linked(session)
    log = session.repo.parent / "strace.log"
    strace = ["strace", "-f", "-qq", "-y", "-e", "trace=read", "-o", str(log), "git", "commit", "-q", "-m", NEW]
    subprocess.run(strace, cwd=session.repo, check=True, capture_output=True)
    cache = next((session.repo / ".git" / "git-session" / "branches").rglob("trailers~"))
    read = [line for line in log.read_text().splitlines() if f"<{cache}>" in line and line.endswith("= 1")]
    assert 0 < len(read) <= cache.stat().st_size
    assert message(session.repo) == fresh(session, NEW)
