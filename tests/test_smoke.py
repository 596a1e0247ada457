from pathlib import Path

from tests.helpers import as_json, ok


def test_start_and_status(repo: Path) -> None:
    ok(repo, "start", "Fix the bug", "-o", "Reproduce")
    state = as_json(repo, "status")
    assert state["title"] == "Fix the bug"
    assert [o["text"] for o in state["objectives"]] == ["Reproduce"]
