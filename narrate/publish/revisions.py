"""Revisions of published episodes: where a rebuilt MP3 goes, whether what the feed lists
is all there, and removing what no feed needs any more.

A rebuilt episode never overwrites the files the current feed points at: it gets a new name
(``audio/SLUG.r2.mp3``), and the old revision is removed only once the new feed is out, so a
build killed at any moment leaves a valid feed behind.
"""

from __future__ import annotations

import re
from pathlib import Path

from narrate.models import PublishedEpisode
from narrate.publish import layout
from narrate.publish.artwork import EPISODE_ART_DIR
from narrate.publish.layout import sidecar
from narrate.publish.output import Output


def next_file(slug: str, previous: PublishedEpisode | None, out: Output) -> str:
    """The MP3's path: ``audio/SLUG.mp3`` at first, ``audio/SLUG.rN.mp3`` for each rebuild.

    A rebuilt episode never overwrites the files the current feed points at: until the new
    feed replaces the old one, the old feed and everything it lists stay valid. Old
    revisions are removed once the new feed is out (see ``remove_old_revisions``).
    """
    mp3 = layout.AUDIO_SUFFIX
    first = f"audio/{slug}{mp3}"
    if previous is None or not out.path(previous.audio_file).exists():
        return previous.audio_file if previous else first
    match = re.fullmatch(
        rf"audio/{re.escape(slug)}(?:\.r(\d+))?{re.escape(mp3)}", previous.audio_file
    )
    revision = int(match.group(1) or 1) if match else 1
    return f"audio/{slug}.r{revision + 1}{mp3}"


def remove_old_revisions(out: Output, listed: list[PublishedEpisode]) -> None:
    """Delete the files of earlier revisions of listed episodes, and episode artwork no
    listed episode shows any more, now that no feed needs them."""
    art = out.path(EPISODE_ART_DIR)
    if art.is_dir():
        shown = {out.path(e.image) for e in listed if e.image}
        for path in art.iterdir():
            if path.is_file() and path not in shown:
                path.unlink(missing_ok=True)
    folder = out.path("audio")
    if not folder.is_dir():
        return
    for episode in listed:
        current = Path(episode.audio_file).name.removesuffix(layout.AUDIO_SUFFIX) + "."
        pattern = re.compile(rf"{re.escape(episode.slug)}(\.r\d+)?\.")
        for path in folder.iterdir():
            if pattern.match(path.name) and not path.name.startswith(current):
                path.unlink(missing_ok=True)


def playable(out: Output, episode: PublishedEpisode) -> bool:
    """The MP3 is there, at the size the feed states."""
    mp3 = out.path(episode.audio_file)
    return mp3.is_file() and mp3.stat().st_size == episode.length_bytes


def intact(out: Output, episode: PublishedEpisode) -> bool:
    """The MP3, at the size the feed states, and every file beside it are there."""
    return (
        playable(out, episode)
        and all(out.path(sidecar(episode.audio_file, f)).is_file() for f in layout.SIDECARS)
        and (not episode.image or out.path(episode.image).is_file())
    )
