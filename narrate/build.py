"""build(settings): run the stages in order; reads like the data flow in STYLE.md.

    summary ─read_episode─▶ Episode ─build_script─▶ Script ─produce_episode─▶ MP3
        (spoken, mixed, tagged, self-checked; captions, timings, chapters beside it)
    all episodes ─render_pages─▶ site ─render_feed─▶ feed (last, once all it lists exists)

Episodes whose every input is unchanged are not rebuilt (their recipe matches); the rest
are spoken by worker processes a few episodes ahead while this process mixes, so the cores
stay busy and memory stays bounded.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from narrate.audio.cache import ClipCache
from narrate.audio.mixdown import remove_abandoned_scratch
from narrate.audio.synthesize import Speaker
from narrate.cluster import LOCAL, Cluster, cluster
from narrate.config import Settings
from narrate.errors import NarrateError
from narrate.gather import gather_sources, with_sources
from narrate.models import Artwork, Plan, ProducedEpisode, PublishedEpisode
from narrate.plan import plan_show
from narrate.processes import worker_pool
from narrate.produce import Studio, produce_episode
from narrate.publish.artwork import artwork_key, show_artwork
from narrate.publish.feed import render_feed
from narrate.publish.output import STATE_DIR, Output
from narrate.publish.pages import EpisodePage, episode_timeline, render_pages
from narrate.publish.revisions import intact, playable, remove_old_revisions
from narrate.text.script import speech_options

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
    feed_location: str
    """The written feed: its path, or its URL."""
    where: str
    """The output folder, or the URL published to."""
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
    core); with ``settings.executor`` a Dask cluster, its workers produce whole episodes.
    """
    out = open_output(settings)
    with out.lock(wait=log.warning), _one_core(jobs == 1 and settings.executor == LOCAL):
        if removed := out.clean_up() + remove_abandoned_scratch():
            log.info("removed %d %s an interrupted build left behind", removed,
                     "file" if removed == 1 else "files")  # fmt: skip
        return _build_locked(settings, out, jobs, progress)


def open_output(settings: Settings) -> Output:
    """Where the build publishes: the output folder, or the ``publish`` URL."""
    if settings.publish:
        from narrate.publish.remote import RemoteOutput

        return RemoteOutput(settings.publish, settings.keep_old_days, settings.show.feed_file)
    return Output(settings.out_dir, settings.keep_old_days)


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
    cover = artwork_key(settings.show)
    # Every episode ever published keeps its guid and number, even one whose files went
    # missing; only intact ones are listed again unless rebuilt now.
    published = out.load_published(settings.show.feed_url, intact_only=False)
    jobs = jobs or os.cpu_count() or 1
    report = _Tally(len(settings.episodes), progress)
    if settings.sites or any(source.url for source in settings.episodes):
        report.tell("fetching pages")
    gathered = gather_sources(settings, out)
    settings = with_sources(settings, gathered)
    report.total = len(settings.episodes)
    feeds = {site.url for site in settings.sites}
    for address, failure in gathered.failures:
        if address in feeds:  # not an episode: its items are not known
            report.failures.append(failure if address in failure else f"{address}: {failure}")
        else:
            report.fail(address, failure)
    with _build_studio(settings, jobs, report) as studio:
        plans = _plan(settings, studio.speaker, cover, published, report, out,
                      studio.cluster is None, gathered.pages)  # fmt: skip
        artwork = _artwork(settings, out, cover)
        out.write_bytes(artwork.file, artwork.data)
        made: dict[str, PublishedEpisode] = {}
        for plan, result in _produce(plans, settings, artwork, studio, out, report):
            if isinstance(result, NarrateError):
                report.fail(plan.episode.name, result)
            else:
                made[plan.episode.slug] = result
                report.episode_done(f"published {result.audio_file}")
        for plan in plans:  # in the show's order, whichever finished first
            if episode := made.get(plan.episode.slug):
                report.built.append(episode)
                published[episode.slug] = episode
    listed = _listed(out, published, settings, report, gathered.complete)
    report.tell("writing pages and feed")
    pages = [EpisodePage(e, episode_timeline(out, e)) for e in listed]
    for path, html in render_pages(pages, settings.show, artwork, jobs).items():
        out.write_text(path, html)
    feed = out.write_feed(settings.show.feed_file, render_feed(listed, settings.show, artwork))
    out.save_published(settings.show.feed_url, list(published.values()))
    remove_old_revisions(out, listed)
    log.info("feed: %s lists %d %s", feed, len(listed),
             "episode" if len(listed) == 1 else "episodes")  # fmt: skip
    return report.result(listed, feed, out.location(), studio.speaker.synthesized)


def _produce(
    plans: tuple[Plan, ...],
    settings: Settings,
    artwork: Artwork,
    studio: _BuildStudio,
    out: Output,
    report: _Tally,
) -> Iterator[tuple[Plan, PublishedEpisode | NarrateError]]:
    """Each planned episode, produced and its files published (or why not), in the order
    they finish: here, by this process and its speech workers; on a cluster, by its workers."""
    if studio.cluster is not None:
        by_name = {f"{index}-{plan.episode.slug}": plan for index, plan in enumerate(plans)}
        report.tell(f"producing {len(plans)} episodes on the Dask cluster {studio.cluster.spec}")
        tasks = ((name, (plan, settings, artwork, out)) for name, plan in by_name.items())
        for name, result in studio.cluster.run(produce_and_publish, tasks):
            if isinstance(result, ProducedEpisode):
                studio.speaker.synthesized += result.spoken
                report.phrases_done += result.spoken  # the bar moves an episode at a time
                if result.files:
                    result = out.publish_episode(result)
                else:  # the worker uploaded them
                    out.published_elsewhere(result.episode)
                    result = result.episode
            yield by_name[name], result
        return
    for index, plan in enumerate(plans):
        for ahead in plans[index : index + 1 + LOOKAHEAD]:
            studio.speaker.submit(ahead.script)  # speech workers keep a few episodes ahead
        report.tell(f"speaking {plan.episode.title}")
        try:
            produced = produce_episode(plan, settings, artwork, studio)
            yield plan, out.publish_episode(produced)
        except NarrateError as error:
            yield plan, error


def produce_and_publish(
    plan: Plan, settings: Settings, artwork: Artwork, out: Output
) -> ProducedEpisode:
    """A cluster's task: produce one episode in this worker process (which keeps its voices
    loaded between episodes). Published to a URL, the worker uploads the episode's files
    itself and sends back only its record; for a folder, the files come back to be written."""
    produced = produce_episode(plan, settings, artwork)
    if out.remote:
        return ProducedEpisode(out.publish_episode(produced), (), produced.spoken)
    return produced


class _BuildStudio(Studio):
    """The build's studio, and the Dask cluster producing its episodes, if any."""

    cluster: Cluster | None = None


@contextmanager
def _build_studio(settings: Settings, jobs: int, report: _Tally) -> Iterator[_BuildStudio]:
    """The build's studio: ``jobs`` speech workers and the recognizer's process, stopped when
    the build ends (the speakers first, then whatever the recognizer still had queued); or,
    with a Dask executor, the cluster (its workers speak, mix and listen)."""
    cache = ClipCache(settings.cache_dir, settings.cache_url) if settings.cache_dir else None
    with ExitStack() as stack:
        if settings.executor != LOCAL:
            # This process only plans and publishes: its speaker names the voices.
            speaker = stack.enter_context(Speaker(settings.engine, settings.fallback, cache, 1))
            studio = _BuildStudio(speaker)
            studio.cluster = stack.enter_context(cluster(settings.executor, jobs))
            yield studio
            return
        # The recognizer (Whisper tiny.en, one thread) works in a process of its own, beside
        # the mixdown, and loads its model once for the whole build.
        ears = worker_pool(1)
        stack.callback(ears.shutdown, cancel_futures=True)
        speaker = stack.enter_context(
            Speaker(settings.engine, settings.fallback, cache, jobs, report.phrase)
        )
        yield _BuildStudio(speaker, ears)


def _plan(
    settings: Settings,
    speaker: Speaker,
    cover: str,
    published: dict[str, PublishedEpisode],
    report: _Tally,
    out: Output,
    warm_up: bool = True,
    pages: Mapping[str, bytes] | None = None,
) -> tuple[Plan, ...]:
    """The episodes to produce; the unchanged ones are counted (and kept) as they are.
    ``warm_up``: the speech workers start loading the voice now; ``pages``: the web pages
    fetched, by address."""
    speech = speech_options(settings.script, speaker.engine, speaker.fallback)
    voices = (speaker.engine.fingerprint(),
              speaker.fallback.fingerprint() if speaker.fallback else None)  # fmt: skip
    planned = plan_show(settings, speech, voices, cover, published, pages, out)
    report.warnings += planned.warnings
    for summary, failure in planned.failures:
        report.fail(summary, failure)
    for kept in planned.unchanged:
        published[kept.slug] = kept
        report.unchanged.append(kept)
        report.episode_done(f"unchanged {kept.audio_file}")
    report.phrases_total = sum(speaker.to_speak(p.script) for p in planned.plans)
    if report.phrases_total and warm_up:
        speaker.warm_up(report.phrases_total)  # they load the voice while the cover is drawn
    return planned.plans


def _listed(
    out: Output,
    published: dict[str, PublishedEpisode],
    settings: Settings,
    report: _Tally,
    complete: bool = True,
) -> list[PublishedEpisode]:
    """What the feed lists: every published episode whose MP3 is there and whole (and, with
    ``drop_removed``, whose summary the show still lists, when ``complete``ly known)."""
    listed = []
    for episode in published.values():
        if playable(out, episode):
            listed.append(episode)
            if not intact(out, episode):
                log.warning("%s: files beside it are missing; build its summary again",
                            episode.audio_file)  # fmt: skip
        else:
            report.failures.append(
                f"{out.location(episode.audio_file)}: the published MP3 is missing or damaged, so "
                f"{episode.title!r} is left out of the feed; build its summary again"
            )
    if settings.drop_removed and settings.own_list and complete:
        listed = _without_removed(listed, settings, report)
    elif settings.drop_removed and settings.own_list:
        log.warning("a site feed could not be read: no episode leaves the feed this time")
    return listed


def _artwork(settings: Settings, out: Output, key: str) -> Artwork:
    """The show's artwork, drawn (or checked and scaled) once per change, not once per build."""
    show = settings.show
    saved = f"{STATE_DIR}/artwork/{key}"
    try:
        meta = json.loads(out.read_bytes(f"{saved}.json") or b"")
        data = out.read_bytes(f"{saved}.data")
        embedded = out.read_bytes(f"{saved}.embedded")
        if data is not None and embedded is not None:
            return Artwork(data, meta["mime"], meta["file"], embedded)
    except (ValueError, KeyError, TypeError):
        pass
    artwork = show_artwork(show)
    out.write_bytes(f"{saved}.data", artwork.data)
    out.write_bytes(f"{saved}.embedded", artwork.embedded)
    out.write_text(f"{saved}.json", json.dumps({"mime": artwork.mime, "file": artwork.file}))
    return artwork


def _without_removed(
    listed: list[PublishedEpisode], settings: Settings, report: _Tally
) -> list[PublishedEpisode]:
    """The show asked to drop episodes whose summaries it no longer lists (not failed ones)."""
    wanted = {source.key for source in settings.episodes}
    built_now = {e.slug for e in report.built} | {e.slug for e in report.unchanged}
    kept = [e for e in listed if e.slug in built_now or (e.source and e.source in wanted)]
    for episode in listed:
        if episode not in kept:
            log.info("dropped from the feed: %s (its summary is no longer listed)", episode.title)
    return kept


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

    def result(
        self, feed: list[PublishedEpisode], feed_location: str, where: str, synthesized: int
    ) -> BuildReport:
        return BuildReport(
            built=tuple(self.built),
            unchanged=tuple(self.unchanged),
            failures=tuple(self.failures),
            warnings=tuple(self.warnings),
            feed=tuple(feed),
            feed_location=feed_location,
            where=where,
            synthesized=synthesized,
        )

    def fail(self, name: str, error: object) -> None:
        """A summary (its file's path, or its page's address) that could not be built."""
        message = str(error)
        self.failures.append(message if name in message else f"{name}: {message}")
        self.episode_done(f"failed {name.rstrip('/').rpartition('/')[2]}")
