"""The secret scanner run before sessions are pushed: which session texts hold credentials.

Named kinds of credential (AWS keys, private key blocks, GitHub, GitLab, Slack and Stripe
tokens, JWTs, passwords in URLs, ``password = "…"`` assignments, …) are found by the
plugins of detect-secrets, called directly on each line. On top of them an entropy check
reports random-looking tokens no plugin names, and leaves alone what sessions are full of:
commit ids, ULIDs, UUIDs, names, paths, URLs and prose.

Importing detect-secrets costs about 0.1 s (it imports ``requests``), so it is imported on
first need, and only lines that could hold a credential reach its plugins: a line with a
long token that is not an id, a name or a path, or one with a marker such as ``PRIVATE
KEY``. Texts without such a line never import it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detect_secrets.plugins.base import BasePlugin

# Library plugins left out, by class name: public IPv4 addresses are not credentials
# (sessions name hosts), and the two high-entropy plugins only look inside quotes;
# the entropy check below replaces them.
_EXCLUDED = frozenset({"IPPublicDetector", "Base64HighEntropyString", "HexHighEntropyString"})

# Lines without a suspect token that reach the plugins anyway: what private key blocks
# and npm's .npmrc tokens look like (and passwords in URLs: "://" with "@").
_MARKERS = ("PRIVATE KEY", "PuTTY-User-Key-File", "_authToken")
# The costly plugins also need one of these substrings, in the line or in its lower-case
# copy: what their patterns require. Plugins not named here see every line that passes.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "ArtifactoryDetector": ("AKC", "AP"),
    "CloudantDetector": ("key", "pw", "pass", "token", "cloudant"),
    "IbmCloudIamDetector": ("key", "pw", "pass", "token"),
    "IbmCosHmacDetector": ("key",),
    "MailchimpDetector": ("-us",),
    "SoftlayerDetector": ("key", "pw", "pass", "token", "softlayer"),
}
# The keyword plugin (quotes required) needs a keyword and a quoted value beside an
# operator: "key: 'v'", 'pass = "v"', "pwd => 'v'", "'v' == secret" or "'v';".
_KEYWORD_STEMS = ("pass", "pwd", "secret", "key", "contrase")
_QUOTED_VALUE = re.compile(r"""[:=>]\s*["'`]|["'`]\s*[!=]{2}|["'`];""")

# Tokens: runs of base64, url-safe base64 and hex characters, so whitespace, quotes, "=",
# ":", ",", "." and "@" all end one. Ids are cut out of them: git object ids (SHA-1 and
# SHA-256), UUIDs and ULIDs, with no letter or digit on either side.
_MIN_TOKEN_LENGTH = 20
_TOKEN = re.compile(rf"[A-Za-z0-9+/_-]{{{_MIN_TOKEN_LENGTH},}}")
_MIN_ID_LENGTH = 26
_ID = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?"
    r"|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
    r"|[0-7][0-9a-hjkmnp-tv-zA-HJKMNP-TV-Z]{25})"
    r"(?![0-9A-Za-z])"
)
# Names are not secrets: words, in CamelCase or joined by "+", "_" or "-", and paths of
# names and short lower-case segments.
_PIECE_SEPARATOR = re.compile(r"[/+_-]")
_PATH_SEGMENT = re.compile(r"[a-z0-9_-]{0,19}")
_MIN_PIECE_LENGTH = 10
# Capitalised words, acronyms before one or at the end, short numbers. Each alternative
# takes a whole run, so a match never backtracks more than a few characters.
_CAMEL_CASE = re.compile(
    r"(?:[A-Z]{1,5}(?=[A-Z][a-z]|$)|[A-Z][a-z]{1,19}(?![a-z])|[a-z]{2,19}(?![a-z])|[0-9]{1,6}(?![0-9]))+"
)
# Random tokens: bits of Shannon entropy per character, and a random-looking piece.
_MIN_BASE64_BITS = 4.0
_MIN_HEX_LENGTH = 32
_MIN_HEX_BITS = 3.0
_HEX = re.compile(r"[0-9a-fA-F]+")
_WORD = re.compile(r"[A-Z]?[a-z]{3,}")
_WORDY = 0.5  # the share of a text in words that makes it wordy
_MIN_VOWELS = 0.25
_DIGITS = re.compile(r"[0-9]+")

_HIGH_ENTROPY = "high-entropy string"
_AROUND = r"[^\s\"'`]*"


@dataclass(frozen=True)
class Finding:
    """A secret in a text: where (the caller's label), what kind, and an excerpt that
    masks it."""

    where: str
    what: str
    excerpt: str


def scan(items: Iterable[tuple[str, str]]) -> list[Finding]:
    """Scan (label, text) pairs; texts may be multi-line. One Finding per (label, secret)."""
    found: dict[tuple[str, str], Finding] = {}
    for label, text in items:
        for what, secret in _scan_text(text):
            found.setdefault((label, secret), Finding(label, what, _mask(secret)))
    return list(found.values())


def _scan_text(text: str) -> Iterator[tuple[str, str]]:
    """(kind, secret) pairs, line by line. Inside an armoured block (a key, a certificate)
    only the plugins look: its base64 body belongs to the block."""
    armoured = False
    for line in text.splitlines():
        yield from _scan_line(line, entropy=not armoured)
        if "-----BEGIN " in line:
            armoured = True
        if "-----END " in line:
            armoured = False


def _scan_line(line: str, entropy: bool) -> Iterator[tuple[str, str]]:
    suspects = _suspects(line)
    named = list(_named_secrets(line, suspects))
    yield from named
    if entropy:
        for token in suspects:
            if _looks_random(token) and not any(token in secret for _, secret in named):
                yield _HIGH_ENTROPY, token


def _suspects(line: str) -> list[str]:
    """The line's tokens, ids cut out, that are long and not names."""
    suspects = []
    for token in _TOKEN.findall(line):
        for part in _ID.split(token) if len(token) >= _MIN_ID_LENGTH else (token,):
            if len(part) >= _MIN_TOKEN_LENGTH and not _is_name(part):
                suspects.append(part)
    return suspects


def _named_secrets(line: str, suspects: Sequence[str]) -> Iterator[tuple[str, str]]:
    """What detect-secrets' plugins report in the line, each widened to its whole token."""
    for plugin in _plugins_for(line, suspects):
        for value in sorted(set(plugin.analyze_string(line))):
            yield plugin.secret_type, _widen(line, value)


def _plugins_for(line: str, suspects: Sequence[str]) -> list[BasePlugin]:
    """The plugins that could match in the line: none for most lines of a session."""
    lower = line.lower()
    plugins: list[BasePlugin] = []
    if suspects or any(m in line for m in _MARKERS) or ("://" in line and "@" in line):
        for plugin, needles in _regex_plugins():
            if not needles or any(n in line or n in lower for n in needles):
                plugins.append(plugin)
    if _QUOTED_VALUE.search(line) and any(s in lower for s in _KEYWORD_STEMS):
        plugins.append(_keyword_plugin())
    return plugins


@lru_cache(maxsize=1)
def _regex_plugins() -> tuple[tuple[BasePlugin, tuple[str, ...]], ...]:
    """Every regex-based plugin detect-secrets ships, but the excluded ones, with its needles."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    classes: Iterable[type[BasePlugin]] = get_mapping_from_secret_type_to_class().values()
    wanted = [c for c in classes if issubclass(c, RegexBasedDetector) and c.__name__ not in _EXCLUDED]
    return tuple((c(), _NEEDLES.get(c.__name__, ())) for c in sorted(wanted, key=lambda c: c.__name__))


@lru_cache(maxsize=1)
def _keyword_plugin() -> BasePlugin:
    """The keyword plugin; called as is, it wants the value quoted, so prose passes."""
    from detect_secrets.plugins.keyword import KeywordDetector

    return KeywordDetector()


def _widen(line: str, value: str) -> str:
    """The longest stretch of the line around the value up to whitespace or quotes: some
    plugins report only part of a token (the GitHub one just "ghp")."""
    core = value.strip()
    around = re.compile(_AROUND + re.escape(core) + _AROUND)
    return max((m.group() for m in around.finditer(line)), key=len, default=core)


def _mask(secret: str) -> str:
    """The first four characters and "…"; fewer for a short secret, never all of it."""
    return secret[: min(4, len(secret) // 3)] + "…"


def _is_name(token: str) -> bool:
    """Words, or a path of words and short lower-case segments."""
    segments = token.split("/")
    in_path = len(segments) > 1
    return all(_is_words(s) or (in_path and _PATH_SEGMENT.fullmatch(s)) for s in segments)


def _is_words(text: str) -> bool:
    """Words joined by "+", "_" or "-"."""
    return all(not piece or _is_word(piece) for piece in _PIECE_SEPARATOR.split(text))


def _is_word(piece: str) -> bool:
    """A lower-case word, a short one with digits ("python3"), a number of at most eight
    digits, or CamelCase that is short or reads like words; not a random run."""
    if piece.islower():
        return len(piece) < (_MIN_TOKEN_LENGTH if piece.isalpha() else _MIN_PIECE_LENGTH)
    if piece.isdigit():
        return len(piece) <= 8
    if _CAMEL_CASE.fullmatch(piece) is None:
        return False
    return len(piece) < _MIN_PIECE_LENGTH or _reads_like_words(piece)


def _reads_like_words(piece: str) -> bool:
    """At least half of it words, one number at most, and a quarter or more of its
    lower-case letters vowels (random letters have a fifth)."""
    if not _is_wordy(piece) or len(_DIGITS.findall(piece)) > 1:
        return False
    lower = [c for c in piece if c.islower()]
    return sum(c in "aeiou" for c in lower) >= _MIN_VOWELS * len(lower)


def _looks_random(token: str) -> bool:
    if _HEX.fullmatch(token):
        return len(token) >= _MIN_HEX_LENGTH and _entropy(token) >= _MIN_HEX_BITS
    pieces = _PIECE_SEPARATOR.split(token)
    return _entropy(token) >= _MIN_BASE64_BITS and any(_is_random_piece(p) for p in pieces)


def _is_random_piece(piece: str) -> bool:
    """Long, mixing two of upper case, lower case and digits, and less than half words
    or with digits scattered through it (three groups or more)."""
    if len(piece) < _MIN_PIECE_LENGTH:
        return False
    classes = (piece.lower() != piece) + (piece.upper() != piece) + (not piece.isalpha())
    scattered = len(_DIGITS.findall(piece)) >= 3
    return classes >= 2 and (not _is_wordy(piece) or scattered)


def _is_wordy(text: str) -> bool:
    """At least half of the text in words of three letters or more."""
    return sum(len(w) for w in _WORD.findall(text)) >= _WORDY * len(text)


def _entropy(text: str) -> float:
    """Shannon entropy, in bits per character."""
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())
