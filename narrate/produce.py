"""produce_episode(plan, settings, artwork) -> ProducedEpisode: one episode from its script
to its MP3 and the files beside it, as plain values ready to publish.

    Script ─synthesize─▶ [Clip] ─mix_episode─▶ EpisodeAudio ─tag_episode─▶ MP3
        ─verify (silence, truncation; the recognizer hears the disclaimer)─▶ produced
        with captions, timings, chapters and an HTML transcript beside it

Everything it takes and gives can be pickled, so another process (or machine) can produce an
episode: a ``Studio`` keeps what a process reuses between episodes (the voice, loaded once;
the recognizer's verdicts). ``build`` plans which episodes need this and publishes what comes
back, then the pages and the feed around them.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from functools import lru_cache
from pathlib import Path

from narrate.audio.cache import ClipCache
from narrate.audio.listen import (
    hear_disclaimer,
    hear_episode,
    judge_hearing,
    sound_key,
    verify_episode,
)
from narrate.audio.mixdown import mix_episode, scratch_folder
from narrate.audio.synthesize import Speaker
from narrate.audio.tagging import tag_episode
from narrate.config import EngineSettings, Settings
from narrate.errors import AudioError
from narrate.language import is_english
from narrate.models import (
    Artwork,
    Clip,
    EpisodeAudio,
    Plan,
    ProducedEpisode,
    PublishedEpisode,
    Segment,
    Speech,
)
from narrate.publish import layout
from narrate.publish.layout import sidecar
from narrate.text.pronounce import show_lexicon

log = logging.getLogger(__name__)


class Studio:
    """What one process keeps between the episodes it produces: the voices, loaded once (a
    build's ``Speaker`` also speaks the next episodes ahead on every core), and the
    recognizer's verdicts, each distinct disclaimer sound judged once. Nothing in it changes
    how an episode sounds: the same plan makes the same files in any process, in any order.
    """

    def __init__(self, speaker: Speaker, ears: Executor | None = None) -> None:
        self.speaker = speaker
        """Speaks the episodes' scripts (from the clip cache where it can)."""
        self.ears = ears
        """Where the recognizer runs beside the mixdown (None: in this process, after it)."""
        self.verdicts: dict[str, str | None] = {}
        """What the recognizer found in each disclaimer sound (see ``listen.sound_key``)."""

    @staticmethod
    def of_this_process(settings: Settings) -> Studio:
        """The studio this process keeps for ``settings``' voices: loaded on first use."""
        return _studio(settings.engine, settings.fallback, settings.cache_dir, settings.cache_url)

    def hear(
        self, speeches: Sequence[Speech], meant: str, model: str = ""
    ) -> Callable[[], str | None]:
        """Start judging whether ``meant`` (written words) is heard in ``speeches`` (by
        ``model``, "": the default); call the result for the verdict (a problem, or None)."""
        key = sound_key(speeches, meant + "|" + model)
        if key in self.verdicts:
            known = self.verdicts[key]
            return lambda: known
        ears = self.ears
        future = ears.submit(hear_disclaimer, list(speeches), meant, model) if ears else None

        def verdict() -> str | None:
            found = future.result() if future else hear_disclaimer(speeches, meant, model)
            self.verdicts[key] = found
            return found

        return verdict


@lru_cache(maxsize=2)
def _studio(
    engine: EngineSettings, fallback: EngineSettings | None, cache: Path | None, shared: str = ""
) -> Studio:
    """One studio per process and voice: a worker loads each voice once, and reuses it."""
    return Studio(Speaker(engine, fallback, ClipCache(cache, shared) if cache else None, jobs=1))


def produce_episode(
    plan: Plan, settings: Settings, artwork: Artwork, studio: Studio | None = None
) -> ProducedEpisode:
    """Speak, mix, encode, tag and self-check one planned episode: its MP3 and the files
    beside it, ready to publish, or an error (nothing of it is published).

    ``studio``: what this process reuses between episodes (default: the process's own).
    """
    studio = studio or Studio.of_this_process(settings)
    speaker = studio.speaker
    episode, script = plan.episode, plan.script
    artwork = plan.artwork or artwork
    disclaimer = [s for s in script.segments if _is_disclaimer(s)]
    listen = settings.audio.verify and _listens(settings, speaker) and bool(disclaimer)
    before = speaker.synthesized
    clips = speaker.clips(script)
    # Counted in phrases, as the build's total ("N phrases spoken afresh") is: the sum agrees.
    afresh, phrases = speaker.synthesized - before, sum(len(c.parts) for c in clips)
    log.info("speech: %d phrases in %d segments, %d spoken afresh, %d from the cache",
             phrases, len(clips), afresh, phrases - afresh)  # fmt: skip
    scratch = scratch_folder()
    try:
        staged = scratch / f"{episode.slug}.mp3"
        audio = _mix_and_check(plan, clips, settings, artwork, staged, studio, listen)
        # Everything the feed will point at is complete before the MP3, and the MP3 before
        # the feed: a reader never finds a link to a file that is not all there.
        files = [
            (sidecar(plan.audio_file, file),
             file.render(audio, episode.title, settings.show.language).encode("utf-8"))
            for file in layout.SIDECARS
        ]  # fmt: skip
        if plan.artwork is not None:
            files.append((plan.artwork.file, plan.artwork.data))
        mp3 = staged.read_bytes()
        files.append((plan.audio_file, mp3))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return ProducedEpisode(_record(plan, audio, len(mp3), _speaks_words(speaker)), tuple(files),
                           afresh)  # fmt: skip


def _record(plan: Plan, audio: EpisodeAudio, length: int, speaks_words: bool) -> PublishedEpisode:
    """The episode as the feed lists it."""
    episode = plan.episode
    return PublishedEpisode(
        slug=episode.slug,
        guid=plan.guid,
        number=plan.number,
        title=episode.title,
        description=episode.summary,
        date=episode.date,
        audio_file=plan.audio_file,
        length_bytes=length,
        duration_ms=audio.duration_ms,
        source_url=episode.source_url,
        research_url=episode.research_url,
        disclaimer=plan.script.disclaimer,
        chapters=audio.chapters,
        voice=audio.voice,
        recipe=plan.recipe,
        source=episode.key,
        image=plan.artwork.file if plan.artwork else "",
        content=plan.content,
        speaks_words=speaks_words,
    )


def _mix_and_check(
    plan: Plan,
    clips: list[Clip],
    settings: Settings,
    artwork: Artwork,
    staged: Path,
    studio: Studio,
    listen: bool,
) -> EpisodeAudio:
    """Mix, encode and tag the episode into ``staged``, then give it the self-check.

    The recognizer hears the disclaimer as the voice spoke it, in its own process (the
    studio's ``ears``) while this one mixes and encodes; the decoded MP3 is checked for
    silence and truncation.
    """
    disclaimer = [c for c in clips if _is_disclaimer(c.segment)]
    parts = [part for clip in disclaimer for part in clip.parts]
    meant = " ".join(clip.segment.text for clip in disclaimer)
    heard = studio.hear(parts, meant, settings.audio.recognizer) if listen else None
    audio = mix_episode(clips, plan.script.chapters, settings.audio, staged)
    log.info("mixdown: %d ms at %.1f LUFS", audio.duration_ms, audio.loudness_lufs)
    tag_episode(audio, plan.episode, plan.script, settings.show, artwork, plan.guid)
    if settings.audio.verify:
        problems = verify_episode(
            staged, audio.segments, listen=False, decoded=(audio.decoded, audio.decoded_rate)
        )
        if heard is not None and (unheard := heard()):
            problems.append(unheard)
        _self_check(problems)
        if listen and settings.audio.listen == "full":
            _self_check(
                _hear_whole(staged, audio, settings),
                'build with listen = "disclaimer" and run narrate verify to see every miss; '
                "fix the words in the show's lexicon, or lower [audio] word_accuracy",
            )
    return audio


def _hear_whole(staged: Path, audio: EpisodeAudio, settings: Settings) -> list[str]:
    """``listen = "full"``: the recognizer hears the whole episode (Whisper base, one thread:
    the other workers have the other cores) and holds it to the show's ``word_accuracy``."""
    language = settings.show.language
    lexicon = show_lexicon(settings.script)
    hearing = hear_episode(staged, audio.segments, language=language, lexicon=lexicon,
                           model=settings.audio.recognizer, threads=1)  # fmt: skip
    log.info("heard: %.1f%% of %d words", 100 * hearing.accuracy, hearing.words)
    return judge_hearing(hearing, audio.segments, settings.audio.word_accuracy, language, lexicon)


def _is_disclaimer(segment: Segment) -> bool:
    """The segments the self-check listens to."""
    return segment.kind == "disclaimer"


def _listens(settings: Settings, speaker: Speaker) -> bool:
    """The recognizer knows English speech only; test voices that beep have no words to hear."""
    return is_english(settings.show.language) and _speaks_words(speaker)


def _speaks_words(speaker: Speaker) -> bool:
    """Whether the episode's voice (or its fallback) says words a recognizer can hear."""
    return all(e.speaks_words for e in (speaker.engine, speaker.fallback) if e is not None)


def _self_check(
    problems: list[str],
    fix: str = "the voice may have misfired: rebuild with --no-cache, or try another voice",
) -> None:
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise AudioError(f"self-check failed: {problems[0]}{more}; {fix}")
