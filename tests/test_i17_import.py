"""`git session import` and `export` (issue 17, points 1 and 2): the fixtures of every format
import to the state written out here field by field, import again to nothing, import a
change as the difference, export back; hostile files are refused with one line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from git_session import importing, safeyaml, sessionfile
from git_session.errors import UserError
from git_session.model import SessionState
from git_session.sessionfile import When, format_time
from git_session.sessions import Workspace
from tests.helpers import git, ok, run, session_refs

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
MTIME = 1_700_000_000  # 2023-11-14T22:13:20Z: the time of what a file gives no time for


@pytest.fixture
def files(repo: Path) -> Path:
    """The fixtures, copied into the repository (their paths name the sessions)."""
    shutil.copytree(FIXTURES, repo / "imp")
    for path in (repo / "imp").rglob("*.md"):
        os.utime(path, (MTIME, MTIME))
    return repo / "imp"


def state_of(repo: Path, session: str) -> SessionState:
    ws = Workspace.open(str(repo))
    handle = next(h for h in ws.store.handles() if h.id.startswith(session))
    return ws.store.state(handle)


def rows(state: SessionState) -> list[tuple[Any, ...]]:
    """Every entry: kind, text, time, and its other fields (the import's own records left
    out, and the handoff an import that ends a session renders: tests/test_corefix22_import.py)."""
    out = []
    for e in state.entries:
        if sessionfile.PROVENANCE in e.values or e.kind == "handoff":
            continue
        fields = {k: v for k, v in e.values.items() if k not in ("text", sessionfile.IMPORTED)}
        out.append((e.kind, e.text, format_time(When(e.created, e.tz)), fields))
    return out


def times(state: SessionState) -> tuple[str, str]:
    return format_time(When(state.meta.created, state.meta.tz)), format_time(When(state.meta.updated, state.meta.tz))


OPEN, DONE = {"status": "open"}, {"status": "done"}

SWEEP_TLDR = (
    "Fixing race condition in sweep trigger. Found root cause in sweeper.go:245.\n"
    "Currently implementing mutex fix. Next: complete mutex, add tests.\n\n"
    "**Progress**: 3/5 steps complete\n**Current**: Implement fix (step 4)\n**Blocker**: None"
)


def test_seed_session_with_flat_front_matter(repo: Path, files: Path) -> None:
    out = ok(repo, "import", "imp/md/fix-sweep-bug-abc123.md")
    assert (
        out
        == "imp/md/fix-sweep-bug-abc123.md (md): session fhtvfwpr0m5t 'Fix Sweep Trigger Bug' created with 12 entries\n"
    )
    state = state_of(repo, "fhtv")
    assert dict(state.meta.values) == {
        "title": "Fix Sweep Trigger Bug",
        "status": "active",
        "branch": "fix/sweep-trigger",
        "current": "Implement fix",
        "tasks": ["019def45-6789-7abc-0123-456789abcdef"],
        "tldr": SWEEP_TLDR,
    }
    assert times(state) == ("2025-01-15T10:00:00Z", "2025-01-15T14:30:00Z")
    later = "2025-01-15T14:30:00Z"
    assert rows(state) == [
        ("note", "**Objective**: Fix race condition causing intermittent sweep failures\n\n**Key Files**:\n"
         "- `sweep/sweeper.go` - Main sweeper logic\n- `contractcourt/chain_watcher.go` - Triggers sweeps",
         later, {"section": "Context"}),
        ("objective", "Reproduce bug in test", "2025-01-15T10:30:00Z", DONE),
        ("objective", "Identify root cause", "2025-01-15T11:00:00Z", DONE),
        ("objective", "Draft fix approach", "2025-01-15T12:00:00Z", DONE),
        ("objective", "Implement fix", later, OPEN),
        ("objective", "Add regression test", later, OPEN),
        ("decision", "Lock-first approach", "2025-01-15T12:15:00Z", {
            "alternatives": ["Lock before check", "Atomic state", "Separate mutex"],
            "choice": "Lock before check",
            "context": "Need to fix race without major refactor",
            "rationale": "Simplest fix, performance impact minimal",
        }),
        ("discovery", "Lock ordering: chain_watcher must acquire lock before sweeper to avoid deadlock. Document this!",
         "2025-01-15T13:00:00Z", {}),
        ("next", "Complete mutex implementation in sweeper.go", later, OPEN),
        ("next", "Add regression test", later, OPEN),
        ("next", "Document lock ordering in CONTRIBUTING.md", later, OPEN),
        ("note", "compaction_count: 2\ngit_last_commit: abc123f\nshortname: fix-sweep-bug", "2025-01-15T10:00:00Z",
         {"front_matter": True}),
    ]  # fmt: skip
    assert session_refs(repo) == ["refs/sessions/fix-sweep-trigger-852cbc2c73/fhtvfwpr0m5tsrjqbr7d34j5vk"]


def test_agents_sessions_layout_nested_front_matter_waves_and_log(repo: Path, files: Path) -> None:
    ok(repo, "import", "imp/md/20251204-143000-weather-fallback.md")
    state = state_of(repo, importing.derived_id("path", "imp/md/20251204-143000-weather-fallback.md"))
    assert dict(state.meta.values) == {
        "title": "Weather fallback when the primary API times out",
        "status": "active",
        "branch": "main",
        "current": "Wire the fallback provider into the forecast service",
        "tasks": ["BACK-123"],
    }
    assert times(state) == ("2025-12-04T14:30:00Z", "2025-12-04T15:40:00Z")
    t = "2025-12-04T16:05:00+01:00"  # last_updated, with its offset, for what gives no time
    wave1, wave2 = "Wave 1: Provider interface (DONE)", "Wave 2: Wiring (ACTIVE)"
    assert rows(state) == [
        ("note", "Background for anyone picking up this work.\nThe primary weather API times out ~2% of the time; "
         "users see an empty forecast.", t, {"section": "Context"}),
        ("note", "Provider interface merged; fallback wiring in progress.", t, {"section": "Current State"}),
        ("objective", "BACK-124 - Provider interface", t, {"status": "done", "group": wave1}),
        ("objective", "BACK-125 - OpenMeteo adapter", t, {"status": "done", "group": wave1}),
        ("objective", "BACK-126 - Fallback in forecast service", t, {"status": "open", "group": wave2}),
        ("objective", "BACK-127 - Metrics for fallback rate", t, {"status": "open", "group": wave2}),
        ("decision", "Timeout budget", t, {
            "choice": "800 ms for the primary before falling back",
            "rationale": "p99 of the primary is 650 ms; users tolerate ~1 s",
        }),
        ("blocker", "Waiting on the OpenMeteo API key from ops", t, OPEN),
        ("note", "Created session, spawned backend-dev for the interface.", "2025-12-04T14:30:00Z",
         {"log_title": "PM"}),
        ("note", "Interface and adapters done, tests green.", "2025-12-04T15:40:00Z", {"log_title": "backend-dev"}),
        ("note", "orchestration:\n  spawned_agents:\n  - agent: backend-dev\n    status: completed\n"
         "    summary: Interface + two adapters\n    task: Add provider interface\nreviewer: Zoë Ångström\n"
         "session:\n  linear_url: https://linear.app/acme/issue/BACK-123", "2025-12-04T14:30:00Z",
         {"front_matter": True}),
    ]  # fmt: skip


def test_crlf_unicode_capitalized_keys_and_priorities(repo: Path, files: Path) -> None:
    assert b"\r\n" in (files / "md" / "20251102-resume-unicode-crlf.md").read_bytes()
    ok(repo, "import", "imp/md/20251102-resume-unicode-crlf.md")
    state = state_of(repo, importing.derived_id("path", "imp/md/20251102-resume-unicode-crlf.md"))
    assert dict(state.meta.values) == {
        "title": "Résumé parsing — unicode edge cases",
        "status": "handoff",
        "model": "claude-sonnet",
        "branch": "main",
        "tldr": "Names in 日本語 and Ελληνικά now survive the import.",
    }
    t = "2025-11-02T11:30:00Z"
    assert rows(state) == [
        ("decision", "Normalize to NFC before comparing names", t, {}),
        ("decision", "Keep the original bytes for display", t, {}),
        ("note", "- `parser/names.py` rewritten\n- 42 new tests", t, {"section": "Deliverables & Metrics"}),
        ("next", "Handle right-to-left names", t, {"status": "open", "priority": "high"}),
        ("next", "Benchmark the NFC pass", t, {"status": "open", "priority": "low"}),
        ("source", "https://unicode.org/reports/tr15/", t, {}),
        ("source", "docs/names.md", t, {}),
        ("note", "Author: Resonance 7 Agent\nDescription: Fix résumé import for non-Latin names",
         "2025-11-02T09:00:00Z", {"front_matter": True}),
    ]  # fmt: skip


def test_execplan(repo: Path, files: Path) -> None:
    out = ok(repo, "import", "imp/execplan/PLANS.md")
    assert out == (
        "imp/execplan/PLANS.md (execplan): session swqj9zp4gah5 'Add offline mode to the sync client' "
        "created with 10 entries\n"
    )
    state = state_of(repo, "swqj")
    assert dict(state.meta.values) == {
        "title": "Add offline mode to the sync client",
        "branch": "main",
        "tldr": "After this change a user can edit notes on a plane and have them synced when the laptop is\n"
        "back online, without conflicts eating their edits.",
    }
    m = format_time(When(MTIME))
    assert times(state) == (m, "2025-10-01T15:30:00Z")
    assert rows(state) == [
        ("note", "This ExecPlan is a living document. The sections `Progress`, `Surprises & Discoveries`,\n"
         "`Decision Log`, and `Outcomes & Retrospective` must be kept up to date as work proceeds.", m,
         {"section": ""}),
        ("objective", "Wrote the queue schema and its migration.", "2025-10-01T13:00:00Z", DONE),
        ("objective", "Journal replay on reconnect.", "2025-10-01T15:30:00Z", DONE),
        ("objective", "Conflict resolution UI (completed: banner; remaining: merge dialog).", m, OPEN),
        ("objective", "Docs.", m, OPEN),
        ("discovery", "SQLite WAL mode makes the queue survive a kill -9 for free.", m,
         {"evidence": "200 forced kills in tests/offline_kill.rs, zero lost edits."}),
        ("decision", "Queue edits as operations, not as snapshots.", "2025-10-01T14:10:00Z",
         {"rationale": "Operations merge; snapshots only overwrite.", "date_author": "2025-10-01 14:10Z / codex"}),
        ("note", "Not done yet.", m, {"section": "Outcomes & Retrospective"}),
        ("note", "The sync client lives in `crates/sync`; `Journal` is the on-disk log.", m,
         {"section": "Context and Orientation"}),
        ("note", "1. Queue schema. 2. Replay. 3. Conflicts. 4. Docs.", m, {"section": "Plan of Work"}),
    ]  # fmt: skip


def test_execplan_crlf_current_step_and_empty_section(repo: Path, files: Path) -> None:
    ok(repo, "import", "imp/execplan/ci-migration-PLANS.md")
    state = state_of(repo, importing.derived_id("path", "imp/execplan/ci-migration-PLANS.md"))
    assert dict(state.meta.values) == {
        "title": "Migrate CI to GitHub Actions",
        "branch": "main",
        "current": "Port the matrix build",
    }
    m = format_time(When(MTIME))
    assert rows(state) == [
        ("note", "Living plan; keep Progress and the Decision Log current.", m, {"section": ""}),
        ("objective", "Port the lint job", "2025-09-10T08:00:00+02:00", DONE),
        ("objective", "Port the matrix build", "2025-09-10T09:15:00+02:00", OPEN),
        ("objective", "Delete .travis.yml", m, OPEN),
        ("decision", "Use the official setup-python action with caching", "2025-09-10T00:00:00Z",
         {"rationale": "Halves the build time; no custom cache keys", "date_author": "2025-09-10 / Ana Ñúñez"}),
        ("decision", "Keep Travis running for one week in parallel", m,
         {"rationale": "Compare results before switching the required check"}),
        ("note", "The required check on main is the Actions workflow and it is green on 3 consecutive PRs.", m,
         {"section": "Validation and Acceptance"}),
        ("note", "Re-running the workflow is safe.", m, {"section": "Idempotence and Recovery"}),
    ]  # fmt: skip


def test_cline_memory_bank_files_make_one_session(repo: Path, files: Path) -> None:
    out = ok(repo, "import", "imp/cline/memory-bank/activeContext.md", "imp/cline/memory-bank/progress.md")
    short = importing.derived_id("cline", "imp/cline/memory-bank")[:12]
    assert out == (
        f"imp/cline/memory-bank/activeContext.md (cline): session {short} 'Cline memory bank: cline' "
        "created with 6 entries\n"
        f"imp/cline/memory-bank/progress.md (cline): session {short} 'Cline memory bank: cline' "
        "updated: 5 entries added, 0 changed\n"
    )
    state = state_of(repo, short)
    assert dict(state.meta.values) == {
        "title": "Cline memory bank: cline",
        "branch": "main",
        "current": "Checkout flow: replacing the legacy payment form with the hosted one.",
    }
    m = format_time(When(MTIME))
    assert rows(state) == [
        ("note", "- Hosted payment page embedded behind a feature flag\n- Removed the card-number regex (PCI scope)",
         m, {"section": "Recent Changes"}),
        ("next", "Flip the flag for 5% of traffic", m, OPEN),
        ("next", "Remove the legacy form", m, OPEN),
        ("decision", "Use the provider's hosted page: keeps us out of PCI scope", m, {}),
        ("decision", "Keep the legacy form until the 5% rollout is clean", m, {}),
        ("note", "- Feature flags named `checkout.*`", m, {"section": "Important Patterns and Preferences"}),
        ("objective", "Cart, shipping address, hosted payment (behind flag)", m, DONE),
        ("objective", "Refund flow", m, OPEN),
        ("objective", "Receipt e-mails", m, OPEN),
        ("note", "Rollout preparation.", m, {"section": "Current Status"}),
        ("blocker", "Safari 15 loses the session cookie on the provider redirect", m, OPEN),
    ]  # fmt: skip


def test_cline_messy_bank_none_items_empty_sections_unknown_section(repo: Path, files: Path) -> None:
    bank = "imp/cline/acme-shop/memory-bank"
    ok(repo, "import", f"{bank}/activeContext.md", f"{bank}/progress.md")
    state = state_of(repo, importing.derived_id("cline", bank))
    assert dict(state.meta.values) == {
        "title": "Cline memory bank: acme-shop",
        "branch": "main",
        "current": "Search relevance: térm weighting for the catalogue.",
    }
    m = format_time(When(MTIME))
    assert rows(state) == [
        ("next", "Tune BM25 k1", m, OPEN),
        ("discovery", "Stemming hurts SKU lookups", m, {}),
        ("note", "things I should not forget:\n  * ask Dana about synonyms", m, {"section": "Scratchpad"}),
        ("objective", "Search box", m, DONE),
        ("objective", "Facets", m, DONE),
    ]


def test_resonance_layout_bom_missing_summary_unknown_sections_and_key(repo: Path, files: Path) -> None:
    """`sessions/current/YYYYMMDD-NN.md` (seed 000): a byte-order mark, no Summary, the
    template's other sections (unknown to the reader: kept as notes), a table, a list-valued
    key the reader does not map, and a `- None` under a priority."""
    assert (files / "md" / "20251115-02.md").read_bytes().startswith(b"\xef\xbb\xbf---\n")
    ok(repo, "import", "imp/md/20251115-02.md")
    state = state_of(repo, importing.derived_id("path", "imp/md/20251115-02.md"))
    assert dict(state.meta.values) == {
        "title": "Checkout latency — p95 under 300 ms",
        "status": "completed",
        "model": "[claude-opus]",
        "branch": "main",
    }
    assert times(state) == ("2025-11-15T08:05:00Z", "2025-11-15T17:42:00Z")
    t = "2025-11-15T17:42:00Z"
    assert rows(state) == [
        ("decision", "**Cache the tax tables per region** — they change once a quarter", t, {}),
        ("decision", "drop the synchronous fraud call; the async one already blocks fulfilment", t, {}),
        ("note", "| Metric | Before | After |\n|--------|--------|-------|\n| p95    | 720 ms | 280 ms |", t,
         {"section": "Deliverables & Metrics"}),
        ("note", "- Batched the three inventory look-ups into one `IN (…)` query", t,
         {"section": "Implementation Highlights"}),
        ("note", "Tried HTTP/2 push first: no gain, reverted.", t, {"section": "Challenges, Failures & Lessons"}),
        ("next", "Move the tax cache to Redis once we run more than one pod", t,
         {"status": "open", "priority": "medium"}),
        ("note", "Branch merged; dashboards at 280 ms p95 for 3 hours.", t, {"section": "Context Snapshot"}),
        ("source", "https://web.dev/articles/ttfb", t, {}),
        ("source", "`docs/perf/checkout.md`", t, {}),
        ("note", "User asked to keep the fraud call behind a flag", t, {}),
        ("note", "Ready state: nothing in flight", t, {}),
        ("note", "Author: Resonance 7 Agent\nDescription: Cut checkout p95 from 720 ms to under 300 ms\n"
         "tags:\n- perf\n- checkout", "2025-11-15T08:05:00Z", {"front_matter": True}),
    ]  # fmt: skip


def test_agents_layout_missing_current_state_fenced_hashes_marker_and_front_matter_current(
    repo: Path, files: Path
) -> None:
    """`.agents/sessions/YYYYMMDD-HHMMSS-*.md` (seed 001), paused: no Current State section,
    `#` lines inside a fenced block of an unknown section, an Acceptance Criteria checklist
    (unknown: kept whole), `[X]`, a `<- CURRENT` marker besides the front matter's
    `current_task` (which wins, as its title does), an unknown key inside `session:`."""
    name = "imp/md/20251210-091500-token-refresh.md"
    ok(repo, "import", name)
    state = state_of(repo, importing.derived_id("path", name))
    assert dict(state.meta.values) == {
        "title": "Silent token refresh for the mobile app",
        "status": "paused",
        "branch": "main",
        "current": "Retry the refresh once on 401",
        "tasks": ["MOB-88"],
    }
    assert times(state) == ("2025-12-10T09:15:00Z", "2025-12-11T10:20:00Z")
    t = "2025-12-11T10:20:00Z"
    wave1, wave2 = "Wave 1: Interceptor (ACTIVE)", "Wave 2: QA (blocked by Wave 1)"
    assert rows(state) == [
        ("note", "Users get logged out every hour because the access token expires mid-session.", t,
         {"section": "Context"}),
        ("objective", "MOB-89 - Refresh interceptor (completed)", t, {"status": "done", "group": wave1}),
        ("objective", "MOB-90 - Retry once on 401", t, {"status": "open", "group": wave1}),
        ("objective", "MOB-91 - Store the refresh token in the keychain", t, {"status": "done", "group": wave1}),
        ("objective", "MOB-92 - Expired-token scenarios", t, {"status": "open", "group": wave2}),
        ("note", "### Files to Update\n- `app/net/AuthInterceptor.kt` - the refresh call\n\n### Key Commands\n"
         "```bash\n# run the auth tests only\n./gradlew :app:testDebugUnitTest --tests '*Auth*'\n"
         "## not a heading: inside the fence\n```", t, {"section": "Technical Context"}),
        ("note", "- [x] No logout within a 24 h session\n- [ ] Refresh happens at most once per 401", t,
         {"section": "Acceptance Criteria"}),
        ("decision", "Refresh on 401, not on a timer", t, {
            "choice": "react to the 401 instead of refreshing every 55 minutes",
            "rationale": "timers drift when the app is suspended",
        }),
        ("blocker", "Paused: backend rotates refresh tokens on every use (MOB-93)", t, OPEN),
        ("next", "Ask backend about refresh-token rotation", t, OPEN),
        ("next", "Resume MOB-90", t, OPEN),
        ("note", "Created session; spawned mobile-dev.", "2025-12-10T09:15:00Z", {"log_title": "PM"}),
        ("note", "Paused: waiting on backend (see Blockers).", "2025-12-11T10:20:00Z", {"log_title": "PM"}),
        ("note", "orchestration:\n  spawned_agents:\n  - agent: mobile-dev\n    status: in_progress\n"
         "    task: Refresh interceptor\n  - agent: qa\n    status: pending\n    task: Expired-token scenarios\n"
         "session:\n  priority: P1", "2025-12-10T09:15:00Z", {"front_matter": True}),
    ]  # fmt: skip


def test_sessions_archive_layout_crlf_dropped_step_empty_groups_and_extra_section(repo: Path, files: Path) -> None:
    """`.sessions/archive/*.md` (seed 002), completed: CRLF, an offset in `updated_at` and in
    an item's time, a `[~]` step, empty In Progress / Remaining groups, a decision without a
    time, a discovery wrapped over two lines, `None currently`, no TL;DR and no Next Steps, an
    unknown Follow-ups section and an unknown front matter key."""
    assert b"\r\n" in (files / "md" / "implement-rbf-def456.md").read_bytes()
    out = ok(repo, "import", "imp/md/implement-rbf-def456.md")
    session = importing.derived_id("id", "019b7e21-0c4d-7a55-9e10-5f3a2d8c6b01")
    assert out == (
        f"imp/md/implement-rbf-def456.md (md): session {session[:12]} 'Implement RBF fee bumping' "
        "created with 11 entries\n"
    )
    state = state_of(repo, session)
    assert dict(state.meta.values) == {
        "title": "Implement RBF fee bumping",
        "status": "completed",
        "branch": "feat/rbf",
        "tasks": ["019b7e20-aaaa-7bbb-8ccc-000000000001", "019b7e20-aaaa-7bbb-8ccc-000000000002"],
    }
    t = "2025-02-04T18:45:00+01:00"
    assert times(state) == ("2025-02-03T09:00:00Z", "2025-02-04T17:45:00Z")  # the same instant, in created's zone
    assert rows(state) == [
        ("note", "**Objective**: Let users bump the fee of a stuck transaction (BIP 125)\n\n"
         "**Key Context** (survives compaction):\n- Only opt-in RBF: the original must signal sequence < 0xfffffffe\n"
         "- Test command: `go test -v -run TestRBF ./itest`", t, {"section": "Context"}),
        ("objective", "Signal RBF on every new transaction", "2025-02-03T10:15:00Z", DONE),
        ("objective", "Fee calculation for the replacement", "2025-02-03T14:00:00Z", DONE),
        ("objective", 'Wallet UI "Speed up" button', "2025-02-04T16:30:00+01:00", DONE),
        ("objective", "CPFP fallback — dropped, out of scope", t, {"status": "dropped"}),
        ("decision", "Bump by the incremental relay fee", "2025-02-03T13:40:00Z", {
            "alternatives": ["+1 sat/vB", "incremental relay fee", "user-chosen"],
            "choice": "incremental relay fee",
            "context": "BIP 125 rule 4 needs the new fee to pay for its own bandwidth",
            "rationale": "Always valid; users can still choose more",
        }),
        ("decision", "No RBF for channel funding transactions", t, {"rationale": "the funding txid must not change"}),
        ("discovery", "Mempool eviction: a replacement that is too small is rejected silently by some nodes — "
         "check `testmempoolaccept` first.", "2025-02-04T09:05:00Z", {}),
        ("discovery", "Électrum servers cache the old txid for ~10 minutes", t, {}),
        ("note", '- Document RBF in the user guide\n- Ask design for a better "Speed up" icon', t,
         {"section": "Follow-ups"}),
        ("note", "closed_reason: 'merged in #8812'\ncompaction_count: 5\ngit_last_commit: def4567\n"
         "shortname: implement-rbf", "2025-02-03T09:00:00Z", {"front_matter": True}),
    ]  # fmt: skip


ALL = [
    "md/fix-sweep-bug-abc123.md",
    "md/20251204-143000-weather-fallback.md",
    "md/20251102-resume-unicode-crlf.md",
    "md/20251115-02.md",
    "md/20251210-091500-token-refresh.md",
    "md/implement-rbf-def456.md",
    "execplan/PLANS.md",
    "execplan/ci-migration-PLANS.md",
    "cline/memory-bank/activeContext.md",
    "cline/acme-shop/memory-bank/progress.md",
]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("fmt", sessionfile.EXPORT_FORMATS)
def test_every_fixture_imports_again_to_nothing_and_exports_back(repo: Path, files: Path, name: str, fmt: str) -> None:
    first = ok(repo, "import", f"imp/{name}")
    session = first.split("session ")[1][:12]
    before = git(repo, "for-each-ref", "refs/sessions/")
    again = ok(repo, "import", f"imp/{name}")
    assert again == f"imp/{name} ({first.split('(')[1].split(')')[0]}): unchanged since imported into session " + (
        first.split("session ")[1].split(" created")[0] + "\n"
    )
    assert git(repo, "for-each-ref", "refs/sessions/") == before
    state = state_of(repo, session)
    ok(repo, "export", session, "--format", fmt, "-o", "exported.md")
    out = ok(repo, "import", "exported.md")  # into the same session: it holds all of it already
    assert out.endswith("updated: 0 entries added, 0 changed\n")
    assert rows(state_of(repo, session)) == rows(state)
    other = repo.parent / "other"
    git(repo.parent, "init", "-q", "-b", "main", str(other))
    shutil.copy(repo / "exported.md", other / "exported.md")
    ok(other, "import", "exported.md")  # into another repository: the same session
    copied = state_of(other, session)
    # The same entries (an export lists them by section: the order they are added in may differ).
    assert (sorted(rows(copied), key=repr), dict(copied.meta.values), times(copied)) == (
        sorted(rows(state), key=repr),
        dict(state.meta.values),
        times(state),
    )


def test_a_changed_file_imports_as_the_difference(repo: Path, files: Path) -> None:
    path = files / "md" / "fix-sweep-bug-abc123.md"
    ok(repo, "import", str(path))
    ok(repo, "objective", "done", "g6ad", "--session", "fhtv")  # done here since: the file did not change it
    text = path.read_text()
    text = text.replace("- [ ] Implement fix          <- CURRENT", "- [x] Implement fix (2025-01-16T09:00)")
    text = text.replace("1. Complete mutex", "1. Write the changelog (2025-01-16T09:30)\n2. Complete mutex")
    text = text.replace("status: active", "status: completed")
    path.write_text(text)
    out = ok(repo, "import", str(path))
    assert out == f"{path} (md): session fhtvfwpr0m5t 'Fix Sweep Trigger Bug' updated: 1 entries added, 1 changed\n"
    state = state_of(repo, "fhtv")
    assert (state.meta.status, state.meta.current) == ("completed", "Implement fix")
    done = {e.text: (e.status, format_time(When(e.created, e.tz))) for e in state.of_kind("objective")}
    assert done["Implement fix"] == ("done", "2025-01-15T14:30:00Z")  # the entry keeps its time, changes status
    assert done["Add regression test"][0] == "done"  # the change made in the session stays
    assert [e.text for e in state.of_kind("next")][-1] == "Write the changelog"
    ref = "refs/sessions/fix-sweep-trigger-852cbc2c73/fhtvfwpr0m5tsrjqbr7d34j5vk"
    log = git(repo, "log", "--format=%ad %s", "--date=iso-strict", ref, "-4")
    assert log.splitlines() == [  # each change at the time the file gives it
        "2025-01-15T14:30:00+00:00 import: Fix Sweep Trigger Bug",  # the handoff of the session it completed
        "2025-01-15T14:30:00+00:00 import: Fix Sweep Trigger Bug",  # the record of the import: at `updated`
        "2025-01-16T09:30:00+00:00 import: Fix Sweep Trigger Bug",
        "2025-01-16T09:00:00+00:00 import: Fix Sweep Trigger Bug",
    ]


def test_format_can_be_forced(repo: Path, files: Path) -> None:
    out = ok(repo, "import", "--format", "cline", "imp/md/20251102-resume-unicode-crlf.md")
    assert "(cline)" in out


HOSTILE = {
    "billion-laughs.md": "7: front matter: more than 20000 values once its aliases are expanded",
    "python-object.md": "4: front matter: the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
    "deep-nesting.md": "3: front matter: nested more than 32 deep",
    "bad-yaml.md": "5: front matter: not valid YAML: did not find expected ',' or ']'",
    "unclosed-front-matter.md": "1: the front matter is not closed by a '---' line",
    "bad-date.md": "4: front matter: created 'last tuesday' is not a date and time",
    "bad-status.md": "3: status 'exploding' is none this reader knows",
    "not-utf8.md": "5: not valid UTF-8",
    "not-a-session.md": "1: not a session file of a format this reader knows (md, execplan, cline)",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_and_malformed_files_get_one_line_and_write_nothing(repo: Path, files: Path, name: str) -> None:
    result = run(repo, "import", f"imp/hostile/{name}")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"git-session: imp/hostile/{name}:{HOSTILE[name]}; nothing imported from it\n"
    assert session_refs(repo) == []


def test_a_bad_file_among_good_ones_is_named_and_the_others_imported(repo: Path, files: Path) -> None:
    result = run(repo, "import", "imp/hostile/python-object.md", "imp/md/fix-sweep-bug-abc123.md")
    assert result.exit_code == 1
    assert result.stderr == (
        "git-session: imp/hostile/python-object.md:4: front matter: the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system' is not allowed; nothing imported from it\n"
    )
    assert result.stdout.startswith("imp/md/fix-sweep-bug-abc123.md (md): session fhtvfwpr0m5t")


def test_a_10_mb_file_is_refused_unread(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = repo / "big.md"
    with open(big, "wb") as handle:
        handle.truncate(10 * 1024 * 1024)
    monkeypatch.setattr(sessionfile, "decode", _never)
    result = run(repo, "import", "big.md")
    assert result.stderr == "git-session: big.md: 10485760 bytes, more than the 1048576 a session file may have\n"
    assert result.exit_code == 1


def test_yaml_bombs_and_tags_are_refused_before_anything_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml, "load", _never)
    for name in ("billion-laughs.md", "python-object.md", "deep-nesting.md"):
        text = (FIXTURES / "hostile" / name).read_text()
        with pytest.raises(safeyaml.YamlProblem):
            safeyaml.load(text.split("---\n")[1])


def test_a_few_aliases_are_fine() -> None:
    assert safeyaml.load("base: &b {a: 1}\nother: *b\n") == {"base": {"a": 1}, "other": {"a": 1}}


def test_export_output(repo: Path, files: Path) -> None:
    ok(repo, "import", "imp/md/20251102-resume-unicode-crlf.md")
    session = str(importing.derived_id("path", "imp/md/20251102-resume-unicode-crlf.md"))
    assert ok(repo, "export", session[:8], "-o", "out.md") == "Wrote out.md\n"
    assert (repo / "out.md").read_text() == ok(repo, "export", session[:8])
    assert ok(repo, "export", session[:8]) == (
        "---\n"
        f"id: {session}\n"
        "title: Résumé parsing — unicode edge cases\n"
        "status: handoff\n"
        "git_branch: main\n"
        "model: claude-sonnet\n"
        "created: '2025-11-02T09:00:00Z'\n"
        "updated: '2025-11-02T11:30:00Z'\n"
        "Author: Resonance 7 Agent\n"
        "Description: Fix résumé import for non-Latin names\n"
        "---\n"
        "\n"
        "# Session: Résumé parsing — unicode edge cases\n"
        "\n"
        "## TL;DR\n"
        "\n"
        "Names in 日本語 and Ελληνικά now survive the import.\n"
        "\n"
        "## Decisions\n"
        "\n"
        "- Normalize to NFC before comparing names (2025-11-02T11:30:00Z)\n"
        "- Keep the original bytes for display (2025-11-02T11:30:00Z)\n"
        "\n"
        "## Next Steps\n"
        "\n"
        "### High Priority\n"
        "\n"
        "- [ ] Handle right-to-left names (2025-11-02T11:30:00Z)\n"
        "\n"
        "### Low Priority\n"
        "\n"
        "- [ ] Benchmark the NFC pass (2025-11-02T11:30:00Z)\n"
        "\n"
        "## Sources\n"
        "\n"
        "- https://unicode.org/reports/tr15/ (2025-11-02T11:30:00Z)\n"
        "- docs/names.md (2025-11-02T11:30:00Z)\n"
        "\n"
        "## Deliverables & Metrics\n"
        "\n"
        "- `parser/names.py` rewritten\n"
        "- 42 new tests\n"
    )


def _never(*args: object, **kwargs: object) -> Any:
    raise AssertionError("must not be reached")


def test_a_value_the_store_would_refuse_is_refused_before_anything_is_written(repo: Path) -> None:
    (repo / "s.md").write_text('---\ntitle: t\n---\n\n## Next Steps\n- one\n- two\n  `priority`: "urgent"\n')
    result = run(repo, "import", "s.md")
    assert (
        result.stderr == "git-session: s.md:7: next 'two': priority: unknown value 'urgent'; nothing imported from it\n"
    )
    assert session_refs(repo) == []


@pytest.mark.slow
def test_more_items_of_one_time_than_a_commit_holds(repo: Path) -> None:
    steps = "".join(f"- [ ] step {i}\n" for i in range(1200))
    (repo / "s.md").write_text(f"---\ntitle: many\nupdated: 2025-01-01T00:00:00Z\n---\n\n## Progress\n{steps}")
    assert (
        ok(repo, "import", "s.md")
        == f"s.md (md): session {importing.derived_id('path', 's.md')[:12]} 'many' created with 1200 entries\n"
    )
    assert len(state_of(repo, importing.derived_id("path", "s.md")).of_kind("objective")) == 1200


def test_a_stored_time_no_date_stands_for_is_refused_not_a_crash() -> None:
    from git_session.fold import fold
    from git_session.model import Op
    from git_session.store import new_id

    session = new_id()
    for at, tz in ((2**40, "+0000"), (0, "+9999")):
        state = fold([Op(session, 1, at, tz, "A <a@x>", "create", {"fields": {"title": "t"}})])
        with pytest.raises(UserError, match="holds a time or time zone no date can be written for"):
            sessionfile.render(state, "md")
