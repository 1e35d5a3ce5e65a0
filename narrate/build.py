"""build(settings): run the stages in order; reads like the data flow in STYLE.md."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from narrate.artwork import check_cover, cover_bytes, embedded_cover, render_default_cover
from narrate.cache import ClipCache
from narrate.config import EpisodeSource, Settings, ShowSettings
from narrate.engines import SpeechEngine, load_engine
from narrate.errors import AudioError, NarrateError
from narrate.feed import CHAPTERS_SUFFIX, episode_guid, render_feed
from narrate.mixdown import mix_episode
from narrate.models import Artwork, PublishedEpisode, SegmentTiming
from narrate.output import Output, sidecar
from narrate.pages import EpisodePage, render_pages
from narrate.pronounce import Lexicon, load_lexicon
from narrate.script import build_script
from narrate.sources import read_episode, slugify
from narrate.synthesize import synthesize_script
from narrate.tagging import tag_episode
from narrate.timing import (
    chapters_json,
    chapters_webvtt,
    read_timings,
    srt,
    timings_json,
    transcript_html,
    webvtt,
)
from narrate.verify import verify_episode

log = logging.getLogger(__name__)

COVER_JPEG = "artwork/cover.jpg"
"""Where the show's cover is published (``.png`` for a PNG cover)."""


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote and what it could not build."""

    built: tuple[PublishedEpisode, ...]
    """Episodes built (or rebuilt) by this run, in show order."""
    failures: tuple[str, ...]
    """One line per summary that could not be built: file, cause, fix."""
    feed: tuple[PublishedEpisode, ...]
    """Everything the feed now lists, including episodes kept from earlier builds."""
    feed_path: Path
    """The written feed."""
    out_dir: Path
    """The output root."""


def build(settings: Settings) -> BuildReport:
    """Build every episode of the show, then publish the feed; one bad summary spoils nothing."""
    engine = load_engine(settings.engine)
    fallback = load_engine(settings.fallback) if settings.fallback else None
    out = Output(settings.out_dir)
    run = _Run(
        settings=settings,
        speech=speech_options(settings, engine, fallback),
        engines=(engine, fallback),
        cache=ClipCache(settings.cache_dir) if settings.cache_dir else None,
        out=out,
        artwork=show_artwork(settings.show),
    )
    out.write_bytes(run.artwork.file, run.artwork.data)
    published = out.load_published(settings.show.feed_url)
    built: list[PublishedEpisode] = []
    failures: list[str] = []
    seen: dict[str, Path] = {}
    for source in settings.episodes:
        slug = slugify(source.path.stem)
        if slug in seen:
            failures.append(
                f"{source.path}: has the same name as {seen[slug]} ({slug}); rename one of them"
            )
            continue
        seen[slug] = source.path
        previous = published.get(slug)
        number = previous.number if previous else max((e.number for e in published.values()),
                                                      default=0) + 1  # fmt: skip
        try:
            episode = _build_episode(source, run, previous, number)
        except NarrateError as error:
            message = str(error)
            failures.append(message if str(source.path) in message else f"{source.path}: {message}")
            continue
        built.append(episode)
        published[episode.slug] = episode
    listed = list(published.values())
    pages = [EpisodePage(e, _timeline(out, e)) for e in listed]
    for path, html in render_pages(pages, settings.show, run.artwork).items():
        out.write_text(path, html)
    feed_xml = render_feed(listed, settings.show, run.artwork)
    feed_path = out.write_text(settings.show.feed_file, feed_xml)
    out.save_published(settings.show.feed_url, listed)
    log.info("feed: %s lists %d episodes", feed_path, len(listed))
    return BuildReport(tuple(built), tuple(failures), tuple(listed), feed_path, settings.out_dir)


def _timeline(out: Output, episode: PublishedEpisode) -> tuple[SegmentTiming, ...]:
    """An episode's sentences and times, from the timing file published beside its MP3."""
    path = out.path(sidecar(episode.audio_file, ".timing.json"))
    try:
        return read_timings(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as error:
        # The episode stays published; only its page loses the transcript until a rebuild.
        log.warning("%s is missing or damaged (%s); its page has no transcript", path, error)
        return ()


def show_artwork(show: ShowSettings) -> Artwork:
    """The show's own cover, checked against Apple's rules, or the default cover drawn."""
    if show.cover is None:
        data, mime, file = render_default_cover(show.title, show.author), "image/jpeg", COVER_JPEG
    else:
        cover = check_cover(show.cover)
        data, mime = cover_bytes(cover), cover.mime
        file = COVER_JPEG.removesuffix(".jpg") + (".png" if mime == "image/png" else ".jpg")
    return Artwork(data, mime, file, embedded_cover(data))


@dataclass(frozen=True)
class _Run:
    """What every episode of one build shares; nothing in it changes during the build."""

    settings: Settings
    speech: SpeechOptions
    engines: tuple[SpeechEngine, SpeechEngine | None]
    cache: ClipCache | None
    out: Output
    artwork: Artwork


@dataclass(frozen=True)
class SpeechOptions:
    """How written text becomes speakable text for this build's voices."""

    lexicon: Lexicon
    """Shipped pronunciation lexicon plus the show's own."""
    phonemes: bool
    """Every voice that may speak accepts Piper's inline phonemes (else: respellings)."""


def speech_options(
    settings: Settings, engine: SpeechEngine, fallback: SpeechEngine | None = None
) -> SpeechOptions:
    """Load the lexicon once; phonemes only when no voice that may speak would read them aloud."""
    voices = [e for e in (engine, fallback) if e is not None]
    return SpeechOptions(
        load_lexicon(settings.script.lexicon),
        all(getattr(e, "accepts_phonemes", False) for e in voices),
    )


def verify_published(settings: Settings) -> dict[str, list[str]]:
    """Check every episode the show's feed lists, as published: problems by audio file."""
    out = Output(settings.out_dir)
    listen = settings.show.language.lower().startswith("en")
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
        timing_file = mp3.with_suffix(".timing.json")
        try:
            segments = read_timings(timing_file.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as error:
            found[episode.audio_file] = [f"{timing_file.name} is missing or unreadable ({error})"]
            continue
        found[episode.audio_file] = problems + verify_episode(
            mp3, segments, listen=listen and "tone" not in episode.voice
        )
    return found


def _listens(settings: Settings, engines: tuple[SpeechEngine, SpeechEngine | None]) -> bool:
    """The recognizer knows English speech only; test voices that beep have no words to hear."""
    english = settings.show.language.lower().startswith("en")
    return english and all(getattr(e, "speaks_words", True) for e in engines if e is not None)


def _self_check(mp3: Path, segments: tuple[SegmentTiming, ...], listen: bool) -> None:
    problems = verify_episode(mp3, segments, listen=listen)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise AudioError(
            f"self-check failed: {problems[0]}{more}; the voice may have misfired: "
            "rebuild with --no-cache, or try another voice"
        )


def _build_episode(
    source: EpisodeSource, run: _Run, previous: PublishedEpisode | None, number: int
) -> PublishedEpisode:
    settings, out = run.settings, run.out
    episode = read_episode(source)
    log.info("read %s: %r, %d chapters", source.path.name, episode.title, len(episode.sections))
    script = build_script(episode, settings.script, run.speech.lexicon, run.speech.phonemes)
    log.info("script: %d segments", len(script.segments))
    clips = synthesize_script(script, *run.engines, cache=run.cache)
    log.info("speech: %d segments, %d new", len(clips), sum(not c.cached for c in clips))
    guid = previous.guid if previous else episode_guid(settings.show, episode.slug)
    staged = out.staging_path(f"{episode.slug}.mp3")
    try:
        audio = mix_episode(clips, script.chapters, settings.audio, staged)
        log.info("mixdown: %d ms at %.1f LUFS", audio.duration_ms, audio.loudness_lufs)
        tag_episode(audio, episode, script, settings.show, run.artwork, guid)
        log.info("tags: %d chapters", len(audio.chapters))
        if settings.audio.verify:
            _self_check(staged, audio.segments, _listens(settings, run.engines))
        relative = f"audio/{episode.slug}.mp3"
        # Everything the feed will point at is complete before the MP3 and then the feed.
        out.write_text(sidecar(relative, ".vtt"), webvtt(audio))
        out.write_text(sidecar(relative, ".srt"), srt(audio))
        out.write_text(
            sidecar(relative, ".transcript.html"),
            transcript_html(audio, episode.title, settings.show.language),
        )
        out.write_text(sidecar(relative, CHAPTERS_SUFFIX), chapters_json(audio))
        out.write_text(sidecar(relative, ".chapters.vtt"), chapters_webvtt(audio.chapters))
        out.write_text(sidecar(relative, ".timing.json"), timings_json(audio))
        final = out.publish(staged, relative)
    finally:
        staged.unlink(missing_ok=True)
    log.info("published %s", final)
    return PublishedEpisode(
        slug=episode.slug,
        guid=guid,
        number=number,
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
    )
