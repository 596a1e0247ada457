"""The scanner's prose forms: a colon (or "=", " -") after the credential's name or its
verb still gives a value; the name of a scheme, an algorithm or an encoding is none."""

from __future__ import annotations

import pytest

from git_session import secrets
from tests.test_sweep21 import HEX40, HEX64


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("the password is: hunter2x", "hunter2x"),
        ("passwd was: x9Kq2.", "x9Kq2"),
        ("the staging passwd was - Zq8vT3mW9", "Zq8vT3mW9"),
        ('the password was: "hunter2x"', "hunter2x"),
        ("the token is now = a1b2c3d4", "a1b2c3d4"),
        (f"API key: {HEX40}", HEX40),
        (f"the secret is: {HEX64}", HEX64),
        ("passwd: s3cr3t!", "s3cr3t!"),  # one finding: the assignment's, not also the prose's "s3cr3t"
        ("the password is Summer2024", "Summer2024"),  # a word and a number: no scheme's name
    ],
)
def test_a_credential_after_a_colon_in_prose_is_found(text: str, secret: str) -> None:
    (found,) = secrets.scan([("note", text)])
    assert found.fingerprint == secrets.fingerprint(found.what, secret)
    assert secret not in secrets.masked(text)[0]


@pytest.mark.parametrize(
    "text",
    [
        "the secret is OAuth2",
        "the secret is: OAuth2.0",
        "the token is Base64url, the password is Base64",
        "tokens are signed with HS256; the token is RS256",
        "the secret is: SHA256",
        "password=Argon2id",
        "token: ES384",
        "the keys are Ed25519, the secret is x509",
        "the password is: required",
        f"signing key: {HEX40.upper()}",
        f"cache key: {HEX40}",
    ],
)
def test_a_scheme_named_in_prose_is_no_credential(text: str) -> None:
    assert secrets.scan([("note", text)]) == []


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("the password is Kerberos2024", "Kerberos2024"),
        ("DB_PASSWORD=Tls12345", "Tls12345"),
        ("password=Kerberos2024", "Kerberos2024"),
        ("api_key = Oauth12345", "Oauth12345"),
        ("the token is Jwt2024", "Jwt2024"),
        ("password: X12345k", "X12345k"),
        ("the password is: Http2023", "Http2023"),
    ],
)
def test_a_password_made_of_a_schemes_word_and_a_number_is_still_found(text: str, secret: str) -> None:
    """A scheme's name is its word and one of its versions (OAuth2, TLS1.3, x509), not its
    word and any number: "Kerberos2024" is a password, as main's scanner found."""
    (found,) = secrets.scan([("note", text)])
    assert found.fingerprint == secrets.fingerprint(found.what, secret)
