"""Review of push16 (round 16): what the lazy ``requests`` of the secret scan leaves in
the process, the memo of short texts, and what a push decides from the remote's copies."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from git_session import secrets, sharing
from git_session.gitrepo import Repo
from tests.helpers import git, ok, session_refs
from tests.test_i14_push_cost import no_findings
from tests.test_i14_share import sessions_on_branches
from tests.test_sharing import two_clones

AFTER_A_KEYWORD_SCAN = textwrap.dedent(
    """
    import importlib.util, sys
    from git_session import secrets
    found = secrets.scan([("a note", 'password = "hunter2x"')])  # the keyword plugin only
    print([(f.what, f.excerpt) for f in found])
    print(importlib.util.find_spec("requests") is not None)
    import requests.adapters
    import requests
    print(requests.adapters.HTTPAdapter is sys.modules["requests.sessions"].HTTPAdapter)
    print(isinstance(requests.Session().get_adapter("https://example.com"), requests.adapters.HTTPAdapter))
    """
)


def test_a_scan_leaves_requests_importable_as_itself_in_the_process() -> None:
    """The stand-in for ``requests`` stayed in ``sys.modules`` after a scan that needed the
    keyword plugin only: in a long-running process (the MCP server) ``find_spec`` then
    raised ``ValueError: requests.__spec__ is None``, and ``import requests.adapters``
    loaded that module a second time (its ``HTTPAdapter`` not the one sessions use)."""
    result = subprocess.run([sys.executable, "-c", AFTER_A_KEYWORD_SCAN], capture_output=True, text=True)

    assert (result.returncode, result.stdout) == (0, "[('Secret Keyword', 'hu…')]\nTrue\nTrue\nTrue\n"), result.stderr


def test_a_secret_met_again_under_other_labels_is_found_under_each_after_the_memo() -> None:
    """The memo of short texts: the same secret in two places and a longer text holding it
    (not remembered) are each reported, with the same fingerprint."""
    secret = 'token = "Zx9Qw3Lp0Rt7Vb2Nm5Kd8Hs1"'
    long_text = "words\n" * 200 + secret
    found = secrets.scan([("a", secret), ("b", long_text), ("a", secret), ("c", secret), ("b", long_text)])

    assert [f.where for f in found] == ["a", "b", "c"]
    assert len({f.fingerprint for f in found}) == 1


def test_a_copy_that_is_a_symbolic_ref_is_replaced_and_the_session_it_names_left_alone(tmp_path: Path) -> None:
    """The copies are recorded by ``update-ref --stdin``, which writes through a symbolic
    ref: a copy made one (by hand) pointing at another session had the push overwrite
    that local session ref with the tip of the session pushed (its history lost from refs)."""
    _, alice, _ = two_clones(tmp_path)
    sessions_on_branches(alice, 2)
    repo = Repo.discover(str(alice))
    remote = sharing.resolve_remote(repo, None)
    sharing.push(repo, remote, no_findings)
    first, last = session_refs(alice)  # the note below goes to the session of the last branch
    ok(alice, "note", "a later note")
    git(alice, "symbolic-ref", remote.copy_ref(last), first)
    tips = {ref: git(alice, "rev-parse", ref).strip() for ref in (first, last)}

    report = sharing.push(repo, remote, no_findings)

    assert report.pushed == [last]
    assert {ref: git(alice, "rev-parse", ref).strip() for ref in (first, last)} == tips
    copies = git(alice, "for-each-ref", "--format=%(refname) %(objectname) %(symref)", remote.sessions_prefix)
    assert copies.splitlines() == [f"{remote.copy_ref(first)} {tips[first]} ", f"{remote.copy_ref(last)} {tips[last]} "]
