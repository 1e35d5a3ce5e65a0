"""Stage: build_script(episode, settings) -> Script (intro, body, disclaimer, outro)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from narrate.config import ScriptSettings
from narrate.engines import Engine
from narrate.language import long_date
from narrate.markup import strip_markup
from narrate.models import Episode, Script, Segment, SegmentKind
from narrate.templating import render_text
from narrate.text.pronounce import Lexicon, show_lexicon
from narrate.text.rules.normalize import Context, normalize
from narrate.text.sentences import split_sentences

INTRO_CHAPTER = "Introduction"
DISCLAIMER_CHAPTER = "Disclaimer"
OUTRO_CHAPTER = "Closing"


def build_script(
    episode: Episode,
    settings: ScriptSettings,
    lexicon: Lexicon | None = None,
    phonemes: bool = False,
) -> Script:
    """Everything the episode will say, segment by segment, with its chapter.

    The intro and outro say the show's and the episode's titles: any HTML tags in them are
    dropped, so neither the voice nor the captions ever meet one.

    ``lexicon`` is the pronunciation lexicon to apply; ``phonemes`` says the engine accepts
    Piper's inline ``[[ ]]`` phonemes (else lexicon entries use their respelling).
    """
    disclaimer = episode.disclaimer or settings.disclaimer
    body_words = sum(len(p.split()) for s in episode.sections for p in s.paragraphs)
    values = {
        "show": settings.show_title,
        "title": episode.title,
        "date": long_date(episode.date),
        "minutes": listening_time(body_words + len(disclaimer.split()) + 60, settings),
    }
    chapters = [INTRO_CHAPTER, *(s.title for s in episode.sections), DISCLAIMER_CHAPTER]
    parts: list[tuple[SegmentKind, int, list[str]]] = [
        ("intro", 0, [strip_markup(render_text(settings.intro, "intro", **values))])
    ]
    for number, section in enumerate(episode.sections, start=1):
        parts.append(("body", number, list(section.paragraphs)))
    parts.append(("disclaimer", len(chapters) - 1, [disclaimer]))
    outro = strip_markup(render_text(settings.outro, "outro", **values)).strip()
    if outro:
        chapters.append(OUTRO_CHAPTER)
        parts.append(("outro", len(chapters) - 1, [outro]))
    speech = Context(settings.language, lexicon, phonemes)
    return Script(tuple(chapters), tuple(_segments(parts, speech)), disclaimer)


@dataclass(frozen=True)
class SpeechOptions:
    """How written text becomes speakable text for this build's voices."""

    lexicon: Lexicon
    """Shipped pronunciation lexicon plus the show's own."""
    phonemes: bool
    """Every voice that may speak accepts Piper's inline phonemes (else: respellings)."""


def speech_options(
    settings: ScriptSettings, engine: Engine, fallback: Engine | None = None
) -> SpeechOptions:
    """Load the lexicon once; phonemes only when no voice that may speak would read them aloud."""
    voices = [e for e in (engine, fallback) if e is not None]
    return SpeechOptions(
        show_lexicon(settings),
        all(e.accepts_phonemes for e in voices),
    )


def listening_time(words: int, settings: ScriptSettings) -> str:
    """Rounded up to whole minutes: "1 minute", "4 minutes"."""
    minutes = max(1, math.ceil(words / settings.words_per_minute))
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


def _segments(
    parts: Iterable[tuple[SegmentKind, int, list[str]]], speech: Context
) -> Iterable[Segment]:
    paragraph = 0
    for kind, chapter, paragraphs in parts:
        for text in paragraphs:
            sentences = [text] if kind == "disclaimer" else split_sentences(text, speech.language)
            for sentence in sentences:
                spoken = normalize(sentence, speech.language, speech.lexicon, speech.phonemes)
                if any(character.isalnum() for character in spoken):  # "." says nothing
                    yield Segment(kind, chapter, paragraph, sentence, spoken)
            paragraph += 1
