"""Issue 14, the at-risk check (fourth round): the at-risk index's lines are read by one
pattern over the whole text when every line is as ``index_line`` writes it, and line by
line otherwise, with the same answer (or the same refusal) either way."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from git_session import atrisk
from git_session.names import ID_ALPHABET, ID_PATTERN

IDS = st.text(ID_ALPHABET, min_size=26, max_size=26)
COMMITS = st.one_of(
    st.text("0123456789abcdef", min_size=40, max_size=40),
    st.text("0123456789abcdef", min_size=64, max_size=64),
    st.just("-"),
)
WRITTEN = st.builds(lambda k, c, i: f"{k} {c} {i}\n", st.sampled_from("ocr"), COMMITS, IDS)
ODD_COMMITS = st.text("0123456789abcdef?-", max_size=66)
ODD = st.one_of(  # what a damaged or hand-made file may hold
    st.builds(
        lambda k, c, i: f"{k} {c} {i}\n", st.sampled_from("ocrx?"), st.text("0123456789abcdef?-", max_size=66), IDS
    ),
    st.builds(lambda line: line + "\n", st.text(max_size=30)),
    st.builds(lambda k, c, i: f"{k} {c} {i} more\n", st.sampled_from("oc"), COMMITS, IDS),
)


def line_by_line(text: str) -> object:
    slow = re.compile("(?!)")  # matches nothing: the lines are read one by one
    real = atrisk._WELL_FORMED
    try:
        atrisk._WELL_FORMED = slow
        return atrisk._live(text)
    except atrisk._NotSaid:
        return "not said"
    finally:
        atrisk._WELL_FORMED = real


def answer(text: str) -> object:
    try:
        return atrisk._live(text)
    except atrisk._NotSaid:
        return "not said"


@settings(max_examples=400, derandomize=True, database=None)
@given(st.lists(st.one_of(WRITTEN, WRITTEN, ODD), max_size=12))
def test_the_pattern_answers_as_the_lines_do(lines: list[str]) -> None:
    text = "".join(lines)
    assert answer(text) == line_by_line(text)


def test_a_large_index_as_written_is_read_by_the_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"{'ocr'[n % 3]} {n:040x} {'0' * 20}{n:06d}\n" for n in range(10_000))
    splits: list[int] = []
    monkeypatch.setattr(atrisk, "ID_PATTERN", _Counting(ID_PATTERN, splits))
    live = atrisk._live(text)
    assert splits == []  # no line checked one by one
    assert len(live) == 6_667 and live[0] == ("o", f"{0:040x}", "0" * 26) and live[1][0] == "c"
    assert live == line_by_line(text)


class _Counting:
    def __init__(self, pattern: re.Pattern[str], calls: list[int]) -> None:
        self.pattern, self.calls = pattern, calls

    def fullmatch(self, text: str) -> re.Match[str] | None:
        self.calls.append(1)
        return self.pattern.fullmatch(text)
