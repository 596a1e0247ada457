"""Templates of a repository have bounds on time and size (issue 9, item 17).

A template may loop, recurse and build strings only so far: past the bounds it is refused
with one line, quickly, in any thread (no signals), and the shipped templates still render.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from git_session import sandbox
from git_session.bounds import Limits
from git_session.errors import UserError
from tests.helpers import alarm_after, fails, ok

QUICK = Limits(seconds=0.3)


@pytest.fixture(autouse=True)
def guard() -> Iterator[None]:
    """Fail, rather than hang or build gigabytes for minutes, when a bound is missing."""
    with alarm_after(60, "the template was not stopped"):
        yield


def refused(source: str, limits: Limits = QUICK, html: bool = False) -> str:
    template = sandbox.Template(source, "hostile.j2", html)
    with pytest.raises(UserError) as caught:
        sandbox.render_template(template, {"items": ["a", "b"]}, limits)
    message = caught.value.message
    assert "\n" not in message and message.startswith("template hostile.j2 "), message
    return message


HANGS = {
    "nested-loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "exponential-macro": ("{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}"),
    "recursive-loop": (
        "{% for x in [[1, 1], [1, 1]] recursive %}{% for i in range(100000) %}{% endfor %}"
        "{{ loop([[1, 1], [1, 1]]) }}{% endfor %}"
    ),
}


@pytest.mark.parametrize("name", list(HANGS))
def test_a_template_that_runs_too_long_is_refused(name: str) -> None:
    assert "ran longer than 0.3 seconds" in refused(HANGS[name])


def test_the_time_bound_holds_in_another_thread() -> None:
    """A long-running server renders in threads: no signal can stop the template there."""
    messages: list[str] = []
    worker = threading.Thread(target=lambda: messages.append(refused(HANGS["nested-loops"])), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive()
    assert messages and "ran longer than" in messages[0]


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(10**6) %}{% for j in range(10**6) %}x{% endfor %}{% endfor %}",
        "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
        "{{ 'a' * 10**9 }}",
    ],
    ids=["range-too-large", "infinite-recursion", "repeat"],
)
def test_what_the_sandbox_already_refused_is_one_line(source: str) -> None:
    refused(source)


HUGE = 1_500_000_000
BIG = 20_000_000  # over the size bound, small enough to build where a bound is missing

ONE_STEP = {
    "center-filter": "{{ 'a'|center(N) }}",
    "center-method": "{{ 'a'.center(N) }}",
    "ljust": "{{ 'a'.ljust(N) }}",
    "rjust": "{{ 'a'.rjust(N) }}",
    "zfill": "{{ '1'.zfill(N) }}",
    "indent": "{{ 'a\nb'|indent(N) }}",
    "format-filter": "{{ '%Ns'|format('a') }}",
    "percent": "{{ '%Ns' % 'a' }}",
    "str-format": "{{ '{:>N}'.format('a') }}",
    "str-format-nested-width": "{{ '{:>{}}'.format('a', N) }}",
    "format-map": "{{ '{a:>N}'.format_map({'a': 'x'}) }}",
    "batch": "{{ [1]|batch(N, 'x')|list|length }}",
    "slice": "{{ [1]|slice(N, 'x')|list|length }}",
    "lipsum": "{{ lipsum(N) }}",
    "bytes-center": "{{ 'a'.encode().center(N)|length }}",
    "bytes-repeat": "{{ ('a'.encode() * N)|length }}",
}


@pytest.mark.parametrize("size", [HUGE, BIG], ids=["1.5G", "20M"])
@pytest.mark.parametrize("name", list(ONE_STEP))
def test_a_huge_value_in_one_step_is_refused_before_it_is_built(name: str, size: int) -> None:
    assert "refused by the sandbox" in refused(ONE_STEP[name].replace("N", str(size)))


# (sizes where a missing bound builds tens of megabytes, not all the memory there is)
GROWING = {
    "output": "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
    "literal-output": "{% for i in range(100000) %}" + "y" * 1000 + "{% endfor %}",
    "set-block": "{% set big %}{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}{% endset %}{{ big|length }}",
    "macro-body": (
        "{% macro m() %}{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}{% endmacro %}{{ m()|length }}"
    ),
    "doubling-concat": (
        "{% set ns = namespace(s='a') %}{% for i in range(25) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
        "{{ ns.s|length }}"
    ),
    "doubling-plus": (
        "{% set ns = namespace(s='a') %}{% for i in range(25) %}{% set ns.s = ns.s + ns.s %}{% endfor %}"
        "{{ ns.s|length }}"
    ),
    "aliased-lists": (
        "{% set ns = namespace(l=['x' * 1000]) %}{% for i in range(15) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}"
        "{{ ns.l|string|length }}"
    ),
    "aliased-repeat": "{{ (['x' * 100000] * 300)|join|length }}",
    "join-separator": "{{ range(100000)|join('x' * 1000) }}",
    "str-join": "{{ ('x' * 1000).join(range(100000)) }}",
    "replace": "{{ ('a' * 100000)|replace('a', 'b' * 1000) }}",
    "str-replace": "{{ ('a' * 100000).replace('a', 'b' * 1000) }}",
    "wordwrap": "{{ ('a ' * 100000)|wordwrap(1, wrapstring='x' * 1000) }}",
    "expandtabs": "{{ ('\t' * 100000).expandtabs(1000) }}",
    "tojson-indent": "{{ {'a': [1, 2, 3]}|tojson(indent=1000000) }}",
}


@pytest.mark.parametrize("name", list(GROWING))
def test_a_value_or_output_growing_past_the_bound_is_refused(name: str) -> None:
    assert "refused by the sandbox" in refused(GROWING[name])


def test_html_templates_have_the_same_bounds() -> None:
    assert "refused by the sandbox" in refused(GROWING["literal-output"], html=True)


def test_ordinary_templates_render_as_before() -> None:
    source = (
        "{% for x in items %}<{{ x|upper }}>{% endfor %} {{ 'a'|center(5) }}|{{ '%03d' % 7 }}|{{ '{:>4}'.format(1) }}"
        "{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %} {{ ns.n }}"
        "{% filter upper %} shout{% endfilter %}{% set s | lower %}LOW{% endset %} {{ s }} {{ items|join(', ') }}"
    )
    template = sandbox.Template(source, "ordinary.j2", True)
    rendered = sandbox.render_template(template, {"items": ["a", "<b>"]})
    assert rendered == "<A><&lt;B&gt;>   a  |007|   1 3 SHOUT low a, &lt;b&gt;"


# --- through the command line: one line, and the session is not ended ---------------------------


def test_handoff_with_a_hostile_template_is_one_line(repo: Path, tmp_path: Path) -> None:
    ok(repo, "start", "work", "-o", "O1")
    (tmp_path / "hostile.md.j2").write_text("{{ 'a'|center(1500000000) }}")
    message = fails(repo, "handoff", "--template", str(tmp_path / "hostile.md.j2"))
    assert message.count("\n") == 1 and "refused by the sandbox" in message


def test_end_with_a_hostile_repository_template_refuses_and_keeps_the_session(repo: Path) -> None:
    ok(repo, "start", "work", "-o", "O1")
    folder = repo / ".git-session" / "templates"
    folder.mkdir(parents=True)
    (folder / "handoff.md.j2").write_text(GROWING["output"])
    first, hint = fails(repo, "end").splitlines()
    assert "output is larger than" in first and hint.startswith("hint: ")
    assert "active" in ok(repo, "status")
