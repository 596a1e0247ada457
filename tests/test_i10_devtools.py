"""The development commands (dev.py): a run that selects no test is a failure, never a pass,
and the shell linter sees every hook shim."""

from __future__ import annotations

import pytest

import dev


def test_a_test_run_that_runs_no_test_fails() -> None:
    with pytest.raises(SystemExit, match="pytest ran no tests; that is a failure"):
        dev.pytest("-m", "slow and not slow", "tests/test_i10_devtools.py")


def test_a_test_run_that_runs_tests_passes() -> None:
    dev.pytest("-m", "not slow", "tests/test_i10_devtools.py::test_shellcheck_covers_every_hook_shim")


def test_shellcheck_covers_every_hook_shim() -> None:
    names = {path.name for path in dev.shell_hooks()}
    assert names == {"prepare-commit-msg", "commit-msg", "post-rewrite", "pre-push", "agent-hook"}
