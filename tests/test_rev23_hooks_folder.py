"""Round 23 review: ``git session uninstall`` keeps the git hooks in a folder its owner made
read-only, and the record naming it; on a repository where git-session never installed (or
whose hooks were removed since), the read-only hooks folder holds none of ours: uninstall
said "Kept the hooks in …" and wrote a record naming the folder, as if install had put
hooks there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import git, ok, run

pytestmark = pytest.mark.usefixtures("as_root")  # (root writes in a folder without its owner's write bit)


def test_uninstall_keeps_nothing_and_records_nothing_in_a_read_only_hooks_folder_without_ours(repo: Path) -> None:
    hooks = Path(git(repo, "rev-parse", "--git-path", "hooks").strip())
    hooks = hooks if hooks.is_absolute() else repo / hooks
    hooks.mkdir(exist_ok=True)
    hooks.chmod(0o555)
    try:
        out = ok(repo, "uninstall")
    finally:
        hooks.chmod(0o755)
    assert out == "git-session is not installed here: nothing to remove\n"
    records = [p for p in (repo / ".git").rglob("*") if p.name.endswith("installed")]
    assert not records, records


def test_install_again_with_every_hook_in_place_in_a_folder_made_read_only_since(repo: Path) -> None:
    """Nothing to write, nothing to refuse: 33dbdc8 said so (exit 0), the round's refusal failed it."""
    ok(repo, "install")
    hooks = repo / ".git/hooks"
    shims = {p.name: p.read_bytes() for p in hooks.iterdir()}
    hooks.chmod(0o555)
    try:
        out = ok(repo, "install")
    finally:
        hooks.chmod(0o755)
    assert f"git-session is already installed in {hooks}; nothing changed" in out
    assert {p.name: p.read_bytes() for p in hooks.iterdir()} == shims


def test_doctor_promises_no_repair_in_a_read_only_hooks_folder(repo: Path) -> None:
    """On the round's code doctor said "git session doctor --fix repairs them", and --fix then
    refused the folder ("not repaired: … is read-only")."""
    ok(repo, "install")
    hooks = repo / ".git/hooks"
    (hooks / "pre-push").unlink()
    hooks.chmod(0o555)
    try:
        result = run(repo, "doctor")
    finally:
        hooks.chmod(0o755)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "1 problem(s)"
    assert f"missing from {hooks}; {hooks} is read-only: make it writable (chmod u+w)" in result.stdout
    assert "fixed: installed hook pre-push" in ok(repo, "doctor", "--fix")  # writable again: repaired


def test_doctor_still_says_install_has_not_run_with_a_read_only_hooks_folder(repo: Path) -> None:
    """Passes on the round's code too: a read-only folder does not make a fresh repository look installed."""
    hooks = repo / ".git/hooks"
    hooks.mkdir(exist_ok=True)
    hooks.chmod(0o555)
    try:
        result = run(repo, "doctor")
    finally:
        hooks.chmod(0o755)
    assert "git-session is not installed here" in result.stdout
