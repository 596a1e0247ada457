"""Templates rendered in jinja2's sandbox: the shipped ones and the user's alike.

Every template runs in ``ImmutableSandboxedEnvironment`` with a loader that knows only
that one template (no ``include``, ``import`` or ``extends`` of another file) and
undefined values that fail when used, so that a template reaching for Python internals
(``''.__class__``, ``cycler.__init__.__globals__``) fails with a ``UserError`` instead of
rendering or running anything. Building huge strings with ``*`` or ``**`` is refused too.

Where a template comes from: the file given (``--template``), else the repository's
folder (config ``session.templateDir``, relative to the work tree, then
``.git-session/templates/`` in the work tree), else the package's ``templates/``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
import jinja2.sandbox
from jinja2.exceptions import SecurityError, TemplateError, TemplateNotFound, TemplateSyntaxError

from git_session.errors import UserError
from git_session.gitrepo import Repo

TEMPLATE_FILES = {"markdown": "handoff.md.j2", "html": "handoff.html.j2", "adr": "adr.md.j2"}
REPO_TEMPLATE_DIR = os.path.join(".git-session", "templates")
TEMPLATE_DIR_CONFIG = "session.templateDir"
MAX_REPEAT = 1_000_000  # the longest string or list a template may build with *
MAX_POWER_BITS = 100_000  # the largest integer it may build with **


class _Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """jinja2's immutable sandbox, which also refuses to build huge strings or numbers with * and **."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _bits(left) * (right if isinstance(right, int) else 0) > MAX_POWER_BITS:
            raise SecurityError("the power is too large for a template")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_REPEAT:
                    raise SecurityError("the result would be too large for a template")
        return super().call_binop(context, operator, left, right)


def _bits(value: Any) -> int:
    return max(abs(value).bit_length(), 1) if isinstance(value, int) else 0


@dataclass(frozen=True)
class Template:
    """A template's text, where it came from (for messages) and whether it writes HTML."""

    source: str
    origin: str
    html: bool
    cache: str | None = None  # where compiled templates are kept (keyed by their source)


def oneline(value: Any) -> str:
    return " ".join(str(value if value is not None else "").split())


def md_cell(value: Any) -> str:
    return oneline(value).replace("|", "\\|")


class _BestEffortCache(jinja2.FileSystemBytecodeCache):
    """A cache, not a store: a full disk or a read-only folder only costs a compile."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _environment(html: bool, cache: str | None) -> _Sandbox:
    """Compiling a template costs more than rendering it: with ``cache``, the compiled code
    is kept on disk, checked against the template's source (jinja2's bytecode cache)."""
    try:
        if cache is not None:
            os.makedirs(cache, exist_ok=True)
    except OSError:  # a read-only repository: compile every time
        cache = None
    if cache is not None and not os.access(cache, os.W_OK):
        cache = None
    env = _Sandbox(
        bytecode_cache=_BestEffortCache(cache) if cache is not None else None,
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(oneline=oneline, md_cell=md_cell)
    return env


def render_template(template: Template, context: Mapping[str, Any]) -> str:
    """Render in the sandbox; any failure of the template is a one-line ``UserError``."""
    env = _environment(template.html, template.cache)
    env.loader = jinja2.DictLoader({template.origin: template.source})  # that one template, nothing else
    try:
        return env.get_template(template.origin).render(context)
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
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError, MemoryError) as exc:
        raise UserError(f"template {template.origin} failed: {type(exc).__name__}: {_first_line(exc)}") from None


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return lines[0] if lines else "no details"


def shipped_template(name: str) -> str:
    return resources.files("git_session").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


def find_template(repo: Repo, kind: str, path: str | None = None) -> Template:
    """The template to use: ``path`` if given, else the repository's (``session.templateDir``,
    then ``.git-session/templates/`` in the work tree), else the shipped one."""
    name = TEMPLATE_FILES[kind]
    cache = os.path.join(repo.common_dir, "git-session", "template-cache")
    if path is not None:
        return Template(_read(path), path, kind == "html" or _is_html_name(path), cache)
    for folder, within in _template_dirs(repo):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            _check_within(candidate, within)
            return Template(_read(candidate), candidate, kind == "html", cache)
    return Template(shipped_template(name), name, kind == "html", cache)


def _template_dirs(repo: Repo) -> list[tuple[str, str | None]]:
    """The folders to look in, each with the work tree when its files come with the project
    (then none of them may be a link to a file outside it), or ``None``."""
    dirs: list[tuple[str, str | None]] = []
    configured = repo.config_value(TEMPLATE_DIR_CONFIG)
    root = repo.workdir
    if configured:
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
