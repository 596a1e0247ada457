"""The import layers contract (pyproject's [tool.importlinter], checked by `lint-imports` in
`python3 dev.py test`) covers every module of the package: a module named in no layer would be
free to import anything, so a new module fails here until it is given its layer."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import git_session

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info < (3, 11) and not os.environ.get("CI"):  # CI runs 3.11: there, never a skip
    pytest.skip("import-linter needs Python 3.11", allow_module_level=True)


def contracts() -> list[dict[str, Any]]:
    toml = importlib.import_module("tomllib")  # by name: mypy checks for Python 3.10, which lacks it
    with open(ROOT / "pyproject.toml", "rb") as file:
        found: list[dict[str, Any]] = toml.load(file)["tool"]["importlinter"]["contracts"]
    return found


def modules(layer: str) -> set[str]:
    """The modules a layer names (``a : b``, ``a | (b)``; parentheses mark an optional one)."""
    return {name.strip().strip("()") for name in re.split(r"[|:]", layer)}


def layers() -> list[set[str]]:
    """The layers, from the front ends down."""
    return [modules(layer) for layer in next(c for c in contracts() if c["type"] == "layers")["layers"]]


def layered() -> set[str]:
    return set().union(*layers())


def top_level_modules() -> set[str]:
    return {module.name for module in pkgutil.iter_modules(git_session.__path__)}


def test_every_module_of_the_package_is_in_a_layer() -> None:
    missing = top_level_modules() - layered()
    assert not missing, f"add {sorted(missing)} to a layer in pyproject.toml's [tool.importlinter]"


def test_the_layers_name_no_module_that_is_gone() -> None:
    assert layered() - top_level_modules() == set()


def test_the_click_ban_covers_every_module_below_the_output_layer() -> None:
    forbidden = next(c for c in contracts() if c["type"] == "forbidden")
    assert forbidden["forbidden_modules"] == ["click"]
    banned = {name.removeprefix("git_session.") for name in forbidden["source_modules"]}
    _main, command_line, mcp_server, output, *below = layers()
    assert (command_line, mcp_server) == ({"cli"}, {"mcp"}) and "render" in output
    assert banned == set().union(*below)
