"""Our hooks in an agent client's JSON settings: merged in, recorded, taken out again.

``merge`` adds one matcher group per event to ``"hooks"``, leaving every other byte of the
file alone, and says exactly what it added (``Added``); ``unmerge`` takes out exactly that,
so that a file nobody else touched meanwhile is byte for byte as before. A handler running
our command already there counts as present (nothing added); a group of ours the user
edited since (a timeout changed) stays, and is named.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from git_session.integrations import jsonconfig
from git_session.integrations.agent_clients import CLIENTS, AgentName, Event, hook_command, hook_group
from git_session.integrations.jsonconfig import ConfigFileError, Node

HOOKS = "hooks"


@dataclass
class Added:
    """What install put into one settings file. ``created``: members it made (paths of
    keys, outermost first); ``empties``: the white space of a container that was empty
    before (by the path of its key, "" the top level); ``created_file``: the file itself."""

    groups: list[tuple[str, Any]] = field(default_factory=list)  # (client event, matcher group)
    created: list[list[str]] = field(default_factory=list)
    empties: dict[str, str] = field(default_factory=dict)
    created_file: bool = False

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"groups": [list(g) for g in self.groups], "created": self.created}
        if self.empties:
            data["empties"] = self.empties
        if self.created_file:
            data["created_file"] = True
        return data

    @classmethod
    def from_json(cls, raw: object) -> Added:
        """A record's entry; anything malformed in it (edited by hand) is left out."""
        if not isinstance(raw, dict):
            return cls()
        groups = [(g[0], g[1]) for g in _list(raw, "groups") if _is_group(g)]
        created = [p for p in _list(raw, "created") if _is_member(p)]  # the record names nothing else
        empties_raw = raw.get("empties")
        empties = {
            k: v
            for k, v in (empties_raw.items() if isinstance(empties_raw, dict) else [])
            if isinstance(k, str) and isinstance(v, str) and not v.strip()
        }
        return cls(groups, created, empties, raw.get("created_file") is True)

    def merged(self, other: Added) -> Added:
        groups = {json.dumps(g, sort_keys=True): g for g in [*self.groups, *other.groups]}
        created = {json.dumps(p): p for p in [*self.created, *other.created]}
        return Added(
            list(groups.values()),
            list(created.values()),
            {**other.empties, **self.empties},
            self.created_file or other.created_file,
        )

    def __bool__(self) -> bool:
        return bool(self.groups or self.created or self.created_file)


def _list(raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key)
    return value if isinstance(value, list) else []


def _is_member(value: object) -> bool:
    """``["hooks"]`` or ``["hooks", EVENT]``: the only members install makes."""
    return (
        isinstance(value, list)
        and 1 <= len(value) <= 2
        and value[0] == HOOKS
        and all(isinstance(k, str) for k in value)
    )


def _is_group(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], dict)


@dataclass(frozen=True)
class Src:
    """A settings file being read: its name in messages, whether it may hold comments."""

    where: str
    comments: bool

    @classmethod
    def of(cls, agent: AgentName, where: str) -> Src:
        return cls(where, CLIENTS[agent].comments)

    def parse(self, text: str) -> tuple[Any, Node]:
        return jsonconfig.parse(text, self.where, self.comments)


@dataclass(frozen=True)
class Merge:
    text: str  # the new text (the old one when nothing was added)
    added: Added
    installed: tuple[str, ...]  # client events given our hook now
    present: tuple[str, ...]  # client events that had it already


def our_events(agent: AgentName) -> dict[str, Event]:
    """The client's event names -> ours, for the events it has."""
    return {name: event for event, name in CLIENTS[agent].hook_events.items()}


def merge(text: str | None, agent: AgentName, where: str) -> Merge:
    """``text`` (None: no file yet) with our hook group added to each event lacking one."""
    events = our_events(agent)
    if text is None:
        value = {name: [hook_group(agent, event)] for name, event in events.items()}
        added = Added([(n, value[n][0]) for n in events], [[HOOKS]] + [[HOOKS, n] for n in events], created_file=True)
        return Merge(jsonconfig.new_document(HOOKS, value), added, tuple(events), ())
    _, root = Src.of(agent, where).parse(text)
    hooks = root.get(HOOKS)
    if hooks is None:
        value = {name: [hook_group(agent, event)] for name, event in events.items()}
        new, insertion = jsonconfig.append(text, root, value, HOOKS)
        empties = {"": insertion.empty} if insertion.empty is not None else {}
        added = Added([(n, value[n][0]) for n in events], [[HOOKS]] + [[HOOKS, n] for n in events], empties)
        return Merge(new, added, tuple(events), ())
    _check_kind(hooks, "object", f'"{HOOKS}"', where)
    return _merge_events(text, agent, where)


def _merge_events(text: str, agent: AgentName, where: str) -> Merge:
    added, installed, present = Added(), [], []
    for name, event in our_events(agent).items():
        hooks = _hooks(text, Src.of(agent, where))
        group = hook_group(agent, event)
        entries = hooks.get(name)
        if entries is None:
            text, insertion = jsonconfig.append(text, hooks, [group], name)
            added.created.append([HOOKS, name])
            _note_empty(added, HOOKS, insertion)
        else:
            _check_kind(entries, "array", f'"{HOOKS}"."{name}"', where)
            if _has_ours(text, entries, agent, event):
                present.append(name)
                continue
            text, insertion = jsonconfig.append(text, entries, group)
            _note_empty(added, f"{HOOKS}/{name}", insertion)
        added.groups.append((name, group))
        installed.append(name)
    return Merge(text, added, tuple(installed), tuple(present))


def _note_empty(added: Added, path: str, insertion: jsonconfig.Insertion) -> None:
    if insertion.empty is not None:
        added.empties[path] = insertion.empty


def _hooks(text: str, src: Src) -> Node:
    _, root = src.parse(text)
    hooks = root.get(HOOKS)
    assert hooks is not None
    return hooks


def _check_kind(node: Node, kind: str, what: str, where: str) -> None:
    if node.kind != kind:
        raise ConfigFileError(
            f"{what} in {where} is not an {kind}; nothing changed",
            "correct the file, or move it away, and run the command again",
        )


def _has_ours(text: str, entries: Node, agent: AgentName, event: Event) -> bool:
    """Whether a handler in ``entries`` runs our command for ``event`` (an identical
    handler counts as present, whatever its timeout)."""
    return any(_runs_ours(jsonconfig.value_of(text, group), hook_command(agent, event)) for group in entries.children)


def _runs_ours(group: object, command: str) -> bool:
    if not isinstance(group, dict) or not isinstance(group.get(HOOKS), list):
        return False
    return any(isinstance(h, dict) and h.get("command") == command for h in group[HOOKS])


def events_present(text: str, agent: AgentName, where: str) -> tuple[str, ...]:
    """The client events whose entries run our command, in ``text``."""
    _, root = Src.of(agent, where).parse(text)
    hooks = root.get(HOOKS)
    if hooks is None or hooks.kind != "object":
        return ()
    found = []
    for name, event in our_events(agent).items():
        entries = hooks.get(name)
        if entries is not None and entries.kind == "array" and _has_ours(text, entries, agent, event):
            found.append(name)
    return tuple(found)


# --- uninstall ------------------------------------------------------------------------


@dataclass(frozen=True)
class Unmerge:
    text: str | None  # None: the file goes (install made it, and nothing else is in it)
    removed: tuple[str, ...]  # client events whose group of ours was taken out
    edited: tuple[str, ...]  # client events whose group of ours the user changed: kept


def unmerge(text: str, added: Added, agent: AgentName, where: str) -> Unmerge:
    """``text`` without what ``added`` says install put in; what the user changed stays."""
    src = Src.of(agent, where)
    src.parse(text)
    events = our_events(agent)
    removed, edited = [], []
    for name, group in added.groups:
        text, found = _cut_group(text, name, group, added.empties.get(f"{HOOKS}/{name}", ""), src)
        if found:
            removed.append(name)
        elif name in events and _edited(text, name, agent, events[name], where):
            edited.append(name)
    for path in reversed(added.created):
        text = _cut_if_empty(text, path, added.empties, src)
    _, root = src.parse(text)
    gone = added.created_file and not root.children
    return Unmerge(None if gone else text, tuple(removed), tuple(edited))


def _container(text: str, path: list[str], src: Src) -> Node | None:
    _, node = src.parse(text)
    for key in path:
        if node.kind != "object":
            return None
        child = node.get(key)
        if child is None:
            return None
        node = child
    return node


def _cut_group(text: str, name: str, group: Any, empty: str, src: Src) -> tuple[str, bool]:
    entries = _container(text, [HOOKS, name], src)
    if entries is None or entries.kind != "array":
        return text, False
    for index, child in enumerate(entries.children):
        if jsonconfig.value_of(text, child) == group:
            return jsonconfig.remove(text, entries, index, empty), True
    return text, False


def _edited(text: str, name: str, agent: AgentName, event: Event, where: str) -> bool:
    entries = _container(text, [HOOKS, name], Src.of(agent, where))
    return entries is not None and entries.kind == "array" and _has_ours(text, entries, agent, event)


def _cut_if_empty(text: str, path: list[str], empties: Mapping[str, str], src: Src) -> str:
    """Take out the member at ``path`` that install made, if nothing is left in it."""
    parent = _container(text, path[:-1], src)
    if parent is None or parent.kind != "object" or path[-1] not in parent.keys:
        return text
    index = max(i for i, key in enumerate(parent.keys) if key == path[-1])
    if jsonconfig.value_of(text, parent.children[index]) not in ([], {}):
        return text
    return jsonconfig.remove(text, parent, index, empties.get("/".join(path[:-1]), ""))
