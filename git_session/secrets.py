"""The secret scanner run before sessions are pushed: which session texts hold credentials.

Named kinds of credential (AWS keys, private key blocks, GitHub, GitLab, Slack and Stripe
tokens, JWTs, passwords in URLs, ``password = "…"`` assignments, …) are found by the
plugins of detect-secrets, called directly on each line; unquoted ones, passwords in prose
("the password is hunter2x") and hex keys after a credential's name ("API key 9f86…") by
patterns of ours (a commit id is 40 hex: after any other word, or alone, it is not one). On top of them an entropy check
reports random-looking tokens no plugin names, and leaves alone what sessions are full of:
commit ids, ULIDs, UUIDs, names, paths, URLs and prose.

Importing detect-secrets costs about 0.1 s, two thirds of it ``requests``, which its plugins
use only to verify a secret over the network (never asked here): ``requests`` is loaded on
its first use instead (``_lazy_requests``; the keyword plugin alone never uses it). The
rest is imported on first need, and only lines that could hold a credential reach its
plugins: a line with a long token that is not an id, a name or a path, one with a marker
such as ``PRIVATE KEY``, or a quoted value after a keyword. Texts without such a line
never import it.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import importlib.util
import itertools
import math
import re
import sys
import types
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from git_session.names import ID_CHARS, ID_LENGTH

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
    "NpmDetector": ("_authToken",),
    "SoftlayerDetector": ("key", "pw", "pass", "token", "softlayer"),
}
# The keyword plugin (quotes required) needs a keyword and a quoted value beside an
# operator: "key: 'v'", 'pass = "v"', "pwd => 'v'", "'v' == secret" or "'v';".
_KEYWORD_STEMS = ("pass", "pwd", "secret", "key", "contrase")
_QUOTED_VALUE = re.compile(r"""[:=>]\s*["'`]|["'`]\s*[!=]{2}|["'`];""")

# Tokens: runs of base64, url-safe base64 and hex characters, so whitespace, quotes, "=",
# ":", ",", "." and "@" all end one. Ids are cut out of them: git object ids (SHA-1 and
# SHA-256), UUIDs and our session and entry ids, with no letter or digit on either side.
_MIN_TOKEN_LENGTH = 20
_TOKEN = re.compile(rf"[A-Za-z0-9+/_-]{{{_MIN_TOKEN_LENGTH},}}")
_MIN_ID_LENGTH = min(40, 36, ID_LENGTH)  # the shortest of them
_ID = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?"
    r"|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
    rf"|[{ID_CHARS}{ID_CHARS.upper()}]{{{ID_LENGTH}}})"  # our ids, in either case (random, or older ULIDs)
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

# Checksums, not credentials: what lockfiles and manifests are full of (go.sum's "h1:…",
# npm's "sha512-…", "sha256:…", Cargo's checksum = "…"). The entropy check leaves a token
# alone after one of these; the named plugins still look at it.
_DIGEST_TOKEN = re.compile(r"(?:sha(?:1|224|256|384|512)|md5)-", re.IGNORECASE)
_DIGEST_BEFORE = re.compile(
    r"(?:\bh1:|\b(?:sha(?:1|224|256|384|512)|md5|blake2[bs]?)[:=]|\b(?:checksum|shasum|digest|integrity|hash)\W{0,4})$",
    re.IGNORECASE,
)
_DIGEST_CONTEXT = 16  # characters before a token where its checksum marker may be
_MAX_NAMED_PER_LINE = 100
PLUGIN_WINDOW = 1000  # characters of a line a plugin sees at once
_WINDOW_OVERLAP = 250
# Unquoted assignments (``password=hunter2``, ``DB_PASS: s3cr3t``) that the keyword plugin,
# which wants quotes, leaves alone. A value counts when it holds a digit, a symbol or an
# inner capital, or ends the line (``password=letmein``); not a variable passed on in code
# (``password=password)``), a placeholder (``$PASS``, ``<pass>``, ``***``) or a path.
_ASSIGNED = re.compile(
    r"(?<![\w.-])(?P<key>[\w.-]*(?:password|passwd|passphrase|secret)|(?:[\w.-]*[_.-])?(?:pass|pwd|token|api[_-]?key))"
    r"(?P<op>\s*=|:)[ \t]*(?P<value>[^\s\"'`]+)",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"[$%<{*!(\[=/~.&|]|(?:x{3,}|null|none|nil|true|false|required|redacted|changeme|example|dummy|placeholder)$"
    r"|your[_-]",
    re.IGNORECASE,
)
# Code, not a value: an attribute (``this.password``), a call or an index
# (``getpass()``, ``os.environ[``), a variable passed on (``password=pw,``: letters only,
# so that ``password=hunter2, user=bob`` still counts).
_CODE = re.compile(
    r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+[,;)\]]*"
    r"|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*[(\[].*"
    r"|[A-Za-z_$]+[,;)\]]+"
)
# What may stand between a credential's name (or its verb) and the value in prose: a
# colon, "=" or a dash ("the password is: hunter2x", "passwd was - x9Kq2").
_PROSE_COLON = r"\s*(?::|=|\s-)"
# Passwords in prose: "the password is hunter2x", "token was changed to …", "login with
# password Zq8v…" (a word of the password family needs no verb; the others do, being also
# names: "token bucket", "key rotation"). The value must look like one (a digit, a symbol,
# an inner capital): "the password is required" is prose.
_PROSE_PASSWORD = re.compile(
    r"(?<![\w-])(?P<key>password|passphrase|passwd|pwd|secret|token|api[ _-]?key)s?"
    rf"(?P<verb>\s+(?:is|was|are|were)(?:\s+(?:now|still))?(?:\s+(?:set|changed)\s+to)?|\s+(?:set|changed|reset)\s+to)?"
    rf"(?:{_PROSE_COLON}|\s)\s*[\"'`]?(?P<value>[^\s\"'`]+)",
    re.IGNORECASE,
)
_VERBLESS = ("password", "passphrase", "passwd")
# What prose says of a credential is no value: words (and numbers) joined by "-" or "_"
# ("JWT-based", "HMAC-SHA256", "bcrypt-hashed", "1-time"), or letters only ("refreshToken").
_PROSE_WORDS = re.compile(r"[A-Za-z]+|(?:[A-Za-z]+[0-9]*|[0-9]+)(?:[-_](?:[A-Za-z]+[0-9]*|[0-9]+))+")
_TRAILING_PUNCTUATION = ".,;:!?)]}"
# Nor is the name of a scheme, an algorithm or an encoding, which prose says a credential
# is or uses: "the secret is OAuth2", "the token is Base64", "keys are Ed25519", "HS256".
_SCHEME_NAME = re.compile(
    r"(?:base(?:16|32|36|58|62|64|85)(?:url)?|sha-?(?:1|2|3|224|256|384|512)|md[245]|[hrep]s(?:256|384|512)"
    r"|aes-?(?:128|192|256)|rsa-?(?:1024|2048|3072|4096)"
    # each word with its own versions only: "Kerberos2024", "Tls12345" are passwords
    r"|oauth-?[12](?:\.0)?|saml-?2(?:\.0)?|fido-?2|http-?(?:1\.[01]|[123])|ntlmv-?[12]|kerberos-?5|ldapv-?[23]"
    r"|tls-?1(?:\.?[0-3])?|ssl-?[23]|utf-?(?:8|16|32)|argon-?2(?:id|i|d)?|pbkdf-?2|blake-?[23][bs]?|crc-?(?:16|32|64)c?"
    r"|x-?509|(?:ed|curve|x)-?(?:25519|448)|secp(?:192|224|256|384|521)[rk]1|ipv-?[46])",
    re.IGNORECASE,
)
# A key of 40 or 64 hex digits (what many APIs hand out, the length of a commit id) right
# after a word naming a credential, a verb or a colon at most between: "API key 9f86d0…",
# "the secret is: 9f86d0…" (the keyword plugin wants the value quoted). A hex
# id alone, or after any other word ("commit 9f86d0…", a "cache key", a "sort key": "key"
# alone names no credential), is an object id: never reported.
_KEYED_HEX = re.compile(
    r"(?<![\w-])(?:(?:api|access|secret|private|auth|client)[ _-]?key|token|secret|password|passphrase|credential"
    r"|bearer)s?(?:\s+(?:is|was))?"
    rf"(?:{_PROSE_COLON}|\s)\s*[\"'`]?(?P<value>[0-9a-fA-F]{{40}}(?:[0-9a-fA-F]{{24}})?)(?![0-9A-Za-z])",
    re.IGNORECASE,
)
_HEX_KEY = "hex key after a credential's name"
_CREDENTIAL_STEMS = ("pass", "pwd", "secret", "token", "key", "bearer", "credential")  # in a line these patterns match
_PUBLIC_KEY_BEFORE = re.compile(r"(?:signing|public|gpg|pgp)\s+$", re.IGNORECASE)  # a fingerprint: public
# Passwords on a command line: ``mysql -pPASS`` / ``-p'PASS'`` (the MySQL family's
# clients), ``sshpass -p PASS``, ``curl -u user:PASS``.
_COMMAND_PASSWORD = re.compile(
    r"\b(?:mysql\w*|mariadb\w*|mycli)\b.{0,200}?\s-p(?P<mysql>'[^']+'|\"[^\"]+\"|[^\s'\"]+)"
    r"|\bsshpass\b.{0,200}?\s-p\s*(?P<sshpass>'[^']+'|\"[^\"]+\"|\S+)"
    r"|\bcurl\b.{0,200}?\s(?:-u\s*|--user[ =])(?P<curl>'[^']+'|\"[^\"]+\"|\S+)"
)
# A private key's armoured block, for masking it whole: its body lines can be too short
# to be tokens (and inside the block the entropy check does not look).
_KEY_BLOCK = re.compile(
    r"-{4,5} ?BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY[A-Z ]{0,10}-{4,5}.*?(?:-{4,5} ?END [A-Z0-9 ]{0,60}-{4,5}|\Z)",
    re.DOTALL,
)
_PRIVATE_KEY = "Private Key"
_PASSWORD_ASSIGNMENT = "password assignment"
_COMMAND_LINE_PASSWORD = "password on a command line"
FINGERPRINT_LENGTH = 16


@dataclass(frozen=True)
class Finding:
    """A secret in a text: where (the caller's label), what kind, an excerpt that masks
    it, and its fingerprint: a hash that names it (to acknowledge it) without revealing it."""

    where: str
    what: str
    excerpt: str
    fingerprint: str = field(default="", compare=False)


def fingerprint(what: str, secret: str) -> str:
    """The first 16 hex digits of SHA-256 over the kind and the secret."""
    digest = hashlib.sha256(f"{what}\n{secret}".encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:FINGERPRINT_LENGTH]


def is_fingerprint(text: str) -> bool:
    return len(text) == FINGERPRINT_LENGTH and all(c in "0123456789abcdef" for c in text)


_REMEMBERED_UP_TO = 512  # characters of a text whose findings a scan keeps for its repeats


def scan(items: Iterable[tuple[str, str]]) -> list[Finding]:
    """Scan (label, text) pairs; texts may be multi-line. One Finding per (label, secret)."""
    found: dict[tuple[str, str], Finding] = {}
    seen: dict[str, list[tuple[str, str]]] = {}  # a short text met again (an author, an agent,
    for label, text in items:  # a status) is scanned once; a file's text is not kept
        pairs = seen.get(text)
        if pairs is None:
            pairs = list(_scan_text(text))
            if len(text) <= _REMEMBERED_UP_TO:
                seen[text] = pairs
        for what, secret in pairs:
            found.setdefault((label, secret), Finding(label, what, _mask(secret), fingerprint(what, secret)))
    return list(found.values())


def masked(text: str, replacement: str = "[redacted]") -> tuple[str, list[Finding]]:
    """The text with each secret in it replaced, and what was found (label ``""``).

    Invisible format characters go first, so that a token split by a zero-width space is
    found and replaced whole; a private key goes whole, from its BEGIN line to its END
    line (or the end of the text), whatever the length of its lines.
    """
    visible = _visible(text)
    findings: list[Finding] = []
    for block in dict.fromkeys(m.group() for m in _KEY_BLOCK.finditer(visible)):
        findings.append(Finding("", _PRIVATE_KEY, _mask(block), fingerprint(_PRIVATE_KEY, block)))
        visible = visible.replace(block, replacement)
    for what, secret in dict.fromkeys(_scan_text(visible)):
        findings.append(Finding("", what, _mask(secret), fingerprint(what, secret)))
        visible = visible.replace(secret, replacement)
    return visible, findings


def decode(content: bytes) -> str | None:
    """A file's text, whatever its encoding: by its byte-order mark, as UTF-8, or else as
    Latin-1 (every byte a character). With zero bytes: as UTF-8 without them (ASCII in
    UTF-16 or UTF-32, or a stray one in UTF-8 text), else as UTF-16 or UTF-32 when they
    fall as they do in those (a stray byte at the end aside). ``None`` for a binary file."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, "replace")
    if b"\0" not in content:
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            return content.decode("latin-1")
    with contextlib.suppress(UnicodeDecodeError):  # not UTF-8 with stray NULs: try the wide encodings
        text = content.replace(b"\0", b"").decode("utf-8")
        if _mostly_printable(text):
            return text
    for encoding in _wide_encodings(content):
        unit = 4 if "32" in encoding else 2
        text = content[: len(content) - len(content) % unit].decode(encoding, "replace")
        if _mostly_printable(text):
            return text
    return None


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _wide_encodings(content: bytes) -> list[str]:
    """UTF-16/32 guesses from where the zero bytes are: ASCII text in UTF-16-LE has them
    at odd offsets."""
    sample = content[:4096]
    zeros = [i for i, byte in enumerate(sample) if byte == 0]
    odd = sum(i % 2 for i in zeros)
    guesses = []
    if len(zeros) * 2 >= len(sample) * 0.9 and len(content) % 4 == 0:
        guesses += ["utf-32-le", "utf-32-be"]
    if odd >= 0.9 * len(zeros):
        guesses.append("utf-16-le")
    elif odd <= 0.1 * len(zeros):
        guesses.append("utf-16-be")
    return guesses


def _mostly_printable(text: str) -> bool:
    """Whether nearly all of a decoded text is characters (a byte it could not decode is not)."""
    printable = sum(1 for c in text if (c.isprintable() and c != "\ufffd") or c in "\t\r\n")
    return printable >= 0.95 * len(text)


# Invisible characters that are not format characters: fillers and a joiner.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")


def _visible(text: str) -> str:
    """The text without invisible characters (zero-width spaces and joiners, soft hyphens,
    bidirectional marks, fillers): they can split a token in two."""
    if text.isascii():
        return text
    return "".join(c for c in text if c not in _INVISIBLE and unicodedata.category(c) != "Cf")


def _scan_text(text: str) -> Iterator[tuple[str, str]]:
    """(kind, secret) pairs, line by line. Inside an armoured block (a key, a certificate)
    only the plugins look: its base64 body belongs to the block."""
    armoured = False
    for line in _visible(text).splitlines():
        yield from _scan_line(line, entropy=not armoured)
        if "-----BEGIN " in line:
            armoured = True
        if "-----END " in line:
            armoured = False


def _scan_line(line: str, entropy: bool) -> Iterator[tuple[str, str]]:
    suspects = _suspects(line)
    # Bounded: a line with that many stops the push anyway, and each costs a pass over the line.
    found = itertools.chain(_named_secrets(line, suspects), _unquoted_passwords(line))
    named = list(itertools.islice(found, _MAX_NAMED_PER_LINE))
    yield from named
    if entropy:
        for token in suspects:
            if _looks_random(token) and not any(token in secret for _, secret in named):
                yield _HIGH_ENTROPY, token


def _suspects(line: str) -> list[str]:
    """The line's tokens, ids and checksums cut out, that are long and not names."""
    suspects = []
    for match in _TOKEN.finditer(line):
        token = match.group()
        before = max(0, match.start() - _DIGEST_CONTEXT)  # a bounded look back: linear in the line
        if _DIGEST_TOKEN.match(token) or _DIGEST_BEFORE.search(line, before, match.start()):
            continue
        for part in _ID.split(token) if len(token) >= _MIN_ID_LENGTH else (token,):
            if len(part) >= _MIN_TOKEN_LENGTH and not _is_name(part):
                suspects.append(part)
    return suspects


def _unquoted_passwords(line: str) -> Iterator[tuple[str, str]]:
    """Passwords the plugins miss: unquoted assignments and command-line passwords."""
    lower = line.lower()
    if any(stem in lower for stem in _CREDENTIAL_STEMS):
        end = len(line.rstrip())
        assigned = list(_ASSIGNED.finditer(line))
        for match in assigned:
            if _is_password(match["key"], match["value"], last=match.end() >= end):
                yield _PASSWORD_ASSIGNMENT, match["value"]
        yield from _prose_passwords(line, judged={match.start("value") for match in assigned})
    if "-p" in line or "-u" in line or "--user" in line:
        for match in _COMMAND_PASSWORD.finditer(line):
            value = (match["mysql"] or match["sshpass"] or match["curl"] or "").strip("'\"")
            if match["curl"] is not None:
                value = value.partition(":")[2]
            if len(value) >= 3 and not _PLACEHOLDER.match(value):
                yield _COMMAND_LINE_PASSWORD, value


def _prose_passwords(line: str, judged: set[int]) -> Iterator[tuple[str, str]]:
    """Credentials a sentence gives: a password after "is", a hex key after its name.
    ``judged``: where the values of assignments start, which are the assignments' to judge
    ("passwd: s3cr3t!" is one, not also the prose "passwd: s3cr3t")."""
    for match in _PROSE_PASSWORD.finditer(line):
        if match.start("value") in judged:
            continue
        value = match["value"].rstrip(_TRAILING_PUNCTUATION)
        if _PROSE_WORDS.fullmatch(value):
            continue
        if (match["verb"] or match["key"].lower() in _VERBLESS) and _is_password(match["key"], value, last=False):
            yield _PASSWORD_ASSIGNMENT, value
    for match in _KEYED_HEX.finditer(line):
        public = _PUBLIC_KEY_BEFORE.search(line, max(0, match.start() - 10), match.start())
        if _entropy(match["value"]) >= _MIN_HEX_BITS and not public:
            yield _HEX_KEY, match["value"]


def _is_password(key: str, value: str, last: bool) -> bool:
    """Whether an unquoted value (``last``: ending the line) is a password."""
    if len(value) < 4 or _PLACEHOLDER.match(value) or value.lower() in key.lower():
        return False
    if _CODE.fullmatch(value) or _SCHEME_NAME.fullmatch(value):
        return False
    strong = any(not c.isalpha() for c in value) or any(c.isupper() for c in value[1:])
    return strong or last


def _named_secrets(line: str, suspects: Sequence[str]) -> Iterator[tuple[str, str]]:
    """What detect-secrets' plugins report in the line, each widened to its whole token.

    A long line goes to them in overlapping windows: some of their patterns take time
    quadratic in the line (npm's ``//.+/:_authToken``, the keyword one on a long run of
    keyword letters), minutes for a line of a megabyte, as a minified file has."""
    for window in _windows(line):
        for plugin in _plugins_for(window, suspects):
            for value in sorted(set(plugin.analyze_string(window))):
                yield plugin.secret_type, _widen(window, value)


def _windows(line: str) -> Iterator[str]:
    """The line, or for a long one its windows of ``PLUGIN_WINDOW`` characters, each
    overlapping the next by more than a credential is long."""
    if len(line) <= PLUGIN_WINDOW:
        yield line
        return
    step = PLUGIN_WINDOW - _WINDOW_OVERLAP
    for start in range(0, len(line) - _WINDOW_OVERLAP, step):
        yield line[start : start + PLUGIN_WINDOW]


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
    with _lazy_requests():
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.plugins.base import RegexBasedDetector

        classes: Iterable[type[BasePlugin]] = get_mapping_from_secret_type_to_class().values()
    wanted = [c for c in classes if issubclass(c, RegexBasedDetector) and c.__name__ not in _EXCLUDED]
    return tuple((c(), _NEEDLES.get(c.__name__, ())) for c in sorted(wanted, key=lambda c: c.__name__))


@lru_cache(maxsize=1)
def _keyword_plugin() -> BasePlugin:
    """The keyword plugin; called as is, it wants the value quoted, so prose passes."""
    with _lazy_requests():
        from detect_secrets.plugins.keyword import KeywordDetector

    return KeywordDetector()


@contextlib.contextmanager
def _lazy_requests() -> Iterator[None]:
    """Let ``import requests`` (detect-secrets' plugins, as they are imported) find a stand-in
    that imports the real module on its first use: the scan never verifies a secret over the
    network, and that import is most of what detect-secrets costs. (importlib's
    ``LazyLoader`` does not do: the import statement reads ``__spec__``, which loads it.)
    The stand-in leaves ``sys.modules`` when they are imported: anyone else importing
    ``requests`` in the process (``find_spec``, ``import requests.adapters``) gets the
    real module, imported once."""
    if "requests" in sys.modules or importlib.util.find_spec("requests") is None:
        yield
        return
    stand_in = sys.modules["requests"] = _Deferred("requests")
    try:
        yield
    finally:
        if sys.modules.get("requests") is stand_in:
            del sys.modules["requests"]


class _Deferred(types.ModuleType):
    """A module imported when one of its attributes is first read, then that module's
    attributes are this one's too (whoever holds the stand-in sees the real thing)."""

    def __getattr__(self, name: str) -> object:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        self.__dict__.update(real.__dict__)
        return getattr(real, name)


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
