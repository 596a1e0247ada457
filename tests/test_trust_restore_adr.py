"""`end --adr DIR` writes the ADRs before it ends the session, all or nothing, and `adr`
writes them for any session, ended ones too (issue 9, item 15)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import as_json, fails, make_repo, ok
from tests.test_trust_restore import read_only

RECORDS = ["0001-use-the-pkce-flow.md", "0002-keep-sessions-server-side.md"]


def decided(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path)
    ok(repo, "start", "Auth rewrite")
    ok(repo, "decision", "add", "Use the PKCE flow", "--rationale", "no secret in the app")
    ok(repo, "decision", "add", "Keep sessions server-side")
    return repo


def status(repo: Path) -> str:
    return str(as_json(repo, "show")["status"])


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def repo_template(repo: Path, name: str, text: str) -> None:
    folder = repo / ".git-session/templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_a_read_only_folder_ends_nothing_and_the_command_can_be_run_again(tmp_path: Path) -> None:
    repo = decided(tmp_path)
    folder = tmp_path / "adr"
    folder.mkdir()
    with read_only(folder):
        err = fails(repo, "end", "--adr", str(folder))
    assert err.startswith(f"git-session: cannot write an ADR in {folder}: ")
    assert len(err.splitlines()) == 1
    assert status(repo) == "active" and names(folder) == []

    out = ok(repo, "end", "--adr", str(folder))

    assert names(folder) == RECORDS and status(repo) == "handoff"
    assert out.endswith(f"Wrote {folder / RECORDS[0]}\nWrote {folder / RECORDS[1]}\n")


def test_a_template_error_in_any_record_writes_none_and_ends_nothing(tmp_path: Path) -> None:
    repo = decided(tmp_path)
    repo_template(repo, "adr.md.j2", "# {{ number }}. {{ decision.text }}\n{% if number > 1 %}{{ nope }}{% endif %}\n")
    folder = tmp_path / "adr"

    err = fails(repo, "end", "--adr", str(folder))

    template = repo / ".git-session/templates/adr.md.j2"
    assert err == f"git-session: template {template} failed: 'nope' is undefined\n"
    assert status(repo) == "active" and names(folder) == []  # not even the first record, nor a temporary file


def test_adrs_of_an_ended_session(tmp_path: Path) -> None:
    repo = decided(tmp_path)
    ok(repo, "end")
    short = as_json(repo, "show")["id"][:4]
    folder = tmp_path / "adr"

    err = fails(repo, "end", "--complete", "--adr", str(folder))
    assert err == (
        f"git-session: session {short} is handoff; cannot make it completed\n"
        f"hint: to write its ADRs: git session adr {short} --dir {folder}\n"
    )
    assert not folder.exists()

    out = ok(repo, "adr", short, "--dir", str(folder))

    assert out == f"Wrote {folder / RECORDS[0]}\nWrote {folder / RECORDS[1]}\n"
    assert (folder / RECORDS[0]).read_text().startswith("# 1. Use the PKCE flow\n")
    ok(repo, "adr", "--session", short, "--dir", str(folder))  # again: new numbers, nothing overwritten
    assert names(folder) == [*RECORDS, "0003-use-the-pkce-flow.md", "0004-keep-sessions-server-side.md"]
    assert (folder / RECORDS[0]).read_text().startswith("# 1. Use the PKCE flow\n")


def test_when_ending_fails_after_the_adrs_were_written_it_says_so(tmp_path: Path) -> None:
    repo = decided(tmp_path)
    repo_template(repo, "handoff.md.j2", "{{ broken }}\n")
    folder = tmp_path / "adr"
    short = as_json(repo, "show")["id"][:4]

    err = fails(repo, "end", "--adr", str(folder))

    template = repo / ".git-session/templates/handoff.md.j2"
    assert err == (
        f"git-session: wrote 2 ADR(s) in {folder}, but ending session {short} failed: "
        f"template {template} failed: 'broken' is undefined\n"
        "hint: the ADRs are written: end the session again without --adr\n"
        "hint: end it without a handoff: git session end --no-handoff\n"
    )
    assert names(folder) == RECORDS and status(repo) == "active"
    ok(repo, "end", "--no-handoff")
    assert status(repo) == "handoff" and names(folder) == RECORDS
