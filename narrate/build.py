"""build(settings): run the stages in order; reads like the data flow in STYLE.md.

    summary ─read_episode─▶ Episode ─build_script─▶ Script ─produce_episode─▶ MP3
        (spoken, mixed, tagged, self-checked; captions, timings, chapters beside it)
    all episodes ─render_pages─▶ site ─render_feed─▶ feed (last, once all it lists exists)

Episodes whose every input is unchanged are not rebuilt (their recipe matches); the rest
are spoken by worker processes a few episodes ahead while this process mixes, so the cores
stay busy and memory stays bounded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from narrate import __version__
from narrate.artwork import episode_artwork, show_artwork
from narrate.cache import ClipCache
from narrate.config import Settings
from narrate.errors import NarrateError
from narrate.feed import episode_guid, render_feed
from narrate.layout import TIMINGS, sidecar
from narrate.models import Artwork, Episode, PublishedEpisode, Script, SegmentTiming
from narrate.output import STATE_DIR, Output
from narrate.pages import EpisodePage, render_pages
from narrate.processes import worker_pool
from narrate.produce import Plan, produce_episode
from narrate.revisions import intact, next_file, playable, remove_old_revisions
from narrate.script import SpeechOptions, build_script, speech_options
from narrate.sources import read_episode, reading_warnings, slugify
from narrate.synthesize import Pending, Speaker
from narrate.timing import read_timings

log = logging.getLogger(__name__)

LOOKAHEAD = 2
"""Episodes handed to the speech workers ahead of the one being mixed."""


@dataclass(frozen=True)
class Progress:
    """Where a build is, for a progress display."""

    episodes_done: int
    """Episodes finished (built, unchanged or failed)."""
    episodes_total: int
    """Episodes in the show."""
    phrases_done: int
    """Phrases spoken by an engine so far."""
    phrases_total: int
    """Phrases that need an engine in this build (the rest come from the cache)."""
    current: str
    """What is happening now, in a few words."""


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote and what it could not build."""

    built: tuple[PublishedEpisode, ...]
    """Episodes built (or rebuilt) by this run, in show order."""
    unchanged: tuple[PublishedEpisode, ...]
    """Episodes whose inputs had not changed: nothing of theirs was rewritten."""
    failures: tuple[str, ...]
    """One line per summary that could not be built: file, cause, fix."""
    warnings: tuple[str, ...]
    """One line per thing to check in a summary that was read (text not spoken): file, what,
    what to do. The episode is built all the same."""
    feed: tuple[PublishedEpisode, ...]
    """Everything the feed now lists, including episodes kept from earlier builds."""
    feed_path: Path
    """The written feed."""
    out_dir: Path
    """The output root."""
    synthesized: int
    """Phrases spoken by an engine (not taken from the cache)."""


def build(
    settings: Settings,
    *,
    jobs: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> BuildReport:
    """Build every episode of the show, then publish the pages and the feed.

    One bad summary spoils nothing: it is reported, and what was published before stays.
    ``jobs`` worker processes speak (default: one per core; 1: all in this process, on one
    core).
    """
    out = Output(settings.out_dir)
    with out.lock(wait=log.warning), _one_core(jobs == 1):
        if removed := out.clean_up():
            log.info("removed %d %s an interrupted build left behind", removed,
                     "file" if removed == 1 else "files")  # fmt: skip
        return _build_locked(settings, out, jobs, progress)


@contextmanager
def _one_core(pin: bool) -> Iterator[None]:
    """``--jobs 1`` means one core: this thread, the threads it starts and the programs it
    runs (ffmpeg) all share the first core it may use, until the build ends."""
    if not pin or not hasattr(os, "sched_setaffinity"):
        yield
        return
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def _build_locked(
    settings: Settings,
    out: Output,
    jobs: int | None,
    progress: Callable[[Progress], None] | None,
) -> BuildReport:
    cover = _cover_key(settings)
    # Every episode ever published keeps its guid and number, even one whose files went
    # missing; only intact ones are listed again unless rebuilt now.
    published = out.load_published(settings.show.feed_url, intact_only=False)
    cache = ClipCache(settings.cache_dir) if settings.cache_dir else None
    jobs = jobs or os.cpu_count() or 1
    report = _Tally(len(settings.episodes), progress)
    with ExitStack() as stack:
        # The recognizer works in a process of its own, beside the mixdown (pocketsphinx holds
        # the GIL). On the way out the speakers stop first, then whatever it still had queued.
        ears = worker_pool(1)
        stack.callback(ears.shutdown, cancel_futures=True)
        speaker = stack.enter_context(
            Speaker(settings.engine, settings.fallback, cache, jobs, report.phrase)
        )
        speech = speech_options(settings.script, speaker.engine, speaker.fallback)
        plans = _plan(settings, speech, speaker, cover, published, report)
        report.phrases_total = sum(speaker.to_speak(p.script) for p in plans)
        if report.phrases_total:
            speaker.warm_up(report.phrases_total)  # they load the voice while the cover is drawn
        artwork = _artwork(settings, out, cover)
        out.write_bytes(artwork.file, artwork.data)
        pending: dict[int, Pending] = {}
        for index, plan in enumerate(plans):
            for ahead in range(index, min(index + 1 + LOOKAHEAD, len(plans))):
                if ahead not in pending:
                    pending[ahead] = speaker.submit(plans[ahead].script)
            report.tell(f"speaking {plan.episode.title}")
            try:
                episode = produce_episode(
                    plan, pending.pop(index), speaker, settings, out, artwork, ears
                )
            except NarrateError as error:
                report.fail(plan.episode.source_path, error)
                continue
            report.built.append(episode)
            published[episode.slug] = episode
            report.episode_done(f"published {episode.audio_file}")
    listed = []
    for episode in published.values():
        if playable(out, episode):
            listed.append(episode)
            if not intact(out, episode):
                log.warning("%s: files beside it are missing; build its summary again",
                            episode.audio_file)  # fmt: skip
        else:
            report.failures.append(
                f"{out.path(episode.audio_file)}: the published MP3 is missing or damaged, so "
                f"{episode.title!r} is left out of the feed; build its summary again"
            )
    if settings.drop_removed and settings.own_list:
        listed = _without_removed(listed, settings, report)
    report.tell("writing pages and feed")
    pages = [EpisodePage(e, _timeline(out, e)) for e in listed]
    for path, html in render_pages(pages, settings.show, artwork, jobs).items():
        out.write_text(path, html)
    feed_path = out.write_text(settings.show.feed_file, render_feed(listed, settings.show, artwork))
    out.save_published(settings.show.feed_url, list(published.values()))
    remove_old_revisions(out, listed)
    log.info("feed: %s lists %d %s", feed_path, len(listed),
             "episode" if len(listed) == 1 else "episodes")  # fmt: skip
    return BuildReport(
        built=tuple(report.built),
        unchanged=tuple(report.unchanged),
        failures=tuple(report.failures),
        warnings=tuple(report.warnings),
        feed=tuple(listed),
        feed_path=feed_path,
        out_dir=settings.out_dir,
        synthesized=speaker.synthesized,
    )


def _plan(
    settings: Settings,
    speech: SpeechOptions,
    speaker: Speaker,
    cover: str,
    published: dict[str, PublishedEpisode],
    report: _Tally,
) -> list[Plan]:
    """Read and script every summary; keep what is unchanged, plan the rest."""
    plans: list[Plan] = []
    seen: dict[str, Path] = {}
    next_number = max((e.number for e in published.values()), default=0) + 1
    for source in settings.episodes:
        slug = slugify(source.path.stem)
        if slug in seen:
            report.fail(source.path, f"has the same name as {seen[slug]} ({slug}); rename one")
            continue
        seen[slug] = source.path
        try:
            episode = read_episode(source)
            script = build_script(episode, settings.script, speech.lexicon, speech.phonemes)
        except NarrateError as error:
            report.fail(source.path, error)
            continue
        report.warnings += reading_warnings(episode)
        previous = published.get(slug) or _renamed(episode, settings, published)
        if previous and previous.slug != slug:
            log.info("%s was %s: keeping its guid, number and address", source.path.name,
                     previous.source)  # fmt: skip
            episode = dataclasses.replace(episode, slug=previous.slug)
            script = build_script(episode, settings.script, speech.lexicon, speech.phonemes)
        if previous and not episode.dated and previous.date != episode.date:
            # A fresh clone or a copy gives the file a new modification date; the episode
            # keeps the date it was published with (podcast apps would see a new episode).
            log.info("%s: keeping the date it was first published, %s", source.path.name,
                     previous.date)  # fmt: skip
            episode = dataclasses.replace(episode, date=previous.date)
            script = build_script(episode, settings.script, speech.lexicon, speech.phonemes)
        guid = previous.guid if previous else episode_guid(settings.show, slug)
        number = previous.number if previous else next_number
        next_number += previous is None
        own = _own_cover_key(episode)
        recipe = _recipe(settings, speaker, own or cover, episode, script, guid, number)
        recipe += ":" + _content(episode)
        if previous and previous.recipe == recipe and intact(Output(settings.out_dir), previous):
            log.info("unchanged: %s", previous.audio_file)
            previous = dataclasses.replace(previous, source=str(source.path))
            published[previous.slug] = previous
            report.unchanged.append(previous)
            report.episode_done(f"unchanged {previous.audio_file}")
            continue
        log.info("read %s: %r, %d segments", source.path.name, episode.title,
                 len(script.segments))  # fmt: skip
        try:
            art = episode_artwork(episode.cover, episode.slug) if episode.cover else None
        except NarrateError as error:
            report.fail(source.path, f"{error}; or remove the episode's cover to use the show's")
            continue
        audio_file = next_file(episode.slug, previous, Output(settings.out_dir))
        plans.append(Plan(episode, script, guid, number, recipe, audio_file, art))
    return plans


def _recipe(
    settings: Settings,
    speaker: Speaker,
    cover: str,
    episode: Episode,
    script: Script,
    guid: str,
    number: int,
) -> str:
    """A digest of everything an episode's published files are made from.

    Same recipe, same files: the episode is not rebuilt. Any change (a word, a pause, the
    voice, the lexicon, the cover, narrate itself) makes a new recipe.
    """
    recipe = {
        "narrate": __version__,
        "episode": [episode.slug, episode.title, episode.date, episode.summary,
                    episode.source_url],
        "script": [script.chapters, script.disclaimer,
                   [asdict(s) for s in script.segments]],
        "voices": [speaker.engine.fingerprint(),
                   speaker.fallback.fingerprint() if speaker.fallback else None],
        "audio": asdict(settings.audio),
        "show": [settings.show.title, settings.show.author, settings.show.language,
                 settings.show.feed_url],
        "cover": cover,
        "identity": [guid, number],
    }  # fmt: skip
    return hashlib.sha256(json.dumps(recipe, default=str).encode()).hexdigest()


def _own_cover_key(episode: Episode) -> str:
    """A digest of the episode's own cover file ("" when it has none)."""
    if episode.cover is None:
        return ""
    try:
        return hashlib.sha256(episode.cover.read_bytes()).hexdigest()[:16]
    except OSError:
        return f"unreadable {episode.cover}"  # building it will say what is wrong


def _cover_key(settings: Settings) -> str:
    """A digest of everything the show's artwork is made from (same key, same artwork)."""
    show = settings.show
    cover = show.cover.read_bytes() if show.cover and show.cover.is_file() else b""
    return hashlib.sha256(
        "|".join([__version__, show.title, show.author, hashlib.sha256(cover).hexdigest()]).encode()
    ).hexdigest()[:16]


def _artwork(settings: Settings, out: Output, key: str) -> Artwork:
    """The show's artwork, drawn (or checked and scaled) once per change, not once per build."""
    show = settings.show
    saved = f"{STATE_DIR}/artwork/{key}"
    try:
        meta = json.loads(out.path(f"{saved}.json").read_text(encoding="utf-8"))
        data = out.path(f"{saved}.data").read_bytes()
        embedded = out.path(f"{saved}.embedded").read_bytes()
        return Artwork(data, meta["mime"], meta["file"], embedded)
    except (OSError, ValueError, KeyError):
        pass
    artwork = show_artwork(show)
    out.write_bytes(f"{saved}.data", artwork.data)
    out.write_bytes(f"{saved}.embedded", artwork.embedded)
    out.write_text(f"{saved}.json", json.dumps({"mime": artwork.mime, "file": artwork.file}))
    return artwork


def _content(episode: Episode) -> str:
    """A digest of what the summary says (not where its file is)."""
    text = "\n".join(p for section in episode.sections for p in section.paragraphs)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _renamed(
    episode: Episode, settings: Settings, published: dict[str, PublishedEpisode]
) -> PublishedEpisode | None:
    """The published episode this summary was, if its file was renamed or moved.

    A match is an episode whose summary file is no longer in the show, saying the same
    thing (or, when edited while renamed, bearing the same title); one match only.
    """
    listed = {str(source.path) for source in settings.episodes}
    content = _content(episode)
    gone = [e for e in published.values() if e.source and e.source not in listed]
    same = [e for e in gone if e.recipe.endswith(":" + content)] or [
        e for e in gone if e.title == episode.title
    ]
    return same[0] if len(same) == 1 else None


def _without_removed(
    listed: list[PublishedEpisode], settings: Settings, report: _Tally
) -> list[PublishedEpisode]:
    """The show asked to drop episodes whose summaries it no longer lists (not failed ones)."""
    wanted = {str(source.path) for source in settings.episodes}
    built_now = {e.slug for e in report.built} | {e.slug for e in report.unchanged}
    kept = [e for e in listed if e.slug in built_now or (e.source and e.source in wanted)]
    for episode in listed:
        if episode not in kept:
            log.info("dropped from the feed: %s (its summary is no longer listed)", episode.title)
    return kept


def _timeline(out: Output, episode: PublishedEpisode) -> tuple[SegmentTiming, ...]:
    """An episode's sentences and times, from the timing file published beside its MP3."""
    path = out.path(sidecar(episode.audio_file, TIMINGS))
    try:
        return read_timings(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as error:
        # The episode stays published; only its page loses the transcript until a rebuild.
        log.warning("%s is missing or damaged (%s); its page has no transcript", path, error)
        return ()


class _Tally:
    """Counts a build's progress and tells the display about it."""

    def __init__(self, total: int, progress: Callable[[Progress], None] | None) -> None:
        self.total = total
        self.done = 0
        self.phrases_total = 0
        self.phrases_done = 0
        self.built: list[PublishedEpisode] = []
        self.unchanged: list[PublishedEpisode] = []
        self.failures: list[str] = []
        self.warnings: list[str] = []
        self._progress = progress

    def tell(self, current: str) -> None:
        if self._progress:
            total = max(self.phrases_total, self.phrases_done)
            self._progress(Progress(self.done, self.total, self.phrases_done, total, current))

    def phrase(self) -> None:
        self.phrases_done += 1
        self.tell("speaking")

    def episode_done(self, what: str) -> None:
        self.done += 1
        self.tell(what)

    def fail(self, path: Path, error: object) -> None:
        message = str(error)
        self.failures.append(message if str(path) in message else f"{path}: {message}")
        self.episode_done(f"failed {path.name}")
