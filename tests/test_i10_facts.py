"""Issue 10, one home for each fact: one compare-and-swap retry loop (store and notes), one
module for the paths below ``<common-dir>/git-session/`` (and the shell hooks' copies of
them pinned), one object-id and one id pattern, one priority order, one "live commits"
query, one slug rule."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from git_session import adr, data, notes, paths, trailers
from git_session.errors import UserError
from git_session.fold import live_entries
from git_session.gitrepo import Repo
from git_session.integrations import shims
from git_session.model import DEFAULT_PRIORITY, PRIORITIES, Entry, Stamp, by_priority
from git_session.names import ID_CHARS, ID_LENGTH, ID_PATTERN, NOTES_REF, BranchName, ObjectId, Ulid, slug
from git_session.sessions import Workspace
from git_session.store import new_id
from tests.helpers import as_json, git, make_repo, ok, race_once, subprocess_cli

# --- one compare-and-swap retry loop --------------------------------------------------------


def test_a_session_write_that_loses_the_race_is_built_again_and_both_stay(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(repo, "start", "Race")
    ws = Workspace.open(str(repo))
    outcomes = race_once(monkeypatch, ws.repo, lambda: subprocess_cli(repo, "note", "theirs").check_returncode())

    ws.add(None, "note", "ours")

    assert outcomes == [False, True]  # lost to the other process once, then written on its tip
    assert [n["text"] for n in as_json(repo, "show", "--json")["notes"]] == ["theirs", "ours"]
    assert git(repo, "rev-list", "--count", ws.find(None).handle.ref).strip() == "3"  # start, theirs, ours


def test_a_notes_write_that_loses_the_race_is_built_again_and_both_stay(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "second")
    first, second = git(repo, "rev-parse", "HEAD~1", "HEAD").split()
    store_repo = Repo.discover(str(repo))
    outcomes = race_once(
        monkeypatch, store_repo, lambda: git(repo, "notes", f"--ref={NOTES_REF}", "add", "-m", '{"t":"theirs"}', first)
    )

    notes.add_note_lines(store_repo, {ObjectId(second): [{"t": "ours"}]}, store_repo.ident(), "ours")

    assert outcomes == [False, True]
    assert git(repo, "notes", f"--ref={NOTES_REF}", "show", first) == '{"t":"theirs"}\n'
    assert git(repo, "notes", f"--ref={NOTES_REF}", "show", second) == '{"t":"ours"}\n'
    assert git(repo, "rev-list", "--count", NOTES_REF).strip() == "2"


# --- one paths module, and the shell hooks' copies of it pinned -----------------------------

HOOKS = ("prepare-commit-msg", "commit-msg", "post-rewrite", "pre-push")
_ASSIGNMENT = re.compile(r"^\s*(dir|queue)=(\S+)$", re.MULTILINE)
_REFERENCE = re.compile(r"\$(dir|queue|common|gitdir)(/[A-Za-z0-9_.~$/-]*)?")
_VARIABLE_PART = re.compile(r"\$(\$|parent|branch)")


def our_paths(hook: str) -> set[str]:
    """Every path below ``$common`` or ``$gitdir`` that a hook names and that is ours (its first
    component starts with git-session), with the folders it keeps in variables spelled out and
    the parts that vary (``$$``, ``$parent``, ``$branch``) as ``*``."""
    text = data.hook(hook).decode()
    folders = {name: value for name, value in _ASSIGNMENT.findall(text)}
    found = set()
    for match in _REFERENCE.finditer(text):
        variable, rest = match.group(1), match.group(2) or ""
        while variable in folders:  # $queue -> $common/git-session/queue
            variable, _, inner = folders[variable].removeprefix("$").partition("/")
            rest = f"/{inner}{rest}"
        path = _VARIABLE_PART.sub("*", f"${variable}{rest}")
        if path.split("/")[1:2] and path.split("/")[1].startswith("git-session"):
            found.add(path)
    return found


def test_the_shell_hooks_name_the_paths_that_paths_py_names() -> None:
    private = f"$common/{paths.PRIVATE_FOLDER}"
    queue = f"{private}/{paths.QUEUE_FOLDER}"
    editing = f"$gitdir/{paths.EDITING_FILE}"
    expected = {
        "prepare-commit-msg": {
            private,
            editing,
            queue,
            f"{queue}/{paths.PENDING_PREFIX}*.*",
            f"{private}/{paths.CACHE_FOLDER}/*/{paths.CACHE_FILE}",
            f"{private}/{paths.AWK_PROGRAM}",
            f"{private}/{paths.HOOK_UMASK}",
        },
        "commit-msg": {editing},
        "post-rewrite": {queue, f"{queue}/{paths.REWRITE_PREFIX}*", f"{private}/{paths.HOOK_UMASK}"},
        "pre-push": set(),
    }
    assert {hook: our_paths(hook) for hook in HOOKS} == expected


def test_the_cache_path_python_uses_is_the_one_the_hook_spells(tmp_path: Path) -> None:
    repo = Repo.discover(str(make_repo(tmp_path)))
    assert trailers.cache_path(repo, "feature/x") == paths.branch_cache(repo, "feature/x")
    assert paths.branch_cache(repo, "feature/x") == Path(
        repo.common_dir, paths.PRIVATE_FOLDER, paths.CACHE_FOLDER, "feature", "x", paths.CACHE_FILE
    )


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_runs_the_hook_it_chains_by_the_name_install_gives_it(hook: str) -> None:
    assert f'chained="$0{shims.CHAINED_SUFFIX}"' in data.hook(hook).decode()


def test_the_hook_and_the_awk_program_check_the_cache_format_python_writes() -> None:
    magic = f'"{trailers.CACHE_MAGIC}"'
    assert f'[ "$magic" = {magic} ]' in data.hook("prepare-commit-msg").decode()
    assert f"if ($0 != {magic}) bad = 1" in data.hook("git-session-trailers.awk").decode()


# --- one object-id pattern, one id pattern ---------------------------------------------------


def test_the_awk_program_recognises_a_session_id_as_names_py_defines_it() -> None:
    """The hooks' copy of the id pattern (issue 11 changes how ids are made: this test then
    points at the copy to change with names.py)."""
    program = data.hook("git-session-trailers.awk").decode()
    assert f"if (length(v) != {ID_LENGTH} || v !~ /^[{ID_CHARS}]+$/) return 0" in program


@pytest.mark.parametrize(
    ("value", "full", "sha1"),
    [("a" * 40, True, True), ("a" * 64, True, False), ("a" * 39, False, False), ("A" * 40, False, False)],
)
def test_one_object_id_pattern(value: str, full: bool, sha1: bool) -> None:
    assert ObjectId.is_full(value) is full
    assert ObjectId.is_sha1(value) is sha1


def test_one_id_pattern_for_sessions_entries_and_stored_data() -> None:
    made = new_id()
    assert ID_PATTERN.fullmatch(made) and Ulid.of(made) == made
    with pytest.raises(UserError):
        Ulid.of(made.upper())


# --- one priority order ----------------------------------------------------------------------


def test_every_view_orders_next_steps_by_the_one_priority_order(repo: Path) -> None:
    ok(repo, "start", "Order")
    for text, priority in (("low one", "low"), ("high one", "high"), ("medium one", None), ("high two", "high")):
        ok(repo, "next", "add", text, *(["--priority", priority] if priority else []))
    expected = ["high one", "high two", "medium one", "low one"]

    def order(output: str) -> list[str]:
        return sorted(expected, key=output.index)

    assert order(ok(repo, "next", "list")) == expected
    assert order(ok(repo, "show")) == expected
    assert order(ok(repo, "brief")) == expected
    assert [n["text"] for n in json.loads(ok(repo, "handoff", "--format", "json"))["next"]] == expected
    markdown = ok(repo, "handoff")
    assert sorted(PRIORITIES, key=lambda p: markdown.index(f"### {p.capitalize()} priority")) == list(PRIORITIES)
    assert "[medium] medium one" in ok(repo, "next", "list")  # the default, from the same place


def test_priority_order_ranks_by_the_priorities_tuple_then_by_age() -> None:
    def entry(priority: str | None, clock: int) -> Entry:
        values = {"text": f"{priority}-{clock}", **({"priority": priority} if priority else {})}
        return Entry(f"e{clock}", "next", 0, "+0000", "a", None, values, {}, Stamp(clock, f"e{clock}"))

    entries = [entry("low", 1), entry(None, 2), entry("high", 3), entry("medium", 4), entry("high", 5)]
    assert [e.text for e in by_priority(entries)] == ["high-3", "high-5", "None-2", "medium-4", "low-1"]
    assert [e.priority for e in by_priority(entries)] == ["high", "high", DEFAULT_PRIORITY, "medium", "low"]


# --- one "live commits" query ----------------------------------------------------------------


def test_a_commit_entry_marked_rewritten_is_left_out_of_every_view(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # for the hooks
    ok(repo, "install")
    ok(repo, "start", "Amend")
    (repo / "file").write_text("work\n")
    git(repo, "add", "file")
    git(repo, "commit", "-q", "-m", "Work")
    (repo / "more").write_text("more\n")
    git(repo, "add", "more")
    git(repo, "commit", "-q", "-m", "More")
    ok(repo, "status")  # links the commits the hooks recorded
    # squashed into one, "Work, amended": the first entry moves onto it, the second is marked rewritten
    sequence = "sed -i -e 2s/^pick/fixup/ -e '1s/^pick/reword/'"
    git(
        repo,
        "rebase",
        "-q",
        "-i",
        "HEAD~2",
        env={"GIT_SEQUENCE_EDITOR": sequence, "GIT_EDITOR": "sed -i 1s/.*/Work,\\ amended/"},
    )
    ok(repo, "status")
    ws = Workspace.open(str(repo))
    stored = ws.store.entries(ws.find(None).handle, "commit")
    assert sorted(bool(e.values.get("rewritten")) for e in stored) == [False, True]

    assert [c["subject"] for c in as_json(repo, "show", "--json")["commits"]] == ["Work, amended"]
    assert "Work\n" not in ok(repo, "show") and "Work, amended" in ok(repo, "show")
    assert "Work\n" not in ok(repo, "brief") and "Work, amended" in ok(repo, "brief")
    commits = json.loads(ok(repo, "handoff", "--format", "json"))["deliverables"]["commits"]
    assert [c["subject"] for c in commits] == ["Work, amended"]
    assert [e.text for e in live_entries(stored)] == ["Work, amended"]


# --- one slug rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "made"),
    [
        ("Ünïcode: the/best way!", None, "unicode-the-best-way"),
        ("--Fix   THE bug--", None, "fix-the-bug"),
        ("!!!", None, ""),
        ("abc def", 4, "abc"),  # cut, and no "-" left at the end
    ],
)
def test_one_slug_rule(text: str, limit: int | None, made: str) -> None:
    assert slug(text, limit) == made


def test_branch_keys_title_lookups_and_adr_names_follow_the_slug_rule(repo: Path) -> None:
    title = "Ünïcode: the/best way!"
    assert BranchName("Feature/Ünïcode").key().startswith(slug("Feature/Ünïcode", 40) + "-")
    assert adr.slug(title) == slug(title, adr.MAX_SLUG) and adr.slug("!!!") == "decision"
    ok(repo, "start", title)
    assert as_json(repo, "status", "--session", slug(title))["title"] == title
