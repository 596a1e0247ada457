"""git session install / uninstall / doctor, against real git: where the hooks go, how a
hook already there keeps running (arguments, standard input, failure), what uninstall
puts back, core.hooksPath and hook managers, the notes config, and doctor's repairs."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from git_session import gitrepo
from git_session.integrations import hook_managers, settings, shims
from tests.helpers import fails, git, make_repo, ok, run, subprocess_cli

ROOT = Path(__file__).resolve().parents[1]
SHIMS = shims.shipped_hooks()
NAMES = [shim.name for shim in SHIMS]
CONFIG_LINES = [f"Set {s.key}={s.value}" for s in settings.NOTES_CONFIG]
CHAINED = shims.CHAINED_SUFFIX
OLD_SHIM = (ROOT / "fixtures" / "old-format" / "commit-msg-v0").read_bytes()  # installed by an earlier git-session


def hooks_dir(repo: Path) -> Path:
    return repo / git(repo, "rev-parse", "--git-path", "hooks").strip()


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in a folder: its bytes and its mode."""
    return {p.name: (p.read_bytes(), stat.S_IMODE(p.lstat().st_mode)) for p in sorted(folder.iterdir()) if p.is_file()}


def recorder(path: Path, name: str, log: Path, *, status: int = 0, mode: int = 0o755) -> bytes:
    """A hook that appends its name, its arguments and (for post-rewrite) its stdin to ``log``."""
    stdin = f"sed 's/^/stdin: /' >> '{log}'\n" if name == "post-rewrite" else ""
    script = (
        "#!/bin/sh\n"
        f"{{ printf '%s' '{name}'; for a in \"$@\"; do printf ' [%s]' \"$a\"; done; echo; }} >> '{log}'\n"
        f"{stdin}exit {status}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script)
    path.chmod(mode)
    return script.encode()


def log_lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def commit(repo: Path, *args: str) -> None:
    git(repo, "commit", "-q", "--allow-empty", *args)


# --- where, what, and twice ----------------------------------------------------------------


def test_install_writes_the_shims_where_git_looks(repo: Path) -> None:
    out = ok(repo, "install")
    folder = hooks_dir(repo)
    assert folder == repo / ".git/hooks"
    hooks = "\n".join(f"  {name:<19} installed" for name in NAMES)
    assert out == f"Hooks in {folder}:\n{hooks}\n" + "\n".join(CONFIG_LINES) + "\n"
    for shim in SHIMS:
        path = folder / shim.name
        assert path.read_bytes() == shim.data
        assert stat.S_IMODE(path.stat().st_mode) == 0o755
        assert b"# git-session hook v" in shim.data


def test_install_twice_changes_nothing(repo: Path, tmp_path: Path) -> None:
    recorder(repo / ".git/hooks/prepare-commit-msg", "prepare-commit-msg", tmp_path / "log")
    ok(repo, "install")
    before = snapshot(hooks_dir(repo)), snapshot(repo / ".git/git-session"), (repo / ".git/config").read_bytes()
    assert ok(repo, "install") == f"git-session is already installed in {hooks_dir(repo)}; nothing changed\n"
    after = snapshot(hooks_dir(repo)), snapshot(repo / ".git/git-session"), (repo / ".git/config").read_bytes()
    assert after == before
    assert f"prepare-commit-msg{CHAINED}" in before[0] and f"prepare-commit-msg{CHAINED}{CHAINED}" not in before[0]


def test_an_outdated_shim_is_replaced_and_its_chained_hook_kept(repo: Path, tmp_path: Path) -> None:
    chained = recorder(repo / ".git/hooks/commit-msg", "commit-msg", tmp_path / "log")
    ok(repo, "install")
    old = repo / ".git/hooks/commit-msg"
    old.write_bytes(OLD_SHIM)
    out = ok(repo, "install")
    assert "  commit-msg          updated\n" in out
    assert old.read_bytes() == dict((s.name, s.data) for s in SHIMS)["commit-msg"]
    assert (repo / f".git/hooks/commit-msg{CHAINED}").read_bytes() == chained


def test_a_foreign_hook_and_a_chained_one_both_there_is_refused(repo: Path, tmp_path: Path) -> None:
    recorder(repo / ".git/hooks/commit-msg", "commit-msg", tmp_path / "log")
    recorder(repo / f".git/hooks/commit-msg{CHAINED}", "old", tmp_path / "log")
    before = snapshot(repo / ".git/hooks")
    err = fails(repo, "install")
    assert f"commit-msg{CHAINED} (the hook it would chain) already exists" in err
    assert snapshot(repo / ".git/hooks") == before


def test_a_session_active_before_install_gets_trailers(repo: Path) -> None:
    ok(repo, "start", "Fix it", "-o", "first objective")
    ok(repo, "install")
    commit(repo, "-m", "second")
    trailers = git(repo, "log", "-1", "--format=%(trailers:key=Session-Objectives,valueonly)")
    assert trailers == "[open] first objective\n\n"


# --- an existing hook keeps running ----------------------------------------------------------


def test_existing_hooks_still_run_with_their_arguments_and_stdin(repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "log"
    for name in ("prepare-commit-msg", "commit-msg", "post-rewrite"):
        recorder(repo / ".git/hooks" / name, name, log)
    ok(repo, "install")
    commit(repo, "-m", "second")
    assert log_lines(log) == ["prepare-commit-msg [.git/COMMIT_EDITMSG] [message]", "commit-msg [.git/COMMIT_EDITMSG]"]
    old = git(repo, "rev-parse", "HEAD").strip()
    log.unlink()
    commit(repo, "--amend", "-m", "amended")
    new = git(repo, "rev-parse", "HEAD").strip()
    assert log_lines(log) == [
        "prepare-commit-msg [.git/COMMIT_EDITMSG] [message]",
        "commit-msg [.git/COMMIT_EDITMSG]",
        "post-rewrite [amend]",
        f"stdin: {old} {new}",
    ]


def test_a_failing_chained_hook_still_blocks_the_commit(repo: Path, tmp_path: Path) -> None:
    recorder(repo / ".git/hooks/prepare-commit-msg", "prepare-commit-msg", tmp_path / "log", status=3)
    ok(repo, "install")
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(AssertionError, match=r"failed \(1\)"):
        commit(repo, "-m", "blocked")
    assert git(repo, "rev-parse", "HEAD") == head
    assert log_lines(tmp_path / "log") == ["prepare-commit-msg [.git/COMMIT_EDITMSG] [message]"]


def test_uninstall_restores_the_chained_hook_byte_for_byte(repo: Path, tmp_path: Path) -> None:
    original = recorder(repo / ".git/hooks/prepare-commit-msg", "prepare-commit-msg", tmp_path / "log", mode=0o750)
    (repo / ".git/hooks/pre-commit.sample").write_text("#!/bin/sh\n")
    before = snapshot(repo / ".git/hooks")
    config_before = (repo / ".git/config").read_bytes()
    ok(repo, "install")
    out = ok(repo, "uninstall")
    folder = repo / ".git/hooks"
    removed = "".join(f"Removed {folder / name}\n" for name in NAMES)
    unset = "".join(f"Unset {s.key}={s.value}\n" for s in settings.NOTES_CONFIG)
    assert out == f"{removed}Restored {folder / 'prepare-commit-msg'}\n{unset}"
    assert snapshot(folder) == before
    assert before["prepare-commit-msg"] == (original, 0o750)
    assert (repo / ".git/config").read_bytes() == config_before
    assert not (repo / ".git/git-session" / "hooks-installed").exists()


def test_uninstall_when_not_installed(repo: Path) -> None:
    assert ok(repo, "uninstall") == "git-session is not installed here: nothing to remove\n"


def test_uninstall_keeps_a_chained_hook_whose_place_was_taken(repo: Path, tmp_path: Path) -> None:
    original = recorder(repo / ".git/hooks/commit-msg", "commit-msg", tmp_path / "log")
    ok(repo, "install")
    recorder(repo / ".git/hooks/commit-msg", "newer", tmp_path / "log")
    out = ok(repo, "uninstall")
    assert f"Kept {repo / '.git/hooks' / ('commit-msg' + CHAINED)}: another hook has taken its place" in out
    assert (repo / f".git/hooks/commit-msg{CHAINED}").read_bytes() == original


def test_a_linked_worktree_uses_the_same_hooks(repo: Path, tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "side", str(worktree))
    recorder(repo / ".git/hooks/commit-msg", "commit-msg", tmp_path / "log")
    ok(worktree, "install")
    assert hooks_dir(worktree) == repo / ".git/hooks"
    assert (repo / ".git/hooks/prepare-commit-msg").read_bytes() == SHIMS[0].data
    commit(worktree, "-m", "from the worktree")
    assert log_lines(tmp_path / "log") == [f"commit-msg [{repo / '.git/worktrees/wt/COMMIT_EDITMSG'}]"]
    assert ok(repo, "install").endswith("nothing changed\n")


# --- core.hooksPath and hook managers -----------------------------------------------------


def test_hooks_path_install_refuses_and_names_where_it_is_set(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", "custom")
    err = fails(repo, "install")
    config = repo / ".git/config"
    assert err.splitlines()[0] == (
        f"git-session: core.hooksPath is set to custom (in file:{config}): git-session does not install there unasked"
    )
    assert f"hint:   git session install --force    install into {repo / 'custom'}" in err
    assert "hint:   git session install --manual" in err
    assert "(needs git >= 2.54; this is 2." in err  # the machine's git is older
    assert "hint:     git config hook.git-session-prepare-commit-msg.event prepare-commit-msg\n" in err
    assert (
        'hint:     git config hook.git-session-prepare-commit-msg.command "git session hook run prepare-commit-msg"'
        in err
    )
    assert not (repo / "custom").exists()
    assert "notes" not in (repo / ".git/config").read_text()  # refused: nothing written


def test_hooks_path_force_installs_there_with_chaining(repo: Path, tmp_path: Path) -> None:
    git(repo, "config", "core.hooksPath", "custom")
    original = recorder(repo / "custom/commit-msg", "commit-msg", tmp_path / "log")
    out = ok(repo, "install", "--force")
    assert out.startswith(f"Hooks in {repo / 'custom'}:\n")
    assert (repo / f"custom/commit-msg{CHAINED}").read_bytes() == original
    commit(repo, "-m", "second")
    assert log_lines(tmp_path / "log") == ["commit-msg [.git/COMMIT_EDITMSG]"]
    assert run(repo, "doctor").exit_code == 0
    ok(repo, "uninstall")
    assert snapshot(repo / "custom") == {"commit-msg": (original, 0o755)}


def test_hooks_path_manual_prints_the_three_snippets(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", "custom")
    out = ok(repo, "install", "--manual")
    assert out.startswith(f"core.hooksPath is custom (set in file:{repo / '.git/config'})\n")
    assert "# husky: add each line to the file in .husky/ named above it\n" in out
    assert '# .husky/prepare-commit-msg\ngit session hook run prepare-commit-msg "$@"\n' in out
    assert "# lefthook: add to lefthook.yml\nprepare-commit-msg:\n  commands:\n    git-session:\n" in out
    assert "      run: git session hook run post-rewrite {0}\n      use_stdin: true\n" in out
    assert "# pre-commit: add to .pre-commit-config.yaml\nrepos:\n  - repo: local\n" in out
    assert "        stages: [prepare-commit-msg]\n" in out
    assert out.endswith("\n".join(CONFIG_LINES) + "\n")
    assert not (repo / "custom").exists()


def test_a_husky_hooks_path_is_refused_even_with_force(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", ".husky/_")
    (repo / ".husky/_").mkdir(parents=True)
    (repo / ".husky/_/h").write_text("#!/usr/bin/env sh\n")
    for args in (("install",), ("install", "--force")):
        err = fails(repo, *args)
        assert err == (
            f"git-session: {repo / '.husky/_'} is managed by husky: git-session never writes into it\n"
            "hint: call git-session's hooks from husky's configuration: git session install --manual\n"
        )
    out = ok(repo, "install", "--manual")
    assert "# husky:" in out and "# lefthook:" not in out and "# pre-commit:" not in out
    assert sorted(p.name for p in (repo / ".husky/_").iterdir()) == ["h"]


@pytest.mark.parametrize(
    ("manager", "content"),
    [
        ("pre-commit", "#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\n"),
        ("lefthook", '#!/bin/sh\ncall_lefthook run "prepare-commit-msg" "$@"\n'),
    ],
)
def test_a_hook_generated_by_a_manager_is_never_replaced(repo: Path, manager: str, content: str) -> None:
    path = repo / ".git/hooks/prepare-commit-msg"
    path.parent.mkdir()
    path.write_text(content)
    err = fails(repo, "install", "--force")
    assert f"is managed by {manager}: git-session never writes into it" in err
    assert path.read_text() == content and sorted(os.listdir(path.parent)) == ["prepare-commit-msg"]
    assert f"# {manager}: add to" in ok(repo, "install", "--manual")


# --- the notes config ------------------------------------------------------------------------


def test_notes_config_is_added_and_removed_leaving_the_users_values(repo: Path) -> None:
    git(repo, "config", "--add", "notes.rewriteRef", "refs/notes/commits")
    git(repo, "config", "notes.rewriteMode", "concatenate")
    out = ok(repo, "install")
    assert "Kept notes.rewriteMode=concatenate (git-session would set cat_sort_uniq)\n" in out
    assert git(repo, "config", "--get-all", "notes.rewriteRef").split() == ["refs/notes/commits", settings.REWRITE_REF]
    assert git(repo, "config", "notes.rewrite.amend") == "true\n"
    assert git(repo, "config", "notes.sessions.mergeStrategy") == "cat_sort_uniq\n"
    ok(repo, "uninstall")
    assert git(repo, "config", "--get-all", "notes.rewriteRef").split() == ["refs/notes/commits"]
    assert git(repo, "config", "notes.rewriteMode") == "concatenate\n"
    assert git(repo, "config", "--get-regexp", "^notes\\.").splitlines() == [
        "notes.rewriteref refs/notes/commits",
        "notes.rewritemode concatenate",
    ]


def test_a_users_own_rewrite_ref_for_sessions_survives_uninstall(repo: Path) -> None:
    git(repo, "config", "notes.rewriteRef", "refs/notes/sessions")
    assert "Set notes.rewriteRef" not in ok(repo, "install")
    ok(repo, "uninstall")
    assert git(repo, "config", "--get-all", "notes.rewriteRef") == "refs/notes/sessions\n"


def test_notes_follow_an_amend_once_installed(repo: Path) -> None:
    ok(repo, "install")
    git(repo, "notes", "--ref=sessions", "add", "-m", '{"session":"x"}')
    commit(repo, "--amend", "-m", "amended")
    assert git(repo, "notes", "--ref=sessions", "show", "HEAD") == '{"session":"x"}\n'


# --- doctor ------------------------------------------------------------------------------------


NOT_INSTALLED = "git-session is not installed here: git session install sets up the hooks and the notes config\n"


def test_doctor_reports_missing_hooks_and_config_and_fix_repairs(repo: Path) -> None:
    result = run(repo, "doctor")  # never installed: one line, not a problem per missing part (issue 11)
    assert result.exit_code == 1
    folder = repo / ".git/hooks"
    assert result.stdout == NOT_INSTALLED
    fixed = run(repo, "doctor", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert fixed.stdout.startswith("".join(f"fixed: installed hook {name}\n" for name in NAMES))
    healthy = f"ok: hooks: {', '.join(NAMES)} in {folder}\nok: config: notes follow amend and rebase"
    assert ok(repo, "doctor").startswith(healthy)


def test_doctor_reports_an_outdated_hook_and_a_missing_setting(repo: Path, tmp_path: Path) -> None:
    recorder(repo / ".git/hooks/commit-msg", "commit-msg", tmp_path / "log")
    ok(repo, "install")
    (repo / ".git/hooks/commit-msg").write_bytes(OLD_SHIM)
    git(repo, "config", "--unset", "notes.rewriteMode")
    result = run(repo, "doctor")
    assert result.exit_code == 1
    assert "problem: hook commit-msg: outdated (differs from this git-session's)\n" in result.stdout
    assert "problem: config notes.rewriteMode: not set (wanted: cat_sort_uniq)\n" in result.stdout
    fixed = run(repo, "doctor", "--fix")
    assert fixed.exit_code == 0
    assert fixed.stdout.startswith("fixed: updated hook commit-msg\nfixed: set notes.rewriteMode=cat_sort_uniq\nok: ")
    assert run(repo, "doctor").exit_code == 0
    ok(repo, "uninstall")  # the setting doctor added is removed too
    assert run(repo, "doctor").stdout == NOT_INSTALLED
    left = subprocess.run(["git", "config", "--get-regexp", r"^notes\."], cwd=repo, capture_output=True, text=True)
    assert left.returncode == 1 and left.stdout == ""
    assert (repo / ".git/hooks/commit-msg").read_text().startswith("#!/bin/sh\n{ printf '%s' 'commit-msg'")


def test_doctor_chains_a_foreign_hook(repo: Path, tmp_path: Path) -> None:
    original = recorder(repo / ".git/hooks/post-rewrite", "post-rewrite", tmp_path / "log")
    ok(repo, "install")
    git(repo, "config", "core.hooksPath", ".git/hooks")  # the default place, spelled out: not a move
    (repo / ".git/hooks/post-rewrite").unlink()
    (repo / f".git/hooks/post-rewrite{CHAINED}").rename(repo / ".git/hooks/post-rewrite")
    result = run(repo, "doctor")
    assert result.stdout.startswith("problem: hook post-rewrite: a hook that is not git-session's is in place")
    assert run(repo, "doctor", "--fix").stdout.startswith("fixed: installed hook post-rewrite (chaining the one")
    assert (repo / f".git/hooks/post-rewrite{CHAINED}").read_bytes() == original


def test_doctor_with_hooks_path_unhandled_cannot_fix_it(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", "custom")
    result = run(repo, "doctor", "--fix")
    assert result.exit_code == 1
    fixed = "".join(f"fixed: set {s.key}={s.value}\n" for s in settings.NOTES_CONFIG)
    assert result.stdout.startswith(
        f"{fixed}problem: hooks: core.hooksPath is custom (set in file:{repo / '.git/config'}) and git-session's hooks "
        "are not there: git session install --force, or --manual\n"
    )
    assert result.stdout.endswith("\n1 problem(s)\n")
    assert not (repo / "custom").exists()


def test_doctor_finds_and_removes_stale_lock_files(repo: Path) -> None:
    ok(repo, "install")
    stale = repo / ".git/refs/sessions/main-1234/01abc.lock"
    fresh = repo / ".git/refs/sessions/main-1234/01abd.lock"
    stale.parent.mkdir(parents=True)
    stale.write_text("")
    fresh.write_text("")
    old = stale.stat().st_mtime - gitrepo.STALE_LOCK_SECONDS - 5
    os.utime(stale, (old, old))
    result = run(repo, "doctor")
    assert result.exit_code == 1
    assert "problem: lock: refs/sessions/main-1234/01abc.lock left by a writer that died\n" in result.stdout
    assert "01abd" not in result.stdout
    assert run(repo, "doctor", "--fix").stdout.startswith("fixed: removed refs/sessions/main-1234/01abc.lock\n")
    assert not stale.exists() and fresh.exists()


def test_doctor_exit_status_through_the_real_entry_point(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, commit=False)
    assert subprocess_cli(repo, "doctor").returncode == 1
    assert subprocess_cli(repo, "install").returncode == 0
    assert subprocess_cli(repo, "doctor").returncode == 0


# --- the shipped files --------------------------------------------------------------------------


def test_the_package_serves_the_hooks_of_the_source_tree() -> None:
    source = {p.name: p.read_bytes() for p in (ROOT / "hooks").iterdir() if p.name in shims.GIT_HOOKS}
    assert {shim.name: shim.data for shim in SHIMS} == source
    assert {"prepare-commit-msg", "commit-msg", "post-rewrite"} <= set(source)


def test_pre_commit_hooks_file_covers_the_shipped_hooks() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {hook["id"]: hook for hook in hooks}
    for name in NAMES:
        if name in ("post-rewrite", "pre-push"):  # pre-commit does not forward their standard input
            continue
        hook = by_id[hook_managers.pre_commit_id(name)]
        assert hook["stages"] == [name]
        assert hook["entry"] == f"git-session hook run {name}"
        assert hook["language"] == "python" and hook["always_run"] is True
        assert hook.get("pass_filenames", True) is name.endswith("-msg")
    assert by_id["git-session"]["stages"] == ["prepare-commit-msg"]
    assert {hook["entry"].rsplit(" ", 1)[1] for hook in hooks} <= set(NAMES)  # nothing stale
