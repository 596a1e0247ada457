"""Editing a user's JSON settings file as text: what is added is spliced in, what is
removed is cut out, and every other byte stays where the user put it.

Re-serialising a parsed file would reformat it (a one-line array spread over lines, a
key's spacing, a missing final newline added), and then ``uninstall`` could not leave it
byte for byte as it was. So a small parser records where each value starts and ends, and
the edits are insertions after a container's last member (in the container's own
layout: its indentation, one line or many) and cuts of exactly one member with the comma
that joined it. An insertion followed by the cut of what it inserted gives the original
text back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from git_session.errors import UserError

_SPACE = " \t\n\r"
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_DEFAULT_INDENT = "  "


class ConfigFileError(UserError):
    """A settings file that is not what it must be (invalid JSON, not an object): nothing changed."""


@dataclass
class Node:
    """A value of the document and where it lies in the text: ``text[start:end]``."""

    start: int
    end: int
    kind: str  # "object", "array" or "scalar"
    keys: list[str] = field(default_factory=list)  # an object's, in order
    children: list[Node] = field(default_factory=list)  # an object's values, an array's elements
    member_starts: list[int] = field(default_factory=list)  # where each member begins (an object's key)

    def get(self, key: str) -> Node | None:
        """The value of ``key`` (the last, as JSON readers take a repeated key)."""
        for name, child in reversed(list(zip(self.keys, self.children, strict=True))):
            if name == key:
                return child
        return None


def blank_comments(text: str) -> str:
    """``text`` with its ``//`` and ``/* */`` comments (outside strings) turned into spaces,
    line breaks kept: every position stays where it was (Gemini CLI's settings may hold them)."""
    out = list(text)
    i = 0
    while i < len(text):
        if text[i] == '"':
            i = _string_end(text, i)
        elif text.startswith("//", i) or text.startswith("/*", i):
            end = _comment_end(text, i)
            out[i:end] = [c if c == "\n" else " " for c in text[i:end]]
            i = end
        else:
            i += 1
    return "".join(out)


def _string_end(text: str, i: int) -> int:
    """Where the string starting at ``i`` ends (after its closing quote)."""
    i += 1
    while i < len(text) and text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _comment_end(text: str, i: int) -> int:
    if text[i + 1] == "/":
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    end = text.find("*/", i + 2)
    return len(text) if end < 0 else end + 2


class _Constant(Exception):
    """NaN, Infinity or -Infinity: Python's json reads them, JSON (and the clients) do not."""


def _no_constant(name: str) -> Any:
    raise _Constant(name)


def parse(text: str, where: str, comments: bool = False) -> tuple[Any, Node]:
    """The document and its layout; refuses invalid JSON and a top level that is no object.
    ``comments``: the file may hold comments (they are kept, and skipped as white space)."""
    if comments:
        text = blank_comments(text)
    try:
        value = json.loads(text, parse_constant=_no_constant)
        layout = _Parser(text).document()  # (recursive, as json.loads is: past its depth, refused alike)
    except json.JSONDecodeError as exc:
        raise ConfigFileError(
            f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); nothing changed",
            "correct the file, or move it away, and run the command again",
        ) from None
    except _Constant as exc:
        raise ConfigFileError(
            f"{where} is not valid JSON ({exc.args[0]} is no JSON value); nothing changed",
            "correct the file, or move it away, and run the command again",
        ) from None
    except RecursionError:
        raise ConfigFileError(f"{where} is nested too deeply to be read; nothing changed") from None
    if not isinstance(value, dict):
        raise ConfigFileError(
            f"{where} does not hold a JSON object at its top level; nothing changed",
            "correct the file, or move it away, and run the command again",
        )
    return value, layout


class _Parser:
    """Positions only: the text is known to be valid JSON (``json.loads`` read it first)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def document(self) -> Node:
        return self.value(self.skip(0))

    def skip(self, i: int) -> int:
        while i < len(self.text) and self.text[i] in _SPACE:
            i += 1
        return i

    def value(self, i: int) -> Node:
        char = self.text[i]
        if char == "{":
            return self.container(i, "object", "}")
        if char == "[":
            return self.container(i, "array", "]")
        if char == '"':
            return Node(i, self.string(i)[1], "scalar")
        match = _NUMBER.match(self.text, i)
        if match:
            return Node(i, match.end(), "scalar")
        word = next(w for w in ("true", "false", "null") if self.text.startswith(w, i))
        return Node(i, i + len(word), "scalar")

    def string(self, i: int) -> tuple[str, int]:
        value, end = json.decoder.scanstring(self.text, i + 1)  # type: ignore[attr-defined]
        return str(value), int(end)

    def container(self, i: int, kind: str, close: str) -> Node:
        node = Node(i, i, kind)
        j = self.skip(i + 1)
        while self.text[j] != close:
            node.member_starts.append(j)
            if kind == "object":
                key, j = self.string(j)
                node.keys.append(key)
                j = self.skip(self.skip(j) + 1)  # the colon
            child = self.value(j)
            node.children.append(child)
            j = self.skip(child.end)
            if self.text[j] == ",":
                j = self.skip(j + 1)
        node.end = j + 1
        return node


# --- layout ---------------------------------------------------------------------------


def indent_unit(text: str) -> str:
    """The file's indentation step: the leading white space of its first indented line."""
    match = re.search(r"\n([ \t]+)\S", text)
    return match.group(1) if match else _DEFAULT_INDENT


def _line_indent(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    return re.match(r"[ \t]*", text[start:]).group(0)  # type: ignore[union-attr]


def _on_own_line(text: str, position: int) -> bool:
    start = text.rfind("\n", 0, position) + 1
    return start > 0 and not text[start:position].strip()


def _closes_inline(text: str, end: int) -> bool:
    """Whether an empty container ending at ``end`` is laid out on one line: something
    other than a comma follows it on its line (its parent closes there), or the whole
    file is one line."""
    line_end = text.find("\n", end)
    rest = text[end:] if line_end < 0 else text[end:line_end]
    return "\n" not in text or bool(rest.strip().lstrip(",").strip())


def render(value: Any, unit: str, base: str, inline: bool) -> str:
    """``value`` as JSON text placed at indentation ``base``: spread over lines with ``unit``
    as the step, or on one line (``inline``)."""
    if inline:
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, indent=unit, ensure_ascii=False).replace("\n", "\n" + base)


# --- edits ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Insertion:
    """What appending a member took: the text before and after it. ``empty``: the white
    space the container held before (its first member replaced it)."""

    text: str
    empty: str | None = None


def append(text: str, container: Node, member: Any, key: str | None = None) -> tuple[str, Insertion]:
    """``text`` with ``member`` appended to ``container`` (as ``key`` in an object)."""
    unit = indent_unit(text)
    if container.children:
        last = container.member_starts[-1]
        inline = not _on_own_line(text, last)
        base = _line_indent(text, last)
        body = _member(key, member, unit, base, inline)
        joint = ", " if inline else ",\n" + base
        at = container.children[-1].end
        added = _line_ends(text, joint + body)
        return text[:at] + added + text[at:], Insertion(added)
    outer = _line_indent(text, container.start)
    inline = _closes_inline(text, container.end)
    inner_start, inner_end = container.start + 1, container.end - 1
    body = _member(key, member, unit, outer + unit, inline)
    filled = _line_ends(text, body if inline else "\n" + outer + unit + body + "\n" + outer)
    return text[:inner_start] + filled + text[inner_end:], Insertion(filled, text[inner_start:inner_end])


def _line_ends(text: str, added: str) -> str:
    """``added`` with the file's own line ends (CRLF in a file that has them; JSON text
    holds no other line break)."""
    return added.replace("\n", "\r\n") if "\r\n" in text else added


def _member(key: str | None, value: Any, unit: str, base: str, inline: bool) -> str:
    rendered = render(value, unit, base, inline)
    return rendered if key is None else json.dumps(key, ensure_ascii=False) + ": " + rendered


def remove(text: str, container: Node, index: int, empty: str = "") -> str:
    """``text`` without member ``index`` of ``container`` and the comma joining it; the
    last member gone, the container holds ``empty`` (what it held before the first was added)."""
    if len(container.children) == 1:
        return text[: container.start + 1] + empty + text[container.end - 1 :]
    if index > 0:
        return text[: container.children[index - 1].end] + text[container.children[index].end :]
    return text[: container.member_starts[0]] + text[container.member_starts[1] :]


def new_document(key: str, value: Any) -> str:
    """A settings file of one member, as git-session creates one."""
    return json.dumps({key: value}, indent=_DEFAULT_INDENT, ensure_ascii=False) + "\n"


def value_of(text: str, node: Node) -> Any:
    return json.loads(blank_comments(text[node.start : node.end]))
