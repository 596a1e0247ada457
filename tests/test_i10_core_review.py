"""Review of issue 10's "core usable from a long-running process" (advice codes, no cached
clock, no user-error class for internal failures), with the integrations plug-in point.

The install refusals, doctor's findings and the push report's reasons that name the command
line now come from the core as ``errors.Advice`` codes; the command line spells them
(``cli_hints``) byte for byte as before. Each text here is the one the CLI printed before.
"""

from __future__ import annotations

import ast
import fcntl
import json
from pathlib import Path

import pytest

from git_session.cli import hints as cli_hints
from git_session.doctor import doctor
from git_session.errors import EXIT_INTERNAL, Advice, DataError, UserError
from git_session.gitrepo import Repo
from git_session.integrations import record, shims
from git_session.names import NOTES_REF
from git_session.sessions import Workspace
from tests.helpers import fails, git, make_repo_with_remote, ok, run

FIRST = shims.shipped_hooks()[0].name
CHAINED = shims.CHAINED_SUFFIX


def hooks(repo: Path) -> Path:
    return repo / git(repo, "rev-parse", "--git-path", "hooks").strip()


def foreign_hook(repo: Path, name: str) -> Path:
    path = hooks(repo) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


# --- install's refusals --------------------------------------------------------------------


def test_a_hook_and_its_chained_copy_both_in_place_refuse_install(repo: Path) -> None:
    path = foreign_hook(repo, FIRST)
    foreign_hook(repo, FIRST + CHAINED)
    assert fails(repo, "install") == (
        f"git-session: {path} is not git-session's, and {FIRST}{CHAINED} (the hook it would chain) already exists\n"
        "hint: move one of them away, then run git session install again\n"
    )


def test_install_while_another_holds_the_lock_names_the_commands(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record, "INSTALL_LOCK_WAIT", 0.0)
    lock = Path(git(repo, "rev-parse", "--git-common-dir").strip())
    lock = (lock if lock.is_absolute() else repo / lock) / "git-session" / "install.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert fails(repo, "install") == (
            "git-session: another git session install, uninstall or doctor --fix is running here\n"
        )
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(UserError) as raised, record.install_lock(Repo.discover(str(repo))):
            pass
    assert (raised.value.message, raised.value.advised[0].advice) == (
        "another install, uninstall or repair is running here",
        Advice.INSTALL_RUNNING,
    )


def test_the_hooks_path_routes_are_the_front_ends_and_the_core_gives_their_lines(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", "custom")
    err = fails(repo, "install")
    assert err.startswith(
        "git-session: core.hooksPath is set to custom (in file:"
        f"{repo / '.git/config'}): git-session does not install there unasked\n"
        "hint: choose one of:\n"
        f"hint:   git session install --force    install into {repo / 'custom'}, chaining the hooks already there\n"
        "hint:   git session install --manual   print what to add to husky, lefthook or pre-commit\n"
        "hint:   git session install --manual, then config-based hooks"
    )
    assert f"hint:     git config hook.git-session-{FIRST}.event {FIRST}\n" in err


# --- doctor's findings ----------------------------------------------------------------------


def test_a_foreign_hook_finding_says_fix_chains_it(repo: Path) -> None:
    ok(repo, "install")
    (hooks(repo) / FIRST).unlink()
    foreign_hook(repo, FIRST)
    out = run(repo, "doctor").stdout
    assert f"problem: hook {FIRST}: a hook that is not git-session's is in place (--fix chains it)\n" in out
    [finding] = [f for f in doctor(Repo.discover(str(repo))).findings if f.subject == f"hook {FIRST}"]
    assert (finding.message, finding.advice) == ("a hook that is not git-session's is in place", Advice.FIX_CHAINS)


def test_an_older_installs_rewrite_ref_finding_says_fix_replaces_it(repo: Path) -> None:
    ok(repo, "install")
    git(repo, "config", "--local", "--unset-all", "notes.rewriteRef")
    git(repo, "config", "--local", "--add", "notes.rewriteRef", NOTES_REF)
    path = Path(git(repo, "rev-parse", "--git-common-dir").strip())
    marker = (path if path.is_absolute() else repo / path) / "git-session" / "hooks-installed"
    marker.write_text(json.dumps({"version": 1, "hooks_dirs": [], "config": [["notes.rewriteRef", NOTES_REF]]}))
    out = run(repo, "doctor").stdout
    assert (
        f"problem: config notes.rewriteRef: {NOTES_REF} (set by an older install) makes every amend warn until "
        f"{NOTES_REF} exists; refs/notes/session[s] does not (--fix replaces it)\n"
    ) in out


def test_a_hook_managers_finding_says_install_manual_shows_how(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", ".husky/_")
    (repo / ".husky/_").mkdir(parents=True)
    (repo / ".husky/_/h").write_text("#!/usr/bin/env sh\n")
    out = run(repo, "doctor").stdout
    assert out.startswith(
        f"warning: hooks: {repo / '.husky/_'} is managed by husky; its configuration must call "
        "`git session hook run NAME` (git session install --manual shows how)\n"
    )


def test_findings_and_reasons_name_no_command_line_syntax_in_the_core(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", "custom")
    findings = doctor(Repo.discover(str(repo))).findings
    assert findings and all("--" not in f.message and "git session install" not in f.message for f in findings)


# --- the push report ------------------------------------------------------------------------


def test_notes_that_are_no_commit_stay_here_and_the_cli_names_doctor(tmp_path: Path) -> None:
    repo, _ = make_repo_with_remote(tmp_path)
    blob = git(repo, "hash-object", "-w", "--stdin", input="junk\n").strip()
    git(repo, "update-ref", NOTES_REF, blob)
    pushed = run(repo, "push")
    assert pushed.exit_code == 3
    assert (
        f"git-session: warning: not pushed: {NOTES_REF}: {NOTES_REF} is not a notes commit here (git session doctor)\n"
    ) in pushed.stderr


def test_every_note_the_cli_adds_is_one_of_its_own() -> None:
    assert cli_hints.noted("x", None) == "x"
    assert all(cli_hints.noted("x", advice).startswith("x") for advice in cli_hints.NOTES)


# --- advice passed along ----------------------------------------------------------------------


def test_advice_passed_along_never_replaces_the_wrappers_own_line() -> None:
    """Only an error's own advice may spell its whole line: an error that wraps another
    (``advised=``) keeps its message when the wrapped one's advice is a message of its own."""
    data = {"failure": "interrupted", "undo": "01abc", "session": ""}
    inner = UserError("restore failed", advice=Advice.RESTORE_PUT_BACK, data=data)
    outer = DataError("session 01s: restore failed", advised=inner.advised)
    assert cli_hints.message(outer) == "session 01s: restore failed"
    assert cli_hints.message(inner).startswith("restore failed (interrupted); the files were put back")


def test_advice_missing_its_data_is_an_internal_error_not_a_traceback(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hint is spelt inside the error boundary: advice raised without the data its words
    need (a bug) must end as an internal error with a crash log, as any other bug does."""

    def refuse(self: Workspace, spec: str | None) -> None:
        raise UserError("no session of yours here", advice=Advice.THEIRS_OR_YOURS)  # no "short"

    monkeypatch.setattr(Workspace, "find", refuse)
    result = run(repo, "status")
    assert result.exit_code == EXIT_INTERNAL
    assert result.stderr.startswith("git-session: internal error: KeyError('short')\nhint: the details are in ")


# --- every raise site gives the data its advice's words need -----------------------------------

PACKAGE = Path(__file__).resolve().parent.parent / "git_session"
FRONT_END = {"cli.py", "cli", "cli_hints.py", "manpage.py"}


def _needs(advice: Advice) -> set[str] | None:
    """The data keys the command line's words for ``advice`` read (``None``: which ones
    depends on the data itself, as a secret's remedy does)."""
    asked: set[str] = set()

    class Asked(dict[str, str]):
        def __getitem__(self, key: str) -> str:
            asked.add(key)
            return "x"

    words = {**cli_hints.HINTS, **cli_hints.MESSAGES, **cli_hints.REMEDIES}.get(advice)
    try:
        if isinstance(words, str):
            words.format_map(Asked())
        elif words is not None:
            words(Asked())
    except ValueError:  # Advice(data["remedy"]): the remedy's own keys count too
        return None
    return asked


def _advice(node: ast.expr) -> list[Advice]:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Advice":
        return [Advice[node.attr]]
    return []


def _keys(node: ast.expr | None) -> set[str] | None:
    """The keys of a literal dict (``None``: not a literal, so not checked here)."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return set()
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
        return {str(k.value) for k in node.keys if isinstance(k, ast.Constant)}
    return None


Site = tuple[Advice, ast.expr | None]


def _sites(call: ast.Call) -> list[Site]:
    """Each (advice, data) a call gives: ``advice=``/``data=`` keywords, or ``Advised(ADVICE, DATA)``."""
    named = {k.arg: k.value for k in call.keywords if k.arg}
    if isinstance(call.func, ast.Name) and call.func.id == "Advised" and call.args:
        return [(a, call.args[1] if len(call.args) > 1 else None) for a in _advice(call.args[0])]
    advice, data = named.get("advice"), named.get("data")
    if isinstance(advice, ast.IfExp) and isinstance(data, ast.IfExp):  # LIST_ENTRIES if kind else SHOW_SESSION
        sites: list[Site] = [(a, data.body) for a in _advice(advice.body)]
        return sites + [(a, data.orelse) for a in _advice(advice.orelse)]
    return [(a, data) for a in _advice(advice)] if advice is not None else []


def test_every_raise_site_gives_the_data_its_advice_needs() -> None:
    missing, checked = [], 0
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name.split("/")[0] in FRONT_END:
            continue
        calls = [node for node in ast.walk(ast.parse(path.read_text("utf-8"))) if isinstance(node, ast.Call)]
        for node in calls:
            for advice, data in _sites(node):
                needs, keys = _needs(advice), _keys(data)
                if needs is None or keys is None:
                    continue
                checked += 1
                if not needs <= keys:
                    missing.append(f"{name}:{node.lineno}: {advice.name} lacks {sorted(needs - keys)}")
    assert missing == []
    assert checked >= 30  # the scan does see the raise sites


def _func(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")


def _advice_given(call: ast.Call) -> list[Advice]:
    """Every ``Advice.X`` a call passes, as an argument or a branch of one."""
    values = [*call.args, *(k.value for k in call.keywords)]
    values += [branch for v in values if isinstance(v, ast.IfExp) for branch in (v.body, v.orelse)]
    return [a for v in values for a in _advice(v)]


def test_each_advice_is_given_where_the_command_line_spells_it() -> None:
    """An error's advice is a hint or its whole line, a report line's is a note, an
    ``Advised`` is a hint or a remedy: advice given elsewhere would never be shown."""
    tables = {
        "error": {*cli_hints.HINTS, *cli_hints.MESSAGES},
        "line": set(cli_hints.NOTES),
        "Advised": {*cli_hints.HINTS, *cli_hints.REMEDIES},
    }
    wrong, seen = [], 0
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name.split("/")[0] in FRONT_END:
            continue
        for call in [n for n in ast.walk(ast.parse(path.read_text("utf-8"))) if isinstance(n, ast.Call)]:
            func = _func(call)
            kind = "line" if func in ("Finding", "Reason") else "Advised" if func == "Advised" else "error"
            for advice in _advice_given(call):
                seen += 1
                if advice not in tables[kind]:
                    wrong.append(f"{name}:{call.lineno}: {func}(... {advice.name}) is not a {kind}'s advice")
    assert wrong == []
    assert seen >= 40
