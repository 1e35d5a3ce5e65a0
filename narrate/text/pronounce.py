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
from typing import Any, Literal

from narrate.errors import ConfigError

EntryKind = Literal["letters", "words", "substitute", "phonemes"]
KINDS: tuple[EntryKind, ...] = ("letters", "words", "substitute", "phonemes")
SHIPPED_LEXICON = "medical.toml"
_TABLES_HINT = "[letters], [words], [substitute] or [phonemes]"
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


def load_lexicon(extra: Path | None = None) -> Lexicon:
    """The shipped lexicon, with the show's own file (``extra``) winning term by term.

    A malformed show lexicon raises ``ConfigError`` listing every problem at once.
    """
    shipped = resources.files("narrate.text") / "lexicon" / SHIPPED_LEXICON
    entries = {
        e.term: e
        for e in _parse(shipped.read_text("utf-8"), f"narrate/text/lexicon/{SHIPPED_LEXICON}")
    }
    if extra is not None:
        entries.update((e.term, e) for e in _parse(_read_show_lexicon(extra), str(extra)))
    return Lexicon(tuple(entries.values()))


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


def _read_show_lexicon(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [f"lexicon: no lexicon file at {path}; check the lexicon path in the show file"]
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            [f"lexicon: cannot read {path} ({error}); save it as UTF-8 text"]
        ) from None


def _parse(text: str, source: str) -> list[Entry]:
    """Every entry of one lexicon file, or ConfigError naming every problem in it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            [f"lexicon: {source} is not valid TOML ({error}); fix the line it names"]
        ) from None
    entries: list[Entry] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for table, terms in data.items():
        if not isinstance(terms, dict):
            problems.append(
                f'lexicon: "{table}" in {source} is outside a table; put it under {_TABLES_HINT}'
            )
            continue
        if table not in KINDS:
            problems.append(f"lexicon: {source} has an unknown table [{table}]; use {_TABLES_HINT}")
            continue
        for term, value in terms.items():
            where = f'[{table}] "{term}" in {source}'
            if term in seen:
                problems.append(f"lexicon: {where} is also in [{seen[term]}]; keep one")
                continue
            seen[term] = table
            entry, problem = _entry(table, term, value, source)
            if problem:
                problems.append(f"lexicon: {where} {problem}")
            elif entry is not None:
                entries.append(entry)
    if problems:
        raise ConfigError(problems)
    return entries


def _entry(kind: EntryKind, term: str, value: Any, source: str) -> tuple[Entry | None, str]:
    """One entry, or what is wrong with it and how to fix it."""
    if not term or term != term.strip() or not any(c.isalpha() for c in term):
        return None, "is not a term; write the word as it appears in summaries"
    if kind == "letters":
        if not term.isalnum():
            return None, "can only be letters and digits; put it under [substitute] instead"
        if not isinstance(value, str):
            return None, f'needs a note in quotes; write {term} = "what it stands for"'
        return Entry(term, kind, spell_letters(term), source=source), ""
    if kind == "words":
        if not isinstance(value, str):
            return None, f'needs a note in quotes; write {term} = "what it stands for"'
        return Entry(term, kind, term.lower(), source=source), ""
    if kind == "substitute":
        if not isinstance(value, str) or not value.strip():
            return None, f'needs the words to say; write {term} = "words to say"'
        return Entry(term, kind, value.strip(), source=source), ""
    example = f'write {term} = {{ ipa = "...", respell = "..." }}'
    if not isinstance(value, dict):
        return None, f"needs an ipa and a respelling; {example}"
    unknown = sorted(set(value) - {"ipa", "respell"})
    if unknown:
        return None, f'has unknown key "{unknown[0]}"; use ipa and respell only'
    ipa, respell = value.get("ipa"), value.get("respell", term)
    if not isinstance(ipa, str) or not ipa.strip():
        return None, f"has no ipa; {example}"
    if not isinstance(respell, str) or not respell.strip():
        return None, f"has an empty respell; {example}, or leave respell out"
    bad = sorted({c for c in ipa if c in "[]" or c.isdigit() or "A" <= c <= "Z"})
    if bad:
        return None, f'has "{bad[0]}" in its ipa, which is not IPA; remove it'
    if "g" in ipa:
        return None, 'has the letter "g" in its ipa; write "ɡ" (U+0261), the IPA g Piper knows'
    return Entry(term, kind, respell.strip(), ipa.strip(), source), ""


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
