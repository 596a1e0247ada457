"""The secret scanner run before a push: what it finds, what it leaves alone, and how it masks.

Sample credentials are assembled at run time from a prefix and deterministic random
characters, so that no credential-shaped literal sits in this file for a scanner (ours,
or a forge's push protection) to trip on.
"""

from __future__ import annotations

import functools
import random
import subprocess
import sys
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_session.secrets import Finding, scan

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
BASE64 = ALNUM + "+/"
LOWER_HEX = "0123456789abcdef"


def chars(alphabet: str, n: int, seed: str = "") -> str:
    """n characters drawn from the alphabet, the same on every run."""
    return "".join(random.Random(f"{alphabet}/{n}/{seed}").choices(alphabet, k=n))


AWS_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"  # AWS's documented example: detect-secrets reports it like any other
GITHUB_TOKEN = "ghp" + "_" + chars(ALNUM, 36)
SLACK_TOKEN = "xoxb" + "-263594206564-2343594206574-" + chars(ALNUM, 24)
BASE64_SECRET = chars(BASE64, 40)
RSA_KEY = "\n".join(
    ["-----BEGIN RSA PRIVATE KEY-----", *(chars(BASE64, 64, str(i)) for i in range(4)), "-----END RSA PRIVATE KEY-----"]
)
OPENSSH_KEY = "\n".join(
    [
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        *(chars(BASE64, 70, str(i)) for i in range(3)),
        "-----END OPENSSH PRIVATE KEY-----",
    ]
)
JWT = ".".join(
    [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ]
)

# One line per detect-secrets plugin in use, by class name: the line and the kind reported.
SAMPLES: dict[str, tuple[str, str]] = {
    "ArtifactoryDetector": ("artifactory key " + "AKC" + chars(ALNUM, 70) + " for CI", "Artifactory Credentials"),
    "AWSKeyDetector": (f"export AWS_ACCESS_KEY_ID={AWS_KEY_ID}", "AWS Access Key"),
    "AzureStorageKeyDetector": (
        "AccountName=dev;AccountKey=" + chars(BASE64, 86) + "==",
        "Azure Storage Account access key",
    ),
    "BasicAuthDetector": (
        "cloned https://alice:" + chars(ALNUM, 12) + "@git.example.com/org/repo.git",
        "Basic Auth Credentials",
    ),
    "CloudantDetector": (
        'cloudant_password = "' + chars("abcdefghijklmnopqrstuvwxyz", 24) + '"',
        "Cloudant Credentials",
    ),
    "DiscordBotTokenDetector": (
        "bot " + "M" + chars(ALNUM, 23) + "." + chars(ALNUM, 6) + "." + chars(ALNUM, 27),
        "Discord Bot Token",
    ),
    "GitHubTokenDetector": (f"push with {GITHUB_TOKEN} for now", "GitHub Token"),
    "GitLabTokenDetector": ("token " + "glpat" + "-" + chars(ALNUM, 20), "GitLab Token"),
    "IbmCloudIamDetector": ('ibm_cloud_iam_api_key = "' + chars(ALNUM, 44) + '"', "IBM Cloud IAM Key"),
    "IbmCosHmacDetector": ('cos_secret_access_key = "' + chars(LOWER_HEX, 48) + '"', "IBM COS HMAC Credentials"),
    "JwtTokenDetector": (f"Authorization: Bearer {JWT}", "JSON Web Token"),
    "MailchimpDetector": ("mailchimp " + chars(LOWER_HEX, 32) + "-us12", "Mailchimp Access Key"),
    "NpmDetector": ("//registry.npmjs.org/:_authToken=" + "npm" + "_" + chars(ALNUM, 36), "NPM tokens"),
    "OpenAIDetector": ("sk" + "-" + chars(ALNUM, 20) + "T3Blbk" + "FJ" + chars(ALNUM, 20, "2"), "OpenAI Token"),
    "PrivateKeyDetector": (RSA_KEY, "Private Key"),
    "PypiTokenDetector": ("pypi" + "-AgEIcHlwaS5vcmc" + chars(ALNUM, 80), "PyPI Token"),
    "SendGridDetector": ("SG" + "." + chars(ALNUM, 22) + "." + chars(ALNUM, 43), "SendGrid API Key"),
    "SlackDetector": (f"bot token {SLACK_TOKEN}", "Slack Token"),
    "SoftlayerDetector": (
        'softlayer_api_key = "' + chars("abcdefghijklmnopqrstuvwxyz0123456789", 64) + '"',
        "SoftLayer Credentials",
    ),
    "SquareOAuthDetector": ("sq0csp" + "-" + chars(ALNUM, 43), "Square OAuth Secret"),
    "StripeDetector": ("sk" + "_live_" + chars(ALNUM, 24), "Stripe Access Key"),
    "TelegramBotTokenDetector": ("bot 123456789" + ":" + chars(ALNUM, 35), "Telegram Bot Token"),
    "TwilioKeyDetector": ("twilio " + "SK" + chars(LOWER_HEX, 32), "Twilio API Key"),
    "KeywordDetector": ('set password = "hunter2" in the staging config', "Secret Keyword"),
}
# Plugins the scanner leaves out: IPv4 addresses are no secrets, and the entropy plugins
# want quoted strings (the scanner's own entropy check replaces them).
EXCLUDED = {"IPPublicDetector", "Base64HighEntropyString", "HexHighEntropyString"}

# What sessions are full of.
SESSION_LINES = [
    "decided to rotate the password policy",
    "Decision: don't store the password; it's the key decision for the secret store.",
    'Renamed `secret_key` to "signing key" in the docs.',
    "Keep all pygit2 access behind one small module (see src/git_session/handoff.py).",
    "fixed in 3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b, reverted by 8e7d6c5",
    "sha256 repo: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "range 3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b..8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d",
    "session 01jd5m3k2q8x7v9w4t6r1y0zab supersedes 01JD5M3K2Q8X7V9W4T6R1Y0ZAC",
    "refs/sessions/01jd5m3k2q8x7v9w4t6r1y0zab/decisions/01jd5m3k2q8x7v9w4t6r1y0zac",
    "request 0f8fad5b-d9cb-469f-a165-70867728950e, job run-7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "review https://github.com/org/repo/pull/123 and https://github.com/PyCQA/bandit/pull/12345",
    "https://github.com/org/repo/blob/3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b/src/git_session/store.py#L10",
    "https://stackoverflow.com/questions/12345678/how-to-parse-git-trailers-in-python",
    "/usr/lib/python3.11/site-packages/detect_secrets/core/secrets_collection.py",
    "branch feature/ABC-1234-add-session-handoff-command, origin/feature/JIRA-4567-refactorStoreLayer",
    "class MyVeryLongClassNameForTesting2024 extends HTTPSConnectionPool2Manager",
    "test_secrets_are_masked_in_findings is a long name",
    "ghcr.io/org/git-session:v0.1.0-rc1 built from python3.11-venv-x86_64-linux-gnu",
]
# Harmless too, but long or odd enough to be looked at closely.
ODD_LINES = [
    "internationalization and incomprehensibilities are long words",
    "TestHandoffRendererV2, Base64Encoder2Factory and CFStringGetCStringPtr are names",
    "backup-20240115T120000Z-full, build-1234567890-abcdef-XYZ",
    "the server's certificate, public:\n-----BEGIN CERTIFICATE-----\n"
    + "\n".join(chars(BASE64, 64, str(i)) for i in range(3))
    + "\n-----END CERTIFICATE-----",
]
HARMLESS = SESSION_LINES + ODD_LINES


def kinds(findings: list[Finding]) -> list[str]:
    return [f.what for f in findings]


# --- what it finds ---------------------------------------------------------------------------


def test_an_aws_access_key_id() -> None:
    assert scan([("s", f"the CI used {AWS_KEY_ID} until today")]) == [Finding("s", "AWS Access Key", "AKIA…")]


@pytest.mark.parametrize("block", [RSA_KEY, OPENSSH_KEY], ids=["rsa", "openssh"])
def test_a_private_key_block_is_one_finding(block: str) -> None:
    """The base64 body of the block is the key's, not a list of high-entropy strings."""
    text = f"pasted by mistake:\n{block}\nthen removed"
    assert kinds(scan([("s", text)])) == ["Private Key"]


def test_a_github_token_is_reported_once_as_a_github_token() -> None:
    """The plugin reports only the "ghp" prefix; the finding is about the whole token, and the entropy
    check does not report it a second time."""
    assert scan([("s", f"use {GITHUB_TOKEN} to push")]) == [Finding("s", "GitHub Token", "ghp_…")]


def test_a_slack_token() -> None:
    assert scan([("s", f"bot token: {SLACK_TOKEN}")]) == [Finding("s", "Slack Token", "xoxb…")]


def test_a_slack_webhook() -> None:
    hook = "https://hooks.slack.com/services/T" + chars(ALNUM, 8) + "/B" + chars(ALNUM, 10) + "/" + chars(ALNUM, 24)
    assert scan([("s", f"alerts go to {hook}")]) == [Finding("s", "Slack Token", "http…")]


def test_a_high_entropy_base64_string() -> None:
    findings = scan([("s", f"the signing key is {BASE64_SECRET} (rotated)")])
    assert findings == [Finding("s", "high-entropy string", BASE64_SECRET[:4] + "…")]


def test_a_high_entropy_hex_string_of_32_characters() -> None:
    assert kinds(scan([("s", f"api key {chars(LOWER_HEX, 32)}")])) == ["high-entropy string"]


def test_a_high_entropy_string_in_a_url_path() -> None:
    """Capability URLs carry their secret in the path."""
    assert kinds(scan([("s", f"https://hooks.example.com/services/{BASE64_SECRET.replace('/', 'x')}")])) == [
        "high-entropy string"
    ]


def test_a_quoted_password_assignment() -> None:
    assert scan([("s", 'password = "hunter2"')]) == [Finding("s", "Secret Keyword", "hu…")]


@functools.cache
def shipped_regex_plugins() -> frozenset[str]:
    """The regex-based plugins of the installed detect-secrets, by class name."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    classes: Iterable[type] = get_mapping_from_secret_type_to_class().values()
    return frozenset(c.__name__ for c in classes if issubclass(c, RegexBasedDetector))


@pytest.mark.parametrize("plugin", sorted(SAMPLES))
def test_every_plugin_in_use_finds_its_sample(plugin: str) -> None:
    if plugin != "KeywordDetector" and plugin not in shipped_regex_plugins():
        pytest.skip(f"{plugin} is not in this release of detect-secrets")
    line, kind = SAMPLES[plugin]
    assert kind in kinds(scan([("s", line)]))


def test_every_regex_plugin_of_detect_secrets_is_in_use_or_excluded() -> None:
    """A new plugin in a new release of detect-secrets needs a sample here (and a look at the
    scanner's pre-filter, which must let its lines through)."""
    assert shipped_regex_plugins() - EXCLUDED <= set(SAMPLES)


# --- what it leaves alone ------------------------------------------------------------------


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text(text: str) -> None:
    assert scan([("s", text)]) == []


def test_random_looking_strings_shorter_than_the_thresholds() -> None:
    """Base64-like tokens under 20 characters and hex under 32 are not reported."""
    assert scan([("s", f"short {chars(BASE64, 19)} and hex {chars(LOWER_HEX, 31)}")]) == []


def test_a_public_ip_address_is_not_a_secret() -> None:
    assert scan([("s", "deployed to 203.0.113.7:8080 behind the proxy")]) == []


# --- masking, labels, lines ----------------------------------------------------------------


@pytest.mark.parametrize("plugin", sorted(SAMPLES))
def test_an_excerpt_never_reveals_the_secret(plugin: str) -> None:
    line, _ = SAMPLES[plugin]
    for finding in scan([("s", line)]):
        assert finding.excerpt.endswith("…")
        assert len(finding.excerpt) <= 5
        assert "\n" not in finding.excerpt


def test_a_short_secret_shows_fewer_characters() -> None:
    assert [f.excerpt for f in scan([("s", "pwd: 'abc123'"), ("t", 'secret = "x1"')])] == ["ab…", "…"]


def test_labels_are_carried_through_in_order() -> None:
    items = [
        ("session a decision 1", "nothing here"),
        ("session b note 2", AWS_KEY_ID),
        ("session c next 3", SLACK_TOKEN),
    ]
    assert [(f.where, f.what) for f in scan(items)] == [
        ("session b note 2", "AWS Access Key"),
        ("session c next 3", "Slack Token"),
    ]


def test_one_finding_per_label_and_secret() -> None:
    text = f"{AWS_KEY_ID} and again {AWS_KEY_ID}\nand on the next line {AWS_KEY_ID}"
    findings = scan([("a", text), ("b", text)])
    assert [(f.where, f.what) for f in findings] == [("a", "AWS Access Key"), ("b", "AWS Access Key")]


def test_multi_line_texts_are_scanned_line_by_line() -> None:
    text = f"Objective: ship the scanner\r\nDecision: keep it small\n\nNote: {SLACK_TOKEN}\nNext: {GITHUB_TOKEN}"
    assert kinds(scan([("s", text)])) == ["Slack Token", "GitHub Token"]


def test_a_secret_split_across_lines_is_not_joined() -> None:
    assert scan([("s", f"{AWS_KEY_ID[:10]}\n{AWS_KEY_ID[10:]}")]) == []


def test_no_items_no_findings() -> None:
    assert scan([]) == []


def test_pathological_tokens_are_scanned_without_backtracking() -> None:
    """Long runs that the name check parses word by word: each is a finding or not, quickly."""
    long_lower = chars("abcdefghijklmnopqrstuvwxyz0123456789", 5000)
    camel = "Ab" * 5000
    assert kinds(scan([("s", f"{long_lower} {camel} {'A' * 5000}")])) == ["high-entropy string"]


@settings(derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.text(max_size=20), st.text(max_size=300)), max_size=5))
def test_any_text_is_scanned_and_excerpts_stay_masked(items: list[tuple[str, str]]) -> None:
    labels = {label for label, _ in items}
    for finding in scan(items):
        assert finding.where in labels
        assert finding.excerpt.endswith("…") and len(finding.excerpt) <= 5


# --- the cost -------------------------------------------------------------------------------


def test_harmless_texts_do_not_import_detect_secrets() -> None:
    """Importing detect-secrets costs about 0.1 s: only a suspect line pays for it."""
    code = (
        "import sys\n"
        "from git_session.secrets import scan\n"
        f"assert scan([('s', t) for t in {SESSION_LINES!r}]) == []\n"
        "print('detect_secrets' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "False\n"
