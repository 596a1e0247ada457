"""Issue 14, the commit path (third round): a message of one paragraph takes no awk.

For a fresh commit whose message is one paragraph (`commit -m`, `-F`), the awk program only
appends our lines below it: prepare-commit-msg's own shell writes them, and starts nothing.
Anything else (two paragraphs, a comment line, a control character, a long message, a
config to check, a template, an amend) still goes to awk. The shell must write what awk
writes, byte for byte: the differential test runs the hook as it is and the hook with the
shell's path taken out on the same messages, with each kind of line of ours in the cache.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_session import data
from tests import test_trailers
from tests.test_i14_hooks import AWK, cache_of, counted, started
from tests.test_trailers import DEC, ID, OBJ, Session, change, lines, message, run_git
from tests.test_trust_hooks import user_messages

hooked = test_trailers.hooked
session = test_trailers.session
__all__ = ["counted"]  # (fixtures)

FAST = 'if [ "$mode" = fresh ] && [ -n "$defaults" ]'


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


def run_hook(repo: Path, hook: Path, text: str) -> bytes:
    msg = repo / ".git" / "TEST_MSG"
    msg.write_bytes(text.encode())
    subprocess.run(["sh", str(hook), str(msg), "message"], cwd=repo, check=True, capture_output=True)
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
    without = tmp_path / "without-the-shell-path"
    source = data.hook("prepare-commit-msg").decode()
    assert source.count(FAST) == 1
    without.write_text(source.replace(FAST, "if false && " + FAST[3:]))
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
