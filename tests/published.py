"""The example show and hand-made published episodes, for the tests that render the feed and
the pages without building anything (test_feed, test_pages, test_properties)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from narrate.config import EXAMPLE_SHOW, load_settings
from narrate.models import Artwork, Chapter, PublishedEpisode
from narrate.publish.feed import episode_guid

SHOW = load_settings(EXAMPLE_SHOW).show
"""The example show's settings, as the feed and the pages receive them."""
ART = Artwork(b"jpeg", "image/jpeg", "artwork/cover.jpg", b"small")
"""A cover that is only bytes: rendering never decodes it."""


def published_episode(
    slug: str = "episode", date: dt.date = dt.date(2026, 11, 20), **changes: object
) -> PublishedEpisode:
    """An episode as the feed lists it, 2 min 32 s long in one chapter; ``changes`` replace
    any field (``number``, ``title``, ``chapters``, ...)."""
    base = PublishedEpisode(
        slug=slug,
        guid=episode_guid(SHOW, slug),
        number=1,
        title=f"Episode {slug}",
        description="It worked.",
        date=date,
        audio_file=f"audio/{slug}.mp3",
        length_bytes=123456,
        duration_ms=151_600,
        source_url="https://example.org/summaries/" + slug,
        disclaimer="Not medical advice.",
        chapters=(Chapter("Introduction", 0, 151_600),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]
