"""The command line as a front end over the core (issue 10).

One table of state changes (``model.TRANSITIONS``) drives both the core function
(``Workspace.transition``) and the commands the CLI builds: every change has its command
and every command its change, and a forbidden change gives the same one line through
either. The ``cli`` package loads a command's module only when it runs, and no module of
it grows past 300 lines.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from git_session import model, queries
from git_session.cli import COMMANDS, cli
from git_session.cli.kinds import KINDS
from git_session.cli.lifecycle import END_DEFAULT, END_FLAGS
from git_session.errors import UserError
from git_session.model import (
    ENTRY_STATUSES,
    SESSION,
    SESSION_STATUSES,
    TRANSITIONS,
    EntryKind,
    Transition,
    entry_kind,
    transitions_of,
)
from git_session.sessions import Workspace
from tests.helpers import as_json, fails, git, make_two_clones, ok

PACKAGE = Path(__file__).resolve().parents[1] / "git_session" / "cli"
ROOT_CONTEXT = click.Context(cli, info_name="git session")
ENTRY_CHANGES = [t for t in TRANSITIONS if t.subject != SESSION]
SESSION_CHANGES = [t for t in TRANSITIONS if t.subject == SESSION]


def command(*path: str) -> click.Command:
    """The command at ``path`` in the click tree (loading it as a run would)."""
    current: click.Command = cli
    for name in path:
        assert isinstance(current, click.Group), path
        found = current.get_command(ROOT_CONTEXT, name)
        assert found is not None, f"no command {' '.join(path)}"
        current = found
    return current


def subcommands(group: click.Command) -> set[str]:
    assert isinstance(group, click.Group)
    return set(group.list_commands(ROOT_CONTEXT))


# --- the table --------------------------------------------------------------------------


@pytest.mark.parametrize("change", TRANSITIONS, ids=lambda t: f"{t.subject}-{t.verb}")
def test_every_change_moves_between_statuses_of_its_subject(change: Transition) -> None:
    statuses = SESSION_STATUSES if change.subject == SESSION else ENTRY_STATUSES[change.subject]
    assert change.to in statuses
    assert change.allowed_from and set(change.allowed_from) <= set(statuses)
    assert model.transition(change.subject, change.verb) is change


def test_a_verb_names_one_change_of_its_subject() -> None:
    keys = [(t.subject, t.verb) for t in TRANSITIONS]
    assert len(keys) == len(set(keys))
    with pytest.raises(KeyError):
        model.transition("decision", "done")


# --- the table drives the commands ------------------------------------------------------


def test_every_entry_change_has_its_command_and_every_command_its_change() -> None:
    for kind in KINDS:
        verbs = {t.verb for t in transitions_of(kind.name)}
        if kind.group_help is None:
            assert not verbs, f"{kind.name} has state changes but no group for their commands"
            assert not isinstance(command(kind.name), click.Group)
            continue
        assert subcommands(command(kind.name)) == {"add", "list", *verbs}
        assert set(kind.verb_help) <= verbs, f"{kind.name}: help for a change the table does not have"
    assert {t.subject for t in ENTRY_CHANGES} <= {k.name for k in KINDS if k.group_help is not None}


def test_a_change_that_takes_a_note_has_the_option_and_no_other_does() -> None:
    for change in ENTRY_CHANGES:
        options = {o for p in command(change.subject, change.verb).params for o in p.opts}
        assert ("--note" in options) == (change.note_field is not None), change


def test_every_session_change_has_its_command_and_back() -> None:
    end_options = {o for p in command("end").params for o in p.opts}
    assert {f"--{verb}" for verb in END_FLAGS} <= end_options
    by_command = {"pause", "resume"} & set(COMMANDS)
    assert {t.verb for t in SESSION_CHANGES} == {*by_command, END_DEFAULT, *END_FLAGS}
    assert {t.verb for t in SESSION_CHANGES if t.to in model.ENDED_STATUSES} == {END_DEFAULT, *END_FLAGS}


def test_the_lazy_map_names_each_command_by_its_name() -> None:
    for name, target in COMMANDS.items():
        loaded = command(name)
        assert loaded.name == name, target
    assert set(cli.list_commands(ROOT_CONTEXT)) == set(COMMANDS)


def test_a_mistyped_command_is_matched_against_every_command_loaded_or_not(repo: Path) -> None:
    stderr = fails(repo, "stauts", code=2)
    assert stderr.startswith("git-session: No such command 'stauts'.")
    if hasattr(click.exceptions, "NoSuchCommand"):  # click >= 8.4 suggests names
        assert stderr.splitlines()[0].endswith("(Did you mean one of: 'start', 'status'?)")


# --- the same rule, the same line, through the core and the command line ---------------


def _blocked_status(change: Transition) -> str:
    """A status of the subject this change is not allowed from."""
    return next(s for s in ENTRY_STATUSES[entry_kind(change)] if s not in change.allowed_from)


def _entry_in(repo: Path, kind: EntryKind, status: str) -> str:
    """A new entry of ``kind`` moved (by the table's change from open) to ``status``."""
    ok(repo, kind, "add", f"a {kind} to move")
    entry_id = str(as_json(repo, kind, "list")[-1]["id"])
    if status != "open":
        [to_status] = [t for t in transitions_of(kind) if t.to == status and "open" in t.allowed_from]
        ok(repo, kind, to_status.verb, entry_id)
    return entry_id


@pytest.mark.parametrize("change", ENTRY_CHANGES, ids=lambda t: f"{t.subject}-{t.verb}")
def test_a_forbidden_entry_change_is_one_line_through_either(repo: Path, change: Transition) -> None:
    ok(repo, "start", "Table")
    entry_id = _entry_in(repo, entry_kind(change), _blocked_status(change))
    with pytest.raises(UserError) as raised:
        Workspace.open(str(repo)).transition(None, change.subject, change.verb, entry_id)
    stderr = fails(repo, change.subject, change.verb, entry_id[:10])
    assert stderr == f"git-session: {raised.value.message}\n"
    assert raised.value.message.endswith(f"is already {_blocked_status(change)}")


@pytest.mark.parametrize("change", ENTRY_CHANGES, ids=lambda t: f"{t.subject}-{t.verb}")
def test_an_allowed_entry_change_sets_the_tables_status(repo: Path, change: Transition) -> None:
    ok(repo, "start", "Table")
    entry_id = _entry_in(repo, entry_kind(change), change.allowed_from[-1])
    note = ["--note", "how"] if change.note_field else []
    out = ok(repo, change.subject, change.verb, entry_id[:10], *note)
    assert out.startswith(f"{change.subject.capitalize()} ")
    [entry] = [e for e in as_json(repo, change.subject, "list") if e["id"] == entry_id]
    assert entry["status"] == change.to
    if change.note_field:
        assert entry[change.note_field] == "how"


def test_a_forbidden_session_change_is_one_line_through_either(repo: Path) -> None:
    ok(repo, "start", "Table")
    ok(repo, "pause")
    with pytest.raises(UserError) as raised:
        Workspace.open(str(repo)).transition(None, SESSION, "pause")
    assert fails(repo, "pause") == f"git-session: {raised.value.message}\n"
    assert raised.value.message.endswith("is paused; cannot make it paused")


def test_ending_an_ended_session_is_refused_by_the_table(repo: Path) -> None:
    ok(repo, "start", "Table")
    ok(repo, "end", "--complete", "--no-handoff")
    with pytest.raises(UserError) as raised:
        Workspace.open(str(repo)).transition(None, SESSION, "abandon", reason="no")
    assert raised.value.message.endswith("is completed; cannot make it abandoned")
    assert fails(repo, "end", "--abandon", "--reason", "no", "--no-handoff").startswith(
        f"git-session: {raised.value.message}\n"
    )


def test_a_change_that_needs_a_reason_is_refused_without_one(repo: Path) -> None:
    ok(repo, "start", "Table")
    [abandon] = [t for t in SESSION_CHANGES if t.needs_reason]
    with pytest.raises(UserError, match="needs a reason"):
        Workspace.open(str(repo)).transition(None, SESSION, abandon.verb)
    assert fails(repo, "end", f"--{abandon.verb}", code=2).startswith(f"git-session: --{abandon.verb} needs --reason R")
    assert fails(repo, "end", "--reason", "why", code=2).startswith(f"git-session: --reason goes with --{abandon.verb}")
    assert as_json(repo, "status")["status"] == "active"


# --- queries in the core ---------------------------------------------------------------


def test_the_listing_filters_in_the_core(repo: Path) -> None:
    ok(repo, "start", "First")
    ok(repo, "end", "--complete", "--no-handoff")
    ok(repo, "start", "Second")
    ws = Workspace.open(str(repo))
    assert [f.meta.title for f in queries.sessions(ws).sessions] == ["Second"]
    both = queries.sessions(ws, show_all=True).sessions  # started in the same second: then by id, newest first
    assert [f.meta.title for f in both] == [f.meta.title for f in sorted(both, key=lambda f: f.handle.id, reverse=True)]
    assert sorted(f.meta.title for f in both) == ["First", "Second"]
    assert [f.meta.title for f in queries.sessions(ws, status="completed").sessions] == ["First"]
    assert queries.sessions(ws, branch="elsewhere").sessions == []
    listed = ok(repo, "list", "--all")
    assert all(queries.sessions(ws).abbrev[f.handle.id] in listed for f in queries.sessions(ws, show_all=True).sessions)


def test_status_gathers_the_open_items_in_the_core(repo: Path) -> None:
    ok(repo, "start", "Glance", "-o", "first", "-o", "second")
    [first, _] = as_json(repo, "objective", "list")
    ok(repo, "objective", "done", first["id"])
    ws = Workspace.open(str(repo))
    glance = queries.status(ws, ws.find(None))
    assert [e.text for e in glance.open_items["objective"]] == ["second"]
    assert set(glance.open_items) == set(ENTRY_STATUSES)
    assert glance.abbrev[glance.open_items["objective"][0].id] in ok(repo, "status")


def test_the_journal_filters_in_the_core(repo: Path) -> None:
    ok(repo, "start", "Journal")
    ok(repo, "note", "one")
    ok(repo, "note", "two")
    ws = Workspace.open(str(repo))
    found = ws.find(None)
    assert [v["fields"]["text"] for v in queries.journal(ws, found, kind="note").items] == ["one", "two"]
    assert [v["fields"]["text"] for v in queries.journal(ws, found, kind="note", limit=1).items] == ["two"]
    assert queries.journal(ws, found, limit=0).items == []
    assert as_json(repo, "log", "--kind", "note", "-n", "1") == queries.journal(ws, found, "note", 1).items


# --- after-effects in the core ----------------------------------------------------------


def test_a_pull_refreshes_the_trailers_of_the_current_branch(tmp_path: Path) -> None:
    """What a teammate added to one's session arrives with a pull, and the next commit's
    trailers carry it: the pull itself re-renders them (effects.pull)."""
    _, alice, bob = make_two_clones(tmp_path)
    ok(bob, "start", "Shared", "-o", "bob's objective")
    ok(bob, "install")
    ok(bob, "push")
    ok(alice, "pull")
    session = str(as_json(alice, "list", "--all")[0]["id"])
    ok(alice, "objective", "add", "alice's objective", "--session", session)
    ok(alice, "push")
    ok(bob, "pull")
    git(bob, "commit", "-q", "--allow-empty", "-m", "after the pull")
    trailers = git(bob, "log", "-1", "--format=%(trailers:key=Session-Objectives,valueonly)")
    assert trailers.splitlines()[:2] == ["[open] bob's objective", "[open] alice's objective"]


def test_a_state_change_of_the_wrong_shape_is_a_programming_error(repo: Path) -> None:
    ok(repo, "start", "Table")
    ws = Workspace.open(str(repo))
    with pytest.raises(ValueError, match="takes an entry"):
        ws.transition(None, "objective", "done")
    with pytest.raises(ValueError, match="note only into its note field"):
        ws.transition(None, "objective", "done", "0", note="why")
    with pytest.raises(KeyError):
        ws.transition(None, SESSION, "archive")


# --- lazy loading and module size ------------------------------------------------------

_PROBE = """
import sys
from git_session.cli import main
before = sorted(m for m in sys.modules if m.startswith("git_session"))
sys.argv = ["git-session", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
after = sorted(m for m in sys.modules if m.startswith("git_session"))
print(__import__("json").dumps([before, after]), file=sys.stderr)
"""

AREAS = {"lifecycle", "entries", "documents", "checkpoints", "hooks", "sharing"}


def modules_loaded(repo: Path, *args: str) -> tuple[set[str], set[str]]:
    """The git_session modules imported by ``import git_session.cli`` and after running ``args``."""
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=repo, capture_output=True, text=True)
    before, after = json.loads(done.stderr.splitlines()[-1])
    return set(before), set(after)


def areas(modules: set[str]) -> set[str]:
    return {m.removeprefix("git_session.cli.") for m in modules} & AREAS


def test_importing_the_cli_loads_no_command_module(repo: Path) -> None:
    before, after = modules_loaded(repo, "--version")
    assert areas(before) == set() and areas(after) == set()


@pytest.mark.parametrize(
    ("args", "area"),
    [(("status",), "lifecycle"), (("objective", "list"), "entries"), (("log",), "documents")],
)
def test_a_command_loads_its_area_only(repo: Path, args: tuple[str, ...], area: str) -> None:
    ok(repo, "start", "Lazy")
    _, after = modules_loaded(repo, *args)
    assert areas(after) == {area}
    assert "git_session.install" not in after and "git_session.sharing" not in after


def test_help_lists_every_command_so_loads_every_area(repo: Path) -> None:
    _, after = modules_loaded(repo, "--help")
    assert areas(after) == AREAS


def test_no_module_of_the_cli_is_over_300_lines() -> None:
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in PACKAGE.glob("*.py")}
    assert set(sizes) >= {f"{area}.py" for area in AREAS}
    assert {name: size for name, size in sizes.items() if size > 300} == {}


def test_every_package_of_the_code_is_shipped() -> None:
    """setuptools is given an explicit list of packages: a new one (as cli/) must be on it."""
    pyproject = (PACKAGE.parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    [listed] = re.findall(r"^packages = \[(.*)\]$", pyproject, re.MULTILINE)
    shipped = {name.strip().strip('"') for name in listed.split(",")}
    code = PACKAGE.parent
    packages = {".".join(p.parent.relative_to(code.parent).parts) for p in code.glob("**/__init__.py")}
    assert packages <= shipped
