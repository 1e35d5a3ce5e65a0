"""Page dumps: a page copied from a summary website, read as a title, paragraphs and a disclaimer.

A page dump holds perhaps a breadcrumb, a share bar and a title line, the summary paragraphs,
a disclaimer line, then more site chrome (dated "Read More" teasers, boilerplate) that must
never be spoken. Chrome is known by the shape of a whole line (a breadcrumb, "Share this page",
a menu of short capitalised items, a date alone), never by the first word of a paragraph:
"Related studies in other conditions found ..." is summary text. Every line before the
disclaimer that is not spoken is returned with its number, so that nothing is lost in silence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from narrate.models import Episode

_DISCLAIMER_RE = re.compile(
    r"(AI[- ]generated|informational purposes|not (?:intended as |a substitute for )?"
    r"(?:professional )?medical advice|for information only)",
    re.IGNORECASE,
)
_DATE_LINE_RE = re.compile(r"^\s*\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\s*$")
# A teaser's link, alone or glued to what follows ("Read More9/1/2026", "Read MoreWhether").
_MORE_RE = re.compile(r"^(?:[Rr]ead|[Ll]earn) [Mm]ore(?:\W*$|(?=\d|[A-Z]))")
# Whole lines that are navigation, not text: "Share this page", "Share on Facebook",
# "Subscribe to our newsletter", "Related articles". A paragraph that merely starts with one
# of these words ("Related studies in other conditions suggest ...") does not match.
_NAVIGATION_RE = re.compile(
    r"^(?:share(?: this(?: page| article| post| story| summary)?| on [\w.+ ]{1,20}"
    r"| via [\w ]{1,20})?|related(?: (?:articles|posts|stories|summaries|content|reading|links))?"
    r"|subscribe(?: (?:to|for) [\w' ]{1,30}| now)?|sign up(?: (?:to|for) [\w' ]{1,30})?"
    r"|follow us(?: on [\w ]{1,20})?|print(?: this page)?|e-?mail this(?: page)?|back to top"
    r"|skip to (?:main )?content|menu|search|home|log in|sign in)\W*$",
    re.IGNORECASE,
)
# Breadcrumbs: "Home > Summaries > Lifestyle", "Home › Research", "News | Diet", "A / B".
_CRUMB_SEPARATOR_RE = re.compile(r"\s*[>›»|•·]\s*|\s+/\s+")
_SENTENCE_END = ".!?;:,…"
_MENU_ITEM_WORDS = 3
_MENU_LENGTH = 3
_TITLE_LINE_WORDS = 20
"""A page dump's first line is its title when it is this short and ends without punctuation."""
FAR_SHORTER = 0.5
"""An episode that speaks less than this share of the words before its disclaimer is warned
about: its summary was probably cut."""


@dataclass(frozen=True)
class PageDump:
    """What a page dump says, as read."""

    title: str | None
    """The page's title line, when its first line is one; not part of the paragraphs."""
    paragraphs: tuple[str, ...]
    """The summary paragraphs, in order."""
    disclaimer: str | None
    """The disclaimer line as written, or None when the page has none."""
    unspoken: tuple[tuple[int, str], ...]
    """Lines before the disclaimer that are not spoken, with their numbers (from 1)."""


def is_disclaimer(text: str) -> bool:
    """ "AI-generated summary — for informational purposes only" -> True; a paragraph that
    mentions medical advice in passing, 300 characters or more, is not the disclaimer."""
    return bool(_DISCLAIMER_RE.search(text)) and len(text) < 300


def read_page_dump(text: str) -> PageDump:
    """Title line, summary paragraphs, disclaimer, and the lines before it not spoken.

    Everything after the disclaimer line is site chrome. Before it, whole lines shaped like
    navigation are dropped wherever they stand; a page with no disclaimer ends where its
    dated teasers start.
    """
    lines = [line.strip() for line in text.split("\n")]
    end = next((i for i, line in enumerate(lines) if is_disclaimer(line)), None)
    disclaimer = None if end is None else lines[end]
    before = lines if end is None else lines[:end]
    chrome = _chrome_lines(before)
    cut = len(before)
    if disclaimer is None:
        start = next((i for i, line in enumerate(before) if line and i not in chrome), cut)
        cut = next((i for i in range(start, cut) if _teaser_start(before[i])), cut)
    unspoken = tuple(
        (i + 1, line) for i, line in enumerate(before) if line and (i in chrome or i >= cut)
    )
    kept = _trim([line for i, line in enumerate(before[:cut]) if i not in chrome])
    title = None
    if _starts_with_title(kept):
        title, kept = kept[0], kept[1:]
    return PageDump(title, tuple(_paragraphs(kept)), disclaimer, unspoken)


def _starts_with_title(lines: list[str]) -> bool:
    """Whether the first line is the page's title: short, letters, no final punctuation, and
    followed by a blank line, or by the body when that has no blank lines (else it is the
    first line of a wrapped paragraph)."""
    first = lines[0] if lines else ""
    return (
        len(lines) > 1
        and len(first.split()) <= _TITLE_LINE_WORDS
        and first[-1] not in _SENTENCE_END
        and any(c.isalpha() for c in first)
        and any(lines[1:])
        and (not lines[1] or all(lines))
    )


def _teaser_start(line: str) -> bool:
    """Where a page's list of dated teasers starts: a date alone, or a "Read More" link."""
    return bool(_DATE_LINE_RE.match(line) or _MORE_RE.match(line))


def _chrome_lines(lines: list[str]) -> set[int]:
    """Indexes of the lines that are site chrome by their shape: a date alone, a teaser's
    "Read More", a breadcrumb, a share or subscribe bar, a menu of short capitalised items."""
    chrome = {
        i
        for i, line in enumerate(lines)
        if line and (_teaser_start(line) or _NAVIGATION_RE.match(line) or _is_breadcrumb(line))
    }
    run: list[int] = []
    for i, line in enumerate([*lines, ""]):
        if _is_menu_item(line):
            run.append(i)
            continue
        if len(run) >= _MENU_LENGTH:
            chrome.update(run)
        run = []
    return chrome


def _is_breadcrumb(line: str) -> bool:
    """ "Home > Summaries > Lifestyle" -> True; "EDSS > 6 in 30% of people." -> False."""
    parts = _CRUMB_SEPARATOR_RE.split(line)
    return (
        len(parts) >= 2
        and line[-1] not in _SENTENCE_END
        and all(re.search(r"[^\W\d_]", part) and len(part.split()) <= 5 for part in parts)
    )


def _is_menu_item(line: str) -> bool:
    """ "About us" -> True: a line of a few words with a capital and no punctuation."""
    return (
        bool(line)
        and line[0].isupper()
        and line[-1] not in _SENTENCE_END
        and len(line.split()) <= _MENU_ITEM_WORDS
    )


def _paragraphs(lines: list[str]) -> list[str]:
    """Blank-line separated blocks when the text has them, else one paragraph per line.

    A block whose every line ends a sentence is one paragraph per line: a page pasted with
    a stray blank line, not a wrapped paragraph.
    """
    if not any(not line for line in _trim(lines)):
        return [line for line in lines if line]
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    paragraphs: list[str] = []
    for block in blocks:
        if all(line.rstrip("\"')”’»")[-1:] in ".!?" for line in block):
            paragraphs += block
        elif block:
            paragraphs.append(" ".join(block))
    return paragraphs


def _trim(lines: list[str]) -> list[str]:
    start = next((i for i, line in enumerate(lines) if line), len(lines))
    end = len(lines) - next((i for i, line in enumerate(reversed(lines)) if line), 0)
    return lines[start:end]


def reading_warnings(episode: Episode) -> tuple[str, ...]:
    """What the build should tell about how a file was read: each a line naming the file.

    Lines before the disclaimer that are not spoken (site chrome, or teasers after a summary
    with no disclaimer line), and an episode far shorter than its file's text, which means
    part of the summary was probably taken for chrome.
    """
    if not episode.unspoken:
        return ()
    path = episode.source_path
    numbers = [number for number, _ in episode.unspoken]
    first = episode.unspoken[0][1]
    quoted = first if len(first) <= 40 else first[:40].rstrip() + "…"
    fix = (
        "delete them from the file if they are; a line of summary text ends with a full stop"
        if episode.disclaimer
        else "if they belong to the summary, put the disclaimer line after its last paragraph"
    )
    warnings = [
        f"{path}: {_line_ranges(numbers)} not spoken, taken for site chrome "
        f'(the first: "{quoted}"); {fix}'
    ]
    spoken = sum(len(p.split()) for s in episode.sections for p in s.paragraphs)
    dropped = sum(len(line.split()) for _, line in episode.unspoken)
    if spoken < FAR_SHORTER * (spoken + dropped):
        where = "before its disclaimer" if episode.disclaimer else "in the file"
        warnings.append(
            f"{path}: the episode speaks only {spoken} of the {spoken + dropped} words {where}; "
            f"check that {_line_ranges(numbers)} hold no summary text"
        )
    return tuple(warnings)


def _line_ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "lines 1–3, 7"; [4] -> "line 4"."""
    ranges: list[list[int]] = []
    for number in numbers:
        if ranges and number == ranges[-1][-1] + 1:
            ranges[-1].append(number)
        else:
            ranges.append([number])
    said = ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in ranges)
    return ("lines " if len(numbers) > 1 else "line ") + said
