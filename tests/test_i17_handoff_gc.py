"""The console script's early handoff (``launch``) runs without the cyclic collector, and the
exit that follows does not walk the heap (ISSUE14: handoff): the collector went over every
imported module's objects while the handoff's many small values were built and once more as
the interpreter ended, about a tenth of the command's CPU, to free a few hundred objects.
When the early answer declines, the command line runs with the collector as it always does."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from git_session import handoff, launch, quickhandoff
from git_session.sessions import Workspace
from tests.helpers import git, ok


@pytest.fixture(autouse=True)
def collector() -> Iterator[None]:
    """Whatever a test does to the collector is undone (this process is pytest's)."""
    yield
    gc.enable()
    gc.unfreeze()


def _answering(monkeypatch: pytest.MonkeyPatch, answer: str | None, seen: list[bool]) -> None:
    def text(args: list[str]) -> str | None:
        seen.append(gc.isenabled())
        return answer

    monkeypatch.setattr(quickhandoff, "text", text)
    monkeypatch.setattr(launch, "_plain_stdout", lambda: True)


def test_the_early_answer_is_built_without_the_collector_and_frozen_after(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[bool] = []
    _answering(monkeypatch, "# Handoff\n", seen)
    gc.unfreeze()
    assert launch._handed_off(["handoff"])
    assert seen == [False]
    assert gc.get_freeze_count() > 0  # the exit's collection has nothing left to walk
    assert capsys.readouterr().out == "# Handoff\n"


def test_a_declined_answer_leaves_the_collector_to_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    _answering(monkeypatch, None, seen)
    gc.unfreeze()
    assert not launch._handed_off(["handoff"])
    assert seen == [False]
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_an_error_while_answering_gives_the_collector_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def text(args: list[str]) -> str | None:
        raise KeyboardInterrupt

    monkeypatch.setattr(quickhandoff, "text", text)
    monkeypatch.setattr(launch, "_plain_stdout", lambda: True)
    with pytest.raises(KeyboardInterrupt):
        launch._handed_off(["handoff"])
    assert gc.isenabled() and gc.get_freeze_count() == 0


def _garbage_of_a_handoff(repo: Path, fmt: str) -> int:
    """The objects only the cyclic collector would free, of one handoff in ``fmt``."""
    ws = Workspace.open(str(repo))
    found = ws.find(None)
    gc.collect()
    gc.disable()
    text = handoff.handoff(ws, found, fmt)
    assert text
    del text
    garbage = gc.collect()
    gc.enable()
    return garbage


@pytest.mark.slow  # forty commits
def test_what_the_collector_would_free_does_not_grow_with_the_history(repo: Path) -> None:
    """Why running without it is sound: a handoff leaves a few dozen objects in cycles (the
    template's machinery), however many commits it shows."""
    ok(repo, "start", "Garbage")
    ok(repo, "decision", "add", "Count the cycles")
    counts = []
    for fmt in ("markdown", "json", "html"):  # the first rendering of each loads its template once
        _garbage_of_a_handoff(repo, fmt)
    for total in (2, 40):
        while int(git(repo, "rev-list", "--count", "HEAD")) < total + 1:
            n = git(repo, "rev-list", "--count", "HEAD").strip()
            (repo / f"f{n}.txt").write_text(f"{n}\n")
            git(repo, "add", f"f{n}.txt")
            git(repo, "commit", "-q", "-m", f"Add f{n}")
        counts.append([_garbage_of_a_handoff(repo, fmt) for fmt in ("markdown", "json", "html")])
    assert counts[0] == counts[1], counts
    assert max(counts[1]) < 200, counts
