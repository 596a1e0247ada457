"""``gitcli.halved``: the one search by halving that `doctor` (histories git cannot read)
and `report` (sessions git cannot log, linked commits git cannot show) share."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from git_session import gitcli
from git_session.errors import GitError


def runner(bad: set[int], calls: list[list[int]]) -> Callable[[Sequence[int]], list[int]]:
    def run(part: Sequence[int]) -> list[int]:
        calls.append(list(part))
        if bad & set(part):
            raise GitError(f"bad {sorted(bad & set(part))}")
        return list(part)

    return run


def test_each_failing_item_is_found_alone_with_its_error_and_the_rest_is_made() -> None:
    calls: list[list[int]] = []
    split = gitcli.halved(list(range(8)), runner({2, 7}, calls), GitError("all"))
    assert split is not None
    made, alone = split
    assert sorted(n for part in made for n in part) == [0, 1, 3, 4, 5, 6]
    assert [(n, e.message) for n, e in alone] == [(2, "bad [2]"), (7, "bad [7]")]
    assert [] not in calls and len(calls) == 10


def test_one_item_is_the_failure_given_with_no_run() -> None:
    calls: list[list[int]] = []
    failed = GitError("it")
    assert gitcli.halved([5], runner({5}, calls), failed) == ([], [(5, failed)])
    assert gitcli.halved([], runner(set(), calls), failed) == ([], [])
    assert calls == []


def test_past_its_budget_it_gives_up() -> None:
    calls: list[list[int]] = []
    assert gitcli.halved(list(range(64)), runner(set(range(0, 64, 2)), calls), GitError("all"), budget=9) is None
    assert len(calls) == 9
    assert gitcli.halved(list(range(4)), runner({1}, []), GitError("all"), budget=4) is not None
