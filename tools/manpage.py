"""Generate git-session(1) and the README's command reference from the click tree.

    python3 dev.py docs                 regenerate man/git-session.1 and the README section
    python -m tools.manpage --write     the same, in the project's .venv
    python -m tools.manpage --check     exit 1 if either is stale

A development tool, not part of the package: it walks ``git_session.cli:cli`` through
click's own API (``list_commands``/``get_command``, so lazily loaded commands too), so the
documentation cannot drift from the commands.
The output is deterministic: no dates, the version comes from the package metadata.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import click

from git_session import errors
from git_session.cli import cli

PROG = "git session"
MAN_PATH = Path("man/git-session.1")
README_PATH = Path("README.md")
START_MARKER = "<!-- commands:start -->"
END_MARKER = "<!-- commands:end -->"


# --- the walked tree ------------------------------------------------------------------


@dataclass(frozen=True)
class OptionDoc:
    names: tuple[str, ...]
    metavar: str
    choices: tuple[str, ...]
    multiple: bool
    required: bool
    help: str


@dataclass(frozen=True)
class CommandDoc:
    path: tuple[str, ...]
    arguments: tuple[str, ...]
    options: tuple[OptionDoc, ...]
    short_help: str
    paragraphs: tuple[str, ...]
    subcommands: tuple[str, ...]

    @property
    def name(self) -> str:
        return " ".join((PROG, *self.path))

    @property
    def is_group(self) -> bool:
        return bool(self.subcommands)


def walk(root: click.Command = cli) -> list[CommandDoc]:
    """Every command, depth first, in the order they are declared."""
    return list(_walk(root, click.Context(root, info_name=PROG, **root.context_settings), ()))


def _walk(cmd: click.Command, ctx: click.Context, path: tuple[str, ...]) -> Iterator[CommandDoc]:
    yield _command_doc(cmd, ctx, path)
    if isinstance(cmd, click.Group):
        for name in _subcommand_names(cmd, ctx):
            sub = cmd.get_command(ctx, name)
            assert sub is not None
            yield from _walk(sub, click.Context(sub, info_name=name, parent=ctx, **sub.context_settings), (*path, name))


def _subcommand_names(group: click.Group, ctx: click.Context) -> list[str]:
    """Declaration order (the man page reads like the code; a lazy group: the order of its map), then the rest."""
    listed = [name for name in group.list_commands(ctx) if not _hidden(group.get_command(ctx, name))]
    declared = [name for name in (*group.commands, *getattr(group, "lazy", {})) if name in listed]
    return declared + [name for name in listed if name not in declared]


def _hidden(cmd: click.Command | None) -> bool:
    return cmd is None or cmd.hidden


def _command_doc(cmd: click.Command, ctx: click.Context, path: tuple[str, ...]) -> CommandDoc:
    params = [p for p in cmd.get_params(ctx) if not getattr(p, "hidden", False)]
    arguments = [piece for p in params if isinstance(p, click.Argument) for piece in p.get_usage_pieces(ctx)]
    options = [_option_doc(p, ctx) for p in params if isinstance(p, click.Option) and not _is_help(p, ctx, path)]
    subcommands = _subcommand_names(cmd, ctx) if isinstance(cmd, click.Group) else []
    if subcommands:
        arguments.append("COMMAND")
    return CommandDoc(
        path=path,
        arguments=tuple(arguments),
        options=tuple(o for o in options if o is not None),
        short_help=cmd.get_short_help_str(limit=1000),
        paragraphs=_paragraphs(cmd.help or cmd.short_help or ""),
        subcommands=tuple(subcommands),
    )


def _is_help(option: click.Option, ctx: click.Context, path: tuple[str, ...]) -> bool:
    """The help option, listed once for the whole program rather than under every command."""
    return bool(path) and set(option.opts) <= set(ctx.help_option_names)


def _option_doc(option: click.Option, ctx: click.Context) -> OptionDoc | None:
    record = option.get_help_record(ctx)
    if record is None:
        return None
    words = record[0].split(" ")
    names = tuple(w.rstrip(",") for w in words if w.startswith("-"))
    metavar = " ".join(w for w in words if not w.startswith("-") and w != "/")
    choices: tuple[str, ...] = ()
    if isinstance(option.type, click.Choice):
        choices = tuple(str(c) for c in option.type.choices)
        metavar = option.metavar or names[-1].lstrip("-").upper()
    help_text = " ".join(record[1].split())
    return OptionDoc(names, metavar, choices, option.multiple, option.required, help_text)


def _paragraphs(text: str) -> tuple[str, ...]:
    """Click help text as paragraphs; a paragraph starting with \\b keeps its lines."""
    body = inspect.cleandoc(text).split("\f", 1)[0]
    blocks = [block.strip("\n") for block in re.split(r"\n\s*\n", body)]
    return tuple(b if b.startswith("\b") else " ".join(b.split()) for b in blocks if b.strip())


def synopsis(command: CommandDoc) -> str:
    """``git session start [-o TEXT]... [--task KEY]... [TITLE]``: options spelt out, choices listed."""
    return " ".join([command.name, *(_option_synopsis(o) for o in command.options), *command.arguments])


def _option_synopsis(option: OptionDoc) -> str:
    metavar = "|".join(option.choices) or option.metavar
    text = f"{option.names[0]} {metavar}".rstrip()
    text = text if option.required else f"[{text}]"
    return f"{text}..." if option.multiple else text


def leaves(commands: Sequence[CommandDoc]) -> list[CommandDoc]:
    return [c for c in commands if c.path and not c.is_group]


def version() -> str:
    try:
        return metadata.version("git-session")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- roff -----------------------------------------------------------------------------


def roff_escape(text: str) -> str:
    """Backslashes, hyphens (as minus, so options copy and search right) and non-ASCII as \\[uXXXX]."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)


def roff_line(text: str) -> str:
    """One escaped input line that roff cannot take for a request."""
    escaped = roff_escape(text)
    return f"\\&{escaped}" if escaped.startswith((".", "'")) else escaped


def prose(text: str) -> str:
    """Static prose: `code` in bold, the rest escaped; one input line."""
    parts = text.split("`")
    line = "".join(_bold(part) if index % 2 else roff_escape(part) for index, part in enumerate(parts))
    return f"\\&{line}" if line.startswith((".", "'")) else line


def _bold(text: str) -> str:
    return f"\\fB{roff_escape(text)}\\fR"


def _italic(text: str) -> str:
    return f"\\fI{roff_escape(text)}\\fR"


def _italic_words(text: str) -> str:
    """Metavariables in italics; brackets, bars and ellipses in roman."""
    parts = [part for part in re.split(r"([\w-]+)", text) if part]
    return "".join(_italic(p) if re.fullmatch(r"[\w-]+", p) else roff_escape(p) for p in parts)


def _macro_arg(text: str) -> str:
    return '"' + roff_escape(text).replace('"', "\\(dq") + '"'


def _no_sentence_end(piece: str) -> str:
    """A synopsis piece ending in an ellipsis must not get roff's wider sentence space."""
    return f"{piece}\\&" if piece.endswith(".") else piece


def _option_usage(option: OptionDoc) -> str:
    """``[-o\\ TEXT]...``: the option's first name and metavar, never split across lines."""
    text = _bold(option.names[0]) + (f"\\ {_italic_words(option.metavar)}" if option.metavar else "")
    text = text if option.required else f"[{text}]"
    return f"{text}..." if option.multiple else text


def _option_tag(option: OptionDoc) -> str:
    tag = ", ".join(_bold(name) for name in option.names)
    return f"{tag} {_italic_words(option.metavar)}" if option.metavar else tag


def _option_item(option: OptionDoc) -> list[str]:
    lines = [".TP", _option_tag(option)]
    lines += [roff_line(option.help)] if option.help else []
    if option.choices:
        lines.append(f"{_italic(option.metavar)} is one of: " + ", ".join(_bold(c) for c in option.choices) + ".")
    return lines


def _paragraph_lines(paragraphs: Sequence[str], render: Callable[[str], str] = roff_line) -> list[str]:
    lines: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        lines += [".PP"] if index else []
        if paragraph.startswith("\b"):
            lines += [".nf", *(roff_line(line) for line in paragraph[1:].strip("\n").splitlines()), ".fi"]
        else:
            lines.append(render(paragraph))
    return lines


def _synopsis_block(command: CommandDoc) -> list[str]:
    pieces = [_option_usage(o) for o in command.options] + [_italic_words(a) for a in command.arguments]
    return [f".SY {_macro_arg(command.name)}", *(_no_sentence_end(p) for p in pieces), ".YS"]


def common_options(commands: Sequence[CommandDoc], at_least: int = 3) -> list[OptionDoc]:
    """Options that many commands share: documented once, under OPTIONS."""
    counts: dict[OptionDoc, int] = {}
    for option in (o for c in commands if c.path for o in c.options):
        counts[option] = counts.get(option, 0) + 1
    return [option for option, count in counts.items() if count >= at_least]


def _command_item(command: CommandDoc, common: Sequence[OptionDoc]) -> list[str]:
    head = " ".join([_bold(command.name), *(_italic_words(a) for a in command.arguments)])
    lines = [".PP", head, ".RS 4", *_paragraph_lines(command.paragraphs)]
    if command.subcommands:
        lines += [".PP", "Subcommands: " + ", ".join(_bold(name) for name in command.subcommands) + "."]
    shared = [o for o in command.options if o in common]
    for option in (o for o in command.options if o not in common):
        lines += _option_item(option)
    if shared:
        lines += [".PP", "Also takes " + ", ".join(_option_tag(o) for o in shared) + " (see \\fBOPTIONS\\fR)."]
    return [*lines, ".RE"]


# --- the man page's sections ----------------------------------------------------------
# Static prose marks `code` with backticks; the command reference itself comes from click.

_DESCRIPTION_TAIL = (
    "Every command works from any directory inside a work tree, linked worktrees included. "
    "Commands that act on a session take `--session` SESSION (see SESSION NAMES) and default to "
    "the current branch's session. Read commands take `--json` and print JSON instead of text. "
    "Human output is concise. Colour follows git: `color.session`, else `color.ui` (`git -c` included), "
    "is `always`, `never` (or `false`) or `auto` (the default, or `true`: only on a terminal, when `NO_COLOR` "
    "is not set and `TERM` is not `dumb`). "
    "A TEXT argument given as `-` is read from standard input.",
    "Errors are printed to standard error as one line starting with `git-session:`, "
    "possibly followed by one starting with `hint:`, and the command exits with a non-zero status "
    "(see EXIT STATUS).",
    "git runs this program as `git session` because an executable named `git-session` is on PATH; "
    "`git session --help` and `git help session` show this page, which man finds under the `share/man` next "
    "to the `bin` on PATH that holds `git-session` (a wheel installs it there; `python3 dev.py` links it into "
    "`.venv/share/man`); `git-session --help` prints the commands' own help.",
)

_SESSION_NAMES = (
    "Wherever a command takes a SESSION (the `--session` option, or an optional SESSION argument), "
    "it can be named in any of these ways, tried in this order:",
)

_NAME_FORMS = (
    ("branch", "A branch name: that branch's open (active or paused) session, else its most recent one."),
    (
        "id prefix",
        "The session id or any unambiguous prefix of it, in any case, like a git object name. "
        "Ids are time-ordered and random, so clones never need to coordinate; they are shown abbreviated "
        "to at least 8 characters.",
    ),
    (
        "title slug",
        "The session title reduced to lower-case ASCII words joined by hyphens: a session titled "
        '"Fix the sweep race" is `fix-the-sweep-race`.',
    ),
)

_SESSION_NAMES_TAIL = (
    "Without a name, the current branch's session is used. An ambiguous prefix or slug is an error that lists "
    "the candidates. Entries (objectives, blockers, next steps...) are named by any unambiguous prefix of "
    "their id in the same way.",
)

_EXIT_MEANINGS = {
    "EXIT_USER": "User error: bad input, or the wrong state for the command "
    "(no session on the branch, an unknown or ambiguous name...).",
    "EXIT_USAGE": "Usage error: an unknown command or option, or a missing or invalid argument.",
    "EXIT_DATA": "Data error: stored session data is malformed, or was written by a newer format version.",
    "EXIT_GIT": "Git error: a git command or a libgit2 call failed.",
    "EXIT_CONFLICT": "Conflict: concurrent writers kept moving the session's ref; nothing was written.",
    "EXIT_FILESYSTEM": "File system error: a full disk, a read-only repository or missing permissions; "
    "the message names what could not be written.",
    "EXIT_INTERNAL": "Internal error: a bug. The details are written to a crash log whose path is printed.",
    "EXIT_INTERRUPTED": "Interrupted (Ctrl-C).",
}

_ENVIRONMENT = (
    (
        "GIT_SESSION_AGENT",
        "The name of the coding agent (e.g. claude, codex, gemini) doing the work; it is recorded "
        "with every change written to a session.",
    ),
    (
        "NO_COLOR",
        "When set to a non-empty value, output is not coloured unless `color.session` or `color.ui` is `always`. "
        "Colour is also off when not on a terminal, unless asked for in the same way.",
    ),
    (
        "GIT_SESSION_DISABLE",
        "When set to 1, the installed hooks do nothing of their own (a chained hook still runs): no trailers, "
        "no linking.",
    ),
)

_FILES = (
    (
        "refs/sessions/<branch-key>/<session-id>",
        "One ref per session. The branch key is a readable slug of the branch name plus a short hash of its "
        "exact name; the real branch name is stored in the session. The ref points to a chain of commits, "
        "one per operation, each carrying a Lamport clock and the format version: the history of the ref "
        "is the session's journal, and each commit's tree holds the state after it.",
    ),
    (
        "refs/notes/sessions",
        "Notes linking commits to sessions: one JSON object per line (which is also YAML), lines sorted and "
        "unique, so that git notes merge -s cat_sort_uniq and notes.rewriteMode=cat_sort_uniq keep them.",
    ),
    (
        "<common-dir>/git-session/branches/<branch>/trailers~",
        "The trailers for the branch's active session, rendered whenever the session changes together with "
        "the session ref's tip and the config values they come from (trailer.*, core.commentChar, "
        "session.trailer.*, session.mergeTrailers); the prepare-commit-msg hook uses them while that tip is "
        "current and those values are unchanged (when a config file is newer, it reads the files, and asks git "
        "config only when they may set one of those values, or git -c is given).",
    ),
    (
        "<common-dir>/git-session/branches/<branch>/message~<commit>",
        "A copy of the message of the branch's tip, made with its trailers: git commit --amend -m takes the "
        "trailers the tip had from it (without it, from git log).",
    ),
    (
        "<common-dir>/git-session/queue/",
        "Commits recorded by the hooks, linked to their session (a journal entry and a note) by the next "
        "git-session command; a record stays until its commit is linked.",
    ),
    (
        "<hooks>/<hook>.git-session-chained",
        "A hook that was in place when git session install put its own there: it runs first, with the same "
        "arguments and input, and git session uninstall puts it back. <hooks> is the directory git runs hooks "
        "from (git rev-parse --git-path hooks).",
    ),
    (
        "<common-dir>/git-session/hooks-installed",
        "What git session install added (config values that were absent, the hooks directories it wrote), so "
        "that git session uninstall removes exactly that.",
    ),
    (
        "<common-dir>/git-session/chosen",
        "The sessions this clone started or resumed, one id a line, the latest last: a branch's default session "
        "is the latest of them that is on the branch. Never pushed: a teammate's session that arrives with a "
        "pull is used only by choice (--session, resume). Without this file, the sessions one's git identity "
        "wrote in are one's own.",
    ),
    (
        "<common-dir>/git-session/crash/",
        "Details of internal errors (exit status 70), the newest ten kept; in the temporary folder when the "
        "repository cannot be written.",
    ),
)

_SEE_ALSO = (("git", 1), ("git-update-ref", 1))


def exit_codes() -> list[tuple[int, str]]:
    """The codes defined in git_session.errors with their meanings; a new code must be documented here."""
    names = sorted(n for n in vars(errors) if n.startswith("EXIT_"))
    missing = [n for n in names if n not in _EXIT_MEANINGS]
    if missing:
        raise RuntimeError(f"exit codes without a documented meaning: {', '.join(missing)}")
    return sorted([(0, "Success."), *((int(getattr(errors, n)), _EXIT_MEANINGS[n]) for n in names)])


def _section(title: str, *lines: str) -> list[str]:
    return [f".SH {_macro_arg(title)}", *lines]


def _definitions(items: Sequence[tuple[str, str]], tag: str = "B") -> list[str]:
    return [line for term, text in items for line in (".TP", f".{tag} {_macro_arg(term)}", prose(text))]


def _header() -> list[str]:
    return [
        '.\\" Generated from the click command tree by python -m git_session.manpage --write;',
        '.\\" do not edit: run python3 dev.py docs.',
        ".nr HY 0",
        f'.TH "GIT\\-SESSION" "1" "" {_macro_arg("git-session " + version())} "Git Manual"',
        ".nh",
        ".ad l",
    ]


def _name(root: CommandDoc) -> list[str]:
    summary = root.short_help.rstrip(".")
    summary = summary[:1].lower() + summary[1:] if summary[1:2].islower() else summary
    return _section("NAME", f"git\\-session \\- {roff_escape(summary)}")


def _synopsis(commands: Sequence[CommandDoc]) -> list[str]:
    top = [f".SY {_macro_arg(PROG)}", "[\\fB\\-h\\fR | \\fB\\-\\-help\\fR]", "[\\fB\\-\\-version\\fR]"]
    top += ["\\fICOMMAND\\fR", "[\\fIARGS\\fR]...\\&", ".YS"]
    return _section("SYNOPSIS", *top, *(line for c in leaves(commands) for line in _synopsis_block(c)))


def _description(root: CommandDoc) -> list[str]:
    tail = _paragraph_lines(_DESCRIPTION_TAIL, prose)
    return _section("DESCRIPTION", *_paragraph_lines(root.paragraphs), ".PP", *tail)


def _options(commands: Sequence[CommandDoc]) -> list[str]:
    own = [line for option in commands[0].options for line in _option_item(option)]
    shared = [line for option in common_options(commands) for line in _option_item(option)]
    intro = [".PP", "These are taken by many commands, as listed under COMMANDS:"] if shared else []
    return _section("OPTIONS", *own, *intro, *shared)


def _commands(commands: Sequence[CommandDoc]) -> list[str]:
    common = common_options(commands)
    return _section("COMMANDS", *(line for c in commands if c.path for line in _command_item(c, common)))


def _session_names() -> list[str]:
    lines = [*_paragraph_lines(_SESSION_NAMES, prose), *_definitions(_NAME_FORMS, tag="I"), ".PP"]
    return _section("SESSION NAMES", *lines, *_paragraph_lines(_SESSION_NAMES_TAIL, prose))


def _exit_status() -> list[str]:
    return _section("EXIT STATUS", *_definitions([(str(code), text) for code, text in exit_codes()]))


def _see_also() -> list[str]:
    return _section("SEE ALSO", ",\n".join(f"{_bold(name)}({section})" for name, section in _SEE_ALSO))


def render_man(root: click.Command = cli) -> str:
    commands = walk(root)
    lines = [
        *_header(),
        *_name(commands[0]),
        *_synopsis(commands),
        *_description(commands[0]),
        *_options(commands),
        *_commands(commands),
        *_session_names(),
        *_exit_status(),
        *_section("ENVIRONMENT", *_definitions(_ENVIRONMENT)),
        *_section("FILES", *_definitions(_FILES)),
        *_see_also(),
    ]
    return "\n".join(lines) + "\n"


# --- Markdown -------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(root: click.Command = cli) -> str:
    """The README's command reference: one table row per command."""
    rows = [f"| `{_md_cell(synopsis(c))}` | {_md_cell(c.short_help)} |" for c in leaves(walk(root))]
    intro = [
        "Generated from the command tree by `python3 dev.py docs`; `git session COMMAND --help`",
        "and `man git-session` tell more.",
    ]
    return "\n".join([*intro, "", "| command | what it does |", "|---|---|", *rows]) + "\n"


def splice_readme(readme: str, section: str) -> str:
    """The README with the text between the command-reference markers replaced."""
    head, start, rest = readme.partition(START_MARKER)
    _, end, tail = rest.partition(END_MARKER)
    if not start or not end:
        raise ValueError(f"README.md lacks the markers {START_MARKER} ... {END_MARKER}")
    return f"{head}{START_MARKER}\n{section}{END_MARKER}{tail}"


# --- the command line -----------------------------------------------------------------


def expected_files(root_dir: Path) -> dict[Path, str]:
    """Each generated file's path and the content it should have."""
    readme = (root_dir / README_PATH).read_text(encoding="utf-8")
    return {
        root_dir / MAN_PATH: render_man(),
        root_dir / README_PATH: splice_readme(readme, render_markdown()),
    }


def stale_files(root_dir: Path) -> list[Path]:
    return [path for path, text in expected_files(root_dir).items() if _read(path) != text]


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def write(root_dir: Path) -> list[Path]:
    """Rewrite the stale files; return them."""
    changed = []
    for path, text in expected_files(root_dir).items():
        if _read(path) != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.manpage", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate the man page and the README section")
    action.add_argument("--check", action="store_true", help="exit 1 if either is stale")
    action.add_argument("--man", action="store_true", help="print the man page")
    action.add_argument("--markdown", action="store_true", help="print the README section")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1], help="the project directory")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    if args.man or args.markdown:
        sys.stdout.write(render_man() if args.man else render_markdown())
        return 0
    if args.check:
        stale = stale_files(args.root)
        for path in stale:
            print(f"{path}: stale; regenerate it with: python3 dev.py docs", file=sys.stderr)
        return 1 if stale else 0
    for path in write(args.root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
