"""Issue 14, the commit path: the trailer cache is fresh by the config values it was rendered
from, not by file times, and the amend and editor paths start as few processes as they can.

Every commit runs through the real hook shims, installed into the test repository. Whether
a commit went to Python is seen by a ``git-session`` first on PATH that records each call.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from git_session import data, trailers
from git_session.gitrepo import Repo
from tests import test_trailers
from tests.helpers import as_json, git, ok
from tests.test_trailers import Session, change, head, lines, message, run_git, script, writes

hooked = test_trailers.hooked
session = test_trailers.session
editors = test_trailers.editors

PARAGRAPH = "Jira: PROJ-123\nwith a line of text\nand another"


def cache_of(repo: Path) -> Path:
    cache = trailers.cache_path(Repo.discover(str(repo)), "main")
    assert cache is not None and cache.exists()
    return cache


def age(path: Path, seconds: int = 60) -> None:
    """Make ``path`` older than any config written from now on (file times are coarse)."""
    then = path.stat().st_mtime_ns - seconds * 1_000_000_000
    os.utime(path, ns=(then, then))


@pytest.fixture
def watched(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose ``git-session`` only records that it was asked (and fails), so a
    commit that needs Python shows it; and the file it records in."""
    where = tmp_path / "watch"
    where.mkdir()
    calls = where / "calls"
    script(where, "git-session", f'echo "$*" >> "{calls}"\nexit 1\n')
    return {"PATH": f"{where}{os.pathsep}{os.environ['PATH']}"}, calls


def commit_watched(repo: Path, watch: tuple[dict[str, str], Path], *args: str) -> str:
    env, calls = watch
    change(repo)
    result = run_git(repo, *args, env=env)
    assert not calls.exists(), calls.read_text()
    return result.stderr


# --- an unrelated config write keeps the commit out of Python ------------------------------


@pytest.mark.parametrize(
    "write",
    [
        ("remote", "add", "origin", "https://example.com/repo.git"),  # git remote add
        ("config", "branch.main.remote", "origin"),  # what push -u writes
        ("config", "--global", "user.signingkey", "ABC"),  # an edit of ~/.gitconfig
        ("config", "--global", "trailerx.jira.key", "Jira"),  # a section that only starts like ours
    ],
    ids=["remote-add", "push-u", "global", "lookalike-section"],
)
def test_an_unrelated_config_write_keeps_the_commit_out_of_python(
    session: Session, watched: tuple[dict[str, str], Path], write: tuple[str, ...]
) -> None:
    age(cache_of(session.repo))
    git(session.repo, *write)
    stderr = commit_watched(session.repo, watched, "commit", "-q", "-m", "subject")
    assert stderr == ""
    assert message(session.repo) == "subject\n\n" + lines(session.first)


def test_recorded_values_over_several_lines_still_compare_equal(
    session: Session, watched: tuple[dict[str, str], Path]
) -> None:
    """A value may hold newlines, blank lines, trailing blanks: the record keeps it whole."""
    repo = session.repo
    git(repo, "config", "trailer.note.command", "line one\n\n  line three  \n")
    git(repo, "config", "--add", "trailer.note.command", "")
    ok(repo, "hook", "refresh")
    age(cache_of(repo))
    git(repo, "remote", "add", "origin", "https://example.com/repo.git")
    commit_watched(repo, watched, "commit", "-q", "-m", "subject")
    assert message(repo) == "subject\n\n" + lines(session.first)


# --- a relevant one is honoured -------------------------------------------------------------


@pytest.mark.parametrize("scope", ["--local", "--global"])
def test_a_new_trailer_key_in_the_config_is_used_at_the_next_commit(session: Session, scope: str) -> None:
    repo = session.repo
    age(cache_of(repo))
    git(repo, "config", scope, "session.trailer.id", "Work-Session")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    assert message(repo) == "subject\n\n" + lines([f"Work-Session: {session.id}", *session.first[1:]])


def test_a_configured_trailer_written_after_the_cache_is_honoured(session: Session) -> None:
    """trailer.<name>.key makes a mixed paragraph a trailer block: our lines join it."""
    repo = session.repo
    age(cache_of(repo))
    git(repo, "config", "trailer.jira.key", "Jira")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", PARAGRAPH)
    assert message(repo) == f"subject\n\n{PARAGRAPH}\n" + lines(session.first)


def test_new_separators_written_after_the_cache_are_honoured(session: Session) -> None:
    """trailer.separators: `Fixes # 12` is a trailer to git, so our lines join its paragraph."""
    repo = session.repo
    age(cache_of(repo))
    git(repo, "config", "trailer.separators", ":#")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", "Fixes # 12")
    assert message(repo) == "subject\n\nFixes # 12\n" + lines(session.first)


def test_a_comment_character_written_after_the_cache_is_honoured(session: Session, editors: Path) -> None:
    """core.commentChar: the trailers go above the scissors line git wrote with it (below it,
    git would cut them off with the diff of `commit -v`)."""
    repo = session.repo
    age(cache_of(repo))
    git(repo, "config", "core.commentChar", ";")
    change(repo)
    run_git(repo, "commit", "-q", "-v", env={"GIT_EDITOR": writes(editors, "typed subject\n")})
    assert message(repo) == "typed subject\n\n" + lines(session.first)


def test_git_dash_c_on_the_commit_is_honoured(session: Session) -> None:
    """`git -c` changes no file: the hook asks git whenever it is given."""
    repo = session.repo
    change(repo)
    run_git(repo, "-c", "session.trailer.id=Work-Session", "commit", "-q", "-m", "with -c")
    assert message(repo) == "with -c\n\n" + lines([f"Work-Session: {session.id}", *session.first[1:]])
    change(repo)
    run_git(repo, "commit", "-q", "-m", "without")
    assert message(repo).startswith(f"without\n\nSession-Id: {session.id}\n")


def test_a_cache_written_before_caches_recorded_their_config_is_rendered_again(session: Session) -> None:
    repo = session.repo
    cache = cache_of(repo)
    text = cache.read_text()
    cache.write_text(text[: text.index("\n\n") + 1])  # as main wrote it: no blank line, no config
    age(cache)
    git(repo, "config", "trailer.jira.key", "Jira")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", PARAGRAPH)
    assert message(repo) == f"subject\n\n{PARAGRAPH}\n" + lines(session.first)
    assert cache.read_text().endswith("\n\ntrailer.jira.key Jira\n")


# --- the record itself ------------------------------------------------------------------------


def test_the_cache_records_the_config_after_its_trailers(session: Session) -> None:
    repo = session.repo
    git(repo, "config", "trailer.jira.key", "Jira")
    git(repo, "config", "core.commentChar", ";")
    git(repo, "config", "user.name", "Not Recorded")
    ok(repo, "hook", "refresh")
    text = cache_of(repo).read_text()
    assert text.endswith(
        "\n" + lines(session.first) + "\ncore.commentchar ;\ntrailer.jira.key Jira\n"
    )  # (in the file's order)


def test_the_record_is_not_a_change_of_the_trailers() -> None:
    """values_changed compares the trailer lines only: a config that changed none of them
    does not repeat what was said about a withheld entry."""
    header = [trailers.CACHE_MAGIC, *(f"line {n}" for n in range(2, 10))]
    before = "\n".join([*header, "Session-Id: x", "", "core.commentchar ;"]) + "\n"
    after = "\n".join([*header, "Session-Id: x", "", "trailer.jira.key Jira"]) + "\n"
    assert trailers._trailer_lines(before) == trailers._trailer_lines(after) == ["Session-Id: x"]


def test_the_hook_asks_git_the_question_python_records() -> None:
    hook = data.hook("prepare-commit-msg").decode()
    assert f"git config --get-regexp '{trailers.CONFIG_PATTERN}'" in hook


def test_the_awk_program_stops_at_the_recorded_config(tmp_path: Path) -> None:
    """No line of the record ever becomes a trailer, whatever it looks like."""
    header = [trailers.CACHE_MAGIC, "ref r", "tip t", "comment #", "merge no", "keys A B C", "head none"]
    record = ["configured ", "separators :", "A: 01hzzzzzzzzzzzzzzzzzzzzzzz", "", "B: [open] looks like one"]
    (tmp_path / "cache").write_text("\n".join([*header, *record]) + "\n")
    (tmp_path / "msg").write_text("subject\n")
    (tmp_path / "awk").write_bytes(data.hook("git-session-trailers.awk"))
    subprocess.run(
        ["awk", "-v", "mode=fresh", "-f", str(tmp_path / "awk"), str(tmp_path / "cache"), str(tmp_path / "msg")],
        check=True,
        env={"LC_ALL": "C", "PATH": os.environ["PATH"]},
    )
    assert (tmp_path / "msg").read_text() == "subject\n\nA: 01hzzzzzzzzzzzzzzzzzzzzzzz\n"


# --- the amend and editor paths: what the hooks start -------------------------------------

# The awk the hook starts: mawk where there is one (it starts in half the time of gawk)
AWK = "mawk" if shutil.which("mawk") else "awk"
TOOLS = ("awk", "mawk", "cat", "cp", "cmp", "rm", "mv", "sed", "tee", "touch", "head", "tail", "mktemp", "tr")


@pytest.fixture
def counted(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment in which every tool a hook may start says so (and the git commands,
    through GIT_TRACE: git puts its own folder first on the hooks' PATH); the log it says it in."""
    where = tmp_path / "counted"
    where.mkdir()
    log = tmp_path / "started"
    for tool in TOOLS:
        real = shutil.which(tool)
        if real is not None:
            script(where, tool, f'echo {tool} >> "{log}"\nexec "{real}" "$@"\n')
    return {"PATH": f"{where}{os.pathsep}{os.environ['PATH']}", "GIT_TRACE": str(tmp_path / "trace")}, log


def started(repo: Path, count: tuple[dict[str, str], Path], *args: str, env: dict[str, str] | None = None) -> list[str]:
    """What the hooks started while ``git ARGS`` ran (the commit and git's own upkeep aside)."""
    environment, log = count
    log.unlink(missing_ok=True)
    trace = Path(environment["GIT_TRACE"])
    trace.unlink(missing_ok=True)
    run_git(repo, *args, env={**environment, **(env or {})})
    tools = log.read_text().split() if log.exists() else []
    gits = [
        f"git {line.split('built-in: git ', 1)[1].split()[0]}"
        for line in trace.read_text().splitlines()
        if "built-in: git " in line
    ]
    return sorted(tools + [g for g in gits if g not in ("git commit", "git maintenance")])


def test_a_commit_with_m_starts_only_awk(session: Session, counted: tuple[dict[str, str], Path]) -> None:
    """(a message of two paragraphs: one alone is written by the hook's shell, test_i16_hooks)"""
    change(session.repo)
    assert started(session.repo, counted, "commit", "-q", "-m", "subject", "-m", "body") == [AWK]


def test_a_commit_after_an_unrelated_config_write_starts_only_awk(
    session: Session, counted: tuple[dict[str, str], Path]
) -> None:
    """Rendered from no trailer config, and none in the files: awk knows (it asked git)."""
    age(cache_of(session.repo))
    git(session.repo, "remote", "add", "origin", "https://example.com/repo.git")
    change(session.repo)
    assert started(session.repo, counted, "commit", "-q", "-m", "subject") == [AWK]
    assert message(session.repo) == "subject\n\n" + lines(session.first)


def test_with_a_trailer_config_an_unrelated_config_write_asks_git_once(
    session: Session, counted: tuple[dict[str, str], Path]
) -> None:
    repo = session.repo
    git(repo, "config", "trailer.jira.key", "Jira")
    ok(repo, "hook", "refresh")
    age(cache_of(repo))
    git(repo, "remote", "add", "origin", "https://example.com/repo.git")
    change(repo)
    assert started(repo, counted, "commit", "-q", "-m", "subject") == sorted([AWK, "git config"])
    assert message(repo) == "subject\n\n" + lines(session.first)


def test_an_amend_without_a_new_message_starts_nothing(session: Session, counted: tuple[dict[str, str], Path]) -> None:
    """post-rewrite reads the one line of an amend itself (it started `cat`); what awk writes
    was written with the cache (test_i14_hooks3)."""
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    ok(repo, "status")  # links it
    change(repo)
    assert started(repo, counted, "commit", "-q", "--amend", "--no-edit") == []
    assert message(repo) == "subject\n\n" + lines(session.first)
    ok(repo, "status")  # links the amend: the rewrite was recorded
    assert [c["sha"] for c in as_json(repo, "show")["commits"]] == [head(repo)]


def test_an_amend_with_a_new_message_pipes_heads_message(
    session: Session, counted: tuple[dict[str, str], Path]
) -> None:
    """HEAD's message goes down a pipe into awk (it went into a file, then `rm`)."""
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    change(repo)
    assert started(repo, counted, "commit", "-q", "--amend", "-m", "new subject") == sorted([AWK, "git log"])
    assert message(repo) == "new subject\n\n" + lines(session.first)


def test_a_commit_through_the_editor_starts_only_awk(
    session: Session, editors: Path, counted: tuple[dict[str, str], Path]
) -> None:
    """Without a template the message git opens the editor on is comments only: nothing to
    copy (`cp`), compare (`cmp`) or take away (`rm`); awk leaves an empty message alone."""
    repo = session.repo
    change(repo)
    typed = script(editors, "typed", "printf 'typed subject\\n\\n# a comment\\n' > \"$1\"\n")
    assert started(repo, counted, "commit", "-q", env={"GIT_EDITOR": typed}) == [AWK]
    assert message(repo) == "typed subject\n\n" + lines(session.first)


def test_a_template_is_copied_and_compared_by_awk(
    session: Session, editors: Path, counted: tuple[dict[str, str], Path]
) -> None:
    repo = session.repo
    (editors / "template").write_text("Template subject\n\nTemplate body\n")
    git(repo, "config", "commit.template", str(editors / "template"))
    change(repo)
    untouched = run_git(repo, "commit", env={**counted[0], "GIT_EDITOR": "true"}, check=False)
    assert untouched.returncode != 0 and "did not edit the message" in untouched.stderr
    retitle = script(editors, "retitle", "printf 'Edited subject\\n\\nTemplate body\\n' > \"$1\"\n")
    # (commit.template was just written: awk sees that no trailer config is in the files)
    assert started(repo, counted, "commit", "-q", env={"GIT_EDITOR": retitle}) == sorted([AWK, "cat"])
    assert message(repo) == "Edited subject\n\nTemplate body\n\n" + lines(session.first)


def test_the_template_copy_reaches_awk_by_the_environment_not_as_a_file(
    session: Session, editors: Path, tmp_path: Path
) -> None:
    """An awk program an older git-session wrote (the hooks upgraded, the program not yet
    rendered again) takes every file argument for part of the message: the copy of the
    template must never be one, or it would end up in the commit message."""
    repo = session.repo
    (editors / "template").write_text("Template subject\n")
    git(repo, "config", "commit.template", str(editors / "template"))
    where = tmp_path / "awk-args"
    where.mkdir()
    real = shutil.which(AWK)
    assert real is not None
    script(where, AWK, f'printf "%s\\n" "$#" "$GIT_SESSION_BEFORE" >> "{tmp_path / "args"}"\nexec "{real}" "$@"\n')
    change(repo)
    edit = script(editors, "edit", "printf 'Edited subject\\n' > \"$1\"\n")
    run_git(repo, "commit", "-q", env={"PATH": f"{where}{os.pathsep}{os.environ['PATH']}", "GIT_EDITOR": edit})
    count, before = (tmp_path / "args").read_text().splitlines()
    assert count == "8"  # -v mode= -v committed= -f PROGRAM CACHE MESSAGE, as before
    assert before.endswith("git-session-editing")
    assert message(repo) == "Edited subject\n\n" + lines(session.first)
