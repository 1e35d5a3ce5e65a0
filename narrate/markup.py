"""HTML tags in text that was meant as plain text: never spoken, never shown as tags.

Summaries, titles and show files are copied from web pages and CMS fields, and sometimes
keep their markup ("<b>claims</b>"). Read aloud, a tag becomes "less than b greater than";
in SRT captions players render it, in WebVTT it shows as text. Only the names of real HTML
elements count as tags, so "p<0.05", "a <5% change" and "<live>" are left as written.
"""

from __future__ import annotations

import re

_INLINE = (
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i",
    "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
    "time", "tt", "u", "var", "wbr",
)  # fmt: skip
"""Elements inside a line of text: dropped with nothing in their place ("m<sup>2</sup>")."""
_BLOCK = (
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "img",
    "li", "main", "nav", "ol", "p", "section", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
)  # fmt: skip
"""Elements that break a line: a space in their place, so "a<br>b" stays two words."""


def _tag(names: tuple[str, ...]) -> re.Pattern[str]:
    alternation = "|".join(sorted(names, key=len, reverse=True))
    return re.compile(
        rf"</?(?:{alternation})(?:\s+[^<>]*?)?\s*/?>|<!--.*?-->", re.IGNORECASE | re.DOTALL
    )


_INLINE_TAG = _tag(_INLINE)
_BLOCK_TAG = _tag(_BLOCK)


def strip_markup(text: str) -> str:
    """ "<b>Claims</b> about <i>diet</i><br>and MS" -> "Claims about diet and MS".

    Comments go too; text that only looks like a tag ("p<0.05", "<live>") stays.
    """
    if "<" not in text:
        return text
    return _INLINE_TAG.sub("", _BLOCK_TAG.sub(" ", text))
