"""Templates rendered with jinja2: the user's in its sandbox, the package's own outside it.

A user's template (given, or the repository's) runs in ``ImmutableSandboxedEnvironment`` with a loader that knows only
that one template (no ``include``, ``import`` or ``extends`` of another file) and
undefined values that fail when used, so that a template reaching for Python internals
(``''.__class__``, ``cycler.__init__.__globals__``) fails with a ``UserError`` instead of
rendering or running anything. Building huge strings with ``*`` or ``**`` is refused too.
The package's own templates are our code, not a repository's: they render in a plain
environment with the same options and filters (the same text), without the checks.

Where a template comes from: the file given (``--template``), else the repository's
folder (config ``session.templateDir``, relative to the work tree, then
``.git-session/templates/`` in the work tree), else the package's ``templates/``.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import jinja2
import jinja2.sandbox
from jinja2.exceptions import SecurityError, TemplateError, TemplateNotFound, TemplateSyntaxError

from git_session import PYTHON_GC_THRESHOLD, data, paths, settings
from git_session.bounds import (
    VERSION,
    BoundedCodeGenerator,
    Limits,
    Meter,
    bounded_filters,
    check_filters,
    estimate,
    format_estimate,
    weight,
)
from git_session.errors import UserError
from git_session.gitrepo import Repo, read_data, share_made
from git_session.model import PRIORITIES
from git_session.plaintext import human_date

TEMPLATE_FILES = {"markdown": "handoff.md.j2", "html": "handoff.html.j2", "adr": "adr.md.j2"}
REPO_TEMPLATE_DIR = os.path.join(".git-session", "templates")
MAX_REPEAT = 1_000_000  # the longest string or list a template may build with *
MAX_POWER_BITS = 100_000  # the largest integer it may build with **


class _Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """jinja2's immutable sandbox, with bounds on time and size (``bounds.py``): huge strings or
    numbers built with ``*``, ``**``, ``+`` or ``%`` are refused too."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = BoundedCodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.meter = Meter(Limits())  # replaced for each rendering

    def call(self, context: jinja2.runtime.Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        meter = self.meter
        meter.tick()
        target = getattr(obj, "__wrapped__", obj)  # str.format comes wrapped by the sandbox
        name, owner = getattr(target, "__name__", ""), getattr(target, "__self__", None)
        if name == "join" and isinstance(owner, str) and args:
            args = (list(args[0]), *args[1:])
            meter.check(weight(args[0], meter.limits.size) + len(owner) * len(args[0]), "join")
        if name == "generate_lorem_ipsum":
            meter.check(_lorem_estimate(args, kwargs), "lipsum")
        meter.check(estimate(name, owner, args, kwargs, meter.limits.size), name)
        return meter.sized(super().call(context, obj, *args, **kwargs))

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _bits(left) * (right if isinstance(right, int) else 0) > MAX_POWER_BITS:
            raise SecurityError("the power is too large for a template")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int):
                    if len(seq) * times > MAX_REPEAT:
                        raise SecurityError("the result would be too large for a template")
                    self.meter.check(weight(seq, self.meter.limits.size) * times, "*")
        if operator == "%" and isinstance(left, str):
            args = right if isinstance(right, tuple) else [right]
            self.meter.check(format_estimate(left, args, self.meter.limits.size), "%")
        return self.meter.sized(super().call_binop(context, operator, left, right))


def _lorem_estimate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    paragraphs = args[0] if args else kwargs.get("n", 5)
    words = args[3] if len(args) > 3 else kwargs.get("max", 100)
    return (paragraphs if isinstance(paragraphs, int) else 0) * (words if isinstance(words, int) else 0) * 16


def _bits(value: Any) -> int:
    return max(abs(value).bit_length(), 1) if isinstance(value, int) else 0


class Template(NamedTuple):
    """A template's text, where it came from (for messages) and whether it writes HTML."""

    source: str
    origin: str
    html: bool
    cache: str | None = None  # where compiled templates are kept (keyed by their source)
    shipped: bool = False  # the package's own: trusted code, rendered outside the sandbox


def oneline(value: Any) -> str:
    return " ".join(str(value if value is not None else "").split())


def md_cell(value: Any) -> str:
    return oneline(value).replace("|", "\\|")


class _BestEffortCache(jinja2.FileSystemBytecodeCache):
    """A cache, not a store: a full disk or a read-only folder only costs a compile."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """jinja2's, never waiting on what is not a regular file (a FIFO would block it)."""
        try:
            data = read_data(self._get_cache_filename(bucket))
        except OSError:
            return  # compiled again
        bucket.load_bytecode(io.BytesIO(data))

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)
            share_made(self._get_cache_filename(bucket))  # (jinja2 makes it with mkstemp's 0600)


def _environment(html: bool, cache: str | None) -> _Sandbox:
    """Compiling a template costs more than rendering it: with ``cache``, the compiled code
    is kept on disk, checked against the template's source (jinja2's bytecode cache)."""
    env = _Sandbox(bytecode_cache=_bytecode_cache(cache, f"bounds{VERSION}"), **_options(html))
    env.globals["priorities"] = PRIORITIES  # the order the shipped handoff groups next steps in
    env.filters.update(oneline=oneline, md_cell=md_cell, human_date=human_date)
    env.filters.update(bounded_filters(env.filters, lambda: env.meter))
    env.filters.update(check_filters(lambda: env.meter))
    return env


class _Shipped(jinja2.Environment):
    """jinja2's environment, with ``a.b`` on a plain dict looked up as a key at once: jinja2
    asks for the attribute first, and the exception it catches on every field of the
    context costs more than the rest of the lookup (a name of dict's own still reads the
    method, as jinja2 has it)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_NAMES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


_DICT_NAMES = frozenset(dir(dict))


def _shipped_environment(html: bool, cache: str | None) -> jinja2.Environment:
    """The environment of the package's own templates: our code, not the repository's, so
    neither the sandbox's checks of every attribute nor the bounds' checks of every value
    (most of the rendering's cost) guard it. The same options and filters: the same text."""
    env = _Shipped(bytecode_cache=_bytecode_cache(cache, "shipped"), **_options(html))
    env.globals["priorities"] = PRIORITIES
    env.filters.update(oneline=oneline, md_cell=md_cell, human_date=human_date)
    return env


def _options(html: bool) -> dict[str, Any]:
    return {
        "autoescape": html,
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
        "auto_reload": False,
    }


def _bytecode_cache(folder: str | None, kind: str) -> jinja2.FileSystemBytecodeCache | None:
    """Compiled templates, kept apart for each kind of environment and each version of the
    bounds' rewrite (code compiled without the checks must never be loaded by the sandbox);
    none when the folder cannot be written (a read-only repository: compiled every time)."""
    try:
        if folder is not None:
            os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    if folder is None or not os.access(folder, os.W_OK):
        return None
    return _BestEffortCache(folder, f"__git_session_{kind}_%s.cache")


def render_template(template: Template, context: Mapping[str, Any], limits: Limits | None = None) -> str:
    """Render in the sandbox, within ``limits`` of time and size; any failure of the template is a
    one-line ``UserError``."""
    env = (_shipped_environment if template.shipped else _environment)(template.html, template.cache)
    env.loader = jinja2.DictLoader({template.origin: template.source})  # that one template, nothing else
    try:
        compiled = env.get_template(template.origin)
        meter = Meter(limits or Limits())
        if not isinstance(env, _Sandbox):  # ours: its output grows with the session alone
            text = compiled.render(context)
            meter.check(len(text), "the output")
            return text
        env.meter = meter
        with _collected():
            return _streamed(compiled.generate(context), meter)
    except SecurityError as exc:
        raise UserError(f"template {template.origin} was refused by the sandbox: {_first_line(exc)}") from None
    except TemplateNotFound as exc:
        raise UserError(
            f"template {template.origin} failed: it uses {_first_line(exc)!r}; a template can use no other file"
        ) from None
    except TemplateSyntaxError as exc:
        raise UserError(f"template {template.origin}: line {exc.lineno}: {_first_line(exc.message)}") from None
    except TemplateError as exc:
        raise UserError(f"template {template.origin} failed: {_first_line(exc)}") from None
    except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError, RuntimeError, MemoryError) as exc:
        raise UserError(f"template {template.origin} failed: {type(exc).__name__}: {_first_line(exc)}") from None


@contextlib.contextmanager
def _collected() -> Iterator[None]:
    """Python's own cyclic collection while a template not ours renders, even where the command
    turned the collector off (the early answer, ``launch``) or down (``cli.main``): such a
    template may build a reference cycle on every turn of a loop (a namespace holding itself),
    which only the collector frees, and the sandbox's limit is one of time, not of memory."""
    enabled, threshold = gc.isenabled(), gc.get_threshold()
    gc.set_threshold(*PYTHON_GC_THRESHOLD)
    gc.enable()
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if not enabled:
            gc.disable()


def _streamed(chunks: Iterator[str], meter: Meter) -> str:
    """The output, read piece by piece, refused as soon as it is too large."""
    parts, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        meter.check(size, "the output")
        parts.append(chunk)
    return "".join(parts)


MAX_DETAIL = 300  # characters of an error's text in the one line (it may quote a huge value)


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    line = lines[0] if lines else "no details"
    return line if len(line) <= MAX_DETAIL else line[: MAX_DETAIL - 3] + "..."


def find_template(repo: Repo, kind: str, path: str | None = None) -> Template:
    """The template to use: ``path`` if given, else the repository's (``session.templateDir``,
    then ``.git-session/templates/`` in the work tree), else the shipped one."""
    name = TEMPLATE_FILES[kind]
    cache = str(paths.template_cache(repo))
    if path is not None:
        return Template(_read(path), path, kind == "html" or _is_html_name(path), cache)
    for folder, within in _template_dirs(repo):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            _check_within(candidate, within)
            return Template(_read(candidate), candidate, kind == "html", cache)
    return Template(data.template(name), name, kind == "html", cache, shipped=True)


def _template_dirs(repo: Repo) -> list[tuple[str, str | None]]:
    """The folders to look in, each with the work tree when its files come with the project
    (then none of them may be a link to a file outside it), or ``None``."""
    dirs: list[tuple[str, str | None]] = []
    chosen = settings.of(repo)["templateDir"]  # git config, else .git-session/config.yaml
    configured = chosen.value if isinstance(chosen.value, str) else None
    root = repo.workdir
    if configured and not chosen.origin.startswith("git config"):
        if root is not None and settings.is_confined(configured):  # the shared file: only inside the work tree
            dirs.append((os.path.join(root, configured), root))
    elif configured:
        configured = os.path.expanduser(configured)
        if os.path.isabs(configured) or root is None:
            dirs.append((configured, None))
        else:
            dirs.append((os.path.join(root, configured), root))
    if root is not None:
        dirs.append((os.path.join(root, REPO_TEMPLATE_DIR), root))
    return dirs


def _check_within(path: str, root: str | None) -> None:
    """A template of the project's is read only from the project: a symbolic link it carries
    never makes git-session read (and render) another file of the user's."""
    if root is None:
        return
    real, top = os.path.realpath(path), os.path.realpath(root)
    if not real.startswith(top.rstrip(os.sep) + os.sep):
        raise UserError(f"template {path} is a link to a file outside the repository: refusing to read it")


def _is_html_name(path: str) -> bool:
    return path.lower().removesuffix(".j2").removesuffix(".jinja").endswith((".html", ".htm"))


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read template {path}: {getattr(exc, 'strerror', None) or exc}") from None
