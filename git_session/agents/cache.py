"""The answers the agent-hook shim serves without Python, rendered whenever a session changes.

Per branch and agent, ``<common-dir>/git-session/branches/<branch>/agent-<agent>~`` (the
``~`` keeps it apart from any branch's folder, as the trailers' cache does) holds, one
item a line::

    git-session-agent 1
    ref <the session's ref, or none>
    tip <the ref's tip it was rendered from, or none>
    start <the session-start answer: one JSON document, or nothing>
    brief <the answer to a continuation prompt: one JSON document, or nothing>
    prompt-event <the client's name of its prompt event>
    intent <a phrase of continuation intent, anywhere in a prompt>     (repeated)
    lead <a word of continuation intent, leading a prompt>             (repeated)
    filler <a word a prompt may start with before those>              (repeated)
    alt <an alternative a decision set aside, normalized>\t<its line, JSON-escaped>  (repeated)

The JSON is ASCII (every other character escaped), so one document is one line. The shim
uses the file while the session's ref still points at ``tip`` and no git config file is
newer; otherwise it runs ``git session agent hook``, which renders it again.

Settings (git config, per agent: claude, codex, gemini):
``session.<agent>.budget`` the characters of the brief (default: the client's, 8000 for
Claude and Gemini, 6000 for Codex; at least 200); ``session.<agent>.noSession`` what a
session start on a branch with no active session injects: ``hint`` (default: one line on
how to start one) or ``none`` (nothing).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from git_session import brief, data, paths, secrets, settings, trailers
from git_session.agents import prompts
from git_session.errors import SessionError
from git_session.fold import live_entries
from git_session.gitrepo import Repo
from git_session.integrations.agent_clients import AGENT_NAMES, CLIENTS, SHIM_NAME, AgentName, Event
from git_session.names import BranchName
from git_session.plaintext import safe
from git_session.sessions import Found, Workspace

MAGIC = "git-session-agent 1"
MIN_BUDGET = 200
NO_SESSION_CHOICES = ("hint", "none")
ALTERNATIVE_LINE = 300  # characters of a rejected alternative's line
MAX_ALTERNATIVES = 200  # alternatives the cache carries (the most recent decisions' first)


def budget(repo: Repo, agent: AgentName) -> int:
    """``session.<agent>.budget``, else the client's default; a value that is no number, or
    below MIN_BUDGET, is the default, and one above the client's limit is that limit."""
    chosen = settings.of(repo).number(f"{agent}.budget")  # git config, else .git-session/config.yaml
    client = CLIENTS[agent]
    if chosen is None:
        return client.budget
    return min(chosen, client.limit) if chosen >= MIN_BUDGET else client.budget


def no_session(repo: Repo, agent: AgentName) -> str:
    value = settings.of(repo).text(f"{agent}.noSession") or "hint"
    return value if value in NO_SESSION_CHOICES else "hint"


def document(agent: AgentName, event: Event, text: str) -> str:
    """The one JSON document a hook prints: exactly the schema every client takes. What it
    injects goes to the agent's model provider: its secrets are masked (as in the commit
    trailers; a push would refuse them)."""
    name = CLIENTS[agent].hook_events[event]
    context = injected(text)
    return json.dumps({"hookSpecificOutput": {"hookEventName": name, "additionalContext": context}}, ensure_ascii=True)


def escaped(text: str) -> str:
    """A text as the inside of a JSON string (ASCII, one line)."""
    return json.dumps(injected(text), ensure_ascii=True)[1:-1]


def injected(text: str) -> str:
    """A text as the hooks inject it: secrets masked, the clients' context tags harmless."""
    return prompts.unframed(secrets.masked(text)[0])


def active(ws: Workspace, branch: BranchName) -> Found | None:
    found = ws.open_session(branch)
    return found if found is not None and found.meta.status == "active" else None


def brief_text(ws: Workspace, found: Found, agent: AgentName) -> str:
    """The brief (facts, not orders) within the agent's budget."""
    short = ws.short_session_id(found.handle.id)
    made = brief.build(ws.store, found.handle, found.meta, short, budget(ws.repo, agent), CLIENTS[agent].title)
    return made.text


def hint(branch: str) -> str:
    return (
        f"git-session: no session is active on branch {safe(branch)[:80]}. "
        '`git session start "TITLE"` starts one; its brief is then given at every session start.'
    )


def rejected(ws: Workspace, found: Found) -> list[tuple[str, str]]:
    """(the alternative normalized, the line naming the decision that set it aside), the most
    recent decisions first."""
    decisions = live_entries(ws.store.entries(found.handle, "decision", private=True))
    found_lines: list[tuple[str, str]] = []
    for entry in sorted(decisions, key=lambda e: e.added, reverse=True):
        chosen = prompts.normalized(entry.text)
        for alternative in entry.alternatives:
            phrase = prompts.normalized(alternative)
            if len(phrase) < prompts.MIN_ALTERNATIVE or phrase == chosen:
                continue
            line = f"Recorded decision: {entry.text}"
            line += f" — because {entry.rationale}" if entry.rationale.strip() else ""
            line += f". It set aside {alternative}."
            found_lines.append((phrase, _one_line(line, ALTERNATIVE_LINE)))
            if len(found_lines) >= MAX_ALTERNATIVES:
                return found_lines
    return found_lines


def rejected_lines(alternatives: list[tuple[str, str]], prompt: str) -> list[str]:
    """The lines for the alternatives ``prompt`` names (one per decision, at most three)."""
    lines = [line for phrase, line in alternatives if prompts.names(prompt, phrase)]
    return list(dict.fromkeys(lines))[:3]


@dataclass(frozen=True)
class Rendered:
    text: str  # the cache file
    found: Found | None  # the session it was rendered from
    brief: str  # its brief ("" without one)
    alternatives: list[tuple[str, str]]  # what ``rejected`` gave


def render(ws: Workspace, branch: BranchName, agent: AgentName) -> Rendered:
    found = active(ws, branch)
    client = CLIENTS[agent]
    text = ""
    lines = [MAGIC]
    if found is None:
        text = hint(branch) if no_session(ws.repo, agent) == "hint" else ""
        lines += ["ref none", "tip none", f"start {document(agent, 'session-start', text) if text else ''}", "brief "]
        alternatives: list[tuple[str, str]] = []
    else:
        text = brief_text(ws, found, agent)
        lines += [f"ref {found.handle.ref}", f"tip {found.handle.tip}"]
        lines += [f"start {document(agent, 'session-start', text)}", f"brief {document(agent, 'prompt', text)}"]
        alternatives = rejected(ws, found)
    lines.append(f"prompt-event {client.hook_events['prompt']}")
    lines += [f"intent {p}" for p in prompts.INTENT_PHRASES]
    lines += [f"lead {p}" for p in prompts.INTENT_LEADS]
    lines += [f"filler {p}" for p in prompts.FILLERS]
    lines += [f"alt {phrase}\t{escaped(line)}" for phrase, line in alternatives]
    return Rendered("\n".join(lines) + "\n", found, text if found is not None else "", alternatives)


def path(repo: Repo, branch: str, agent: AgentName) -> Path | None:
    """Where a branch's answers for an agent are kept (None for a name no cache may have)."""
    if agent not in AGENT_NAMES or not trailers.has_cache(branch):
        return None
    return paths.agent_cache(repo, branch, agent)


def write(ws: Workspace, branch: BranchName, agent: AgentName) -> Rendered:
    """Render the branch's answers for ``agent`` and keep them (where its name may have a cache)."""
    rendered = render(ws, branch, agent)
    where = path(ws.repo, branch, agent)
    if where is not None:
        install_shim(ws.repo)
        paths.agent_state_dir(ws.repo, agent).mkdir(parents=True, exist_ok=True)
        paths.agent_queue(ws.repo).mkdir(parents=True, exist_ok=True)
        trailers.write_atomically(where, rendered.text.encode("utf-8"))
    return rendered


def agents_in_use(repo: Repo) -> list[AgentName]:
    """The agents whose hooks have run in this repository (each has a folder of its sessions)."""
    return [a for a in AGENT_NAMES if paths.agent_state_dir(repo, a).is_dir()]


def refresh(ws: Workspace, branch: BranchName, agents: Iterable[AgentName] | None = None) -> None:
    """Render the answers of every agent in use on ``branch``. Rendering is a convenience:
    a failure leaves the old file, which names an old tip, so the shim asks Python."""
    for agent in agents if agents is not None else agents_in_use(ws.repo):
        try:
            write(ws, branch, agent)
        except (OSError, SessionError):
            continue


def install_shim(repo: Repo) -> None:
    """Put the package's shim at ``<common-dir>/git-session/agent-hook`` when it differs."""
    shipped = data.hook(SHIM_NAME)
    trailers.write_atomically(paths.agent_shim(repo), shipped, only_if_changed=True)


def _one_line(text: str, width: int) -> str:
    flat = safe(" ".join(text.split()))
    return flat if len(flat) <= width else flat[: width - 1] + "…"
