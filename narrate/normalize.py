"""Pure str -> str speech rules, listed once, in order, in ``RULES``.

Only speech is normalized: the transcript keeps the written words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_QUOTES = str.maketrans("‘’“”", "''\"\"")


def unify_quotes(text: str) -> str:
    """ "cell ‘eating’" -> "cell 'eating'" (curly quotes confuse some phonemizers)."""
    return text.translate(_QUOTES)


def number_ranges(text: str) -> str:
    """ "aged 18–65" -> "aged 18 to 65" (before dashes become pauses)."""
    return re.sub(r"(?<=\d)\s*[–—]\s*(?=\d)", " to ", text)


def dashes_to_pauses(text: str) -> str:
    """ "summary — for information" -> "summary, for information"."""
    return re.sub(r"\s*[—–]\s*|\s+-\s+", ", ", text)


def parentheses_to_pauses(text: str) -> str:
    """ "species (ROS), chemicals" -> "species, ROS, chemicals"; nested pairs too."""
    previous = None
    while previous != text:  # innermost pair first, until none is left
        previous = text
        text = re.sub(r"\s*\(\s*([^()]*?)\s*\)\s*(?=[,.;:!?])", r", \1", text)
        text = re.sub(r"\s*\(\s*([^()]*?)\s*\)\s*", r", \1, ", text)
    return text


def ampersand_to_and(text: str) -> str:
    """ "R&D" -> "R and D"; "salt & pepper" -> "salt and pepper"."""
    return re.sub(r"\s*&\s*", " and ", text)


def tidy_spacing(text: str) -> str:
    """ "a ,  b ,, c" -> "a, b, c" (what the rules above leave behind)."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",(\s*,)+", ",", text)
    text = re.sub(r",([.;:!?])", r"\1", text)
    return text.strip(" ,")


RULES: tuple[Callable[[str], str], ...] = (
    unify_quotes,
    number_ranges,
    dashes_to_pauses,
    parentheses_to_pauses,
    ampersand_to_and,
    tidy_spacing,
)


def normalize(text: str) -> str:
    """Apply every rule in order."""
    for rule in RULES:
        text = rule(text)
    return text
