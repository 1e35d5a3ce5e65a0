"""What every speech rule receives besides the text, and the word-table helpers rules share.

The rules themselves live in ``narrate.text.rules.normalize`` (words, links, brackets, pauses) and
``narrate.text.rules.numbers`` (numbers and what comes with them); both take a ``Context``. It sits
below them so that neither rule module imports the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from narrate.language import is_english
from narrate.text.pronounce import Lexicon, word_tables

# Regions whose English writes the month first (7/3/2026 is July 3) and says "one hundred
# five" rather than "one hundred and five". A bare "en" follows the default, en-US.
_MONTH_FIRST_REGIONS = frozenset({"", "US", "PH", "AS", "GU", "MP", "PR", "UM", "VI", "FM"})


@dataclass(frozen=True)
class Context:
    """What a rule may need besides the text."""

    language: str = "en-US"
    """The show's language as a BCP 47 tag ("en-US", "en-GB", "de")."""
    lexicon: Lexicon | None = None
    """Pronunciation lexicon to apply, or None for none."""
    phonemes: bool = False
    """True when the engine accepts Piper's inline ``[[ipa]]`` phonemes."""

    @property
    def english(self) -> bool:
        """Whether the English word tables apply."""
        return is_english(self.language)

    @property
    def month_first(self) -> bool:
        """True for US-style English dates (7/3/2026 is July 3); false for 3 July."""
        parts = re.split(r"[-_]", self.language, maxsplit=1)
        region = parts[1].upper() if len(parts) > 1 else ""
        return self.english and region in _MONTH_FIRST_REGIONS

    @property
    def british(self) -> bool:
        """English outside the US: "one hundred and five", "the third of July"."""
        return self.english and not self.month_first


DEFAULT_CONTEXT = Context()
Rule = Callable[[str, Context], str]


def small_words() -> Mapping[str, str]:
    """The little English words rules put into text: "dot", "to", "per", "or", ..."""
    return word_tables()["words"]  # type: ignore[no-any-return]


def alternation(keys: list[str]) -> str:
    """A regex alternation of the keys, longest first, so "et al." wins over "et"."""
    return "|".join(re.escape(k) for k in sorted(set(keys), key=lambda k: (-len(k), k)))
