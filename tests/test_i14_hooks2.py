"""Issue 14, the commit path (second round): what each hook starts, and with which awk.

The prepare-commit-msg hook starts mawk where there is one: gawk takes twice its time to
start, about a third of what the hooks add to a commit. The program keeps to POSIX awk, so
every awk found must write the same message; the hook falls back to ``awk`` without mawk.
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
from tests.test_trailers import DEC, ID, OBJ, Session, change, lines, message, run_git, script
from tests.test_trust_hooks import user_messages

hooked = test_trailers.hooked
session = test_trailers.session


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
@pytest.mark.skipif(len(AWKS) < 2, reason="one awk on this machine")
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
    run_git(session.repo, "commit", "-q", "-m", "subject", env=env)
    assert log.read_text().split() == ["git", "mawk"]
    assert message(session.repo) == "subject\n\n" + lines(session.first)


def test_without_mawk_the_hook_starts_awk(session: Session, tmp_path: Path) -> None:
    real_awk, git = shutil.which("awk"), shutil.which("git")
    assert real_awk is not None and git is not None
    log = tmp_path / "started"
    env = logging_tools(tmp_path / "bin", log, {"awk": real_awk, "git": git})
    change(session.repo)
    run_git(session.repo, "commit", "-q", "-m", "subject", env=env)
    assert log.read_text().split() == ["git", "awk"]
    assert message(session.repo) == "subject\n\n" + lines(session.first)
