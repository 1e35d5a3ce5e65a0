"""Speech rules, listed once, in order, in ``RULES``: written text in, speakable text out.

Only speech is normalized: the transcript keeps the written words. Every rule is a small
pure function ``rule(text, context) -> str`` with its example in the docstring; the
``Context`` carries what a few rules need besides the text (the show's language and
pronunciation lexicon). Rules that put English words into the text do nothing for other
languages, so the engine reads digits and symbols in its own language instead. The rules
for numbers, dates, units and statistics live in ``narrate.text.rules.numbers``, the
``Context`` in ``narrate.text.rules.context``; word tables live in
``narrate/text/lexicon/english.toml``; how numbers and lexicon terms are said lives in
``narrate.text.pronounce``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from narrate.markup import strip_markup
from narrate.text.pronounce import Lexicon, apply_lexicon, word_tables
from narrate.text.rules.context import DEFAULT_CONTEXT, Context, Rule, small_words
from narrate.text.rules.numbers import (
    bounds_after_nouns,
    number_ranges,
    read_numbers,
    read_ratios,
    read_statistics,
    read_symbols,
    read_units,
    read_years,
    spoken_dates,
)

__all__ = [
    "DEFAULT_CONTEXT",
    "RULES",
    "Context",
    "Rule",
    "ampersand_to_and",
    "bounds_after_nouns",
    "dashes_to_pauses",
    "define_acronyms",
    "drop_decorations",
    "drop_markup",
    "expand_abbreviations",
    "normalize",
    "number_ranges",
    "parentheses_to_pauses",
    "pronounce_terms",
    "read_links",
    "read_numbers",
    "read_ratios",
    "read_statistics",
    "read_symbols",
    "read_units",
    "read_years",
    "slashes_to_or",
    "spoken_dates",
    "tidy_spacing",
    "unify_quotes",
]


def _variants(key: str) -> list[str]:
    """A key in lower case also matches with a capital first letter ("e.g." and "E.g.")."""
    return [key, key[0].upper() + key[1:]] if key[:1].islower() else [key]


# --- before anything else -----------------------------------------------------------------


def drop_markup(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "<b>Claims</b> about diet" -> "Claims about diet" (a tag is never read aloud).

    Only real HTML element names are tags: "p<0.05" is still a comparison.
    """
    return strip_markup(text)


_QUOTES = str.maketrans("‘’“”", "''\"\"")


def unify_quotes(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "cell ‘eating’" -> "cell 'eating'" (curly quotes confuse some phonemizers)."""
    return text.translate(_QUOTES)


_CITATION = re.compile(r"\s*\[\s*\d+(?:\s*[,–—-]\s*\d+)*\s*\]")
_DECORATIVE = frozenset("•‣◦⁃∙†‡※\ufe0e\ufe0f\u200d\u20e3")
_KEPT_SYMBOLS = frozenset("°")


def _decorative(char: str) -> bool:
    category = unicodedata.category(char)
    if char in _KEPT_SYMBOLS:
        return False
    return (
        char in _DECORATIVE
        or category in ("So", "Co", "Cs", "Me")
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tones
        or (category == "Cc" and char not in "\t\n\r")
    )


def drop_decorations(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "Great news 🎉! Ocrevus® works [1, 2]" -> "Great news! Ocrevus works".

    Emoji, dingbats, trademark signs and citation markers are for the eye. Other square
    brackets are read like round ones, which also keeps Piper's ``[[`` phoneme marker out
    of written text.
    """
    text = _CITATION.sub("", text).replace("[", "(").replace("]", ")")
    marked = "".join("\0" if _decorative(c) else c for c in text)
    marked = re.sub(r"^[\0\s]*\0\s*|\s*\0[\0\s]*(?=[,.;:!?)]|$)", "", marked)
    return re.sub(r"\s*\0[\0\s]*", " ", marked)


_EMAIL = re.compile(
    r"(?<![\w.+-])(?:mailto:)?(?P<user>[\w.+-]+)@(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)
_URL = re.compile(r"(?:\b[a-z][a-z+.-]*://|\bwww\.)[^\s<>\"'()]+", re.IGNORECASE)


def _say_host(host: str) -> str:
    labels = [label for label in host.lower().split(".") if label]
    if labels[:1] == ["www"]:
        labels = labels[1:]
    return f" {small_words()['dot']} ".join(labels)


def read_links(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "see https://www.nice.org.uk/guidance/ng220." -> "see nice dot org dot uk.".

    A link is said as its site; an e-mail address as "info at mssociety dot org". Other
    languages leave links out of speech. The transcript keeps the whole link.
    """

    def url(match: re.Match[str]) -> str:
        link = match[0]
        trailing = link[len(link.rstrip(".,;:!?")) :]
        host = re.sub(r"^[a-z][a-z+.-]*://", "", link[: len(link) - len(trailing)], flags=re.I)
        host = re.split(r"[/?#]", host, maxsplit=1)[0].rpartition("@")[2].partition(":")[0]
        spoken = _say_host(host) if context.english and host.strip(".") else ""
        return spoken + trailing

    def email(match: re.Match[str]) -> str:
        if not context.english:
            return ""
        user = f" {small_words()['dot']} ".join(p for p in match["user"].split(".") if p)
        return f"{user} {small_words()['at']} {_say_host(match['host'])}"

    return _EMAIL.sub(email, _URL.sub(url, text))


# --- words --------------------------------------------------------------------------------

_ONLY_CLOSERS = re.compile(r"[\s\"')]*$")


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[re.Pattern[str], dict[str, str]]:
    table: dict[str, str] = word_tables()["abbreviations"]
    spoken = {variant: table[key] for key in table for variant in _variants(key)}
    keys = "|".join(
        re.escape(k) + ("" if k.endswith(".") else r"(?!\w)")
        for k in sorted(spoken, key=lambda k: (-len(k), k))
    )
    return re.compile(rf"(?<![\w.])(?:{keys})"), spoken


def expand_abbreviations(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "e.g. MS" -> "for example MS"; "Smith et al." -> "Smith and colleagues."."""
    if not context.english:
        return text
    pattern, spoken = _abbreviations()

    def expand(match: re.Match[str]) -> str:
        words = spoken[match[0]]
        if match[0][0].isupper() and not words[0].isupper():
            words = words[0].upper() + words[1:]
        ends_sentence = match[0].endswith(".") and _ONLY_CLOSERS.match(text, match.end())
        return words + ("." if ends_sentence else "")

    return pattern.sub(expand, text)


def slashes_to_or(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "and/or" -> "and or"; "patients/caregivers" -> "patients or caregivers"."""
    if not context.english:
        return text
    either = small_words()["or"]
    text = re.sub(r"\b(and|or)/(and|or)\b", r"\1 \2", text, flags=re.I)
    return re.sub(r"(?<=[^\W\d_])\s*/\s*(?=[^\W\d_])", f" {either} ", text)


# --- brackets, dashes, terms -----------------------------------------------------------------

_ACRONYM_IN_BRACKETS = re.compile(
    r"\s*\(\s*(?P<acronym>[^\W\d_][\w'-]*?)(?P<rest>\s*[,;:][^()]*?)?\s*\)"
)
_ACRONYM_BEFORE_BRACKETS = re.compile(
    r"(?<![\w.])(?P<acronym>[^\W\d_][\w]*)\s*\(\s*(?P<meaning>[^()\d]+?)\s*\)"
)


def _capitals(acronym: str) -> str:
    """ "mtROS" -> "ros"; the letters that a definition's words must begin with."""
    letters = "".join(c for c in acronym if c.isupper())
    return letters.lower() if len(letters) >= 2 and len(acronym) <= 10 else ""


def _is_subsequence(letters: str, initials: str) -> bool:
    remaining = iter(initials)
    return all(letter in remaining for letter in letters)


def _initials(words: str) -> str:
    return "".join(w[0].lower() for w in re.findall(r"[^\W\d_]+", words))


def define_acronyms(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "reactive oxygen species (ROS), chemicals" -> "reactive oxygen species, or ROS, chemicals".

    The other way round too: "EDSS (Expanded Disability Status Scale) rose" -> "EDSS, or
    Expanded Disability Status Scale, rose". Only brackets whose words begin with the
    acronym's capitals count as a definition; others become pauses as usual.
    """
    if not context.english:
        return text
    either = small_words()["or"]

    def forward(m: re.Match[str]) -> str:
        letters = _capitals(m["acronym"])
        clause = re.split(r"[,.;:!?()]", text[max(0, m.start() - 200) : m.start()])[-1]
        recent = re.findall(r"[^\W\d_]+", clause)[-(len(letters) + 3) :]
        if (
            not m.start()
            or not letters
            or not _is_subsequence(letters, _initials(" ".join(recent)))
        ):
            return m[0]
        after = text[m.end() : m.end() + 1]
        pause = "" if not after or after in ",.;:!?)" else ","  # no ",," nor ",."
        return f", {either} {m['acronym']}{m['rest'] or ''}{pause}"

    def backward(m: re.Match[str]) -> str:
        letters, meaning = _capitals(m["acronym"]), m["meaning"]
        initials = _initials(meaning)
        if (
            not letters
            or initials[:1] != letters[0]
            or len(initials) > 2 * len(letters) + 2
            or not _is_subsequence(letters, initials)
        ):
            return m[0]
        return f"{m['acronym']}, {either} {meaning},"

    text = _ACRONYM_IN_BRACKETS.sub(forward, text)
    return _ACRONYM_BEFORE_BRACKETS.sub(backward, text)


def dashes_to_pauses(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "summary — for information" -> "summary, for information"."""
    return re.sub(r"\s*[—–]\s*|\s+-\s+", ", ", text)


def parentheses_to_pauses(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "species (ROS), chemicals" -> "species, ROS, chemicals"; nested pairs too."""
    previous = None
    while previous != text:  # innermost pair first, until none is left
        previous = text
        text = re.sub(r"\s*\(\s*([^()]*?)\s*\)\s*(?=[,.;:!?])", r", \1", text)
        text = re.sub(r"\s*\(\s*([^()]*?)\s*\)\s*", r", \1, ", text)
    return text


def ampersand_to_and(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "R&D" -> "R and D"; "salt & pepper" -> "salt and pepper"."""
    if not context.english:
        return text
    return re.sub(r"\s*&\s*", f" {small_words()['and']} ", text)


def pronounce_terms(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "NADPH oxidase makes ROS" -> "N.A.D.P.H oxidase makes R.O.S" (with the shipped lexicon).

    Runs late, so that no other rule reads the spelled letters or the phoneme blocks.
    """
    if context.lexicon is None:
        return text
    return apply_lexicon(text, context.lexicon, context.phonemes)


def tidy_spacing(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "a ,  b ,, c" -> "a, b, c" (what the rules above leave behind)."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",(\s*,)+", ",", text)
    text = re.sub(r",([.;:!?])", r"\1", text)
    return text.strip(" ,")


RULES: tuple[Rule, ...] = (
    drop_markup,
    unify_quotes,
    drop_decorations,
    read_links,
    expand_abbreviations,
    spoken_dates,
    number_ranges,
    read_years,
    read_statistics,
    read_units,
    slashes_to_or,
    read_ratios,
    bounds_after_nouns,
    read_symbols,
    read_numbers,
    define_acronyms,
    dashes_to_pauses,
    parentheses_to_pauses,
    ampersand_to_and,
    pronounce_terms,
    tidy_spacing,
)


def normalize(
    text: str, language: str = "en-US", lexicon: Lexicon | None = None, phonemes: bool = False
) -> str:
    """Apply every rule in order. ``lexicon=None`` applies no pronunciation lexicon."""
    context = Context(language, lexicon, phonemes)
    for rule in RULES:
        text = rule(text, context)
    return text
