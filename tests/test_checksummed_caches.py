"""The derived caches written whole with a checksum (``gitrepo.write_checksummed``): one
that checks out but nests too deeply to decode is ignored, as a damaged one is (the
report's cache crashed every report that way; the list's cache is its sibling)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from git_session import metacache, paths
from git_session.gitrepo import Repo, read_checksummed, write_checksummed
from tests.helpers import ok


def test_a_session_list_cache_nested_too_deeply_is_ignored(repo: Path) -> None:
    ok(repo, "start", "Listed")
    shown = ok(repo, "list")
    cache = paths.session_metas_cache(Repo.discover(str(repo)))
    assert cache.exists()
    body = b"[" * 200_000 + b"]" * 200_000
    cache.write_bytes(metacache.HEADER + hashlib.sha1(body).hexdigest().encode() + b"\n" + body)
    assert ok(repo, "list") == shown


def test_a_checksummed_file_reads_back_and_refuses_any_change(tmp_path: Path) -> None:
    target = tmp_path / "derived" / "cache"
    write_checksummed(target, b"header 1 ", b"{}")
    assert read_checksummed(target, b"header 1 ") == b"{}"
    assert read_checksummed(target, b"header 2 ") is None
    target.write_bytes(target.read_bytes() + b" ")
    assert read_checksummed(target, b"header 1 ") is None
    assert read_checksummed(tmp_path / "none", b"header 1 ") is None
