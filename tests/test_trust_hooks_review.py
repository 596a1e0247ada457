"""Review of issue 9 items 11 and 17 and the hooks' time limit: the cases the first round missed.

Templates (item 17):
- a format string that names one large argument many times (``'{0}{0}…'.format(big)``,
  ``'%(a)s%(a)s…' % {'a': big}``, the ``format`` filter) is measured before it is built;
- ``str.translate`` with a long replacement is measured before it is built;
- values aliased through a ``namespace()`` or a dict view (``.values()``) are measured as
  they would be written out, so doubling them stops at the size bound;
- an error that quotes a huge value is still a short line.

Commit messages (item 11):
- with ``trailer.separators`` (``:#``), the user's ``Jira #PROJ-123`` stays a trailer;
- another session's ``Session-Id`` run quoted in the user's message (a teammate's) is the
  user's text: it is kept, and ours are added; amending still replaces our own block.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from git_session import sandbox
from git_session.bounds import Limits
from git_session.errors import UserError
from tests import test_trailers
from tests.helpers import git
from tests.test_trailers import DEC, ID, Session, change, lines, message, run_git

# The fixtures, bound by assignment (an import would be "unused", then "redefined")
hooked = test_trailers.hooked
session = test_trailers.session

QUICK = Limits(seconds=2.0)


@pytest.fixture
def guard() -> Iterator[None]:
    """Fail, rather than hang or build gigabytes for minutes, when a bound is missing."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise AssertionError("the template was not stopped")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


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
