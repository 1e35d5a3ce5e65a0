"""A test engine: each word becomes a short soft tone. No model, no network, instant.

It lets fast tests and dry runs exercise mixdown, tagging and the feed with real, measurable
audio (loudness normalization needs sound, not silence).
"""

from __future__ import annotations

import json
import math
import struct

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
        words = text.split() or ["."]
        gap_n = int(_GAP_S * _RATE)
        samples: list[int] = []
        timings: list[WordTiming] = []
        for index, word in enumerate(words):
            # Long spoken words ("twenty-fourth") take longer, as they would in speech.
            word_n = int(max(_WORD_S, 0.03 * len(word)) * self.length_scale * _RATE)
            start = len(samples)
            pitch = 180.0 + 40.0 * (index % 5)
            for n in range(word_n):
                envelope = math.sin(math.pi * n / word_n)
                samples.append(int(9000 * envelope * math.sin(2 * math.pi * pitch * n / _RATE)))
            timings.append(WordTiming(word, start * 1000 // _RATE, len(samples) * 1000 // _RATE))
            samples.extend([0] * gap_n)
        return Speech(
            struct.pack(f"<{len(samples)}h", *samples), "pcm_s16le", _RATE, tuple(timings)
        )
