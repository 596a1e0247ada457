"""The files shipped inside the package, read in one place.

Two kinds today: the hook shims (``hooks/`` of the source tree, packaged as
``git_session.hooks`` by pyproject's package-dir mapping) and the default templates
(``git_session/templates``). Completion scripts and report templates join them here.
Everything is read with ``importlib.resources``, so a zip or wheel install serves them too
(a template straight from its file when the package is plain files).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable

HOOKS = "git_session.hooks"
# (importlib.resources is imported where a file is read through it: it imports zipfile and its
# readers, about 3 ms of a command's CPU that the plain files below do without)


def hook_names() -> frozenset[str]:
    """The names of the files shipped in hooks/ (the shims and what they run)."""
    return frozenset(item.name for item in _files(HOOKS).iterdir() if item.is_file())


def hook(name: str) -> bytes:
    """A file of hooks/: a hook shim, or the awk program the commit hooks run (written
    after every link): read as a plain file when the package is one, as ``template`` does."""
    shipped = importlib.import_module(HOOKS)  # (a package of no code: its folder, found as any import finds it)
    for folder in getattr(shipped, "__path__", ()):
        try:
            with open(os.path.join(folder, name), "rb") as plain:
                return plain.read()
        except OSError:  # a zip or another loader's install
            break
    return _files(HOOKS).joinpath(name).read_bytes()


@contextmanager
def hook_file(name: str) -> Iterator[Path]:
    """A path to a file of hooks/ for as long as the block runs (a temporary copy when the
    package is not installed as plain files)."""
    from importlib import resources

    with resources.as_file(_files(HOOKS).joinpath(name)) as path:
        yield path


def template(name: str) -> str:
    """A shipped default template (handoff.md.j2, handoff.html.j2, adr.md.j2): read as a
    plain file when the package is one (``importlib.resources`` would import its readers and
    ``zipfile`` for it: about 2 ms of a handoff's CPU), else through them."""
    try:
        with open(os.path.join(_TEMPLATES, name), encoding="utf-8") as shipped:
            return shipped.read()
    except OSError:  # a zip or another loader's install
        return _files("git_session").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


def _files(package: str) -> Traversable:
    """A package's files, through importlib.resources (imported here, when they are read so)."""
    from importlib import resources

    return resources.files(package)


def completion_script(shell: str) -> str:
    """The completion script for ``shell`` (bash, zsh or fish), from completion/."""
    name = f"git-session.{shell}"
    return _files("git_session").joinpath("completion").joinpath(name).read_text(encoding="utf-8")
