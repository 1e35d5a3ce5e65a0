"""``narrate verify``: every episode the show's feed lists, heard as published.

Reads what was published (the MP3, its length on record, its timings), checks the sound for
silence and truncation, and has the recognizer hear the whole episode and compare it with
the script, word by word (``narrate.audio.listen``). An episode fails when its length is not
the feed's, a segment is silent or cut short, the disclaimer is not heard, or fewer of its
words are heard than the show's ``word_accuracy``.
"""

from __future__ import annotations

from pathlib import Path

from narrate.audio.listen import clock, hear_episode, judge_hearing, verify_episode
from narrate.config import Settings
from narrate.language import is_english, text_direction
from narrate.models import Hearing, Miss, Verified
from narrate.publish.layout import TIMINGS, sidecar
from narrate.publish.output import STATE_DIR, Output, episode_dir
from narrate.publish.remote import mirror
from narrate.publish.timing import read_timings
from narrate.templating import render_template
from narrate.text.pronounce import show_lexicon


def verify_published(settings: Settings) -> list[Verified]:
    """Check every episode the show's feed lists, as published (in the output folder, or at
    the ``publish`` URL), in the feed's order."""
    if settings.publish:
        with mirror(settings, state=True) as (folder, _missing):
            return _verify_folder(settings, Output(folder))
    return _verify_folder(settings, Output(settings.out_dir))


def _verify_folder(settings: Settings, out: Output) -> list[Verified]:
    listen = is_english(settings.show.language)
    lexicon = show_lexicon(settings.script) if listen else None
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
            problems += judge_hearing(
                hearing, segments, settings.audio.word_accuracy, settings.show.language, lexicon
            )
        found.append(Verified(episode.audio_file, episode.title, page, tuple(problems), hearing))
    return found


def grouped(hearing: Hearing) -> dict[str, list[Miss]]:
    """The misses by the term that failed, the most missed first (then by first time)."""
    groups: dict[str, list[Miss]] = {}
    for miss in hearing.misses:
        groups.setdefault(miss.term or "(words heard where nothing was said)", []).append(miss)
    return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[1][0].start_ms)))


def moment(miss: Miss) -> str:
    """The fragment that opens an episode page at ``miss``: "#t=64.4" (the player honours it)."""
    return f"#t={miss.start_ms / 1000:.1f}"


def misheard_words(results: list[Verified]) -> list[str]:
    """The single written words the recognizer misheard, in every episode, each once."""
    return list(
        dict.fromkeys(
            miss.term
            for verified in results
            for miss in (verified.hearing.misses if verified.hearing else ())
            if miss.term and " " not in miss.term and miss.heard
        )
    )


def write_suggestions(settings: Settings, text: str) -> Path:
    """The suggested lexicon entries, beside the build state: the file to review."""
    return Output(settings.out_dir).write_text(f"{STATE_DIR}/{SUGGESTIONS}", text)


def write_report(settings: Settings, results: list[Verified], suggestions: str) -> Path:
    """The report for people: an accessible page beside the build state (``verify.html``),
    each miss linked to its moment on the episode page."""
    root = "../"  # from the state folder to the output root; index.html named for file:// use
    episodes = []
    for number, verified in enumerate(results, start=1):
        hearing = verified.hearing
        groups = [
            {
                "term": term,
                "misses": [
                    {
                        "meant": m.meant,
                        "heard": m.heard,
                        "at": clock(m.start_ms),
                        "href": f"{root}{verified.page}index.html{moment(m)}",
                    }
                    for m in misses
                ],
            }
            for term, misses in (grouped(hearing) if hearing else {}).items()
        ]
        episodes.append(
            {
                "anchor": f"episode-{number}",
                "title": verified.title,
                "audio_file": verified.audio_file,
                "page": f"{root}{verified.page}index.html",
                "passed": not verified.problems,
                "problems": verified.problems,
                "heard": f"{hearing.accuracy:.1%}" if hearing else "not heard",
                "miss_count": len(hearing.misses) if hearing else 0,
                "groups": groups,
            }
        )
    show = settings.show
    page = render_template(
        "verify.html",
        root=root,
        show={"title": show.title, "language": show.language,
              "direction": text_direction(show.language)},
        threshold=f"{settings.audio.word_accuracy:g}",
        episodes=episodes,
        passed=sum(e["passed"] for e in episodes),
        suggestions=suggestions,
        suggestions_file=f"{STATE_DIR}/{SUGGESTIONS}",
    )  # fmt: skip
    return Output(settings.out_dir).write_text(f"{STATE_DIR}/{REPORT}", page)


REPORT = "verify.html"
"""Where ``narrate verify`` writes its report for people (in the state folder)."""
SUGGESTIONS = "verify-lexicon.toml"
"""Where ``narrate verify`` writes the lexicon entries it suggests (in the state folder)."""

__all__ = [
    "clock",
    "grouped",
    "misheard_words",
    "moment",
    "verify_published",
    "write_report",
    "write_suggestions",
]
