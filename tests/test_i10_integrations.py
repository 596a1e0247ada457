"""The integrations plug-in point (issue 10): a Protocol and a name -> implementation dict.

git's hooks, hook managers and the notes config are its first entries; `doctor` reports
every entry's findings and `uninstall` asks every entry to remove what it added. A fake
integration registered here (one small class, one dict entry, no other change) is planned,
installed, diagnosed, fixed and removed by the same code the commands run, as the agent
installers of issue 12 will be.
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from pathlib import Path

import pytest

from git_session import doctor
from git_session.cli import hints as cli_hints
from git_session.errors import UserError
from git_session.gitrepo import Repo
from git_session.integrations import commands, shims
from git_session.integrations.base import Change, Detection, Finding, Integration, Options, Plan, Result
from git_session.integrations.registry import INTEGRATIONS
from git_session.integrations.settings import NOTES_CONFIG
from tests.helpers import git, make_repo, ok, run

FAKE_TEXT = b'{"hooks": {"on-start": "git session brief"}}\n'
NAMES = ", ".join(shim.name for shim in shims.shipped_hooks())
CONFIG_OK = "ok: config: notes follow amend and rebase (notes.rewriteRef and friends)\n"


class FakeAgent:
    """An integration written the way an agent installer will be: it owns one file."""

    name = "fake-agent"

    def _path(self, repo: Repo) -> Path:
        return Path(repo.workdir or repo.git_dir) / ".fake-agent.json"

    def detect(self, repo: Repo) -> Detection:
        path = self._path(repo)
        return Detection(True, path.exists() and path.read_bytes() == FAKE_TEXT, str(path))

    def plan(self, repo: Repo, options: Options) -> Plan:
        detection = self.detect(repo)
        change = (
            Change("unchanged", detection.where, done=False)
            if detection.installed
            else Change("installed", detection.where)
        )
        return Plan(self.name, detection.where, (change,), options)

    def install(self, repo: Repo, plan: Plan) -> Result:
        if any(change.done for change in plan.changes):
            self._path(repo).write_bytes(FAKE_TEXT)
        return Result(self.name, plan.changes)

    def uninstall(self, repo: Repo) -> Result:
        if not self.detect(repo).installed:
            return Result(self.name)
        self._path(repo).unlink()
        return Result(self.name, (Change("removed", str(self._path(repo))),))

    def diagnose(self, repo: Repo) -> list[Finding]:
        where = self.detect(repo)
        if not where.installed:
            return [Finding("problem", self.name, f"{where.where} is missing", fixable=True)]
        return [Finding("ok", self.name, f"wired in {where.where}")]

    def fix(self, repo: Repo, findings: Sequence[Finding]) -> list[str]:
        self._path(repo).write_bytes(FAKE_TEXT)
        return [f"wrote {self._path(repo)}"]


FAKE: Integration = FakeAgent()  # mypy proves the class satisfies the Protocol


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Integration:
    monkeypatch.setitem(INTEGRATIONS, FAKE.name, FAKE)
    return FAKE


def hooks_dir(repo: Path) -> Path:
    return repo / ".git" / "hooks"


def tree(folder: Path) -> dict[str, tuple[bytes, int]] | None:
    """Every file below ``folder`` with its bytes and mode; None when the folder is absent."""
    if not folder.exists():
        return None
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): (p.read_bytes(), stat.S_IMODE(p.lstat().st_mode)) for p in files}


def state(repo: Path, hooks: Path) -> tuple[object, ...]:
    """What install may change: the hooks folder, the config file, the record."""
    record = repo / ".git" / "git-session" / "hooks-installed"
    return (tree(hooks), (repo / ".git" / "config").read_bytes(), record.exists())


# --- the registry ----------------------------------------------------------------------


def test_the_registry_holds_git_hooks_hook_managers_and_the_notes_config_by_their_names() -> None:
    assert list(INTEGRATIONS) == ["git-hooks", "hook-managers", "notes-config", "claude", "codex", "gemini"]
    assert all(integration.name == name for name, integration in INTEGRATIONS.items())


def test_each_integration_detects_its_part(repo: Path) -> None:
    found = {name: i.detect(Repo.discover(str(repo))) for name, i in INTEGRATIONS.items()}
    assert found["git-hooks"] == Detection(True, False, str(hooks_dir(repo)))
    assert found["hook-managers"] == Detection(False, False, str(hooks_dir(repo)))
    assert found["notes-config"] == Detection(True, False, str(repo / ".git" / "config"))
    ok(repo, "install")
    installed = {name: i.detect(Repo.discover(str(repo))).installed for name, i in INTEGRATIONS.items()}
    agents = {"claude": False, "codex": False, "gemini": False}  # `git session agent install` puts them in place
    assert installed == {"git-hooks": True, "hook-managers": False, "notes-config": True, **agents}


def test_installing_through_the_registry_is_what_git_session_install_does(tmp_path: Path) -> None:
    by_command, by_registry = make_repo(tmp_path, "command"), make_repo(tmp_path, "registry")
    ok(by_command, "install")
    repo = Repo.discover(str(by_registry))
    results = [commands.install_one(repo, name, Options()) for name in ("git-hooks", "notes-config")]
    assert [c.action for c in results[0].changes] == ["installed"] * len(shims.shipped_hooks())
    assert [c.subject for c in results[1].changes] == [f"{s.key}={s.value}" for s in NOTES_CONFIG]
    assert tree(hooks_dir(by_registry)) == tree(hooks_dir(by_command))
    assert git(by_registry, "config", "--list", "--local") == git(by_command, "config", "--list", "--local")
    installed_by_install = ("git-hooks", "hook-managers", "notes-config")  # not the agents' (agent install)
    assert not any(r.changed for r in (commands.install_one(repo, n, Options()) for n in installed_by_install))


def test_the_git_hooks_plan_refuses_core_hooks_path_before_anything_is_written(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", "custom")
    hooks = INTEGRATIONS["git-hooks"]
    with pytest.raises(UserError, match=r"core\.hooksPath is set to custom"):
        hooks.plan(Repo.discover(str(repo)), Options())
    plan = hooks.plan(Repo.discover(str(repo)), Options(force=True))
    assert plan.where == str(repo / "custom")
    assert [c.subject for c in plan.changes] == [s.name for s in shims.shipped_hooks()]
    assert not (repo / "custom").exists()


def test_the_hook_managers_plan_is_the_snippets_to_add_by_hand(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", ".husky/_")
    (repo / ".husky/_").mkdir(parents=True)
    plan = INTEGRATIONS["hook-managers"].plan(Repo.discover(str(repo)), Options(manual=True))
    assert plan.changes == () and [s.manager for s in plan.manual] == ["husky"]


# --- a new integration: one class, one dict entry ------------------------------------------


def test_a_new_integration_is_diagnosed_fixed_and_removed_by_doctor_and_uninstall(
    repo: Path, fake: Integration
) -> None:
    ok(repo, "install")
    path = repo / ".fake-agent.json"
    ok_lines = f"ok: hooks: {NAMES} in {hooks_dir(repo)}\n{CONFIG_OK}"
    result = run(repo, "doctor")
    assert (result.exit_code, result.stdout) == (
        1,
        f"{ok_lines}problem: fake-agent: {path} is missing\n1 problem(s); git session doctor --fix repairs them\n",
    )
    assert commands.install_one(Repo.discover(str(repo)), fake.name, Options()).changed
    assert path.read_bytes() == FAKE_TEXT
    assert ok(repo, "doctor") == f"{ok_lines}ok: fake-agent: wired in {path}\n"
    path.unlink()
    assert ok(repo, "doctor", "--fix") == f"fixed: wrote {path}\n{ok_lines}ok: fake-agent: wired in {path}\n"
    out = ok(repo, "uninstall")
    assert out.endswith(f"Removed {path}\n")
    assert f"Removed {hooks_dir(repo) / 'prepare-commit-msg'}\n" in out and "Unset notes.rewriteMode" in out
    assert not path.exists()
    assert ok(repo, "uninstall") == "git-session is not installed here: nothing to remove\n"


def test_only_the_new_integration_installed_is_still_removed_by_uninstall(repo: Path, fake: Integration) -> None:
    commands.install_one(Repo.discover(str(repo)), fake.name, Options())
    assert ok(repo, "uninstall") == f"Removed {repo / '.fake-agent.json'}\n"


# --- doctor: every integration's findings ---------------------------------------------------


def test_doctor_lists_a_problem_of_each_integration(repo: Path, fake: Integration) -> None:
    ok(repo, "install")
    (hooks_dir(repo) / "post-rewrite").unlink()
    git(repo, "config", "--unset", "notes.rewriteMode")
    handle = Repo.discover(str(repo))
    report = doctor.doctor(handle)
    own = {name: integration.diagnose(handle) for name, integration in INTEGRATIONS.items()}
    assert report.findings == tuple(f for findings in own.values() for f in findings)
    assert {name for name, findings in own.items() if any(f.level == "problem" for f in findings)} == {
        "git-hooks",
        "notes-config",
        "fake-agent",
    }
    out = run(repo, "doctor").stdout
    assert f"problem: hook post-rewrite: missing from {hooks_dir(repo)}\n" in out
    assert "problem: config notes.rewriteMode: not set (wanted: cat_sort_uniq)\n" in out
    assert f"problem: fake-agent: {repo / '.fake-agent.json'} is missing\n" in out
    assert out.endswith("3 problem(s); git session doctor --fix repairs them\n")


def test_doctor_hears_the_hook_managers_integration_when_a_manager_owns_the_hooks(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", ".husky/_")
    (repo / ".husky/_").mkdir(parents=True)
    handle = Repo.discover(str(repo))
    assert INTEGRATIONS["git-hooks"].diagnose(handle) == []
    [finding] = INTEGRATIONS["hook-managers"].diagnose(handle)
    assert finding.level == "warning" and not finding.fixable
    shown = cli_hints.noted(finding.message, finding.advice)  # as the command line spells its advice
    assert run(repo, "doctor").stdout.startswith(f"warning: hooks: {shown}\n")


# --- uninstall leaves the repository as it was ----------------------------------------------


def test_uninstall_leaves_an_untouched_repository_byte_for_byte_as_it_was(repo: Path) -> None:
    before = state(repo, hooks_dir(repo))
    assert before[0] is None  # an empty template: no hooks folder at all
    ok(repo, "install")
    assert state(repo, hooks_dir(repo)) != before
    ok(repo, "uninstall")
    assert state(repo, hooks_dir(repo)) == before


@pytest.mark.parametrize("hooks_path", [None, "custom"])
def test_uninstall_puts_back_a_users_hooks_and_config_byte_for_byte(repo: Path, hooks_path: str | None) -> None:
    if hooks_path is not None:
        git(repo, "config", "core.hooksPath", hooks_path)
    folder = repo / hooks_path if hooks_path else hooks_dir(repo)
    folder.mkdir()
    (folder / "pre-commit").write_text("#!/bin/sh\necho mine\n")
    (folder / "pre-commit").chmod(0o750)
    (folder / "post-update.sample").write_text("#!/bin/sh\n")
    git(repo, "config", "notes.rewriteRef", "refs/notes/commits")
    git(repo, "config", "notes.rewriteMode", "concatenate")
    before = state(repo, folder)
    ok(repo, "install", "--force")
    assert state(repo, folder) != before
    ok(repo, "uninstall")
    assert state(repo, folder) == before


def test_uninstall_after_a_manual_install_leaves_the_config_as_it_was(repo: Path) -> None:
    before = state(repo, hooks_dir(repo))
    ok(repo, "install", "--manual")
    ok(repo, "uninstall")
    assert state(repo, hooks_dir(repo)) == before
