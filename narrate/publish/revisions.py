"""Revisions of published episodes: where a rebuilt MP3 goes, whether what the feed lists
is all there, and removing what no feed needs any more.

A rebuilt episode never overwrites the files the current feed points at: it gets a new name
(``audio/SLUG.r2.mp3``), and the old revision is removed only once the new feed is out, so a
build killed at any moment leaves a valid feed behind.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

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
    if previous is None or out.size(previous.audio_file) is None:
        return previous.audio_file if previous else first
    match = re.fullmatch(
        rf"audio/{re.escape(slug)}(?:\.r(\d+))?{re.escape(mp3)}", previous.audio_file
    )
    revision = int(match.group(1) or 1) if match else 1
    return f"audio/{slug}.r{revision + 1}{mp3}"


def old_revisions(out: Output, listed: list[PublishedEpisode]) -> list[str]:
    """The files of earlier revisions of listed episodes, and episode artwork no listed
    episode shows any more: no feed needs them now."""
    shown = {e.image for e in listed if e.image}
    old = [f"{EPISODE_ART_DIR}/{name}" for name in out.names(EPISODE_ART_DIR)]
    old = [path for path in old if path not in shown]
    audio = out.names("audio")
    for episode in listed:
        current = PurePosixPath(episode.audio_file).name.removesuffix(layout.AUDIO_SUFFIX) + "."
        # audio/SLUG.mp3, audio/SLUG.r2.mp3 (a folder), audio/SLUG.0123456789ab.mp3 (a URL)
        pattern = re.compile(rf"{re.escape(episode.slug)}(\.r\d+|\.[0-9a-f]{{12}})?\.")
        old += [f"audio/{name}" for name in audio
                if pattern.match(name) and not name.startswith(current)]  # fmt: skip
    return old


def remove_old_revisions(out: Output, listed: list[PublishedEpisode]) -> None:
    """Retire what ``old_revisions`` finds, now that the new feed is out (see
    ``Output.retire``)."""
    out.retire(old_revisions(out, listed))


def playable(out: Output, episode: PublishedEpisode) -> bool:
    """The MP3 is there, at the size the feed states."""
    return out.size(episode.audio_file) == episode.length_bytes


def intact(out: Output, episode: PublishedEpisode) -> bool:
    """The MP3, at the size the feed states, and every file beside it are there."""
    return (
        playable(out, episode)
        and all(out.size(sidecar(episode.audio_file, f)) is not None for f in layout.SIDECARS)
        and (not episode.image or out.size(episode.image) is not None)
    )
