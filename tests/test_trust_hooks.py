"""The commit hooks never take the user's text (issue 9, item 11).

Only lines the hook wrote are ever replaced: a run in the trailer block that starts with
the ``Session-Id: <id>`` line it writes. Every other line is the user's, whatever its key,
and the user's own trailers stay trailers: when the message ends in a trailer block (as
git's trailer.c finds it), ours join that block instead of starting a paragraph that
would turn it into body text.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_session import trailers
from git_session.gitrepo import Repo
from git_session.integrations import shims
from tests import test_trailers
from tests.helpers import git, make_repo_with_remote, ok
from tests.test_trailers import (
    DEC,
    ID,
    OBJ,
    Session,
    assert_trailers,
    block,
    change,
    lines,
    message,
    retitles,
    run_git,
    script,
    writes,
)

# The fixtures, bound by assignment: an import would be "unused", then "redefined" (F811)
# by every test's parameter of that name.
hooked = test_trailers.hooked
session = test_trailers.session
editors = test_trailers.editors

JIRA = "Jira: PROJ-123"
COAUTHOR = "Co-authored-by: A N Other <other@example.com>"
SIGNED = "Signed-off-by: A U Thor <author@example.com>"


def parsed(repo: Path, text: str) -> list[str]:
    return git(repo, "interpret-trailers", "--parse", "--no-divider", input=text).splitlines()


def log_trailer(repo: Path, key: str) -> list[str]:
    return git(repo, "log", "-1", f"--pretty=format:%(trailers:key={key},valueonly)").splitlines()


# --- the user's lines with our keys ----------------------------------------------------------


def test_a_users_decisions_line_survives_and_stays_a_trailer(session: Session) -> None:
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "Refactor", "-m", "Decisions: keep the old API")
    expected = ["Decisions: keep the old API", *session.first]
    assert message(repo) == "Refactor\n\n" + lines(expected)
    assert parsed(repo, message(repo)) == expected


@pytest.mark.parametrize("which", ["id", "objectives", "decisions"])
@pytest.mark.parametrize("configured", [False, True], ids=["default-keys", "configured-keys"])
def test_user_text_with_each_of_our_keys_is_kept(session: Session, which: str, configured: bool) -> None:
    repo = session.repo
    names = {"id": ID, "objectives": OBJ, "decisions": DEC}
    if configured:
        names = {"id": "Work-Session", "objectives": "Goal", "decisions": "Decided"}
        for setting, name in names.items():
            git(repo, "config", f"session.trailer.{setting}", name)
    ours = [
        line.replace(ID, names["id"]).replace(OBJ, names["objectives"]).replace(DEC, names["decisions"])
        for line in session.first
    ]
    users = f"{names[which]}: review-42 is the one"  # not an id of ours: it is the user's
    body = f"{names[which]}: in the body, not a trailer\nmore body text"
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", body, "-m", users)
    assert message(repo) == f"subject\n\n{body}\n\n" + lines([users, *ours])
    assert parsed(repo, message(repo)) == [users, *ours]
    run_git(repo, "commit", "-q", "--amend", "--no-edit")  # and again: nothing changes
    assert message(repo) == f"subject\n\n{body}\n\n" + lines([users, *ours])


def test_a_line_exactly_like_ours_in_the_body_is_left_alone(session: Session) -> None:
    repo = session.repo
    body = lines(session.first)  # a copy of our paragraph, followed by more text: it is body
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", body.rstrip("\n"), "-m", "more text")
    assert message(repo) == f"subject\n\n{body}\nmore text\n\n" + lines(session.first)
    assert_trailers(repo, session.first)


# --- the user's own trailers stay trailers --------------------------------------------------


USER_BLOCKS = {
    "jira": [JIRA],
    "note": ["Note: x"],
    "co-authored": [COAUTHOR],
    "mixed": [JIRA, SIGNED, COAUTHOR],
    "continued": ["Jira: PROJ-123", "  and PROJ-124"],
}


@pytest.mark.parametrize("name", list(USER_BLOCKS))
def test_ours_join_the_users_trailer_block(session: Session, name: str) -> None:
    repo = session.repo
    users = USER_BLOCKS[name]
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", "body", "-m", "\n".join(users))
    assert message(repo) == "subject\n\nbody\n\n" + lines([*users, *session.first])
    before = parsed(repo, "subject\n\nbody\n\n" + lines(users))
    assert parsed(repo, message(repo)) == [*before, *session.first]
    if name == "jira":
        assert log_trailer(repo, "Jira") == ["PROJ-123"]
    assert log_trailer(repo, ID) == [session.id]


def test_a_configured_trailer_makes_a_mixed_paragraph_a_trailer_block(session: Session) -> None:
    """git takes a paragraph of 25% trailers with a configured one (trailer.<name>.key) for a block."""
    repo = session.repo
    git(repo, "config", "trailer.jira.key", "Jira")
    paragraph = "Jira: PROJ-123\nwith a line of text\nand another"
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", paragraph)
    assert message(repo) == f"subject\n\n{paragraph}\n" + lines(session.first)
    assert parsed(repo, message(repo)) == [JIRA, *session.first]
    assert log_trailer(repo, "Jira") == ["PROJ-123"]


def test_a_config_written_in_the_caches_clock_tick_is_seen(session: Session) -> None:
    """File times are coarse: a config change in the same tick as the cache may be the later
    one, so the hook renders again (and uses what it rendered, not a warning)."""
    repo = session.repo
    cache = trailers.cache_path(Repo.discover(str(repo)), "main")
    assert cache is not None and cache.exists()
    git(repo, "config", "trailer.jira.key", "Jira")
    same = (repo / ".git" / "config").stat().st_mtime_ns
    os.utime(cache, ns=(same, same))
    paragraph = "Jira: PROJ-123\nwith a line of text\nand another"
    change(repo)
    result = run_git(repo, "commit", "-q", "-m", "subject", "-m", paragraph)
    assert message(repo) == f"subject\n\n{paragraph}\n" + lines(session.first)
    assert "out of date" not in result.stderr


def test_a_mixed_paragraph_without_a_known_trailer_stays_body(session: Session) -> None:
    repo = session.repo
    paragraph = "Jira: PROJ-123\nwith a line of text"
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", paragraph)
    assert message(repo) == f"subject\n\n{paragraph}\n\n" + lines(session.first)
    assert_trailers(repo, session.first)


@pytest.mark.parametrize(
    "text",
    ["subject\n\nJira: PROJ-123", "subject\n\nbody\n\nJira: PROJ-123\n\n\n", "subject\n\n---\n\nJira: PROJ-123\n"],
    ids=["no-final-newline", "trailing-blank-lines", "dashes-paragraph"],
)
def test_file_messages_with_a_trailer_block(session: Session, tmp_path: Path, text: str) -> None:
    (tmp_path / "msg").write_text(text)
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-F", str(tmp_path / "msg"))
    kept = text.rstrip("\n") + "\n"
    assert message(session.repo) == kept + lines(session.first)
    assert parsed(session.repo, message(session.repo)) == [JIRA, *session.first]


def test_a_dashes_line_inside_the_last_paragraph_is_no_divider(session: Session) -> None:
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", "body\n---\nJira: PROJ-123")
    assert message(repo) == "subject\n\nbody\n---\nJira: PROJ-123\n\n" + lines(session.first)
    assert_trailers(repo, session.first)


@pytest.mark.parametrize("comment", ["#", ";", "auto"])
def test_editor_and_verbose_commit_keep_the_users_block(session: Session, editors: Path, comment: str) -> None:
    repo = session.repo
    git(repo, "config", "core.commentChar", comment)
    change(repo)
    editor = writes(editors, f"subject\n\nbody\n\n{JIRA}\n{COAUTHOR}\n")
    run_git(repo, "commit", "-q", "-v", env={"GIT_EDITOR": editor})
    expected = [JIRA, COAUTHOR, *session.first]
    assert message(repo) == "subject\n\nbody\n\n" + lines(expected)
    assert parsed(repo, message(repo)) == expected


def test_signoff_option_and_the_users_trailers(session: Session) -> None:
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-s", "-m", "subject", "-m", JIRA)
    signoff = "Signed-off-by: C O Mitter <committer@example.com>"
    assert message(repo) == "subject\n\n" + lines([JIRA, signoff, *session.first])
    assert log_trailer(repo, "Jira") == ["PROJ-123"]


# --- amend: ours are replaced where they are, the user's stay ------------------------------------


def test_amend_with_the_users_trailers_is_idempotent(session: Session) -> None:
    repo, sid = session.repo, session.id
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", f"{JIRA}\nDecisions: keep the old API")
    session.done("O1")
    for _ in range(2):
        run_git(repo, "commit", "-q", "--amend", "--no-edit")
        ours = block(sid, ("O2",), done=("O1",), decided=("D1 -- why",))
        assert message(repo) == "subject\n\n" + lines([JIRA, "Decisions: keep the old API", *ours])


def test_amend_after_the_user_edited_the_trailer_block(session: Session, editors: Path) -> None:
    """The user added a trailer below ours and wrapped one of ours: ours are replaced in place."""
    repo, sid = session.repo, session.id
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject")
    edit = script(editors, "edit", f"sed -i 's/^{DEC}: D1 -- why$/{DEC}: D1 --\\n  why\\n{JIRA}/' \"$1\"\n")
    run_git(repo, "commit", "-q", "--amend", env={"GIT_EDITOR": edit})
    assert message(repo) == "subject\n\n" + lines([*block(sid, ("O1", "O2")), f"{DEC}: D1 --", "  why", JIRA])
    session.done("O1")
    for _ in range(2):
        run_git(repo, "commit", "-q", "--amend", "--no-edit")
        assert message(repo) == "subject\n\n" + lines([*block(sid, ("O2",), ("O1",), ("D1 -- why",)), JIRA])
        assert log_trailer(repo, "Jira") == ["PROJ-123"]


def test_amend_with_a_new_message_that_has_the_users_trailers(session: Session) -> None:
    repo, sid = session.repo, session.id
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", "Decisions: users own, in the body\nof the first message")
    session.decide("D2", "later")
    run_git(repo, "commit", "-q", "--amend", "-m", "new subject", "-m", JIRA)
    ours = block(sid, ("O1", "O2"), decided=("D1 -- why", "D2 -- later"))
    assert message(repo) == "new subject\n\n" + lines([JIRA, *ours])
    assert parsed(repo, message(repo)) == [JIRA, *ours]


def test_reword_of_a_commit_with_the_users_trailers(session: Session, editors: Path) -> None:
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "subject", "-m", JIRA)
    run_git(repo, "commit", "-q", "--amend", env={"GIT_EDITOR": retitles(editors, "reworded")})
    assert message(repo) == "reworded\n\n" + lines([JIRA, *session.first])


# --- a property: for any message, the user's lines survive in order, and their trailers parse ------

SID = "01hzzzzzzzzzzzzzzzzzzzzzzz"
OURS = [f"{ID}: {SID}", f"{OBJ}: [open] O1", f"{DEC}: D1 -- why"]
CACHE = "\n".join(
    [
        trailers.CACHE_MAGIC,
        "ref refs/sessions/x",
        "tip " + "0" * 40,
        "comment #",
        "merge no",
        f"keys {ID} {OBJ} {DEC}",
        "head none",
        "configured ",
        *OURS,
    ]
)

words = st.text(alphabet="abcXYZ019 -:#\t", min_size=1, max_size=12)
keys = st.sampled_from([ID, OBJ, DEC, "Jira", "Signed-off-by", "Co-authored-by", "See also", "Note", "-x", "a"])
trailer_line = st.builds(lambda k, sep, v: f"{k}{sep}{v}", keys, st.sampled_from([": ", ":", " : "]), words)
any_line = st.one_of(
    words, trailer_line, st.just("---"), st.builds(lambda w: "  " + w, words), st.just("#"), st.just("")
)
paragraph = st.lists(st.one_of(any_line, trailer_line), min_size=1, max_size=5)
trailer_block = st.lists(trailer_line, min_size=1, max_size=4)


@st.composite
def user_messages(draw: st.DrawFn) -> str:
    subject = draw(st.text(alphabet="abc XYZ", min_size=1, max_size=10).filter(str.strip))
    paragraphs = draw(st.lists(paragraph, max_size=3))
    if draw(st.booleans()):
        paragraphs.append(draw(trailer_block))
    text = "\n\n".join(["\n".join(p) for p in [[subject], *paragraphs]])
    return text + draw(st.sampled_from(["", "\n", "\n\n"]))


def hook_on(where: Path, text: str, mode: str = "fresh") -> str:
    (where / "cache").write_text(CACHE + "\n")
    (where / "msg").write_text(text)
    program = where / "trailers.awk"
    program.write_bytes(trailers.shipped("git-session-trailers.awk"))
    subprocess.run(
        ["awk", "-v", f"mode={mode}", "-f", str(program), str(where / "cache"), str(where / "msg")],
        check=True,
        env={"LC_ALL": "C"},
    )
    return (where / "msg").read_text()


@settings(derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=user_messages())
def test_any_message_keeps_the_users_lines_in_order_and_their_trailers(tmp_path: Path, text: str) -> None:
    out = hook_on(tmp_path, text)
    out_lines = out.splitlines()
    start = next(i for i, line in enumerate(out_lines) if line == OURS[0])
    assert out_lines[start : start + len(OURS)] == OURS
    rest = out_lines[:start] + out_lines[start + len(OURS) :]
    assert [line for line in rest if line.strip()] == [line for line in text.splitlines() if line.strip()]
    assert parsed(tmp_path, out) == parsed(tmp_path, text + "\n") + OURS


# --- item 16: the hooks give git-session a time limit, and the commit or push goes on ------------

HANGS = "#!/bin/sh\nexec sleep 300\n"  # a git-session that never answers (the spinning history walk)
WITHIN = 30  # the test fails, rather than hangs, when a hook waits for it


@pytest.fixture
def hanging(tmp_path: Path) -> Path:
    """A folder with a git-session that never answers, to put first on PATH."""
    folder = tmp_path / "hanging-bin"
    folder.mkdir()
    (folder / "git-session").write_text(HANGS)
    (folder / "git-session").chmod(0o755)
    return folder


@pytest.fixture
def without_timeout(tmp_path: Path) -> str:
    """A PATH like this machine's, but without timeout(1) (as on macOS)."""
    folder = tmp_path / "no-timeout-bin"
    folder.mkdir()
    for directory in reversed(os.environ["PATH"].split(os.pathsep)):
        for tool in Path(directory).glob("*") if Path(directory).is_dir() else ():
            if tool.name != "timeout" and tool.is_file() and not (folder / tool.name).is_symlink():
                (folder / tool.name).symlink_to(tool)
    return str(folder)


def stale(repo: Path) -> None:
    """The session moved since its trailers were rendered: the hook must ask git-session."""
    ref = test_trailers.session_ref(repo)
    git(repo, "update-ref", ref, f"{ref}~1")


@pytest.mark.parametrize("how", ["environment", "config", "config-without-timeout(1)", "editor"])
def test_a_hanging_git_session_does_not_block_the_commit(
    session: Session, hanging: Path, without_timeout: str, editors: Path, how: str
) -> None:
    repo = session.repo
    stale(repo)
    change(repo)
    base = without_timeout if "without" in how else os.environ["PATH"]
    env = {"PATH": f"{hanging}{os.pathsep}{base}"}
    if how in ("environment", "editor"):
        env["GIT_SESSION_HOOK_TIMEOUT"] = "1"
    else:
        git(repo, "config", "session.hookTimeout", "1")
    args = ["-m", "subject"] if how != "editor" else []
    if how == "editor":
        env["GIT_EDITOR"] = writes(editors, "subject\n")
    result = subprocess.run(
        ["git", "commit", "-q", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=WITHIN,
    )
    assert result.returncode == 0, result.stderr
    assert message(repo) == "subject\n"
    assert result.stderr == (
        "git-session: no answer from git-session within 1s, see session.hookTimeout "
        "(the commit goes on without session trailers)\n"
    )


@pytest.mark.parametrize("path", ["timeout(1)", "without-timeout(1)"])
def test_a_hanging_git_session_does_not_block_the_push(
    hooked: Path, tmp_path: Path, hanging: Path, without_timeout: str, path: str
) -> None:
    (tmp_path / "push").mkdir()
    repo, remote = make_repo_with_remote(tmp_path / "push")
    ok(repo, "start", "work")
    ok(repo, "install")
    git(repo, "config", "session.autoPush", "true")
    git(repo, "config", "session.hookTimeout", "1")
    change(repo)
    git(repo, "commit", "-q", "-m", "pushed")
    base = without_timeout if path.startswith("without") else os.environ["PATH"]
    env = {**os.environ, "PATH": f"{hanging}{os.pathsep}{base}"}
    result = subprocess.run(
        ["git", "push", "-q", "origin", "main"], cwd=repo, capture_output=True, text=True, env=env, timeout=WITHIN
    )
    assert result.returncode == 0, result.stderr
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "main")
    assert result.stderr == (
        "git-session: warning: the commits being pushed were not checked for secrets: no answer from git-session "
        "within 1s, see session.hookTimeout\n"
        "git-session: warning: sessions were not pushed: no answer from git-session within 1s, "
        "see session.hookTimeout (retry with: git session push origin)\n"
    )


def test_the_shims_share_one_time_limit() -> None:
    """The time limit is written in two shims: a test pins the copies together."""

    def limit(name: str) -> str:
        text = trailers.shipped(name).decode()
        start = text.index("# How long git-session may take")
        return text[start : text.index("\n}\n", text.index("watched() {")) + 3]

    assert limit("prepare-commit-msg") == limit("pre-push")
    for shim in shims.shipped_hooks():  # and every call of git-session in a shim goes through it
        calls = [line for line in shim.data.decode().splitlines() if "git-session hook " in line.split("#")[0]]
        assert all("bounded git-session hook " in line for line in calls), (shim.name, calls)


@settings(derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=user_messages())
def test_amending_any_message_changes_nothing_more(tmp_path: Path, text: str) -> None:
    once = hook_on(tmp_path, text)
    assert hook_on(tmp_path, once, "amend") == once
    assert hook_on(tmp_path, once, "fresh") == once
