"""``narrate verify``: every episode the show's feed lists, checked as published.

Reads what was published (the MP3, its length on record, its timings) and hands the sound to
the recognizer's checks (``narrate.audio.listen``).
"""

from __future__ import annotations

from narrate.audio.listen import verify_episode
from narrate.config import Settings
from narrate.language import is_english
from narrate.publish.layout import TIMINGS, sidecar
from narrate.publish.output import Output
from narrate.publish.timing import read_timings


def verify_published(settings: Settings) -> dict[str, list[str]]:
    """Check every episode the show's feed lists, as published: problems by audio file."""
    out = Output(settings.out_dir)
    listen = is_english(settings.show.language)
    found: dict[str, list[str]] = {}
    for episode in out.load_published(settings.show.feed_url, intact_only=False).values():
        mp3 = out.path(episode.audio_file)
        if not mp3.is_file():
            found[episode.audio_file] = ["the MP3 is missing; run narrate build again"]
            continue
        problems = []
        if mp3.stat().st_size != episode.length_bytes:
            problems.append(
                f"the MP3 is {mp3.stat().st_size} bytes but the feed says {episode.length_bytes}; "
                "run narrate build again"
            )
        timing_file = out.path(sidecar(episode.audio_file, TIMINGS))
        try:
            segments = read_timings(timing_file.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as error:
            found[episode.audio_file] = [f"{timing_file.name} is missing or unreadable ({error})"]
            continue
        found[episode.audio_file] = problems + verify_episode(
            mp3, segments, listen=listen and episode.speaks_words
        )
    return found
