"""Stage: synthesize_script(script, engine, cache) -> list[Clip]."""

from __future__ import annotations

import logging

from narrate.cache import ClipCache, clip_key
from narrate.engines import SpeechEngine
from narrate.models import Clip, Script

log = logging.getLogger(__name__)


def synthesize_script(
    script: Script, engine: SpeechEngine, cache: ClipCache | None = None
) -> list[Clip]:
    """Speak every segment, reusing cached audio for segments whose sound cannot have changed."""
    fingerprint = engine.fingerprint()
    voice = engine.describe()
    clips: list[Clip] = []
    fresh = 0
    for segment in script.segments:
        key = clip_key(fingerprint, segment.spoken)
        speech = cache.get(key) if cache else None
        cached = speech is not None
        if speech is None:
            speech = engine.synthesize(segment.spoken)
            fresh += 1
            if cache:
                cache.put(key, speech)
        clips.append(Clip(segment, speech, voice, cached))
    log.debug(
        "synthesized %d of %d segments (%d from cache)", fresh, len(clips), len(clips) - fresh
    )
    return clips
