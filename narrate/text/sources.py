"""Stage: read_episode(source) -> Episode, from a page dump (.txt), Markdown with front matter
(``narrate.text.markdown``) or a saved web page (.html).

Page dumps (``narrate.text.page_dump``) are what a reader copies from a summary website: the
summary among site chrome that must never be spoken. Every line before the disclaimer that is
not spoken is kept on the ``Episode``, so that the build can say which (``reading_warnings``).
A saved page (``narrate.text.html_page``) gives its title, date and source link as front
matter would, and its summary and disclaimer.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

from narrate.config import EpisodeSource
from narrate.errors import SourceError
from narrate.links import link_problem, shown
from narrate.markup import strip_markup
from narrate.models import Episode, Section
from narrate.templating import NOT_TEXT
from narrate.text.html_page import declared_encoding, is_html_page, read_html_page
from narrate.text.markdown import not_a_date, read_markdown
from narrate.text.page_dump import read_page_dump
from narrate.text.pronounce import word_tables
from narrate.text.sentences import split_sentences

log = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
MAX_CHARS = 100_000
"""Longest summary narrate reads: about 15,000 words, an hour and a half of speech.

A summary is a few hundred words. A file far longer is a whole paper, a log or the wrong file:
speaking 5 MB of text would take days with Piper and make an episode of a hundred hours that no
one will hear, and sentence splitting slows down with the square of a paragraph's length. A
clear error at once serves the user better than a build that seems to hang.
"""
MAX_PAGE_BYTES = 5_000_000
"""Largest saved web page narrate reads. A page carries scripts, styles and icons, often a few
hundred kilobytes around a few of summary; the summary in it is held to ``MAX_CHARS``."""

_LEADING_CLAUSE_RE = re.compile(
    r"^(?:in|among|for|after|during|across|using|with|from|based on)\b[^,]{0,60},\s+", re.I
)
_PARENS_RE = re.compile(r"\s*\([^()]*\)")
_TITLE_WORDS = 12


def read_episode(source: EpisodeSource, fetched: bytes | None = None) -> Episode:
    """Read one summary: its file, or the page ``fetched`` from ``source.url``; raise
    ``SourceError`` naming the file (or address), the cause and the fix."""
    try:
        return _read_episode(source, fetched)
    except SourceError as error:
        if source.url is None:
            raise
        # The page has no file of its own: it is named by its address.
        raise SourceError(str(error).replace(str(source.path), source.url, 1)) from None


def _read_episode(source: EpisodeSource, fetched: bytes | None) -> Episode:
    path = source.path
    text = _decode(path, fetched)
    page = _is_page(path, text)
    text = text if page else strip_markup(text)
    unspoken: tuple[tuple[int, str], ...] = ()
    if page:
        meta, sections, disclaimer = _read_html(path, text, source.url)
    elif path.suffix.lower() in MARKDOWN_SUFFIXES or text.startswith("---\n"):
        meta, sections, disclaimer = read_markdown(path, text)
    else:
        dump = read_page_dump(text)
        meta = {"title": dump.title} if dump.title else {}
        sections = [Section(chapter_title(p), (p,)) for p in dump.paragraphs]
        disclaimer, unspoken = dump.disclaimer, dump.unspoken
    if not sections:
        raise SourceError(
            f"{path}: no summary text before the disclaimer or site chrome; "
            "paste the summary paragraphs into the file"
        )
    if not any(c.isalnum() for s in sections for p in s.paragraphs for c in p):
        raise SourceError(
            f"{path}: the summary has no words to read aloud, only symbols; "
            "paste the summary paragraphs into the file"
        )
    lead = split_sentences(sections[0].paragraphs[0])[0]
    title = (
        strip_markup(clean_text(source.title or "")).strip()
        or _text_meta(meta, "title", path)
        or derive_title(lead)
        or lead
    )
    title = " ".join(title.split())  # one line, whatever the front matter's escapes held
    date = source.date or _date_meta(meta, path)
    return Episode(
        slug=slugify(path.stem),
        title=title,
        date=date or _undated(source, fetched),
        summary=lead,
        sections=tuple(sections),
        disclaimer=_text_meta(meta, "disclaimer", path) or disclaimer,
        source_path=path,
        source_url=clean_text(source.source_url or "").strip() or _source_url(meta, path),
        research_url=meta.get("research_url")
        if isinstance(meta.get("research_url"), str)
        else None,
        dated=date is not None,
        cover=source.cover,
        unspoken=unspoken,
        source_name=source.url or "",  # a file is named by its path
        source_key=source.guid or source.url or "",
    )


# Control characters that are white space become a space, so "a\fb" stays two words; the
# rest of what is not text (``NOT_TEXT``) goes.
_SPACE_CONTROLS = {c: " " for c in (*range(0x0B, 0x0D), *range(0x1C, 0x20), 0x85)}


def clean_text(text: str) -> str:
    r"""Text every later stage can put in XML 1.0 and HTML as it is: "a\r\nb\x00\x0cc" -> "a\nb c".

    Control characters, lone surrogates and noncharacters are not text: no XML parser
    accepts them and HTML calls them errors. Line ends become "\n"; tab and newline stay.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_SPACE_CONTROLS)
    return NOT_TEXT.sub("", text)


def slugify(name: str) -> str:
    """ "MTROS Macrophages (v2)" -> "mtros-macrophages-v2"; "Café" -> "cafe"; never a path.

    A name with no Latin letters or digits ("日本") gets a short hash, so two such names differ.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].strip("-")
    if slug:
        return slug
    if any(character.isalnum() for character in name):
        return "episode-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return "episode"


def derive_title(lead: str) -> str:
    """A short title from the lead sentence, cut where a phrase ends, never on "and the".

    "In a mouse model of MS, invading immune cells damage tissue mainly by making ROS (mtROS)."
    -> "Invading immune cells damage tissue"
    """
    text = _PARENS_RE.sub("", lead).strip().rstrip(".!?;:")
    text = _LEADING_CLAUSE_RE.sub("", text)
    words = text.split()
    words = words[: _title_cut(words)]
    function_words = word_tables()["titles"]["function_words"]
    while len(words) > 1 and words[-1].lower().strip(",;:") in function_words:
        words.pop()
    title = " ".join(words).rstrip(",;:—–-")
    return title[:1].upper() + title[1:]


def _title_cut(words: list[str]) -> int:
    """How many of the lead's words a title keeps: up to a clause it can do without
    ("mainly by ..."); the whole sentence if short; else up to its last comma, or before its
    last phrase ("in people with MS"), within ``_TITLE_WORDS``; else ``_TITLE_WORDS``."""
    limit = min(len(words), _TITLE_WORDS + 1)
    table = word_tables()["titles"]
    lowered = [word.lower().strip(",;:") for word in words]
    clause = next((i for i in range(5, limit) if lowered[i] in table["clause_starts"]), None)
    if clause is not None:
        return clause
    if len(words) <= _TITLE_WORDS:
        return len(words)
    commas = [i + 1 for i in range(3, _TITLE_WORDS) if words[i][-1] in ",;:—–"]
    phrases = [i for i in range(4, limit) if lowered[i] in table["phrase_starts"]]
    return (commas or phrases or [_TITLE_WORDS])[-1]


def chapter_title(paragraph: str) -> str:
    """The lead words of a paragraph, as a chapter title: "The researchers compared two…"."""
    words = _PARENS_RE.sub("", paragraph).split()
    head = " ".join(words[:6]).rstrip(",;:.")
    return head + ("…" if len(words) > 6 else "")


def _decode(path: Path, fetched: bytes | None = None) -> str:
    try:
        data = path.read_bytes() if fetched is None else fetched
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found; check the path in the show file") from None
    except IsADirectoryError:
        raise SourceError(
            f"{path}: is a folder, not a summary file; "
            "name a .txt, .md or .html file in the show's [[episodes]]"
        ) from None
    except OSError as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror}); check permissions") from None
    if not data.strip():
        raise SourceError(f"{path}: the file is empty; paste the summary text into it")
    for encoding, bom in _WIDE_BOMS:
        if data.startswith(bom) and _wide_text(data, encoding):
            raise SourceError(f"{path}: saved as {encoding}, not UTF-8; save the file as UTF-8")
    if b"\x00" in data[:8192]:
        raise SourceError(
            f"{path}: looks like a binary file, not text; give a .txt, .md or .html summary"
        )
    page = _is_page(path, data[:8192].removeprefix(codecs.BOM_UTF8).decode("latin-1"))
    # More characters than allowed, however they are encoded; a page's text is measured later.
    if len(data) > (MAX_PAGE_BYTES if page else 4 * MAX_CHARS + 3):
        raise SourceError(_too_long(path, page))
    text = clean_text(_text(path, data, page))
    if not text.strip():
        raise SourceError(
            f"{path}: the file holds only white space; paste the summary text into it"
        )
    if len(text) > MAX_CHARS and not page:
        raise SourceError(_too_long(path))
    return text


def _is_page(path: Path, text: str) -> bool:
    """Whether a summary file is a saved web page: by its name, or by how its text starts."""
    return path.suffix.lower() in HTML_SUFFIXES or is_html_page(text)


def _text(path: Path, data: bytes, page: bool) -> str:
    """UTF-8; or, for a web page that is not, the encoding it declares in a meta tag."""
    declared = (declared_encoding(data) if page else None) or "utf-8"
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if declared == "utf-8":
            raise SourceError(_not_text(path, data, error, "UTF-8 text")) from None
    try:
        return data.decode(declared)
    except UnicodeDecodeError as error:
        raise SourceError(_not_text(path, data, error, f"{declared} text as it declares")) from None


def _not_text(path: Path, data: bytes, error: UnicodeDecodeError, what: str) -> str:
    at = f"byte 0x{data[error.start]:02x} at offset {error.start}"
    return f"{path}: not {what} ({at}); save the file as UTF-8"


_WIDE_BOMS = (
    ("UTF-32", codecs.BOM_UTF32_LE),
    ("UTF-32", codecs.BOM_UTF32_BE),
    ("UTF-16", codecs.BOM_UTF16_LE),
    ("UTF-16", codecs.BOM_UTF16_BE),
)
"""Byte order marks of the encodings Windows calls "Unicode", longest first."""


def _wide_text(data: bytes, encoding: str) -> bool:
    """Whether ``data`` is text in ``encoding``, not a binary file that starts like it.

    Text as ``clean_text`` reads it: a page break or a NEL is white space, not binary.
    """
    try:
        return not NOT_TEXT.search(data.decode(encoding).translate(_SPACE_CONTROLS))
    except UnicodeDecodeError:
        return False


def _too_long(path: Path, page: bool = False) -> str:
    if page:
        return (
            f"{path}: a web page of more than {MAX_PAGE_BYTES // 1_000_000} MB, far more than a "
            "summary's page; save it as HTML only, or paste the summary into a .txt file"
        )
    return (
        f"{path}: too long for one episode (more than {MAX_CHARS:,} characters, about "
        f"{round(MAX_CHARS / 6.5, -3):,.0f} words); a summary is a few hundred words: shorten it, "
        "or split it into several summaries"
    )


def _read_html(
    path: Path, text: str, url: str | None
) -> tuple[dict[str, Any], list[Section], str | None]:
    """A web page (``html_page``), saved or fetched from ``url``: its title, date, address
    (``source_url``, where the written summary is published) and research link as front
    matter would give them, its chapters (one a paragraph as in a page dump, or one a heading
    as in Markdown), its disclaimer."""
    try:
        page = read_html_page(text, url)
    except SourceError as error:
        raise SourceError(f"{path}: {error}") from None
    paragraphs = [_plain(paragraph) for paragraph in page.paragraphs]
    if not paragraphs:
        raise SourceError(
            f"{path}: no summary text found in the web page (only menus, links or scripts); "
            "save the summary's own page, or paste its paragraphs into a .txt file"
        )
    if sum(map(len, paragraphs)) > MAX_CHARS:
        raise SourceError(_too_long(path))
    meta = {"title": _plain(page.title or ""), "date": page.date, "source_url": page.page_url,
            "research_url": page.research_url}  # fmt: skip
    disclaimer = _plain(page.disclaimer or "") or None
    return {k: v for k, v in meta.items() if v}, _chapters(paragraphs, page.headings), disclaimer


def _plain(text: str) -> str:
    """Text from a web page as the other formats' text: "a <b>x</b>\tb" -> "a x b"."""
    return " ".join(strip_markup(clean_text(text)).split())


def _chapters(paragraphs: list[str], headings: tuple[tuple[int, str], ...]) -> list[Section]:
    """A chapter a paragraph, titled by its lead words, as in a page dump; when the page has
    headings, a chapter a heading, as ``##`` in Markdown ("Summary" before the first)."""
    if not headings:
        return [Section(chapter_title(p), (p,)) for p in paragraphs]
    titles = dict(headings)
    chapters: list[tuple[str, list[str]]] = []
    for index, paragraph in enumerate(paragraphs):
        if index in titles or not chapters:
            chapters.append((_plain(titles.get(index, "Summary")), []))
        chapters[-1][1].append(paragraph)
    return [Section(title, tuple(body)) for title, body in chapters]


def _text_meta(meta: dict[str, Any], key: str, path: Path) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise SourceError(f'{path}: front matter "{key}" must be text')
    return clean_text(str(value)).strip() or None


def _source_url(meta: dict[str, Any], path: Path) -> str | None:
    """The front matter's ``source_url``, when it may become a link: a bad one is no reason
    to lose the episode, so it is left out with a warning naming the file (see ``links``)."""
    url = _text_meta(meta, "source_url", path)
    if url and (problem := link_problem(url)):
        log.warning('%s: front matter source_url "%s" %s; the link is left out', path,
                    shown(url), problem)  # fmt: skip
        return None
    return url


def _date_meta(meta: dict[str, Any], path: Path) -> dt.date | None:
    value = meta.get("date")
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise SourceError(not_a_date(path, value)) from None


def _research_url(meta: dict[str, Any]) -> str | None:
    """The research a web page links as what it summarizes (other formats give none)."""
    url = meta.get("research_url")
    return url if isinstance(url, str) else None


def _undated(source: EpisodeSource, fetched: bytes | None) -> dt.date:
    """No date given anywhere: for a fetched page, today (the day it was first read); for a
    file, its modification date (set date in the show to pin it). Once the episode is
    published, a build keeps the date it was first published with."""
    if fetched is None:
        return _file_date(source.path)
    log.warning("%s: the page gives no date; using today's", source.name)
    return dt.date.today()


def _file_date(path: Path) -> dt.date:
    """No date given anywhere: the file's modification date (set date in the show to pin it);
    once the episode is published, a build keeps the date it was first published with."""
    log.warning("%s: no date given; using the file's modification date", path)
    return dt.date.fromtimestamp(path.stat().st_mtime)
