"""Round 23's review of the hooks' writes (branch hooks23).

- Busybox's awk returns no number from ``fflush(file)`` (what its register held): as often
  negative as not. The program took a negative one for a failed write: every append by
  busybox's awk (Alpine's awk) was cut back by processes (sh, wc, dd) and the message
  written beside and renamed by another (mv): the cost the append avoids, on every commit.
  Only -1, what gawk and mawk return for a failed flush, is one now.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_hooks22_writes import EVERY_AWK, run_beside

MESSAGES = ["subject\n", "subject\n\nbody\n", "s" * 200 + "\n", "a\nb\nc\nd\ne\n", "subject\n\nKey: value\n"]


@pytest.mark.parametrize("awk", EVERY_AWK)
def test_every_awk_appends_our_lines_below_a_message_it_can_append_to(tmp_path: Path, awk: str) -> None:
    for i, text in enumerate(MESSAGES):
        status, written = run_beside(awk, tmp_path / str(i), text, "fresh")
        assert status == 0, text  # (appended: not written beside, nor cut back)
        assert written.startswith(text) and "Session-Id: " in written
