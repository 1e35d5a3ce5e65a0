"""Stage: the episode's own ears.

- ``verify_episode(mp3, segments) -> problems``: silence, truncation, and whether the
  disclaimer is heard (``checks``), after every mixdown and in ``narrate verify``.
- ``hear_episode(mp3, segments) -> Hearing``: the whole episode heard by the recognizer and
  compared word by word with its script (``compare``): word accuracy and every miss, timed.

The recognizer is Whisper through faster-whisper (``whisper``, the one module importing it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from narrate.audio import dsp
from narrate.audio.ffmpeg import decode_pcm
from narrate.audio.listen.checks import (
    HEARD_FRACTION,
    at_rate,
    hear_disclaimer,
    sound_key,
    verify_episode,
)
from narrate.audio.listen.compare import canonical, compare
from narrate.audio.listen.whisper import (
    EPISODE_MODEL,
    RATE,
    model_folder,
    recognizer,
    transcribe,
)
from narrate.models import Hearing, SegmentTiming
from narrate.text.pronounce import Lexicon

__all__ = [
    "EPISODE_MODEL",
    "RATE",
    "at_rate",
    "canonical",
    "clock",
    "compare",
    "hear_disclaimer",
    "hear_episode",
    "judge_hearing",
    "model_folder",
    "recognizer",
    "sound_key",
    "transcribe",
    "verify_episode",
]


def hear_episode(
    mp3: Path,
    segments: Sequence[SegmentTiming],
    *,
    language: str = "en-US",
    lexicon: Lexicon | None = None,
    model: str = "",
    threads: int = 0,
) -> Hearing:
    """The whole episode in ``mp3`` heard by the recognizer (``model``: a shipped model's name
    or a faster-whisper folder; "": Whisper base) and compared with its script's words."""
    samples = dsp.from_pcm16(decode_pcm(mp3, RATE))
    return compare(
        segments, transcribe(samples, model or EPISODE_MODEL, threads), language, lexicon
    )


def judge_hearing(
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
            f"{threshold:g} % ({len(hearing.misses)} misses{where})"
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
