"""What each agent hook event does, on the Python side (``git session agent hook``).

The shim (hooks/agent-hook) answers session starts and prompts from the cache while it is
fresh; everything else comes here. Each event returns the one JSON document to print, or
None (print nothing). What is recorded:

- session-start: the agent and its model as the session's ``agent``/``model`` fields (when
  they change), and a private ``source`` entry per agent session (never pushed): its id, the
  client, the model and the transcript's path (never its content).
- pre-compact: a checkpoint labelled ``compaction N`` carrying ``compaction: N`` (counted as
  the session's ``compactions``), and a marker in the agent session's state so that the
  next session start or prompt injects the brief again. Fired again before that, with the
  session unchanged, it records nothing more.
- prompt: the brief on continuation intent or after a compaction; else the changes since
  that agent session last saw the session, and a line per alternative a decision set aside
  that the prompt names; usually nothing.
- subagent-stop: a note recording the spawned agent (``spawned_agent``, ``spawn_status``,
  ``outcome``, ``task`` when known).
- stop, session-end: nothing.

Per agent session, ``<common-dir>/git-session/agents/<agent>/<session id>`` keeps what it
saw (``seen <tip>``) and, after a compaction, ``compacted <N>``. An agent session id names
a file only when it is made of ``[A-Za-z0-9._-]`` and starts with a letter or digit.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
import stat
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from git_session import paths
from git_session.agents import cache, prompts
from git_session.errors import SessionError
from git_session.gitrepo import read_data
from git_session.integrations.agent_clients import AGENT_NAMES, CLIENTS, EVENTS, AgentName, Event
from git_session.model import Fields, FieldValue
from git_session.names import BranchName, ObjectId
from git_session.plaintext import safe
from git_session.sessions import Found, Workspace

SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
MAX_INPUT = 4 * 1024 * 1024
MAX_FIELD = 4096
MAX_QUEUED = 50  # queued session starts recorded per run
MAX_QUEUE_FILE = 128 * 1024
MAX_QUEUE_AGE = 60  # seconds a queued start that does not parse is kept (it may be being written)
CHANGE_LINES = 12
CHANGE_WIDTH = 200
OUTCOME_WIDTH = 200
COMPACTION_FIELD = "compaction"
_SHOWN_FIELDS = ("title", "status", "tldr", "current", "reason")


@dataclass(frozen=True)
class HookInput:
    """The fields of a client's hook input git-session reads (texts, or None)."""

    session_id: str | None
    prompt: str
    source: str | None
    model: str | None
    transcript_path: str | None
    agent_type: str | None
    # Claude Code runs its own compaction as a sub-agent whose SubagentStop carries an empty
    # agent_type (seen on 2.1.197): no agent the user spawned.
    internal_agent: bool
    task: str | None
    outcome: str | None
    trigger: str | None


def parse(raw: bytes) -> HookInput | None:
    """The hook input, or None when it is no JSON object. A session id that could name
    something other than one file is dropped (None)."""
    if len(raw) > MAX_INPUT:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    sid = _text(value, "session_id")
    return HookInput(
        session_id=sid if sid is not None and SESSION_ID.fullmatch(sid) else None,
        prompt=value["prompt"] if isinstance(value.get("prompt"), str) else "",
        source=_text(value, "source"),
        model=_text(value, "model"),
        transcript_path=_text(value, "transcript_path"),
        agent_type=_text(value, "agent_type"),
        internal_agent=value.get("agent_type") == "",
        task=_text(value, "task") or _text(value, "description"),
        outcome=value["last_assistant_message"] if isinstance(value.get("last_assistant_message"), str) else None,
        trigger=_text(value, "trigger"),
    )


def _text(value: Mapping[str, Any], key: str) -> str | None:
    """A one-line text field of reasonable length, else None."""
    item = value.get(key)
    if not isinstance(item, str) or not item or len(item) > MAX_FIELD or "\0" in item:
        return None
    if any(c in item for c in "\n\r"):
        return None
    try:
        item.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return item


# --- an agent session's state -----------------------------------------------------------


@dataclass(frozen=True)
class State:
    seen: str | None = None  # the session tip it last saw
    compacted: int | None = None  # the compaction it has not been given the brief after


def state_path(ws: Workspace, agent: AgentName, sid: str) -> Path:
    assert SESSION_ID.fullmatch(sid)
    return paths.agent_state_dir(ws.repo, agent) / sid


def read_state(ws: Workspace, agent: AgentName, sid: str) -> State:
    try:
        text = read_data(state_path(ws, agent, sid)).decode("utf-8", "replace")
    except OSError:
        return State()
    fields = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
    seen = fields.get("seen")
    compacted = fields.get("compacted", "")
    return State(
        seen if seen is not None and ObjectId.is_full(seen) else None,
        int(compacted) if compacted.isdigit() and len(compacted) < 10 else None,
    )


def write_state(ws: Workspace, agent: AgentName, sid: str, state: State) -> None:
    lines = [f"seen {state.seen or 'none'}"] + ([f"compacted {state.compacted}"] if state.compacted else [])
    where = state_path(ws, agent, sid)
    where.parent.mkdir(parents=True, exist_ok=True)
    temporary = where.with_name(f".{where.name}.tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(where)


# --- the events -------------------------------------------------------------------------


def run(agent: str, event: str, raw: bytes, ws: Workspace | None = None) -> str | None:
    """The document to print for one hook event (None: nothing). Raises what goes wrong: the
    command line turns every failure into silence."""
    if agent not in AGENT_NAMES or event not in EVENTS:
        return None
    name: AgentName = agent
    happened: Event = event
    if happened not in CLIENTS[name].hook_events:
        return None
    if happened in ("stop", "session-end"):
        return None
    given = parse(raw)
    if given is None or given.session_id is None:
        return None
    ws = ws or Workspace.open()
    branch = ws.repo.head_branch() if not ws.repo.is_bare else None
    if branch is None:  # (before anything is written: a bare repository gets no agent folders)
        return None
    ws.renderers.append(lambda w, b: cache.refresh(w, b))
    paths.agent_state_dir(ws.repo, name).mkdir(parents=True, exist_ok=True)
    drain_queue(ws)
    handler = _HANDLERS[happened]
    return handler(ws, name, branch, given, given.session_id)


def session_start(ws: Workspace, agent: AgentName, branch: BranchName, given: HookInput, sid: str) -> str | None:
    found = cache.active(ws, branch)
    if found is not None:
        record_start(ws, found, agent, given)
    rendered = cache.write(ws, branch, agent)
    if rendered.found is None:
        text = cache.hint(branch) if cache.no_session(ws.repo, agent) == "hint" else ""
        return cache.document(agent, "session-start", text) if text else None
    write_state(ws, agent, sid, State(seen=rendered.found.handle.tip))
    return cache.document(agent, "session-start", rendered.brief)


def prompt(ws: Workspace, agent: AgentName, branch: BranchName, given: HookInput, sid: str) -> str | None:
    rendered = cache.write(ws, branch, agent)
    found = rendered.found
    if found is None:
        return None
    state = read_state(ws, agent, sid)
    tip = found.handle.tip
    if state.compacted or prompts.continuation_intent(given.prompt):
        text = rendered.brief  # as the shim gives it
    else:
        parts = (
            [changes_since(ws, found, ObjectId(state.seen), rendered.brief)] if state.seen not in (None, tip) else []
        )
        parts += cache.rejected_lines(rendered.alternatives, given.prompt)
        text = "\n".join(p.rstrip("\n") for p in parts if p)
    write_state(ws, agent, sid, State(seen=tip))
    return cache.document(agent, "prompt", text) if text else None


def pre_compact(ws: Workspace, agent: AgentName, branch: BranchName, given: HookInput, sid: str) -> str | None:
    with _one_at_a_time(ws, agent):  # Codex runs an event's handlers at once (one per file installed into)
        return _pre_compact(ws, agent, branch, given, sid)


@contextlib.contextmanager
def _one_at_a_time(ws: Workspace, agent: AgentName) -> Iterator[None]:
    """The agent's compactions recorded one at a time (an flock: a process that dies never
    holds it; the hook's own time limit bounds the wait)."""
    with open(paths.agent_state_dir(ws.repo, agent) / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pre_compact(ws: Workspace, agent: AgentName, branch: BranchName, given: HookInput, sid: str) -> str | None:
    found = cache.active(ws, branch)
    if found is None:
        return None
    state = read_state(ws, agent, sid)
    if state.compacted and state.seen == found.handle.tip:
        return None  # fired again with nothing in between (Gemini's PreCompress fires often): one compaction
    number = ws.store.meta(found.handle).count(COMPACTION_FIELD) + 1
    extra: dict[str, FieldValue] = {COMPACTION_FIELD: number, "agent_name": agent}
    if given.trigger in ("manual", "auto"):
        extra["trigger"] = given.trigger
    from git_session import checkpoints  # only here: it snapshots the working tree

    made = checkpoints.create(ws, found.handle.id, f"compaction {number}", extra=extra)
    write_state(ws, agent, sid, State(seen=made.found.handle.tip, compacted=number))
    return None  # no client injects context here: the next start or prompt does


def subagent_stop(ws: Workspace, agent: AgentName, branch: BranchName, given: HookInput, sid: str) -> str | None:
    found = cache.active(ws, branch)
    if found is None or given.internal_agent:
        return None
    kind = given.agent_type or "subagent"
    outcome = _one_line(given.outcome or "", OUTCOME_WIDTH)
    text = f"Spawned agent {_one_line(kind, 80)} completed" + (f": {outcome}" if outcome else "")
    fields: dict[str, FieldValue] = {"spawned_agent": kind, "spawn_status": "completed", "agent_name": agent}
    if outcome:
        fields["outcome"] = outcome
    if given.task:
        fields["task"] = _one_line(given.task, OUTCOME_WIDTH)
    before = found.handle.tip
    written, _ = ws.add(found.handle.id, "note", text, fields)
    _follow(ws, agent, sid, before, written.handle.tip)
    return None


_HANDLERS = {
    "session-start": session_start,
    "prompt": prompt,
    "pre-compact": pre_compact,
    "subagent-stop": subagent_stop,
}


# --- recording an agent session ---------------------------------------------------------


def record_start(ws: Workspace, found: Found, agent: AgentName, given: HookInput) -> Found | None:
    """Record the agent, its model and its session on the git session; the session after
    (None when nothing was written)."""
    sid = given.session_id
    written: Found | None = None
    changes: dict[str, FieldValue] = {}
    title = CLIENTS[agent].title
    if found.meta.agent != title:
        changes["agent"] = title
    if given.model and len(given.model) <= 200 and found.meta.model != given.model:
        changes["model"] = given.model
    if changes:
        written = ws.set_fields(found.handle.id, changes, f"agent: {agent} session started")
    if sid is not None and not _recorded(ws, written or found, sid):
        fields: Fields = {
            "agent_session": sid,
            "agent_name": agent,
            **({"model": given.model} if given.model else {}),
            **({"transcript": given.transcript_path} if given.transcript_path else {}),
        }
        ws.add(found.handle.id, "source", f"{title} session {sid}", dict(fields), private=True)
    return written


def _recorded(ws: Workspace, found: Found, sid: str) -> bool:
    sources = ws.store.entries(found.handle, "source", private=True)
    return any(e.values.get("agent_session") == sid for e in sources)


def drain_queue(ws: Workspace) -> None:
    """Record the session starts the shim answered (``agent-queue/<agent>.<session id>``:
    ``branch``, ``tip`` lines, then the client's input). Untrusted: what does not parse is
    dropped (once old enough not to be still being written); what cannot be written now
    waits for the next run."""
    folder = paths.agent_queue(ws.repo)
    try:
        queued = sorted(p for p in folder.iterdir() if not p.name.startswith("."))[:MAX_QUEUED]
    except OSError:
        return
    for item in queued:
        try:
            if not _record_queued(ws, item) and time.time() - item.stat().st_mtime < MAX_QUEUE_AGE:
                continue
        except (OSError, SessionError):
            continue
        item.unlink(missing_ok=True)


def _record_queued(ws: Workspace, item: Path) -> bool:
    """Record one queued start; False when it does not parse."""
    agent, _, sid = item.name.partition(".")
    info = item.lstat()  # a link or a pipe is read by no command (a pipe would wait forever)
    regular = stat.S_ISREG(info.st_mode) and info.st_size <= MAX_QUEUE_FILE
    if agent not in AGENT_NAMES or not SESSION_ID.fullmatch(sid) or not regular:
        return True  # never ours to record
    name: AgentName = agent
    head, _, body = read_data(item).partition(b"\n\n")
    fields = dict(line.split(" ", 1) for line in head.decode("utf-8", "replace").splitlines() if " " in line)
    given = parse(body)
    branch = fields.get("branch", "")
    if given is None or given.session_id != sid or not ws.repo.is_branch_name(branch):
        return False
    found = cache.active(ws, BranchName(branch))
    if found is None:
        return True
    written = record_start(ws, found, name, given)
    if written is not None:
        _follow(ws, name, sid, fields.get("tip", ""), written.handle.tip)
    return True


def _follow(ws: Workspace, agent: AgentName, sid: str | None, before: str, after: str) -> None:
    """An agent session that saw the session just before its own record saw it after too: the
    record is no news to it."""
    if sid is None:
        return
    state = read_state(ws, agent, sid)
    if state.seen == before:
        write_state(ws, agent, sid, State(seen=after, compacted=state.compacted))


# --- what changed -----------------------------------------------------------------------


def changes_since(ws: Workspace, found: Found, seen: ObjectId, brief: str) -> str:
    """The session's changes since ``seen`` (one line each, the oldest first, at most
    CHANGE_LINES); the brief when ``seen`` is no longer in its history."""
    repo, store = ws.repo, ws.store
    if not repo.has_object(seen) or not repo.is_ancestor(seen, found.handle.tip):
        return brief
    ops = [op for commit in repo.walk(found.handle.tip, [seen]) for op in store.commit_ops(commit, found.handle.id)]
    lines: list[str] = []
    for op in sorted(ops, key=lambda o: o.stamp):
        fields = op.data["fields"]
        if op.action == "set":
            lines += [f"- session {n}: {_one_line(str(fields[n]), CHANGE_WIDTH)}" for n in _SHOWN_FIELDS if n in fields]
        elif op.action == "add":
            kind = op.data["kind"]
            text = fields.get("label") or fields.get("text") or ""
            lines.append(f"- new {kind}: {_one_line(str(text), CHANGE_WIDTH)}")
        elif op.action == "update":
            kind = op.data["kind"]
            entry = store.entry(found.handle, kind, str(op.data["entry"]))
            what = _one_line(entry.text if entry else str(op.data["entry"])[:12], 80)
            if "status" in fields:
                lines.append(f"- {kind} {what}: now {_one_line(str(fields['status']), 40)}")
            else:
                lines.append(f"- {kind} {what}: changed")
    if not lines:
        return ""
    more = len(lines) - CHANGE_LINES
    shown = lines[:CHANGE_LINES] + ([f"- … and {more} more: git session show"] if more > 0 else [])
    return "The git-session session changed since this agent session last saw it:\n" + "\n".join(shown)


def _one_line(text: str, width: int) -> str:
    flat = safe(" ".join(text.split()))
    return flat if len(flat) <= width else flat[: width - 1] + "…"
