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
from narrate.audio.listen.checks import RATE, at_rate, hear_disclaimer, sound_key, verify_episode
from narrate.audio.listen.compare import canonical, compare
from narrate.audio.listen.whisper import EPISODE_MODEL, model_folder, recognizer, transcribe
from narrate.models import Hearing, SegmentTiming
from narrate.text.pronounce import Lexicon

__all__ = [
    "EPISODE_MODEL",
    "RATE",
    "at_rate",
    "canonical",
    "compare",
    "hear_disclaimer",
    "hear_episode",
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
