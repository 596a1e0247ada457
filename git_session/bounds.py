"""Bounds on a template's time and size, for the sandbox (``sandbox.py``).

jinja2's sandbox stops a template from reaching Python, not from running for hours or
building gigabytes. A template of the repository runs with these bounds:

- time: a deadline, checked on every loop iteration and every call (macros, methods,
  globals), so nested loops and recursive macros stop when it passes;
- size: every value a template builds (concatenations, lists, dicts, filter and call
  results, ``+ * %``) and everything it writes (also into ``set`` blocks and macros) is
  measured right after it is made, in characters and items, aliases counted as often as
  they appear; operations that could make a huge value in one step (``center``,
  ``ljust``, ``indent``, ``replace``, ``join``, ``wordwrap``, ``translate``, format widths,
  fields naming a value again, ``batch``, ``slice``...) are measured before.

The checks are made in the generated code (a rewrite of the template's syntax tree), not
with signals or threads, so that they hold in any thread of a long-running process.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, MappingView, Sized
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.utils import Namespace
from jinja2.visitor import NodeTransformer

VERSION = 1  # of the rewrite: compiled templates are cached under it


@dataclass(frozen=True)
class Limits:
    seconds: float = 10.0
    size: int = 10_000_000  # characters (and items) of any value, and of all the output
    count: int = 1_000_000  # pieces a filter may cut a value into (batch, slice), items it may go over
    indent: int = 64  # tojson's indent


class TemplateLimit(SecurityError):
    """A template went past a bound (a ``SecurityError``: the sandbox refused it)."""


class Meter:
    """The bounds of one rendering: its deadline and what it wrote so far."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.written = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimit(f"it ran longer than {self.limits.seconds:g} seconds")

    def sized(self, value: Any) -> Any:
        """``value``, unless it is larger than any value may be."""
        if weight(value, self.limits.size) > self.limits.size:
            raise TemplateLimit(f"it built a value larger than {self.limits.size} characters")
        return value

    def emitted(self, value: Any) -> Any:
        """``value``, written: counted in the output (before it is turned into text)."""
        self.written += weight(value, self.limits.size)
        if self.written > self.limits.size:
            raise TemplateLimit(f"its output is larger than {self.limits.size} characters")
        return value

    def emitted_text(self, length: int) -> str:
        """Counts the template's own text written by one output node."""
        self.written += length
        if self.written > self.limits.size:
            raise TemplateLimit(f"its output is larger than {self.limits.size} characters")
        return ""

    def bounded_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.tick()
            yield item

    def check_items(self, count: int, what: str) -> None:
        if count > self.limits.count:
            raise TemplateLimit(f"{what} would go over more than {self.limits.count} items")

    def check(self, estimate: int, what: str) -> None:
        if estimate > self.limits.size:
            raise TemplateLimit(f"{what} would build more than {self.limits.size} characters")


def weight(value: Any, budget: int) -> int:
    """The size of ``value`` written out: characters and items, nested ones included (each alias
    counted where it appears). Stops counting past ``budget``."""
    total, stack = 0, [value]
    while stack and total <= budget:
        item = stack.pop()
        if isinstance(item, (str, bytes, bytearray)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item)
            if total <= budget:
                stack.extend(item)
        elif isinstance(item, (Mapping, Namespace)):
            attrs = object.__getattribute__(item, "_Namespace__attrs") if isinstance(item, Namespace) else item
            total += len(attrs)
            if total <= budget:
                stack.extend(attrs.keys())
                stack.extend(attrs.values())
        elif isinstance(item, MappingView):  # dict.keys(), .values(), .items(): written out whole
            total += len(item)
            if total <= budget:
                stack.extend(iter(item))  # type: ignore[call-overload]
        else:
            total += 1
    return total


# --- estimates made before an operation that could build a huge value in one step ---------

_NUMBERS = re.compile(r"\d+")


def format_estimate(pattern: str, args: Iterable[Any], budget: int) -> int:
    """A format string (``%`` or ``str.format``): its widths and precisions, and ``*`` ones, and
    its arguments written as often as the pattern may name them (``'{0}{0}{0}'``)."""
    args = list(args)
    numbers = sum(int(n) for n in _NUMBERS.findall(pattern[:100_000]))
    widths = sum(a for a in args if isinstance(a, int) and not isinstance(a, bool))
    fields = pattern.count("{") + pattern.count("%")
    return len(pattern) + numbers + widths + fields * min(sum(weight(a, budget) for a in args), budget + 1)


def _int(args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str, default: int = 0) -> int:
    value = args[index] if len(args) > index else kwargs.get(name, default)
    return value if isinstance(value, int) else len(value) if isinstance(value, str) else default


def _text(args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str) -> str:
    value = args[index] if len(args) > index else kwargs.get(name, "")
    return value if isinstance(value, str) else ""


def _table(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Iterable[Any]:
    table = args[0] if args else kwargs.get("table")
    return table.values() if isinstance(table, Mapping) else ()


def _lines(s: str) -> int:
    return s.count("\n") + 1


def _replace(s: str, a: tuple[Any, ...], k: Mapping[str, Any]) -> int:
    old, new = _text(a, k, 0, "old"), _text(a, k, 1, "new")
    return len(s) + (s.count(old) if old else len(s) + 1) * len(new)


# name -> estimate(subject, the other arguments, keyword arguments), for str methods and filters
ESTIMATES: dict[str, Callable[[str, tuple[Any, ...], Mapping[str, Any]], int]] = {
    "center": lambda s, a, k: len(s) + _int(a, k, 0, "width"),
    "ljust": lambda s, a, k: len(s) + _int(a, k, 0, "width"),
    "rjust": lambda s, a, k: len(s) + _int(a, k, 0, "width"),
    "zfill": lambda s, a, k: len(s) + _int(a, k, 0, "width"),
    "expandtabs": lambda s, a, k: len(s) + s.count("\t") * _int(a, k, 0, "tabsize", 8),
    "indent": lambda s, a, k: len(s) + _lines(s) * _int(a, k, 0, "width", 4),
    "replace": _replace,
    "wordwrap": lambda s, a, k: len(s) * (1 + len(_text(a, k, 2, "wrapstring") or "\n")),
    "truncate": lambda s, a, k: len(s) + len(_text(a, k, 2, "end")),
    "translate": lambda s, a, k: len(s) * max([1, *(len(v) for v in _table(a, k) if isinstance(v, (str, bytes)))]),
}


def estimate(name: str, subject: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any], budget: int) -> int:
    """How large ``subject.name(*args, **kwargs)`` (or ``subject|name(...)``) may be; 0: not measured."""
    if isinstance(subject, (bytes, bytearray)):  # the same methods, measured on the same lengths
        subject = subject.decode("latin-1")
        args = tuple(a.decode("latin-1") if isinstance(a, (bytes, bytearray)) else a for a in args)
    if isinstance(subject, str) and name in ESTIMATES:
        return ESTIMATES[name](subject, args, kwargs)
    if isinstance(subject, str) and name in ("format", "format_map"):
        return format_estimate(subject, [*args, *kwargs.values()], budget)
    return 0


# --- filters: measured before they run -------------------------------------------------------


def bounded_filters(filters: Mapping[str, Callable[..., Any]], meter: Callable[[], Meter]) -> dict[str, Any]:
    """The filters that could build a huge value in one step, measured first."""
    return {name: _bounded_filter(name, filters[name], meter) for name in FILTERS if name in filters}


# filters that make an object for each item of their subject (a 10-million-character string is
# as many items): ones sorting or grouping also hold them all, gigabytes, for longer than the deadline
ITEMWISE = ("sort", "unique", "map", "select", "reject", "selectattr", "rejectattr", "groupby", "dictsort", "list")
FILTERS = (*ESTIMATES, "format", "join", "batch", "slice", "tojson", *ITEMWISE)


def _bounded_filter(name: str, function: Callable[..., Any], meter: Callable[[], Meter]) -> Callable[..., Any]:
    skip = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0  # context, environment

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        head, subject, rest = args[:skip], args[skip], args[skip + 1 :]
        if name == "join":
            subject = list(subject)
        if name in (*ITEMWISE, "batch", "slice", "join") and isinstance(subject, Sized):
            meter().check_items(len(subject), f"the {name} filter")
        meter().check(filter_estimate(name, subject, rest, kwargs, meter().limits), f"the {name} filter")
        return function(*head, subject, *rest, **kwargs)

    return bounded


def filter_estimate(name: str, subject: Any, rest: tuple[Any, ...], kwargs: Mapping[str, Any], limits: Limits) -> int:
    if name in ("batch", "slice"):
        pieces = _int(rest, kwargs, 0, "linecount" if name == "batch" else "slices")
        return limits.size + 1 if pieces > limits.count else 0
    if name == "tojson":
        return limits.size + 1 if _int(rest, kwargs, 0, "indent") > limits.indent else 0
    if name == "join":
        return weight(subject, limits.size) + len(_text(rest, kwargs, 0, "d")) * len(subject)
    if name == "format":
        return format_estimate(str(subject), [*rest, *kwargs.values()], limits.size)
    return estimate(name, str(subject) if not isinstance(subject, str) else subject, rest, kwargs, limits.size)


# --- the rewrite of a template's syntax tree: the checks, in the generated code --------------


CHECKS = ("sized", "emitted", "emitted_text", "bounded_iter")


def check_filters(meter: Callable[[], Meter]) -> dict[str, Callable[[Any], Any]]:
    """The checks, as filters for the generated code (a filter is called directly, without the
    sandbox's ``call``): ``_meter_sized`` calls ``meter().sized``..."""
    return {f"_meter_{name}": functools.partial(_check, name, meter) for name in CHECKS}


def _check(name: str, meter: Callable[[], Meter], value: Any) -> Any:
    return getattr(meter(), name)(value)


def _call(method: str, arg: nodes.Node) -> nodes.Filter:
    """``arg|_meter_<method>`` in the generated code."""
    return nodes.Filter(arg, f"_meter_{method}", [], [], None, None)


class _Rewrite(NodeTransformer):
    """Loops tick, values built are measured, output is counted."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _call("bounded_iter", node.iter)
        return node

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        literal = sum(len(child.data) for child in node.nodes if isinstance(child, nodes.TemplateData))
        node.nodes = [c if isinstance(c, nodes.TemplateData) else _call("emitted", c) for c in node.nodes]
        if literal:
            node.nodes.append(_call("emitted_text", nodes.Const(literal)))
        return node

    def visit_FilterBlock(self, node: nodes.FilterBlock) -> nodes.Node:
        node.body = [self.visit(child) for child in node.body]  # the filter itself stays a Filter node
        return node

    visit_AssignBlock = visit_FilterBlock  # {% set x | filter %}...{% endset %}

    def _sized(self, node: nodes.Node) -> nodes.Node:
        self.generic_visit(node)
        return _call("sized", node)

    visit_Concat = visit_List = visit_Dict = visit_Filter = _sized

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        return self._sized(node) if node.ctx == "load" else self.generic_visit(node)


class BoundedCodeGenerator(CodeGenerator):
    """jinja2's code generator, on the template rewritten with the checks."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        _Rewrite().visit(node)
        super().visit_Template(node, frame)
