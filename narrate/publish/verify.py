"""``narrate verify``: every episode the show's feed lists, heard as published.

Reads what was published (the MP3, its length on record, its timings), checks the sound for
silence and truncation, and has the recognizer hear the whole episode and compare it with
the script, word by word (``narrate.audio.listen``). An episode fails when its length is not
the feed's, a segment is silent or cut short, the disclaimer is not heard, or fewer of its
words are heard than the show's ``word_accuracy``.
"""

from __future__ import annotations

from collections.abc import Sequence

from narrate.audio.listen import canonical, hear_episode, verify_episode
from narrate.config import Settings
from narrate.language import is_english
from narrate.models import Hearing, Miss, SegmentTiming, Verified
from narrate.publish.layout import TIMINGS, sidecar
from narrate.publish.output import Output, episode_dir
from narrate.publish.timing import read_timings
from narrate.text.pronounce import Lexicon, load_lexicon

HEARD_FRACTION = 0.5
"""Share of the disclaimer's words the recognizer must hear."""


def verify_published(settings: Settings) -> list[Verified]:
    """Check every episode the show's feed lists, as published, in the feed's order."""
    out = Output(settings.out_dir)
    listen = is_english(settings.show.language)
    lexicon = load_lexicon(settings.script.lexicon) if listen else None
    found = []
    for episode in out.load_published(settings.show.feed_url, intact_only=False).values():
        mp3 = out.path(episode.audio_file)
        page = episode_dir(episode.slug)
        if not mp3.is_file():
            problem = "the MP3 is missing; run narrate build again"
            found.append(Verified(episode.audio_file, episode.title, page, (problem,)))
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
            problem = f"{timing_file.name} is missing or unreadable ({error})"
            found.append(Verified(episode.audio_file, episode.title, page, (problem,)))
            continue
        problems += verify_episode(mp3, segments, listen=False)
        hearing = None
        if listen and episode.speaks_words:
            hearing = hear_episode(
                mp3, segments, language=settings.show.language, lexicon=lexicon,
                model=settings.audio.recognizer,
            )  # fmt: skip
            problems += judge(
                hearing, segments, settings.audio.word_accuracy, settings.show.language, lexicon
            )
        found.append(Verified(episode.audio_file, episode.title, page, tuple(problems), hearing))
    return found


def judge(
    hearing: Hearing,
    segments: Sequence[SegmentTiming],
    threshold: float,
    language: str,
    lexicon: Lexicon | None,
) -> list[str]:
    """What a listener would not get from the episode ``hearing`` heard: too few words heard
    (under ``threshold`` percent), or the disclaimer not heard."""
    problems = []
    if hearing.accuracy * 100 < threshold:
        first = hearing.misses[0] if hearing.misses else None
        where = (
            f'; the first at {clock(first.start_ms)}: "{first.meant}" heard as '
            f'"{first.heard or "nothing"}"'
            if first
            else ""
        )
        problems.append(
            f"{hearing.accuracy:.1%} of its {hearing.words} words heard, under the show's "
            f"{threshold:g} % ({len(hearing.misses)} misses{where}); see narrate verify's report"
        )
    disclaimer = [n for n, t in enumerate(segments) if t.segment.kind == "disclaimer"]
    if disclaimer:
        words = sum(len(canonical(segments[n].segment.text, language, lexicon)) for n in disclaimer)
        missed = sum(
            len(miss.meant.split()) for miss in hearing.misses if miss.segment in disclaimer
        )
        if words and missed > (1 - HEARD_FRACTION) * words:
            problems.append(
                f"the disclaimer is not heard clearly: the recognizer missed {missed} of its "
                f"{words} words"
            )
    return problems


def clock(ms: int) -> str:
    """A time in an episode as a listener reads it: 83400 -> "1:23.4"."""
    seconds = ms / 1000
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def grouped(hearing: Hearing) -> dict[str, list[Miss]]:
    """The misses by the term that failed, the most missed first (then by first time)."""
    groups: dict[str, list[Miss]] = {}
    for miss in hearing.misses:
        groups.setdefault(miss.term or "(words heard where nothing was said)", []).append(miss)
    return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[1][0].start_ms)))
