"""Properties of the text stages for any text at all: reading, normalization and rendering.

Hypothesis writes the hostile input. Normalization never raises; reading a file gives an
Episode or a one-line SourceError naming the file, never another exception; whatever text
reaches the feed and the pages, the feed stays well-formed XML 1.0 that feedparser reads
without complaint, and every page keeps its own markup, with the text escaped and intact.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import tempfile
import xml.etree.ElementTree as ET
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import feedparser
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from published import ART, SHOW, published_episode

from narrate.config import EXAMPLE_SHOW, EpisodeSource, load_settings
from narrate.errors import SourceError
from narrate.models import (
    Chapter,
    Episode,
    PublishedEpisode,
    Segment,
    SegmentTiming,
)
from narrate.publish.feed import render_feed
from narrate.publish.pages import EpisodePage, render_pages
from narrate.text.pronounce import load_lexicon
from narrate.text.rules.normalize import normalize
from narrate.text.sources import clean_text, read_episode

LANGUAGES = ("en-US", "en-GB", "de")
LEXICON = load_lexicon(None)
DATE = dt.date(2026, 11, 20)
# Budgets that keep the file under 30 s; reading is the slow one (sentence splitting).
MANY = settings(max_examples=300, deadline=None)
SOME = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that make the speech rules and the Markdown reader do real work, so that random
# text meets dates, numbers, units, links, brackets and phoneme markers, not only noise.
PIECES = (
    "12/31/2026", "2026-02-30", "31 Dec 2026", "Dec. 31", "in 1990s", "1:1000", "10:30 am",
    "0.50–0.87", "18-65", "HR 0.62 (95% CI 0.50–0.87)", "5mg/kg", "37°C", "~8%", "p<0.001",
    "n=316", "65+", "21st", "-0.3", "12,500", "9" * 40, "e.g.", "et al.", "Dr.", "and/or",
    "reactive oxygen species (ROS)", "EDSS (Expanded Disability Status Scale)", "((a(b)c))",
    "[1, 2]", "[[ipa]]", "[[", "]]", "https://www.nice.org.uk/x?y=1#z.", "info@ms.org",
    "R&D", " — ", "&amp;", "<script>alert(1)</script>", "]]>", "\"", "'", "“”‘’", "🎉",
    "שלום", "مرحبا", "日本", "\ufeff", "\u200d", "\u2028", "NADPH", "MS", "mtROS", ".", ",",
    ";", ":", "!", "?", "(", ")", "\n", "\n\n", "\r\n", "---\n", "# ", "## ", "- ", "1. ",
    "> ", "**", "_", "`", "Read More", "9/1/2026", "not medical advice", "title: x\n",
)  # fmt: skip
# Everything XML and HTML treat specially, and every character XML 1.0 forbids.
SPECIALS = "<>&\"'`=/;#]!-?\t\n\r\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f\x85\x9f\ufffe\uffff"
TEXT = st.lists(st.one_of(st.text(max_size=20), st.sampled_from(PIECES)), max_size=12).map("".join)
MARKUP_TEXT = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(SPECIALS)))


# (1) normalization


@MANY
@given(
    text=TEXT, language=st.sampled_from(LANGUAGES), lexicon=st.booleans(), phonemes=st.booleans()
)
def test_normalize_never_raises(text: str, language: str, lexicon: bool, phonemes: bool) -> None:
    spoken = normalize(text, language, LEXICON if lexicon else None, phonemes)
    assert isinstance(spoken, str)
    assert spoken == spoken.strip(" ,")


# (2) reading a file


YAML_LINES = (
    "title: x", 'title: "a\\x01\\ud800b\\uFFFE"', "title: [1, 2]", "date: 2026-02-30",
    "date: '2026-02-30'", "date: 2026-11-20", "date: 12", "source_url: ~",
    "disclaimer: Not medical advice.", "a: &x [*x]", "\ttitle: x", "? [a]\n: b",
    "a: " + "1" * 5000, "a: " + "[" * 2000,
)  # fmt: skip
FRONT_MATTER = st.builds(
    "---\n{}\n---\n{}".format,
    st.lists(st.one_of(st.sampled_from(YAML_LINES), TEXT), max_size=4).map("\n".join),
    TEXT,
)
SOURCE_BYTES = st.one_of(
    TEXT.map(str.encode),
    FRONT_MATTER.map(str.encode),
    st.binary(max_size=200),
    TEXT.map(lambda text: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()),
)


@SOME
@given(data=SOURCE_BYTES, suffix=st.sampled_from([".txt", ".md"]))
def test_read_episode_returns_an_episode_or_raises_source_error(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"summary{suffix}"
        path.write_bytes(data)
        try:
            episode = read_episode(EpisodeSource(path, DATE, None, None))
        except SourceError as error:
            message = str(error)
            event("SourceError: " + message.removeprefix(f"{path}: ").split(";")[0].split(" (")[0])
            assert message.startswith(f"{path}: ")
            assert "\n" not in message
            return
    event("Episode")
    assert isinstance(episode, Episode)
    assert episode.title and episode.title == " ".join(episode.title.split())
    assert episode.summary and episode.sections
    texts = [episode.title, episode.summary, episode.disclaimer or "", episode.source_url or ""]
    texts += [s.title for s in episode.sections]
    texts += [p for s in episode.sections for p in s.paragraphs]
    for text in texts:
        assert clean_text(text) == text  # nothing that XML 1.0 or HTML forbids


# (3) the feed


def _published(title: str, summary: str, disclaimer: str) -> PublishedEpisode:
    return published_episode(
        "hostile",
        DATE,
        title=title,
        description=summary,
        length_bytes=1234,
        duration_ms=61_000,
        source_url="https://example.org/summaries/1?a=1&b=2",
        disclaimer=disclaimer,
        chapters=(Chapter("Introduction", 0, 5_000), Chapter(title, 5_000, 61_000)),
    )


# What neither XML 1.0 nor HTML accepts as text: C0 controls but tab and line ends, DEL and
# the C1 controls, lone surrogates and the noncharacters.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(1, 17))
    + "]"
)


def _kept(text: str) -> str:
    """What a page or the feed should give back of ``text``: the forbidden characters removed,
    line ends as "\\n" (as XML parsers and browsers read them)."""
    return _lf(_FORBIDDEN.sub("", text))


def _lf(text: str) -> str:
    """Line ends as a browser reads them (Python's HTMLParser leaves "\r" alone)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _assert_feed_keeps(title: str, summary: str, disclaimer: str) -> None:
    xml = render_feed([_published(title, summary, disclaimer)], SHOW, ART)

    item = ET.fromstring(xml).find("channel/item")
    assert item is not None
    assert item.findtext("title") == _kept(title)
    assert item.findtext("description") == _kept(summary)
    notes = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""
    # The show notes are HTML inside the XML: their own markup only, the text intact.
    assert {tag for tag, _ in _parse(notes).tags} <= {"p", "ul", "li", "a"}
    assert _kept(disclaimer) in html.unescape(notes)
    parsed = feedparser.parse(xml.encode("utf-8"))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    # feedparser's own title is not compared: it "repairs" text that looks double-encoded
    # ("Â¡" -> "¡") and maps C1 characters as Windows-1252; ElementTree above reads it exactly.
    assert len(parsed.entries) == 1 and "title" in parsed.entries[0]


@MANY
@given(title=MARKUP_TEXT, summary=MARKUP_TEXT, disclaimer=MARKUP_TEXT)
@example(title="<script>alert(1)</script>", summary="a & b", disclaimer="]]> \"q\" 'q'")
def test_feed_is_well_formed_for_any_text_a_summary_can_hold(
    title: str, summary: str, disclaimer: str
) -> None:
    """Text as read_episode hands it on (its control characters already removed)."""
    _assert_feed_keeps(clean_text(title), clean_text(summary), clean_text(disclaimer))


@MANY
@given(title=MARKUP_TEXT, summary=MARKUP_TEXT, disclaimer=MARKUP_TEXT)
@example(title="Bell\x07 and \x00 \ufffe", summary="a\x0cb", disclaimer="\x1b")
def test_feed_is_well_formed_for_any_text_at_all(title: str, summary: str, disclaimer: str) -> None:
    _assert_feed_keeps(title, summary, disclaimer)


def test_show_title_with_a_control_character_escape_keeps_the_feed_well_formed(
    tmp_path: Path,
) -> None:
    show_file = tmp_path / "show.toml"
    text = (EXAMPLE_SHOW).read_text(encoding="utf-8")
    show_file.write_text(text.replace('title = "', 'title = "Bell\\u0007 ', 1), encoding="utf-8")
    show = load_settings(show_file).show

    root = ET.fromstring(render_feed([_published("t", "s", "d")], show, ART))

    assert root.findtext("channel/title") == _kept(show.title)


# (4) the pages


class _Page(HTMLParser):
    """Start tags with their attribute names, and the text inside chosen elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[str, ...]]] = []
        self.attrs: list[dict[str, str | None]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.text: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(name for name, _ in attrs)))
        self.attrs.append(dict(attrs))
        if tag == "script":
            self.scripts.append(dict(attrs))
        if tag not in ("meta", "link", "input", "track", "br", "img"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        for tag in set(self._open):
            self.text.setdefault(tag, []).append(data)

    def inside(self, tag: str) -> str:
        return "".join(self.text.get(tag, []))


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _site(title: str, summary: str, disclaimer: str) -> dict[str, str]:
    episode = _published(title, summary, disclaimer)
    segments = (
        Segment("intro", 0, 0, "Welcome.", "Welcome."),
        Segment("body", 1, 1, summary, summary),
        Segment("disclaimer", 2, 2, disclaimer, disclaimer),
    )
    timings = tuple(SegmentTiming(s, i * 1000, i * 1000 + 900) for i, s in enumerate(segments))
    pages = render_pages([EpisodePage(episode, timings)], SHOW, ART)
    return {path: page for path, page in pages.items() if path.endswith(".html")}


@cache
def _plain_site() -> dict[str, _Page]:
    return {path: _parse(page) for path, page in _site("Plain", "Plain.", "Plain.").items()}


def _assert_pages_keep(title: str, summary: str, disclaimer: str) -> None:
    site = _site(title, summary, disclaimer)
    plain = _plain_site()
    assert site.keys() == plain.keys()
    for path, page in site.items():
        assert not _FORBIDDEN.search(page), f"{path} holds characters HTML forbids"
        parsed = _parse(page)
        # The text changes no markup: the same tags and attributes as with a plain title,
        # and the one script is narrate's own, external one.
        assert parsed.tags == plain[path].tags, path
        assert parsed.scripts == [{"src": parsed.scripts[0]["src"], "defer": None}], path
        assert str(parsed.scripts[0]["src"]).endswith("assets/player.js")
    expected = _kept(title)
    index = _parse(site["index.html"])
    assert expected in _lf(index.inside("h3"))
    episode = _parse(site["episodes/hostile/index.html"])
    assert _lf(episode.inside("h1")) == expected
    assert _lf(episode.inside("title")) == f"{expected} · {SHOW.title}"
    assert _kept(summary) in _lf(episode.inside("section"))
    assert _kept(disclaimer) in _lf(episode.inside("section"))
    # The embed code is text in a textarea: unescaped once, it is the snippet, whose own
    # title attribute, unescaped again, is the episode title.
    snippet = _parse(episode.inside("textarea"))
    assert [tag for tag, _ in snippet.tags] == ["iframe"]
    assert _lf(str(snippet.attrs[0]["title"])) == f"Listen: {expected}"


@SOME
@given(title=MARKUP_TEXT, summary=MARKUP_TEXT, disclaimer=MARKUP_TEXT)
@example(title="<script>alert(1)</script>", summary="</textarea><b>", disclaimer="&amp; \"'")
def test_pages_escape_any_text_a_summary_can_hold(
    title: str, summary: str, disclaimer: str
) -> None:
    """Text as read_episode hands it on (its control characters already removed)."""
    _assert_pages_keep(clean_text(title), clean_text(summary), clean_text(disclaimer))


@SOME
@given(title=MARKUP_TEXT, summary=MARKUP_TEXT, disclaimer=MARKUP_TEXT)
@example(title="Bell\x07 and \x00", summary="a\x0cb", disclaimer="\x1b")
def test_pages_escape_any_text_at_all(title: str, summary: str, disclaimer: str) -> None:
    _assert_pages_keep(title, summary, disclaimer)


def test_title_text_round_trips_through_html_unescape() -> None:
    title = "<script>alert(1)</script> & \"quotes\" 'too'"
    page = _site(title, "s", "d")["episodes/hostile/index.html"]
    start = page.index("<h1>") + len("<h1>")
    raw = page[start : page.index("</h1>", start)]
    assert "<" not in raw and html.unescape(raw) == title
