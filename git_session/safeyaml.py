"""YAML read from files a person or another tool wrote: bounded before it is parsed.

Only ``yaml.safe_load``'s loader is used (the C one when pyyaml has it). Before any value is
built, the text's events are read once: a tag outside YAML's own safe ones (``!!python/…``),
nesting deeper than a person writes, or aliases that would expand into more nodes than a
front matter holds (an anchors-and-aliases "billion laughs") are refused, each with the line
it is on. Every problem is a ``YamlProblem`` carrying that line (1-based, in the text given).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import yaml

MAX_BYTES = 256 * 1024  # a front matter, or a configuration file
MAX_DEPTH = 32
MAX_NODES = 20_000  # after aliases are expanded
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "bool", "null", "float", "seq", "map"))
SAFE_TAGS = PLAIN_TAGS | {f"tag:yaml.org,2002:{name}" for name in ("timestamp", "binary", "set", "omap", "pairs")}


class YamlProblem(Exception):
    """What is wrong with a YAML text, and on which line (1-based)."""

    def __init__(self, message: str, line: int, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def load(text: str) -> Any:
    """The value of a YAML document, refused (``YamlProblem``) when it is not one safe to build."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlProblem(f"more than {MAX_BYTES} bytes of YAML", 1)
    with _problems():
        _check_events(yaml.parse(text, Loader=_LOADER))
        return yaml.load(text, Loader=_LOADER)


def compose(
    text: str, *, aliases: bool = True, max_depth: int = MAX_DEPTH, tags: frozenset[str] = SAFE_TAGS
) -> yaml.Node | None:
    """The node tree of a YAML document (each node knows its line and column; no value is
    built), refused as ``load`` refuses; with ``aliases=False`` any alias is refused, and only
    ``tags`` are taken."""
    with _problems():
        _check_events(yaml.parse(text, Loader=_LOADER), aliases, max_depth, tags)
        node: yaml.Node | None = yaml.compose(text, Loader=_LOADER)
        return node


@contextlib.contextmanager
def _problems() -> Iterator[None]:
    """pyyaml's errors as ``YamlProblem``s, with the line and column it noticed them at."""
    try:
        yield
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise YamlProblem(f"not valid YAML: {exc.problem or exc.context}", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {exc}", 1) from None
    except RecursionError:
        raise YamlProblem("nested too deeply", 1) from None


def _check_events(
    events: Iterator[yaml.Event], aliases: bool = True, max_depth: int = MAX_DEPTH, tags: frozenset[str] = SAFE_TAGS
) -> None:
    """Tags, depth and expanded size, from the events alone (nothing is built)."""
    sizes: dict[str, int] = {}  # anchor -> nodes under it, aliases expanded
    stack: list[tuple[str | None, int]] = []  # open collections: their anchor, nodes so far
    total = 0
    for event in events:
        mark = event.start_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in tags and tag != "!":
            raise YamlProblem(f"the tag {str(tag)[:60]!r} is not allowed", line, column)
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append((event.anchor, 1))
            if len(stack) > max_depth:
                raise YamlProblem(f"nested more than {max_depth} deep", line, column)
            continue
        if isinstance(event, yaml.CollectionEndEvent) and stack:
            anchor, size = stack.pop()
            if anchor is not None:
                sizes[anchor] = size
            total = _add(stack, size, total, line)
            continue
        if isinstance(event, yaml.AliasEvent):
            if not aliases:
                raise YamlProblem("aliases (*name) are not allowed here", line, column)
            total = _add(stack, sizes.get(str(event.anchor), 1), total, line)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1
            total = _add(stack, 1, total, line)


def _add(stack: list[tuple[str | None, int]], size: int, total: int, line: int) -> int:
    if stack:
        anchor, inner = stack[-1]
        stack[-1] = (anchor, inner + size)
    else:
        total += size
    if total + sum(inner for _, inner in stack) > MAX_NODES:
        raise YamlProblem(f"more than {MAX_NODES} values once its aliases are expanded", line)
    return total
