"""The lead's fixes at the merge of round 22."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ok, run


def test_doctor_fix_names_a_repair_that_failed_a_problem_not_a_fix(repo: Path) -> None:
    """agentfix22 made a read-only settings file refused instead of replaced; ``doctor --fix``
    then printed "fixed: claude: not repaired: ..." (a failure under "fixed")."""
    ok(repo, "agent", "install", "claude")
    settings = repo / ".claude/settings.local.json"
    settings.write_text("{}\n")
    settings.chmod(0o444)
    result = run(repo, "doctor", "--fix")
    assert result.exit_code == 1
    assert "fixed: claude" not in result.stdout
    assert "problem: claude: not repaired: " in result.stdout
    assert "is read-only" in result.stdout
    assert settings.read_text() == "{}\n"
    # agents23: the summary no longer promises the repair that just failed (on 33dbdc8:
    # "3 problem(s); git session doctor --fix repairs them"); once the file is writable, it holds
    # (how many problems depends on whether git-session is on the test's PATH: counted here)
    problems = sum(line.startswith("problem: ") for line in result.stdout.splitlines())
    assert result.stdout.splitlines()[-1] == f"{problems} problem(s)"
    settings.chmod(0o644)
    assert run(repo, "doctor").stdout.splitlines()[-1].endswith(" problem(s); git session doctor --fix repairs them")
    assert "fixed: put back the claude hooks" in run(repo, "doctor", "--fix").stdout
    assert "SessionStart" in settings.read_text()
