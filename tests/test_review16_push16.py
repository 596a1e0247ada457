"""Review of push16 (round 16): what the lazy ``requests`` of the secret scan leaves in
the process, the memo of short texts, and what a push decides from the remote's copies."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from git_session import secrets

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
