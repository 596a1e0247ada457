"""The HTML report: one standalone page opened in headless Chromium, every chart drawn, a
screenshot kept as an artifact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import ok
from tests.test_i11_handoff import chromium, chromium_or_skip, console_messages, png_size_and_colours
from tests.test_i16_report import fixture_repo, repo  # noqa: F401  (fixtures)

# Where the screenshots are kept for a person to look at (CI keeps ~/.cache): the HOME of the
# run, read before the hermetic seal replaces it for each test.
ARTIFACTS = Path.home() / ".cache" / "git-session-tests"


def test_the_page_is_standalone_and_readable_without_a_script(repo: Path) -> None:  # noqa: F811
    page = ok(repo, "report", "--all-remotes", "--format", "html")
    assert '<meta name="color-scheme" content="light dark">' in page
    assert "@media (prefers-color-scheme: dark)" in page and "@media print" in page
    without_script = re.sub(r"<script>.*?</script>", "", page, flags=re.DOTALL)
    assert not re.search(
        r"<script|<link|<img|<iframe|\bsrc\s*=|url\(|@import|https?://(?!www\.w3\.org/2000/svg)", without_script
    )
    script_src = re.search(r"script-src '(sha256-[A-Za-z0-9+/=]+)'", page)
    assert script_src is not None and "'unsafe-inline'" not in page.split("style-src 'unsafe-inline'")[1]
    # the table is in the page as it is read without the script: every session, newest first
    rows = re.findall(r'<tr><td><span class="id">(\w+)</span></td><td>(\w+)</td>', page)
    assert [status for _, status in rows] == ["paused", "handoff", "abandoned", "completed"]


@pytest.mark.slow
def test_the_html_report_renders_in_headless_chromium(repo: Path, tmp_path: Path) -> None:  # noqa: F811
    browser = chromium_or_skip()
    page = tmp_path / "report.html"
    assert ok(repo, "report", "--all-remotes", "-o", str(page)) == f"Wrote {page}\n"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shown = chromium(browser, page, tmp_path, f"--screenshot={shot}", "--window-size=1100,2200")
    assert shown.returncode == 0, shown.stderr
    assert console_messages(shown.stderr) == []
    print(f"screenshot of the HTML report: {shot}")
    width, height, colours = png_size_and_colours(shot)
    assert (width, height) == (1100, 2200) and colours > 10, "the screenshot is blank"

    dumped = chromium(browser, page, tmp_path, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr
    assert console_messages(dumped.stderr) == []
    dom = dumped.stdout
    timeline = _figure(dom, "timeline-chart")
    assert len(re.findall(r'<text x="0" y="[\d.]+">', timeline)) == 4  # a lane per branch
    assert timeline.count('class="span-active"') == 5  # Login twice (paused between), one each for the others
    assert timeline.count('class="span-paused"') == 2
    assert timeline.count('class="end-') == 4
    done = _figure(dom, "done-chart")
    assert re.findall(r'<rect class="bar-done"[^>]* height="([\d.]+)"', done) == ["120.0", "40.0"]  # 3 and 1
    ttr = _figure(dom, "ttr-chart")
    assert re.findall(r'<rect class="bar-ttr"[^>]* height="([\d.]+)"', ttr) == [
        "120.0",
        "0.0",
        "120.0",
        "0.0",
        "0.0",
        "0.0",
    ]
    # the script ran: each head of the sessions table is a button that sorts it
    table = dom[dom.index('<table class="sortable"') :]
    assert table[: table.index("</thead>")].count('<button type="button">') == 10


def _figure(dom: str, name: str) -> str:
    start = dom.index(f'<figure id="{name}">')
    return dom[start : dom.index("</figure>", start)]
