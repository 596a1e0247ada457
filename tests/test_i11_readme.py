"""The README's examples run as written (issue 11): each line of "A session in one minute"
and "Commits carry the session", in a shell, in a fresh repository. The one edit is the
objective id, which is random: the README's `k3m8` becomes the id `start` printed there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.helpers import make_repo, make_two_clones

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
README_ID = "k3m8"


def example(title: str) -> list[str]:
    """The commands of the sh block under a README heading, continuation lines joined,
    comments and expected-output lines (``#   …``) left out."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(f"## {title}\n") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, f"no sh block under {title!r}"
    joined = block.group(1).replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def expected_output(title: str) -> list[str]:
    """The ``#   `` lines of a block: the output the README shows."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(f"## {title}\n") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block
    return [line[1:].removeprefix("   ") for line in block.group(1).splitlines() if line.startswith("#")]


def sh(repo: Path, command: str) -> str:
    done = subprocess.run(["sh", "-c", command], cwd=repo, env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, f"{command}\n-> {done.returncode}\n{done.stdout}{done.stderr}"
    return done.stdout


def test_a_session_in_one_minute_and_its_commit_run_as_written(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    started = ""
    for command in example("A session in one minute"):
        if README_ID in command:
            printed = re.search(r"objective (\S+) Fix the lock order", started)
            assert printed, started
            command = command.replace(README_ID, printed.group(1))
        out = sh(repo, command)
        if " start " in command:
            started = out
    assert "Reproduce in a test" in sh(repo, "git session status")
    sh(repo, "git session resume")
    (repo / "sweep.c").write_text("/* the fix */\n")  # the change the README's commit commits
    sh(repo, "git add sweep.c")
    commands = example("Commits carry the session")
    shown = ""
    for command in commands:
        shown = sh(repo, command)
    session_id = re.search(r"^Session-Id: (\S+)$", shown, re.M)
    assert session_id, shown
    readme_id = re.search(r"^Session-Id: (\S+)$", "\n".join(expected_output("Commits carry the session")), re.M)
    assert readme_id
    expected = [
        line.replace(readme_id.group(1), session_id.group(1)) for line in expected_output("Commits carry the session")
    ]
    assert shown.rstrip("\n").splitlines() == expected  # (%B ends with a blank line the README leaves out)


TEAMMATE_ID = "7kq2"  # the README's teammate session id


def test_sharing_with_a_team_runs_as_written_between_two_clones(tmp_path: Path) -> None:
    """A teammate (bob) pushes a session of his branch; the README's block, run in
    another clone (alice, on main), pulls it, lists it and continues it."""
    _, alice, bob = make_two_clones(tmp_path)
    sh(bob, "git switch -q -c fix-lock")
    sh(bob, 'git session start "Fix the lock order" -o "Reproduce in a test"')
    sh(bob, 'git session decision add "Take the locks in address order" --rationale "no cycle"')
    assert sh(bob, "git session push") == "Pushed 1 session(s) to origin\n"
    teammate = sh(bob, "git session status --json")
    listed = ""
    outputs = []
    for command in example("Sharing with a team"):
        if TEAMMATE_ID in command:
            printed = re.match(r"(\S+)  active ", listed)
            assert printed, listed
            command = command.replace(TEAMMATE_ID, printed.group(1))
        out = sh(alice, command)
        outputs.append(out)
        if "list --remote" in command:
            listed = out
    short = listed.split()[0]
    assert outputs[:2] == ["Everything up to date on origin\n", "Pulled from origin: 1 new\n"]
    assert listed.endswith("  fix-lock                        Fix the lock order\n")
    assert teammate.split('"id": "')[1].startswith(short)
    assert re.fullmatch(r"Started session \S+ 'Fix the lock order' on branch main\n", outputs[3]), outputs[3]
    brief = sh(alice, "git session brief").splitlines()
    assert brief[2:] == [
        f"Continues session {short}: Fix the lock order (active)",
        "## Open objectives",
        brief[4],
        "## Decisions inherited from the parent session",
        "- Take the locks in address order — because no cycle",
    ]
    assert re.fullmatch(r"- \S{4} Reproduce in a test", brief[4]), brief
