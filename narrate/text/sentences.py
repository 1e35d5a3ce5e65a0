"""Sentence splitting, behind one module (pysbd is rule-based and fully offline)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4)
def _segmenter(language: str) -> Any:
    import pysbd

    try:
        return pysbd.Segmenter(language=language, clean=False)
    except ValueError:  # a language pysbd does not know: English rules are the safest guess
        return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str, language: str = "en-US") -> list[str]:
    """Split a paragraph into sentences without breaking on "e.g." or "Dr.".

    "Dr. Smith agreed. It worked." -> ["Dr. Smith agreed.", "It worked."]
    """
    code = language.split("-", 1)[0].lower() or "en"
    return [s.strip() for s in _segmenter(code).segment(text) if s.strip()]


LONG_SENTENCE_WORDS = 18
"""Sentences longer than this get a breath at their commas."""
MIN_PHRASE_WORDS = 5
"""No phrase shorter than this is split off: a breath after two words sounds like a stumble."""
MAX_PHRASE_CHARS = 400
"""Longer phrases are split at spaces, so no engine gets an endless run of words."""


def breath_groups(spoken: str) -> list[str]:
    """Phrases of a sentence, split where punctuation allows a short breath.

    Semicolons and colons always allow one; commas only in long sentences; a run with no
    punctuation is split at spaces past ``MAX_PHRASE_CHARS``. Never inside a word.
    "It helped; mice with the enzyme had milder disease." ->
    ["It helped;", "mice with the enzyme had milder disease."]  (when both sides are long enough)
    """
    long_sentence = len(spoken.split()) > LONG_SENTENCE_WORDS
    # A clause mark may sit inside a phoneme block ("[[ipa;]]"): a breath fits after it too.
    breaks = r"(?<=[;:])\s+|(?<=[;:]\]\])\s+" + (
        r"|(?<=,)\s+|(?<=,\]\])\s+" if long_sentence else ""
    )
    pieces = re.split(breaks, spoken)
    phrases: list[str] = []
    for piece in pieces:
        if phrases and (
            len(piece.split()) < MIN_PHRASE_WORDS or len(phrases[-1].split()) < MIN_PHRASE_WORDS
        ):
            phrases[-1] += " " + piece
        else:
            phrases.append(piece)
    return [part for phrase in phrases for part in _by_length(phrase)]


def _by_length(phrase: str) -> list[str]:
    parts: list[str] = []
    for word in phrase.split():
        if parts and len(parts[-1]) + 1 + len(word) <= MAX_PHRASE_CHARS:
            parts[-1] += " " + word
        else:
            parts.append(word)
    return parts or [phrase]
