"""What the show's language decides outside the speech rules, decided in one place.

The speech rules (``narrate.text.rules.context``), the self-check that listens to the
disclaimer (``narrate.produce``, ``narrate.audio.listen``), the transcript and the pages
(``narrate.publish.timing``, ``narrate.publish.pages``) all ask the same questions of a BCP 47
tag; asking them here keeps every stage's answer the same. It sits at the bottom of the
layers, so any module may import it.
"""

from __future__ import annotations

import datetime as dt

RIGHT_TO_LEFT = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur",
                           "yi"})  # fmt: skip
"""Languages (primary subtags) written right to left."""

_RIGHT_TO_LEFT_SCRIPTS = frozenset({"arab", "hebr", "thaa", "syrc", "nkoo", "adlm"})
"""Script subtags written right to left, lower-cased."""


def is_english(language: str) -> bool:
    """ "en-US", "en-GB", "EN_au", "en" -> True; "de", "enm" (Middle English) -> False.

    Decides whether the English word tables apply and whether the recognizer, which knows
    English speech only, can listen. The primary subtag decides, so "enm" and "eng" are not
    English. An empty tag (the show file may say ``language = ""``) is the default, en-US.
    """
    return language.replace("_", "-").lower().split("-")[0] in ("en", "")


def text_direction(language: str) -> str:
    """``rtl`` for a language written right to left (``ar``, ``he-IL``, ...), else ``ltr``.

    A script subtag decides when there is one: ``ku-Arab`` is right to left, ``ug-Latn`` not.
    """
    parts = language.replace("_", "-").lower().split("-")
    script = next((p for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    if script is not None:
        return "rtl" if script in _RIGHT_TO_LEFT_SCRIPTS else "ltr"
    return "rtl" if parts[0] in RIGHT_TO_LEFT else "ltr"


def long_date(date: dt.date) -> str:
    """2026-11-20 -> "November 20, 2026"; 2027-03-05 -> "March 5, 2027".

    The one way the show writes a date in words: the intro says it ("Published November 20,
    2026") and the pages show it, so a listener reading along sees the date they heard.
    """
    return f"{date:%B} {date.day}, {date.year}"
