"""A hermetic seal around every test: own HOME, no user or system git config,
fixed identities and dates, an empty template directory, no editor."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from git_session.gitrepo import restore_umask
from tests.helpers import FIXED_DATE, make_repo, needed_root

_DROP_PREFIXES = ("GIT_", "XDG_")
_DROP = {"NO_COLOR", "EMAIL", "PAGER"}


@pytest.fixture(autouse=True)
def hermetic_seal(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path_factory.mktemp("home")
    templates = tmp_path_factory.mktemp("templates")
    for name in list(os.environ):
        if name.startswith(_DROP_PREFIXES) or name in _DROP:
            monkeypatch.delenv(name)
    settings = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "A U Thor",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "C O Mitter",
        "GIT_COMMITTER_EMAIL": "committer@example.com",
        "GIT_AUTHOR_DATE": FIXED_DATE,
        "GIT_COMMITTER_DATE": FIXED_DATE,
        "GIT_TEMPLATE_DIR": str(templates),
        "GIT_EDITOR": "false",
        "GIT_PAGER": "cat",
        "TZ": "UTC",
        "LC_ALL": "C.UTF-8",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    yield
    restore_umask()  # (a shared repository's, when a test used one's private folder without a command: its end)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository on branch ``main`` with one commit."""
    return make_repo(tmp_path)


@pytest.fixture
def as_root() -> None:
    """The test needs root (``needed_root``): failed in CI without it, skipped elsewhere."""
    needed_root()
