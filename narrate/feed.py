"""Stage: render_feed(episodes, show) -> RSS 2.0 XML with the iTunes namespace."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from email.utils import format_datetime

from narrate.config import ShowSettings
from narrate.models import PublishedEpisode
from narrate.templating import render_template


def episode_guid(show: ShowSettings, slug: str) -> str:
    """A guid from the episode's identity (feed URL + slug), never from time."""
    show_id = uuid.uuid5(uuid.NAMESPACE_URL, show.feed_url)
    return str(uuid.uuid5(show_id, slug))


def rfc2822(date: dt.date) -> str:
    """2026-11-20 -> "Fri, 20 Nov 2026 00:00:00 +0000"."""
    return format_datetime(dt.datetime.combine(date, dt.time(0, 0), tzinfo=dt.UTC))


def render_feed(episodes: Sequence[PublishedEpisode], show: ShowSettings) -> str:
    """The podcast feed, newest episode first; all values computed here, escaped by Jinja."""
    ordered = sorted(episodes, key=lambda e: (e.date, e.slug), reverse=True)
    items = [
        {
            "title": e.title,
            "description": e.description,
            "notes": f"{e.description}\n\n{e.disclaimer}",
            "link": e.source_url or show.base_url,
            "guid": e.guid,
            "pub_date": rfc2822(e.date),
            "url": show.base_url + e.audio_file,
            "length": e.length_bytes,
            "duration": round(e.duration_ms / 1000),
        }
        for e in ordered
    ]
    return render_template(
        "feed.xml",
        show=show,
        feed_url=show.feed_url,
        explicit="true" if show.explicit else "false",
        last_build=rfc2822(ordered[0].date) if ordered else None,
        items=items,
    )
