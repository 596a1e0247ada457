"""A pull does not load what it does not run: the install machinery (``integrations.commands``,
which the hooks' install needs) is imported by ``effects.install`` alone, not by the modules a
pull goes through."""

from __future__ import annotations

import subprocess
import sys

PULL_MODULES = "git_session.cli.sharing, git_session.effects, git_session.sharing, git_session.autoreattach"


def test_the_modules_a_pull_runs_do_not_import_the_install_machinery() -> None:
    code = f"import sys, {PULL_MODULES}; print('git_session.integrations.commands' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "False\n"
