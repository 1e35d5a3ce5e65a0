"""Speech rules, listed once, in order, in ``RULES``: written text in, speakable text out.

Only speech is normalized: the transcript keeps the written words. Every rule is a small
pure function ``rule(text, context) -> str`` with its example in the docstring; the
``Context`` carries what a few rules need besides the text (the show's language and
pronunciation lexicon). Rules that put English words into the text do nothing for other
languages, so the engine reads digits and symbols in its own language instead. Word
tables live in ``narrate/lexicon/english.toml``; how numbers and lexicon terms are said
lives in ``narrate.pronounce``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from narrate.pronounce import (
    Lexicon,
    apply_lexicon,
    cardinal,
    decimal_words,
    ordinal,
    word_tables,
    year_words,
)

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
        return self.language.lower().split("-")[0].split("_")[0] in ("en", "")

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


def _words() -> Mapping[str, str]:
    return word_tables()["words"]  # type: ignore[no-any-return]


def _variants(key: str) -> list[str]:
    """A key in lower case also matches with a capital first letter ("e.g." and "E.g.")."""
    return [key, key[0].upper() + key[1:]] if key[:1].islower() else [key]


def _alternation(keys: list[str]) -> str:
    """Longest first, so "et al." wins over "et"."""
    return "|".join(re.escape(k) for k in sorted(set(keys), key=lambda k: (-len(k), k)))


# --- before anything else -----------------------------------------------------------------

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
    return f" {_words()['dot']} ".join(labels)


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
        user = f" {_words()['dot']} ".join(p for p in match["user"].split(".") if p)
        return f"{user} {_words()['at']} {_say_host(match['host'])}"

    return _EMAIL.sub(email, _URL.sub(url, text))


# --- words and dates ----------------------------------------------------------------------


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


@lru_cache(maxsize=1)
def _months() -> tuple[str, dict[str, int]]:
    """A regex alternation of month names and short forms, and each one's number."""
    months = word_tables()["months"]
    numbers = {name: i for i, name in enumerate(months["names"], start=1)}
    numbers |= {short: i for i, short in enumerate(months["short"], start=1)}
    numbers |= dict(months["extra_short"])
    return _alternation(list(numbers)), numbers


def _say_date(year: int | None, month: int, day: int | None, context: Context) -> str | None:
    """The spoken date, or None when it is not a real date."""
    try:
        dt.date(year or 2000, month, day or 1)
    except ValueError:
        return None
    name = word_tables()["months"]["names"][month - 1]
    words = _words()
    if day is None:
        said = name
    elif context.month_first:
        said = f"{name} {ordinal(day)}" + ("," if year else "")
    else:
        said = f"{words['the']} {ordinal(day)} {words['of']} {name}"
    return f"{said} {year_words(year, context.british)}" if year else said


def spoken_dates(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "12/31/2026" -> "December thirty-first, twenty twenty-six".

    Also 2026-12-31, 31.12.2026, 31 Dec 2026, Dec 31, 2026 and Dec 2026. "7/3/2026" is
    July 3 in en-US and 7 March in en-GB; a date that only makes sense the other way round
    (12/31/2026 in en-GB) is read that way. Dates are said the show's way: "December
    thirty-first, twenty twenty-six" or "the thirty-first of December twenty twenty-six".
    """
    if not context.english:
        return text
    month_names, month_number = _months()
    ordinal_suffix = r"(?:st|nd|rd|th)?"
    dot = r"(?:\.(?=,?\s+\d))?"  # "Dec. 31", not the full stop of "on 5 May."

    def iso(m: re.Match[str]) -> str:
        return _say_date(int(m["y"]), int(m["m"]), int(m["d"]), context) or m[0]

    def numeric(m: re.Match[str]) -> str:
        first, second, year = int(m["a"]), int(m["b"]), int(m["y"])
        day_first = m["sep"] == "." or not context.month_first
        orders = (
            [(second, first), (first, second)] if day_first else [(first, second), (second, first)]
        )
        for month, day in orders:
            said = _say_date(year, month, day, context)
            if said:
                return said
        return m[0]

    def named(m: re.Match[str]) -> str:
        day = int(m["d"]) if m["d"] else None
        year = int(m["y"]) if m["y"] else None
        return _say_date(year, month_number[m["mon"]], day, context) or m[0]

    text = re.sub(r"(?<![\w.-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\w-])", iso, text)
    text = re.sub(
        r"(?<![\w./])(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\w/]|\.\d)",
        numeric,
        text,
    )
    text = re.sub(
        rf"(?<![\w.,])(?P<d>\d{{1,2}}){ordinal_suffix}\s+(?:of\s+)?(?P<mon>{month_names})\b{dot}"
        rf"(?:,?\s+(?P<y>\d{{4}})\b)?",
        named,
        text,
    )
    return re.sub(
        rf"\b(?P<mon>{month_names})\b{dot}(?:\s+(?P<d>\d{{1,2}}){ordinal_suffix}(?![\w:.,]\d|\w))?"
        rf"(?:,?\s+(?P<y>\d{{4}})\b)?",
        lambda m: named(m) if m["d"] or m["y"] else m[0],
        text,
    )


# --- numbers and what comes with them -------------------------------------------------------


def number_ranges(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "aged 18–65" -> "aged 18 to 65"; "0.50–0.87", "18-55" too (before dashes become pauses)."""
    if not context.english:  # a plain hyphen: no pause, and the engine says "to" its own way
        return re.sub(r"(?<=\d)[–—](?=\d)", "-", text)
    to = f" {_words()['to']} "
    text = re.sub(r"(?<=[\d%])\s*[–—]\s*(?=\d)", to, text)
    return re.sub(r"(?<![\w.,-])(\d+(?:[.,]\d+)*%?)-(?=\d+(?:[.,]\d+)*(?![\w-]))", rf"\1{to}", text)


@lru_cache(maxsize=1)
def _unit_pattern() -> str:
    return _alternation(list(word_tables()["units"]))


@lru_cache(maxsize=1)
def _year_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Four-digit years not followed by a unit; the words that make 1100-1899 a year."""
    cues = _alternation([*word_tables()["years"]["cues"], *_months()[1]])
    return (
        re.compile(
            r"(?<![\w.,$£€#/:−-])(?P<year>1[1-9]\d\d|20\d\d)(?P<decade>s\b|'s\b)?"
            rf"(?![\w%°]|[.,]\d|\s?(?:{_unit_pattern()})(?!\w))"
        ),
        re.compile(rf"\b(?:{cues}),?\s*$", re.IGNORECASE),
    )


def read_years(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "in 2026" -> "in twenty twenty-six"; "the 1990s" -> "the nineteen nineties".

    Four-digit numbers from 1900 to 2099 are years unless a unit, a per cent sign or a
    comparison comes with them ("2000 mg", "n = 2000"); 1100 to 1899 only after words
    like "in" or "since". "2,026 patients" is a count: the comma says so.
    """
    if not context.english:
        return text
    pattern, cues = _year_patterns()

    def say(match: re.Match[str]) -> str:
        year = int(match["year"])
        before = text[max(0, match.start() - 40) : match.start()]
        if re.search(r"[=<>≤≥~≈±×]\s*$", before):
            return match[0]
        if year < 1900 and not match["decade"] and not cues.search(before):
            return match[0]
        words = year_words(year, context.british)
        if match["decade"] and year % 10 == 0:
            return _plural(words)
        return words + (match["decade"] or "")

    return pattern.sub(say, text)


def _plural(words: str) -> str:
    """ "nineteen ninety" -> "nineteen nineties"; "twenty ten" -> "twenty tens"."""
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


@lru_cache(maxsize=1)
def _statistics() -> tuple[re.Pattern[str], re.Pattern[str]]:
    always = _alternation(list(word_tables()["statistics"]))
    numbered = _alternation(list(word_tables()["statistics_before_numbers"]))
    return (
        re.compile(rf"(?<![\w.])(?:{always})(?!\w)"),
        re.compile(rf"(?<![\w.])(?:{numbered})(?=\s*[=:,]?\s*[-−]?\.?\d)"),
    )


def read_statistics(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "HR 0.62 (95% CI 0.50–0.87)" -> "hazard ratio 0.62 (95% confidence interval 0.50–0.87)"."""
    if not context.english:
        return text
    always, numbered = _statistics()
    tables = word_tables()
    text = always.sub(lambda m: tables["statistics"][m[0]], text)
    return numbered.sub(lambda m: tables["statistics_before_numbers"][m[0]], text)


_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"


def read_units(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "5mg/kg" -> "5 milligrams per kilogram"; "1 mg" -> "1 milligram"; "mg" -> "milligrams".

    Also "4,000 IU/day" -> "4,000 international units per day", "37°C" -> "37 degrees
    Celsius" and "2/day" -> "2 per day". Units that could be words or letters ("g", "L",
    "h") are read only after a number.
    """
    if not context.english:
        return text
    units: dict[str, list[str]] = word_tables()["units"]
    alone = word_tables()["units_alone"]["symbols"]
    unit = _unit_pattern()
    per_word = _words()["per"]

    def per(denominator: str | None) -> str:
        if not denominator:
            return ""
        return f" {per_word} " + (units[denominator][0] if denominator in units else denominator)

    def after_number(m: re.Match[str]) -> str:
        if not m["unit"]:
            return m["num"] + per(m["per"]) if m["per"] else m[0]
        said = units[m["unit"]][0 if m["num"].lstrip("-−") == "1" else 1]
        return f"{m['num']} {said}{per(m['per'])}"

    text = re.sub(
        rf"(?<![\w.,])(?P<num>[-−]?(?:{_NUMBER}))\s?(?P<unit>{unit})?"
        rf"(?:/(?P<per>{unit}|[^\W\d_]+))?(?![\w-])",
        after_number,
        text,
    )
    return re.sub(
        rf"(?<![\w/°.])(?P<unit>{_alternation(alone)})(?:/(?P<per>{unit}|[^\W\d_]+))?(?![\w-])",
        lambda m: units[m["unit"]][1] + per(m["per"]),
        text,
    )


def slashes_to_or(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "and/or" -> "and or"; "patients/caregivers" -> "patients or caregivers"."""
    if not context.english:
        return text
    either = _words()["or"]
    text = re.sub(r"\b(and|or)/(and|or)\b", r"\1 \2", text, flags=re.I)
    return re.sub(r"(?<=[^\W\d_])\s*/\s*(?=[^\W\d_])", f" {either} ", text)


_CLOCK = re.compile(
    r"(?<![\w.:])(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)\s*(?P<half>[ap]\.?m\.?)(?!\w)", re.I
)


def read_ratios(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "a 1:1000 dilution" -> "a 1 to 1000 dilution"; "at 10:30 am" -> "at ten thirty a.m."."""
    if not context.english:
        return text
    words = _words()

    def clock(m: re.Match[str]) -> str:
        said, minute = cardinal(int(m["h"])), int(m["m"])
        if minute:
            oh = word_tables()["numbers"]["oh"]
            said += " " + (f"{oh} {cardinal(minute)}" if minute < 10 else cardinal(minute))
        return f"{said} {words['am'] if m['half'][0] in 'aA' else words['pm']}"

    text = _CLOCK.sub(clock, text)
    ratio = r"\d+(?:[.,]\d+)*"
    return re.sub(
        rf"(?<![\w.:])({ratio})\s?:\s?(?=({ratio})(?![\w:]|\.\d))",
        rf"\1 {words['to']} ",
        text,
    )


@lru_cache(maxsize=1)
def _symbols() -> tuple[re.Pattern[str], dict[str, str]]:
    table: dict[str, str] = word_tables()["symbols"]
    return re.compile(rf"\s*(?:{_alternation(list(table))})\s*"), table


def read_symbols(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "~8%" -> "about 8 percent"; "p<0.001" -> "p less than 0.001"; "65+" -> "65 plus".

    Also "n=316" -> "n equals 316", "5.2 ± 1.3" -> "5.2 plus or minus 1.3", "≥18" -> "at
    least 18".
    """
    if not context.english:
        return text
    pattern, table = _symbols()
    text = re.sub(r"(?<=[\d%])\s*\+\s*", f" {_words()['plus']} ", text)
    return pattern.sub(lambda m: f" {table[m[0].strip()]} ", text)


_NUMBER_WORD = re.compile(
    rf"(?<![\w.,])(?P<sign>[-−](?=\.?\d))?(?P<num>{_NUMBER})(?P<ord>st|nd|rd|th)?(?!\w|[.,]\d)"
)


def read_numbers(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "12,500" -> "twelve thousand five hundred"; "-0.3" -> "minus zero point three".

    Also ordinals ("21st" -> "twenty-first") and decimals ("0.87" -> "zero point eight seven").

    Numbers glued to letters ("CSF1R", "3D") are left to the lexicon and the engine.
    """
    if not context.english:
        return text

    def say(m: re.Match[str]) -> str:
        number = m["num"]
        if m["ord"]:
            if not re.fullmatch(r"[\d,]{1,19}", number):  # not "1.5th", nor 5000 digits
                return m[0]
            said = ordinal(int(number.replace(",", "")), context.british)
        else:
            said = decimal_words(number, context.british)
        return f"{word_tables()['numbers']['minus']} {said}" if m["sign"] else said

    return _NUMBER_WORD.sub(say, text)


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
    either = _words()["or"]

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
    return re.sub(r"\s*&\s*", f" {_words()['and']} ", text)


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
