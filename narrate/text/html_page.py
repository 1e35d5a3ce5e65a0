"""Saved web pages: a summary site's page read as title, date, research link, paragraphs and
disclaimer.

A summary page holds the summary among chrome that must never be spoken: a menu, a cookie
banner, a breadcrumb, a share bar, a newsletter form, "You may also like" teaser cards, a
footer. Trafilatura (Apache-2.0) tells the main text from the chrome and reads the metadata;
narrate writes no rules of its own for chrome. On what trafilatura keeps, narrate decides:

- Title: the page's ``h1`` as kept in the main text, else its metadata's title (``og:title``,
  ``<title>`` without the site's name). A heading that repeats the title is not a chapter.
- Disclaimer: the paragraph ``page_dump.is_disclaimer`` matches leaves the body wherever it
  stands (sites put an "AI-generated" line above a summary as often as below it); when
  trafilatura left it out, the first such line in the article (below) is taken.
- Reference lines: a paragraph that is a link and at most a short label ("Original study: …",
  "Source: Neurology, 2026", "Read the study") is not spoken, nor is a heading over only such
  lines ("More Details").
- Chapters: the other headings (``h2``…) start chapters, as ``##`` does in Markdown. A list
  is one paragraph, an item a sentence, as in Markdown; tables and images are not spoken.
- Date: looked for in the page's ``<head>``, its JSON-LD and its article (the smallest element
  holding the title and the first paragraph), never in the rest of the page, where every teaser
  card has a date of its own: a page with no date of its own gets none.
- Research link, what the summary is about: the first link labelled as the research by
  its words, the words before it in its paragraph or the heading over it ("Source", "Original
  study", "Read the study", "More Details", "DOI", "References"); else the first link to a DOI
  or PubMed; else the ``citation_doi`` meta tag. The article's links come before the rest of the
  page's. Never a link in ``<nav>`` or a form, in the page's header or footer, to the page's own
  site, or not http(s) (``links.link_problem``). ``canonical`` and ``og:url`` name the summary
  page itself: they are ``page_url``, never the source.

The only module that imports trafilatura and lxml, each where it is used.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import logging
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import urljoin, urlsplit

from narrate.errors import SourceError
from narrate.links import link_problem
from narrate.logs import quiet
from narrate.text.page_dump import is_disclaimer


@dataclass(frozen=True)
class HtmlPage:
    """What a saved summary page says, as read."""

    title: str | None
    """The page's title: its ``h1``, else its metadata's; None when it has neither."""
    date: dt.date | None
    """The summary's publication date, from the page's metadata or its article."""
    research_url: str | None
    """The research the summary is about: an absolute http(s) link, or None."""
    page_url: str | None
    """Where the page itself lives: the URL given, the browser's "saved from" note, or the
    page's ``canonical`` or ``og:url``."""
    paragraphs: tuple[str, ...]
    """The summary paragraphs to speak, in order, each on one line."""
    headings: tuple[tuple[int, str], ...]
    """The body's headings (the title aside), each with the index of the paragraph it is over."""
    disclaimer: str | None
    """The disclaimer line as written, or None when the page has none."""


_PAGE_START_RE = re.compile(r"<(?:!doctype\s+html|html)\b", re.I)
_CHARSET_RE = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_SAVED_FROM_RE = re.compile(r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.I)
_SOURCE_LABEL_RE = re.compile(
    r"\b(?:sources?|references?|doi|citation|full text|published in|journal article"
    r"|original (?:study|article|paper|research|publication)|(?:more|study) details"
    r"|(?:read|view|see) (?:the )?(?:full |original )?(?:study|paper|article|research|abstract))\b",
    re.I,
)
_RESEARCH_URL_RE = re.compile(
    r"(?:doi\.org/|/doi/(?:\w+/)?)10\.\d{4,9}/|pubmed\.ncbi\.nlm\.nih\.gov/\d"
    r"|ncbi\.nlm\.nih\.gov/pmc/articles/",
    re.I,
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_INLINE = ("a", "span", "strong", "em", "b", "i", "small", "cite", "sup")
_HOLDING = "//*[contains(normalize-space(translate(., '\u00a0', ' ')), $n)]"
"""Elements whose text holds ``$n``, a no-break space read as a space."""
_LABEL_WORDS = 6
"""A reference line's words besides its link, at most: "Read the full study here:"."""
_DATES = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%d"}
"""htmldate's search, through trafilatura: the publication date, from markup and the
article's own lines, not from any date in the summary's text."""


def is_html_page(text: str) -> bool:
    """ "<!DOCTYPE html><html>…" -> True; "<html lang=en>…" -> True; "<b>Claims</b>" -> False.

    Comments may come first: browsers write "<!-- saved from url=… -->" above a saved page.
    """
    rest = text[:8192].lstrip("\ufeff \t\r\n")
    if rest.startswith("<?xml"):  # XHTML
        rest = rest[rest.find(">") + 1 :].lstrip()
    while rest.startswith("<!--"):
        end = rest.find("-->")
        if end < 0:
            return False
        rest = rest[end + 3 :].lstrip()
    return bool(_PAGE_START_RE.match(rest))


def declared_encoding(data: bytes) -> str | None:
    """The encoding a page declares in a meta tag in its first 4 KB, by Python's name for it.

    b'<meta charset="windows-1252">' -> "cp1252"; b'<meta http-equiv="Content-Type"
    content="text/html; charset=ISO-8859-1">' -> "cp1252" (browsers read Latin-1 and ASCII
    as Windows-1252, as the HTML standard says); b"<p>" -> None; a name Python does not know
    -> None.
    """
    match = _CHARSET_RE.search(data[:4096])
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name if match else None
    except (LookupError, UnicodeDecodeError):
        return None
    return "cp1252" if name in ("iso8859-1", "ascii", "latin-1") else name


def read_html_page(html: str, url: str | None = None) -> HtmlPage:
    """The summary in a saved page: its title, date, research link, paragraphs and disclaimer.

    ``url`` is where the page lives, when known: relative links are read against it (else
    against the browser's "saved from" note, then the page's canonical link). A page with no
    main text gives no paragraphs; the caller says what to do about it.
    """
    trafilatura = _trafilatura()
    given = url or _saved_from(html)
    # Trafilatura's own lines ("discarding data: None") stay out: what a page lacks, the
    # caller says once, naming the file.
    with quiet("trafilatura", "htmldate", "courlan", level=logging.CRITICAL):
        tree = trafilatura.load_html(html)
        xml = trafilatura.extract(html, url=given, favor_precision=True, output_format="xml",
                                  include_links=True, include_tables=False, include_images=False,
                                  include_comments=False, deduplicate=False)  # fmt: skip
        if tree is None or not xml:
            return HtmlPage(None, None, None, given, (), (), None)
        heading, paragraphs, headings, disclaimer = _main_text(xml)
        article = _article(tree, paragraphs[0], heading) if paragraphs else None
        meta = trafilatura.extract_metadata(
            _head_and(tree, article), default_url=given, date_config=dict(_DATES)
        )
    title = heading or meta.title or None
    page_url = given or meta.url or None
    if disclaimer is None and article is not None:
        disclaimer = _disclaimer_in(article)
    # A heading over no paragraph ("More Details" over reference lines) is no chapter; of two
    # headings in a row, the nearer one names the chapter.
    chapters = {i: text for i, text in headings if i < len(paragraphs) and text != title}
    return HtmlPage(
        title=title,
        date=_date(meta.date),
        research_url=_research_url(tree, article, page_url),
        page_url=page_url,
        paragraphs=tuple(paragraphs),
        headings=tuple(chapters.items()),
        disclaimer=disclaimer,
    )


def _trafilatura() -> ModuleType:
    try:
        import trafilatura
    except ModuleNotFoundError as error:
        raise SourceError(
            f"reading a web page needs {error.name}, which is not installed; "
            "run: pip install trafilatura lxml_html_clean"
        ) from None
    return trafilatura


def _saved_from(html: str) -> str | None:
    """ "<!-- saved from url=(0031)https://example.org/s/1 -->" -> "https://example.org/s/1"."""
    match = _SAVED_FROM_RE.search(html[:4096])
    return match.group(1) if match else None


def _words(element: Any) -> str:
    """An element's text on one line, white space collapsed."""
    return " ".join("".join(element.itertext()).split())


def _main_text(xml: str) -> tuple[str | None, list[str], list[tuple[int, str]], str | None]:
    """Trafilatura's XML main text as the title (its first ``h1``), the paragraphs to speak, the
    other headings with the index of the paragraph each is over, and the disclaimer."""
    from lxml import etree

    main = etree.fromstring(xml.encode()).find("main")
    for line_break in [] if main is None else main.iter("lb"):  # "a<br>b" is two words
        line_break.tail = " " + (line_break.tail or "")
    title: str | None = None
    paragraphs: list[str] = []
    headings: list[tuple[int, str]] = []
    disclaimer: str | None = None
    for block in [] if main is None else main:
        text = _list_text(block) if block.tag == "list" else _words(block)
        if not text or block.tag not in ("p", "head", "list", "quote"):
            continue
        if block.tag == "head" and title is None and block.get("rend") == "h1":
            title = text
        elif block.tag == "head":
            headings.append((len(paragraphs), text))
        elif is_disclaimer(text):
            disclaimer = disclaimer or text
        elif not _is_reference(block):
            paragraphs.append(text)
    return title, paragraphs, headings, disclaimer


def _list_text(block: Any) -> str:
    """A list as one paragraph, each item a sentence, as in Markdown; reference items go."""
    items = [_words(item) for item in block.iter("item") if not _is_reference(item)]
    return " ".join(item if item[-1:] in ".!?:;" else item + "." for item in items if item)


def _is_reference(block: Any) -> bool:
    """Whether a block of the main text is a link with at most a short label, not a sentence:
    "Source: <ref>Neurology, 2026</ref>" -> True; "<ref>Ocrelizumab</ref> cut relapses." -> False.
    """
    if block.find(".//ref") is None:
        return False
    label = " ".join(_outside_links(block).split())
    return len(label.split()) <= _LABEL_WORDS and (
        not label.strip(" :–—-|•·()[].,")
        or label.endswith(":")
        or bool(_SOURCE_LABEL_RE.search(label))
    )


def _outside_links(element: Any) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag != "ref":
            parts.append(_outside_links(child))
        parts.append(child.tail or "")
    return " ".join(parts)


def _article(tree: Any, paragraph: str, title: str | None) -> Any:
    """The page's element that holds the summary: the smallest holding both its first
    paragraph and its title (the first paragraph's parent when there is no title), or None
    when the paragraph is not found as written or the title is not around it."""
    needle = " ".join(paragraph.split()[:8])
    found = None
    for element in tree.xpath(_HOLDING, n=needle):
        if found is not None and found not in element.iterancestors():
            break
        found = element
    if found is None or title is None:
        return None if found is None else found.getparent()
    holding = (e for e in found.iterancestors() if title in " ".join(e.text_content().split()))
    return next(holding, None)


def _head_and(tree: Any, article: Any) -> Any:
    """A page of the tree's ``<head>``, its JSON-LD, and the article: where metadata is read."""
    from lxml import html as lxml_html

    page = lxml_html.Element("html")
    body = lxml_html.Element("body")
    head = tree.find("head")
    if head is not None:
        page.append(copy.deepcopy(head))
    page.append(body)
    for script in tree.xpath("//body//script[@type='application/ld+json']"):
        body.append(copy.deepcopy(script))
    if article is not None:
        body.append(copy.deepcopy(article))
    return page


def _disclaimer_in(article: Any) -> str | None:
    """The first line of the article that is a disclaimer, when trafilatura left it out."""
    for element in article.iter("p", "div", "span", "small", "em", "aside", "li"):
        text = " ".join(element.text_content().split())
        if text and is_disclaimer(text):
            return text
    return None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _research_url(tree: Any, article: Any, page_url: str | None) -> str | None:
    """The research the summary is about (see the module's docstring for the rule)."""
    base = page_url or next(iter(tree.xpath("//base/@href")), None)
    own = _host(page_url)
    seen: set[Any] = set()
    for scope in (article, tree):
        links: list[tuple[str, str]] = []
        for link in [] if scope is None else scope.iter("a"):
            url = urljoin(base, link.get("href", "").strip()) if base else link.get("href", "")
            if link in seen or _in_chrome(link) or link_problem(url) or _host(url) == own:
                continue
            seen.add(link)
            links.append((url, _label(link)))
        labelled = (url for url, label in links if _SOURCE_LABEL_RE.search(label))
        research = (url for url, _ in links if _RESEARCH_URL_RE.search(url))
        if found := next(labelled, None) or next(research, None):
            return found
    return _citation_doi(tree)


def _host(url: str | None) -> str | None:
    """ "https://www.example.org/a" -> "example.org"."""
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def _in_chrome(link: Any) -> bool:
    """Whether a link is in a menu, a form, or the page's own header or footer (an article's
    header or footer is the article's)."""
    ancestors = [element.tag for element in link.iterancestors()]
    if "nav" in ancestors or "form" in ancestors:
        return True
    roles = {element.get("role") for element in link.iterancestors()}
    if roles & {"navigation", "banner", "contentinfo"}:
        return True
    outer = ancestors[ancestors.index("article") + 1 :] if "article" in ancestors else ancestors
    return "header" in outer or "footer" in outer


def _label(link: Any) -> str:
    """What says where a link goes: the heading over its block, the words before it there,
    its own words and title: "More Details Original study: Mitochondrial ROS from…"."""
    block = link
    while block.getparent() is not None and block.tag in _INLINE:
        block = block.getparent()
    before = [block.text or ""] if block is not link else []
    for element in [] if block is link else block.iterdescendants():
        if element is link:
            break
        before += [element.text or "", element.tail or ""]
    own = [_words(link), link.get("title", ""), link.get("aria-label", "")]
    return " ".join([_heading_over(block), "".join(before)[-60:], *own])


def _heading_over(block: Any) -> str:
    """The heading just before ``block``, or before one of its two nearest ancestors."""
    for element in [block, *list(block.iterancestors())[:2]]:
        sibling = element.getprevious()
        while sibling is not None and not isinstance(sibling.tag, str):  # comments
            sibling = sibling.getprevious()
        if sibling is not None and sibling.tag in _HEADINGS:
            return _words(sibling)
    return ""


def _citation_doi(tree: Any) -> str | None:
    """'<meta name="citation_doi" content="10.1212/WNL.1">' -> "https://doi.org/10.1212/WNL.1"."""
    for value in tree.xpath("//meta[@name='citation_doi']/@content"):
        doi = str(value).strip().removeprefix("doi:").strip()
        url = doi if doi.startswith(("http://", "https://")) else "https://doi.org/" + doi
        if doi and link_problem(url) is None:
            return url
    return None
