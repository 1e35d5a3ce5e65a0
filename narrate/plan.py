"""plan_show(settings, ...) -> ShowPlan: what every episode of the show is, before anything is
spoken: its identity (slug, guid, number, which it keeps for ever once published), the file
its MP3 goes to (a new revision when it replaces a published one), and whether it is
unchanged (same recipe, files intact: nothing to rebuild).

It reads and scripts the summaries; it speaks nothing and writes nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from narrate import __version__
from narrate.config import EpisodeSource, Settings
from narrate.errors import NarrateError, SourceError
from narrate.models import Episode, Plan, PublishedEpisode, Script
from narrate.publish.artwork import episode_artwork
from narrate.publish.feed import episode_guid
from narrate.publish.output import Output
from narrate.publish.revisions import intact, next_file
from narrate.text.page_dump import reading_warnings
from narrate.text.script import SpeechOptions, build_script
from narrate.text.sources import read_episode, slugify

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShowPlan:
    """What a build will do with each summary of the show, in show order."""

    plans: tuple[Plan, ...]
    """Episodes to build (new, or changed since they were published)."""
    unchanged: tuple[PublishedEpisode, ...]
    """Published episodes whose every input is the same: nothing of theirs is rewritten
    (their record names the summary file they now come from)."""
    failures: tuple[tuple[str, str], ...]
    """Summaries that cannot be built: the file (or page address), and the cause with its
    fix."""
    warnings: tuple[str, ...]
    """Things to check in summaries that were read (text not spoken): one line each."""


def plan_show(
    settings: Settings,
    speech: SpeechOptions,
    voices: tuple[str, str | None],
    cover: str,
    published: Mapping[str, PublishedEpisode],
    pages: Mapping[str, bytes] | None = None,
    out: Output | None = None,
) -> ShowPlan:
    """Read and script every summary; keep what is unchanged, plan the rest.

    ``voices``: the fingerprints of the voice and its fallback; ``cover``: the key of the
    show's artwork; ``published``: every episode the feed ever published, by slug; ``pages``:
    the web pages fetched, by address (one not there was not, and was reported); ``out``:
    where the show is published (default: its output folder).
    """
    plans, unchanged, warnings = list[Plan](), list[PublishedEpisode](), list[str]()
    failures: list[tuple[str, str]] = []
    out = out or Output(settings.out_dir)
    seen: dict[str, str] = {}
    by_key = {e.source: e for e in published.values() if e.source}
    next_number = max((e.number for e in published.values()), default=0) + 1
    for source in settings.episodes:
        if source.url and (pages is None or source.url not in pages):
            continue  # not fetched: already reported
        try:
            episode = _read_once(source, seen, pages)
        except NarrateError as error:
            failures.append((source.name, str(error)))
            continue
        warnings += reading_warnings(episode)
        previous = _previous(source, episode, settings, published, by_key)
        episode = _as_published(episode, previous)
        try:
            script = build_script(episode, settings.script, speech.lexicon, speech.phonemes)
        except NarrateError as error:
            failures.append((source.name, str(error)))
            continue
        guid = previous.guid if previous else episode_guid(settings.show, episode.slug)
        number = previous.number if previous else next_number
        next_number += previous is None
        recipe = _recipe(settings, voices, cover, episode, script, guid, number)
        if previous and previous.recipe == recipe and intact(out, previous):
            log.info("unchanged: %s", previous.audio_file)
            unchanged.append(dataclasses.replace(previous, source=source.key))
            continue
        log.info("read %s: %r, %d segments", source.url or source.path.name, episode.title,
                 len(script.segments))  # fmt: skip
        try:
            art = episode_artwork(episode.cover, episode.slug) if episode.cover else None
        except NarrateError as error:
            failures.append(
                (source.name, f"{error}; or remove the episode's cover to use the show's")
            )
            continue
        audio_file = next_file(episode.slug, previous, out)
        plans.append(
            Plan(episode, script, guid, number, recipe, audio_file, art, _content(episode))
        )
    return ShowPlan(tuple(plans), tuple(unchanged), tuple(failures), tuple(warnings))


def _read_once(
    source: EpisodeSource, seen: dict[str, str], pages: Mapping[str, bytes] | None
) -> Episode:
    """``read_episode``, unless an earlier summary of the show has the same slug: two
    episodes cannot share one name. ``seen`` records the slug either way."""
    slug = slugify(source.path.stem)
    if slug in seen:
        fix = "rename one" if source.url is None else "list only one of them"
        raise SourceError(f"has the same name as {seen[slug]} ({slug}); {fix}")
    seen[slug] = source.name
    return read_episode(source, pages.get(source.url) if pages and source.url else None)


def _previous(
    source: EpisodeSource,
    episode: Episode,
    settings: Settings,
    published: Mapping[str, PublishedEpisode],
    by_key: Mapping[str, PublishedEpisode],
) -> PublishedEpisode | None:
    """The published episode this summary is: a site feed's item is its id's episode,
    wherever its page moved; else the one of its name, or the one it was before a rename."""
    return (
        (by_key.get(source.guid) if source.guid else None)
        or published.get(episode.slug)
        or _renamed(episode, settings, published)
    )


def _as_published(episode: Episode, previous: PublishedEpisode | None) -> Episode:
    """The episode as it was published before: the same slug when its file was renamed, the
    same date when its summary gives none."""
    if previous is None:
        return episode
    if previous.slug != episode.slug:
        log.info("%s was %s: keeping its guid, number and address", episode.name,
                 previous.source)  # fmt: skip
        episode = dataclasses.replace(episode, slug=previous.slug)
    if not episode.dated and previous.date != episode.date:
        # A fresh clone or a copy gives the file a new modification date; the episode
        # keeps the date it was published with (podcast apps would see a new episode).
        log.info("%s: keeping the date it was first published, %s", episode.name,
                 previous.date)  # fmt: skip
        episode = dataclasses.replace(episode, date=previous.date)
    return episode


def _recipe(
    settings: Settings,
    voices: tuple[str, str | None],
    cover: str,
    episode: Episode,
    script: Script,
    guid: str,
    number: int,
) -> str:
    """A digest of everything an episode's published files are made from, ``cover`` the
    show's artwork key (the episode's own cover, when it has one, counts instead).

    Same recipe, same files: the episode is not rebuilt. Any change (a word, a pause, the
    voice, the lexicon, the cover, narrate itself) makes a new recipe.
    """
    recipe = {
        "narrate": __version__,
        "episode": [episode.slug, episode.title, episode.date, episode.summary,
                    episode.source_url, *([episode.research_url] if episode.research_url else [])],
        "script": [script.chapters, script.disclaimer,
                   [asdict(s) for s in script.segments]],
        "voices": list(voices),
        "audio": asdict(settings.audio),
        "show": [settings.show.title, settings.show.author, settings.show.language,
                 settings.show.feed_url],
        "cover": _own_cover_key(episode) or cover,
        "identity": [guid, number],
    }  # fmt: skip
    digest = hashlib.sha256(json.dumps(recipe, default=str).encode()).hexdigest()
    # The recipe ends with the content digest, as it always has: a recipe written by an
    # earlier build must still match, or every episode would be rebuilt under a new name.
    return digest + ":" + _content(episode)


def _own_cover_key(episode: Episode) -> str:
    """A digest of the episode's own cover file ("" when it has none)."""
    if episode.cover is None:
        return ""
    try:
        return hashlib.sha256(episode.cover.read_bytes()).hexdigest()[:16]
    except OSError:
        return f"unreadable {episode.cover}"  # building it will say what is wrong


def _content(episode: Episode) -> str:
    """A digest of what the summary says (not where its file is)."""
    text = "\n".join(p for section in episode.sections for p in section.paragraphs)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _renamed(
    episode: Episode, settings: Settings, published: Mapping[str, PublishedEpisode]
) -> PublishedEpisode | None:
    """The published episode this summary was, if its file was renamed or moved.

    A match is an episode whose summary file is no longer in the show, saying the same
    thing (or, when edited while renamed, bearing the same title); one match only.
    """
    listed = {source.key for source in settings.episodes}
    content = _content(episode)
    gone = [e for e in published.values() if e.source and e.source not in listed]
    # Records of builds before ``content`` was kept carry it at the end of their recipe.
    same = [e for e in gone if content in (e.content, e.recipe.rpartition(":")[2])] or [
        e for e in gone if e.title == episode.title
    ]
    return same[0] if len(same) == 1 else None
