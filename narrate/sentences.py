"""Sentence splitting, behind one module (pysbd is rule-based and fully offline)."""

from __future__ import annotations

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
