"""Handoffs: every item of a realistic session in Markdown, JSON and HTML; templates in the
sandbox; the handoff stored by `end`; ADR files; one git process for the history."""

from __future__ import annotations

import html
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from git_session import adr, gitcli, handoff, history, sandbox
from git_session.data import template as shipped_template
from git_session.errors import UserError
from git_session.names import ObjectId
from git_session.sessions import Workspace
from git_session.store import Draft
from tests.helpers import as_json, fails, git, make_repo, ok, run

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = (
    "TL;DR",
    "Context",
    "Current state",
    "Progress",
    "Objectives",
    "Decisions",
    "Discoveries",
    "Blockers",
    "Next steps",
    "Deliverables",
    "Checkpoints",
    "Sources",
    "Related sessions",
    "Metrics",
)
# The HTML page shows the current step once, with the objectives under Progress, and a timeline.
HTML_SECTIONS = ("TL;DR", "Context", "Progress", "Timeline", *SECTIONS[5:])
HOSTILE = (
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ session.__class__ }}",
    "{{ objectives|attr('__class__') }}",
    "{{ lipsum.__globals__['os'].system('touch pwned') }}",
    "{% include '/etc/passwd' %}",
    "{{ 'x' * 100000000 }}",
)


@pytest.fixture(autouse=True)
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commit hooks run `git-session` from PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


@dataclass
class Realistic:
    repo: Path
    sid: str
    base: str
    commits: list[str]
    texts: list[str]  # every item's text that each format must contain


def commit_files(repo: Path, message: str, files: dict[str, bytes | None]) -> str:
    for name, data in files.items():
        path = repo / name
        if data is None:
            git(repo, "rm", "-q", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def add_checkpoint(repo: Path, label: str, commit: str) -> None:
    ws = Workspace.open(str(repo))
    found = ws.find(None)
    fields = {"text": label, "label": label, "commit": commit}
    ws.store.append(found.handle.ref, lambda h, m: [Draft.add("checkpoint", fields)], ws.ident, label)


def entry_id(repo: Path, key: str, text: str) -> str:
    items: list[dict[str, str]] = as_json(repo, "show")[key]
    return next(item["id"] for item in items if item["text"] == text)


@pytest.fixture
def realistic(repo: Path) -> Realistic:
    commit_files(repo, "old file", {"old.txt": b"one\ntwo\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    ok(repo, "install")
    git(repo, "switch", "-q", "-c", "feature/auth")
    ok(repo, "start", "Auth rewrite", "-o", "OAuth provider interface", "-o", "Google OAuth", "-o", "GitHub OAuth",
       "--task", "BACK-123", "--task", "#42", "--agent", "claude-code", "--model", "opus")  # fmt: skip
    ok(repo, "objective", "done", entry_id(repo, "objectives", "OAuth provider interface"))
    ok(repo, "objective", "drop", entry_id(repo, "objectives", "GitHub OAuth"))
    ok(repo, "decision", "add", "Use the PKCE flow", "--rationale", "protects against code interception",
       "--alternative", "implicit flow", "--alternative", "a client secret in the app")  # fmt: skip
    ok(repo, "decision", "add", "Keep sessions server-side")
    ok(repo, "discovery", "add", "Lock ordering: watcher before sweeper")
    ok(repo, "blocker", "add", "Waiting on API keys")
    ok(repo, "blocker", "add", "CI is red")
    ok(repo, "blocker", "resolve", entry_id(repo, "blockers", "CI is red"), "--note", "a rerun fixed it")
    ok(repo, "next", "add", "Write the regression test", "--priority", "high")
    ok(repo, "next", "add", "Document the lock ordering", "--priority", "medium")
    ok(repo, "next", "add", "Tidy the imports", "--priority", "low")
    ok(repo, "next", "done", entry_id(repo, "next", "Document the lock ordering"))
    ok(repo, "note", "Reproduced the bug <script>alert(1)</script>")
    ok(repo, "source", "add", "https://example.com/rfc7636?a=1&b=2")
    ok(repo, "source", "add", "docs/design.md")
    ok(repo, "tldr", "Switching auth to OAuth2 with PKCE.")
    ok(repo, "current", "Google OAuth")
    commits = [
        commit_files(repo, "Add the provider", {"src/auth.py": b"a\nb\nc\n"}),
        commit_files(repo, "Rework the readme", {"README": b"hello world\n", "old.txt": None}),
        commit_files(repo, "Add the logo", {"logo.png": b"\x89PNG\x00\x01\x02"}),
    ]
    ok(repo, "status")  # links the commits the hooks recorded
    add_checkpoint(repo, "provider done", commits[0])
    texts = [
        "Auth rewrite",
        "Switching auth to OAuth2 with PKCE.",
        "OAuth provider interface",
        "Google OAuth",
        "GitHub OAuth",
        "Use the PKCE flow",
        "protects against code interception",
        "implicit flow",
        "a client secret in the app",
        "Keep sessions server-side",
        "Lock ordering: watcher before sweeper",
        "Waiting on API keys",
        "CI is red",
        "a rerun fixed it",
        "Write the regression test",
        "Document the lock ordering",
        "Tidy the imports",
        "Reproduced the bug <script>alert(1)</script>",
        "https://example.com/rfc7636?a=1&b=2",
        "docs/design.md",
        "provider done",
        "Add the provider",
        "Rework the readme",
        "Add the logo",
        "src/auth.py",
        "old.txt",
        "logo.png",
        "README",
        "feature/auth",
        "BACK-123",
        "#42",
        "claude-code",
        "opus",
    ]
    sid = as_json(repo, "status")["id"]
    return Realistic(repo, sid, base, commits, texts)


def section_order(text: str, heading: str, sections: tuple[str, ...] = SECTIONS) -> list[int]:
    return [text.index(heading.format(name)) for name in sections]


# --- every item, in each format ---------------------------------------------------------------


def test_markdown_has_every_section_and_item(realistic: Realistic) -> None:
    text = ok(realistic.repo, "handoff")
    positions = section_order(text, "\n## {}\n")
    assert positions == sorted(positions)
    for item in realistic.texts:
        assert item in text, item
    assert "- [ ] Google OAuth  ← CURRENT" in text
    assert "- [x] OAuth provider interface" in text
    assert "- [-] GitHub OAuth — dropped" in text
    assert "~~CI is red~~" in text and "a rerun fixed it" in text
    for priority in ("High", "Medium", "Low"):
        assert f"### {priority} priority" in text
    assert "1. [x] Document the lock ordering" in text
    assert f"  - Session-Id: {realistic.sid}" in text
    assert "  - Session-Objectives: [open] Google OAuth" in text
    assert "  - Decisions: Use the PKCE flow -- protects against code interception" in text
    assert "| A | src/auth.py | 3 | 0 |" in text
    assert "| D | old.txt | 0 | 2 |" in text
    assert "| M | README | 1 | 1 |" in text
    assert "| A | logo.png | binary |  |" in text
    assert "| Objectives done | 1/2 |" in text
    assert "| Lines added / removed | +4 / −3 |" in text
    assert "- **Tasks**: BACK-123, #42\n" in text and "- **Agent**: claude-code · **Model**: opus\n" in text


def test_json_parses_and_matches_the_state(realistic: Realistic) -> None:
    data = json.loads(ok(realistic.repo, "handoff", "--format", "json"))
    state = as_json(realistic.repo, "show")
    assert data["schema"] == "git-session-handoff/1"
    assert data["session"]["id"] == state["id"] and data["session"]["base"] == realistic.base
    for key in ("objectives", "decisions", "discoveries", "blockers", "notes", "sources", "checkpoints"):
        assert [(i["id"], i.get("status"), i["text"]) for i in data[key]] == [
            (i["id"], i.get("status"), i["text"]) for i in state[key]
        ], key
    assert sorted((n["id"], n["status"], n["priority"], n["text"]) for n in data["next"]) == sorted(
        (n["id"], n["status"], n["priority"], n["text"]) for n in state["next"]
    )
    assert [n["priority"] for n in data["next"]] == ["high", "medium", "low"]
    assert data["decisions"][0]["alternatives"] == ["implicit flow", "a client secret in the app"]
    assert [b["resolution"] for b in data["blockers"]] == [None, "a rerun fixed it"]
    progress = data["progress"]
    assert [o["text"] for o in progress["done"]] == ["OAuth provider interface"]
    assert progress["in_progress"] == [
        {"text": "Google OAuth", "objective": entry_id(realistic.repo, "objectives", "Google OAuth")}
    ]
    assert progress["remaining"] == []
    deliverables = data["deliverables"]
    assert [c["sha"] for c in deliverables["commits"]] == realistic.commits
    assert all(c["linked"] and c["sessions"] == [realistic.sid] for c in deliverables["commits"])
    assert {"key": "Session-Id", "value": realistic.sid} in deliverables["commits"][0]["trailers"]
    assert [(f["path"], f["status"], f["added"], f["deleted"]) for f in deliverables["files"]] == [
        ("README", "M", 1, 1),
        ("logo.png", "A", None, None),
        ("old.txt", "D", 0, 2),
        ("src/auth.py", "A", 3, 0),
    ]
    assert data["metrics"] == {
        "duration_seconds": 0,
        "duration": "under a minute",
        "commits": 3,
        "files": 4,
        "lines_added": 4,
        "lines_deleted": 3,
        "objectives_done": 1,
        "objectives_total": 2,
        "decisions": 2,
        "discoveries": 1,
        "blockers_open": 1,
        "blockers_resolved": 1,
        "next_open": 2,
        "checkpoints": 1,
        "compactions": 0,
    }
    assert data["related"] == {"parent": None, "children": []}


def test_html_is_standalone_and_has_every_item(realistic: Realistic) -> None:
    page = ok(realistic.repo, "handoff", "--format", "html")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for item in realistic.texts:
        assert html.escape(item, quote=False) in page or html.escape(item) in page, item
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page and "<link" not in page and "<img" not in page and "<iframe" not in page
    assert not re.search(r"\bsrc\s*=|url\(|@import", page, re.IGNORECASE)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs == [html.escape("https://example.com/rfc7636?a=1&b=2")]
    positions = section_order(page, "<h2>{}</h2>", HTML_SECTIONS)
    assert positions == sorted(positions)


def test_output_file_and_format_from_its_suffix(realistic: Realistic) -> None:
    out = realistic.repo.parent / "handoff.html"
    assert ok(realistic.repo, "handoff", "-o", str(out)) == f"Wrote {out}\n"
    assert out.read_text() == ok(realistic.repo, "handoff", "--format", "html")
    md = realistic.repo.parent / "h.md"
    ok(realistic.repo, "handoff", "--session", realistic.sid, "--output", str(md))
    assert md.read_text() == ok(realistic.repo, "handoff", realistic.sid)


# --- templates: the sandbox ---------------------------------------------------------------------


@pytest.mark.parametrize("source", HOSTILE)
def test_a_hostile_template_is_refused_in_one_line(realistic: Realistic, source: str) -> None:
    template = realistic.repo.parent / "evil.md.j2"
    template.write_text(source)
    out = realistic.repo.parent / "out.md"
    err = fails(realistic.repo, "handoff", "--template", str(template), "-o", str(out))
    assert len(err.splitlines()) == 1 and err.startswith(f"git-session: template {template} ")
    assert not out.exists() and not (realistic.repo / "pwned").exists()
    assert [p.name for p in realistic.repo.parent.iterdir() if p.name.startswith(".git-session-")] == []


def test_sandbox_messages() -> None:
    def refused(source: str) -> str:
        with pytest.raises(UserError) as caught:
            sandbox.render_template(sandbox.Template(source, "t.j2", False), {"session": {"title": "x"}})
        return caught.value.message

    assert refused("{{ ''.__class__.__mro__ }}") == (
        "template t.j2 was refused by the sandbox: access to attribute '__class__' of 'str' object is unsafe."
    )
    assert refused("{{ 10 ** 1000000 }}") == (
        "template t.j2 was refused by the sandbox: the power is too large for a template"
    )
    assert refused("{% if %}") == "template t.j2: line 1: Expected an expression, got 'end of statement block'"
    assert refused("{{ nope }}") == "template t.j2 failed: 'nope' is undefined"
    assert refused("{{ 1 / 0 }}") == "template t.j2 failed: ZeroDivisionError: division by zero"


def test_a_user_template_renders_the_context(realistic: Realistic) -> None:
    template = realistic.repo.parent / "mine.txt.j2"
    template.write_text("{{ session.title }}: {{ objectives|map(attribute='text')|join(', ') }}\n")
    assert ok(realistic.repo, "handoff", "--template", str(template)) == (
        "Auth rewrite: OAuth provider interface, Google OAuth, GitHub OAuth\n"
    )
    escaped = realistic.repo.parent / "mine.html.j2"
    escaped.write_text("{{ notes[0].text }}\n")
    assert ok(realistic.repo, "handoff", "--template", str(escaped)) == (
        "Reproduced the bug &lt;script&gt;alert(1)&lt;/script&gt;\n"
    )


def test_compiled_templates_are_cached_and_never_stale(realistic: Realistic) -> None:
    template = realistic.repo.parent / "cached.txt.j2"
    template.write_text("first {{ session.title }}\n")
    assert ok(realistic.repo, "handoff", "--template", str(template)) == "first Auth rewrite\n"
    cache = realistic.repo / ".git" / "git-session" / "template-cache"
    assert any(cache.iterdir())
    template.write_text("second {{ session.title }}\n")
    assert ok(realistic.repo, "handoff", "--template", str(template)) == "second Auth rewrite\n"
    template.write_text("{{ ''.__class__.__mro__ }}\n")
    fails(realistic.repo, "handoff", "--template", str(template))


def test_the_repository_may_override_the_templates(realistic: Realistic) -> None:
    folder = realistic.repo / ".git-session" / "templates"
    folder.mkdir(parents=True)
    (folder / "handoff.md.j2").write_text("custom {{ session.title }}\n")
    assert ok(realistic.repo, "handoff") == "custom Auth rewrite\n"
    (folder / "handoff.html.j2").write_text("{{ ''.__class__ }}")
    err = fails(realistic.repo, "handoff", "--format", "html")
    assert err.startswith("git-session: template ") and "refused by the sandbox" in err
    elsewhere = realistic.repo.parent / "tpl"
    elsewhere.mkdir()
    (elsewhere / "handoff.md.j2").write_text("configured {{ session.branch }}\n")
    git(realistic.repo, "config", "session.templateDir", str(elsewhere))
    assert ok(realistic.repo, "handoff") == "configured feature/auth\n"


def test_a_broken_repository_template_stops_end_with_a_way_out(realistic: Realistic) -> None:
    folder = realistic.repo / ".git-session" / "templates"
    folder.mkdir(parents=True)
    (folder / "handoff.md.j2").write_text("{{ cycler.__init__ }}")
    err = fails(realistic.repo, "end")
    assert err.endswith("refused by the sandbox: access to attribute '__init__' of 'type' object is unsafe.\n"
                        "hint: end it without a handoff: git session end --no-handoff\n")  # fmt: skip
    assert as_json(realistic.repo, "status")["status"] == "active"
    ok(realistic.repo, "end", "--no-handoff")


def test_template_with_json_is_a_usage_error(realistic: Realistic) -> None:
    template = realistic.repo.parent / "t.j2"
    template.write_text("x")
    assert fails(realistic.repo, "handoff", "--format", "json", "--template", str(template)) == (
        "git-session: --template does not apply to --format json\nhint: the JSON is the template's context\n"
    )


def test_the_shipped_templates_are_package_data() -> None:
    for name in ("handoff.md.j2", "handoff.html.j2", "adr.md.j2"):
        assert shipped_template(name) == (ROOT / "git_session" / "templates" / name).read_text()


# --- end stores the handoff ----------------------------------------------------------------------


def test_end_stores_the_handoff_and_handoff_prints_it(realistic: Realistic) -> None:
    repo = realistic.repo
    before = ok(repo, "handoff")
    ok(repo, "end")
    (stored,) = as_json(repo, "show", realistic.sid)["handoffs"]
    assert (stored["format"], stored["tip"]) == ("markdown", realistic.commits[-1])
    text = stored["text"]
    assert text == ok(repo, "handoff") == ok(repo, "handoff", realistic.sid)
    assert "· handoff · generated" in text and "**Status**: handoff" in text
    assert before.count("· active · generated") == 1 and "· active ·" not in text
    commit_files(repo, "after the end", {"later.txt": b"later\n"})
    git(repo, "switch", "-q", "main")
    (repo / "README").write_text("changed in the work tree\n")
    assert ok(repo, "handoff", realistic.sid) == text
    fresh = json.loads(ok(repo, "handoff", realistic.sid, "--format", "json"))
    assert fresh["session"]["tip"] == realistic.commits[-1] and fresh["metrics"]["commits"] == 3
    assert "← CURRENT" in text and "Tidy the imports" in text


def test_a_teammate_gets_the_stored_handoff_after_a_fetch(realistic: Realistic, tmp_path: Path) -> None:
    ok(realistic.repo, "end", "--complete")
    text = as_json(realistic.repo, "show", realistic.sid)["handoffs"][0]["text"]
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(realistic.repo), str(clone))
    git(clone, "fetch", "-q", "origin", "refs/sessions/*:refs/sessions/*")
    assert ok(clone, "handoff", realistic.sid) == text
    assert "· completed · generated" in text


def test_end_without_a_handoff_stores_none(realistic: Realistic) -> None:
    out = ok(realistic.repo, "end", "--no-handoff")
    assert "Stored" not in out
    assert as_json(realistic.repo, "show", realistic.sid)["handoffs"] == []
    assert ok(realistic.repo, "handoff").startswith("# Handoff: Auth rewrite\n")


def test_an_abandoned_session_records_its_reason(realistic: Realistic) -> None:
    ok(realistic.repo, "end", "--abandon", "--reason", "requirements changed")
    text = ok(realistic.repo, "handoff")
    assert "· abandoned (requirements changed) · generated" in text


def test_related_sessions(realistic: Realistic) -> None:
    repo = realistic.repo
    ok(repo, "end")
    ok(repo, "start", "Auth, part two", "--from", realistic.sid)
    child = as_json(repo, "status")["id"]
    data = json.loads(ok(repo, "handoff", "--format", "json"))
    assert data["related"]["parent"]["id"] == realistic.sid
    assert data["related"]["parent"]["title"] == "Auth rewrite"
    parent = json.loads(ok(repo, "handoff", realistic.sid, "--format", "json"))
    assert [c["id"] for c in parent["related"]["children"]] == [child]
    assert "- **Continues**: `" in ok(repo, "handoff")


# --- ADRs ------------------------------------------------------------------------------------------


def test_end_writes_adrs_after_the_existing_ones(realistic: Realistic) -> None:
    folder = realistic.repo.parent / "adr"
    folder.mkdir()
    (folder / "0001-x.md").write_text("keep 1\n")
    (folder / "0007-y.md").write_text("keep 7\n")
    out = ok(realistic.repo, "end", "--adr", str(folder))
    first, second = folder / "0008-use-the-pkce-flow.md", folder / "0009-keep-sessions-server-side.md"
    assert out.endswith(f"Wrote {first}\nWrote {second}\n")
    assert (folder / "0001-x.md").read_text() == "keep 1\n" and (folder / "0007-y.md").read_text() == "keep 7\n"
    record = first.read_text()
    assert record.startswith("# 8. Use the PKCE flow\n\nDate: 2023-11-14\n\n## Status\n\nAccepted\n")
    for part in (
        "## Context\n\nDecided in session `",
        "“Auth rewrite” on branch `feature/auth`",
        "Switching auth to OAuth2 with PKCE.",
        "## Decision\n\nUse the PKCE flow\n",
        "## Rationale\n\nprotects against code interception\n",
        "## Alternatives considered\n\n- implicit flow\n- a client secret in the app\n",
        "## Consequences\n",
    ):
        assert part in record, part
    assert "## Rationale\n\n_Not recorded._\n" in second.read_text()


def test_adr_folder_is_created_and_names_never_clash(realistic: Realistic) -> None:
    folder = realistic.repo.parent / "new" / "adr"
    ok(realistic.repo, "end", "--no-handoff", "--adr", str(folder))
    assert sorted(p.name for p in folder.iterdir()) == [
        "0001-use-the-pkce-flow.md",
        "0002-keep-sessions-server-side.md",
    ]
    path, number = adr.write_new(str(folder), 1, "use-the-pkce-flow", lambda n: f"record {n}\n")
    assert (Path(path).name, number) == ("0002-use-the-pkce-flow.md", 2)
    assert (folder / "0001-use-the-pkce-flow.md").read_text().startswith("# 1. Use the PKCE flow")
    assert Path(path).read_text() == "record 2\n"


def test_a_name_taken_meanwhile_takes_the_next_number(tmp_path: Path) -> None:
    (tmp_path / "0003-same.md").write_text("theirs\n")
    (tmp_path / "0004-same.md").symlink_to(tmp_path / "nowhere")
    path, number = adr.write_new(str(tmp_path), 3, "same", lambda n: f"ours {n}\n")
    assert (Path(path).name, number) == ("0005-same.md", 5)
    assert (tmp_path / "0003-same.md").read_text() == "theirs\n" and not (tmp_path / "nowhere").exists()
    assert adr.next_number(str(tmp_path)) == 6
    assert adr.slug("Ünïcode: the/best way!") == "unicode-the-best-way" and adr.slug("!!!") == "decision"


# --- the history: one git process, proportional to the range ------------------------------------


@pytest.fixture
def git_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """Every git process git-session starts, by its arguments."""
    calls: list[list[str]] = []
    for name in ("run", "start"):
        real = getattr(gitcli, name)

        def spy(args: Any, real: Any = real, **kwargs: Any) -> Any:
            calls.append(list(args))
            return real(args, **kwargs)

        monkeypatch.setattr(gitcli, name, spy)
    yield calls


def test_the_history_is_one_git_log_of_the_range(realistic: Realistic, git_calls: list[list[str]]) -> None:
    ws = Workspace.open(str(realistic.repo))
    git_calls.clear()
    context = handoff.gather(ws, ws.find(None))
    (log,) = [call for call in git_calls if call[0] == "log"]
    assert log[: len(history.LOG_OPTIONS)] == list(history.LOG_OPTIONS)
    notes_option, format_option, *revisions = log[len(history.LOG_OPTIONS) :]
    assert notes_option == "--notes=refs/notes/sessions" and format_option.startswith("--format=%H%x00")
    assert revisions == [f"{realistic.base}..{realistic.commits[-1]}", "--"]
    assert len(git_calls) <= 2  # the log, and `git var` for the time
    assert [c["sha"] for c in context["deliverables"]["commits"]] == realistic.commits


def test_history_outside_the_range_is_not_read(repo: Path, git_calls: list[list[str]]) -> None:
    stream = []
    for n in range(1, 3001):
        stream += ["commit refs/heads/main", f"committer C <c@x> {1600000000 + n} +0000", "data 2", f"c{n % 10}"]
        stream += ["from refs/heads/main^0"] if n == 1 else []
        stream += [f"M 644 inline f{n % 50}", "data 2", f"{n % 7}", ""]
    git(repo, "fast-import", "--quiet", input="\n".join(stream) + "\n")
    git(repo, "reset", "-q", "--hard", "main")
    git(repo, "switch", "-q", "-c", "topic")
    ok(repo, "start", "Small")
    first = commit_files(repo, "one", {"one": b"1\n"})
    second = commit_files(repo, "two", {"two": b"2\n"})
    data = json.loads(ok(repo, "handoff", "--format", "json"))
    assert [c["sha"] for c in data["deliverables"]["commits"]] == [first, second]
    (log,) = [call for call in git_calls if call[0] == "log"]
    assert log[-2].endswith(f"..{second}")


def test_linked_commits_no_longer_on_the_branch_are_still_listed(realistic: Realistic) -> None:
    git(realistic.repo, "reset", "-q", "--hard", realistic.base)
    data = json.loads(ok(realistic.repo, "handoff", "--format", "json"))
    commits = data["deliverables"]["commits"]
    assert [(c["sha"], c["in_history"], c["sessions"]) for c in commits] == [
        (sha, False, [realistic.sid]) for sha in realistic.commits
    ]
    assert data["deliverables"]["files"] == []
    assert data["deliverables"]["range"] == f"{realistic.base[:12]}..{realistic.base[:12]}"
    assert "(linked; not in the branch history)" in ok(realistic.repo, "handoff")


def test_a_session_started_on_an_unborn_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, commit=False)
    ok(repo, "start", "From scratch")
    assert as_json(repo, "status")["base"] is None
    shas = [commit_files(repo, "first", {"a": b"a\n"}), commit_files(repo, "second", {"b": b"b\nc\n"})]
    data = json.loads(ok(repo, "handoff", "--format", "json"))
    assert data["deliverables"]["range"] == f"{shas[-1][:12]} since the session started"
    assert [c["sha"] for c in data["deliverables"]["commits"]] == shas
    assert [(f["path"], f["status"], f["added"]) for f in data["deliverables"]["files"]] == [
        ("a", "A", 1),
        ("b", "A", 2),
    ]
    assert "- **Base**: none (the branch was unborn)" in ok(repo, "handoff")


def test_a_session_without_commits_runs_no_git_log(repo: Path, git_calls: list[list[str]]) -> None:
    ok(repo, "start", "Nothing yet")
    text = ok(repo, "handoff")
    assert not [call for call in git_calls if call[0] == "log"]
    assert "_No files changed._" in text and "- _No commits._" in text


def test_parse_log_odd_paths_merges_and_empty_commits(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    odd = {"sp ace\ttab": b"x\n", "new\nline": b"y\n", "ünï.txt": b"z\n"}
    added = commit_files(repo, "odd names", dict(odd))
    git(repo, "commit", "-q", "--allow-empty", "-m", "empty\n\nReviewed-by: R <r@x>\nSee-also: a\n  folded")
    git(repo, "switch", "-q", "-c", "side", added)
    commit_files(repo, "side", {"s": b"s\n"})
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-edit", "side")
    tip = git(repo, "rev-parse", "HEAD").strip()
    (repo / "note").write_bytes(b'{"session":"s1"}\n\x00\x00not json\x00\n')
    blob = git(repo, "hash-object", "-w", "note").strip()
    git(repo, "notes", "--ref=sessions", "add", "-C", blob, added)
    commits = history.read_history(Workspace.open(str(repo)).repo, history.Range(ObjectId(base), ObjectId(tip)))
    assert sorted(c.subject for c in commits) == ["Merge branch 'side'", "empty", "odd names", "side"]
    assert commits[-1].subject == "Merge branch 'side'"
    named = next(c for c in commits if c.subject == "odd names")
    assert sorted(f.path for f in named.files) == sorted(odd)
    assert all((f.status, f.added, f.deleted) == ("A", 1, 0) for f in named.files)
    assert named.note.startswith('{"session":"s1"}\n') and "not json" in named.note  # and nothing after it shifted
    empty = next(c for c in commits if c.subject == "empty")
    assert empty.trailers == (("Reviewed-by", "R <r@x>"), ("See-also", "a folded")) and empty.files == ()
    assert len(commits[-1].parents) == 2 and commits[-1].files == ()


def test_a_path_that_is_not_utf8_is_shown_with_a_replacement_character(repo: Path) -> None:
    ok(repo, "start", "Bytes")
    commit_files(repo, "odd bytes", {os.fsdecode(b"bad\xff.txt"): b"x\n"})
    data = json.loads(ok(repo, "handoff", "--format", "json"))
    assert [f["path"] for f in data["deliverables"]["files"]] == ["bad\ufffd.txt"]
    assert "bad\ufffd.txt" in ok(repo, "handoff")


def test_help_mentions_the_sandbox() -> None:
    result = run(ROOT, "handoff", "--help")
    assert result.exit_code == 0 and "sandbox" in result.output
