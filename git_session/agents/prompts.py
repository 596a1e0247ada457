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
# Gemini CLI hands its prompt hook the prompt with the context hooks injected glued to it
# (`<hook_context>the brief</hook_context>\n\nthe user's words`, seen on 0.61.0): only the
# user's words count, or the brief's own words would match on every first prompt.
HOOK_CONTEXT_OPEN, HOOK_CONTEXT_CLOSE = "<hook_context>", "</hook_context>"


def own_words(prompt: str) -> str:
    """The prompt without the context blocks a client glued to it (an unclosed one is kept)."""
    while (start := prompt.find(HOOK_CONTEXT_OPEN)) >= 0:
        end = prompt.find(HOOK_CONTEXT_CLOSE, start + len(HOOK_CONTEXT_OPEN))
        if end < 0:
            break
        prompt = prompt[:start] + " " + prompt[end + len(HOOK_CONTEXT_CLOSE) :]
    return prompt


def normalized(text: str) -> str:
    """The user's own words (``own_words``) in lower-case ASCII letters and digits, every other
    character a space, one space between words, none at either end (what awk does in the C
    locale, byte by byte)."""
    ascii_only = "".join(c if c.isascii() else " " for c in own_words(text))
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
