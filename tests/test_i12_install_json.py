"""Merging our hooks into any JSON settings file and taking them out again (issue 12):
whatever the file's layout, uninstall gives back its bytes, and merging twice adds nothing."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from git_session.integrations import agent_settings, jsonconfig
from git_session.integrations.agent_clients import AGENT_NAMES, AgentName, hook_group

_scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=6)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_group = st.fixed_dictionaries({"hooks": st.lists(st.fixed_dictionaries({"command": st.text(max_size=5)}), max_size=2)})
_hooks = st.dictionaries(
    st.sampled_from(["SessionStart", "Stop", "PreToolUse", "BeforeAgent", "Notification"]),
    st.lists(_group, max_size=2),
    max_size=3,
)
_documents = st.builds(
    lambda other, hooks, with_hooks: {**other, **({"hooks": hooks} if with_hooks else {})},
    st.dictionaries(st.text(max_size=5).filter(lambda k: k != "hooks"), _values, max_size=4),
    _hooks,
    st.booleans(),
)
_layouts = st.sampled_from(
    [
        {"indent": 2},
        {"indent": 4},
        {"indent": "\t"},
        {"indent": None},
        {"indent": None, "separators": (",", ":")},
        {"indent": 1, "ensure_ascii": False},
    ]
)


@settings(max_examples=150, deadline=None)
@given(_documents, _layouts, st.sampled_from(["", "\n", "\n\n"]), st.sampled_from(AGENT_NAMES))
def test_merge_then_unmerge_gives_the_bytes_back(
    doc: dict[str, Any], layout: dict[str, Any], end: str, agent: AgentName
) -> None:
    text = json.dumps(doc, **layout) + end
    merged = agent_settings.merge(text, agent, "f")
    assert json.loads(merged.text) == _expected(doc, agent)
    again = agent_settings.merge(merged.text, agent, "f")
    assert again.text == merged.text and not again.added
    assert merged.text.endswith(end) and (end or not merged.text.endswith("\n"))
    assert agent_settings.unmerge(merged.text, merged.added, agent, "f").text == text


def _expected(doc: dict[str, Any], agent: AgentName) -> dict[str, Any]:
    """What merging gives: each event without our handler gets our group after the others."""
    hooks = {k: list(v) for k, v in doc.get("hooks", {}).items()}
    for name, event in agent_settings.our_events(agent).items():
        hooks.setdefault(name, []).append(hook_group(agent, event))
    return (
        {**{k: v for k, v in doc.items() if k != "hooks"}, "hooks": hooks}
        if "hooks" not in doc
        else {k: (hooks if k == "hooks" else v) for k, v in doc.items()}
    )


def test_the_layout_of_an_existing_file_is_followed() -> None:
    text = '{\n   "a": [1, 2],\n   "hooks": {"Stop": []}\n}'
    merged = agent_settings.merge(text, "claude", "f").text
    assert merged.startswith('{\n   "a": [1, 2],\n   "hooks": {"Stop": [{"hooks": [{"type": "command", "command": ')
    assert '\n   "hooks": {"Stop": [{"hooks"' in merged  # the one-line object stays one line
    assert not merged.endswith("\n")


def test_an_empty_container_with_spaces_gets_them_back() -> None:
    text = '{ "hooks": { "Stop": [  ] } }'
    merged = agent_settings.merge(text, "gemini", "f")
    assert agent_settings.unmerge(merged.text, merged.added, "gemini", "f").text == text


def test_a_repeated_key_is_read_as_json_readers_read_it_the_last() -> None:
    _, root = jsonconfig.parse('{"a": 1, "a": [2]}', "f")
    node = root.get("a")
    assert node is not None and node.kind == "array"


def test_the_indent_is_the_first_indented_lines() -> None:
    assert jsonconfig.indent_unit('{\n\t"a": {\n\t\t"b": 1}}') == "\t"
    assert jsonconfig.indent_unit('{"a": 1}') == "  "
