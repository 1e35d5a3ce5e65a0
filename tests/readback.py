"""Read a built show back the way podcast apps do: the feed's elements with their namespaces,
RFC 2822 dates, show-notes HTML, and the Podcast Index's own parser (podcast-partytime)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
"""The namespaces Apple and PSP-1 require, exactly as they must be declared."""
JS = Path(__file__).parent / "js"
"""Where scripts/test installs podcast-partytime (npm ci --prefix tests/js)."""
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def read_channel(feed: Path | bytes) -> ET.Element:
    root = ET.fromstring(feed) if isinstance(feed, bytes) else ET.parse(feed).getroot()
    found = root.find("channel")
    assert found is not None, "the feed has no <channel>"
    return found


def text(element: ET.Element, path: str) -> str:
    return (element.findtext(path, default="", namespaces=NS) or "").strip()


def local(url: str, out: Path, show: ET.Element) -> Path:
    """The published file behind a URL of the show (whose base URL is the channel's link)."""
    base = text(show, "link")
    assert url.startswith(base), f"{url} is not under {base}"
    return out / url.removeprefix(base)


def rfc2822(value: str) -> dt.datetime:
    """Parse an RFC 2822 date, insisting that its weekday is the right one."""
    parsed = parsedate_to_datetime(value)
    assert value[:3] == _WEEKDAYS[parsed.weekday()], f"{value!r} names the wrong weekday"
    return parsed


class Html(HTMLParser):
    """The text of each <p> and <li>, every link target, all the text, and <html lang>."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.paragraphs: list[str] = []
        self.items: list[str] = []
        self.links: list[str | None] = []
        self.lang: str | None = None
        self._chunks: list[str] = []
        self._open: tuple[str, int] | None = None
        self.feed(markup)
        self.close()

    @property
    def text(self) -> str:
        return " ".join("".join(self._chunks).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))
        elif tag in ("p", "li"):
            self._open = (tag, len(self._chunks))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[0] == tag:
            words = " ".join("".join(self._chunks[self._open[1] :]).split())
            (self.paragraphs if tag == "p" else self.items).append(words)
            self._open = None

    def handle_data(self, data: str) -> None:
        self._chunks.append(data)


def partytime(feed: Path, result: Path) -> dict[str, Any]:
    """The feed as the Podcast Index's parser reads it. Fails, never skips, when not installed:
    a second client that silently does not run checks nothing."""
    if shutil.which("node") is None or not (JS / "node_modules" / "podcast-partytime").is_dir():
        pytest.fail(
            "podcast-partytime is not installed: run `npm ci --prefix tests/js --no-audit "
            "--no-fund` (needs Node.js 18+; bash scripts/test does it for you)",
            pytrace=False,
        )
    run = subprocess.run(
        ["node", "parse_feed.js", str(feed), str(result)],
        cwd=JS,
        capture_output=True,
        text=True,
        env={**os.environ, "PARTYTIME_LOG": "warn"},
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "", f"podcast-partytime warned about the feed: {run.stdout}"
    parsed: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return parsed
