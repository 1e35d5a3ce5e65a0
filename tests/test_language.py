"""What the show's language decides outside the speech rules: one answer for every stage."""

from __future__ import annotations

import datetime as dt

import pytest

from narrate.language import is_english, long_date, text_direction
from narrate.text.rules.context import Context


@pytest.mark.parametrize(
    ("language", "english"),
    [("en-US", True), ("en", True), ("EN-gb", True), ("en_AU", True), ("", True),
     ("de-DE", False), ("fr-CA", False), ("enm", False), ("eng", False), ("ne", False)],
)  # fmt: skip
def test_is_english_reads_the_primary_subtag(language: str, english: bool) -> None:
    # The speech rules, the build's self-check and `narrate verify` all ask this one function.
    assert is_english(language) is english
    assert Context(language).english is english


@pytest.mark.parametrize(
    ("language", "direction"),
    [("ar", "rtl"), ("fa-IR", "rtl"), ("ur_PK", "rtl"), ("ku-Arab", "rtl"), ("ug-Latn", "ltr"),
     ("en-US", "ltr"), ("de", "ltr"), ("", "ltr")],
)  # fmt: skip
def test_text_direction_follows_the_language_and_its_script(language: str, direction: str) -> None:
    assert text_direction(language) == direction


@pytest.mark.parametrize(
    ("date", "written"),
    [
        (dt.date(2026, 11, 20), "November 20, 2026"),  # the intro's date (was script.spoken_date)
        (dt.date(2027, 3, 5), "March 5, 2027"),  # no leading zero
        (dt.date(2026, 1, 1), "January 1, 2026"),  # the pages' date (was pages._date)
        (dt.date(2025, 12, 31), "December 31, 2025"),
    ],
)
def test_long_date_is_the_date_the_intro_says_and_the_pages_show(
    date: dt.date, written: str
) -> None:
    assert long_date(date) == written
