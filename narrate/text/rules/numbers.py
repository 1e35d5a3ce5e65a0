"""Speech rules for numbers and what comes with them: dates, years, ranges, units, statistics.

Part of the rules that ``narrate.text.rules.normalize`` lists, in order, in ``RULES``; each is
a pure ``rule(text, context) -> str`` with its example in the docstring. Numbers are said in
English words only for English shows: other languages leave digits to the engine. Word
tables live in ``narrate/text/lexicon/english.toml``; how a number is said lives in
``narrate.text.pronounce``.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from narrate.text.pronounce import cardinal, decimal_words, ordinal, word_tables, year_words
from narrate.text.rules.context import DEFAULT_CONTEXT, Context, alternation, small_words

# --- dates --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _months() -> tuple[str, dict[str, int]]:
    """A regex alternation of month names and short forms, and each one's number."""
    months = word_tables()["months"]
    numbers = {name: i for i, name in enumerate(months["names"], start=1)}
    numbers |= {short: i for i, short in enumerate(months["short"], start=1)}
    numbers |= dict(months["extra_short"])
    return alternation(list(numbers)), numbers


def _say_date(year: int | None, month: int, day: int | None, context: Context) -> str | None:
    """The spoken date, or None when it is not a real date."""
    try:
        dt.date(year or 2000, month, day or 1)
    except ValueError:
        return None
    name = word_tables()["months"]["names"][month - 1]
    words = small_words()
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
    to = f" {small_words()['to']} "
    text = re.sub(r"(?<=[\d%])\s*[–—]\s*(?=\d)", to, text)
    return re.sub(r"(?<![\w.,-])(\d+(?:[.,]\d+)*%?)-(?=\d+(?:[.,]\d+)*(?![\w-]))", rf"\1{to}", text)


@lru_cache(maxsize=1)
def _unit_pattern() -> str:
    return alternation(list(word_tables()["units"]))


@lru_cache(maxsize=1)
def _year_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Four-digit years not followed by a unit; the words that make a number before them a
    year ("since 1868"); the nouns that make a number before them a count ("2026 patients")."""
    cues = alternation([*word_tables()["years"]["cues"], *_months()[1]])
    counts = alternation(word_tables()["years"]["counts"])
    return (
        re.compile(
            r"(?<![\w.,$£€#/:−-])(?P<year>1[1-9]\d\d|20\d\d)(?P<decade>s\b|'s\b)?"
            rf"(?![\w%°]|[.,]\d|\s?(?:{_unit_pattern()})(?!\w))"
        ),
        re.compile(rf"\b(?:{cues}),?\s*$", re.IGNORECASE),
        re.compile(rf"\s+(?:{counts})\b", re.IGNORECASE),
    )


def read_years(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "in 2026" -> "in twenty twenty-six"; "the 1990s" -> "the nineteen nineties".

    Four-digit numbers from 1900 to 2099 are years unless a unit, a per cent sign or a
    comparison comes with them ("2000 mg", "n = 2000"), or a counted noun follows with no
    year word before ("2026 patients": a count; "in 2026 patients were ..." stays a year);
    1100 to 1899 only after words like "in" or "since". "2,026 patients" is a count too.
    """
    if not context.english:
        return text
    pattern, cues, counted = _year_patterns()

    def say(match: re.Match[str]) -> str:
        year = int(match["year"])
        before = text[max(0, match.start() - 40) : match.start()]
        if re.search(r"[=<>≤≥~≈±×]\s*$", before):
            return match[0]
        if year < 1900 and not match["decade"] and not cues.search(before):
            return match[0]
        if not match["decade"] and counted.match(text, match.end()) and not cues.search(before):
            return match[0]  # a count: the number rule reads it
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
    always = alternation(list(word_tables()["statistics"]))
    numbered = alternation(list(word_tables()["statistics_before_numbers"]))
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
    per_word = small_words()["per"]

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
        rf"(?<![\w/°.])(?P<unit>{alternation(alone)})(?:/(?P<per>{unit}|[^\W\d_]+))?(?![\w-])",
        lambda m: units[m["unit"]][1] + per(m["per"]),
        text,
    )


_CLOCK = re.compile(
    r"(?<![\w.:])(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)\s*(?P<half>[ap]\.?m\.?)(?!\w)", re.I
)


def read_ratios(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "a 1:1000 dilution" -> "a 1 to 1000 dilution"; "at 10:30 am" -> "at ten thirty a.m."."""
    if not context.english:
        return text
    words = small_words()

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
def _bounds() -> re.Pattern[str]:
    bounds = alternation(list(word_tables()["bounds_after_nouns"]))
    return re.compile(
        rf"(?<![\w.])(?P<noun>[^\W\d_][\w'-]*)\s*(?P<bound>{bounds})\s*"
        rf"(?P<num>[-−]?(?:{_NUMBER})%?)(?![\w%]|[.,]\d)"
    )


def _noun(word: str) -> bool:
    """Whether a bound after ``word`` sizes it: "EDSS", "score" yes; "was", "aged", "p" no."""
    tables = word_tables()["not_nouns"]
    if sum(c.isupper() for c in word) >= 2:
        return True
    lower = word.lower()
    return (
        len(lower) >= 3
        and lower not in tables["words"]
        and not lower.endswith(tuple(tables["endings"]))
    )


def bounds_after_nouns(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "an EDSS ≥ 6.5" -> "an EDSS of 6.5 or more"; "a score ≤ 4" -> "a score of 4 or less".

    Said "an EDSS at least 6.5", a bound after a noun is not English. After anything else
    ("was ≥ 6.5", "aged ≥18", "p ≤ 0.05") ``read_symbols`` says "at least" and "at most".
    """
    if not context.english:
        return text
    table = word_tables()["bounds_after_nouns"]

    def say(m: re.Match[str]) -> str:
        if not _noun(m["noun"]):
            return m[0]
        of, more = table[m["bound"]]
        return f"{m['noun']} {of} {m['num']} {more}"

    return _bounds().sub(say, text)


@lru_cache(maxsize=1)
def _symbols() -> tuple[re.Pattern[str], dict[str, str]]:
    table: dict[str, str] = word_tables()["symbols"]
    return re.compile(rf"\s*(?:{alternation(list(table))})\s*"), table


def read_symbols(text: str, context: Context = DEFAULT_CONTEXT) -> str:
    """ "~8%" -> "about 8 percent"; "p<0.001" -> "p less than 0.001"; "65+" -> "65 plus".

    Also "n=316" -> "n equals 316", "5.2 ± 1.3" -> "5.2 plus or minus 1.3", "≥18" -> "at
    least 18".
    """
    if not context.english:
        return text
    pattern, table = _symbols()
    text = re.sub(r"(?<=[\d%])\s*\+\s*", f" {small_words()['plus']} ", text)
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
