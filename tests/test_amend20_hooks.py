"""Issue 14, the commit path (seventh round): what reading git's command line costs.

- Read with its boundaries (a command line of more than 2,048 bytes), each argument cost a
  function call (`long`, `cluster`): about 20 µs in bash, so 150,000 `-q` cost the hook 3.5 s
  of CPU (dash 0.6 s, busybox 0.8 s), and as much for its siblings: a long option or a
  cluster repeated, `-uno -unormal ...`. A letter alone, a cluster of letters that take no value, a
  letter with its value and a long option are now told in the loop, and an argument that
  repeats the one before it is not told again.
- The size of the command line was found by cutting git's /proc stat line at its last `) `
  with `##*) `, which dash matches in time growing with the square of the line's length (a
  sixth of the hook's own time on every commit); now cut a `) ` at a time, to the same field.
Every answer stays as it was, under dash, bash and busybox sh; every commit is a real one.
"""

from __future__ import annotations

import random
import re
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import test_trailers
from tests.test_i17_hooks import NEW, amended, linked
from tests.test_i19_hooks import SHELLS, functions, shell, shell_argv
from tests.test_trailers import Session, message

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["shell"]  # (a fixture)

# (main's hook in bash, at 150,000 `-q`, 100,000 `--quiet` or `-qq`, 30,000 `-uno -unormal`:
# 3.5 s, 1.4 s, 2.3 s and 5 s of CPU, a call an argument; counted below, not timed)
REPEATED = {
    "-q": ["-q"],
    "--quiet": ["--quiet"],
    "-qq": ["-qq"],
    "-uno -unormal": ["-uno", "-unormal"],  # (a letter and its value)
}


@pytest.mark.parametrize("repeated", list(REPEATED))
def test_a_repeated_option_costs_no_call_an_argument(session: Session, shell: str, repeated: str) -> None:
    unit = REPEATED[repeated]
    costs_no_call_an_argument(session, lambda n: (unit * n + ["-m", NEW], NEW))


# How `git commit ... --amend` is given n repeats of its arguments: (ARGS, the subject it gets).
Repeats = Callable[[int], tuple[list[str], str]]


def costs_no_call_an_argument(session: Session, repeats: Repeats) -> None:
    """The hook makes as many calls of its own functions for a command line of twice as many
    repeats, read with its boundaries (over 2,048 bytes): none an argument. Counted in its
    trace (`set -x`), not timed: the time of a call is the machine's (20 µs in bash)."""
    linked(session)
    n = 1
    while len("".join(repeats(n)[0])) < 4_096:
        n *= 2
    assert calls_of_the_hook(session, *repeats(n)) == calls_of_the_hook(session, *repeats(2 * n))


def calls_of_the_hook(session: Session, args: list[str], subject: str) -> Counter[str]:
    """`git commit ARGS --amend` of a commit `linked` made, with prepare-commit-msg traced: its
    message is SUBJECT and the trailers; the calls of the hook's own functions, by name. (The
    amend is undone after, for the next.)"""
    repo = session.repo
    hook = repo / ".git" / "hooks" / "prepare-commit-msg"
    untraced = hook.read_text()
    first, rest = untraced.split("\n", 1)
    hook.write_text(f"{first}\nset -x\n{rest}")
    try:
        done = subprocess.run(["git", "commit", *args, "--amend"], cwd=repo, capture_output=True, text=True)
    finally:
        hook.write_text(untraced)
    assert done.returncode == 0, done.stderr[-2000:]
    assert message(repo) == amended(session, subject)
    subprocess.run(["git", "reset", "-q", "--soft", "HEAD@{1}"], cwd=repo, check=True)
    names = set(re.findall(r"^(\w+)\(\) \{", untraced, re.MULTILINE))
    assert {"parse_given", "cluster"} <= names  # (what the pattern finds)
    traced = (re.match(r"\++ (\w+)(?: |$)", line) for line in done.stderr.splitlines())
    calls = Counter(found[1] for found in traced if found and found[1] in names)
    assert calls["parse_given"] == 1  # (the arguments read, with their boundaries)
    return calls


# --- the size of the command line, from /proc/<pid>/stat -----------------------------------------

FIELDS = " ".join(str(n) for n in range(3, 48))  # (fields 3 to 47; 48 and 49 below)


@pytest.mark.parametrize("name", list(SHELLS))
@pytest.mark.parametrize(
    "comm, tail, size",
    [
        ("git", "1000 1300 0 0 0", "300"),
        ("g) x", "1000 1300 0 0 0", "300"),  # (a name holds any character: `) ` too)
        ("a) b) c)", "5 7", "2"),
        ("(", "1000 1300", "300"),
        (")", "0 0 0 0", ""),  # (the kernel hides them: 0)
        ("git", "", ""),  # (before Linux 3.5: no such fields)
    ],
)
def test_the_size_of_the_command_line_is_read_after_the_last_parenthesis(
    name: str, comm: str, tail: str, size: str, tmp_path: Path
) -> None:
    stat = tmp_path / "stat"
    stat.write_text(f"4242 ({comm}) {FIELDS} {tail}\n")
    body = functions("args_size").replace("/proc/$PPID/stat", str(stat)) + 'args_size\nprintf "%s" "$size"\n'
    done = subprocess.run([*shell_argv(name), "-c", body], capture_output=True, text=True, check=True)
    assert done.stdout == size


# --- every answer main's: a random corpus of command lines, repeats among them -------------------

# (main's commit state, which told each argument by a call, and its long)
MAINS_COMMIT = r"""            commit)
                case $a in
                    -- | --end-of-options) break ;;
                    --*) long "$a" ;;
                    -?*) cluster "$a" ;;
                esac ;;
"""
MAINS_LONG = r"""
long() {
    case $1 in
        --am*) found=1 ;;
        --no-am*) found=0 ;;
        --fil* | --fix* | --sq*) file=1 ;;
        --no-no-veri*) noverify=0 ;;
        --no-veri*) noverify=1 ;;
        --veri*) noverify=0 ;;
    esac
    case $1 in
        *=*) [ "${#1}" -le 302 ] || wide=1 ;;
        --fil* | --fix* | --sq* | --au* | --da* | --m* | --ree* | --reu* | --tr* | --te* | --c* | --pathspec-fr*)
            state=value ;;
    esac
}
"""
WORDS = [
    "-m",
    "-F",
    "-c",
    "-C",
    "-t",
    "-S",
    "-u",
    "-q",
    "-n",
    "-a",
    "-v",
    "-z",
    "-",
    "-n=",
    "-mx",
    "-Fx",
    "-qm",
    "-qF",
    "-nm",
    "-nF",
    "-Fm",
    "-mF",
    "-Sk",
    "-qS",
    "-qu",
    "-qSF",
    "-qmF",
    "-Fn",
    "-uno",
    "-unormal",
    "-qq",
    "-qn",
    "-qnm",
    "-qqqqm",
    "-nqF",
    "-=m",
    "-nqS",
    "-qnu",
    "",
    "|",
    "-qm|",
    "-qc",
    "-qC",
    "-qt",
    "-nqc",
    "-qnF",
    "--c",
    "--fix",
    "--message=",
    "-qmnx",
    "-qmFy",
    "-nqmx",
    "-qFnx",
    "-qSnF",
    "-cHEAD",
    "-CHEAD",
    "--amend",
    "--no-amend",
    "--am",
    "--no-verify",
    "--verify",
    "--no-no-verify",
    "--veri",
    "--fixup",
    "--fixup=x",
    "--squash",
    "--squash=y",
    "--file",
    "--file=f",
    "--message",
    "--message=x",
    "--author",
    "--date",
    "--trailer",
    "--template",
    "--cleanup",
    "--reuse-message",
    "--reedit-message",
    "--pathspec-from-file",
    "--quiet",
    "--no-edit",
    "--untracked-files=no",
    "--",
    "--end-of-options",
    "x",
    "HEAD",
]


def word(rng: random.Random) -> str:
    """An argument: mostly a word above, some of them long enough to be too wide."""
    wide = rng.choice([250, 256, 257, 258, 293, 300])
    return rng.choice([*[rng.choice(WORDS)] * 8, "-m" + "x" * wide, "x" * wide, "--message=" + "y" * wide, "a\nb|c"])


def command_line(rng: random.Random) -> list[str]:
    """git's arguments, an argument often the one before it again (or the one before that)."""
    args: list[str] = []
    for _ in range(rng.randint(0, 12)):
        args.append(args[-1] if args and rng.random() < 0.4 else word(rng))
        if len(args) > 1 and rng.random() < 0.1:
            args.append(args[-2])
    program = rng.choice([["git", "commit"], ["git", "-c", "a=b", "commit"], ["git-commit"], ["git", "log"]])
    return [*program, *args]


@pytest.mark.parametrize("name", list(SHELLS))
def test_every_command_line_is_read_as_main_read_it(name: str, tmp_path: Path) -> None:
    """2,000 random command lines (`-m -m`: a value the same as its option; `-F -F`, `-c X -c X`,
    `--` and a path the same, `-m --amend --amend`...): amend, short and noverify are those of
    main's calls, `long` and `cluster` for every argument."""
    rng = random.Random(20)
    lines = []
    for n in range(2000):
        path = tmp_path / str(n)
        path.write_bytes(b"".join(a.encode() + b"\0" for a in command_line(rng)))
        lines.append(str(path))
    ours = functions("parse_given", "cluster", "long_cluster", "cluster_cut").replace(
        '"/proc/$PPID/cmdline"', '"$line"'
    )
    start = ours.index("            commit)  #")
    mains = ours[:start] + MAINS_COMMIT + ours[ours.index("            value)  #", start) :] + MAINS_LONG
    loop = 'for line do\n  parse_given\n  echo "$amend $short $noverify"\ndone\n'
    answers = [
        subprocess.run(
            [*shell_argv(name), "-c", body + loop, "sh", *lines], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        for body in (ours, mains)
    ]
    assert len(answers[0]) == len(lines) and len(set(answers[1])) > 6
    assert [(Path(p).read_bytes(), a, b) for p, a, b in zip(lines, *answers, strict=True) if a != b] == []
