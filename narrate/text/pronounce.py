"""How things are said: pronunciation lexicons, and numbers as English words.

``normalize`` decides *where* something in the text needs saying differently; this module
says *how*. Word lists live in ``narrate/text/lexicon/*.toml`` (data only): ``medical.toml`` is
the shipped pronunciation lexicon (its header documents the format), ``english.toml`` holds
number words and the tables the English speech rules use.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from narrate.config import ScriptSettings
from narrate.config.lexicon import EntryKind, LexiconRow, lexicon_rows, read_lexicon

SHIPPED_LEXICON = "medical.toml"
_LONGEST_NUMBER = 15  # digits; longer numbers are read digit by digit


@dataclass(frozen=True)
class Entry:
    """One term of a pronunciation lexicon."""

    term: str
    """The term as written; matched as a whole word, case-sensitively."""
    kind: EntryKind
    """Which rule says it: letters, words, substitute or phonemes."""
    spoken: str
    """What engines without phoneme input say ("N.A.D.P.H", "nice", a respelling)."""
    ipa: str | None = None
    """IPA for engines that accept inline phonemes; phonemes entries only."""
    source: str = ""
    """The lexicon file the entry came from, for messages."""


@dataclass(frozen=True)
class Lexicon:
    """Pronunciation entries, the show's already merged over the shipped ones."""

    entries: tuple[Entry, ...]
    """Every entry, at most one per term."""

    def get(self, term: str) -> Entry | None:
        """The entry for ``term`` exactly as written, if any."""
        return _by_term(self).get(term)


def load_lexicon(extra: Path | None = None, text: str | None = None) -> Lexicon:
    """The shipped lexicon, with the show's own file (``extra``) winning term by term: its
    ``text`` as the show loaded it (``ScriptSettings.lexicon_text``: a cluster's worker
    has no such file), else read from the file.

    A malformed show lexicon raises ``ConfigError`` listing every problem at once.
    """
    shipped = resources.files("narrate.text") / "lexicon" / SHIPPED_LEXICON
    entries = {
        e.term: e
        for e in _parse(shipped.read_text("utf-8"), f"narrate/text/lexicon/{SHIPPED_LEXICON}")
    }
    if extra is not None:
        given = read_lexicon(extra) if text is None else text
        entries.update((e.term, e) for e in _parse(given, str(extra)))
    return Lexicon(tuple(entries.values()))


def show_lexicon(settings: ScriptSettings) -> Lexicon:
    """The lexicon a show speaks with: the shipped one and the show's own, as the show loaded
    it (the same on this machine and on a cluster's worker)."""
    return load_lexicon(settings.lexicon, settings.lexicon_text)


def apply_lexicon(text: str, lexicon: Lexicon, phonemes: bool) -> str:
    """Say every lexicon term as its entry says.

    "NADPH oxidase makes ROS" -> "N.A.D.P.H oxidase makes R.O.S". With ``phonemes`` the
    engine accepts Piper's inline ``[[ipa]]`` blocks and phonemes entries use them
    ("took ocrelizumab, then" -> "took [[ˌoʊkɹəlˈɪzuːmæb,]] then"); otherwise they use
    their respelling ("took oak-ruh-liz-oo-mab, then"). Substitutes go first, so their
    words may use the other kinds of terms ("mtROS" -> "mitochondrial R.O.S").
    """
    substitutes, others = _patterns(lexicon)
    entries = _by_term(lexicon)

    def say(match: re.Match[str]) -> str:
        entry = entries.get(match["term"]) or entries[match["term"][0].lower() + match["term"][1:]]
        suffix, trailing = match["suffix"] or "", match["trailing"] or ""
        if entry.kind == "letters":
            return _with_suffix(entry.spoken, suffix) + trailing
        if suffix and suffix != "'s":  # a plain "s" makes another word ("NICEs")
            return match[0]
        if entry.kind == "phonemes" and phonemes and entry.ipa:
            # Punctuation goes inside the block: after a block, Piper drops it and the word
            # break. No spaces inside, so that nothing splitting text at spaces (breath
            # groups, request limits) can cut a block in two.
            return f"[[{entry.ipa}{_possessive_ipa(entry.ipa) if suffix else ''}{trailing}]]"
        return entry.spoken + suffix + trailing

    if substitutes is not None:
        text = substitutes.sub(say, text)
    return others.sub(say, text) if others is not None else text


def spell_letters(term: str) -> str:
    """ "NADPH" -> "N.A.D.P.H"; "CSF1R" -> "C.S.F one R"; "CD20" -> "C.D twenty".

    Dots with no spaces are the one spelling espeak-ng always reads as letter names:
    "N A D P H" reads the A as "uh", and "N. A. D. P. H." ends five sentences.
    """
    parts = re.findall(r"[^\W\d_]+|\d+", term)
    return " ".join(_integer_words(p, False) if p.isdigit() else ".".join(p.upper()) for p in parts)


def _with_suffix(spelled: str, suffix: str) -> str:
    """ "D.M.T" + "s" -> "D.M.T's"; "M.S" + "'s" -> "M.S.'s" (espeak reads "M.S's" as "M dot S")."""
    if not suffix:
        return spelled
    last = spelled.rsplit(" ", 1)[-1]
    return spelled + (".'s" if len(last) == 3 and last[1] == "." else "'s")


def _possessive_ipa(ipa: str) -> str:
    """The "'s" of "ocrelizumab's" ("z"), "Ocrevus's" ("ᵻz"), "Kesimpta's" ("z")."""
    if ipa.endswith(("s", "z", "ʃ", "ʒ")):
        return "ᵻz"
    return "s" if ipa.endswith(("p", "t", "k", "f", "θ")) else "z"


# --- lexicon files -----------------------------------------------------------------------


def _parse(text: str, source: str) -> list[Entry]:
    """Every entry of one lexicon file (``narrate.config.lexicon`` checks its format), or
    ConfigError naming every problem in it."""
    return [_entry(row, source) for row in lexicon_rows(text, source)]


def _entry(row: LexiconRow, source: str) -> Entry:
    """What a row says: letters spelled ("NADPH" -> "N.A.D.P.H"), words in lower case
    ("NICE" -> "nice"), substitutes and respellings as written."""
    if row.kind == "letters":
        spoken = spell_letters(row.term)
    elif row.kind == "words":
        spoken = row.term.lower()
    else:
        spoken = row.said
    return Entry(row.term, row.kind, spoken, row.ipa, source)


@lru_cache(maxsize=8)
def _by_term(lexicon: Lexicon) -> Mapping[str, Entry]:
    return {e.term: e for e in lexicon.entries}


@lru_cache(maxsize=8)
def _patterns(lexicon: Lexicon) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """One regex for substitutes, one for the rest: longest terms first, whole words."""

    def pattern(entries: list[Entry]) -> re.Pattern[str] | None:
        spellings = sorted(set(_spellings(entries)), key=lambda t: (-len(t), t))
        if not spellings:
            return None
        terms = "|".join(map(re.escape, spellings))
        return re.compile(
            rf"(?<![\w.\[])(?P<term>{terms})(?P<suffix>'s|s)?(?![\w\]])"
            r"(?P<trailing>[,.;:!?]+(?=\s|$))?"
        )

    substitutes = [e for e in lexicon.entries if e.kind == "substitute"]
    others = [e for e in lexicon.entries if e.kind != "substitute"]
    return pattern(substitutes), pattern(others)


def _spellings(entries: list[Entry]) -> Iterator[str]:
    for entry in entries:
        yield entry.term
        if entry.term.islower():
            yield entry.term[0].upper() + entry.term[1:]


# --- numbers as English words ------------------------------------------------------------


@lru_cache(maxsize=1)
def word_tables() -> Mapping[str, Any]:
    """The English word tables (``narrate/text/lexicon/english.toml``)."""
    text = (resources.files("narrate.text") / "lexicon" / "english.toml").read_text("utf-8")
    return tomllib.loads(text)


def cardinal(number: int, british: bool = False) -> str:
    """316 -> "three hundred sixteen" ("three hundred and sixteen" when ``british``)."""
    words = word_tables()["numbers"]
    if number < 0:
        return f"{words['minus']} {cardinal(-number, british)}"
    if len(str(number)) > _LONGEST_NUMBER:
        return digit_words(str(number))
    if number < 1000:
        return _below_thousand(number, british)
    groups: list[tuple[int, int]] = []  # (value, scale) from the lowest group up
    scale = 0
    while number:
        number, group = divmod(number, 1000)
        if group:
            groups.append((group, scale))
        scale += 1
    parts = [
        _below_thousand(group, british) + (f" {words['scales'][scale]}" if scale else "")
        for group, scale in reversed(groups)
    ]
    lowest, lowest_scale = groups[0]
    if british and lowest_scale == 0 and lowest < 100:  # "one thousand and five"
        parts[-1] = f"{word_tables()['words']['and']} {parts[-1]}"
    return " ".join(parts)


def ordinal(number: int, british: bool = False) -> str:
    """21 -> "twenty-first"; 100 -> "one hundredth"."""
    words = cardinal(number, british)
    head, sep, last = max((words.rpartition(" "), words.rpartition("-")), key=lambda p: len(p[0]))
    irregular = word_tables()["ordinals"]
    if last in irregular:
        last = irregular[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def year_words(year: int, british: bool = False) -> str:
    """2026 -> "twenty twenty-six"; 1905 -> "nineteen oh five"; 2005 -> "two thousand five"."""
    words = word_tables()["numbers"]
    high, low = divmod(year, 100)
    if not 1000 <= year <= 9999 or (high % 10 == 0 and low < 10):
        return cardinal(year, british)  # 2000, 2005, 1009: said as plain numbers
    if low == 0:
        return f"{cardinal(high)} {words['hundred']}"
    if low < 10:
        return f"{cardinal(high)} {words['oh']} {cardinal(low)}"
    return f"{cardinal(high)} {cardinal(low)}"


def decimal_words(written: str, british: bool = False) -> str:
    """ "12,500.75" -> "twelve thousand five hundred point seven five"; ".5" -> "point five"."""
    whole, _, fraction = written.replace(",", "").partition(".")
    said = [_integer_words(whole, british)] if whole else []
    if fraction:
        said += [word_tables()["numbers"]["point"], digit_words(fraction)]
    return " ".join(said)


def digit_words(digits: str) -> str:
    """ "007" -> "zero zero seven"."""
    ones = word_tables()["numbers"]["ones"]
    return " ".join(ones[int(d)] for d in digits if d.isdigit())


def _integer_words(digits: str, british: bool) -> str:
    """Leading zeros and very long numbers are read digit by digit, as people do."""
    if (len(digits) > 1 and digits.startswith("0")) or len(digits) > _LONGEST_NUMBER:
        return digit_words(digits)
    return cardinal(int(digits), british)


def _below_thousand(number: int, british: bool) -> str:
    words = word_tables()["numbers"]
    hundreds, rest = divmod(number, 100)
    said = []
    if hundreds:
        said.append(f"{words['ones'][hundreds]} {words['hundred']}")
        if rest and british:
            said.append(word_tables()["words"]["and"])
    if rest or not hundreds:
        if rest < 20:
            said.append(words["ones"][rest])
        else:
            tens, ones = divmod(rest, 10)
            said.append(words["tens"][tens] + (f"-{words['ones'][ones]}" if ones else ""))
    return " ".join(said)
