"""The README's quick start is exactly the two commands CI runs, and they exist."""

from __future__ import annotations

import re
from pathlib import Path

import dev

ROOT = Path(__file__).resolve().parent.parent


def quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert block, "README.md must start with a sh code block"
    assert readme.index(block.group(0)) < readme.index("\n## "), "the quick start comes first"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_two_commands_that_ci_runs() -> None:
    commands = quick_start()
    assert commands == ["python3 dev.py demo", "python3 dev.py test"]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert [line for line in ci if line.startswith("python3 ")] == commands
    for command in commands:
        assert command.split()[-1] in dev.COMMANDS
