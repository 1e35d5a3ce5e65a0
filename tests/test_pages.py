"""render_pages on hand-made episodes, parsed back with html.parser (no browser: fast).

The same pages in real Chromium, with axe-core and the keyboard: tests/test_pages_browser.py.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from multiprocessing import get_all_start_methods
from typing import Any

import pytest
from conftest import UNSAFE_LINKS
from published import ART, SHOW, published_episode

from narrate.models import (
    Chapter,
    PublishedEpisode,
    Segment,
    SegmentKind,
    SegmentTiming,
    WordTiming,
)
from narrate.processes import worker_pool
from narrate.publish import pages
from narrate.publish.pages import ASSETS, EpisodePage, render_pages

HOSTILE = """<script>alert("pwned")</script> & 'quotes' "too" </textarea><b>"""
VOID = {"meta", "link", "input", "br", "img", "source", "track", "hr", "wbr", "area", "col"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    parts: list[str | Element] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Element]:
        found = []
        for part in self.parts:
            if isinstance(part, Element):
                if (tag is None or part.tag == tag) and (cls is None or cls in part.classes):
                    found.append(part)
                found.extend(part.find_all(tag, cls))
        return found

    def find(self, tag: str | None = None, cls: str | None = None) -> Element:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag or '*'} class={cls}>"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.stack[-1].parts.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].parts.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].parts.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


def _segment(
    kind: SegmentKind, paragraph: int, text: str, start: int, words: bool = False
) -> SegmentTiming:
    end = start + 1000 * len(text.split())
    timed = None
    if words:
        timed = tuple(
            WordTiming(word, start + 1000 * i, start + 1000 * (i + 1))
            for i, word in enumerate(text.split())
        )
    return SegmentTiming(Segment(kind, 0, paragraph, text, text.lower()), start, end, timed)


SEGMENTS = (
    _segment("intro", 0, "Welcome to the show.", 300),
    _segment("intro", 0, "This takes two minutes.", 5_000),
    _segment("body", 1, "Cells & sparks: a <b>bold</b> claim.", 15_997, words=True),
    _segment("body", 1, 'It\'s "quoted" too.', 30_000),
    _segment("body", 2, "A second paragraph.", 93_829),
    _segment("disclaimer", 3, "Not medical advice.", 120_000),
    _segment("outro", 4, "Thank you for listening.", 130_000),
)


CHAPTERS = (
    Chapter("Introduction", 0, 15_997),
    Chapter("Cells & sparks…", 15_997, 93_829),
    Chapter("A second paragraph…", 93_829, 151_600),
)
"""The chapters of SEGMENTS."""


def _episode(slug: str, date: dt.date, **changes: object) -> PublishedEpisode:
    """A published episode whose chapters are those of SEGMENTS."""
    return published_episode(slug, date, **{"chapters": CHAPTERS, **changes})


def _site(*episodes: PublishedEpisode, show_title: str | None = None) -> dict[str, str]:
    show = SHOW if show_title is None else replace(SHOW, title=show_title)
    return render_pages([EpisodePage(e, SEGMENTS) for e in episodes], show, ART)


def _pages(site: dict[str, str]) -> dict[str, Element]:
    return {path: parse(html) for path, html in site.items() if path.endswith(".html")}


def test_every_page_and_asset_is_rendered() -> None:
    site = _site(_episode("one", dt.date(2026, 3, 1)))
    assert set(site) == {
        "index.html",
        "episodes/one/index.html",
        "episodes/one/embed.html",
        *(f"assets/{name}" for name in ASSETS),
    }
    assert "icon.svg" in ASSETS
    # Every asset the pages ask for is published.
    for path, page in _pages(site).items():
        folder = path.rpartition("/")[0]
        for element in page.find_all("link") + page.find_all("script"):
            url = element.attrs.get("href") or element.attrs.get("src") or ""
            resolved = posixpath.normpath(posixpath.join(folder, url))
            assert resolved in site, f"{path} links {url}, which is not published"


def test_hostile_titles_are_escaped_everywhere() -> None:
    episode = _episode("one", dt.date(2026, 3, 1), title=HOSTILE, description=HOSTILE)
    site = _site(episode, show_title=HOSTILE)
    for path, html in site.items():
        if not path.endswith(".html"):
            continue
        assert "<script>alert" not in html and "<b>" not in html, path
        page = parse(html)
        # Parsed back, the title is exactly the text it was, in every place it is shown.
        assert page.find("title").text.count(HOSTILE) >= 1, path
        assert [s.attrs.get("src") for s in page.find_all("script")] == [
            ("" if path == "index.html" else "../../") + "assets/player.js"
        ], path
        if path != "index.html":
            assert page.find("h1").text == HOSTILE
            article = page.find("article")
            assert article.attrs["data-show"] == HOSTILE
    index = parse(site["index.html"])
    assert index.find("h1").text == HOSTILE
    assert index.find("h3").text == HOSTILE


def test_embed_snippet_is_an_iframe_with_a_title() -> None:
    episode = _episode("one", dt.date(2026, 3, 1), title=HOSTILE)
    page = parse(_site(episode)["episodes/one/index.html"])
    textarea = page.find("textarea")
    assert "readonly" in textarea.attrs
    snippet = parse(textarea.text)  # what people paste into their own pages
    iframe = snippet.find("iframe")
    assert iframe.attrs["title"] == f"Listen: {HOSTILE}"
    assert iframe.attrs["src"] == SHOW.base_url + "episodes/one/embed.html"
    assert [p for p in snippet.parts if isinstance(p, Element)] == [iframe]


@pytest.mark.parametrize("page_name", ["index.html", "embed.html"])
def test_every_transcript_sentence_is_on_the_page_with_its_time(page_name: str) -> None:
    page = parse(_site(_episode("one", dt.date(2026, 3, 1)))[f"episodes/one/{page_name}"])
    transcript = page.find("section", "transcript")
    sentences = transcript.find_all("span", "sentence")
    assert [s.text for s in sentences] == [t.segment.text for t in SEGMENTS]
    assert [(s.attrs["data-start"], s.attrs["data-end"]) for s in sentences] == [
        (f"{t.start_ms / 1000:.3f}", f"{t.end_ms / 1000:.3f}") for t in SEGMENTS
    ]
    # Words are marked only where the engine's words are the written ones.
    assert [len(s.find_all("span", "word")) for s in sentences] == [0, 0, 6, 0, 0, 0, 0]
    paragraphs = transcript.find_all("p", "paragraph")
    assert [p.classes[1] for p in paragraphs] == ["intro", "body", "body", "disclaimer", "outro"]
    stamps = [p.find("a", "timestamp") for p in paragraphs]
    assert [a.attrs["href"] for a in stamps] == [
        f"../../audio/one.mp3#t={t}" for t in ("0.300", "15.997", "93.829", "120.000", "130.000")
    ]
    assert stamps[1].text == "Go to 0:15"  # "Go to" is visually hidden


def test_chapters_are_links_with_media_fragment_fallbacks() -> None:
    page = parse(_site(_episode("one", dt.date(2026, 3, 1)))["episodes/one/index.html"])
    links = page.find("section", "chapters").find_all("a")
    assert [(a.attrs["href"], a.attrs["data-start"], a.text) for a in links] == [
        ("../../audio/one.mp3#t=0.000", "0.000", "0:00 Introduction"),
        ("../../audio/one.mp3#t=15.997", "15.997", "0:15 Cells & sparks…"),
        ("../../audio/one.mp3#t=93.829", "93.829", "1:33 A second paragraph…"),
    ]


def test_player_works_without_javascript_and_offers_the_speed_presets() -> None:
    page = parse(_site(_episode("one", dt.date(2026, 3, 1)))["episodes/one/index.html"])
    audio = page.find("audio")
    assert audio.attrs["src"] == "../../audio/one.mp3"
    assert "controls" in audio.attrs and "autoplay" not in audio.attrs
    assert audio.attrs["preload"] == "metadata"
    assert {t.attrs["kind"] for t in audio.find_all("track")} == {"captions", "chapters"}
    controls = page.find("div", "controls")
    assert "hidden" in controls.attrs  # shown by player.js, never a dead button without it
    speeds = controls.find_all("button", "speed")
    assert [(b.text, b.attrs["aria-pressed"]) for b in speeds] == [
        ("0.75×", "false"),
        ("1×", "true"),
        ("1.25×", "false"),
        ("1.5×", "false"),
    ]
    assert [b.text for b in controls.find_all("button")[:3]] == [
        "Play",
        "Back 10 s",
        "Forward 30 s",
    ]
    status = controls.find("p", "status")
    assert (status.attrs["role"], status.attrs["aria-live"]) == ("status", "polite")
    assert page.find("a", None).attrs["href"] == "#main"  # the skip link comes first


def test_index_lists_newest_first() -> None:
    site = _site(
        _episode("old", dt.date(2026, 1, 5), number=1),
        _episode("newest", dt.date(2026, 3, 1), number=3),
        _episode("same-day-earlier", dt.date(2026, 2, 1), number=2),
        _episode("same-day-later", dt.date(2026, 2, 1), number=4),
    )
    index = parse(site["index.html"])
    links = [li.find("a").attrs["href"] for li in index.find("ol", "episodes").find_all("li")]
    assert links == [
        "episodes/newest/",
        "episodes/same-day-later/",
        "episodes/same-day-earlier/",
        "episodes/old/",
    ]
    times = [t.attrs["datetime"] for t in index.find_all("time")]
    assert times[0::2] == ["2026-03-01", "2026-02-01", "2026-02-01", "2026-01-05"]
    assert index.find("input").attrs["value"] == SHOW.feed_url


def test_csp_meta_forbids_inline_code_and_no_page_has_any() -> None:
    site = _site(
        _episode("one", dt.date(2026, 3, 1), title=HOSTILE), _episode("two", dt.date(2026, 4, 1))
    )
    for path, page in _pages(site).items():
        metas = [
            m
            for m in page.find_all("meta")
            if m.attrs.get("http-equiv") == "Content-Security-Policy"
        ]
        assert len(metas) == 1, path
        policy = {d.split()[0]: d.split()[1:] for d in (metas[0].attrs["content"] or "").split(";")}
        assert policy["default-src"] == ["'none'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        for script in page.find_all("script"):
            assert script.attrs.get("src") and script.text == "", f"inline script in {path}"
        for element in page.find_all():
            handlers = [a for a in element.attrs if a.lower().startswith("on")]
            assert handlers == [], f"<{element.tag} {handlers}> in {path}"
            assert "style" not in element.attrs, f"inline style on <{element.tag}> in {path}"
            assert not (element.attrs.get("href") or "").lower().startswith("javascript:")
        ids = [e.attrs["id"] for e in page.find_all() if "id" in e.attrs]
        assert len(ids) == len(set(ids)), f"duplicate ids in {path}"


@pytest.mark.skipif("fork" not in get_all_start_methods(), reason="workers are forked")
def test_several_processes_render_the_same_site_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []

    def workers(jobs: int, *args: Any, **options: Any) -> ProcessPoolExecutor:
        started.append(jobs)
        return worker_pool(jobs, *args, **options)

    monkeypatch.setattr(pages, "worker_pool", workers)
    monkeypatch.setattr(pages, "WORKER_SHARE", 1)
    episodes = [
        EpisodePage(
            _episode(
                f"e{n}", dt.date(2026, 1, 1) + dt.timedelta(n % 9), number=n, title=f"{HOSTILE}{n}"
            ),
            SEGMENTS[: 1 + n % len(SEGMENTS)],
        )
        for n in range(41)
    ]
    alone = render_pages(episodes, SHOW, ART, jobs=1)
    assert started == []
    shared = render_pages(episodes, SHOW, ART, jobs=3)
    assert started == [3]
    assert list(shared.items()) == list(alone.items())  # same bytes, same order


@pytest.mark.parametrize(
    ("language", "direction"), [("ar", "rtl"), ("he-IL", "rtl"), ("en-US", None)]
)
def test_pages_of_a_right_to_left_show_say_so(language: str, direction: str | None) -> None:
    show = replace(SHOW, language=language)
    site = render_pages([EpisodePage(_episode("a", dt.date(2026, 1, 1)), SEGMENTS)], show, ART)
    for path, html in site.items():
        if path.endswith(".html"):
            root = parse(html).find("html")
            assert root is not None and root.attrs.get("lang") == language, path
            assert root.attrs.get("dir") == direction, path


@pytest.mark.parametrize("page_name", ["index.html", "embed.html"])
def test_players_show_the_episodes_own_cover_when_it_has_one(page_name: str) -> None:
    """The cover the player hands to lock screens and notifications (Media Session)."""
    own = _episode("one", dt.date(2026, 3, 1), image="artwork/episodes/one.jpg")
    plain = _episode("two", dt.date(2026, 3, 2), number=2)
    site = _site(own, plain)
    covers = {
        slug: parse(site[f"episodes/{slug}/{page_name}"]).find("article").attrs["data-cover"]
        for slug in ("one", "two")
    }
    assert covers == {"one": "../../artwork/episodes/one.jpg", "two": "../../artwork/cover.jpg"}


@pytest.mark.parametrize("url", UNSAFE_LINKS.values(), ids=UNSAFE_LINKS)
def test_a_recorded_source_link_that_is_not_http_never_becomes_a_link(url: str) -> None:
    """Records of episodes published by an older build may hold any link: none but
    http(s) reaches a page (new ones are refused where they enter: tests/test_hostile_input)."""
    safe, unsafe = (
        _pages(_site(_episode("one", dt.date(2026, 3, 1), source_url=link)))
        for link in ("https://example.org/summaries/one", url)
    )
    for path in ("episodes/one/index.html", "episodes/one/embed.html"):
        hrefs = {a.attrs.get("href") for a in safe[path].find_all("a")}
        assert {a.attrs.get("href") for a in unsafe[path].find_all("a")} == hrefs - {
            "https://example.org/summaries/one"
        }
    assert "Read the written summary" in safe["episodes/one/index.html"].text
    assert "Read the written summary" not in unsafe["episodes/one/index.html"].text
