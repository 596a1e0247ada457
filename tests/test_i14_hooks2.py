"""Issue 14, the commit path (second round): what each hook starts, and with which awk.

The prepare-commit-msg hook starts mawk where there is one: gawk takes twice its time to
start, about a third of what the hooks add to a commit. The program keeps to POSIX awk, so
every awk found must write the same message; the hook falls back to ``awk`` without mawk.

After a config write (any: the cache is then older than a config file), the awk program
itself tells whether the trailers' config may have changed, when the cache was rendered
from none: no file may set one without naming it. Only when it cannot tell (status 5) does
the hook ask git, and then Python only when git's answer differs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_session import data, trailers
from tests import test_trailers
from tests.helpers import git, ok
from tests.test_i14_hooks import AWK, PARAGRAPH, age, cache_of, counted, started
from tests.test_trailers import DEC, ID, OBJ, Session, block, change, head, lines, message, run_git, script
from tests.test_trust_hooks import user_messages

hooked = test_trailers.hooked
session = test_trailers.session
topic = test_trailers.topic
__all__ = ["counted"]  # (fixtures)


def _awks() -> list[str]:
    """The distinct awk programs on this machine (by the file each name resolves to)."""
    found: dict[str, str] = {}
    for name in ("awk", "mawk", "gawk", "original-awk", "nawk"):
        path = shutil.which(name)
        if path is not None:
            found.setdefault(os.path.realpath(path), path)
    return list(found.values())


AWKS = _awks()
SID = "01hzzzzzzzzzzzzzzzzzzzzzzz"
OURS = [f"{ID}: {SID}", f"{OBJ}: [open] O1", f"{OBJ}: [done] O2", f"{DEC}: D1 -- why"]


def cache(comment: str) -> str:
    header = [trailers.CACHE_MAGIC, "ref refs/sessions/x", "tip " + "0" * 40, f"comment {comment}", "merge no"]
    header += [f"keys {ID} {OBJ} {DEC}", "head none", "configured Jira", "separators :#"]
    return "\n".join([*header, *OURS, "", "trailer.jira.key Jira"]) + "\n"


def run_awk(awk: str, where: Path, text: str, mode: str, committed: int, comment: str, before: str) -> str:
    where.mkdir(exist_ok=True)
    (where / "cache").write_text(cache(comment))
    (where / "old").write_text(before)
    (where / "msg").write_text(text)
    (where / "trailers.awk").write_bytes(data.hook("git-session-trailers.awk"))
    old = [str(where / "old")] if mode == "amendmsg" else []
    argv = [awk, "-v", f"mode={mode}", "-v", f"committed={committed}", "-f", str(where / "trailers.awk")]
    subprocess.run([*argv, str(where / "cache"), *old, str(where / "msg")], check=True, env={"LC_ALL": "C"})
    return (where / "msg").read_text()


ENDINGS = ["", "\n# Please enter the commit message\n#\n", "\n# ------------------------ >8 ------------------------\n"]


@pytest.mark.slow
@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=user_messages(),
    ours=st.booleans(),
    ending=st.sampled_from(ENDINGS),
    mode=st.sampled_from(["fresh", "amend", "amendmsg"]),
    committed=st.sampled_from([0, 1]),
    comment=st.sampled_from(["#", "auto", ";"]),
    before=user_messages(),
)
def test_every_awk_found_writes_the_same_message(
    tmp_path: Path, text: str, ours: bool, ending: str, mode: str, committed: int, comment: str, before: str
) -> None:
    assert len(AWKS) >= 2, "mawk and gawk are needed (.ci/install-test-tools installs them)"
    if ours:  # a message the hook wrote before: our lines are merged on an amend
        text = text.rstrip("\n") + "\n\n" + lines([f"{ID}: {SID}", f"{OBJ}: [done] O0", f"{DEC}: D0 -- old"])
    before = before.rstrip("\n") + "\n\n" + lines([f"{ID}: {SID}", f"{DEC}: D9 -- older"])
    written = {
        awk: run_awk(awk, tmp_path / str(i), text + ending, mode, committed, comment, before)
        for i, awk in enumerate(AWKS)
    }
    assert len(set(written.values())) == 1, written


# --- which awk the hook starts ---------------------------------------------------------------


def logging_tools(where: Path, log: Path, tools: dict[str, str]) -> dict[str, str]:
    """A PATH of only ``tools`` (name: the program it runs), each saying in ``log`` that it ran."""
    where.mkdir()
    for name, real in tools.items():
        script(where, name, f'echo {name} >> "{log}"\nexec "{real}" "$@"\n')
    return {"PATH": str(where)}


def test_the_hook_starts_mawk_where_there_is_one(session: Session, tmp_path: Path) -> None:
    real_awk, git = shutil.which("awk"), shutil.which("git")
    assert real_awk is not None and git is not None
    log = tmp_path / "started"
    env = logging_tools(tmp_path / "bin", log, {"awk": real_awk, "mawk": real_awk, "git": git})
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject", "-m", "body", env=env)
    assert log.read_text().split() == ["git", "mawk"]
    assert message(session.repo) == "subject\n\nbody\n\n" + lines(session.first)


def test_without_mawk_the_hook_starts_awk(session: Session, tmp_path: Path) -> None:
    real_awk, git = shutil.which("awk"), shutil.which("git")
    assert real_awk is not None and git is not None
    log = tmp_path / "started"
    env = logging_tools(tmp_path / "bin", log, {"awk": real_awk, "git": git})
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject", "-m", "body", env=env)
    assert log.read_text().split() == ["git", "awk"]
    assert message(session.repo) == "subject\n\nbody\n\n" + lines(session.first)


# --- after a config write, awk tells whether the trailers' config may have changed ---------------


def append_config(repo: Path, text: str) -> None:
    """Write the repository's config as a hand would, after the cache was rendered."""
    age(cache_of(repo))
    with (repo / ".git" / "config").open("a") as config:
        config.write(text)


def test_a_subsection_name_spelt_with_a_backslash_is_honoured(session: Session) -> None:
    """git reads `"tr\\ailer"` as `trailer`: the text holds no `trailer` to find."""
    append_config(session.repo, '[session "tr\\ailer"]\n\tid = Work-Session\n')
    assert git(session.repo, "config", "session.trailer.id") == "Work-Session\n"
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject")
    assert message(session.repo) == "subject\n\n" + lines([f"Work-Session: {session.id}", *session.first[1:]])


def test_an_include_written_after_the_cache_is_honoured(session: Session, tmp_path: Path) -> None:
    """The included file is not among those awk reads: an include sends the hook to git."""
    (tmp_path / "extra").write_text('[session "trailer"]\n\tid = Work-Session\n')
    append_config(session.repo, f"[include]\n\tpath = {tmp_path / 'extra'}\n")
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject")
    assert message(session.repo) == "subject\n\n" + lines([f"Work-Session: {session.id}", *session.first[1:]])


def test_names_in_capitals_are_honoured(session: Session) -> None:
    """Section and variable names are case-insensitive to git."""
    append_config(session.repo, '[TRAILER "jira"]\n\tKEY = Jira\n')
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject", "-m", PARAGRAPH)
    assert message(session.repo) == f"subject\n\n{PARAGRAPH}\n" + lines(session.first)


def test_a_cache_without_its_config_record_is_rendered_again_after_any_write(session: Session) -> None:
    """A cache written before caches recorded their config cannot say it was rendered from none."""
    repo = session.repo
    cache = cache_of(repo)
    text = cache.read_text()
    cache.write_text(text[: text.index("\n\n") + 1])  # as main wrote it: no blank line, no config
    age(cache)
    git(repo, "remote", "add", "origin", "https://example.com/repo.git")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    assert cache.read_text() == text  # rendered again: with its record
    assert message(repo) == "subject\n\n" + lines(session.first)


def test_a_word_awk_cannot_rule_out_sends_the_hook_to_git_once(
    session: Session, counted: tuple[dict[str, str], Path]
) -> None:
    """A value naming `trailer`: awk cannot tell, git says nothing changed, awk runs again."""
    age(cache_of(session.repo))
    git(session.repo, "config", "bench.note", "a trailer park")
    change(session.repo)
    assert started(session.repo, counted, "commit", "-q", "-m", "subject") == sorted([AWK, AWK, "git config"])
    assert message(session.repo) == "subject\n\n" + lines(session.first)


def test_a_cache_rendered_from_some_trailer_config_is_checked_by_git(session: Session) -> None:
    """`session.mergeTrailers false` renders as the defaults do; taken away, no file names it
    any more, but the cache was rendered from it: git is asked, and it renders again."""
    repo = session.repo
    git(repo, "config", "session.mergeTrailers", "false")
    ok(repo, "hook", "refresh")
    cache = cache_of(repo)
    assert cache.read_text().endswith("\n\nsession.mergetrailers false\n")
    age(cache)
    git(repo, "config", "--unset", "session.mergeTrailers")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    assert cache.read_text().endswith(lines(session.first[1:]) + "\n")  # its record now empty
    assert message(repo) == "subject\n\n" + lines(session.first)


def test_merge_trailers_written_after_the_cache_are_honoured(session: Session, topic: str) -> None:
    """Whether a merge gets trailers is the config's answer: settled before the hook leaves."""
    repo = session.repo
    ok(repo, "status")  # links main's commit: the cache is rendered again
    age(cache_of(repo))
    git(repo, "config", "session.mergeTrailers", "true")
    run_git(repo, "merge", "-q", "--no-ff", "--no-edit", "topic")
    assert message(repo) == "Merge branch 'topic'\n\n" + lines(block(session.id, ("O1", "O2")))


# --- `commit --amend -m`: HEAD's message from the copy made with the trailers -------------------


def tip_messages(repo: Path) -> list[str]:
    return sorted(p.name for p in cache_of(repo).parent.glob(f"{trailers.TIP_MESSAGE}*"))


def test_an_amend_with_a_new_message_after_a_git_session_command_starts_only_awk(
    session: Session, counted: tuple[dict[str, str], Path]
) -> None:
    """The last command rendered the trailers, and copied HEAD's message beside them: the
    lines of ours it had (a decision not news any more) are kept without `git log`. (A new
    message of two paragraphs: below one, the shell writes them, test_i14_hooks3.)"""
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", "body")
    ok(repo, "status")  # links it, renders the trailers again
    assert tip_messages(repo) == [f"{trailers.TIP_MESSAGE}{head(repo)}"]
    assert DEC not in cache_of(repo).read_text().split("\n\n")[0].split("separators")[1]  # not news
    change(repo)
    assert started(repo, counted, "commit", "-q", "--amend", "-m", "new subject", "-m", "body") == [AWK]
    assert message(repo) == "new subject\n\nbody\n\n" + lines(session.first)


def test_only_the_tips_message_is_kept(session: Session) -> None:
    repo = session.repo
    for subject in ("one", "two"):
        change(repo)
        run_git(repo, "commit", "-q", "-m", subject)
        ok(repo, "status")
    assert tip_messages(repo) == [f"{trailers.TIP_MESSAGE}{head(repo)}"]
    folder = cache_of(repo).parent
    ok(repo, "pause")  # no active session: no trailers, no copy
    assert list(folder.glob("*~*")) == []


def test_a_message_in_another_encoding_is_copied_as_git_log_gives_it(session: Session, tmp_path: Path) -> None:
    repo = session.repo
    (tmp_path / "latin1").write_bytes(b"caf\xe9\n")
    change(repo)
    run_git(repo, "-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "-F", str(tmp_path / "latin1"))
    ok(repo, "status")
    (copy,) = tip_messages(repo)
    shown = subprocess.run(["git", "log", "-1", "--format=%B"], cwd=repo, capture_output=True, check=True).stdout
    assert (cache_of(repo).parent / copy).read_bytes() + b"\n" == shown
    assert shown.startswith("café".encode())


def test_a_message_whose_bytes_are_not_text_is_not_copied(session: Session) -> None:
    """`git log` gives them as they are: the hook asks git for them."""
    repo = session.repo
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    raw = f"tree {tree}\nparent {head(repo)}\nauthor A <a@b> 0 +0000\ncommitter A <a@b> 0 +0000\n\n".encode()
    made = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin", "--literally"],
        cwd=repo,
        input=raw + b"caf\xe9\n",
        capture_output=True,
        check=True,
    )
    git(repo, "reset", "-q", "--soft", made.stdout.decode().strip())
    ok(repo, "hook", "refresh")
    assert tip_messages(repo) == []
    change(repo)
    run_git(repo, "commit", "-q", "--amend", "-m", "new subject")
    assert message(repo).startswith("new subject\n\n")


def test_the_hook_reads_the_copy_python_writes() -> None:
    hook = data.hook("prepare-commit-msg").decode()
    assert f'"${{cache%/*}}/{trailers.TIP_MESSAGE}$parent"' in hook


# --- commit-msg: after the editor, prepare-commit-msg is read by the same shell ---------------------


def test_commit_msg_reads_prepare_commit_msg_rather_than_starting_it() -> None:
    """An `exec` of it cost a second shell's start on every commit through the editor."""
    hook = data.hook("commit-msg").decode()
    assert '. "${0%/*}/prepare-commit-msg"' in hook
    assert "exec" not in hook
