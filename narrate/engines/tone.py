"""A test engine: each word becomes a short soft tone. No model, no network, instant.

It lets fast tests and dry runs exercise mixdown, tagging and the feed with real, measurable
audio (loudness normalization needs sound, not silence).
"""

from __future__ import annotations

import json

from narrate.config import EngineSettings
from narrate.engines import Engine
from narrate.models import Speech, WordTiming

_RATE = 22050
_WORD_S = 0.22
_GAP_S = 0.06


class ToneEngine(Engine):
    """Speaks every word as a 0.22 s tone, so audio length follows text length."""

    name = "tone"
    speaks_words = False
    """Beeps, not words: the self-check's recognizer has nothing to hear."""

    def __init__(self, settings: EngineSettings) -> None:
        self.length_scale = settings.length_scale

    def describe(self) -> str:
        return "tone test voice"

    def fingerprint(self) -> str:
        return json.dumps({"engine": "tone", "length_scale": self.length_scale})

    def synthesize(self, text: str) -> Speech:
        import numpy as np

        words = text.split() or ["."]
        gap = np.zeros(int(_GAP_S * _RATE), dtype="<i2")
        parts: list[np.ndarray] = []
        timings: list[WordTiming] = []
        length = 0
        for index, word in enumerate(words):
            # Long spoken words ("twenty-fourth") take longer, as they would in speech.
            word_n = int(max(_WORD_S, 0.03 * len(word)) * self.length_scale * _RATE)
            pitch = 180.0 + 40.0 * (index % 5)
            n = np.arange(word_n)
            envelope = np.sin(np.pi * n / word_n)
            tone = np.trunc(9000 * envelope * np.sin(2 * np.pi * pitch * n / _RATE))
            parts += [tone.astype("<i2"), gap]
            timings.append(
                WordTiming(word, length * 1000 // _RATE, (length + word_n) * 1000 // _RATE)
            )
            length += word_n + len(gap)
        return Speech(np.concatenate(parts).tobytes(), "pcm_s16le", _RATE, tuple(timings))
