"""An engine that lives outside narrate, defined only for the tests: registered through its
own distribution's entry point, exactly as a real plugin (or a built-in) is, with an option
of its own (``pitch_hz``) that the show's ``[voice]`` table sets and narrate checks."""

from __future__ import annotations

import json
import math
import struct

from narrate.config import EngineOption, EngineSettings
from narrate.engines import Engine
from narrate.models import Speech

_RATE = 16000


class ChimeEngine(Engine):
    """Each word a chime at ``pitch_hz``."""

    name = "chime"
    speaks_words = False
    options = (EngineOption("pitch_hz", 50.0, 2000.0, "the chime's pitch", 440.0),)

    def __init__(self, settings: EngineSettings) -> None:
        self.pitch = self.option(settings, "pitch_hz")
        self.length_scale = settings.length_scale

    def describe(self) -> str:
        return f"chime at {self.pitch:g} Hz"

    def fingerprint(self) -> str:
        return json.dumps({"engine": "chime", "pitch": self.pitch, "scale": self.length_scale})

    def synthesize(self, text: str) -> Speech:
        assert self.pitch is not None
        step = 2 * math.pi * self.pitch / _RATE
        samples: list[int] = []
        for word in text.split() or ["."]:
            n = int(max(0.25, 0.045 * len(word)) * self.length_scale * _RATE)
            samples += [
                int(8000 * math.sin(math.pi * i / n) * math.sin(step * i)) for i in range(n)
            ]
            samples += [0] * (_RATE // 20)
        return Speech(struct.pack(f"<{len(samples)}h", *samples), "pcm_s16le", _RATE, None)
