"""Advice that names the command line's syntax comes from the front end: the core gives a
code (``errors.Advice``) and its data, ``cli_hints`` spells it as the CLI's commands and flags."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from git_session.cli import hints as cli_hints
from git_session.errors import Advice, DataError, SessionError, UserError
from tests.helpers import fails, make_repo, ok

PACKAGE = Path(__file__).resolve().parent.parent / "git_session"
FRONT_END = {"cli"}  # cli: the command line as a package (issue 10)
# manpage.py documents the command line (the man page and the README's reference): it is a
# dev tool of the front end's documentation, not core (it is moving out of the package).
NOT_CORE = {"manpage.py"}
# Literals in the core (paths relative to the package) that may name the command line, each
# with the reason.
ALLOWED = {
    # The brief and status are documents for the reader (an agent runs these commands);
    # they say where the rest is, as every front end shows the same brief.
    ("brief.py", "git session show"),
    # The block written into an agent's instructions file: the commands the agent runs,
    # and (in its marker) the ones that add and remove the block.
    ("integrations/instructions.py", "<!-- git-session:begin ("),
    ("integrations/instructions.py", "## Working context: git-session"),
    ("render.py", "git session objective list"),
    # What an agent's hooks inject: the agent runs these commands (issue 12).
    ("agents/cache.py", "git session start"),
    ("agents/events.py", "git session show"),
    ("render.py", "git session blocker list"),
    ("render.py", "git session next list"),
    # Stored in the handoff entry itself: the clipped text says how to get all of it.
    ("handoff.py", "render it with git session handoff"),
    # git's own command lines (not ours): the same advice whatever the front end.
    ("gitrepo.py", "git config --global user.name"),
    ("redact.py", "git notes --ref=sessions show"),
    ("repair.py", "git notes --ref=sessions shows it"),
    # A reflog message, recording what moved the ref: history, not advice.
    ("repair.py", "git-session: doctor --fix, from the reflog"),
    # A regular expression of the secret scan that happens to contain " --".
    ("secrets.py", "mysql"),
    # The command git's hooks run (the shims in hooks/ call it too) and a hook manager's
    # configuration must call: what the hooks execute, whatever front end a user has.
    ("integrations/shims.py", "git session hook run"),
    # The command an agent client's configuration runs (it finds the repository's shim).
    ("integrations/agent_clients.py", "--git-common-dir"),
    ("integrations/agent_clients.py", "--git-dir"),
}
_FLAG = re.compile(r"(?<![\w-])--[a-z]")


def _names_the_cli(text: str) -> bool:
    """``git session …`` or a ``--flag`` inside prose (a lone ``--flag`` is an argument to git)."""
    return "git session " in text or (" " in text.strip() and _FLAG.search(text) is not None)


def _literals(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module, docstrings left out."""
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def _core_modules() -> dict[str, Path]:
    """Every module of the package but the front end's, by its path in the package
    (``integrations/git_hooks.py``): subpackages are core too."""
    found = {path.relative_to(PACKAGE).as_posix(): path for path in sorted(PACKAGE.rglob("*.py"))}
    return {name: path for name, path in found.items() if name.split("/")[0] not in FRONT_END | NOT_CORE}


def test_no_core_literal_names_the_command_line() -> None:
    found = []
    for name, path in _core_modules().items():
        for line, text in _literals(path):
            allowed = any(name == where and part in text for where, part in ALLOWED)
            if _names_the_cli(text) and not allowed:
                found.append(f"{name}:{line}: {text[:80]!r}")
    assert found == []


def test_the_scan_reaches_the_integrations_and_doctor() -> None:
    modules = _core_modules()
    assert {"doctor.py", "integrations/git_hooks.py", "integrations/hook_managers.py"} <= modules.keys()
    assert "integrations/record.py" in modules and "cli.py" not in modules


def test_every_allowance_is_still_needed() -> None:
    texts = {name: [t for _, t in _literals(path)] for name, path in _core_modules().items()}
    unused = [(name, part) for name, part in ALLOWED if not any(part in t for t in texts[name])]
    assert unused == []


def test_the_check_sees_a_flag_and_a_command() -> None:
    assert _names_the_cli("pass --session ID")
    assert _names_the_cli('start one with: git session start "TITLE"')
    assert not _names_the_cli("--format=%H")  # an argument to git
    assert not _names_the_cli("free some space, then run the command again")


@pytest.mark.parametrize("advice", list(Advice))
def test_every_advice_has_its_words_on_the_command_line(advice: Advice) -> None:
    tables = [cli_hints.HINTS, cli_hints.MESSAGES, cli_hints.REMEDIES, cli_hints.NOTES]
    assert [advice in table for table in tables].count(True) == 1


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_hint_templates_name_only_the_data_the_core_gives() -> None:
    given = {
        Advice.THEIRS_OR_YOURS: {"short"},
        Advice.LIST_ENTRIES: {"kind"},
        Advice.CONTINUE_IN_NEW: {"short"},
        Advice.CLOCK_OR_NEW: {"short"},
        Advice.PUSH_LATER: {"remote"},
        Advice.ADRS_FOR_ENDED: {"short", "directory"},
        Advice.DOCTOR_FINDS_SESSIONS: {"what"},
        Advice.INSTALL_MANUAL_FOR: {"manager"},
        Advice.SECRET_ALSO: {"what", "where", "excerpt", "fingerprint"},
    }
    templates = {advice: text for advice, text in cli_hints.HINTS.items() if isinstance(text, str)}
    assert {advice: _fields(text) for advice, text in templates.items() if _fields(text)} == given


def test_the_front_end_renders_advice_then_the_core_hint() -> None:
    error = UserError("2 open sessions", "candidates: 01abc, 01abd", advice=Advice.CHOOSE_ONE)
    assert cli_hints.message(error) == "2 open sessions"
    assert cli_hints.hint(error) == "choose one with: git session resume ID\ncandidates: 01abc, 01abd"
    assert error.hint == "candidates: 01abc, 01abd"  # what another front end sees: no CLI syntax


def test_advice_passed_along_follows_the_new_errors_own() -> None:
    inner = DataError("cannot", "look", advice=Advice.DOCTOR_LISTS_REFS)
    outer = SessionError("wrapped", inner.hint, advice=Advice.END_WITHOUT_ADR, advised=inner.advised)
    assert cli_hints.hint(outer) == (
        "the ADRs are written: end the session again without --adr\ngit session doctor lists such refs\nlook"
    )


def test_an_option_message_is_the_front_ends_and_the_core_keeps_a_plain_one() -> None:
    error = UserError("a rationale goes with a decision", advice=Advice.RATIONALE_WITHOUT_DECISION)
    assert cli_hints.message(error) == "--rationale goes with --decision TEXT"
    assert cli_hints.hint(error) is None
    assert "--" not in error.message


@pytest.mark.parametrize(
    ("remedy", "data", "line"),
    [
        (
            Advice.REDACT_ENTRY,
            {"entry": "01e", "session": "01s"},
            "remove it with: git session redact 01e --session 01s (then push again)",
        ),
        (
            Advice.REDACT_COMMIT,
            {"session": "01s"},
            "remove it with: git session redact ENTRY --session 01s (then push again)",
        ),
        (Advice.REDACT_NOTE, {"target": "abc"}, "remove it with: git session redact --note abc (then push again)"),
        (
            Advice.ROTATE_FIELD,
            {},
            "a session's field cannot be redacted (redact takes out entries): rotate the secret, then acknowledge it",
        ),
    ],
)
def test_a_secret_remedy_is_spelt_by_the_front_end(remedy: Advice, data: dict[str, str], line: str) -> None:
    error = UserError("push stopped", advice=Advice.SECRET_REMOVE, data={**data, "remedy": remedy.value})
    assert cli_hints.hint(error) == line


def test_acknowledging_names_the_session_of_the_finding() -> None:
    data = {"prints": "f1 f2", "session": "01s"}
    error = UserError("push stopped", advice=Advice.SECRET_ACKNOWLEDGE, data=data)
    assert cli_hints.hint(error) == "not a secret? acknowledge it: git session secrets allow f1 f2 --session 01s"
    error = UserError("push stopped", advice=Advice.SECRET_ACKNOWLEDGE, data={**data, "session": ""})
    assert cli_hints.hint(error) == "not a secret? acknowledge it: git session secrets allow f1 f2"


def test_restore_advice_names_the_session_only_when_the_user_did() -> None:
    data = {"failure": "interrupted", "undo": "01abc", "session": ""}
    error = UserError("restore failed", advice=Advice.RESTORE_PUT_BACK, data=data)
    assert cli_hints.message(error).endswith("(git session restore 01abc)")
    error = UserError("restore failed", advice=Advice.RESTORE_PUT_BACK, data={**data, "session": "01xyz"})
    assert cli_hints.message(error).endswith("(git session restore 01abc --session 01xyz)")


def test_the_cli_renders_a_coded_hint(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert fails(repo, "status") == (
        "git-session: no session on branch 'main'\nhint: start one with: git session start \"TITLE\"\n"
    )
    ok(repo, "start", "first")
    assert fails(repo, "start", "second") == (
        "git-session: session " + _short(repo) + " is already active on branch 'main'\n"
        "hint: pause or end it first, or work in it: git session status\n"
    )


def _short(repo: Path) -> str:
    from git_session.sessions import Workspace

    ws = Workspace.open(str(repo))
    return ws.short_session_id(ws.find(None).handle.id)
