"""Issue 14, the commit path (third round): a message of one paragraph, and an amend, take no awk.

For a fresh commit whose message is one paragraph (`commit -m`, `-F`), the awk program only
appends our lines below it: prepare-commit-msg's own shell writes them, and starts nothing.
Anything else (two paragraphs, a comment line, a control character, a long message, a
config to check, a template, an amend) still goes to awk. The shell must write what awk
writes, byte for byte: the differential test runs the hook as it is and the hook with the
shell's path taken out on the same messages, with each kind of line of ours in the cache.

An amend of the commit the trailers were rendered on gets what awk writes from what was
written with the cache (``trailers.write_amends``): `--amend --no-edit` when the message is
the tip's, `--amend -m` below a message of one paragraph. Those are taken only for the
session's tip the cache names, when not older than the cache.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_session import data, trailers
from git_session.gitrepo import Repo
from git_session.names import BranchName
from tests import test_trailers
from tests.helpers import ok
from tests.test_i14_hooks import AWK, age, cache_of, counted, started
from tests.test_trailers import DEC, ID, OBJ, Session, change, head, lines, message, run_git
from tests.test_trust_hooks import user_messages

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["counted"]  # (fixtures)

FAST = 'if [ "$mode" = fresh ] && [ -n "$defaults" ]'
AMENDS = 'elif [ -z "$configs$before" ] && [ "$committed" = 0 ]; then'


def without_the_shell(tmp_path: Path) -> Path:
    """The hook as it is, but for the paths where its shell writes what awk would."""
    source = data.hook("prepare-commit-msg").decode()
    assert source.count(FAST) == 1 and source.count(AMENDS) == 1
    hook = tmp_path / "without-the-shell"
    hook.write_text(source.replace(FAST, "if false && " + FAST[3:]).replace(AMENDS, "elif false; then"))
    return hook


def test_a_commit_with_m_starts_nothing(session: Session, counted: tuple[dict[str, str], Path]) -> None:
    change(session.repo)
    assert started(session.repo, counted, "commit", "-q", "-m", "subject") == []
    assert message(session.repo) == "subject\n\n" + lines(session.first)


def test_the_next_commit_without_a_command_between_drops_what_is_not_news(
    session: Session, counted: tuple[dict[str, str], Path]
) -> None:
    """The branch moved since the trailers were rendered (committed=1): the decision was
    news for the first commit only."""
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "first")
    change(repo)
    assert started(repo, counted, "commit", "-q", "-m", "second") == []
    assert message(repo) == "second\n\n" + lines([line for line in session.first if not line.startswith(DEC)])


@pytest.mark.parametrize(
    "argv",
    [
        ["-m", "subject", "-m", "body"],  # two paragraphs
        ["-m", "subject\n# not a comment to git -m, but to the program"],
        ["-m", "subject\twith a tab"],
        ["-m", "subject\r"],
        ["-m", "x" * 257],
        ["-m", "\n".join(["line"] * 65)],
    ],
)
def test_what_the_shell_cannot_tell_goes_to_awk(
    session: Session, counted: tuple[dict[str, str], Path], argv: list[str]
) -> None:
    change(session.repo)
    assert started(session.repo, counted, "commit", "-q", "--cleanup=verbatim", *argv) == [AWK]


def test_an_empty_message_still_aborts_the_commit(session: Session) -> None:
    change(session.repo)
    result = run_git(session.repo, "commit", "-q", "-m", "  ", check=False)
    assert result.returncode != 0 and "empty commit message" in result.stderr


# --- the shell writes what awk writes --------------------------------------------------------

CLEAN = [f"{OBJ}: [done] O9", f"{OBJ}: [open] plain", f"{DEC}: D2 -- why", f"{DEC}: D3 -- [done] too"]
ODD = [f"{OBJ}: [open] a: [done] b", f"{DEC} : spaced", f"{DEC}-X: other key", f"{ID}: not an id [done]"]
SIMPLE = ["subject", "  ", "", " indented", "a: b", "Signed-off-by: A <a@b>", "x" * 200, "é"]
ODD_LINES = ["#x", "tab\there", "cr\r", "x" * 300, "\f"]


@st.composite
def messages(draw: st.DrawFn) -> str:
    """Mostly what the shell writes itself (one paragraph), else anything."""
    kind = draw(st.sampled_from(["one", "one", "one", "odd", "user"]))
    if kind == "user":
        return draw(user_messages())
    pieces = SIMPLE + (ODD_LINES if kind == "odd" else [])
    text = "\n".join(draw(st.lists(st.sampled_from(pieces), max_size=6)))
    return text + draw(st.sampled_from(["", "\n", "\n\n", " \n"]))


@st.composite
def ours_lines(draw: st.DrawFn) -> list[str]:
    found: list[str] = draw(st.lists(st.sampled_from(CLEAN), unique=True))
    if draw(st.integers(0, 4)) == 0:
        found.insert(draw(st.integers(0, len(found))), draw(st.sampled_from(ODD)))
    return found


def under_git_commit(
    repo: Path, hook: Path, msg: Path, how: list[str], asked: list[str], check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Runs ``hook MSG HOW`` as `git commit ASKED` does: the hook reads what git was asked
    from its parent's command line, here ``git commit ASKED`` exactly (a shell named `git`
    running the script `commit`, which starts the hook)."""
    where = repo.parent / "as-git"
    where.mkdir(exist_ok=True)
    (where / "commit").write_text('cd "$TEST_REPO" && sh "$TEST_HOOK" "$TEST_MSG" $TEST_HOW; exit $?\n')
    env = {
        **os.environ,
        "TEST_REPO": str(repo),
        "TEST_HOOK": str(hook),
        "TEST_MSG": str(msg),
        "TEST_HOW": " ".join(how),
    }
    args = ["git", "commit", *asked]
    return subprocess.run(args, executable="/bin/sh", cwd=where, env=env, check=check, capture_output=True)


def run_hook(repo: Path, hook: Path, text: str, *how: str, asked: list[str] | None = None) -> bytes:
    """The message the hook makes of ``text``, started as by `git commit -q -m TEXT`, or by
    `git commit ASKED`."""
    msg = repo / ".git" / "TEST_MSG"
    msg.write_bytes(text.encode())
    arguments = ["-q", "-m", text if "\0" not in text else "message"] if asked is None else asked
    under_git_commit(repo, hook, msg, list(how or ["message"]), arguments)
    return msg.read_bytes()


@pytest.mark.slow
@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=messages(), ours=ours_lines(), committed=st.booleans())
def test_the_shell_writes_what_awk_writes(
    session: Session, tmp_path: Path, text: str, ours: list[str], committed: bool
) -> None:
    repo = session.repo
    hook = repo / ".git" / "hooks" / "prepare-commit-msg"
    without = without_the_shell(tmp_path)
    cache = cache_of(repo)
    original = tmp_path / "cache-as-rendered"  # (the examples share the repository)
    if not original.exists():
        original.write_text(cache.read_text())
    header, rest = original.read_text().split(f"\n{ID}: ", 1)
    ids, recorded = rest.split("\n\n", 1) if "\n\n" in rest else (rest, None)
    first = ids.split("\n", 1)[0]
    body = [f"{ID}: {first}", *ours]
    text_of_cache = header + "\n" + "\n".join(body) + "\n" + (f"\n{recorded}" if recorded is not None else "")
    cache.write_text(text_of_cache)
    rendered_on = [line for line in header.split("\n") if line.startswith("head ")]
    assert rendered_on, header
    if committed:  # the branch moved since: another commit is recorded as the cache's
        cache.write_text(text_of_cache.replace(rendered_on[0], "head " + "1" * 40))
    assert run_hook(repo, hook, text) == run_hook(repo, without, text)


# --- amends ------------------------------------------------------------------------------------


def linked(session: Session, *argv: str) -> Path:
    """A commit made and linked: the trailers rendered on it, its message copied beside."""
    change(session.repo)
    run_git(session.repo, "commit", "-q", *argv)
    ok(session.repo, "status")
    return cache_of(session.repo).parent


@pytest.mark.parametrize(
    "argv, expected",
    [(["--amend", "--no-edit"], "subject\n\nbody"), (["--amend", "-m", "new subject"], "new subject")],
)
def test_an_amend_of_the_commit_rendered_on_starts_nothing(
    session: Session, counted: tuple[dict[str, str], Path], argv: list[str], expected: str
) -> None:
    repo = session.repo
    linked(session, "-m", "subject", "-m", "body")
    session.decide("D2", "later")  # rendered again: what an amend gets is written again
    change(repo)
    assert started(repo, counted, "commit", "-q", *argv) == []
    assert message(repo) == expected + "\n\n" + lines([*session.first, "Decisions: D2 -- later"])


def test_an_amend_with_another_message_than_the_tips_goes_to_awk(
    session: Session, counted: tuple[dict[str, str], Path]
) -> None:
    repo = session.repo
    linked(session, "-m", "subject")
    change(repo)
    assert started(repo, counted, "commit", "-q", "--amend", "--no-edit", "--signoff") == [AWK]
    signed = "Signed-off-by: C O Mitter <committer@example.com>\n"
    assert message(repo) == "subject\n\n" + lines(session.first) + signed


@pytest.mark.parametrize("name", [trailers.AMENDED, trailers.AMEND_OURS])
def test_what_was_written_for_another_session_tip_or_before_the_cache_is_not_taken(
    session: Session, counted: tuple[dict[str, str], Path], name: str
) -> None:
    repo = session.repo
    folder = linked(session, "-m", "subject")
    written = folder / f"{name}{head(repo)}"
    text = written.read_text()
    rest = text.split("\n", 1)[1]
    argv = ["--amend", "--no-edit"] if name == trailers.AMENDED else ["--amend", "-m", "subject"]
    written.write_text("tip " + "1" * 40 + "\n" + rest.replace(ID, "Forged"))
    change(repo)
    assert started(repo, counted, "commit", "-q", *argv) == [AWK]
    assert message(repo) == "subject\n\n" + lines(session.first)
    folder = linked(session, "-m", "again")
    written = folder / f"{name}{head(repo)}"
    written.write_text(written.read_text().replace(ID, "Forged"))
    age(written)
    argv = ["--amend", "--no-edit"] if name == trailers.AMENDED else ["--amend", "-m", "again"]
    change(repo)
    assert started(repo, counted, "commit", "-q", *argv) == [AWK]
    assert message(repo) == "again\n\n" + lines([line for line in session.first if not line.startswith(DEC)])


TIP_MESSAGES = st.one_of(
    user_messages(), messages(), st.sampled_from(["", "\n", "   \n", "subject\n\n# Please enter\n#\n"])
)


@pytest.mark.slow
@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=80,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(tip_message=TIP_MESSAGES, ours=ours_lines(), new=messages())
def test_an_amend_gets_what_awk_writes(
    session: Session, tmp_path: Path, tip_message: str, ours: list[str], new: str
) -> None:
    """The cache's lines and the tip's message (as copied) vary; the hook runs with and
    without its shell's paths on `--amend --no-edit` (the tip's message) and `--amend -m`."""
    repo = session.repo
    cache = cache_of(repo)
    original = tmp_path / "cache-as-rendered"  # (the examples share the repository)
    if not original.exists():
        original.write_text(cache.read_text())
    header, rest = original.read_text().split(f"\n{ID}: ", 1)
    ids, recorded = rest.split("\n\n", 1)
    cache.write_text(header + "\n" + "\n".join([f"{ID}: {ids.split(chr(10))[0]}", *ours]) + "\n\n" + recorded)
    parent = head(repo)
    for name in (trailers.AMENDED, trailers.AMEND_OURS):  # (left by the example before)
        (cache.parent / f"{name}{parent}").unlink(missing_ok=True)
    (cache.parent / f"{trailers.TIP_MESSAGE}{parent}").write_bytes(tip_message.encode())
    trailers.write_amends(Repo.discover(str(repo)), BranchName("main"), cache.parent, parent)
    hook = repo / ".git" / "hooks" / "prepare-commit-msg"
    without = without_the_shell(tmp_path)
    both = [
        run_hook(repo, h, tip_message, "commit", "HEAD", asked=["-q", "--amend", "--no-edit"]) for h in (hook, without)
    ]
    assert both[0] == both[1]
    # (`--amend -m`: the hook tells it from the command line of the process that started it)
    asked = ["-q", "--amend", "-m", new if "\0" not in new else "message"]
    written = [run_hook(repo, h, new, "message", asked=asked) for h in (hook, without)]
    assert written[0] == written[1]
