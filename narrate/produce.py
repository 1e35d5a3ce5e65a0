"""produce_episode(plan, ...) -> PublishedEpisode: one episode from its script to its
published MP3 and the files beside it.

    Script ─Speaker─▶ [Clip] ─mix_episode─▶ EpisodeAudio ─tag_episode─▶ MP3
        ─verify (silence, truncation; the recognizer hears the disclaimer)─▶ published
        with captions, timings, chapters and an HTML transcript beside it

``build`` plans which episodes need this and publishes the pages and the feed around them.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from pathlib import Path

from narrate.audio.listen import hear_disclaimer, verify_episode
from narrate.audio.mixdown import mix_episode
from narrate.audio.synthesize import Pending, Speaker
from narrate.audio.tagging import tag_episode
from narrate.config import Settings
from narrate.errors import AudioError
from narrate.language import is_english
from narrate.models import (
    Artwork,
    Clip,
    EpisodeAudio,
    Plan,
    PublishedEpisode,
    Segment,
)
from narrate.publish import layout
from narrate.publish.layout import sidecar
from narrate.publish.output import Output

log = logging.getLogger(__name__)


def produce_episode(
    plan: Plan,
    pending: Pending,
    speaker: Speaker,
    settings: Settings,
    out: Output,
    artwork: Artwork,
    ears: Executor,
) -> PublishedEpisode:
    """Speak, mix, encode, tag and self-check one planned episode; publish its MP3 and the
    files beside it. Nothing is published unless all of it is right."""
    episode, script = plan.episode, plan.script
    artwork = plan.artwork or artwork
    disclaimer = [s for s in script.segments if _is_disclaimer(s)]
    listen = settings.audio.verify and _listens(settings, speaker) and bool(disclaimer)
    before = speaker.synthesized
    clips = speaker.clips(pending)
    # Counted in phrases, as the build's total ("N phrases spoken afresh") is: the sum agrees.
    afresh, phrases = speaker.synthesized - before, sum(len(c.parts) for c in clips)
    log.info("speech: %d phrases in %d segments, %d spoken afresh, %d from the cache",
             phrases, len(clips), afresh, phrases - afresh)  # fmt: skip
    staged = out.staging_path(f"{episode.slug}.mp3")
    try:
        audio = _mix_and_check(plan, clips, settings, artwork, staged, ears, listen)
        relative = plan.audio_file
        # Everything the feed will point at is complete before the MP3, and the MP3 before
        # the feed: a reader never finds a link to a file that is not all there.
        for file in layout.SIDECARS:
            text = file.render(audio, episode.title, settings.show.language)
            out.write_text(sidecar(relative, file), text)
        if plan.artwork is not None:
            out.write_bytes(plan.artwork.file, plan.artwork.data)
        final = out.publish(staged, relative)
    finally:
        staged.unlink(missing_ok=True)
    return PublishedEpisode(
        slug=episode.slug,
        guid=plan.guid,
        number=plan.number,
        title=episode.title,
        description=episode.summary,
        date=episode.date,
        audio_file=relative,
        length_bytes=final.stat().st_size,
        duration_ms=audio.duration_ms,
        source_url=episode.source_url,
        disclaimer=script.disclaimer,
        chapters=audio.chapters,
        voice=audio.voice,
        recipe=plan.recipe,
        source=str(episode.source_path),
        image=plan.artwork.file if plan.artwork else "",
        content=plan.content,
        speaks_words=_speaks_words(speaker),
    )


def _mix_and_check(
    plan: Plan,
    clips: list[Clip],
    settings: Settings,
    artwork: Artwork,
    staged: Path,
    ears: Executor,
    listen: bool,
) -> EpisodeAudio:
    """Mix, encode and tag the episode into ``staged``, then give it the self-check.

    The recognizer hears the disclaimer as the voice spoke it, in its own process (``ears``)
    while this one mixes and encodes; the decoded MP3 is checked for silence and truncation.
    """
    disclaimer = [c for c in clips if _is_disclaimer(c.segment)]
    parts = [part for clip in disclaimer for part in clip.parts]
    spoken = " ".join(clip.segment.spoken for clip in disclaimer)
    heard = ears.submit(hear_disclaimer, parts, spoken) if listen else None
    audio = mix_episode(clips, plan.script.chapters, settings.audio, staged)
    log.info("mixdown: %d ms at %.1f LUFS", audio.duration_ms, audio.loudness_lufs)
    tag_episode(audio, plan.episode, plan.script, settings.show, artwork, plan.guid)
    if settings.audio.verify:
        problems = verify_episode(
            staged, audio.segments, listen=False, decoded=(audio.decoded, audio.decoded_rate)
        )
        if heard is not None and (unheard := heard.result()):
            problems.append(unheard)
        _self_check(problems)
    return audio


def _is_disclaimer(segment: Segment) -> bool:
    """The segments the self-check listens to."""
    return segment.kind == "disclaimer"


def _listens(settings: Settings, speaker: Speaker) -> bool:
    """The recognizer knows English speech only; test voices that beep have no words to hear."""
    return is_english(settings.show.language) and _speaks_words(speaker)


def _speaks_words(speaker: Speaker) -> bool:
    """Whether the episode's voice (or its fallback) says words a recognizer can hear."""
    return all(e.speaks_words for e in (speaker.engine, speaker.fallback) if e is not None)


def _self_check(problems: list[str]) -> None:
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise AudioError(
            f"self-check failed: {problems[0]}{more}; the voice may have misfired: "
            "rebuild with --no-cache, or try another voice"
        )
