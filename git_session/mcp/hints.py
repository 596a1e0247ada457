"""The MCP server's words for the advice the core gives by code (``errors.Advice``), as
``git_session.cli.hints`` has the command line's: what an agent does next is a tool call
with an argument, or, for what no tool does, the command to run in the repository."""

from __future__ import annotations

from collections.abc import Mapping

from git_session.errors import Advice, Advised, SessionError
from git_session.plaintext import safe

SESSION_ARGUMENT = "pass session (an id prefix, branch or title)"

# The hint line for each piece of advice the tools can meet, ``{name}`` filled from its data.
HINTS: Mapping[Advice, str] = {
    Advice.PASS_SESSION: SESSION_ARGUMENT,
    Advice.SWITCH_OR_PASS_SESSION: f"check out a branch, or {SESSION_ARGUMENT}",
    Advice.START_ONE: 'start one in the repository: git session start "TITLE"',
    Advice.CHOOSE_ONE: f"{SESSION_ARGUMENT}, or choose one for good: git session resume ID",
    Advice.THEIRS_OR_YOURS: (
        "work in theirs: pass session {short} (or git session resume {short}); "
        'or start your own: git session start "TITLE"'
    ),
    Advice.LIST_ALL_SESSIONS: "see them all with the sessions tool (all: true)",
    Advice.LIST_ENTRIES: "see the session's entries with the read tool (view: show)",
    Advice.SHOW_SESSION: "see the session's entries with the read tool (view: show)",
    Advice.PAUSE_END_OR_WORK_IN_IT: "pause or end it first (git session pause), or work in it",
    Advice.CONTINUE_IN_NEW: "start a new one, continuing it: git session start --from {short}",
    Advice.CLOCK_OR_NEW: (
        "an operation with this time or clock could not be read back; check the system clock and "
        "GIT_AUTHOR_DATE, or continue in a new session: git session start --from {short}"
    ),
    Advice.RECORD_AS_SOURCE: "keep long material in a file and record its path (record, kind: source)",
    Advice.NAME_REMOTE: "name the remote (remote: NAME)",
    Advice.WORK_TREE_NEEDED: "start the server in a work tree (a clone, or git worktree add)",
    Advice.NOT_A_REPOSITORY: "start the server inside a git work tree (its working directory, or git -C DIR)",
    Advice.DOCTOR_LISTS_REFS: "git session doctor lists such refs",
    Advice.DOCTOR_FINDS_SESSIONS: "git fsck shows {what}; git session doctor finds the sessions it breaks",
}

# Errors whose whole line the core phrased as the command line's (an option's name).
MESSAGES: Mapping[Advice, str] = {
    Advice.RATIONALE_WITHOUT_DECISION: "rationale goes with decision",
    Advice.TEMPLATE_WITH_JSON: "a template does not apply to the JSON format",
}


def message(exc: SessionError) -> str:
    """The error's line: the core's message, unless its own advice is phrased here whole."""
    own = exc.advised[0].advice if exc.advice is not None else None
    return MESSAGES.get(own, exc.message) if own is not None else exc.message


def hint(exc: SessionError) -> str | None:
    """The hint lines: the advice the server has words for, then the core's own hint."""
    lines = [_render(a) for a in exc.advised if a.advice in HINTS]
    if exc.hint:
        lines.append(exc.hint)
    return "\n".join(lines) or None


def _render(advised: Advised) -> str:
    return HINTS[advised.advice].format_map(advised.data)


def error_text(exc: SessionError) -> str:
    """What a failed tool call says: ``git-session: MESSAGE`` and ``hint: …`` lines, as on the
    command line's stderr."""
    lines = [f"git-session: {safe(message(exc))}"]
    lines += [f"hint: {safe(line)}" for line in (hint(exc) or "").splitlines()]
    return "\n".join(lines)
