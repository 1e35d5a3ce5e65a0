"""Saved summary pages (.html): read as the same summary a page dump gives, chrome never spoken.

The pages are shaped like a summary site's: a header menu, a cookie banner, a breadcrumb, a share
bar, the title as h1, a date, the summary, the disclaimer, a link to the study, a newsletter
form, "You may also like" teaser cards with dates and "Read More", and a footer with the site's
about text. One page holds the example summary (``SAMPLE``), so that reading it can be compared
with reading the example's page dump.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from conftest import EXAMPLE_DISCLAIMER, SAMPLE, run_narrate

from narrate.config import EXAMPLE_SHOW, EpisodeSource, ScriptSettings, load_settings
from narrate.errors import SourceError
from narrate.models import Episode, Script, Section
from narrate.text.html_page import declared_encoding, is_html_page, read_html_page
from narrate.text.script import build_script
from narrate.text.sources import read_episode

TITLE = "Invading immune cells, not microglia, drive nerve damage through mitochondrial ROS"
PAGE_URL = "https://msresearch.example.com/summaries/mtros-macrophages"
STUDY_URL = "https://doi.org/10.1126/sciimmunol.example"
SUMMARY = SAMPLE.read_text(encoding="utf-8").split("\n")[:4]
"""The example summary's paragraphs, as its page dump holds them before the disclaimer."""
SITE_ABOUT = (
    "Whether you’ve recently been diagnosed with Multiple Sclerosis (MS) or are seeking to "
    "broaden your understanding of this complex, neurodegenerative disease, navigating the "
    "latest research can feel overwhelming. Studies published in respected medical journals "
    "often range from early-stage, exploratory work to advanced clinical trials.",
    "However, not all research is created equal. For a more comprehensive, accurate "
    "understanding, we recommend reviewing the original source material, accessible via the "
    "More Details section above, and consulting with healthcare professionals.",
)
"""The site's boilerplate under every summary (from the example's page dump): never spoken."""
TEASERS = (
    ("12/31/2025", "Learn how certain gut bacteria can worsen MS symptoms and what this means"),
    ("12/30/2025", "Researchers found consistent gut bacteria differences in MS tied to disease"),
    ("9/1/2025", "A small study found Ma/Ma2 antibodies can cause nerve-only symptoms"),
    ("7/4/2025", "Researchers mapped CSF1R-positive microglia in the brain and found increases"),
    ("7/3/2025", "UK update on pregnancy and MS: new advice on medicines and breastfeeding"),
)
"""The "You may also like" cards: each a date, an excerpt and "Read More"."""
CHROME = (
    "Skip to content", "MS Research Explained", "Summaries", "Topics", "About Us", "Contact",
    "Sources we use", "We use cookies", "Accept all cookies", "Privacy Policy", "Immunology",
    "Share this summary", "Facebook", "LinkedIn", "Subscribe to our newsletter",
    "delivered to your inbox", "Your email address", "Sign up", "You may also like",
    "Read More", "More Details", "Original study", "Science Immunology (2025)", "Join 10,000",
    "MS Plain Science", "Published on", "Whether you", "not all research is created equal",
    "All rights reserved", "Terms of Use", "Search summaries", "Donate", "Got it",
    *(date for date, _ in TEASERS), *(excerpt[:30] for _, excerpt in TEASERS),
)  # fmt: skip
"""Site chrome on the test pages: none of it is ever in a script, written or spoken."""

VITAMIN_D = (
    "Researchers followed 1,200 people with relapsing MS for five years to see whether vitamin "
    "D levels in the blood were linked to new relapses.",
    "People whose vitamin D levels stayed in the higher range had about a third fewer relapses "
    "than those with low levels. The difference held after the team accounted for age, smoking "
    "and the treatment each person used.",
    "The study cannot show that vitamin D itself prevents relapses, because people with higher "
    "levels may differ in other ways, such as spending more time outdoors.",
)
NEUROLOGY_URL = "https://www.neurology.org/doi/10.1212/WNL.0000000000209999"


def _cards(teasers: tuple[tuple[str, str], ...] = TEASERS) -> str:
    return "\n".join(
        f'<div class="card"><a href="/summaries/{n}"><img src="/img/{n}.jpg" alt=""></a>'
        f'<span class="date">{date}</span><p class="excerpt">{html.escape(text)}…</p>'
        f'<a class="btn" href="/summaries/{n}">Read More</a></div>'
        for n, (date, text) in enumerate(teasers)
    )


def site_page(
    paragraphs: tuple[str, ...] | list[str] = tuple(SUMMARY),
    disclaimer: str | None = EXAMPLE_DISCLAIMER,
    details: str | None = (
        f'<p>Original study: <a href="{STUDY_URL}">Science Immunology (2025)</a></p>'
    ),
    date: str | None = "2025-11-20",
    title: str = TITLE,
) -> str:
    """A summary page in HTML5's own elements (header, nav, main, article, aside, footer)."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    when = f'<time datetime="{date}">{date}</time>' if date else ""
    note = f'<p class="disclaimer"><em>{html.escape(disclaimer)}</em></p>' if disclaimer else ""
    more = f'<section class="more-details"><h2>More Details</h2>{details}</section>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | MS Research Explained</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:url" content="{PAGE_URL}"><link rel="canonical" href="{PAGE_URL}">
<script>window.dataLayer = [];</script><style>body {{ font-family: sans-serif }}</style>
</head><body>
<a class="skip" href="#main">Skip to content</a>
<div id="cookie-banner" class="cookie-consent" role="dialog"><p>We use cookies to improve your
experience on our website. By continuing to browse, you agree to our use of cookies.</p>
<button>Accept all cookies</button> <a href="/privacy">Privacy Policy</a></div>
<header class="site-header"><a class="logo" href="/">MS Research Explained</a>
<nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/summaries">Summaries</a></li>
<li><a href="/topics">Topics</a></li><li><a href="https://msresearch.example.com/sources">Sources
we use</a></li><li><a href="/about">About Us</a></li><li><a href="/contact">Contact</a></li>
</ul></nav></header>
<main id="main">
<nav class="breadcrumb" aria-label="breadcrumb"><a href="/">Home</a> &gt;
<a href="/summaries">Summaries</a> &gt; <span>Immunology</span></nav>
<article class="summary">
<h1>{html.escape(title)}</h1>
<div class="meta">{when}</div>
<div class="share-bar"><span>Share this summary</span>
<a href="https://www.facebook.com/sharer/sharer.php?u={PAGE_URL}">Facebook</a>
<a href="https://www.linkedin.com/shareArticle?url={PAGE_URL}">LinkedIn</a>
<a href="mailto:?subject=MS%20research">Email</a></div>
<div class="summary-body">
{body}
{note}
</div>
{more if details else ""}
</article>
<section class="newsletter"><h3>Subscribe to our newsletter</h3><p>Get the latest MS research
summaries delivered to your inbox every week.</p><form action="/subscribe"><input type="email"
placeholder="Your email address"><button>Sign up</button></form></section>
<aside class="related"><h2>You may also like</h2>
{_cards()}
</aside>
</main>
<footer class="site-footer">{"".join(f"<p>{html.escape(p)}</p>" for p in SITE_ABOUT)}
<ul><li><a href="/about">About</a></li><li><a href="/privacy">Privacy Policy</a></li>
<li><a href="/terms">Terms of Use</a></li>
<li><a href="https://partner.example.org/sources">Our sources</a></li></ul>
<p>© 2025 MS Research Explained. All rights reserved.</p></footer>
</body></html>
"""


def blog_page(published: str | None = "Published on October 31, 2025", charset: str = "utf-8",
              extra: str = "") -> str:  # fmt: skip
    """A summary page of another shape: nothing but divs and classes, subheadings and a list,
    a "Source:" line, no disclaimer, and the site's about text in a div, not a footer."""
    cards = _cards(tuple((f"November {n}, 2025", text) for n, (_, text) in enumerate(TEASERS, 2)))
    return f"""<!doctype html><html><head><meta charset="{charset}">
<title>Vitamin D and relapses — MS Plain Science</title>
<meta name="citation_doi" content="10.1212/WNL.0000000000209999">
</head><body>
<div class="topbar"><div class="menu"><a href="/">Home</a> <a href="/blog">Summaries</a>
<a href="/topics/diet">Topics</a> <a href="/about">About Us</a> <a href="/donate">Donate</a></div>
<div class="search"><form><input name="q" placeholder="Search summaries"><button>Search</button>
</form></div></div>
<div class="cookie-notice">We use cookies to ensure you get the best experience.
<a href="/cookies">Privacy Policy</a> <button>Got it!</button></div>
<div class="container"><div class="content">
<div class="crumbs"><a href="/">Home</a> / <a href="/blog">Summaries</a> / Vitamin D</div>
<div class="post">
<h1 class="post-title">Vitamin D and relapses</h1>
<div class="post-info">{published or ""}</div>
<div class="social"><a href="https://www.facebook.com/sharer.php?u=x">Share on Facebook</a>
<a href="https://www.linkedin.com/shareArticle?url=x">Share on LinkedIn</a></div>
<div class="post-content">
<h2>What the researchers did</h2>
<p>{VITAMIN_D[0]}</p>
<h2>What they found</h2>
<p>{VITAMIN_D[1]}</p>
<ul><li>Fewer relapses with higher vitamin D</li><li>No change in disability scores</li></ul>
<h2>What it means</h2>
<p>{VITAMIN_D[2]}{extra}</p>
<p>Source: <a href="{NEUROLOGY_URL}">Neurology, October 2025</a></p>
</div></div>
<div class="signup"><h3>Join 10,000 readers</h3><p>Subscribe to our newsletter: the newest MS
research in plain language, delivered to your inbox.</p><form><input type="email"
placeholder="Your email address"><button>Sign up</button></form></div>
<div class="more-posts"><h3>You may also like</h3>{cards}</div>
</div></div>
<div class="footer">{"".join(f"<p>{html.escape(p)}</p>" for p in SITE_ABOUT)}
<p><a href="/about">About Us</a> | <a href="/privacy">Privacy Policy</a> | <a href="/terms">Terms
of Use</a></p><p>Copyright 2025 MS Plain Science. All rights reserved.</p></div>
</body></html>
"""


@pytest.fixture(scope="module")
def settings() -> ScriptSettings:
    return load_settings(EXAMPLE_SHOW, use_cache=False).script


def _read(path: Path, date: dt.date | None = None) -> Episode:
    return read_episode(EpisodeSource(path, date, None, None))


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def _assert_no_chrome(script: Script) -> None:
    said = [text for s in script.segments for text in (s.text, s.spoken)] + list(script.chapters)
    leaks = [(chrome, text) for chrome in CHROME for text in said if chrome in text]
    assert leaks == []


# The example summary as a page: the same episode and script as its page dump


def test_a_page_reads_as_the_same_summary_as_its_page_dump(
    tmp_path: Path, settings: ScriptSettings
) -> None:
    (tmp_path / "page").mkdir()
    (tmp_path / "dump").mkdir()
    page = _write(tmp_path / "page", "mtros-macrophages.html", site_page())
    dump = _write(tmp_path / "dump", "mtros-macrophages.txt",
                  f"{TITLE}\n\n{SAMPLE.read_text(encoding='utf-8')}")  # fmt: skip

    from_page = _read(page)
    from_dump = _read(dump, dt.date(2025, 11, 20))

    assert from_page.title == from_dump.title == TITLE
    assert from_page.sections == from_dump.sections
    assert [s.paragraphs for s in from_page.sections] == [(p,) for p in SUMMARY]
    assert from_page.disclaimer == from_dump.disclaimer == EXAMPLE_DISCLAIMER
    assert (from_page.summary, from_page.slug) == (from_dump.summary, from_dump.slug)
    assert (from_page.date, from_page.dated) == (dt.date(2025, 11, 20), True)
    assert (from_page.research_url, from_page.source_url) == (STUDY_URL, PAGE_URL)
    script = build_script(from_page, settings)
    assert script == build_script(from_dump, settings)
    _assert_no_chrome(script)


def test_the_page_itself_its_date_and_links() -> None:
    page = read_html_page(site_page())

    assert (page.title, page.date) == (TITLE, dt.date(2025, 11, 20))
    assert (page.research_url, page.page_url) == (STUDY_URL, PAGE_URL)
    assert page.paragraphs == tuple(SUMMARY) and page.headings == ()


@pytest.mark.parametrize(
    ("where", "put"),
    [
        pytest.param("<h1>", '<div class="ai-badge"><span>{}</span></div><h1>',
                     id="badge-over-title"),
        pytest.param('<div class="summary-body">',
                     '<div class="summary-body"><p><small>{}</small></p>', id="first-paragraph"),
        pytest.param("</article>", '<small class="note">{}</small></article>',
                     id="after-the-article"),
    ],
)  # fmt: skip
def test_the_disclaimer_wherever_it_stands(where: str, put: str) -> None:
    """Trafilatura leaves out a badge over the title and a note after the article: the
    disclaimer is then taken from the article."""
    page = site_page(disclaimer=None).replace(where, put.format(EXAMPLE_DISCLAIMER))

    assert read_html_page(page).disclaimer == EXAMPLE_DISCLAIMER
    assert read_html_page(page).paragraphs == tuple(SUMMARY)


# Pages of another shape


def test_a_page_of_divs_with_subheadings_a_list_and_no_disclaimer(
    tmp_path: Path, settings: ScriptSettings
) -> None:
    episode = _read(_write(tmp_path, "vitamin-d.html", blog_page()))

    assert episode.title == "Vitamin D and relapses"
    assert episode.sections == (
        Section("What the researchers did", (VITAMIN_D[0],)),
        Section("What they found", (VITAMIN_D[1], "Fewer relapses with higher vitamin D. "
                                    "No change in disability scores.")),
        Section("What it means", (VITAMIN_D[2],)),
    )  # fmt: skip
    assert (episode.date, episode.dated) == (dt.date(2025, 10, 31), True)
    assert episode.research_url == NEUROLOGY_URL
    assert episode.disclaimer is None
    script = build_script(episode, settings)
    assert script.disclaimer == settings.disclaimer  # the show's own is spoken
    assert "What they found" in script.chapters
    _assert_no_chrome(script)


def test_a_page_with_no_date_of_its_own_takes_none_from_its_teasers(tmp_path: Path) -> None:
    episode = _read(_write(tmp_path, "undated.html", blog_page(published=None)))

    assert not episode.dated  # the file's date stands in, and the build says so


def test_a_page_in_windows_1252_as_it_declares(tmp_path: Path, settings: ScriptSettings) -> None:
    words = " Naïve T cells — and “café” habits — weren’t measured."
    page = blog_page(charset="windows-1252", extra=words)
    path = _write(tmp_path, "cp1252.html", page, encoding="cp1252")

    episode = _read(path)

    assert episode.sections[-1].paragraphs == (VITAMIN_D[2] + words,)
    _assert_no_chrome(build_script(episode, settings))


def test_a_page_that_is_not_the_encoding_it_declares_is_one_line(tmp_path: Path) -> None:
    data = blog_page(charset="windows-1252", extra=" naïve").encode("cp1252")
    data = data.replace(b"Vitamin D and relapses</h1>", b"Vitamin D \x81</h1>")
    path = tmp_path / "broken.html"
    path.write_bytes(data)

    with pytest.raises(SourceError) as caught:
        _read(path)

    offset = data.index(b"\x81")
    assert str(caught.value) == (
        f"{path}: not cp1252 text as it declares (byte 0x81 at offset {offset}); "
        "save the file as UTF-8"
    )


def test_a_file_named_txt_that_holds_a_saved_page_is_read_as_a_page(tmp_path: Path) -> None:
    page = "<!-- saved from url=(0058)" + PAGE_URL + " -->\n" + site_page()
    episode = _read(_write(tmp_path, "saved.txt", page))

    assert episode.title == TITLE and episode.disclaimer == EXAMPLE_DISCLAIMER
    assert [p for s in episode.sections for p in s.paragraphs] == SUMMARY


# The source link: the research, never the site's own links


@pytest.mark.parametrize(
    ("details", "source"),
    [
        pytest.param(f'<a class="btn" href="{STUDY_URL}">Read the study</a>', STUDY_URL,
                     id="labelled-button"),
        pytest.param('<p>See <a href="https://doi.org/10.1212/WNL.1">Smith 2025</a></p>',
                     "https://doi.org/10.1212/WNL.1", id="doi-link"),
        pytest.param('<p>Source: <a href="javascript:alert(1)">the study</a></p>', None,
                     id="javascript-left-out"),
        pytest.param('<p>Source: <a href="/studies/42">the study</a></p>', None,
                     id="own-site-left-out"),
        pytest.param(None, None, id="none: not the menu's or the footer's"),
    ],
)  # fmt: skip
def test_the_source_link(details: str | None, source: str | None) -> None:
    assert read_html_page(site_page(details=details)).research_url == source


def test_the_source_link_from_citation_meta_when_the_page_links_none() -> None:
    page = blog_page().replace(f'<a href="{NEUROLOGY_URL}">', '<a href="/studies/42">')

    assert read_html_page(page).research_url == "https://doi.org/10.1212/WNL.0000000000209999"


# Pages with nothing to read


@pytest.mark.parametrize(
    "page",
    [
        pytest.param("<!DOCTYPE html><html><head><title>x</title></head><body></body></html>",
                     id="empty-body"),
        pytest.param("<html><body><nav><a href='/'>Home</a> <a href='/a'>About</a></nav>"
                     "</body></html>", id="menu-only"),
        pytest.param("<html><body><script>var summary = 'not text';</script></body></html>",
                     id="script-only"),
        pytest.param("<html><body>@@@ ### *** %%%</body></html>", id="garbage"),
    ],
)  # fmt: skip
def test_a_page_with_no_summary_is_one_line(tmp_path: Path, page: str) -> None:
    path = _write(tmp_path, "page.html", page)

    with pytest.raises(SourceError) as caught:
        _read(path)

    assert str(caught.value) == (
        f"{path}: no summary text found in the web page (only menus, links or scripts); "
        "save the summary's own page, or paste its paragraphs into a .txt file"
    )


# Telling a page by its start, and its declared encoding


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("<!DOCTYPE html><html>", True),
        ("\ufeff  <html lang=en>", True),
        (f"<!-- saved from url=(0058){PAGE_URL} -->\n<!doctype HTML>", True),
        ('<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">', True),
        ("<b>Claims</b> about diet", False),
        ("In a mouse model of MS, <html> is a word.", False),
        ("<!-- a -->" * 900 + "<!--", False),  # never backtracks
    ],
)
def test_is_html_page(text: str, page: bool) -> None:
    assert is_html_page(text) is page


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        (b'<meta charset="windows-1252">', "cp1252"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">', "cp1252"),
        (b"<meta charset=utf8>", "utf-8"),
        (b"<meta charset=x-unknown>", None),
        (b"<p>no declaration</p>", None),
    ],
)
def test_declared_encoding(head: bytes, encoding: str | None) -> None:
    assert declared_encoding(b"<html><head>" + head) == encoding


# The command line


def test_narrate_script_prints_a_pages_script(tmp_path: Path) -> None:
    page = _write(tmp_path, "mtros-macrophages.htm", site_page())

    run = run_narrate("script", page)

    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"# {TITLE} (2025-11-20)"
    assert f"[disclaimer] {EXAMPLE_DISCLAIMER}" in run.stdout
    assert all(f"[body] {p.split('.')[0]}" in run.stdout for p in SUMMARY)
    assert [chrome for chrome in CHROME if chrome in run.stdout] == []
    assert run.stderr == ""
