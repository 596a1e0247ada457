"""The block ``agent install --instructions`` adds to an agent's instructions file
(AGENTS.md, CLAUDE.md, GEMINI.md): which ``git session`` commands record what, as facts.

The block sits between two marker lines naming git-session, appended at the end of the
file after one blank line; ``uninstall`` cuts the block and the white space install put
before it, so that a file nobody else touched is byte for byte as before (a file install
created goes).
"""

from __future__ import annotations

from dataclasses import dataclass

BEGIN = "<!-- git-session:begin (git session agent install --instructions; git session agent uninstall removes it) -->"
END = "<!-- git-session:end -->"

BODY = """\
## Working context: git-session

This repository keeps its working context in git with git-session: each branch has a
session (objectives, decisions, blockers, discoveries, next steps, checkpoints). Hooks
put the session's brief into the conversation at start, after a compaction and when a
prompt asks to continue; `git session brief` prints it on demand.

- A decision made: `git session decision add "TEXT" --rationale "WHY" --alternative "OTHER OPTION"`
- Something learnt the next person must know: `git session discovery add "TEXT"`
- Blocked: `git session blocker add "TEXT"`; unblocked: `git session blocker resolve ID --note "HOW"`
- A step finished: `git session note "TEXT"`, `git session objective done ID`, `git session next add "TEXT"`
- Before a risky change: `git session checkpoint -m "LABEL"`
- No session on the branch yet: `git session start "TITLE"`
"""

BLOCK = f"{BEGIN}\n{BODY}{END}\n"


@dataclass(frozen=True)
class Added:
    """What install put into the file: ``separator`` before the block; ``created``: the file."""

    separator: str
    created: bool = False


def add(text: str | None) -> tuple[str, Added] | None:
    """``text`` (None: no file) with the block appended; None when the block is there already."""
    if text is None:
        return BLOCK, Added("", created=True)
    if has_block(text):
        return None
    separator = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
    return text + separator + BLOCK, Added(separator)


def has_block(text: str) -> bool:
    return _span(text) is not None


def _span(text: str) -> tuple[int, int] | None:
    start = text.find(BEGIN + "\n")
    if start < 0 or (start > 0 and text[start - 1] != "\n"):
        return None
    end = text.find("\n" + END, start)
    if end < 0:
        return None
    end += len(END) + 1
    return start, end + 1 if text.startswith("\n", end) else end


def remove(text: str, added: Added) -> tuple[str | None, str]:
    """``text`` without the block and the separator install put before it (None: the file
    goes). The word says what happened: "removed", "edited" (the block was changed since:
    kept, as the user's now) or "absent"."""
    span = _span(text)
    if span is None:
        return text, "absent"
    start, end = span
    if text[start:end] != BLOCK:
        return text, "edited"
    if added.separator and text[:start].endswith(added.separator):
        start -= len(added.separator) if end == len(text) else 1  # in the middle: one line break stays
    new = text[:start] + text[end:]
    return (None if added.created and not new else new), "removed"
