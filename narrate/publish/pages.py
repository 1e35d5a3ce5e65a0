"""Stage: render_pages(episodes, show, artwork) -> {path: html}: the accessible website.

An index, one page per episode and one compact embed page per episode, all of which work with
no JavaScript at all: the native audio player, chapters as links (``#t=`` media fragments),
the whole transcript as text. ``player.js`` only adds comfort on top (see its header).
Every value is computed here; templates only place it.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_all_start_methods
from typing import Any, NamedTuple

from narrate.config import ShowSettings
from narrate.language import long_date, text_direction
from narrate.links import safe_link
from narrate.models import Artwork, PublishedEpisode, SegmentTiming
from narrate.processes import worker_pool
from narrate.publish.layout import CAPTIONS, CHAPTER_TRACK, TIMINGS, TRANSCRIPT, sidecar
from narrate.publish.output import Output, episode_dir
from narrate.publish.timing import read_timings, short_clock, written_words
from narrate.templating import render_fragment, render_template, static_asset

log = logging.getLogger(__name__)

ASSETS = ("narrate.css", "player.js", "icon.svg")
"""Static files published under ``assets/``."""

PARTIALS = ("player", "chapters", "transcript")
"""Parts the episode page and its embed page share, rendered once for both."""

WORKER_SHARE = 200
"""Episodes worth a process of their own: from twice as many on, several processes render
the episode pages (at most one per ``WORKER_SHARE``); below, starting them costs more."""

CHUNKS = 8
"""Chunks per worker process: results stream back while the worker renders the next."""

SPEEDS = ("0.75", "1", "1.25", "1.5")
"""Playback speed presets offered by the player; ``1`` is pressed until the listener picks."""


@dataclass(frozen=True)
class EpisodePage:
    """A published episode and its timeline, as the pages need them."""

    episode: PublishedEpisode
    """The feed's record of the episode."""
    segments: tuple[SegmentTiming, ...]
    """Every sentence with its time (from the episode's timing file)."""


def render_pages(
    pages: Sequence[EpisodePage], show: ShowSettings, artwork: Artwork, jobs: int | None = None
) -> dict[str, str]:
    """Every page and asset of the site, by path relative to the output root.

    ``jobs`` processes render the episode pages (default: one per core; 1: all in this one);
    the site is the same, byte for byte and path for path in the same order, however many.
    """
    ordered = sorted(pages, key=lambda p: (p.episode.date, p.episode.number), reverse=True)
    with _episode_pages(ordered, show, artwork, jobs) as rendered:
        site: dict[str, str] = {f"assets/{name}": static_asset(name) for name in ASSETS}
        site["index.html"] = render_template(
            "index.html",
            root="",
            show=_show(show),
            feed_url=show.feed_url,
            cover=artwork.file,
            episodes=[_summary(p.episode, "") for p in ordered],
        )
        for page, (index, embed) in zip(ordered, rendered, strict=True):
            folder = episode_dir(page.episode.slug)
            site[folder + "index.html"] = index
            site[folder + "embed.html"] = embed
    return site


@contextmanager
def _episode_pages(
    ordered: Sequence[EpisodePage], show: ShowSettings, artwork: Artwork, jobs: int | None
) -> Iterator[Iterator[tuple[str, str]]]:
    """Each episode's page and embed page, in order. With ``jobs`` > 1 and enough episodes,
    forked workers render them in chunks, starting at once (this process renders the index
    meanwhile); each chunk travels back while the next is rendered."""
    jobs = min(jobs or os.cpu_count() or 1, len(ordered) // WORKER_SHARE)
    if jobs < 2 or "fork" not in get_all_start_methods():
        yield iter(_render_episodes(ordered, show, artwork))
        return
    step = -(-len(ordered) // (CHUNKS * jobs))
    # Forked: the workers inherit the episodes, nothing to pickle.
    with worker_pool(jobs, _adopt, (ordered, show, artwork), fork=True) as workers:
        chunks = [
            workers.submit(_render_adopted, start, start + step)
            for start in range(0, len(ordered), step)
        ]
        try:
            yield (pair for chunk in chunks for pair in chunk.result())
        finally:
            for chunk in chunks:
                chunk.cancel()  # those not started yet, when the site failed to render


_adopted: tuple[Sequence[EpisodePage], ShowSettings, Artwork] | None = None
"""In a worker process: the episodes, show and artwork it inherited from ``_episode_pages``."""


def _adopt(ordered: Sequence[EpisodePage], show: ShowSettings, artwork: Artwork) -> None:
    global _adopted
    _adopted = (ordered, show, artwork)


def _render_adopted(start: int, stop: int) -> list[tuple[str, str]]:
    assert _adopted is not None, "runs in a worker started by _episode_pages"
    ordered, show, artwork = _adopted
    return _render_episodes(ordered[start:stop], show, artwork)


def _render_episodes(
    pages: Sequence[EpisodePage], show: ShowSettings, artwork: Artwork
) -> list[tuple[str, str]]:
    """The page and embed page of each episode: the three parts they share rendered once."""
    shown = _show(show)
    rendered = []
    for page in pages:
        values = _episode(page, shown, artwork, root="../../")
        values.update(
            {part: render_fragment(f"partials/{part}.html", **values) for part in PARTIALS}
        )
        embed_url = show.base_url + episode_dir(page.episode.slug) + "embed.html"
        index = render_template(
            "episode.html", **values, embed_code=_embed_code(embed_url, page.episode.title)
        )
        rendered.append((index, render_template("embed.html", **values)))
    return rendered


# What the templates print, as named tuples: Jinja reads their fields directly, where a dict's
# keys cost it a failed attribute lookup each (thousands per page of a long transcript).


class _Show(NamedTuple):
    title: str
    description: str
    language: str
    direction: str


class _Summary(NamedTuple):
    title: str
    href: str
    date_iso: str
    date: str
    length: str
    length_iso: str
    summary: str


class _Chapter(NamedTuple):
    title: str
    start: str
    clock: str
    href: str


class _Word(NamedTuple):
    text: str
    start: str
    end: str
    last: bool  # the sentence's last word, with no space after it


class _Sentence(NamedTuple):
    text: str
    start: str
    end: str
    words: list[_Word] | None


class _Paragraph(NamedTuple):
    start: str
    clock: str
    href: str
    kind: str
    sentences: list[_Sentence]


class _Speed(NamedTuple):
    value: str
    label: str
    pressed: str


_SPEEDS = [_Speed(speed, f"{speed}×", "true" if speed == "1" else "false") for speed in SPEEDS]


def _show(show: ShowSettings) -> _Show:
    return _Show(show.title, show.description, show.language, text_direction(show.language))


def _summary(episode: PublishedEpisode, root: str) -> _Summary:
    return _Summary(
        title=episode.title,
        href=root + episode_dir(episode.slug),
        date_iso=episode.date.isoformat(),
        date=long_date(episode.date),
        length=_length(episode.duration_ms),
        length_iso=f"PT{round(episode.duration_ms / 1000)}S",
        summary=episode.description,
    )


def _episode(page: EpisodePage, show: _Show, artwork: Artwork, root: str) -> dict[str, Any]:
    episode = page.episode
    audio = root + episode.audio_file
    return {
        "root": root,
        "show": show,
        "episode": _summary(episode, root),
        "slug": episode.slug,
        "audio": audio,
        "captions": root + sidecar(episode.audio_file, CAPTIONS),
        "chapters_track": root + sidecar(episode.audio_file, CHAPTER_TRACK),
        "transcript_file": root + sidecar(episode.audio_file, TRANSCRIPT),
        "cover": root + (episode.image or artwork.file),  # lock screens show the episode's own
        "source_url": safe_link(episode.source_url),  # a record from an older build may hold any
        "research_url": safe_link(episode.research_url),
        "disclaimer": episode.disclaimer,
        "chapters": [
            _Chapter(
                title=c.title,
                start=_seconds(c.start_ms),
                clock=short_clock(c.start_ms),
                href=f"{audio}#t={_seconds(c.start_ms)}",
            )
            for c in episode.chapters
        ],
        "paragraphs": _paragraphs(page.segments, audio),
        "speeds": _SPEEDS,
    }


def _embed_code(url: str, title: str) -> str:
    """The ``<iframe>`` snippet people paste into their own pages, as plain text: escaped here
    for the snippet's own attributes, then once more by the template for the textarea."""
    src, label = html.escape(url), html.escape(f"Listen: {title}")
    return (
        f'<iframe src="{src}" title="{label}" width="100%" height="480" loading="lazy"'
        ' style="border:0"></iframe>'
    )


def _paragraphs(segments: Sequence[SegmentTiming], audio: str) -> list[_Paragraph]:
    """Transcript paragraphs: their start, and each sentence with its time and, when the
    voice reported word timings, each written word with the time it is heard (see
    ``written_words``: "2026" lights up while "twenty twenty-six" is said)."""
    paragraphs: list[_Paragraph] = []
    last = None
    for timing in segments:
        segment = timing.segment
        start = _seconds(timing.start_ms)
        if segment.paragraph != last:
            last = segment.paragraph
            paragraphs.append(
                _Paragraph(
                    start=start,
                    clock=short_clock(timing.start_ms),
                    href=f"{audio}#t={start}",
                    kind=segment.kind,
                    sentences=[],
                )
            )
        words = None
        if timed := written_words(segment.text, timing.words or ()):
            final = len(timed) - 1
            words = [
                _Word(w.word, _seconds(w.start_ms), _seconds(w.end_ms), last=number == final)
                for number, w in enumerate(timed)
            ]
        paragraphs[-1].sentences.append(
            _Sentence(segment.text, start, _seconds(timing.end_ms), words)
        )
    return paragraphs


def _seconds(ms: int) -> str:
    """1500 -> "1.500": a time as media fragments and ``data-start`` attributes give it."""
    return f"{ms / 1000:.3f}"


def _length(ms: int) -> str:
    """151600 -> "2 min 32 s"; listeners read minutes more easily than a clock."""
    seconds = round(ms / 1000)
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def episode_timeline(out: Output, episode: PublishedEpisode) -> tuple[SegmentTiming, ...]:
    """An episode's sentences and times, from the timing file published beside its MP3."""
    path = sidecar(episode.audio_file, TIMINGS)
    data = out.read_bytes(path)
    try:
        if data is None:
            raise ValueError("not there")
        return read_timings(data.decode("utf-8"))
    except (ValueError, KeyError) as error:
        # The episode stays published; only its page loses the transcript until a rebuild.
        log.warning("%s is missing or damaged (%s); its page has no transcript",
                    out.location(path), error)  # fmt: skip
        return ()
