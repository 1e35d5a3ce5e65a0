"""Stage: synthesize_script(script, engine, cache) -> list[Clip]."""

from __future__ import annotations

import logging

from narrate.cache import ClipCache, clip_key
from narrate.engines import SpeechEngine
from narrate.errors import EngineError
from narrate.models import Clip, Script, Speech
from narrate.sentences import breath_groups

log = logging.getLogger(__name__)


def synthesize_script(
    script: Script,
    engine: SpeechEngine,
    fallback: SpeechEngine | None = None,
    *,
    cache: ClipCache | None = None,
) -> list[Clip]:
    """Speak every segment, reusing cached audio for phrases whose sound cannot have changed.

    Long sentences are spoken phrase by phrase (see ``breath_groups``) so mixdown can give the
    listener a breath between them. If ``engine`` fails and a ``fallback`` is given, the whole
    episode is spoken by the fallback: one voice per episode, never a switch mid-way.
    """
    try:
        return _speak(script, engine, cache)
    except EngineError as error:
        if fallback is None:
            raise
        log.warning("%s failed (%s); speaking the episode with %s", engine.name, error,
                    fallback.describe())  # fmt: skip
        return _speak(script, fallback, cache)


def _speak(script: Script, engine: SpeechEngine, cache: ClipCache | None) -> list[Clip]:
    fingerprint = engine.fingerprint()
    voice = engine.describe()
    clips: list[Clip] = []
    fresh = 0
    for segment in script.segments:
        parts: list[Speech] = []
        all_cached = True
        for phrase in breath_groups(segment.spoken):
            key = clip_key(fingerprint, phrase)
            speech = cache.get(key) if cache else None
            if speech is None:
                all_cached = False
                speech = engine.synthesize(phrase)
                fresh += 1
                if cache:
                    cache.put(key, speech)
            parts.append(speech)
        clips.append(Clip(segment, tuple(parts), voice, all_cached))
    log.debug("%s: %d phrases synthesized, the rest from cache", voice, fresh)
    return clips
