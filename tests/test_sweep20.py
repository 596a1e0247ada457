"""Round 20's adversarial review of untrusted-data paths (sweep20): files from another
tool (``import``), a teammate's fetched sessions, and what redaction leaves behind."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import as_json, fails, git, make_repo_with_remote, make_two_clones, ok, run, session_refs


def _session_file(path: Path, session_id: str, branch: str | None) -> Path:
    named = f"git_branch: {branch}\n" if branch else ""
    path.write_text(f"---\nid: {session_id}\ntitle: From the file\n{named}---\n\n## Objectives\n- from the file\n")
    return path


def test_an_import_naming_an_existing_session_never_moves_it_to_another_branch(repo: Path, tmp_path: Path) -> None:
    """A file's git-session ``id`` is taken as it is: importing it updates that session. A
    ``git_branch`` other than the session's set its ``branch`` while its ref stayed filed
    under the old branch's key: ``list`` showed it on the other branch, where ``status``
    never found it, and every teammate's pull refused it ("filed under another branch")."""
    ok(repo, "start", "Mine")
    git(repo, "branch", "other")
    session_id = as_json(repo, "status")["id"]
    before = session_refs(repo)
    error = fails(repo, "import", str(_session_file(tmp_path / "s.md", session_id, "other")))
    assert "is not the branch of session" in error
    assert session_refs(repo) == before
    assert as_json(repo, "status")["title"] == "Mine"


def test_an_import_of_a_file_naming_no_branch_keeps_the_session_on_its_own(repo: Path, tmp_path: Path) -> None:
    """A file naming no branch is imported on the current one: imported again from another
    branch, it updates the session where it is filed, not on the branch checked out."""
    ok(repo, "start", "Mine")
    session_id = as_json(repo, "status")["id"]
    git(repo, "switch", "-q", "-c", "other")
    ok(repo, "import", str(_session_file(tmp_path / "s.md", session_id, None)))
    shown = as_json(repo, "show", session_id[:8])
    assert (shown["branch"], shown["title"]) == ("main", "From the file")
    assert [o["text"] for o in shown["objectives"]] == ["from the file"]


# --- documents printed on a terminal ----------------------------------------------------------

HOSTILE = "T\x1b]0;pwned\x07\x1b[2J\u009b31m\u202egnp.exe"  # a title, a screen wipe, a C1 CSI, a bidi override


def _on_a_terminal(repo: Path, *args: str) -> str:
    """What git-session writes to a terminal (its stdout a pseudo-terminal), as bytes read back."""
    master, slave = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    child = subprocess.Popen(
        [sys.executable, "-m", "git_session", *args], cwd=repo, stdout=slave, stderr=subprocess.PIPE, env=env
    )
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        out += chunk
    child.wait(timeout=60)
    os.close(master)
    assert child.returncode == 0, child.stderr.read() if child.stderr else ""
    return out.decode("utf-8", "replace")


@pytest.mark.parametrize(
    "args",
    [
        ["export"],
        ["export", "--format", "execplan"],
        ["status", "--json"],
        ["show", "--json"],
        ["brief", "--json"],
        ["handoff", "--format", "json"],
        ["report", "--format", "json"],
    ],
    ids=" ".join,
)
def test_a_document_or_json_on_a_terminal_holds_nothing_the_terminal_acts_on(repo: Path, args: list[str]) -> None:
    """A session's texts may hold anything (a teammate's, pulled): ``handoff`` and ``report``
    make control and bidi characters visible on a terminal, ``export`` printed them as they
    are, and ``--json`` (``ensure_ascii=False``) left C1 controls (U+009B: CSI) and bidi
    overrides raw. On a terminal JSON keeps them as its own escapes: the same JSON."""
    ok(repo, "start", HOSTILE, "-o", HOSTILE)
    shown = _on_a_terminal(repo, *args)
    for raw in ("\x1b", "\x07", "\u009b", "\u202e"):
        assert raw not in shown, (raw, shown)
    if "--json" in args or "json" in args:
        assert "\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202egnp.exe" in shown
        json.loads(shown[shown.index("{") if shown.lstrip().startswith("{") else shown.index("[") :])
    else:
        assert "T\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202egnp.exe" in shown


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_the_early_handoff_on_a_terminal_is_as_safe_as_the_command_and_json_stays_json(repo: Path, fmt: str) -> None:
    """``handoff`` answers early (``launch``) when its text holds no ESC: a C1 control or a
    bidi override was made visible there as ``\\x9b``, no JSON escape (``json.loads`` failed)."""
    ok(repo, "start", "plain\u009bx\u202ey")
    shown = _on_a_terminal(repo, "handoff", "--format", fmt)
    assert "\u009b" not in shown and "\u202e" not in shown
    if fmt == "json":
        assert json.loads(shown)["session"]["title"] == "plain\u009bx\u202ey"
    else:
        assert "plain\\x9bx\\u202ey" in shown


def test_config_shows_a_shared_files_control_characters_as_text(repo: Path) -> None:
    """``.git-session/config.yaml`` comes with every clone: ``config`` printed its values as
    they are (a title-setting OSC, a screen wipe, a bidi override), where every other
    command's human output shows a stored text through ``render.safe``."""
    (repo / ".git-session").mkdir()
    (repo / ".git-session" / "config.yaml").write_text('report.since: "x\\e]0;pwned\\a\\e[2J\\u202e"\n')
    for args in (["config"], ["config", "--show-origin"]):
        shown = ok(repo, *args)
        assert "report.since=x\\x1b]0;pwned\\x07\\x1b[2J\\u202e\n" in shown
        assert "\x1b" not in shown and "\u202e" not in shown


# --- what redaction leaves ------------------------------------------------------------------


def test_a_redacted_entry_leaves_no_trace_in_the_subject_of_a_commit_that_kept_other_operations(repo: Path) -> None:
    """``checkpoint -m LABEL --decision D`` is one commit, subject ``checkpoint: LABEL``.
    Redacting the checkpoint kept the decision and remade the commit with its old subject:
    the label it was redacted for stayed in the session's history (a push scans subjects:
    it stopped on it with nothing left to redact; a text no scanner knows left)."""
    label = "customer ACME-INTERNAL-4711 ledger"
    ok(repo, "start", "Work")
    ok(repo, "checkpoint", "-m", label, "--decision", "keep this decision")
    checkpoint_id = as_json(repo, "show")["checkpoints"][0]["id"]
    ok(repo, "redact", checkpoint_id[:8])
    (ref,) = session_refs(repo)
    assert "ACME-INTERNAL-4711" not in git(repo, "log", "--format=%B", ref)
    assert [d["text"] for d in as_json(repo, "show")["decisions"]] == ["keep this decision"]
    assert git(repo, "log", "-1", "--format=%s", ref) == "decision: keep this decision\n"


def test_the_pre_push_check_shows_where_a_secret_is_through_render_safe(tmp_path: Path) -> None:
    """``hook check-push`` (pre-push) printed each finding's place as it is: the path of a
    checkpoint's file, whose name may hold a terminal's escape sequences (its excerpt went
    through ``render.safe``; ``push`` itself shows both so)."""
    repo, _ = make_repo_with_remote(tmp_path)
    ok(repo, "start", "Work")
    (repo / "x\x1b]0;pwned\x07.env").write_text("AWS_KEY=" + "AKIA" + "J7Q2ZK5VWX3MPL4N\n")
    ok(repo, "checkpoint", "-m", "with the env file")
    (ref,) = session_refs(repo)
    tip = git(repo, "rev-parse", ref).strip()
    result = run(repo, "hook", "check-push", "origin", input=f"{ref} {tip} {ref} {'0' * 40}\n")
    assert "hold secrets" in result.stderr
    assert "x\\x1b]0;pwned\\x07.env" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


@pytest.mark.parametrize(
    ("decision", "in_trailer"),
    [
        ("Use vendor ACME-INTERNAL-4711", "Use vendor ACME-INTERNAL-4711"),
        # a trailer value never starts with a comment character (``trailers.one_line`` drops a
        # leading ``#``): the text searched for kept it, found nothing, and redact said nothing
        ("#4711: Use vendor ACME-INTERNAL-4711", "4711: Use vendor ACME-INTERNAL-4711"),
    ],
)
def test_redact_says_which_commits_quote_the_entry_in_their_trailers(
    repo: Path, decision: str, in_trailer: str
) -> None:
    """The commit hook writes objectives and decisions into the commits' trailers: redacting
    the decision took it out of the session and its notes, and said nothing of the commit
    message that still held it (its warnings named only the entries quoting it)."""
    ok(repo, "install")
    ok(repo, "start", "Work")
    ok(repo, "decision", "add", decision, "--rationale", "cheapest")
    git(repo, "commit", "-q", "--allow-empty", "-m", "work")
    commit = git(repo, "rev-parse", "HEAD").strip()
    assert f"Decisions: {in_trailer}" in git(repo, "log", "-1", "--format=%B")
    entry = as_json(repo, "show")["decisions"][0]["id"]
    result = run(repo, "redact", entry[:8])
    assert result.exit_code == 0, result.output
    assert (
        f"git-session: warning: the message of commit {commit[:12]} quotes it in its trailers: "
        "rewrite it before pushing its branch\n"
    ) in result.stderr


def test_a_session_field_the_store_refuses_is_named_with_its_file(repo: Path, tmp_path: Path) -> None:
    """A front matter value with a NUL (an ``agent``; a task in a list was not even checked)
    was refused as ``agent contains a NUL character``: with several files given, nothing
    said which one was left out."""
    bad = tmp_path / "bad.md"
    bad.write_text('---\ntitle: Bad\nagent: "a\\0b"\n---\n\n## Objectives\n- one\n')
    tasks = tmp_path / "tasks.md"
    tasks.write_text('---\ntitle: Tasks\ntask_ids: "A\\0B, C"\n---\n\n## Objectives\n- one\n')
    good = tmp_path / "good.md"
    good.write_text("---\ntitle: Good\n---\n\n## Objectives\n- one\n")
    result = run(repo, "import", str(bad), str(tasks), str(good))
    assert result.exit_code == 1
    assert result.stderr == (
        f"git-session: {bad}: agent contains a NUL character; nothing imported from it\n"
        f"git-session: {tasks}: tasks contains a NUL character; nothing imported from it\n"
    )
    assert [s["title"] for s in as_json(repo, "list", "--all")] == ["Good"]


def test_a_file_the_store_refuses_keeps_the_store_s_hint(repo: Path, tmp_path: Path) -> None:
    """One file given: its refusal named the file but dropped the store's hint (how to
    mend it), which every other command refusing the same text shows."""
    bad = tmp_path / "bad.md"
    bad.write_text('---\ntitle: Bad\nagent: "a\\0b"\n---\n\n## Objectives\n- one\n')
    result = run(repo, "import", str(bad))
    assert result.exit_code == 1
    assert f"git-session: {bad}: agent contains a NUL character; nothing imported from it\n" in result.stderr
    assert "take it out: git cannot keep it in a commit message" in result.stderr


def test_an_import_naming_a_teammate_s_fetched_session_continues_it(tmp_path: Path) -> None:
    """A file naming a session this clone knows only as a fetched copy made a history of
    its own under the teammate's id, sharing no commit with theirs: every later pull
    skipped the teammate's session, and the teammate's pull skipped ours."""
    _, alice, bob = make_two_clones(tmp_path)
    ok(alice, "start", "Shared", "-o", "Ship")
    ok(alice, "push")
    session = as_json(alice, "show")["id"]
    ok(bob, "fetch")
    plan = tmp_path / "plan.md"
    plan.write_text(f"---\nid: {session}\ntitle: Shared\n---\n\n## Decisions\n- Use SQLite\n")
    result = run(bob, "import", str(plan))
    assert result.exit_code == 0, result.output
    bob_ref = git(bob, "for-each-ref", "--format=%(refname)", "refs/sessions/").split()
    assert len(bob_ref) == 1
    alice_tip = git(alice, "rev-parse", bob_ref[0]).strip()
    git(bob, "merge-base", "--is-ancestor", alice_tip, bob_ref[0])  # fails the test when not
    ok(bob, "push")
    pulled = run(alice, "pull")
    assert pulled.exit_code == 0 and "skipped" not in pulled.output + pulled.stderr, pulled.output + pulled.stderr
    decisions = [d["text"] for d in as_json(alice, "show")["decisions"]]
    assert decisions == ["Use SQLite"]
