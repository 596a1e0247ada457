"""Review of handoff18: the children a handoff finds through ``metacache.may_hold``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from git_session import handoff, metacache, paths
from git_session.sessions import Workspace
from tests.test_i18_handoff_sessions import _expected, _family


def _rewrite_rest(repo: Path, old: str, new: str) -> None:
    """The cache's body with ``old`` replaced by ``new``, its checksum made to hold (a file
    written by hand, or by a version whose rest this one cannot decode)."""
    cache = paths.session_metas_cache(Workspace.open(str(repo)).repo)
    body = cache.read_bytes().split(b"\n", 1)[1].decode()
    assert old in body
    data = body.replace(old, new).encode()
    cache.write_bytes(metacache.HEADER + hashlib.sha1(data).hexdigest().encode() + b"\n" + data)


@pytest.mark.parametrize("broken", ["the child's", "another session's"])
def test_a_child_in_a_cache_whose_rest_cannot_be_decoded_is_still_found(repo: Path, broken: str) -> None:
    """A cache whose rest cannot be decoded is read from the sessions' tips (``_Rest.whole``):
    a child's line that does not name the parent as read is then no proof it is not a child
    (the line that cannot be decoded its own, or another's beside it that a hand made stale)."""
    own, children = _family(repo)
    cache = paths.session_metas_cache(Workspace.open(str(repo)).repo)
    lines = cache.read_bytes().decode().split("\n")
    count = int(lines[1])
    rest = lines[2 + count :]
    child_line = next(line for line in rest if f'"parent":"{own}"' in line and "tldr" not in line)
    if broken == "the child's":
        _rewrite_rest(repo, child_line, "null")
    else:
        _rewrite_rest(repo, child_line, child_line.replace(f'"parent":"{own}"', '"parent":null'))
        other = next(line for line in rest if "not a child 2" in line)
        _rewrite_rest(repo, other, other.replace("[", "[[", 1))
    ws = Workspace.open(str(repo))
    shown = [c["id"] for c in handoff.gather(ws, ws.find(None))["related"]["children"]]
    assert shown == _expected(repo) and sorted(shown) == sorted(children)


def test_a_child_whose_cached_fields_begin_on_the_line_before_is_still_found(repo: Path) -> None:
    """The rest is decoded as its lines joined by commas: a file (written by hand, checksum
    holding) that decodes to the very same fields with a line break moved inside a child's
    JSON (its parent on the line before) is read as the original. The child's line as read
    does not name the parent: that is no proof it is not a child."""
    own, children = _family(repo)
    cache = paths.session_metas_cache(Workspace.open(str(repo)).repo)
    lines = cache.read_bytes().decode().split("\n")[1:]
    count = int(lines[0])
    rest = lines[1 + count :]
    named = f'"parent":"{own}"'
    at = next(k for k, line in enumerate(rest) if k and named in line)
    cut = rest[at].index(",", rest[at].index(named))  # the first comma after it: between two values
    moved = [*rest[: at - 1], f"{rest[at - 1]},{rest[at][:cut]}", rest[at][cut + 1 :], *rest[at + 1 :]]
    assert len(moved) == len(rest) and own not in moved[at]

    def decoded(lines: list[str]) -> object:
        return json.loads(f"[{','.join(lines)}]")

    assert decoded(moved) == decoded(rest)  # the same fields: only a line break moved
    _rewrite_rest(repo, "\n".join(rest), "\n".join(moved))
    ws = Workspace.open(str(repo))
    shown = [c["id"] for c in handoff.gather(ws, ws.find(None))["related"]["children"]]
    assert shown == _expected(repo) and sorted(shown) == sorted(children)
