"""``redact`` leaves no copy of the text it took out in the report's derived cache (found
reviewing list16: derived files keyed by a session's old tip kept what redact removed)."""

from __future__ import annotations

from pathlib import Path

from git_session import paths
from git_session.gitrepo import Repo
from tests.helpers import as_json, ok

SECRET = "AKIA" + "J7Q2ZK5VWX3MPL4N"


def test_redact_drops_the_report_cache_that_quotes_the_entry(repo: Path) -> None:
    ok(repo, "start", "Leaky")
    ok(repo, "blocker", "add", f"key {SECRET}")
    ok(repo, "report")
    cache = paths.report_inputs_cache(Repo.discover(str(repo)))
    assert SECRET.encode() in cache.read_bytes()  # the report keeps its blockers' texts
    entry = next(b["id"] for b in as_json(repo, "show")["blockers"] if SECRET in b["text"])
    ok(repo, "redact", entry)
    assert not cache.exists() or SECRET.encode() not in cache.read_bytes()
    ok(repo, "report")
    assert SECRET.encode() not in cache.read_bytes()
