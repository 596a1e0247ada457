"""A report rendered: text for the terminal, Markdown, JSON, and one standalone HTML page
whose charts are inline SVG drawn here (readable without JavaScript; a small inline script,
allowed by its hash alone, only makes the table sort)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from git_session import data, paths
from git_session.gitrepo import Repo
from git_session.metrics import SessionFigures
from git_session.plaintext import clip, human_date, quoted
from git_session.report import Report, iso, session_view, view

FORMATS = ("text", "markdown", "json", "html")
_SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".json": "json", ".html": "html", ".htm": "html"}
WEEKLY_ROWS = (
    ("sessions_started", "Sessions started"),
    ("sessions_ended", "Sessions ended"),
    ("active_seconds", "Active time"),
    ("objectives_done", "Objectives done"),
    ("blockers_opened", "Blockers opened"),
    ("blockers_resolved", "Blockers resolved"),
    ("commits", "Commits"),
)
# Sorting the table: progressive enhancement only (the page reads the same without it).
SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, column) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      var numeric = th.getAttribute("data-type") === "num";
      Array.prototype.forEach.call(heads, function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      function key(row) {
        var cell = row.cells[column];
        var value = cell.getAttribute("data-v");
        if (value === null) { value = cell.textContent; }
        return numeric ? Number(value) : value.toLowerCase();
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def format_for(fmt: str | None, output: str | None) -> str:
    """The format asked for, else the one the output file's name suggests, else text."""
    if fmt is not None:
        return fmt
    for suffix, name in _SUFFIX_FORMATS.items():
        if (output or "").lower().endswith(suffix):
            return name
    return "text"


def render(report: Report, fmt: str, repo: Repo) -> str:
    shown = view(report)
    if fmt == "json":
        return json.dumps(shown, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return markdown(shown)
    if fmt == "html":
        return html(report, shown, repo)
    return text(shown)


# --- words and numbers -------------------------------------------------------------------------


def duration(seconds: int | None) -> str:
    """``1d 2h 5m``, ``3h 0m``, ``45m``; ``0m`` under a minute; ``–`` for no figure."""
    if seconds is None:
        return "–"
    days, rest = divmod(max(0, seconds), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return f"{days}d {hours}h {minutes}m"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def signed(value: int, seconds: bool = False) -> str:
    shown = duration(abs(value)) if seconds else str(abs(value))
    return f"{'+' if value > 0 else '-' if value < 0 else '±'}{shown}"


def counted(n: int) -> str:
    return f"{n} session" if n == 1 else f"{n} sessions"


def _day(iso_time: str | None) -> str:
    return iso_time[:10] if iso_time else "…"


def period_words(shown: Mapping[str, Any]) -> str:
    since, until = shown["period"]["since"], shown["period"]["until"]
    if since is None and until is None:
        return "all time"
    return f"{_day(since)} to {_day(until)}"


def _session_row(s: Mapping[str, Any]) -> list[str]:
    return [
        s["short"],
        s["status"],
        s["branch"],
        duration(s["active_seconds"]),
        duration(s["wall_seconds"]),
        f"{s['objectives_done']}/{s['objectives_total']}",
        f"{s['blockers_resolved']}/{s['blockers_opened']}",
        str(s["commits"]),
        f"+{s['lines_added']} -{s['lines_deleted']}",
        s["title"] + (f" (from {s['remote']})" if s["remote"] else ""),
    ]


SESSION_HEADS = ("SESSION", "STATUS", "BRANCH", "ACTIVE", "WALL", "DONE", "RESOLVED", "COMMITS", "LINES", "TITLE")
BREAKDOWN_HEADS = ("SESSIONS", "ACTIVE", "DONE", "COMMITS")
# The breakdowns a report shows: (title, key of the summary, what a missing name is shown as)
BREAKDOWNS = (
    ("Busiest branches", "branches", "(none)"),
    ("By author", "authors", "(unknown)"),
    ("By agent", "agents", "(no agent)"),
    ("By model", "models", "(no model)"),
)


def _titled(heads: Sequence[str]) -> list[str]:
    return [h.capitalize() for h in heads]


def _breakdown_rows(rows: Sequence[Mapping[str, Any]], none: str) -> list[list[str]]:
    return [
        [
            r["name"] or none,
            str(r["sessions"]),
            duration(r["active_seconds"]),
            str(r["objectives_done"]),
            str(r["commits"]),
        ]
        for r in rows
    ]


def _facts(shown: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The figures across sessions, as (label, value) lines."""
    s = shown["summary"]
    b = s["blockers"]
    a = s["abandoned"]
    facts = [
        ("Active time", f"{duration(s['active_seconds'])} (wall {duration(s['wall_seconds'])})"),
        (
            "Objectives done",
            f"{s['objectives_done']} of {s['objectives_total']}, {number(s['velocity'])} per active day",
        ),
        ("Commits", f"{s['commits']} (+{s['lines_added']} -{s['lines_deleted']} lines)"),
        (
            "Blockers",
            f"{b['opened']} opened, {b['resolved']} resolved; time to resolve: median "
            f"{duration(b['median_resolve_seconds'])}, p90 {duration(b['p90_resolve_seconds'])}",
        ),
    ]
    for item in b["longest_open"]:
        facts.append(
            ("Longest open", f"{item['session']} {quoted(item['text'], 60)}, open {duration(item['open_seconds'])}")
        )
    facts.append(("Abandoned", f"{a['sessions']} of {s['ended']} ended ({share(a['share'])})"))
    for item in a["reasons"]:
        facts.append(("", f"{item['session']} {quoted(item['title'], 60)}: {clip(item['reason'] or 'no reason', 80)}"))
    return facts


# --- text ---------------------------------------------------------------------------------------


def table(heads: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    """Columns padded to their widest cell; the last one is not padded."""
    cells = [list(heads), *[[clip(c, 60) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(heads))]
    return [
        (indent + "  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=False)) + "  " + row[-1]).rstrip()
        for row in cells
    ]


def text(shown: Mapping[str, Any]) -> str:
    sessions = shown["sessions"]
    lines = [
        f"Sessions report: {counted(len(sessions))}, {period_words(shown)} (generated {human_date(shown['generated'])})"
    ]
    if not sessions:
        lines.append("No sessions match.")
        return "\n".join(lines) + "\n"
    lines += ["", *table(SESSION_HEADS, [_session_row(s) for s in sessions])]
    lines += ["", "Across sessions"]
    width = max(len(label) for label, _ in _facts(shown))
    lines += [f"  {label.ljust(width)}  {value}" for label, value in _facts(shown)]
    summary = shown["summary"]
    if "weekly" in shown:
        w = shown["weekly"]
        rows = [_weekly_row(key, label, w) for key, label in WEEKLY_ROWS]
        lines += [
            "",
            "This week against the week before",
            *table(("", "THIS WEEK", "WEEK BEFORE", "CHANGE"), rows, "  "),
        ]
    if summary["weeks"]:
        rows = [[w["week"], str(w["started"]), str(w["ended"]), str(w["objectives_done"])] for w in summary["weeks"]]
        lines += ["", "By week", *table(("WEEK", "STARTED", "ENDED", "OBJECTIVES DONE"), rows, "  ")]
    for title, key, none in BREAKDOWNS:
        lines += ["", title, *table(("NAME", *BREAKDOWN_HEADS), _breakdown_rows(summary[key], none), "  ")]
    return "\n".join(lines) + "\n"


def _weekly_row(key: str, label: str, weekly: Mapping[str, Any]) -> list[str]:
    seconds = key == "active_seconds"
    show = duration if seconds else str
    this, before = weekly["this_week"][key], weekly["previous_week"][key]
    return [label, show(this), show(before), signed(weekly["change"][key], seconds)]


# --- Markdown ------------------------------------------------------------------------------------


def _md_cell(value: str) -> str:
    return " ".join(value.split()).replace("|", "\\|")


def md_table(heads: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(heads) + " |", "|" + "|".join("---" for _ in heads) + "|"]
    return lines + ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]


def markdown(shown: Mapping[str, Any]) -> str:
    sessions = shown["sessions"]
    lines = [
        "# Sessions report",
        "",
        f"{counted(len(sessions))}, {period_words(shown)}; generated {human_date(shown['generated'])}.",
    ]
    if not sessions:
        return "\n".join([*lines, "", "No sessions match."]) + "\n"
    lines += ["", "## Sessions", "", *md_table(_titled(SESSION_HEADS), [_session_row(s) for s in sessions])]
    lines += ["", "## Across sessions", ""]
    lines += [
        f"- **{label}**: {_md_cell(value)}" if label else f"  - {_md_cell(value)}" for label, value in _facts(shown)
    ]
    summary = shown["summary"]
    if "weekly" in shown:
        rows = [_weekly_row(key, label, shown["weekly"]) for key, label in WEEKLY_ROWS]
        lines += [
            "",
            "## This week against the week before",
            "",
            *md_table(("", "This week", "Week before", "Change"), rows),
        ]
    if summary["weeks"]:
        rows = [[w["week"], str(w["started"]), str(w["ended"]), str(w["objectives_done"])] for w in summary["weeks"]]
        lines += ["", "## By week", "", *md_table(("Week", "Started", "Ended", "Objectives done"), rows)]
    for title, key, none in BREAKDOWNS:
        lines += [
            "",
            f"## {title}",
            "",
            *md_table(("Name", *_titled(BREAKDOWN_HEADS)), _breakdown_rows(summary[key], none)),
        ]
    return "\n".join(lines) + "\n"


# --- HTML ------------------------------------------------------------------------------------------

CHART_WIDTH = 880
LABEL_WIDTH = 150
LANE = 24


def timeline(sessions: Sequence[SessionFigures], short: Mapping[str, str], now: int) -> dict[str, Any]:
    """Sessions per branch on one time axis: active spans solid, paused ones light."""
    if not sessions:
        return {"lanes": [], "width": CHART_WIDTH, "height": 0, "ticks": []}
    start = min(f.created for f in sessions)
    stop = max(max(f.ended if f.ended is not None else now, f.created + 1) for f in sessions)
    scale = (CHART_WIDTH - LABEL_WIDTH - 10) / max(1, stop - start)

    def x(moment: int) -> float:
        return round(LABEL_WIDTH + (moment - start) * scale, 1)

    def rect(low: int, high: int) -> dict[str, float]:
        return {"x": x(low), "w": max(2.0, round((high - low) * scale, 1))}

    branches = sorted({f.branch for f in sessions}, key=lambda b: min(f.created for f in sessions if f.branch == b))
    lanes = []
    for index, branch in enumerate(branches):
        bars = [
            {
                "title": f"{short.get(f.id, f.id)} {f.title} ({f.status})",
                "status": f.status,
                "active": [rect(low, high) for low, high in f.active_spans],
                "paused": [rect(low, high) for low, high in f.paused_spans],
                "whole": rect(f.created, f.ended if f.ended is not None else now),
            }
            for f in sessions
            if f.branch == branch
        ]
        lanes.append({"branch": clip(branch, 24), "y": 20 + index * LANE, "bars": bars})
    cut = 10 if stop - start >= 3 * 86400 else 16  # the day, or the day and the time when short
    ticks = [
        {"x": x(moment), "label": (iso(moment) or "")[:cut].replace("T", " ")}
        for moment in (start + (stop - start) * part // 4 for part in range(5))
    ]
    return {"lanes": lanes, "width": CHART_WIDTH, "height": 40 + len(branches) * LANE, "ticks": ticks}


def bars(items: Sequence[tuple[str, int]], height: int = 160) -> dict[str, Any]:
    """A bar chart: one bar per item, its value above it, its label below (every n-th when many)."""
    if not items:
        return {"bars": [], "width": CHART_WIDTH, "height": 0}
    top = max(1, max(value for _, value in items))
    slot = (CHART_WIDTH - 20) / len(items)
    every = max(1, len(items) // 12)
    plot = height - 40
    shown = []
    for index, (label, value) in enumerate(items):
        h = round(plot * value / top, 1)
        width = min(slot * 0.7, 90)
        x = round(10 + index * slot + (slot - width) / 2, 1)
        shown.append(
            {
                "x": x,
                "w": round(width, 1),
                "y": round(18 + plot - h, 1),
                "h": h,
                "cx": round(x + width / 2, 1),
                "value": value,
                "label": label if index % every == 0 else "",
            }
        )
    return {"bars": shown, "width": CHART_WIDTH, "height": height, "base": 18 + plot}


def script_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def html(report: Report, shown: Mapping[str, Any], repo: Repo) -> str:
    summary = shown["summary"]
    context = {
        **shown,
        "period_words": period_words(shown),
        "counted": counted(len(report.sessions)),
        "facts": _facts(shown),
        "weekly_rows": [_weekly_row(key, label, shown["weekly"]) for key, label in WEEKLY_ROWS]
        if "weekly" in shown
        else [],
        "timeline": timeline(report.sessions, report.short, report.generated),
        "done_per_week": bars([(w["week"], w["objectives_done"]) for w in summary["weeks"]]),
        "ttr": bars([(d["bin"], d["count"]) for d in summary["blockers"]["distribution"]]),
        "ttr_words": "median {}, p90 {}".format(
            duration(summary["blockers"]["median_resolve_seconds"]),
            duration(summary["blockers"]["p90_resolve_seconds"]),
        ),
        "rows": [
            {**session_view(f, report.short, report.generated), "cells": _session_row(s)}
            for f, s in zip(report.sessions, shown["sessions"], strict=True)
        ],
        "breakdowns": [(title, _breakdown_rows(summary[key], none)) for title, key, none in BREAKDOWNS],
        "script": SORT_SCRIPT,
        "script_hash": script_hash(SORT_SCRIPT),
    }
    name = "report.html.j2"
    from git_session.sandbox import Template, render_template  # jinja2: the page only

    return render_template(Template(data.template(name), name, True, str(paths.template_cache(repo))), context)


# --- history and compare -----------------------------------------------------------------------

HISTORY_HEADS = ("SESSION", "STATUS", "BRANCH", "STARTED", "ACTIVE", "TITLE")
METRIC_HEADS = ("DONE", "RESOLVED", "COMMITS", "LINES", "CHECKPOINTS", "COMPACTIONS")


def history_text(shown: Sequence[Mapping[str, Any]], with_metrics: bool) -> str:
    if not shown:
        return ""
    heads = [*HISTORY_HEADS[:-1], *(METRIC_HEADS if with_metrics else ()), HISTORY_HEADS[-1]]
    rows = []
    for s in shown:
        row = [s["short"], s["status"], s["branch"], (s["created"] or "")[:10], duration(s["active_seconds"])]
        if with_metrics:
            row += [
                f"{s['objectives_done']}/{s['objectives_total']}",
                f"{s['blockers_resolved']}/{s['blockers_opened']}",
                str(s["commits"]),
                f"+{s['lines_added']} -{s['lines_deleted']}",
                str(s["checkpoints"]),
                str(s["compactions"]),
            ]
        rows.append([*row, s["title"]])
    return "\n".join(table(heads, rows)) + "\n"


# (label, key, how it is shown, whether B - A is shown)
_COMPARED: tuple[tuple[str, str, str, bool], ...] = (
    ("Title", "title", "text", False),
    ("Branch", "branch", "text", False),
    ("Status", "status", "text", False),
    ("Started", "created", "date", False),
    ("Ended", "ended", "date", False),
    ("Wall time", "wall_seconds", "duration", True),
    ("Active time", "active_seconds", "duration", True),
    ("Paused time", "paused_seconds", "duration", True),
    ("Objectives done", "objectives_done", "count", True),
    ("Objectives", "objectives_total", "count", True),
    ("Per active day", "velocity", "number", False),
    ("Decisions", "decisions", "count", True),
    ("Discoveries", "discoveries", "count", True),
    ("Blockers opened", "blockers_opened", "count", True),
    ("Blockers resolved", "blockers_resolved", "count", True),
    ("Median to resolve", "median_resolve_seconds", "duration", True),
    ("Commits", "commits", "count", True),
    ("Files changed", "files_changed", "count", True),
    ("Lines added", "lines_added", "count", True),
    ("Lines deleted", "lines_deleted", "count", True),
    ("Checkpoints", "checkpoints", "count", True),
    ("Compactions", "compactions", "count", True),
    ("Agents", "agents", "list", False),
    ("Models", "models", "list", False),
)


def compared_view(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Both sessions' figures, and B's less A's where a difference means something."""
    change = {
        key: (b[key] - a[key]) if a[key] is not None and b[key] is not None else None
        for _, key, _, differs in _COMPARED
        if differs
    }
    return {"a": dict(a), "b": dict(b), "change": change}


def with_median(shown: Mapping[str, Any]) -> dict[str, Any]:
    from git_session.metrics import median

    return {**shown, "median_resolve_seconds": median(shown["blocker_resolve_seconds"])}


def _shown(value: Any, how: str) -> str:
    if how == "duration":
        return duration(value)
    if how == "date":
        return human_date(value) if value else "–"
    if how == "number":
        return number(value)
    if how == "list":
        return ", ".join(value) or "–"
    return "–" if value is None else str(value)


def compare_text(compared: Mapping[str, Any]) -> str:
    a, b, change = compared["a"], compared["b"], compared["change"]
    rows = []
    for label, key, how, differs in _COMPARED:
        difference = change.get(key) if differs else None
        shown_change = "" if difference is None else signed(difference, how == "duration")
        rows.append([label, clip(_shown(a[key], how), 40), clip(_shown(b[key], how), 40), shown_change])
    return "\n".join(table(("", f"A: {a['short']}", f"B: {b['short']}", "B - A"), rows)) + "\n"
