"""Stage: render_feed(episodes, show, artwork) -> RSS 2.0 with the iTunes and Podcasting 2.0
namespaces, following Apple's requirements and the Podcast Standards Project's PSP-1."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from email.utils import format_datetime
from typing import NamedTuple

from narrate.config import ShowSettings
from narrate.links import safe_link
from narrate.models import Artwork, PublishedEpisode
from narrate.publish import layout
from narrate.publish.layout import sidecar
from narrate.publish.output import episode_dir
from narrate.publish.timing import short_clock
from narrate.templating import render_template


def episode_guid(show: ShowSettings, slug: str) -> str:
    """A guid from the episode's identity (the show's podcast:guid + slug), never from time."""
    return str(uuid.uuid5(uuid.UUID(show.podcast_guid), slug))


def rfc2822(date: dt.date) -> str:
    """2026-11-20 -> "Fri, 20 Nov 2026 00:00:00 +0000"."""
    return format_datetime(dt.datetime.combine(date, dt.time(0, 0), tzinfo=dt.UTC))


def render_feed(episodes: Sequence[PublishedEpisode], show: ShowSettings, artwork: Artwork) -> str:
    """The podcast feed, newest episode first; all values computed here, escaped by Jinja."""
    ordered = sorted(episodes, key=lambda e: (e.date, e.number), reverse=True)
    return render_template(
        "feed.xml",
        show=show,
        feed_url=show.feed_url,
        image_url=show.base_url + artwork.file,
        explicit="true" if show.explicit else "false",
        last_build=rfc2822(ordered[0].date) if ordered else None,
        audio_type=layout.AUDIO_TYPE,
        items=[_item(e, show) for e in ordered],
    )


class _Listed(NamedTuple):
    """A ``podcast:transcript`` or ``podcast:chapters`` tag (see ``layout.Listing``)."""

    url: str
    type: str
    rel: str | None


class _Item(NamedTuple):
    """One ``<item>`` as the template prints it (a named tuple: Jinja reads fields directly,
    where a dict's keys cost it a failed attribute lookup each)."""

    title: str
    description: str
    notes: str
    link: str
    guid: str
    number: int
    pub_date: str
    url: str
    length: int
    duration: int
    transcripts: list[_Listed]
    chapters: list[_Listed]
    image_url: str


def _item(episode: PublishedEpisode, show: ShowSettings) -> _Item:
    url = show.base_url
    return _Item(
        title=episode.title,
        description=episode.description,
        notes=render_template(
            "show_notes.html",
            summary=episode.description,
            chapters=[(short_clock(c.start_ms), c.title) for c in episode.chapters],
            source_url=safe_link(episode.source_url),  # records of older builds, too
            research_url=safe_link(episode.research_url),
            disclaimer=episode.disclaimer,
        ).strip(),
        link=url + episode_dir(episode.slug),
        guid=episode.guid,
        number=episode.number,
        pub_date=rfc2822(episode.date),
        url=url + episode.audio_file,
        length=episode.length_bytes,
        duration=round(episode.duration_ms / 1000),
        transcripts=_listed(episode, url, "transcript"),
        chapters=_listed(episode, url, "chapters"),
        image_url=url + episode.image if episode.image else "",
    )


def _listed(episode: PublishedEpisode, url: str, tag: str) -> list[_Listed]:
    """The episode's files the feed lists with ``tag``, in the table's order."""
    return [
        _Listed(url + sidecar(episode.audio_file, file), listing.type, listing.rel)
        for file, listing in layout.listed(tag)
    ]
