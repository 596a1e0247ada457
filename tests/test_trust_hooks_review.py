"""Review of issue 9 items 11 and 17 and the hooks' time limit: the cases the first round missed.

Templates (item 17):
- a format string that names one large argument many times (``'{0}{0}…'.format(big)``,
  ``'%(a)s%(a)s…' % {'a': big}``, the ``format`` filter) is measured before it is built;
- ``str.translate`` with a long replacement is measured before it is built;
- values aliased through a ``namespace()`` or a dict view (``.values()``) are measured as
  they would be written out, so doubling them stops at the size bound;
- an error that quotes a huge value is still a short line, and every error raised by what a
  template calls (``AttributeError``, ``RuntimeError``) is one line, not a crash;
- filters that go over their subject item by item (``sort``, ``map``, ``groupby``...) refuse
  a subject of millions of items (a long string) before they hold gigabytes past the deadline.

Commit messages (item 11):
- with ``trailer.separators`` (``:#``), the user's ``Jira #PROJ-123`` stays a trailer;
- another session's ``Session-Id`` run quoted in the user's message (a teammate's) is the
  user's text: it is kept, and ours are added; amending still replaces our own block.

The hooks' time limit: where there is no timeout(1), the watchdog ends when the hook returns
(it would otherwise watch, and kill, a reused pid).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from git_session import sandbox
from git_session.bounds import Limits
from git_session.errors import UserError
from tests import test_trailers
from tests.helpers import alarm_after, git
from tests.test_trailers import DEC, ID, Session, change, lines, message, run_git

# The fixtures, bound by assignment (an import would be "unused", then "redefined")
hooked = test_trailers.hooked
session = test_trailers.session

QUICK = Limits(seconds=2.0)


@pytest.fixture
def guard() -> Iterator[None]:
    """Fail, rather than hang or build gigabytes for minutes, when a bound is missing."""
    with alarm_after(60, "the template was not stopped"):
        yield


def refused(source: str) -> str:
    template = sandbox.Template(source, "hostile.j2", False)
    with pytest.raises(UserError) as caught:
        sandbox.render_template(template, {}, QUICK)
    message = caught.value.message
    assert "\n" not in message and message.startswith("template hostile.j2 "), message
    return message


# (sizes where a missing bound builds gigabytes at once: 30 GB, 20 GB, 1 GB)
BUILT_AT_ONCE = {
    "format-repeated-field": "{{ ('{0}' * 300000).format('x' * 100000)|length }}",
    "percent-repeated-key": "{{ ('%(a)s' * 200000) % {'a': 'x' * 100000} }}",
    "format-filter-repeated-key": "{{ ('%(a)s' * 200000)|format(a='x' * 100000) }}",
    "translate": "{{ ('a' * 999999).translate({97: 'b' * 1000})|length }}",
}


@pytest.mark.parametrize("name", list(BUILT_AT_ONCE))
def test_a_value_named_many_times_is_measured_before_it_is_built(guard: None, name: str) -> None:
    assert "would build more than" in refused(BUILT_AT_ONCE[name])


ALIASED = {
    "namespace": (
        "{% set ns = namespace(s='x' * 100) %}{% for i in range(30) %}"
        "{% set ns.s = namespace(a=ns.s, b=ns.s) %}{% endfor %}{{ ns.s|string|length }}"
    ),
    "dict-values": (
        "{% set ns = namespace(s='x' * 100) %}{% for i in range(30) %}"
        "{% set ns.s = dict(a=ns.s, b=ns.s).values() %}{% endfor %}{{ ns.s|string|length }}"
    ),
}


@pytest.mark.parametrize("name", list(ALIASED))
def test_values_aliased_through_a_namespace_or_a_view_are_bounded(guard: None, name: str) -> None:
    assert "refused by the sandbox" in refused(ALIASED[name])


def test_an_error_quoting_a_huge_value_is_a_short_line(guard: None) -> None:
    message = refused("{{ ('a' * 999999)|filesizeformat }}")
    assert "ValueError" in message and len(message) < 400


# a 9-million-character string, built within every bound: filters going over it item by item
NINE_MILLION = (
    "{% set ns = namespace(s='') %}{% for i in range(9) %}{% set ns.s = ns.s ~ 'a.b ' * 250000 %}{% endfor %}"
)
ITEMWISE = {
    "sort": "{{ ns.s|sort|length }}",  # 1.5 GB and 10 s past a 1 s deadline
    "map": "{{ ns.s|map('upper')|list|length }}",
    "groupby": "{{ ns.s|groupby('x')|length }}",  # 26 s past the deadline
    "batch": "{{ ns.s|batch(1)|list|length }}",
}


@pytest.mark.parametrize("name", list(ITEMWISE))
def test_a_filter_going_over_millions_of_items_is_refused_first(guard: None, name: str) -> None:
    assert "would go over more than 1000000 items" in refused(NINE_MILLION + ITEMWISE[name])


@pytest.mark.parametrize(
    "source",
    ["{{ 'x'|xmlattr }}", "{{ 'x'|dictsort }}", "{{ cycler().next() }}"],
    ids=["xmlattr-of-text", "dictsort-of-text", "empty-cycler"],
)
def test_every_error_of_a_template_is_one_line(source: str) -> None:
    assert " failed: " in refused(source)


def test_ordinary_formats_and_translations_still_render() -> None:
    source = "{{ '{:>4}|{}'.format(1, 'ab') }} {{ '%s-%d' % ('a', 3) }}"
    source += " {{ 'abc'.translate({97: 'xy'}) }} {{ namespace(a=1).a }} {{ dict(a='b').values()|list|join }}"
    rendered = sandbox.render_template(sandbox.Template(source, "ordinary.j2", False), {})
    assert rendered == "   1|ab a-3 xybc 1 b"


# --- item 11: the user's lines, with git's own settings and another session's lines ---------------


def parsed(repo: Path, text: str) -> list[str]:
    return git(repo, "interpret-trailers", "--parse", "--no-divider", input=text).splitlines()


@pytest.mark.parametrize(
    "text",
    ["Jira #PROJ-123\nSee-also: x", "Body text\n\nJira #PROJ-123"],
    ids=["mixed-separators", "only-the-other-separator"],
)
def test_the_users_trailers_with_configured_separators_stay_trailers(session: Session, text: str) -> None:
    """trailer.separators=":#": `Jira #PROJ-123` is a trailer to git, and must stay one."""
    repo = session.repo
    git(repo, "config", "trailer.separators", ":#")
    before = parsed(repo, "Fix\n\n" + text + "\n")
    change(repo)
    run_git(repo, "commit", "-q", "-m", "Fix", "-m", text)
    assert message(repo) == "Fix\n\n" + text + "\n" + lines(session.first)
    assert parsed(repo, message(repo)) == before + session.first


TEAMMATE = "01hyyyyyyyyyyyyyyyyyyyyyyy"


def test_another_sessions_lines_in_the_users_text_are_kept(session: Session) -> None:
    """A teammate's Session-Id and Decisions quoted in the message are the user's text, not ours."""
    repo = session.repo
    quoted = [f"{ID}: {TEAMMATE}", f"{DEC}: the teammate's decision", "Jira: PROJ-1"]
    change(repo)
    run_git(repo, "commit", "-q", "-m", "Fix", "-m", "\n".join(quoted))
    assert message(repo) == "Fix\n\n" + lines(quoted + session.first)
    assert parsed(repo, message(repo)) == quoted + session.first


def test_amend_still_replaces_the_block_of_the_message_it_amends(session: Session) -> None:
    """Ours from before (HEAD's message, here with -m) are still ours: one block, not two."""
    repo = session.repo
    change(repo)
    run_git(repo, "commit", "-q", "-m", "Fix", "-m", "Jira: PROJ-1")
    old = message(repo)
    run_git(repo, "commit", "-q", "--amend", "-m", old.replace("Fix", "Fixed", 1))
    assert message(repo) == old.replace("Fix", "Fixed", 1)


# --- the hooks' time limit: the watchdog (where there is no timeout(1)) ends with the hook --------


def tools_without(tmp_path: Path, *left_out: str) -> Path:
    """A folder for PATH with this machine's tools but ``left_out`` (timeout(1), as on macOS)."""
    folder = tmp_path / "tools-bin"
    folder.mkdir()
    for directory in reversed(os.environ["PATH"].split(os.pathsep)):
        for tool in Path(directory).glob("*") if Path(directory).is_dir() else ():
            if tool.name not in left_out and tool.is_file() and not (folder / tool.name).is_symlink():
                (folder / tool.name).symlink_to(tool)
    return folder


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_watchdog_is_gone_when_the_hook_returns(session: Session, tmp_path: Path) -> None:
    """Left running, the watchdog outlives the commit, and past its git-session's end it would
    watch (and kill, when the time runs out) whatever process gets that pid next."""
    folder = tools_without(tmp_path, "timeout", "sleep")
    naps = tmp_path / "naps"
    real_sleep = shutil.which("sleep")
    (folder / "sleep").write_text(f'#!/bin/sh\necho $$ >> "{naps}"\nexec {real_sleep} "$@"\n')
    (folder / "sleep").chmod(0o755)
    repo = session.repo
    ref = test_trailers.session_ref(repo)
    git(repo, "update-ref", ref, f"{ref}~1")  # stale: the hook asks git-session, under the watchdog
    change(repo)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{folder}", "GIT_SESSION_HOOK_TIMEOUT": "60"}
    with open(tmp_path / "err", "w") as err:  # (a file: a pipe would wait for whoever holds it)
        result = subprocess.run(["git", "commit", "-q", "-m", "subject"], cwd=repo, stderr=err, env=env)
    assert result.returncode == 0, (tmp_path / "err").read_text()
    assert f"{ID}: {session.id}" in message(repo)  # git-session answered within the time
    started = [int(pid) for pid in naps.read_text().split()]
    assert started and not [pid for pid in started if alive(pid)]


@pytest.fixture
def deaf(tmp_path: Path) -> Path:
    """A folder with a git-session that never answers and ignores SIGTERM."""
    folder = tmp_path / "deaf-bin"
    folder.mkdir()
    (folder / "git-session").write_text("#!/bin/sh\ntrap '' TERM\nexec sleep 300\n")
    (folder / "git-session").chmod(0o755)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("path", ["timeout(1)", "without-timeout(1)"])
def test_a_git_session_that_ignores_sigterm_is_killed(session: Session, deaf: Path, tmp_path: Path, path: str) -> None:
    folder = tools_without(tmp_path, "timeout")
    repo = session.repo
    ref = test_trailers.session_ref(repo)
    git(repo, "update-ref", ref, f"{ref}~1")
    change(repo)
    base = str(folder) if path.startswith("without") else os.environ["PATH"]
    env = {**os.environ, "PATH": f"{deaf}{os.pathsep}{base}", "GIT_SESSION_HOOK_TIMEOUT": "1"}
    result = subprocess.run(
        ["git", "commit", "-q", "-m", "subject"], cwd=repo, capture_output=True, text=True, env=env, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert message(repo) == "subject\n"
    assert "no answer from git-session within 1s" in result.stderr


def test_the_watchdog_with_stdin_closed_still_adds_the_trailers(session: Session, tmp_path: Path) -> None:
    """Run by a hook manager with stdin closed: saving stdin for the watched command would end the
    shell (exit 2 stops the commit); the shim gives git-session /dev/null, so it holds."""
    folder = tools_without(tmp_path, "timeout")
    repo = session.repo
    ref = test_trailers.session_ref(repo)
    git(repo, "update-ref", ref, f"{ref}~1")
    draft = tmp_path / "COMMIT_EDITMSG"
    draft.write_text("subject\n")
    hook = Path(git(repo, "rev-parse", "--git-path", "hooks/prepare-commit-msg").strip())
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{folder}", "GIT_SESSION_HOOK_TIMEOUT": "60"}
    result = subprocess.run(
        ["sh", "-c", '"$0" "$1" message <&-', str(repo / hook), str(draft)],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert f"{ID}: {session.id}" in draft.read_text()
