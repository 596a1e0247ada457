"""What a prompt says that the hooks answer: continuation intent, and an alternative a
recorded decision set aside.

One home for both sides: the Python hook reads these lists, and the cache hands the same
lists to the shim's awk, which normalizes a prompt the same way (ASCII letters lowered,
every other character a space, runs of spaces one). A prompt is matched on whole words.
"""

from __future__ import annotations

import re

# Anywhere in the prompt.
INTENT_PHRASES = (
    "where were we",
    "where was i",
    "where did we leave off",
    "where did we stop",
    "where we left off",
    "where i left off",
    "where you left off",
    "pick up where",
    "picking up where",
    "what were we doing",
    "what was i doing",
    "catch me up",
    "remind me where",
)
# The prompt's first words (after any of FILLERS).
INTENT_LEADS = ("continue", "resume", "carry on", "keep going", "go on", "proceed")
FILLERS = ("ok", "okay", "please", "lets", "let s", "let us", "now", "so", "alright", "right", "and", "then")
MIN_ALTERNATIVE = 3  # characters: shorter alternatives ("A", "no") match too much to mean anything

_OTHER = re.compile(r"[^a-z0-9]+")


def normalized(text: str) -> str:
    """Lower-case ASCII letters and digits, every other character a space, one space between
    words, none at either end (what awk does in the C locale, byte by byte)."""
    ascii_only = "".join(c if c.isascii() else " " for c in text)
    return _OTHER.sub(" ", ascii_only.lower()).strip()


def continuation_intent(prompt: str) -> bool:
    words = f" {normalized(prompt)} "
    if any(f" {phrase} " in words for phrase in INTENT_PHRASES):
        return True
    rest = words.strip()
    changed = True
    while changed:
        changed = False
        for filler in FILLERS:
            if rest.startswith(filler + " "):
                rest, changed = rest[len(filler) + 1 :], True
    return any(rest == lead or rest.startswith(lead + " ") for lead in INTENT_LEADS)


def names(prompt: str, phrase: str) -> bool:
    """Whether the prompt names ``phrase`` (already normalized) as whole words."""
    return len(phrase) >= MIN_ALTERNATIVE and f" {phrase} " in f" {normalized(prompt)} "
