"""Issue 11, reading the record: the handoff's Deliverables are the session's own commits
after a rebase; dates read as a person reads them; the HTML page shows the current step
once, a progress bar and a timeline, and renders in a real browser (headless Chromium)."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from git_session.plaintext import human_date
from tests.helpers import git, make_repo, needed_tool, ok

T0 = 1795990000  # 29 Nov 2026, 22:06:40 UTC
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commit hooks run `git-session` from PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


class Clock:
    """Sets the time git and git-session stamp things with (GIT_AUTHOR_DATE, GIT_COMMITTER_DATE)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def at(self, seconds_after_t0: int) -> None:
        stamp = f"{T0 + seconds_after_t0} +0000"
        self.monkeypatch.setenv("GIT_AUTHOR_DATE", stamp)
        self.monkeypatch.setenv("GIT_COMMITTER_DATE", stamp)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def commit_file(repo: Path, name: str, text: str, message: str) -> str:
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def short_of(context: dict[str, Any], key: str, text: str) -> str:
    return str(next(item["short"] for item in context[key] if item["text"] == text))


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end)]


# --- Deliverables after `git rebase main` -------------------------------------------------------


@dataclass
class Rebased:
    repo: Path
    base: str  # the branch tip when the session started
    tip: str
    ours: list[str]  # the session's commits, rebased
    main: str  # main's commit that the rebase brought in


@pytest.fixture
def rebased(tmp_path: Path, clock: Clock) -> Rebased:
    clock.at(0)
    repo = make_repo(tmp_path)
    ok(repo, "install")
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "switch", "-q", "-c", "feature")
    ok(repo, "start", "Rebased work", "-o", "Parser")
    clock.at(600)
    commit_file(repo, "parser.py", "one\ntwo\n", "Add the parser")
    clock.at(1200)
    commit_file(repo, "lexer.py", "one\n", "Add the lexer")
    ok(repo, "status")  # links the commits the hooks recorded
    git(repo, "switch", "-q", "main")
    clock.at(1800)
    main = commit_file(repo, "main.txt", "main\nmoves\non\n", "Main moves on")
    git(repo, "switch", "-q", "feature")
    clock.at(2400)
    git(repo, "rebase", "-q", "main")
    ok(repo, "status")  # points the session's commit entries at the rebased commits
    ours = git(repo, "rev-list", "--reverse", "main..feature").split()
    return Rebased(repo, base, ours[-1], ours, main)


def test_after_a_rebase_the_json_deliverables_are_the_sessions_own(rebased: Rebased) -> None:
    context = json.loads(ok(rebased.repo, "handoff", "--format", "json"))
    deliverables = context["deliverables"]
    assert [(c["sha"], c["subject"], c["linked"]) for c in deliverables["commits"]] == [
        (rebased.ours[0], "Add the parser", True),
        (rebased.ours[1], "Add the lexer", True),
    ]
    assert deliverables["files"] == [
        {"path": "lexer.py", "status": "A", "added": 1, "deleted": 0, "binary": False},
        {"path": "parser.py", "status": "A", "added": 2, "deleted": 0, "binary": False},
    ]
    assert (deliverables["base"], deliverables["tip"], deliverables["left_out"]) == (rebased.base, rebased.tip, 1)
    assert rebased.main not in json.dumps(context)
    metrics = context["metrics"]
    assert (metrics["commits"], metrics["files"], metrics["lines_added"], metrics["lines_deleted"]) == (2, 2, 3, 0)
    commits_lane = context["timeline"]["lanes"][-1]
    assert commits_lane == {
        "name": "commits",
        "events": [
            {"text": "Add the parser", "at": "2026-11-29T22:16:40+00:00", "position": 250},
            {"text": "Add the lexer", "at": "2026-11-29T22:26:40+00:00", "position": 500},
        ],
    }


def test_after_a_rebase_the_markdown_deliverables_are_the_sessions_own(rebased: Rebased) -> None:
    text = ok(rebased.repo, "handoff")
    sid = json.loads(ok(rebased.repo, "status", "--json"))["id"]
    first, second = rebased.ours
    assert section(text, "## Deliverables\n", "## Checkpoints\n") == (
        "## Deliverables\n"
        "\n"
        f"History: {rebased.base[:12]}..{rebased.tip[:12]}: 1 commit of it left out, not linked to this session"
        " (brought in by a rebase or a merge)\n"
        "\n"
        "### Files (2, +3 −0)\n"
        "\n"
        "| Status | File | + | − |\n"
        "|---|---|---:|---:|\n"
        "| A | lexer.py | 1 | 0 |\n"
        "| A | parser.py | 2 | 0 |\n"
        "\n"
        "### Commits (2)\n"
        f"- `{first[:12]}` Add the parser — A U Thor <author@example.com>, 29 Nov 2026, 22:16 UTC (+2 −0, 1 file)\n"
        f"  - Session-Id: {sid}\n"
        "  - Session-Objectives: [open] Parser\n"
        f"- `{second[:12]}` Add the lexer — A U Thor <author@example.com>, 29 Nov 2026, 22:26 UTC (+1 −0, 1 file)\n"
        f"  - Session-Id: {sid}\n"
        "  - Session-Objectives: [open] Parser\n"
        "\n"
    )
    assert "Main moves on" not in text and "main.txt" not in text


def test_a_range_with_no_linked_commit_is_taken_whole(tmp_path: Path, clock: Clock) -> None:
    """Without the hooks nothing tells the session's commits apart: all of the range is listed."""
    clock.at(0)
    repo = make_repo(tmp_path)
    git(repo, "switch", "-q", "-c", "feature")
    ok(repo, "start", "No hooks")
    clock.at(60)
    commit_file(repo, "a.txt", "a\n", "Unlinked work")
    context = json.loads(ok(repo, "handoff", "--format", "json"))
    assert [c["subject"] for c in context["deliverables"]["commits"]] == ["Unlinked work"]
    assert context["deliverables"]["left_out"] == 0
    assert [f["path"] for f in context["deliverables"]["files"]] == ["a.txt"]


# --- dates a person reads -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-11-30T01:25:09+00:00", "30 Nov 2026, 01:25 UTC"),
        ("2026-01-02T03:04:05+01:00", "2 Jan 2026, 03:04 +01:00"),
        ("2026-07-09T23:59:00-05:30", "9 Jul 2026, 23:59 -05:30"),
        ("2026-07-09T23:59:00", "9 Jul 2026, 23:59"),
        ("not a date", "not a date"),
        ("", ""),
        (None, ""),
        (17, "17"),
    ],
)
def test_human_date(value: object, shown: str) -> None:
    assert human_date(value) == shown


@pytest.fixture
def small(tmp_path: Path, clock: Clock) -> Path:
    """A session of two hours: objectives, a decision, a discovery, a blocker, a commit."""
    clock.at(0)
    repo = make_repo(tmp_path)
    ok(repo, "install")
    git(repo, "switch", "-q", "-c", "feature/auth")
    ok(repo, "start", "Auth rewrite", "-o", "Provider interface", "-o", "Google OAuth", "-o", "GitHub OAuth")
    clock.at(1800)
    ok(repo, "decision", "add", "Use PKCE", "--rationale", "no client secret in the app")
    clock.at(3600)
    commit_file(repo, "auth.py", "a\nb\n", "Add the provider")
    context = json.loads(ok(repo, "handoff", "--format", "json"))
    ok(repo, "objective", "done", short_of(context, "objectives", "Provider interface"))
    ok(repo, "current", "Google OAuth")
    clock.at(5400)
    ok(repo, "discovery", "add", "Tokens expire after 5 minutes")
    ok(repo, "blocker", "add", "Waiting on API keys")
    clock.at(7200)
    return repo


def test_markdown_dates_are_human(small: Path) -> None:
    text = ok(small, "handoff")
    context = json.loads(ok(small, "handoff", "--format", "json"))
    s = context["session"]
    assert text.splitlines()[2] == (
        f"Session `{s['short']}` · branch `feature/auth` · active · generated 30 Nov 2026, 00:06 UTC"
    )
    assert "- **Started**: 29 Nov 2026, 22:06 UTC · **Updated**: 29 Nov 2026, 23:36 UTC\n" in text
    decision = short_of(context, "decisions", "Use PKCE")
    assert f"_29 Nov 2026, 22:36 UTC · A U Thor <author@example.com> · `{decision}`_\n" in text
    discovery = short_of(context, "discoveries", "Tokens expire after 5 minutes")
    blocker = short_of(context, "blockers", "Waiting on API keys")
    assert section(text, "## Discoveries\n", "## Next steps\n") == (
        "## Discoveries\n"
        f"1. Tokens expire after 5 minutes (`{discovery}`, 29 Nov 2026, 23:36 UTC)\n"
        "\n"
        "## Blockers\n"
        "\n"
        "### Open\n"
        f"- Waiting on API keys (`{blocker}`, since 29 Nov 2026, 23:36 UTC)\n"
        "\n"
        "### Resolved\n"
        "- _None._\n"
        "\n"
    )
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text), "an ISO time left in the Markdown"
    # the JSON keeps ISO 8601
    assert (context["generated"], s["created"]) == ("2026-11-30T00:06:40+00:00", "2026-11-29T22:06:40+00:00")


def test_html_dates_are_human(small: Path) -> None:
    page = ok(small, "handoff", "--format", "html")
    assert "<tr><th>Started</th><td>29 Nov 2026, 22:06 UTC</td></tr>" in page
    assert "generated 30 Nov 2026, 00:06 UTC</p>" in page
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", page), "an ISO time left in the HTML"


# --- the HTML page: the current step once, a progress bar, a timeline ----------------------------


def test_html_progress_shows_the_current_step_once_with_a_progress_bar(small: Path) -> None:
    page = ok(small, "handoff", "--format", "html")
    context = json.loads(ok(small, "handoff", "--format", "json"))
    done, current, remaining = (
        short_of(context, "objectives", text) for text in ("Provider interface", "Google OAuth", "GitHub OAuth")
    )
    assert section(page, '<section id="progress">', '<section id="timeline">') == (
        '<section id="progress">\n'
        "<h2>Progress</h2>\n"
        '<figure id="progress-bar" role="progressbar" aria-valuemin="0" aria-valuemax="3" aria-valuenow="1"'
        ' aria-label="Objectives done">\n'
        '<svg viewBox="0 0 1000 24" width="1000" height="24" xmlns="http://www.w3.org/2000/svg">\n'
        "<title>1 of 3 objectives done</title>\n"
        '<rect class="bar-open" x="0" y="2" width="1000" height="20" rx="10"/>\n'
        '<rect class="bar-current" x="0" y="2" width="666" height="20" rx="10"/>\n'
        '<rect class="bar-done" x="0" y="2" width="333" height="20" rx="10"/>\n'
        "</svg>\n"
        '<figcaption><strong>1/3 objectives done (33%)</strong> · status <span class="badge">active</span> · '
        '<span class="legend"><span class="l-done">done</span><span class="l-current">current step</span>'
        '<span class="l-open">open</span></span></figcaption>\n'
        "</figure>\n"
        '<ul class="objectives">\n'
        f'<li class="done">☑ <span class="text">Provider interface</span> — done <span class="id">{done}</span></li>\n'
        '<li class="current">▶ <span class="text">Google OAuth</span> — current step'
        f' <span class="id">{current}</span></li>\n'
        f'<li class="open">☐ <span class="text">GitHub OAuth</span> — open <span class="id">{remaining}</span></li>\n'
        "</ul>\n"
        "</section>\n"
        "\n"
    )
    # once above the decisions, but for the timeline's tooltips (they name every objective);
    # below, the commits' trailers name the open objectives
    shown = re.sub(r"<title>.*?</title>", "", section(page, "<body>", '<section id="decisions">'))
    assert shown.count("Google OAuth") == 1
    assert "CURRENT" not in page and 'id="state"' not in page and 'id="objectives"' not in page


def test_html_current_step_that_is_no_objective_is_shown_once(small: Path) -> None:
    ok(small, "current", "Reading the RFC")
    page = ok(small, "handoff", "--format", "html")
    progress = section(page, '<section id="progress">', '<section id="timeline">')
    assert '<p><strong>Current step</strong>: <span class="current text">Reading the RFC</span></p>\n' in progress
    assert '<rect class="bar-current"' in progress and 'width="333"' in progress
    assert page.count("Reading the RFC") == 1 and "current step <span" not in progress


def test_html_progress_bar_without_objectives(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    ok(repo, "start", "Nothing planned")
    page = ok(repo, "handoff", "--format", "html")
    progress = section(page, '<section id="progress">', '<section id="timeline">')
    assert '<rect class="bar-open" x="0" y="2" width="1000" height="20" rx="10"/>\n</svg>' in progress
    assert "<strong>0/0 objectives done</strong>" in progress
    assert '<p><strong>Current step</strong>: <span class="empty">none set</span></p>' in progress
    assert '<li class="empty">No objectives recorded.</li>' in progress


def test_html_timeline_is_inline_svg(small: Path) -> None:
    page = ok(small, "handoff", "--format", "html")
    assert section(page, '<section id="timeline">', '<section id="decisions">') == (
        '<section id="timeline">\n'
        "<h2>Timeline</h2>\n"
        '<figure id="timeline-chart">\n'
        '<svg viewBox="0 0 1000 200" width="1000" height="200" xmlns="http://www.w3.org/2000/svg">\n'
        "<title>The session from 29 Nov 2026, 22:06 UTC to 30 Nov 2026, 00:06 UTC</title>\n"
        '<text x="0" y="20">Objectives (3)</text>\n'
        '<line class="axis" x1="130" y1="16" x2="990" y2="16"/>\n'
        '<circle class="ev-objectives" cx="130" cy="16" r="5"><title>29 Nov 2026, 22:06 UTC: Provider interface'
        "</title></circle>\n"
        '<circle class="ev-objectives" cx="130" cy="16" r="5"><title>29 Nov 2026, 22:06 UTC: Google OAuth'
        "</title></circle>\n"
        '<circle class="ev-objectives" cx="130" cy="16" r="5"><title>29 Nov 2026, 22:06 UTC: GitHub OAuth'
        "</title></circle>\n"
        '<text x="0" y="46">Decisions (1)</text>\n'
        '<line class="axis" x1="130" y1="42" x2="990" y2="42"/>\n'
        '<circle class="ev-decisions" cx="345" cy="42" r="5"><title>29 Nov 2026, 22:36 UTC: Use PKCE</title></circle>\n'
        '<text x="0" y="72">Discoveries (1)</text>\n'
        '<line class="axis" x1="130" y1="68" x2="990" y2="68"/>\n'
        '<circle class="ev-discoveries" cx="775" cy="68" r="5"><title>29 Nov 2026, 23:36 UTC: Tokens expire after'
        " 5 minutes</title></circle>\n"
        '<text x="0" y="98">Blockers (1)</text>\n'
        '<line class="axis" x1="130" y1="94" x2="990" y2="94"/>\n'
        '<circle class="ev-blockers" cx="775" cy="94" r="5"><title>29 Nov 2026, 23:36 UTC: Waiting on API keys'
        "</title></circle>\n"
        '<text x="0" y="124">Checkpoints (0)</text>\n'
        '<line class="axis" x1="130" y1="120" x2="990" y2="120"/>\n'
        '<text x="0" y="150">Commits (1)</text>\n'
        '<line class="axis" x1="130" y1="146" x2="990" y2="146"/>\n'
        '<circle class="ev-commits" cx="560" cy="146" r="5"><title>29 Nov 2026, 23:06 UTC: Add the provider'
        "</title></circle>\n"
        '<line class="axis" x1="130" y1="178" x2="130" y2="184"/>\n'
        '<line class="axis" x1="990" y1="178" x2="990" y2="184"/>\n'
        '<text x="130" y="198">29 Nov 2026, 22:06 UTC</text>\n'
        '<text x="990" y="198" text-anchor="end">30 Nov 2026, 00:06 UTC (now)</text>\n'
        "</svg>\n"
        "<figcaption>From the start of the session to now: each mark is an entry when it was added, or one of the"
        " session's commits.</figcaption>\n"
        "</figure>\n"
        "</section>\n"
        "\n"
    )


def test_html_is_one_page_for_dark_light_and_print(small: Path) -> None:
    page = ok(small, "handoff", "--format", "html")
    assert '<meta name="color-scheme" content="light dark">' in page
    assert "@media (prefers-color-scheme: dark)" in page and "@media print" in page
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc\s*=|url\(|@import|https?://(?!www\.w3\.org/2000/svg)", page)


# --- a real browser --------------------------------------------------------------------------------


def chromium_or_skip() -> str:
    """Chromium, installed by .ci/install-test-tools. In CI a missing browser fails the run."""
    return needed_tool(CHROMIUM)


def chromium(browser: str, page: Path, tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """One headless run, console messages on stderr, in its own profile."""
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={tmp_path / 'profile'}",
        *flags,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def png_size_and_colours(path: Path, rows: int = 400) -> tuple[int, int, int]:
    """Width, height and the number of distinct colours in the top ``rows`` of an 8-bit RGB(A)
    PNG, as Chromium writes it (a row's filter depends only on the rows above it)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    assert (depth, colour_type in (2, 6), interlace) == (8, True, 0), (depth, colour_type, interlace)
    idat, offset = b"", 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        if data[offset + 4 : offset + 8] == b"IDAT":
            idat += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(idat)
    bpp = 3 if colour_type == 2 else 4
    stride = width * bpp
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(min(rows, height)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up = previous[x]
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                corner = previous[x - bpp] if x >= bpp else 0
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        colours.update(bytes(line[x : x + 3]) for x in range(0, stride, bpp))
        previous = line
    return width, height, len(colours)


def test_png_reader_detects_a_blank_image(tmp_path: Path) -> None:
    width, height = 20, 14
    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    blank = tmp_path / "blank.png"
    png = [chunk(b"IHDR", header), chunk(b"IDAT", zlib.compress(rows)), chunk(b"IEND", b"")]
    blank.write_bytes(b"\x89PNG\r\n\x1a\n" + b"".join(png))
    assert png_size_and_colours(blank) == (20, 14, 1)


@pytest.mark.slow
def test_the_html_handoff_renders_in_headless_chromium(small: Path, tmp_path: Path) -> None:
    browser = chromium_or_skip()
    page = tmp_path / "handoff.html"
    ok(small, "handoff", "--format", "html", "--output", str(page))
    shot = tmp_path / "handoff.png"
    shown = chromium(browser, page, tmp_path, f"--screenshot={shot}", "--window-size=1000,1400")
    assert shown.returncode == 0, shown.stderr
    assert console_messages(shown.stderr) == []
    assert shot.stat().st_size > 0
    width, height, colours = png_size_and_colours(shot)
    assert (width, height) == (1000, 1400)
    assert colours > 1, "the screenshot is blank"
    dumped = chromium(browser, page, tmp_path, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr
    assert console_messages(dumped.stderr) == []
    dom = dumped.stdout
    assert re.search(r'<figure id="progress-bar" role="progressbar"[^>]*aria-valuenow="1"', dom)
    assert '<rect class="bar-done" x="0" y="2" width="333" height="20" rx="10">' in dom
    assert '<figure id="timeline-chart">' in dom and dom.count('<circle class="ev-') == 7


@pytest.mark.slow
def test_the_console_check_sees_an_error(tmp_path: Path) -> None:
    """The check above would see a console error: a blocked asset is one."""
    browser = chromium_or_skip()
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
        '</head><body><img src="https://example.invalid/x.png" alt=""></body></html>'
    )
    shown = chromium(browser, page, tmp_path, "--dump-dom")
    assert [line for line in console_messages(shown.stderr) if "Content Security Policy" in line]


def test_ci_installs_chromium_and_never_skips_there() -> None:
    root = Path(__file__).resolve().parents[1]
    run = (root / ".ci" / "run").read_text()
    assert ".ci/install-test-tools" in run and run.index("install-test-tools") < run.index("dev.py test")
    script = root / ".ci" / "install-test-tools"
    assert os.access(script, os.X_OK)
    assert shutil.which("bash") is not None
    text = script.read_text()
    assert "DEBIAN_FRONTEND=noninteractive" in text and "apt-get install -y" in text and "</dev/null" in text


def test_a_missing_chromium_fails_in_ci_and_skips_only_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="missing in CI"):
        chromium_or_skip()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="CI fails here instead"):
        chromium_or_skip()
