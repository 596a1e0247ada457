"""How the tests get the real coding-agent clients (issue 12): .ci/install-test-tools installs the
pinned npm packages into a cache outside the clone, and tests/agentclients.py finds them there,
failing (not skipping) in CI when they are missing."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from git_session.integrations.agent_clients import AGENT_NAMES
from tests import agentclients
from tests.agentclients import INSTALLER, PACKAGES, client_binary, pinned_version


def test_each_client_is_pinned_once_in_the_install_script() -> None:
    text = INSTALLER.read_text()
    for agent in AGENT_NAMES:
        assert text.count(PACKAGES[agent] + "@") == 1
        assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", pinned_version(agent))


def test_a_missing_client_fails_in_ci_and_is_skipped_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agentclients, "AGENTS_DIR", tmp_path)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"\.bin/codex is missing in CI: .*install-test-tools \(npm\)"):
        client_binary("codex")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"\.bin/codex is missing \(run \.ci/install-test-tools \(npm\)\)"):
        client_binary("codex")


def fake_cache(where: Path, versions: Mapping[str, str]) -> Path:
    """A cache of the clients as npm lays it out, each binary printing its version."""
    agents = where / "git-session-tests" / "agents"
    for agent in AGENT_NAMES:
        package = agents / "node_modules" / PACKAGES[agent]
        package.mkdir(parents=True)
        (package / "package.json").write_text(json.dumps({"version": versions[agent]}))
        binary = agents / "node_modules" / ".bin" / agent
        binary.parent.mkdir(exist_ok=True)
        binary.write_text(f"#!/bin/sh\necho {versions[agent]}\n")
        binary.chmod(0o755)
    return agents


def test_a_client_at_another_version_than_the_pinned_one_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    versions: dict[str, str] = {agent: pinned_version(agent) for agent in AGENT_NAMES}
    monkeypatch.setattr(agentclients, "AGENTS_DIR", fake_cache(tmp_path, {**versions, "gemini": "0.1.0"}))
    assert client_binary("claude").name == "claude"
    with pytest.raises(AssertionError, match=r"gemini 0\.1\.0 in .*: run \.ci/install-test-tools"):
        client_binary("gemini")


def run_installer(cache: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """The agents part of the install script with a stand-in npm that logs how it is called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "npm.log"
    (bin_dir / "npm").write_text(f'#!/bin/sh\necho "$PWD $*" >>{log}\n')
    (bin_dir / "npm").chmod(0o755)
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([str(INSTALLER), "agents"], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    return done, log.read_text() if log.exists() else ""


def test_the_install_step_does_nothing_when_the_pinned_versions_are_there(tmp_path: Path) -> None:
    fake_cache(tmp_path / "cache", {agent: pinned_version(agent) for agent in AGENT_NAMES})
    done, npm_calls = run_installer(tmp_path / "cache", tmp_path)
    assert (done.returncode, done.stderr, npm_calls) == (0, "", "")


def test_the_install_step_installs_the_pins_when_one_is_out_of_date(tmp_path: Path) -> None:
    versions: dict[str, str] = {agent: pinned_version(agent) for agent in AGENT_NAMES}
    agents = fake_cache(tmp_path / "cache", {**versions, "claude": "2.0.0"})
    done, npm_calls = run_installer(tmp_path / "cache", tmp_path)
    assert done.returncode == 0, done.stderr
    pins = " ".join(f"{PACKAGES[agent]}@{versions[agent]}" for agent in ("claude", "codex", "gemini"))
    assert npm_calls == f"{agents} install --no-audit --no-fund --save-exact --loglevel=error {pins}\n"


def test_the_install_step_fails_loudly_when_a_client_does_not_run(tmp_path: Path) -> None:
    agents = fake_cache(tmp_path / "cache", {agent: pinned_version(agent) for agent in AGENT_NAMES})
    (agents / "node_modules" / ".bin" / "codex").write_text("#!/bin/sh\necho broken >&2\nexit 1\n")
    done, _ = run_installer(tmp_path / "cache", tmp_path)
    assert done.returncode == 1
    assert done.stderr == f"install-test-tools: {agents}/node_modules/.bin/codex --version failed: broken\n"
