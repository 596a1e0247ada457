"""Issue 14, the commit path (round 22): a write of the message that fails part-way.

The hooks truncated the message file and wrote it again: `--amend --no-edit` (amended~
taken by the shell), a message of `-m` not as it is (blank lines after it), and every
message the awk program wrote (in place). A write that fails part-way (a full disk, a
quota, EIO) left git a truncated or empty message, and git committed it: the hook never
fails a commit. Now lines only added below the message are appended (a failed append leaves
the message whole) and a message that changes is written beside it, then renamed over it.

The failure is real: the hooks run under a limit on the size of the files they write
(RLIMIT_FSIZE, SIGXFSZ ignored: the write fails with EFBIG), lower than the message git has
written, in dash, bash and busybox sh. The commit goes on with the user's message whole,
without session trailers, and says so.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_session import trailers
from tests import test_trailers
from tests.helpers import git, ok
from tests.test_i14_hooks import age, counted, started
from tests.test_i14_hooks2 import AWKS, ENDINGS, OURS, run_awk
from tests.test_i17_hooks import fresh, linked
from tests.test_i19_hooks import SHELLS, shell_argv
from tests.test_trailers import Session, change, head, message, run_git, script, writes
from tests.test_trust_hooks import user_messages

hooked = test_trailers.hooked
session = test_trailers.session
editors = test_trailers.editors
__all__ = ["counted"]  # (a fixture)

LIMIT = 100  # bytes a hook may write to a file: less than every message below
SUBJECT = "s" * 200
WARNING = "could not add the session trailers"
HOOKS = ("prepare-commit-msg", "commit-msg", "post-rewrite")

# (run as the hooks' interpreter: with HOOK_FSIZE, its limit and SIGXFSZ ignored; then the
# shell on the hook)
LIMITED = """#!{python}
import os, resource, signal, sys
limit = os.environ.get("HOOK_FSIZE")
named = os.environ.get("HOOK_FSIZE_FILE")  # (while it exists)
if named and os.path.exists(named):
    limit = open(named).read()
if limit:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))
os.execv({shell!r}[0], [*{shell!r}, *sys.argv[1:]])
"""


@pytest.fixture(params=list(SHELLS))
def limited(request: pytest.FixtureRequest, session: Session, tmp_path: Path) -> Session:
    """The session's hooks run by this shell (with HOOK_FSIZE, or HOOK_FSIZE_FILE naming a file
    that holds it: none of their writes makes a file over that many bytes). The repository's
    config is dated a minute back: busybox's `test -nt` tells whole seconds, and a config
    written in the second the trailers are rendered in is not known to be older (the hook
    then has awk read the config files: another path than the test names)."""
    interpreter = tmp_path / f"limited-{request.param}"
    interpreter.write_text(LIMITED.format(python=sys.executable, shell=shell_argv(request.param)))
    interpreter.chmod(0o755)
    hooks = session.repo / ".git" / "hooks"
    for name in HOOKS:
        text = (hooks / name).read_text()
        (hooks / name).write_text(f"#!{interpreter}\n" + text.split("\n", 1)[1])
    age(session.repo / ".git" / "config")
    return session


def commits_whole(repo: Path, *argv: str, expected: str, env: dict[str, str] | None = None) -> None:
    """`git commit ARGV`, its hooks' writes limited to LIMIT bytes, goes on with the message
    ``expected``, without trailers, and warns; nothing is left beside the message file."""
    ok(repo, "status")  # (the trailers rendered, the amend files written: no Python in the hook)
    change(repo)
    done = run_git(repo, "commit", *argv, env={"HOOK_FSIZE": str(LIMIT), **(env or {})})
    assert message(repo) == expected
    assert WARNING in done.stderr
    assert not list((repo / ".git").glob("*.git-session~"))


def test_a_message_of_m_with_blank_lines_after_it(limited: Session) -> None:
    """(the shell's path: the file not as it is, written whole; git keeps them verbatim)"""
    commits_whole(limited.repo, "-q", "--cleanup=verbatim", "-m", SUBJECT + "\n\n", expected=SUBJECT + "\n\n")


def test_a_message_of_two_m(limited: Session) -> None:
    """(awk's path: lines below the message, appended)"""
    commits_whole(limited.repo, "-q", "-m", SUBJECT, "-m", "body", expected=SUBJECT + "\n\nbody\n")


def test_a_message_through_the_editor(limited: Session, editors: Path) -> None:
    """(awk's path: our lines above git's comment block, the message written again)"""
    env = {"GIT_EDITOR": writes(editors, SUBJECT + "\n")}
    commits_whole(limited.repo, "-q", expected=SUBJECT + "\n", env=env)


def test_a_template_whose_copy_failed_still_aborts_the_commit_untouched(limited: Session, editors: Path) -> None:
    """The copy of the template the editor opens on (git-session-editing, for commit-msg) was
    left cut short by a failed write: commit-msg took the untouched template for an edited
    message and added the trailers, so git committed it instead of aborting. The copy is now
    emptied: commit-msg adds nothing, git aborts as without git-session. (The limit holds
    until the editor, which leaves the message as it is, removes it.)"""
    repo = limited.repo
    (editors / "template").write_text(SUBJECT + "\n")
    git(repo, "config", "commit.template", str(editors / "template"))
    limit = editors / "limit"
    limit.write_text(str(LIMIT))
    ok(repo, "status")
    change(repo)
    before = head(repo)
    env = {"GIT_EDITOR": script(editors, "editor", f'rm "{limit}"\n'), "HOOK_FSIZE_FILE": str(limit)}
    result = run_git(repo, "commit", env=env, check=False)
    assert result.returncode != 0
    assert "you did not edit the message" in result.stderr
    assert head(repo) == before


def test_an_amend_that_adds_a_line_below_the_message(limited: Session) -> None:
    """(amended~ begins with the tip's message: D2 goes below it, appended)"""
    repo = limited.repo
    linked(limited)  # (then D2 decided)
    before = message(repo)
    commits_whole(repo, "-q", "--amend", "--no-edit", expected=before)


def test_an_amend_that_changes_a_line_of_the_message(limited: Session) -> None:
    """(amended~ does not begin with the tip's message: O1 done moves its line, the message written again)"""
    repo = limited.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", SUBJECT)
    limited.done("O1")
    before = message(repo)
    commits_whole(repo, "-q", "--amend", "--no-edit", expected=before)


def test_an_amend_awk_writes(limited: Session) -> None:
    """(a line after ours: D2 joins them above it, the message written again)"""
    repo = limited.repo
    linked(limited)
    run_git(repo, "commit", "-q", "--amend", "--no-edit", "--signoff")
    limited.decide("D3", "then")
    before = message(repo)
    commits_whole(repo, "-q", "--amend", "--no-edit", "--signoff", expected=before)


def test_an_amend_with_a_message_of_m_with_blank_lines_after_it(limited: Session) -> None:
    repo = limited.repo
    linked(limited)
    commits_whole(repo, "-q", "--amend", "--cleanup=verbatim", "-m", SUBJECT + "\n\n", expected=SUBJECT + "\n\n")


def test_the_environment_names_no_file_awk_writes_to(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook says where awk writes, whatever the environment says."""
    planted = session.repo.parent / "planted"
    monkeypatch.setenv("GIT_SESSION_OUT", str(planted))
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject", "-m", "body")
    assert message(session.repo).startswith("subject\n\nbody\n\nSession-Id: ")
    assert not planted.exists()
    assert os.environ["GIT_SESSION_OUT"] == str(planted)


def test_a_message_whose_last_line_has_no_end_gets_its_trailers_below_it(session: Session, tmp_path: Path) -> None:
    """(awk appends below it, reads it back joined, and writes it beside)"""
    linked(session)
    (tmp_path / "msg").write_text("from a file")
    run_git(session.repo, "commit", "-q", "--cleanup=verbatim", "-F", str(tmp_path / "msg"))
    assert message(session.repo) == fresh(session, "from a file")
    assert not list((session.repo / ".git").glob("*.git-session~"))


# --- the awk program: written beside, or appended, as it writes in place -------------------------

# (busybox's awk reports no failed write: it is told by reading the file back)
EVERY_AWK = [*AWKS, *(["busybox awk"] if shutil.which("busybox") else [])]


def run_beside(
    awk: str, where: Path, text: str, mode: str, limit: int | None = None, decision: str | None = None
) -> tuple[int, str]:
    """The program on a message ``text`` with GIT_SESSION_OUT (its exit status, and the message
    as the hook leaves it: renamed over it on status 6), its writes limited to ``limit`` bytes
    (with ``decision``: the cache's line of decisions)."""
    run_awk(AWKS[0], where, "x\n", mode, 0, "#", "before\n")  # (its files, as run_awk writes them)
    if decision is not None:
        cache = (where / "cache").read_text()
        (where / "cache").write_text(cache.replace(f"\n{OURS[-1]}\n", f"\n{decision}\n"))
    (where / "msg").write_text(text)
    beside = where / "msg.git-session~"

    def limited() -> None:
        if limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    old = [str(where / "old")] if mode == "amendmsg" else []
    argv = [*awk.split(), "-v", f"mode={mode}", "-v", "committed=0", "-f", str(where / "trailers.awk")]
    env = {"LC_ALL": "C", "GIT_SESSION_OUT": str(beside)}
    status = subprocess.run(
        [*argv, str(where / "cache"), *old, str(where / "msg")], env=env, preexec_fn=limited, stderr=subprocess.DEVNULL
    ).returncode
    if status == 6:
        beside.replace(where / "msg")
    return status, (where / "msg").read_text()


@pytest.mark.slow
@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=user_messages(),
    ending=st.sampled_from(ENDINGS),
    mode=st.sampled_from(["fresh", "amend", "amendmsg"]),
)
def test_every_awk_writes_beside_or_appends_what_it_writes_in_place(
    tmp_path: Path, text: str, ending: str, mode: str
) -> None:
    """(every awk found writes the same in place: test_every_awk_found_writes_the_same_message)"""
    in_place = run_awk(AWKS[0], tmp_path / "in-place", text + ending, mode, 0, "#", "before\n")
    for i, awk in enumerate(EVERY_AWK):
        status, written = run_beside(awk, tmp_path / str(i), text + ending, mode)
        assert status in (0, 6)
        assert written == in_place, awk


@pytest.mark.parametrize("awk", EVERY_AWK)
@pytest.mark.parametrize("text", ["s" * 200 + "\n", "s" * 200 + "\n\n# Please enter the commit message\n#\n"])
def test_a_failed_write_of_every_awk_leaves_the_message_whole(tmp_path: Path, awk: str, text: str) -> None:
    """(appended below it, or written beside it: each fails, as busybox's awk does not say)"""
    status, written = run_beside(awk, tmp_path, text, "fresh", limit=LIMIT)
    assert status == 2
    assert written == text


# --- what the shell writes on an amend: nothing, an append or the message beside ----------------


@pytest.mark.parametrize(
    "then, tools",
    [
        ("nothing", []),  # (amended~ is the tip's message: nothing written)
        ("decide", []),  # (D3 below the message: appended)
        ("done", ["mv"]),  # (O1 done moves its line: written beside)
    ],
)
def test_an_amend_writes_what_was_written_with_the_cache(
    session: Session, counted: tuple[dict[str, str], Path], then: str, tools: list[str]
) -> None:
    repo = session.repo
    linked(session)
    run_git(repo, "commit", "-q", "--amend", "--no-edit")  # (D2 in the tip's message)
    if then == "decide":
        session.decide("D3", "then")
    elif then == "done":
        session.done("O1")
    ok(repo, "status")
    folder = next((repo / ".git" / "git-session" / "branches").rglob("trailers~")).parent
    expected = (folder / f"{trailers.AMENDED}{head(repo)}").read_text().split("\n", 1)[1]
    assert (expected == message(repo)) == (then == "nothing")
    change(repo)
    assert started(repo, counted, "commit", "-q", "--amend", "--no-edit") == tools
    assert message(repo) == expected
    assert not list((repo / ".git").glob("*.git-session~"))
