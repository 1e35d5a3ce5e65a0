"""Speech rules: one (written, spoken) table per rule in RULES, and tables for normalize()."""

from __future__ import annotations

import random

import pytest
from conftest import EXAMPLE_DISCLAIMER as DISCLAIMER

from narrate.text.pronounce import Entry, Lexicon, load_lexicon
from narrate.text.rules.normalize import (
    RULES,
    Context,
    ampersand_to_and,
    bounds_after_nouns,
    dashes_to_pauses,
    define_acronyms,
    drop_decorations,
    drop_markup,
    expand_abbreviations,
    normalize,
    number_ranges,
    parentheses_to_pauses,
    pronounce_terms,
    read_links,
    read_numbers,
    read_ratios,
    read_statistics,
    read_symbols,
    read_units,
    read_years,
    slashes_to_or,
    spoken_dates,
    tidy_spacing,
    unify_quotes,
)

US = Context("en-US")
GB = Context("en-GB")
GERMAN = Context("de-DE")
LEXICON = load_lexicon()


def test_rules_are_listed_once_in_order() -> None:
    assert [rule.__name__ for rule in RULES] == [
        "drop_markup",
        "unify_quotes",
        "drop_decorations",
        "read_links",
        "expand_abbreviations",
        "spoken_dates",
        "number_ranges",
        "read_years",
        "read_statistics",
        "read_units",
        "slashes_to_or",
        "read_ratios",
        "bounds_after_nouns",
        "read_symbols",
        "read_numbers",
        "define_acronyms",
        "dashes_to_pauses",
        "parentheses_to_pauses",
        "ampersand_to_and",
        "pronounce_terms",
        "tidy_spacing",
    ]
    assert len(set(RULES)) == len(RULES)


def test_every_rule_has_an_example_in_its_docstring() -> None:
    for rule in RULES:
        assert rule.__doc__ and "->" in rule.__doc__, rule.__name__


@pytest.mark.parametrize(
    ("language", "english", "month_first", "british"),
    [
        ("en-US", True, True, False),
        ("en", True, True, False),
        ("en-us", True, True, False),
        ("en-GB", True, False, True),
        ("en_AU", True, False, True),
        ("en-IE", True, False, True),
        ("de-DE", False, False, False),
        ("fr-CA", False, False, False),
    ],
)
def test_context_reads_the_language(
    language: str, english: bool, month_first: bool, british: bool
) -> None:
    context = Context(language)
    assert (context.english, context.month_first, context.british) == (
        english,
        month_first,
        british,
    )


# --- one table per rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("cell ‘eating’ of debris", "cell 'eating' of debris"),
        ("the cell’s energy factories", "the cell's energy factories"),
        ("“sparks” that burn", '"sparks" that burn'),
        ("plain 'ascii' stays", "plain 'ascii' stays"),
    ],
)
def test_unify_quotes(written: str, spoken: str) -> None:
    assert unify_quotes(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Great news 🎉!", "Great news!"),
        ("Great news 🎉✨ for all", "Great news for all"),
        ("🎉 Great news", "Great news"),
        ("Ocrevus® (ocrelizumab)", "Ocrevus (ocrelizumab)"),
        ("Tysabri™, then", "Tysabri, then"),
        ("thumbs 👍🏽 up", "thumbs up"),  # skin tone modifier
        ("family 👩\u200d👩\u200d👧 day", "family day"),  # joined emoji
        ("step 1️⃣ first", "step 1 first"),  # keycap: the digit stays
        ("• first point", "first point"),
        ("done ✓ and ★ rated", "done and rated"),
        ("risk fell [1, 2].", "risk fell."),
        ("risk fell [12–15] in trials", "risk fell in trials"),
        ("the [sic] word", "the (sic) word"),
        ("no [[ phonemes ]] from writers", "no (( phonemes )) from writers"),
        ("37 °C stays", "37 °C stays"),
        ("≥ ± × µg stay", "≥ ± × µg stay"),
        ("plain text", "plain text"),
    ],
)
def test_drop_decorations(written: str, spoken: str) -> None:
    assert drop_decorations(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("see https://www.nice.org.uk/guidance/ng220.", "see nice dot org dot uk."),
        ("at www.mssociety.org.uk, or", "at mssociety dot org dot uk, or"),
        ("via http://user@example.com:8080/a?b=c#d now", "via example dot com now"),
        ("read https://doi.org/10.1038/s41586-026-0001-x", "read doi dot org"),
        ("mail info@mssociety.org.uk!", "mail info at mssociety dot org dot uk!"),
        ("write to first.last@nhs.net", "write to first dot last at nhs dot net"),
        ("mailto:team@example.org", "team at example dot org"),
        ("no link here.", "no link here."),
    ],
)
def test_read_links(written: str, spoken: str) -> None:
    assert read_links(written) == spoken


def test_links_are_left_out_of_speech_in_other_languages() -> None:
    assert read_links("siehe https://www.dmsg.de/ und info@dmsg.de.", GERMAN) == "siehe  und ."


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("e.g. MS", "for example MS"),
        ("drugs, e.g., ocrelizumab", "drugs, for example, ocrelizumab"),
        ("E.g. this", "For example this"),
        ("relapses, i.e. attacks", "relapses, that is attacks"),
        ("RRMS vs. SPMS", "RRMS versus SPMS"),
        ("RRMS vs SPMS", "RRMS versus SPMS"),
        ("cells, etc.", "cells, et cetera."),
        ("cells, etc., and", "cells, et cetera, and"),
        ("Smith et al. found", "Smith and colleagues found"),
        ("as Smith et al.", "as Smith and colleagues."),
        ("approx. 30 people", "approximately 30 people"),
        ("Dr. Jones and Dr Smith", "Doctor Jones and Doctor Smith"),
        ("Prof. Lee", "Professor Lee"),
        ("see Fig. 2; cf. table", "see Figure 2; compare table"),
        ("incl. children, esp. girls", "including children, especially girls"),
        ("a vsd and Drive", "a vsd and Drive"),  # whole abbreviations only
    ],
)
def test_expand_abbreviations(written: str, spoken: str) -> None:
    assert expand_abbreviations(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("on 12/31/2026.", "on December thirty-first, twenty twenty-six."),
        ("on 7/3/2026", "on July third, twenty twenty-six"),
        ("on 2026-12-31", "on December thirty-first, twenty twenty-six"),
        ("on 2026-07-03", "on July third, twenty twenty-six"),
        ("on 31 Dec 2026", "on December thirty-first, twenty twenty-six"),
        ("on 31st December, 2026", "on December thirty-first, twenty twenty-six"),
        ("on Dec 31, 2026", "on December thirty-first, twenty twenty-six"),
        ("on Dec. 31 2026", "on December thirty-first, twenty twenty-six"),
        ("on September 1st, 2025", "on September first, twenty twenty-five"),
        ("on 1 Sept 2025", "on September first, twenty twenty-five"),
        ("on 31.12.2026", "on December thirty-first, twenty twenty-six"),  # dots: day first
        ("in Dec 2026", "in December twenty twenty-six"),
        ("on May 5.", "on May fifth."),
        ("on 5 May.", "on May fifth."),
        ("on 1/1/2000", "on January first, two thousand"),
        ("on 2/29/2028", "on February twenty-ninth, twenty twenty-eight"),
        ("13/13/2026 stays", "13/13/2026 stays"),
        ("2/30/2026 stays", "2/30/2026 stays"),
        ("Feb 30, 2026 stays", "Feb 30, 2026 stays"),
        ("in May we met", "in May we met"),
        ("version 1.2.3 stays", "version 1.2.3 stays"),
    ],
)
def test_spoken_dates_in_us_english(written: str, spoken: str) -> None:
    assert spoken_dates(written, US) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("on 7/3/2026", "on the seventh of March twenty twenty-six"),
        ("on 12/31/2026", "on the thirty-first of December twenty twenty-six"),  # only one way
        ("on 2026-12-31", "on the thirty-first of December twenty twenty-six"),
        ("on 31 Dec 2026", "on the thirty-first of December twenty twenty-six"),
        ("on Dec 31, 2026", "on the thirty-first of December twenty twenty-six"),
        ("on 5 May.", "on the fifth of May."),
        ("on 1/1/2005", "on the first of January two thousand and five"),
    ],
)
def test_spoken_dates_in_british_english(written: str, spoken: str) -> None:
    assert spoken_dates(written, GB) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("aged 18–65", "aged 18 to 65"),
        ("aged 18 – 65", "aged 18 to 65"),
        ("aged 18-55 years", "aged 18 to 55 years"),
        ("CI 0.50–0.87", "CI 0.50 to 0.87"),
        ("10%–20%", "10% to 20%"),
        ("10-20%", "10 to 20%"),
        ("1,000–2,000 people", "1,000 to 2,000 people"),
        ("COVID-19 stays", "COVID-19 stays"),
        ("IL-6 stays", "IL-6 stays"),
        ("0800-123-456 stays", "0800-123-456 stays"),
        ("a spaced - hyphen", "a spaced - hyphen"),
    ],
)
def test_number_ranges(written: str, spoken: str) -> None:
    assert number_ranges(written) == spoken


def test_number_ranges_keep_a_plain_hyphen_in_other_languages() -> None:
    assert number_ranges("18–55 Jahre", GERMAN) == "18-55 Jahre"


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("in 2026,", "in twenty twenty-six,"),
        ("a 2023 study", "a twenty twenty-three study"),
        ("2019 to 2021", "twenty nineteen to twenty twenty-one"),
        ("in 2000", "in two thousand"),
        ("in 2005", "in two thousand five"),
        ("in 1905", "in nineteen oh five"),
        ("in 1900", "in nineteen hundred"),
        ("since 1868", "since eighteen sixty-eight"),
        ("the 1990s", "the nineteen nineties"),
        ("the 2000s", "the two thousands"),
        ("the 2010s", "the twenty tens"),
        ("1500 people", "1500 people"),  # before 1900, only after "in", "since", ...
        ("2,026 patients", "2,026 patients"),
        ("enrolled 2026 patients", "enrolled 2026 patients"),  # a count, read as a number
        ("2019 participants took part", "2019 participants took part"),
        ("in 2026 patients were", "in twenty twenty-six patients were"),  # "in": a year
        ("the 2020s patients", "the twenty twenties patients"),
        ("2000 mg", "2000 mg"),
        ("2000mg", "2000mg"),
        ("2026%", "2026%"),
        ("n=2026", "n=2026"),
        ("n = 2026", "n = 2026"),
        ("~2000 cells", "~2000 cells"),
        ("2026.5", "2026.5"),
        ("12026", "12026"),
        ("CD2026", "CD2026"),
    ],
)
def test_read_years(written: str, spoken: str) -> None:
    assert read_years(written) == spoken


def test_a_four_digit_count_is_read_as_a_number_not_a_year() -> None:
    assert normalize("The trial enrolled 2026 patients.") == (
        "The trial enrolled two thousand twenty-six patients."
    )


def test_read_years_says_and_in_british_english() -> None:
    assert read_years("in 2005", GB) == "in two thousand and five"


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("95% CI 0.50 to 0.87", "95% confidence interval 0.50 to 0.87"),
        ("the CIs overlap", "the confidence intervals overlap"),
        ("IQR 3 to 5", "interquartile range 3 to 5"),
        ("HR 0.62", "hazard ratio 0.62"),
        ("HR=0.62", "hazard ratio=0.62"),
        ("HR, 0.62", "hazard ratio, 0.62"),
        ("aHR 0.7", "adjusted hazard ratio 0.7"),
        ("OR 1.5", "odds ratio 1.5"),
        ("aOR 2", "adjusted odds ratio 2"),
        ("RR 0.4", "relative risk 0.4"),
        ("SD 1.2", "standard deviation 1.2"),
        ("SE .05", "standard error .05"),
        ("HR staff and OR theatres", "HR staff and OR theatres"),
        ("CIS stays", "CIS stays"),
    ],
)
def test_read_statistics(written: str, spoken: str) -> None:
    assert read_statistics(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("5mg", "5 milligrams"),
        ("1 mg", "1 milligram"),
        ("0.5 mg", "0.5 milligrams"),
        ("5 mg/kg", "5 milligrams per kilogram"),
        ("4,000 IU/day", "4,000 international units per day"),
        ("1 IU", "1 international unit"),
        ("500 µg", "500 micrograms"),
        ("500 μg", "500 micrograms"),
        ("500 mcg", "500 micrograms"),
        ("3 g", "3 grams"),
        ("70 kg", "70 kilograms"),
        ("250 mL", "250 millilitres"),
        ("2 L", "2 litres"),
        ("2.5 mmol/L", "2.5 millimoles per litre"),
        ("10 km", "10 kilometres"),
        ("37°C", "37 degrees Celsius"),
        ("-1 °C", "-1 degree Celsius"),
        ("98.6 °F", "98.6 degrees Fahrenheit"),
        ("120 mmHg", "120 millimetres of mercury"),
        ("24 h", "24 hours"),
        ("30 min", "30 minutes"),
        ("5 yrs", "5 years"),
        ("2x higher", "2 times higher"),
        ("2/day", "2 per day"),
        ("1 mL/min", "1 millilitre per minute"),
        ("doses in mg", "doses in milligrams"),
        ("IU/day", "international units per day"),
        ("mmol/L", "millimoles per litre"),
        ("in °C", "in degrees Celsius"),
        ("a g or L alone stays", "a g or L alone stays"),
        ("5 x-rays", "5 x-rays"),
        ("5 mgs stays", "5 mgs stays"),
        ("3/4 stays", "3/4 stays"),
    ],
)
def test_read_units(written: str, spoken: str) -> None:
    assert read_units(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("MdM/MdMs", "MdM or MdMs"),
        ("patients/caregivers", "patients or caregivers"),
        ("patients / caregivers", "patients or caregivers"),
        ("and/or", "and or"),
        ("24/7 stays", "24/7 stays"),
    ],
)
def test_slashes_to_or(written: str, spoken: str) -> None:
    assert slashes_to_or(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("a 1:1000 dilution", "a 1 to 1000 dilution"),
        ("randomised 2:1", "randomised 2 to 1"),
        ("at 10:30 am", "at ten thirty a.m."),
        ("at 9:05 p.m.", "at nine oh five p.m."),
        ("at 7:00 PM", "at seven p.m."),
        ("HR: 0.5 stays", "HR: 0.5 stays"),
        ("ratio 1:1:1 stays", "ratio 1:1:1 stays"),
    ],
)
def test_read_ratios(written: str, spoken: str) -> None:
    assert read_ratios(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("~8%", " about 8 percent "),
        ("p<0.001", "p less than 0.001"),
        ("p < 0.05", "p less than 0.05"),
        ("p>0.05", "p greater than 0.05"),
        ("n=316", "n equals 316"),
        ("5.2 ± 1.3", "5.2 plus or minus 1.3"),
        ("≥18 years", " at least 18 years"),
        ("≤ 65", " at most 65"),
        (">= 2 and <= 4", " at least 2 and at most 4"),
        ("≈ 5", " about 5"),
        ("3 × 10", "3 times 10"),
        ("65+ years", "65 plus years"),
        ("relapse → disability", "relapse to disability"),
        ("relapse -> disability", "relapse to disability"),
        ("90° turn", "90 degrees turn"),
        ("no symbols", "no symbols"),
    ],
)
def test_read_symbols(written: str, spoken: str) -> None:
    assert read_symbols(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("an EDSS ≥ 6.5", "an EDSS of 6.5 or more"),
        ("an EDSS≥6.5.", "an EDSS of 6.5 or more."),
        ("a score ≤ 4 points", "a score of 4 or less points"),
        ("EDSS >= 3 and NfL <= 10", "EDSS of 3 or more and NfL of 10 or less"),
        ("a BMI ≥30%", "a BMI of 30% or more"),
        ("a dose ≥ 5 mg", "a dose of 5 or more mg"),
        # no noun before the bound: read_symbols says "at least" / "at most" as before
        ("was ≥ 6.5", "was ≥ 6.5"),
        ("aged ≥18 or ≤65", "aged ≥18 or ≤65"),
        ("p ≤ 0.05", "p ≤ 0.05"),
        ("n ≥ 30", "n ≥ 30"),
        ("≥18 years", "≥18 years"),
        ("EDSS ≥ x", "EDSS ≥ x"),
    ],
)
def test_bounds_after_nouns(written: str, spoken: str) -> None:
    assert bounds_after_nouns(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("<b>Claims</b> about <i>diet</i>", "Claims about diet"),
        ("fatigue<br>and sleep", "fatigue and sleep"),
        ('<a href="https://x.org">the study</a>', "the study"),
        ("10 m<sup>2</sup>", "10 m2"),
        ("p<0.05 and <5% and x < b > y", "p<0.05 and <5% and x < b > y"),
        ("<live> is not a tag", "<live> is not a tag"),
    ],
)
def test_drop_markup(written: str, spoken: str) -> None:
    assert drop_markup(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("0", "zero"),
        ("7 days", "seven days"),
        ("316.", "three hundred sixteen."),
        ("12,500 people", "twelve thousand five hundred people"),
        ("1,000,000", "one million"),
        ("0.87", "zero point eight seven"),
        ("0.50", "zero point five zero"),
        (".05", "point zero five"),
        ("1.5", "one point five"),
        ("-0.3", "minus zero point three"),
        ("−5", "minus five"),
        ("(-2)", "(minus two)"),
        ("1st", "first"),
        ("2nd", "second"),
        ("3rd", "third"),
        ("21st", "twenty-first"),
        ("100th", "one hundredth"),
        ("007", "zero zero seven"),
        ("1 in 20", "one in twenty"),
        ("COVID-19", "COVID-nineteen"),
        ("CSF1R and 3D stay", "CSF1R and 3D stay"),
        ("version 3.11.2 stays", "version 3.11.2 stays"),
        ("1,2 stays", "1,2 stays"),
        (
            "1234567890123456",  # past the trillions: digit by digit
            "one two three four five six seven eight nine zero one two three four five six",
        ),
    ],
)
def test_read_numbers(written: str, spoken: str) -> None:
    assert read_numbers(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("101 patients", "one hundred and one patients"),
        ("1,005", "one thousand and five"),
        ("316", "three hundred and sixteen"),
    ],
)
def test_read_numbers_says_and_in_british_english(written: str, spoken: str) -> None:
    assert read_numbers(written, GB) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        (
            "reactive oxygen species (ROS), chemicals",
            "reactive oxygen species, or ROS, chemicals",
        ),
        (
            "harmful mitochondrial reactive oxygen species (mtROS).",
            "harmful mitochondrial reactive oxygen species, or mtROS.",
        ),
        (
            "monocyte-derived macrophages (MdMs, immune cells that enter the brain).",
            "monocyte-derived macrophages, or MdMs, immune cells that enter the brain.",
        ),
        ("Multiple Sclerosis (MS) is", "Multiple Sclerosis, or MS, is"),
        (
            "EDSS (Expanded Disability Status Scale) rose",
            "EDSS, or Expanded Disability Status Scale, rose",
        ),
        (
            "NfL (neurofilament light chain) levels",
            "NfL, or neurofilament light chain, levels",
        ),
        # Not definitions: the bracket is left for parentheses_to_pauses.
        ("active inflammation (MRI activity)", "active inflammation (MRI activity)"),
        ("patients in Leeds (UK) took", "patients in Leeds (UK) took"),
        ("(MdMs) are immune cells", "(MdMs) are immune cells"),
        ("MRI (new relapses)", "MRI (new relapses)"),
        ("cells (the cell's energy factories)", "cells (the cell's energy factories)"),
        ("NADPH oxidase 2 (NOX2)", "NADPH oxidase 2 (NOX2)"),
    ],
)
def test_define_acronyms(written: str, spoken: str) -> None:
    assert define_acronyms(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        (DISCLAIMER, "AI-generated summary, for informational purposes only, not medical advice"),
        ("summary — for information", "summary, for information"),
        (
            "material—accessible via the section above—and",
            "material, accessible via the section above, and",
        ),
        ("two groups – both small", "two groups, both small"),
        ("a spaced - hyphen", "a spaced, hyphen"),
        ("monocyte-derived macrophages", "monocyte-derived macrophages"),
        ("AI-generated", "AI-generated"),
    ],
)
def test_dashes_to_pauses(written: str, spoken: str) -> None:
    assert dashes_to_pauses(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        (
            "reactive oxygen species (ROS), chemicals",
            "reactive oxygen species, ROS, chemicals",
        ),
        ("oxygen species (mtROS).", "oxygen species, mtROS."),
        (
            "mitochondria (the cell's energy factories) of MdMs",
            "mitochondria, the cell's energy factories, of MdMs",
        ),
        ("microglia ( born in the brain ) and", "microglia, born in the brain, and"),
        (
            "inflammation (new relapses or MRI activity) could",
            "inflammation, new relapses or MRI activity, could",
        ),
    ],
)
def test_parentheses_to_pauses(written: str, spoken: str) -> None:
    assert parentheses_to_pauses(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("R&D", "R and D"),
        ("salt & pepper", "salt and pepper"),
        ("Health & Fitness", "Health and Fitness"),
        ("no ampersand here", "no ampersand here"),
    ],
)
def test_ampersand_to_and(written: str, spoken: str) -> None:
    assert ampersand_to_and(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken", "phonemes"),
    [
        ("NADPH oxidase makes ROS", "N.A.D.P.H oxidase makes R.O.S", False),
        ("ms and rose stay", "ms and rose stay", False),
        ("took ocrelizumab.", "took oak-ruh-liz-oo-mab.", False),
        ("took ocrelizumab.", "took [[ˌoʊkɹəlˈɪzuːmæb.]]", True),
    ],
)
def test_pronounce_terms(written: str, spoken: str, phonemes: bool) -> None:
    assert pronounce_terms(written, Context(lexicon=LEXICON, phonemes=phonemes)) == spoken


def test_pronounce_terms_without_a_lexicon_changes_nothing() -> None:
    assert pronounce_terms("NADPH and ROS", US) == "NADPH and ROS"


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("a ,  b ,, c", "a, b, c"),
        ("species, ROS, , chemicals", "species, ROS, chemicals"),
        ("ends with a pause, .", "ends with a pause."),
        (", leading and trailing ,", "leading and trailing"),
        ("tabs\tand\nnewlines", "tabs and newlines"),
        ("Already tidy.", "Already tidy."),
    ],
)
def test_tidy_spacing(written: str, spoken: str) -> None:
    assert tidy_spacing(written) == spoken


# --- normalize: the rules together ---------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        (DISCLAIMER, "AI-generated summary, for informational purposes only, not medical advice"),
        (
            "made more reactive oxygen species (ROS), chemicals that can damage cells",
            "made more reactive oxygen species, or ROS, chemicals that can damage cells",
        ),
        (
            "harmful mitochondrial reactive oxygen species (mtROS).",
            "harmful mitochondrial reactive oxygen species, or mtROS.",
        ),
        (
            "microglia (born and living in the brain) and monocyte-derived macrophages "
            "(MdMs, immune cells that enter the brain during inflammation).",
            "microglia, born and living in the brain, and monocyte-derived macrophages, "
            "or MdMs, immune cells that enter the brain during inflammation.",
        ),
        ("during cell ‘eating’ of debris", "during cell 'eating' of debris"),
        (
            "the source material—accessible via (More Details)—and",
            "the source material, accessible via, More Details, and",
        ),
        ("R&D (early) — promising.", "R and D, early, promising."),
        ("(MdMs) are immune cells", "MdMs, are immune cells"),
        ("empty () parentheses", "empty, parentheses"),
        ("", ""),
        ("adults aged 18–65 took part", "adults aged eighteen to sixty-five took part"),
        ("in 2019–2021, relapses fell", "in twenty nineteen to twenty twenty-one, relapses fell"),
        (
            "Adults aged 18–55 (n=316) had HR 0.62 (95% CI 0.50–0.87; p<0.001).",
            "Adults aged eighteen to fifty-five, n equals three hundred sixteen, had hazard ratio "
            "zero point six two, ninety-five percent confidence interval zero point five zero to "
            "zero point eight seven; p less than zero point zero zero one.",
        ),
        ("About ~8% fewer, or 1 in 20.", "About about eight percent fewer, or one in twenty."),
        ("OR 1.5 (1.1–2.0)", "odds ratio one point five, one point one to two point zero"),
        ("mean 5.2 ± 1.3 years", "mean five point two plus or minus one point three years"),
        ("aged ≥18 or ≤65", "aged at least eighteen or at most sixty-five"),
        ("an EDSS ≥ 6.5", "an EDSS of six point five or more"),
        ("<b>Claims</b> about diet", "Claims about diet"),
        ("a 1:1000 dilution", "a one to one thousand dilution"),
        ("fell by -0.3 points", "fell by minus zero point three points"),
        ("the 2nd of 12,500 doses", "the second of twelve thousand five hundred doses"),
        ("Take 4,000 IU/day.", "Take four thousand international units per day."),
        (
            "5mg/kg and 2.5 mmol/L",
            "five milligrams per kilogram and two point five millimoles per litre",
        ),
        (
            "500 µg, 1 mg, 3 g, 70 kg",
            "five hundred micrograms, one milligram, three grams, seventy kilograms",
        ),
        ("250 mL, 2 L and 10 km", "two hundred fifty millilitres, two litres and ten kilometres"),
        ("kept at 37°C", "kept at thirty-seven degrees Celsius"),
        ("10–20 mg daily", "ten to twenty milligrams daily"),
        ("Published 12/31/2026.", "Published December thirty-first, twenty twenty-six."),
        (
            "e.g. fatigue, i.e. tiredness, vs. pain, etc.",
            "for example fatigue, that is tiredness, versus pain, et cetera.",
        ),
        ("Smith et al. (2023) found", "Smith and colleagues, twenty twenty-three, found"),
        ("Dr. Lee saw approx. 30.", "Doctor Lee saw approximately thirty."),
        ("See https://www.nice.org.uk/guidance/ng220.", "See nice dot org dot uk."),
        ("Ask info@mssociety.org.uk!", "Ask info at mssociety dot org dot uk!"),
        ("Good news 🎉! It works ✅", "Good news! It works"),
        ("risk fell [1, 2].", "risk fell."),
        ("patients/caregivers and/or friends", "patients or caregivers and or friends"),
        ("at 10:30 am", "at ten thirty a.m."),
        ("65+ years", "sixty-five plus years"),
    ],
)
def test_normalize(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("on 7/3/2026", "on the seventh of March twenty twenty-six"),
        ("aged 18–55 (n=316)", "aged eighteen to fifty-five, n equals three hundred and sixteen"),
        ("in 2005", "in two thousand and five"),
    ],
)
def test_normalize_follows_british_english(written: str, spoken: str) -> None:
    assert normalize(written, "en-GB") == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        # English words stay out of other languages: the engine reads digits its own way.
        ("Am 31.12.2026 hatten 18–55 Jahre ~8%.", "Am 31.12.2026 hatten 18-55 Jahre ~8%."),
        ("Forschung & Lehre (F&L)", "Forschung & Lehre, F&L"),
        ("siehe https://www.dmsg.de/ heute", "siehe heute"),
        ("Gute Nachricht 🎉!", "Gute Nachricht!"),
    ],
)
def test_normalize_in_other_languages(written: str, spoken: str) -> None:
    assert normalize(written, "de-DE") == spoken


# The sample summary's terms, and the examples, with the shipped lexicon.
@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        (
            "In a mouse model of MS, invading immune cells called monocyte-derived macrophages "
            "damage nervous tissue mainly by making harmful mitochondrial reactive oxygen species "
            "(mtROS).",
            "In a mouse model of M.S, invading immune cells called monocyte-derived macrophages "
            "damage nervous tissue mainly by making harmful mitochondrial reactive oxygen species, "
            "or mitochondrial R.O.S.",
        ),
        (
            "monocyte-derived macrophages (MdMs, immune cells that enter the brain during "
            "inflammation).",
            "monocyte-derived macrophages, or M.D.M's, immune cells that enter the brain during "
            "inflammation.",
        ),
        (
            "made more reactive oxygen species (ROS), chemicals that can damage cells; think of "
            "ROS like sparks",
            "made more reactive oxygen species, or R.O.S, chemicals that can damage cells; think "
            "of R.O.S like sparks",
        ),
        (
            "a commonly blamed enzyme called NADPH oxidase 2, which makes ROS",
            "a commonly blamed enzyme called N.A.D.P.H oxidase two, which makes R.O.S",
        ),
        (
            "neutralizes mtROS inside mitochondria (the cell's energy factories) of MdMs,",
            "neutralizes mitochondrial R.O.S inside mitochondria, the cell's energy factories, "
            "of M.D.M's",
        ),
        (
            "active inflammation (new relapses or MRI activity) could",
            "active inflammation, new relapses or M.R.I activity, could",
        ),
        (
            "Researchers mapped CSF1R-positive microglia in the UK",
            "Researchers mapped C.S.F one R-positive microglia in the U.K",
        ),
        ("Multiple Sclerosis (MS) is", "Multiple Sclerosis, or M.S, is"),
        ("two DMTs and the EDSS", "two D.M.T's and the E.D.S.S"),
        ("an EDSS ≥ 6.5", "an E.D.S.S of six point five or more"),
        ("NICE and the NHS", "nice and the N.H.S"),
        ("ms and rose stay as written", "ms and rose stay as written"),
        ("took 300 mg ocrelizumab", "took three hundred milligrams oak-ruh-liz-oo-mab"),
        ("the MdM/MdMs split", "the M.D.M or M.D.M's split"),
    ],
)
def test_normalize_with_the_shipped_lexicon(written: str, spoken: str) -> None:
    assert normalize(written, "en-US", LEXICON) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("took ocrelizumab, then", "took [[ˌoʊkɹəlˈɪzuːmæb,]] then"),
        (
            "Cladribine, fingolimod and siponimod.",
            "[[klˈædɹɪbiːn,]] [[fɪŋɡˈoʊlɪmɑːd]] and [[sɪpˈɑːnɪmɑːd.]]",
        ),
        ("NADPH (ROS)", "N.A.D.P.H, R.O.S"),
    ],
)
def test_normalize_with_phonemes(written: str, spoken: str) -> None:
    assert normalize(written, "en-US", LEXICON, phonemes=True) == spoken


def test_normalize_uses_the_lexicon_it_is_given() -> None:
    own = Lexicon((Entry("MS", "substitute", "multiple sclerosis"),))
    assert normalize("MS and ROS", lexicon=own) == "multiple sclerosis and ROS"


@pytest.mark.parametrize(
    "written",
    [DISCLAIMER, "species (ROS), chemicals", "R&D — “quoted” (x).", "aged 18–55 (n=316), ~8%"],
)
def test_normalize_is_idempotent(written: str) -> None:
    once = normalize(written)
    assert normalize(once) == once


def test_nested_parentheses_become_pauses() -> None:
    assert normalize("macrophages (MdMs (monocyte-derived) cells) enter") == (
        "macrophages, MdMs, monocyte-derived, cells, enter"
    )


_PIECES = [
    *"0123456789 ,.;:!?-–—−/\\()[]{}%~±≥≤<>=×&+°µμ@#$£€'\"‘’“”*_|^\n\t\0aAéß中",
    *["MS", "ROS", "mtROS", "MdMs", "e.g.", "et al.", "Dec", "May", "mg", "IU", "/day", "°C"],
    *["https://", "www.", ".org", "@x.com", "🎉", "\ufe0f", "\u200d", "[[", "]]", "NADPH"],
    *["ocrelizumab", "HR", "CI", "p<", "n=", "1st", "2026", "0.5", "(ROS)", "EDSS (E D S S)"],
    *["12/31/", "2026-12-", "10:30 am", "1:1000", "9" * 30, "1" * 5000],
]


@pytest.mark.parametrize("seed", range(3))
def test_normalize_never_raises(seed: int) -> None:
    pick = random.Random(seed)
    for _ in range(500):
        text = "".join(pick.choice(_PIECES) for _ in range(pick.randint(0, 20)))
        for language in ("en-US", "en-GB", "de", ""):
            spoken = normalize(text, language, LEXICON, phonemes=pick.random() < 0.5)
            assert isinstance(spoken, str)
            assert "\0" not in spoken
