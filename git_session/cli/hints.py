"""The command line's words for the advice the core gives by code (``errors.Advice``).

The core says *what* to do next (name the session, start one, push later) and with
which values; only this front end knows that it is spelt ``--session ID`` or
``git session start "TITLE"``. Another front end (the MCP server) keeps its own table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from git_session.errors import Advice, Advised, SessionError

Render = Callable[[Mapping[str, str]], str]

# What takes a secret out of what a push would send: a command, or what to do instead.
REMEDIES: Mapping[Advice, Render] = {
    Advice.REDACT_ENTRY: lambda data: f"git session redact {data['entry']} --session {data['session']}",
    Advice.REDACT_COMMIT: lambda data: f"git session redact ENTRY --session {data['session']}",
    Advice.REDACT_NOTE: lambda data: f"git session redact --note {data['target']}",
    Advice.ROTATE_FIELD: lambda data: (
        "a session's field cannot be redacted (redact takes out entries): rotate the secret, then acknowledge it"
    ),
}


def _remedy(data: Mapping[str, str]) -> str:
    return REMEDIES[Advice(data["remedy"])](data)


def _remove(data: Mapping[str, str]) -> str:
    command = Advice(data["remedy"]) is not Advice.ROTATE_FIELD
    return f"remove it with: {_remedy(data)} (then push again)" if command else _remedy(data)


def _acknowledge(data: Mapping[str, str]) -> str:
    where = f" --session {data['session']}" if data["session"] else ""
    return f"not a secret? acknowledge it: git session secrets allow {data['prints']}{where}"


def _hooks_path_routes(data: Mapping[str, str]) -> str:
    """The three ways forward when core.hooksPath is set (``config``: the config-based hooks' lines)."""
    return "\n".join(
        [
            "choose one of:",
            f"  git session install --force    install into {data['path']}, chaining the hooks already there",
            "  git session install --manual   print what to add to husky, lefthook or pre-commit",
            f"  git session install --manual, then config-based hooks{data['needs']}, which run beside core.hooksPath:",
            *(f"    {line}" for line in data["config"].splitlines()),
        ]
    )


# The hint line(s) for each piece of advice: ``{name}`` filled from its data, or a function of it.
HINTS: Mapping[Advice, str | Render] = {
    Advice.PASS_SESSION: "pass --session ID",
    Advice.SWITCH_OR_PASS_SESSION: "check out a branch (git switch NAME) or pass --session ID",
    Advice.START_ONE: 'start one with: git session start "TITLE"',
    Advice.CHOOSE_ONE: "choose one with: git session resume ID",
    Advice.THEIRS_OR_YOURS: (
        "work in theirs: git session resume {short} (or --session {short}); "
        'or start your own: git session start "TITLE"'
    ),
    Advice.LIST_ALL_SESSIONS: "see them all with: git session list --all",
    Advice.LIST_ENTRIES: "list them with: git session {kind} list",
    Advice.SHOW_SESSION: "see them with: git session show",
    Advice.PAUSE_END_OR_WORK_IN_IT: "pause or end it first, or work in it: git session status",
    Advice.CONTINUE_IN_NEW: "start a new one, continuing it: git session start --from {short}",
    Advice.CLOCK_OR_NEW: (
        "an operation with this time or clock could not be read back; check the system clock and "
        "GIT_AUTHOR_DATE, or continue in a new session: git session start --from {short}"
    ),
    Advice.RECORD_AS_SOURCE: "keep long material in a file and record it with `git session source add PATH`",
    Advice.NAME_REMOTE: "name one: git session push REMOTE",
    Advice.PUSH_LATER: "try again later: git session push {remote}",
    Advice.ADRS_FOR_ENDED: "to write its ADRs: git session adr {short} --dir {directory}",
    Advice.END_WITHOUT_ADR: "the ADRs are written: end the session again without --adr",
    Advice.END_WITHOUT_HANDOFF: "end it without a handoff: git session end --no-handoff",
    Advice.WORK_TREE_NEEDED: "run git session in a work tree (a clone, or git worktree add)",
    Advice.NOT_A_REPOSITORY: "run git session inside a git work tree, or pass -C DIR to git",
    Advice.SECRET_ALSO: "also: {what} in {where}: {excerpt} [{fingerprint}]",
    Advice.SECRET_REMOVE: _remove,
    Advice.NOTHING_SENT: "nothing was sent",
    Advice.SECRET_ACKNOWLEDGE: _acknowledge,
    Advice.TOO_LARGE_TO_SCAN: lambda data: f"take it out with: {_remedy(data)} (then push again); nothing was sent",
    Advice.DOCTOR_LISTS_REFS: "git session doctor lists such refs",
    Advice.DOCTOR_FINDS_SESSIONS: "git fsck shows {what}; git session doctor finds the sessions it breaks",
    Advice.INSTALL_MANUAL_FOR: "call git-session's hooks from {manager}'s configuration: git session install --manual",
    Advice.HOOKS_PATH_ROUTES: _hooks_path_routes,
    Advice.MOVE_ONE_AWAY: "move one of them away, then run git session install again",
}


def _render(advised: Advised) -> str:
    text = HINTS[advised.advice]
    return text.format_map(advised.data) if isinstance(text, str) else text(advised.data)


def _restore(data: Mapping[str, str]) -> str:
    """The command that restores the undo checkpoint a failed restore left."""
    return f"git session restore {data['undo']}" + (f" --session {data['session']}" if data["session"] else "")


# Errors whose whole message is in the command line's terms (its options, a command to run).
MESSAGES: Mapping[Advice, Render] = {
    Advice.TEMPLATE_WITH_JSON: lambda data: "--template does not apply to --format json",
    Advice.RATIONALE_WITHOUT_DECISION: lambda data: "--rationale goes with --decision TEXT",
    Advice.RESTORE_PUT_BACK: lambda data: (
        f"restore failed ({data['failure']}); the files were put back as checkpoint {data['undo']} holds them "
        f"({_restore(data)})"
    ),
    Advice.RESTORE_NOT_PUT_BACK: lambda data: (
        f"restore failed ({data['failure']}) and putting the files back failed too ({data['also']}); "
        f"checkpoint {data['undo']} holds them: {_restore(data)}"
    ),
    Advice.INSTALL_RUNNING: lambda data: "another git session install, uninstall or doctor --fix is running here",
}

# What the command line adds to a line of a report the core made (a doctor's finding, why a
# ref was not pushed): the command or option that deals with it.
NOTES: Mapping[Advice, str] = {
    Advice.FIX_RESTORES: " (--fix restores it from its reflog)",
    Advice.FIX_CHAINS: " (--fix chains it)",
    Advice.FIX_REPLACES: " (--fix replaces it)",
    Advice.INSTALL_FORCE_OR_MANUAL: ": git session install --force, or --manual",
    Advice.INSTALL_MANUAL_SHOWS: " (git session install --manual shows how)",
    Advice.DOCTOR_EXAMINES: " (git session doctor)",
}


def noted(text: str, advice: Advice | None) -> str:
    """A line of a report with what the command line adds to it, if anything."""
    return text if advice is None else text + NOTES[advice]


def message(exc: SessionError) -> str:
    """The error's line: the core's message, unless its own advice renders the whole line
    (advice passed along from an error it wraps never does: the wrapper's line is its own)."""
    own = exc.advised[0] if exc.advice is not None else None
    return MESSAGES[own.advice](own.data) if own is not None and own.advice in MESSAGES else exc.message


def hint(exc: SessionError) -> str | None:
    """The hint lines: each piece of advice in command-line terms, then the core's own hint."""
    lines = [_render(a) for a in exc.advised if a.advice in HINTS]
    if exc.hint:
        lines.append(exc.hint)
    return "\n".join(lines) or None
