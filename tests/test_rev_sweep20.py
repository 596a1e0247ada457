"""Round 20's review of sweep20: what its fixes still let through."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import as_json, git, ok, run


def test_redact_names_a_commit_quoting_an_entry_that_starts_with_a_comment_character(repo: Path) -> None:
    """A trailer value never starts with a comment character (``trailers.one_line`` drops a
    leading ``#``: ``#4711: …`` is written ``4711: …``): the text searched for in the
    commits' messages kept it, found nothing, and redact said nothing of the commit."""
    ok(repo, "install")
    ok(repo, "start", "Work")
    ok(repo, "decision", "add", "#4711: Use vendor ACME-INTERNAL-4711", "--rationale", "cheapest")
    git(repo, "commit", "-q", "--allow-empty", "-m", "work")
    commit = git(repo, "rev-parse", "HEAD").strip()
    assert "Decisions: 4711: Use vendor ACME-INTERNAL-4711" in git(repo, "log", "-1", "--format=%B")
    decision = as_json(repo, "show")["decisions"][0]["id"]
    result = run(repo, "redact", decision[:8])
    assert result.exit_code == 0, result.output
    assert f"the message of commit {commit[:12]} quotes it in its trailers" in result.stderr
