"""Session trailers on commits (SPEC §5, issue 3): the test matrix over git's commit paths.

Every commit here runs through the real hook shims (hooks/), installed into the test
repository; the trailers are checked both with ``git interpret-trailers --parse`` on the
stored message and with ``git log --format=%(trailers:...)``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest

from git_session import data, paths
from tests.helpers import as_json, git, ok

ID, OBJ, DEC = "Session-Id", "Session-Objectives", "Decisions"
SOB = "Signed-off-by"
SHIMS = ("prepare-commit-msg", "commit-msg", "post-rewrite")
SIGN_OFF = f"{SOB}: C O Mitter <committer@example.com>"


# --- installing the hooks ----------------------------------------------------------------


def install_hooks(repo: Path) -> None:
    """Install the commit hooks (``_install_by_copying(repo)`` does without ``git session install``)."""
    ok(repo, "install")


def _install_by_copying(repo: Path) -> None:
    """What ``git session install`` does, as far as these tests need: the shims, the marker, the cache
    (what these tests used before the command existed)."""
    hooks = Path(repo, git(repo, "rev-parse", "--git-path", "hooks").strip())
    hooks.mkdir(parents=True, exist_ok=True)
    for name in SHIMS:
        (hooks / name).write_bytes(data.hook(name))
        (hooks / name).chmod(0o755)
    private = Path(repo, git(repo, "rev-parse", "--git-common-dir").strip()) / "git-session"
    private.mkdir(exist_ok=True)
    (private / paths.INSTALLED_MARKER).touch()
    ok(repo, "hook", "refresh")


# --- running git ---------------------------------------------------------------------------


def run_git(
    cwd: Path, *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


_counter = count()


def change(repo: Path, name: str = "file") -> None:
    """Stage a change, so that there is something to commit."""
    Path(repo, name).write_text(f"change {next(_counter)}\n")
    git(repo, "add", name)


def head(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def message(repo: Path, rev: str = "HEAD") -> str:
    """A commit's message, byte for byte."""
    raw = git(repo, "cat-file", "commit", rev)
    return raw.split("\n\n", 1)[1]


def script(where: Path, name: str, body: str) -> str:
    path = where / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def writes(where: Path, text: str, *, above: bool = True) -> str:
    """A scripted editor: writes ``text`` above what git put in the file (or instead of it)."""
    (where / "typed").write_text(text)
    if above:
        return script(where, "editor", f'{{ cat "{where}/typed"; cat "$1"; }} > "$1.new" && mv "$1.new" "$1"\n')
    return script(where, "editor", f'cat "{where}/typed" > "$1"\n')


def retitles(where: Path, subject: str) -> str:
    """A scripted editor that only replaces the first line (the subject)."""
    return script(where, "retitle", f"sed -i '1s/.*/{subject}/' \"$1\"\n")


# --- what to expect ------------------------------------------------------------------------


def block(
    sid: str, opened: tuple[str, ...] = (), done: tuple[str, ...] = (), decided: tuple[str, ...] = ()
) -> list[str]:
    return [
        f"{ID}: {sid}",
        *(f"{OBJ}: [open] {text}" for text in opened),
        *(f"{OBJ}: [done] {text}" for text in done),
        *(f"{DEC}: {text}" for text in decided),
    ]


def lines(block_lines: list[str]) -> str:
    return "\n".join(block_lines) + "\n"


def assert_trailers(repo: Path, expected: list[str], rev: str = "HEAD") -> None:
    """Both of git's trailer parsers find exactly ``expected`` in the commit."""
    text = message(repo, rev)
    # --no-divider: the input is a commit message, not a patch email (git log does the same)
    parsed = git(repo, "interpret-trailers", "--parse", "--no-divider", input=text)
    assert parsed.splitlines() == expected, text
    everything = git(repo, "log", "-1", "--pretty=format:%(trailers:only,unfold)", rev)
    assert everything.splitlines() == expected, text
    for key in (ID, OBJ, DEC, SOB):
        values = git(repo, "log", "-1", f"--pretty=format:%(trailers:key={key},valueonly)", rev)
        wanted = [line.split(": ", 1)[1] for line in expected if line.startswith(f"{key}: ")]
        assert values.splitlines() == wanted, (key, text)


# --- fixtures --------------------------------------------------------------------------------


@dataclass
class Session:
    repo: Path
    id: str
    first: list[str]  # the trailers of the first commit: O1, O2 open and decision D1

    def objective_id(self, text: str, cwd: Path | None = None) -> str:
        found = [o["id"] for o in as_json(cwd or self.repo, "objective", "list") if o["text"] == text]
        assert len(found) == 1
        return str(found[0])

    def done(self, text: str) -> None:
        ok(self.repo, "objective", "done", self.objective_id(text))

    def decide(self, text: str, why: str) -> None:
        ok(self.repo, "decision", "add", text, "--rationale", why)


@pytest.fixture
def hooked(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository with the hooks installed and git-session on PATH for them."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # crash logs of the hooks' git-session stay here
    return repo


@pytest.fixture
def session(hooked: Path) -> Session:
    """An active session on ``main`` with objectives O1, O2 and decision D1 (rationale "why")."""
    ok(hooked, "start", "work", "-o", "O1", "-o", "O2")
    ok(hooked, "decision", "add", "D1", "--rationale", "why")
    install_hooks(hooked)
    sid = as_json(hooked, "status")["id"]
    return Session(hooked, sid, block(sid, ("O1", "O2"), decided=("D1 -- why",)))


@pytest.fixture
def editors(tmp_path: Path) -> Path:
    path = tmp_path / "editors"
    path.mkdir()
    return path


# --- the trailers themselves -------------------------------------------------------------


def test_a_fresh_commit_gets_the_session_trailers_as_its_last_paragraph(session: Session) -> None:
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject")
    expected = block(session.id, ("O1", "O2"), decided=("D1 -- why",))
    assert message(session.repo) == "subject\n\n" + lines(expected)
    assert_trailers(session.repo, expected)


def test_decisions_and_done_objectives_are_those_since_the_previous_commit(session: Session) -> None:
    repo, sid = session.repo, session.id
    change(repo)
    run_git(repo, "commit", "-q", "-m", "one")
    assert_trailers(repo, session.first)
    change(repo)
    run_git(repo, "commit", "-q", "-m", "two")
    assert_trailers(repo, block(sid, ("O1", "O2")))
    session.decide("D2", "because")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "three")
    assert_trailers(repo, block(sid, ("O1", "O2"), decided=("D2 -- because",)))
    session.done("O1")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "four")
    assert_trailers(repo, block(sid, ("O2",), done=("O1",)))
    change(repo)
    run_git(repo, "commit", "-q", "-m", "five")
    assert_trailers(repo, block(sid, ("O2",)))


def test_the_next_command_records_the_commit_in_the_session(session: Session) -> None:
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "linked")
    sha = head(session.repo)
    commits = as_json(session.repo, "show")["commits"]
    assert [c["sha"] for c in commits] == [sha]
    note = git(session.repo, "notes", "--ref", "refs/notes/sessions", "show", sha)
    assert [json.loads(line)["session"] for line in note.splitlines()] == [session.id]
    queue = Path(session.repo, ".git", "git-session", "queue")
    assert list(queue.iterdir()) == []


# --- commit paths ------------------------------------------------------------------------------


def test_message_option(session: Session) -> None:
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject", "-m", "body text")
    assert message(session.repo) == "subject\n\nbody text\n\n" + lines(session.first)
    assert_trailers(session.repo, session.first)


@pytest.mark.parametrize(
    "text, kept",
    [
        ("subject\n\nbody text\n", "subject\n\nbody text\n"),
        ("subject\n\nno final newline", "subject\n\nno final newline\n"),
        ("subject only, no final newline", "subject only, no final newline\n"),
        ("subject\n\nbody\n---\nafter a dashes line\n", "subject\n\nbody\n---\nafter a dashes line\n"),
    ],
    ids=["plain", "no-final-newline", "subject-without-newline", "dashes-line"],
)
def test_file_option(session: Session, tmp_path: Path, text: str, kept: str) -> None:
    (tmp_path / "msg").write_text(text)
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-F", str(tmp_path / "msg"))
    assert message(session.repo) == kept + "\n" + lines(session.first)
    assert_trailers(session.repo, session.first)


def test_editor_gets_trailers_after_the_message_is_written(session: Session, editors: Path) -> None:
    change(session.repo)
    run_git(session.repo, "commit", "-q", env={"GIT_EDITOR": writes(editors, "typed subject\n\ntyped body\n")})
    assert message(session.repo) == "typed subject\n\ntyped body\n\n" + lines(session.first)
    assert_trailers(session.repo, session.first)


@pytest.mark.parametrize("how", ["emptied", "untouched", "comments-only"])
def test_an_empty_message_from_the_editor_still_aborts_the_commit(session: Session, editors: Path, how: str) -> None:
    editor = {
        "emptied": writes(editors, "", above=False),
        "untouched": "true",
        "comments-only": writes(editors, "# only a comment\n"),
    }[how]
    before = head(session.repo)
    change(session.repo)
    result = run_git(session.repo, "commit", env={"GIT_EDITOR": editor}, check=False)
    assert result.returncode != 0
    assert "empty commit message" in result.stderr
    assert head(session.repo) == before


def test_commit_template_untouched_aborts_and_edited_gets_trailers(session: Session, editors: Path) -> None:
    repo = session.repo
    (editors / "template").write_text("Template subject\n\nTemplate body\n")
    git(repo, "config", "commit.template", str(editors / "template"))
    before = head(repo)
    change(repo)
    result = run_git(repo, "commit", env={"GIT_EDITOR": "true"}, check=False)
    assert result.returncode != 0
    assert "you did not edit the message" in result.stderr
    assert head(repo) == before
    run_git(repo, "commit", "-q", env={"GIT_EDITOR": retitles(editors, "Edited subject")})
    assert message(repo) == "Edited subject\n\nTemplate body\n\n" + lines(session.first)
    assert_trailers(repo, session.first)


def test_amend_three_times_never_duplicates_nor_leaves_stale_lines(session: Session, editors: Path) -> None:
    repo, sid = session.repo, session.id
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", "body")
    assert_trailers(repo, session.first)
    session.done("O1")
    after_done = block(sid, ("O2",), done=("O1",), decided=("D1 -- why",))
    change(repo)
    run_git(repo, "commit", "-q", "--amend", "--no-edit")
    assert message(repo) == "subject\n\nbody\n\n" + lines(after_done)
    assert_trailers(repo, after_done)
    change(repo)
    run_git(repo, "commit", "-q", "--amend", env={"GIT_EDITOR": retitles(editors, "edited subject")})
    assert message(repo) == "edited subject\n\nbody\n\n" + lines(after_done)
    assert_trailers(repo, after_done)
    session.done("O2")
    all_done = block(sid, done=("O1", "O2"), decided=("D1 -- why",))
    change(repo)
    run_git(repo, "commit", "-q", "--amend", "-m", "new subject")
    assert message(repo) == "new subject\n\n" + lines(all_done)
    assert_trailers(repo, all_done)
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"
    assert not list(Path(repo, ".git", "git-session").glob("amend-old*"))


def test_amend_keeps_the_lines_grouped_and_the_original_decisions_first(session: Session) -> None:
    repo, sid = session.repo, session.id
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    session.done("O1")
    run_git(repo, "commit", "-q", "--amend", "--no-edit")
    session.decide("D2", "later")
    run_git(repo, "commit", "-q", "--amend", "--no-edit")
    expected = block(sid, ("O2",), done=("O1",), decided=("D1 -- why", "D2 -- later"))
    assert message(repo) == "subject\n\n" + lines(expected)
    assert_trailers(repo, expected)


@pytest.mark.parametrize("option", ["-C", "-c"])
def test_reusing_another_commits_message_keeps_exactly_its_trailers(
    session: Session, editors: Path, option: str
) -> None:
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "other", "-m", "other body")
    other = head(repo)
    session.done("O1")
    session.decide("D2", "later")
    change(repo)
    run_git(repo, "commit", "-q", option, other, env={"GIT_EDITOR": retitles(editors, "reused")})
    wanted = message(repo, other)
    if option == "-c":
        wanted = "reused" + wanted[len("other") :]
    assert message(repo) == wanted
    assert_trailers(repo, session.first)


@pytest.mark.parametrize("option", ["-C", "-c"])
def test_a_commit_that_died_in_its_editor_leaves_nothing_for_the_next(
    session: Session, editors: Path, option: str
) -> None:
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "other")
    other = head(repo)
    session.decide("D2", "later")
    failed = run_git(repo, "commit", "--allow-empty", env={"GIT_EDITOR": "false"}, check=False)
    assert failed.returncode != 0
    run_git(repo, "commit", "-q", "--allow-empty", option, other, env={"GIT_EDITOR": retitles(editors, "other")})
    assert message(repo) == message(repo, other)


@pytest.fixture
def topic(session: Session) -> str:
    """A branch ``topic`` forked from main's first commit, one commit ahead, no session."""
    repo = session.repo
    git(repo, "switch", "-q", "-c", "topic")
    change(repo, "topic-file")
    run_git(repo, "commit", "-q", "-m", "topic work")
    git(repo, "switch", "-q", "main")
    change(repo, "main-file")
    run_git(repo, "commit", "-q", "-m", "main work")
    return head(repo, "topic")


@pytest.mark.parametrize("configured", [False, True], ids=["default", "mergeTrailers"])
@pytest.mark.parametrize("how", ["no-edit", "message"])
def test_merge_commits_get_trailers_only_when_configured(
    session: Session, topic: str, configured: bool, how: str
) -> None:
    repo = session.repo
    if configured:
        git(repo, "config", "session.mergeTrailers", "true")
    args = ["--no-edit"] if how == "no-edit" else ["-m", "Merge the topic"]
    run_git(repo, "merge", "-q", "--no-ff", *args, "topic")
    subject = "Merge branch 'topic'\n" if how == "no-edit" else "Merge the topic\n"
    expected = block(session.id, ("O1", "O2")) if configured else []
    assert message(repo) == subject + ("\n" + lines(expected) if expected else "")
    assert_trailers(repo, expected)


@pytest.mark.parametrize("configured", [False, True], ids=["default", "mergeTrailers"])
@pytest.mark.parametrize("how", ["no-edit", "message"])
def test_a_conflicted_merge_concluded_with_commit_is_still_a_merge(
    session: Session, configured: bool, how: str
) -> None:
    repo = session.repo
    git(repo, "switch", "-q", "-c", "topic")
    Path(repo, "README").write_text("topic\n")
    run_git(repo, "commit", "-q", "-am", "topic edit")
    git(repo, "switch", "-q", "main")
    Path(repo, "README").write_text("main\n")
    run_git(repo, "commit", "-q", "-am", "main edit")
    if configured:
        git(repo, "config", "session.mergeTrailers", "true")
    assert run_git(repo, "merge", "-q", "topic", check=False).returncode != 0
    Path(repo, "README").write_text("both\n")
    git(repo, "add", "README")
    args = ["--no-edit"] if how == "no-edit" else ["-m", "Merge the topic"]
    run_git(repo, "commit", "-q", *args)
    assert len(git(repo, "log", "-1", "--format=%P").split()) == 2
    expected = block(session.id, ("O1", "O2")) if configured else []
    assert_trailers(repo, expected)
    if not expected:
        assert ID not in message(repo)


def test_merge_squash_then_commit_gets_trailers(session: Session, topic: str) -> None:
    repo = session.repo
    run_git(repo, "merge", "-q", "--squash", "topic")
    run_git(repo, "commit", "-q", "-m", "squashed topic")
    expected = block(session.id, ("O1", "O2"))
    assert message(repo) == "squashed topic\n\n" + lines(expected)
    assert_trailers(repo, expected)


@pytest.mark.parametrize("options", [[], ["-x"]], ids=["plain", "-x"])
def test_cherry_pick_keeps_what_the_commit_carries(session: Session, options: list[str]) -> None:
    repo = session.repo
    change(repo, "picked-file")
    run_git(repo, "commit", "-q", "-m", "to pick")
    picked = head(repo)
    git(repo, "switch", "-q", "-c", "side", "HEAD~1")
    ok(repo, "start", "side work", "-o", "S1")
    run_git(repo, "cherry-pick", *options, picked)
    if options:
        assert message(repo) == message(repo, picked).rstrip("\n") + f"\n(cherry picked from commit {picked})\n"
    else:
        assert message(repo) == message(repo, picked)
    assert_trailers(repo, session.first)


def test_revert_gets_no_trailers(session: Session) -> None:
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "to revert")
    reverted = head(repo)
    session.decide("D2", "later")
    run_git(repo, "revert", "--no-edit", "HEAD")
    assert message(repo) == f'Revert "to revert"\n\nThis reverts commit {reverted}.\n'
    assert_trailers(repo, [])


@pytest.fixture
def two_commits(session: Session) -> tuple[str, str]:
    """Two session commits on main (c1: O1, O2, D1; c2: O2, done O1, D2), then the session moves on,
    and a branch ``base`` forked before them with one commit of its own."""
    repo = session.repo
    change(repo, "one")
    run_git(repo, "commit", "-q", "-m", "c1", "-m", "c1 body")
    session.done("O1")
    session.decide("D2", "two")
    change(repo, "two")
    run_git(repo, "commit", "-q", "-m", "c2", "-m", "c2 body")
    git(repo, "branch", "base", "HEAD~2")
    git(repo, "switch", "-q", "base")
    change(repo, "base-file")
    run_git(repo, "commit", "-q", "-m", "base work")
    git(repo, "switch", "-q", "main")
    session.decide("D3", "not for the old commits")
    ok(repo, "objective", "add", "O3")
    return message(repo, "HEAD~1"), message(repo, "HEAD")


C1_TRAILERS = ("O1", "O2"), (), ("D1 -- why",)
C2_TRAILERS = ("O2",), ("O1",), ("D2 -- two",)


@pytest.mark.parametrize("backend", ["--merge", "--apply"])
def test_rebase_keeps_the_messages(session: Session, two_commits: tuple[str, str], backend: str) -> None:
    repo = session.repo
    run_git(repo, "rebase", "-q", backend, "base")
    assert head(repo, "HEAD~2") == head(repo, "base")
    assert (message(repo, "HEAD~1"), message(repo, "HEAD")) == two_commits
    assert_trailers(repo, block(session.id, *C1_TRAILERS), "HEAD~1")
    assert_trailers(repo, block(session.id, *C2_TRAILERS))


def test_rebase_interactive_reword(session: Session, two_commits: tuple[str, str], editors: Path) -> None:
    repo = session.repo
    todo = script(editors, "todo", "sed -i '1s/^pick/reword/' \"$1\"\n")
    run_git(
        repo, "rebase", "-q", "-i", "base", env={"GIT_SEQUENCE_EDITOR": todo, "GIT_EDITOR": retitles(editors, "c1 new")}
    )
    assert message(repo, "HEAD~1") == "c1 new" + two_commits[0][len("c1") :]
    assert message(repo) == two_commits[1]
    assert_trailers(repo, block(session.id, *C1_TRAILERS), "HEAD~1")
    assert_trailers(repo, block(session.id, *C2_TRAILERS))


@pytest.mark.parametrize("command", ["squash", "fixup"])
def test_rebase_interactive_squash_and_fixup(
    session: Session, two_commits: tuple[str, str], editors: Path, command: str
) -> None:
    repo = session.repo
    todo = script(editors, "todo", f"sed -i '2s/^pick/{command}/' \"$1\"\n")
    run_git(repo, "rebase", "-q", "-i", "base", env={"GIT_SEQUENCE_EDITOR": todo, "GIT_EDITOR": "true"})
    assert head(repo, "HEAD~1") == head(repo, "base")
    first, second = two_commits
    if command == "squash":
        assert message(repo) == first + "\n" + second
        assert_trailers(repo, block(session.id, *C2_TRAILERS))
    else:
        assert message(repo) == first
        assert_trailers(repo, block(session.id, *C1_TRAILERS))


@pytest.mark.parametrize("mode", [None, "default", "strip", "whitespace", "verbatim", "scissors"])
def test_verbose_commit_under_each_cleanup_mode(session: Session, editors: Path, mode: str | None) -> None:
    repo = session.repo
    if mode:
        git(repo, "config", "commit.cleanup", mode)
    change(repo)
    run_git(repo, "commit", "-q", "-v", env={"GIT_EDITOR": writes(editors, "subject\n\nbody\n")})
    text = message(repo)
    assert "diff --git" not in text
    assert ">8" not in text
    if mode in ("whitespace", "verbatim"):  # git keeps the comment lines in these modes
        assert text.startswith("subject\n\nbody\n\n" + lines(session.first) + "\n#")
    else:
        assert text == "subject\n\nbody\n\n" + lines(session.first)
    assert_trailers(repo, session.first)


@pytest.mark.parametrize("comment", [";", "auto"])
@pytest.mark.parametrize("path", ["message", "editor", "message+editor"])
def test_comment_char_and_a_hash_line_in_the_message(session: Session, editors: Path, comment: str, path: str) -> None:
    repo = session.repo
    git(repo, "config", "core.commentChar", comment)
    change(repo)
    if path == "message":
        run_git(repo, "commit", "-q", "-m", "subject", "-m", "#42 is fixed here")
    elif path == "editor":
        run_git(repo, "commit", "-q", env={"GIT_EDITOR": writes(editors, "subject\n\n#42 is fixed here\n")})
    else:
        editor = retitles(editors, "edited subject")
        run_git(repo, "commit", "-q", "-e", "-m", "subject", "-m", "#42 is fixed here", env={"GIT_EDITOR": editor})
    subject = "edited subject" if path == "message+editor" else "subject"
    if comment == "auto" and path == "editor":
        # git chose '#' before the editor opened (nothing started with '#' then): the typed
        # '#42' line is a comment, and git strips it
        assert message(repo) == f"{subject}\n\n" + lines(session.first)
    else:
        assert message(repo) == f"{subject}\n\n#42 is fixed here\n\n" + lines(session.first)
    assert_trailers(repo, session.first)


# ("Note: x" alone is a trailer to git, and stays one: see tests/test_trust_hooks.py)
@pytest.mark.parametrize("paragraph", ["See also: x", "Note that: this stays body text"])
def test_a_paragraph_that_only_looks_like_trailers_stays_body(session: Session, paragraph: str) -> None:
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject", "-m", paragraph)
    assert message(session.repo) == f"subject\n\n{paragraph}\n\n" + lines(session.first)
    assert_trailers(session.repo, session.first)


@pytest.mark.parametrize("path", ["message", "editor"])
def test_signed_off_by_stays_in_the_trailer_block(session: Session, editors: Path, path: str) -> None:
    repo = session.repo
    change(repo)
    if path == "message":
        run_git(repo, "commit", "-q", "-s", "-m", "subject")
    else:
        run_git(repo, "commit", "-q", "-s", env={"GIT_EDITOR": writes(editors, "subject\n")})
    expected = [SIGN_OFF, *session.first]
    assert message(repo) == "subject\n\n" + lines(expected)
    assert_trailers(repo, expected)


def test_disabled_by_the_environment(session: Session) -> None:
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject", env={"GIT_SESSION_DISABLE": "1"})
    assert message(session.repo) == "subject\n"


def test_values_are_one_line_and_never_start_with_a_comment_character(session: Session) -> None:
    repo = session.repo
    ok(repo, "objective", "add", "#42 fix\nsecond line")
    ok(repo, "decision", "add", "# hashed\ndecision", "--rationale", "two\nlines")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    expected = block(
        session.id, ("O1", "O2", "42 fix second line"), decided=("D1 -- why", "hashed decision -- two lines")
    )
    assert message(repo) == "subject\n\n" + lines(expected)
    assert_trailers(repo, expected)


def test_a_linked_worktree_commits_with_its_own_branchs_session(session: Session, tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    git(session.repo, "worktree", "add", "-q", "-b", "feature", str(worktree))
    ok(worktree, "start", "feature work", "-o", "W1")
    other = as_json(worktree, "status")["id"]
    assert other != session.id
    change(worktree)
    run_git(worktree, "commit", "-q", "-m", "from the worktree")
    assert_trailers(worktree, block(other, ("W1",)))
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "from main")
    assert_trailers(session.repo, session.first)


def test_no_session_on_the_branch_leaves_the_message_alone(session: Session) -> None:
    git(session.repo, "switch", "-q", "-c", "elsewhere")
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject")
    assert message(session.repo) == "subject\n"


def test_a_paused_session_adds_nothing(session: Session) -> None:
    ok(session.repo, "pause")
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject")
    assert message(session.repo) == "subject\n"


# --- failures never block a commit -------------------------------------------------------


def session_ref(repo: Path) -> str:
    (ref,) = git(repo, "for-each-ref", "--format=%(refname)", "refs/sessions/").split()
    return ref


@pytest.mark.parametrize("target", ["blob", "commit-without-meta"])
def test_a_corrupted_session_ref_does_not_block_the_commit(session: Session, target: str) -> None:
    repo = session.repo
    bad = git(repo, "hash-object", "-w", "--stdin", input="not a session\n").strip() if target == "blob" else head(repo)
    git(repo, "update-ref", session_ref(repo), bad)
    change(repo)
    result = run_git(repo, "commit", "-q", "-m", "subject", check=False)
    assert result.returncode == 0, result.stderr
    assert message(repo) == "subject\n"
    assert "warning: skipped a session: session " in result.stderr  # a session that cannot be read is not this branch's


def test_git_session_missing_from_path_does_not_block_the_commit(session: Session) -> None:
    repo = session.repo
    ref = session_ref(repo)
    git(repo, "update-ref", ref, f"{ref}~1")  # another valid state: the cache is stale now
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "git-session").exists())
    assert shutil.which("git-session", path=path) is None
    change(repo)
    result = run_git(repo, "commit", "-q", "-m", "subject", env={"PATH": path}, check=False)
    assert result.returncode == 0, result.stderr
    assert message(repo) == "subject\n"
    assert "not on PATH" in result.stderr


@pytest.mark.parametrize("stale", [False, True], ids=["fresh-cache", "stale-cache"])
def test_a_broken_python_environment_does_not_block_the_commit(session: Session, tmp_path: Path, stale: bool) -> None:
    repo = session.repo
    broken = tmp_path / "broken-bin"
    broken.mkdir()
    script(
        broken, "git-session", "echo 'Traceback (most recent call last):' >&2\necho 'ImportError: pygit2' >&2\nexit 1\n"
    )
    if stale:
        ref = session_ref(repo)
        git(repo, "update-ref", ref, f"{ref}~1")
    change(repo)
    env = {"PATH": f"{broken}{os.pathsep}{os.environ['PATH']}"}
    result = run_git(repo, "commit", "-q", "-m", "subject", env=env, check=False)
    assert result.returncode == 0, result.stderr
    if stale:
        assert message(repo) == "subject\n"
        assert "could not render" in result.stderr
    else:  # the cache was good: trailers without Python; only the linking failed
        assert message(repo) == "subject\n\n" + lines(session.first)
        assert result.stderr == ""
