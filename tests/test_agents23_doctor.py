"""Round 23: ``doctor --fix`` writes no git hook in a folder its owner made read-only, and
does not promise the repair that just failed (the agents' case: ``test_lead22``)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ok, run


def test_doctor_fix_writes_no_hook_in_a_read_only_folder_nor_promises_it(repo: Path) -> None:
    """On 33dbdc8 doctor --fix (run as root) chained the user's hook in a hooks folder its owner
    made read-only; refused now, its finding no longer says "(--fix chains it)"."""
    ok(repo, "install")
    hooks = repo / ".git/hooks"
    (hooks / "commit-msg").unlink()
    (hooks / "commit-msg").write_text("#!/bin/sh\nexit 0\n")
    (hooks / "commit-msg").chmod(0o755)
    hooks.chmod(0o555)
    try:
        result = run(repo, "doctor", "--fix")
        names = sorted(p.name for p in hooks.iterdir())
    finally:
        hooks.chmod(0o755)
    assert result.exit_code == 1
    assert (  # rev-agents23: doctor finds the folder read-only, and --fix does not try
        "problem: hook commit-msg: a hook that is not git-session's is in place; "
        f"{hooks} is read-only: make it writable (chmod u+w), and it can be repaired\n" in result.stdout
    )
    assert result.stdout.splitlines()[-1] == "1 problem(s)"
    assert "commit-msg.git-session-chained" not in names
    assert (hooks / "commit-msg").read_text() == "#!/bin/sh\nexit 0\n"
