"""A session written at an offset of a day or more (git takes ``+2400``; anyone may push one)
is shown in every format, its times in ISO 8601 with that offset (found reviewing list16:
``list`` crashed on it; ``--json``, ``show`` and ``handoff`` went through the same
``timezone``, which cannot hold a day)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import ok, run

AT = {"GIT_AUTHOR_DATE": "@1000000000 +2400", "GIT_COMMITTER_DATE": "@1000000000 +2400"}


@pytest.mark.parametrize(
    "args",
    [["list", "--all", "--json"], ["show", "--json"], ["log", "--json"], ["handoff", "--format", "json"], ["status"]],
)
def test_a_session_at_a_day_of_offset_is_shown_with_it(repo: Path, args: list[str]) -> None:
    result = run(repo, "start", "Far east", env=AT)
    assert result.exit_code == 0, result.output
    out = ok(repo, *args)
    if args[-1] == "json" or args[-1] == "--json":
        assert "2001-09-10T01:46:40+24:00" in json.dumps(json.loads(out))
