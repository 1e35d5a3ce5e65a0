"""A summary site's own feed, read as the items that link to its summary pages.

RSS and Atom through ``feedparser`` (BSD); JSON Feed (jsonfeed.org, versions 1 and 1.1),
which feedparser 6.0 does not read, by its few keys here. The only module that imports
feedparser. An item is known by its id (RSS ``guid``, Atom ``id``, JSON Feed ``id``), else by
its link: a retitled or moved page stays the same item, and so the same episode.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from narrate.errors import SourceError
from narrate.links import link_problem


@dataclass(frozen=True)
class FeedItem:
    """One item of a site's feed: a summary page."""

    guid: str
    """What the site calls the item for ever: its id, else its link."""
    link: str
    """The summary page's absolute http(s) address."""
    date: dt.date | None
    """When the site published it, if the feed says."""


def read_site_feed(data: bytes, url: str) -> list[FeedItem]:
    """The items of the feed at ``url`` (its bytes ``data``), in the feed's order.

    Items without a usable http(s) link are skipped (there is no page to read); a document that
    is no feed at all raises ``SourceError`` naming the feed, the cause and the fix.
    """
    start = data.lstrip()[:1]
    items = _json_feed(data, url) if start in (b"{", b"[") else _xml_feed(data, url)
    found: list[FeedItem] = []
    seen: set[str] = set()
    for guid, link, date in items:
        link = urljoin(url, link.strip()) if link else ""
        if not link or link_problem(link):
            continue
        guid = (guid or "").strip() or link
        if guid not in seen:  # a feed listing one item twice speaks it once
            seen.add(guid)
            found.append(FeedItem(guid, link, date))
    return found


def chosen_items(items: list[FeedItem], limit: int, since: dt.date | None) -> list[FeedItem]:
    """The items a show takes, oldest first (so episode numbers follow the site's order): the
    ``limit`` newest (0: all) of those published on or after ``since``.

    An item without a date counts as new (it is taken; ``since`` cannot say otherwise).
    """
    dated = sorted(enumerate(items), key=lambda pair: (pair[1].date or dt.date.max, -pair[0]))
    taken = [item for _, item in dated if since is None or item.date is None or item.date >= since]
    return taken[-limit:] if limit else taken


def _xml_feed(data: bytes, url: str) -> list[tuple[str, str, dt.date | None]]:
    import feedparser

    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(_not_a_feed(url, "no RSS, Atom or JSON Feed in it"))
    return [
        (entry.get("id", ""), _link(entry), _date(entry.get("published_parsed")
                                                 or entry.get("updated_parsed")))
        for entry in parsed.entries
    ]  # fmt: skip


def _link(entry: Any) -> str:
    """An entry's page: its ``link``, else its first alternate link of the Atom kind."""
    if entry.get("link"):
        return str(entry["link"])
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return ""


def _date(parsed: Any) -> dt.date | None:
    """feedparser's UTC time tuple as a date."""
    if not parsed:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC).date()
    except (OverflowError, ValueError, TypeError):
        return None


def _json_feed(data: bytes, url: str) -> list[tuple[str, str, dt.date | None]]:
    try:
        feed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise SourceError(_not_a_feed(url, "JSON that cannot be read")) from None
    version = feed.get("version", "") if isinstance(feed, dict) else ""
    items = feed.get("items") if isinstance(feed, dict) else None
    if not str(version).startswith("https://jsonfeed.org/version/") or not isinstance(items, list):
        raise SourceError(_not_a_feed(url, "JSON, but not a JSON Feed"))
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url") or ""
        published = item.get("date_published") or item.get("date_modified") or ""
        found.append((str(item.get("id", "")), str(link), _iso_date(str(published))))
    return found


def _iso_date(value: str) -> dt.date | None:
    """ "2026-11-20T10:00:00Z" -> 2026-11-20 (RFC 3339, as JSON Feed writes dates)."""
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC).date()
    except ValueError:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None


def _not_a_feed(url: str, what: str) -> str:
    return (
        f"{url}: is not a feed ({what}); give the site's RSS, Atom or JSON Feed address in "
        "[[sources]] feed"
    )
