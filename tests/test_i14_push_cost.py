"""A push of new sessions (issue 14, "keep it" row, round 16): what it reads, runs and
imports, counted, never timed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from git_session import gitcli, secrets, sharing
from git_session.gitrepo import Repo
from tests.helpers import git, ok, recorded_calls, session_refs
from tests.test_i14_share import counting, sessions_on_branches
from tests.test_sharing import two_clones


def no_findings(texts: Iterable[tuple[str, str]]) -> list[secrets.Finding]:
    for _ in texts:
        pass
    return []


def test_what_leaves_is_decided_without_looking_up_each_remote_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The remote's copies are read with the session tips (one ``for-each-ref``): it looked
    each one up again, a missed lookup of a loose and a packed ref per session."""
    _, alice, _ = two_clones(tmp_path)
    sessions_on_branches(alice, 4)
    repo = Repo.discover(str(alice))
    remote = sharing.resolve_remote(repo, None)
    looked_up = counting(monkeypatch, Repo, "ref_target")

    leaving = sharing.Outgoing.of(repo, remote, ["refs/sessions/"])

    assert sorted(leaving.sessions) == session_refs(alice)
    assert not [ref for ref in looked_up if ref.startswith(remote.sessions_prefix)]


def test_a_push_still_hides_what_the_remote_holds_and_sends_only_the_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a push, a session that moved on leaves with its new commit only: the copy
    the push recorded hides the rest, read with the tips as it was looked up before."""
    _, alice, _ = two_clones(tmp_path)
    sessions_on_branches(alice, 2)
    repo = Repo.discover(str(alice))
    remote = sharing.resolve_remote(repo, None)
    assert len(sharing.push(repo, remote, no_findings).pushed) == 2
    (Path(repo.common_dir) / "git-session" / "pushed" / remote.key).unlink()  # only the copies say it now
    ok(alice, "note", "a later note")  # on the session of the last branch
    scanned: list[str] = []

    def scan(texts: Iterable[tuple[str, str]]) -> list[secrets.Finding]:
        scanned.extend(text for _, text in texts)
        return []

    report = sharing.push(repo, remote, scan)

    assert len(report.pushed) == 1
    assert "a later note" in scanned and not any(text.startswith("Work ") for text in scanned)


def test_the_copies_are_recorded_without_git_looking_for_refs_named_like_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``update-ref --stdin`` looks for a ref named like each id it reads (to warn that the
    name is ambiguous): a dozen lookups per line, most of what recording 1,000 copies
    cost. The push turns that warning off for that one command."""
    _, alice, _ = two_clones(tmp_path)
    sessions_on_branches(alice, 2)
    repo = Repo.discover(str(alice))
    remote = sharing.resolve_remote(repo, None)
    runs = recorded_calls(monkeypatch, gitcli, "run")

    sharing.push(repo, remote, no_findings)

    recorded = [args for (args,) in runs if "update-ref" in args]
    assert recorded == [["-c", "core.warnAmbiguousRefs=false", "update-ref", "--no-deref", "--stdin"]]
    copies = git(alice, "for-each-ref", "--format=%(objectname)", remote.sessions_prefix).split()
    assert sorted(copies) == sorted(git(alice, "rev-parse", *session_refs(alice)).split())


# --- the scan ----------------------------------------------------------------------------


def test_a_short_text_met_again_is_scanned_once_and_found_under_every_label(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every operation carries its author and agent: 1,000 sessions repeat a few texts
    tens of thousands of times. Each is scanned once; a finding still names every place."""
    scanned = counting(monkeypatch, secrets, "_scan_text")
    secret = 'password = "Zx9Qw3Lp0Rt7Vb2Nm5Kd8Hs1"'

    def texts() -> Iterator[tuple[str, str]]:
        for index in range(50):
            yield f"op {index} (author)", "Alice Example <alice@example.com>"
        yield "first", secret
        yield "second", secret

    found = secrets.scan(texts())

    assert sum(scanned.values()) == 2
    assert [(f.where, f.what) for f in found] == [("first", "Secret Keyword"), ("second", "Secret Keyword")]


def test_a_long_text_is_not_kept_for_its_repeats(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file's text can be megabytes: the scan keeps only short ones (a file met again is
    skipped before, by its blob)."""
    scanned = counting(monkeypatch, secrets, "_scan_text")
    long_text = "plain words\n" * 100

    secrets.scan([("one", long_text), ("two", long_text)])

    assert sum(scanned.values()) == 2


SCAN_IN_A_FRESH_PROCESS = textwrap.dedent(
    """
    import sys
    from git_session import secrets
    found = secrets.scan([("a note", 'password = "hunter2x"')])  # no long token: the keyword plugin only
    print([(f.what, f.excerpt) for f in found])
    print("urllib3" in sys.modules)
    import requests
    print(requests.exceptions.RequestException.__name__, "urllib3" in sys.modules)
    """
)


def test_the_keyword_plugin_does_not_import_requests_until_it_is_used() -> None:
    """detect-secrets imports ``requests`` (and urllib3, ssl, …) to verify secrets over the
    network, which the scan never does: most of its import time. It loads on first use."""
    result = subprocess.run([sys.executable, "-c", SCAN_IN_A_FRESH_PROCESS], check=True, capture_output=True, text=True)

    assert result.stdout == "[('Secret Keyword', 'hu…')]\nFalse\nRequestException True\n"


def test_every_plugin_still_finds_what_it_found() -> None:
    """The regex plugins (one of them names ``requests.Response`` as it is defined) load
    the real module, and find as before."""
    found = secrets.scan([("a line", "key AKIAIOSFODNN7EXAMPLE and ghp_abcdefghijklmnopqrstuvwxyz0123456789")])

    assert sorted(f.what for f in found) == ["AWS Access Key", "GitHub Token"]
