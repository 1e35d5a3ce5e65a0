"""Which links narrate publishes: absolute ``http://`` and ``https://`` links, nothing else.

A link from a show file or a summary ends up as an ``href`` in the episode page, in the
feed's show notes and in the MP3's tags. Podcast apps render show notes with no page policy
to stop a ``javascript:`` or ``data:`` link, and a relative or protocol-less link means
something else on every site that shows it. So every such link passes ``link_problem``
once, where it enters (the show file: a configuration error with its key; a summary: a
warning naming the file, and the link is left out), and the pages and the feed print only
links that pass it (``safe_link``), whatever older records hold.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
"""The only schemes published: what a listener's browser opens as a web page."""

_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*(?=:)")


def link_problem(url: str) -> str | None:
    """Why ``url`` must not be published as a link, or None when it may be.

    "https://example.org/a" -> None;
    "javascript:alert(1)" -> 'is a "javascript:" link; only http:// and https:// links are
    published'. The reason reads after the link: ``key: "URL" <reason>``.
    """
    for position, character in enumerate(url, start=1):
        if character.isspace() or character == "\\" or unicodedata.category(character)[0] == "C":
            fix = "write it as %20" if character == " " else "remove it"
            return f"has {_named(character)} in it, at character {position}; {fix}"
    scheme = _SCHEME_RE.match(url)
    if scheme is None or url[scheme.end() + 1 : scheme.end() + 2].isdigit():  # "host:8000"
        return 'is not a whole link; write it in full, starting with "https://"'
    if scheme[0].lower() not in SCHEMES:
        return f'is a "{scheme[0]}:" link; only http:// and https:// links are published'
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        host = None
    if not host:
        return 'has no host name; write it in full, like "https://example.org/page"'
    return None


def safe_link(url: str | None) -> str | None:
    """``url`` when it may be published as a link, else None (``link_problem`` says why)."""
    return url if url and link_problem(url) is None else None


def shown(text: str) -> str:
    r"""Text as an error message may print it: "a\tb\x1b" -> "a\\tb\\x1b" (nothing a
    terminal would act on, and the invisible made visible)."""
    return "".join(c if c.isprintable() else _escaped(c) for c in text)


def _named(character: str) -> str:
    if character == " ":
        return "a space"
    if character == "\\":
        return "a backslash"
    return f"an invisible character ({_escaped(character)})"


def _escaped(character: str) -> str:
    return character.encode("unicode_escape").decode("ascii")
