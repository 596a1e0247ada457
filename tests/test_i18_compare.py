"""A command that resolves a session and fails says one error line (and its hint), not the
warnings of the lookup before it: ``compare`` (two lookups), ``show``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import fails, git, make_repo, ok, run, session_refs

NOT_FOUND = (
    "git-session: no session matches {spec!r} (by id, branch or title); 1 session(s) that cannot be read skipped\n"
    "hint: see them all with: git session list --all\n"
)


def one_damaged(tmp_path: Path) -> tuple[Path, str]:
    """Session "alpha" on main, and "beta" on branch other whose meta.json is gone."""
    repo = make_repo(tmp_path)
    ok(repo, "start", "alpha")
    git(repo, "switch", "-q", "-c", "other")
    ok(repo, "start", "beta")
    git(repo, "switch", "-q", "main")
    (ref,) = [r for r in session_refs(repo) if r.startswith("refs/sessions/other")]
    meta = git(repo, "rev-parse", f"{ref}:meta.json").strip()
    (repo / ".git" / "objects" / meta[:2] / meta[2:]).unlink()
    return repo, ref.rsplit("/", 1)[1]


@pytest.mark.parametrize(
    ("args", "spec"),
    [
        (("compare", "alpha", "nothing"), "nothing"),
        (("compare", "nothing", "alpha"), "nothing"),
        (("compare", "alpha", "beta"), "beta"),
        (("show", "nothing"), "nothing"),
        (("log", "beta"), "beta"),
    ],
)
def test_a_lookup_that_fails_is_one_error_line(tmp_path: Path, args: tuple[str, ...], spec: str) -> None:
    repo, _ = one_damaged(tmp_path)
    assert fails(repo, *args) == NOT_FOUND.format(spec=spec)


def test_a_lookup_that_succeeds_warns_once_of_a_session_skipped(tmp_path: Path) -> None:
    repo, damaged = one_damaged(tmp_path)
    result = run(repo, "compare", "alpha", "alpha")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"git-session: warning: skipped a session: session {damaged}: "
        + (result.stderr.split(f"session {damaged}: ", 1)[1].rstrip("\n"))
    ]


def test_without_a_session_skipped_the_error_is_as_it_was(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "alpha")
    assert fails(repo, "compare", "alpha", "nothing") == (
        "git-session: no session matches 'nothing' (by id, branch or title)\n"
        "hint: see them all with: git session list --all\n"
    )
