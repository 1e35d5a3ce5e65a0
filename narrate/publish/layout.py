"""The one table of the files published per episode: its MP3 and the files beside it.

Each file is declared once, as data: its suffix, its media type, whether the feed lists it
(and as what), and how it is rendered from the episode's ``EpisodeAudio``. ``produce`` writes
every file of ``SIDECARS`` in this order, then the MP3; ``revisions.intact`` checks them,
``serve`` serves them, the feed lists those that say ``listed``. A file added here is
published, checked, served and listed everywhere, without another list to keep in step.

Modules read the table as ``layout.SIDECARS`` when they use it (not bound at import), so
there is only ever the one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from narrate.models import EpisodeAudio
from narrate.publish.timing import (
    chapters_json,
    chapters_webvtt,
    srt,
    timings_json,
    transcript_html,
    webvtt,
)

AUDIO_SUFFIX = ".mp3"
"""The episode's audio, the feed's enclosure; every other file's name is its stem + a suffix."""
AUDIO_TYPE = "audio/mpeg"
"""The MP3's media type, in the feed's enclosure and as served."""

CHAPTERS_TYPE = "application/json+chapters"
"""The type Podcasting 2.0 gives JSON chapters in the feed (no web server sends it)."""

Render = Callable[[EpisodeAudio, str, str], str]
"""(audio, episode title, show language) -> the file's text."""


@dataclass(frozen=True)
class Listing:
    """How the feed lists a file: one Podcasting 2.0 tag in the episode's ``<item>``."""

    tag: Literal["transcript", "chapters"]
    """``podcast:transcript`` or ``podcast:chapters``."""
    type: str
    """The tag's ``type`` attribute, in the Podcasting 2.0 vocabulary (``CHAPTERS_TYPE``)."""
    rel: str | None = None
    """The transcript's ``rel`` ("captions": timed for display), or None."""


@dataclass(frozen=True)
class Sidecar:
    """A file published next to every MP3."""

    suffix: str
    """What replaces ".mp3" in the MP3's name: "audio/x.r2.mp3" -> "audio/x.r2.vtt"."""
    media_type: str
    """The Content-Type a web server sends it with (``narrate serve`` does)."""
    render: Render
    """Its text, from the same ``EpisodeAudio`` as the MP3: every file keeps the MP3's clock."""
    listed: Listing | None = None
    """How the feed lists it; None: only the pages or the build read it."""


CAPTIONS = Sidecar(
    ".vtt",
    "text/vtt",
    lambda audio, title, language: webvtt(audio),
    Listing("transcript", "text/vtt", "captions"),
)
"""WebVTT captions: the transcript Apple reads (so listed first), and the pages' caption track."""
SUBRIP = Sidecar(
    ".srt",
    "application/x-subrip",
    lambda audio, title, language: srt(audio),
    Listing("transcript", "application/x-subrip", "captions"),
)
"""The same captions as SubRip, for players that want SRT."""
TRANSCRIPT = Sidecar(
    ".transcript.html",
    "text/html; charset=utf-8",
    transcript_html,
    Listing("transcript", "text/html"),
)
"""A standalone HTML transcript, linked from the episode's page."""
CHAPTERS = Sidecar(
    ".chapters.json",
    "application/json",
    lambda audio, title, language: chapters_json(audio),
    Listing("chapters", CHAPTERS_TYPE),
)
"""Podcasting 2.0 JSON chapters."""
CHAPTER_TRACK = Sidecar(
    ".chapters.vtt",
    "text/vtt",
    lambda audio, title, language: chapters_webvtt(audio.chapters),
)
"""Chapters as WebVTT, for the pages' ``<track kind="chapters">``."""
TIMINGS = Sidecar(
    ".timing.json",
    "application/json",
    lambda audio, title, language: timings_json(audio),
)
"""Sentences and words with their times: the pages' transcript and ``narrate verify`` read it."""

SIDECARS: tuple[Sidecar, ...] = (CAPTIONS, SUBRIP, TRANSCRIPT, CHAPTERS, CHAPTER_TRACK, TIMINGS)
"""Every file published next to an MP3, in the order ``produce`` writes them (and the feed
lists those it lists)."""


def sidecar(audio_file: str, file: Sidecar) -> str:
    """ "audio/x.r2.mp3", CAPTIONS -> "audio/x.r2.vtt": where a file beside an MP3 goes."""
    return audio_file.removesuffix(AUDIO_SUFFIX) + file.suffix


def listed(tag: str) -> list[tuple[Sidecar, Listing]]:
    """The files the feed lists with ``tag`` ("transcript" or "chapters"), in table order."""
    return [(f, f.listed) for f in SIDECARS if f.listed is not None and f.listed.tag == tag]


def audio_suffixes() -> tuple[str, ...]:
    """What ``audio/`` holds for an episode: ".mp3", ".vtt", ... (the MP3 first)."""
    return (AUDIO_SUFFIX, *(f.suffix for f in SIDECARS))


TYPES = {
    ".xml": "application/rss+xml",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
"""Content types of the published files that are not an episode's (pages, feed, assets)."""


def media_type(path: str) -> str | None:
    """The Content-Type of a file an episode publishes, as this table declares it;
    None for the others (pages, feed, artwork: ``TYPES`` and the standard library's).

    "audio/x.r2.transcript.html" -> "text/html; charset=utf-8"; "index.html" -> None.
    """
    files = [(AUDIO_SUFFIX, AUDIO_TYPE)]
    files += [(f.suffix, f.media_type) for f in SIDECARS]
    fits = [(len(suffix), kind) for suffix, kind in files if path.endswith(suffix)]
    return max(fits)[1] if fits else None  # the longest: ".chapters.vtt" is not captions
