"""``list`` colours every status by its word, as ``status`` does (the padded word was looked
up, so only the nine-letter ones, ``completed`` and ``abandoned``, were ever coloured)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from git_session.cli import cli
from tests.helpers import ok


def test_every_status_in_list_has_its_colour(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok(repo, "start", "Busy")
    monkeypatch.chdir(repo)
    listed = CliRunner().invoke(cli, ["list"], color=True).stdout
    assert click.style("active", fg="green") + "   " in listed
    ok(repo, "pause")
    listed = CliRunner().invoke(cli, ["list"], color=True).stdout
    assert click.style("paused", fg="yellow") + "   " in listed
