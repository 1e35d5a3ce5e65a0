"""The one Jinja environment: what every printed value loses, and what it keeps."""

from __future__ import annotations

import pytest
from markupsafe import Markup, escape

from narrate.templating import NOT_TEXT, _plain, _printable, render_fragment


def test_every_character_removed_is_one_isprintable_refuses() -> None:
    # _printable skips the regular expression for text str.isprintable accepts; that is only
    # safe while no character NOT_TEXT removes is printable.
    removed = [chr(c) for c in range(0x110000) if NOT_TEXT.match(chr(c))]
    assert removed and not any(char.isprintable() for char in removed)


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("plain text", "plain text"),
        ("tab\there\nand lines\r\n", "tab\there\nand lines\r\n"),
        ("bell\x07 del\x7f c1\x85 end", "bell del c1 end"),
        ("line\nwith\x00nul", "line\nwithnul"),
        ("non\ufffecharacters\U0010ffff\ufdd0", "noncharacters"),
        ("lone \ud800surrogate", "lone surrogate"),
        ("no-break\u00a0space", "no-break\u00a0space"),
        ("", ""),
    ],
)
def test_printed_text_loses_what_xml_forbids(value: str, printed: str) -> None:
    assert _printable(value) == printed
    if _plain(value):  # the fast path may only skip values with nothing to remove
        assert printed == value


def test_markup_stays_markup_and_other_values_pass_through() -> None:
    cleaned = _printable(Markup("<p>a\x01b</p>\n"))
    assert isinstance(cleaned, Markup) and cleaned == "<p>ab</p>\n"
    kept = Markup("<p>ok</p>\n")
    assert _printable(kept) is kept
    assert _printable(42) == 42 and _printable(None) is None


def test_a_fragment_is_rendered_once_and_placed_as_it_is() -> None:
    fragment = render_fragment(
        "show_notes.html",
        summary="a < b\x07",
        chapters=[],
        source_url=None,
        research_url=None,
        disclaimer="d",
    )
    assert fragment == "<p>a &lt; b</p>\n<p>d</p>"  # escaped, cleaned, no final line break
    assert _printable(fragment) is fragment
    assert escape(fragment) == fragment
