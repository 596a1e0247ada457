"""Review of round 21's sweep: what its new secret patterns, reflog rewrite and import
checks got wrong."""

from __future__ import annotations

import pytest

from git_session import secrets

HEX40 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"


@pytest.mark.parametrize(
    "text",
    [
        "the token is JWT-based",
        "the secret is HMAC-SHA256",
        "the token is HS256-signed",
        "Passwords are bcrypt-hashed (cost 12)",
        "password is SHA-1 hashed",
        "the secret is AES-256",
        "secret is base64-encoded",
        "the token is per-user",
        "the token is 1-time use",
        "secrets are 2-way encrypted",
        "the password was reset-to-default",
        "the token is Bearer-type",
        "token was changed to refreshToken",
        f"cache key {HEX40}",
        f"the sort key was {HEX40}",
        f"primary key {HEX40}",
        f"fixed the key {HEX40} regression",
        f"keys {HEX40} and 1234",
    ],
)
def test_prose_about_credentials_and_keys_that_are_object_ids_are_no_finding(text: str) -> None:
    """Round 21's prose and hex patterns reported what code review says of credentials
    (a value made of words, a name in code) and a 40-hex id after any "key" (a cache's,
    a sort's, a table's: in a git tool, a commit id); a push stopped on each."""
    assert secrets.scan([("note", text)]) == []
