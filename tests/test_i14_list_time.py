"""Issue 14, ``list`` of 10,000 sessions: a row's time is worked out from the day's text
(once per day) and the seconds into it, never a ``datetime`` per row; it is the time
``local_time`` gives, in the writer's own offset, on either side of midnight and of the
epoch, in any offset git writes."""

from __future__ import annotations

import random

from git_session.plaintext import local_time, when

OFFSETS = ("+0000", "-0000", "+0100", "-0100", "+0530", "-0930", "+1400", "-1200", "+2359", "-2359")


def _strftime(epoch: int, tz: str) -> str:
    return local_time(epoch, tz).strftime("%Y-%m-%d %H:%M")


def test_a_row_s_time_is_the_local_time_in_the_writer_s_offset() -> None:
    edges = [0, 59, 60, 3599, 3600, 86399, 86400, 951782400, 4107542399, 253402214400]  # 2000-02-29, 2100
    picked = random.Random(14).sample(range(253402214400), 2000)
    for epoch in [*edges, *picked]:
        for tz in OFFSETS:
            assert when(epoch, tz) == _strftime(epoch, tz), (epoch, tz)
    assert when(0, "-0100") == "1969-12-31 23:00"
    assert when(1796056291, "+0530") == "2026-11-30 22:01"
