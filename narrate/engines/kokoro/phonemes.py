"""Text to Kokoro's input: espeak-ng's phonemes, then Kokoro's token ids, in pieces it accepts.

Kokoro reads phonemes, not letters. As ``kokoro-onnx`` does (MIT), espeak-ng (through
``phonemizer`` and the library ``espeakng-loader`` ships) turns text into IPA with stress
marks and punctuation kept, and every phoneme Kokoro's vocabulary (``vocab.json``, from
``kokoro-onnx``'s config) does not know is dropped. A lexicon's ``[[ipa]]`` block is sent as it
is written (its phonemes mapped to Kokoro's set where they differ), so drug names and
initialisms reach Kokoro as the lexicon says them, not as espeak guesses them.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from narrate.errors import EngineError

MAX_TOKENS = 510
"""Kokoro's context is 512 tokens, one pad token at each end: at most this many phonemes."""

_BLOCK = re.compile(r"\[\[(.*?)\]\]")
"""A lexicon entry's phonemes in the text, as Piper also reads them."""
_SAME_SOUND = str.maketrans({"g": "ɡ"})
"""IPA a lexicon may write that Kokoro's vocabulary spells otherwise: the Latin "g" of the
keyboard as the IPA letter "ɡ" (every other phoneme of the shipped lexicon is Kokoro's)."""
_WORD = re.compile(r"\[\[.*?\]\]|\S+")
"""A written word, or a lexicon block (which stands for one)."""
_PUNCTUATION = frozenset(".,;:!?…")
"""Punctuation read alone keeps to the word before it, as espeak writes it."""
_BREAKS = re.compile(r"(?<=[.,;:!?—…])\s+")
"""Where a too-long phrase may be cut: after punctuation, then at any space."""


@cache
def vocabulary() -> dict[str, int]:
    """Kokoro's phoneme ids (``vocab.json``)."""
    text = (resources.files(__package__) / "vocab.json").read_text(encoding="utf-8")
    vocab: dict[str, int] = json.loads(text)
    return vocab


def espeak_language(tag: str) -> str:
    """espeak-ng's voice for a BCP 47 tag: "en-US" -> "en-us", "fr" -> "fr-fr"."""
    tag = tag.lower()
    if tag.startswith("en"):
        return "en-gb" if tag in ("en-gb", "en-uk") else "en-us"
    return {"fr": "fr-fr", "pt": "pt-br", "zh": "cmn", "es": "es", "it": "it", "hi": "hi",
            "ja": "ja"}.get(tag.split("-")[0], tag)  # fmt: skip


def phonemes(text: str, language: str) -> str:
    """Kokoro's phonemes for ``text``: espeak's reading of the words, the lexicon's own
    phonemes for each ``[[ipa]]`` block.

    "Take [[ɐkɹˈɛvəl]] daily." -> "tˈeɪk ɐkɹˈɛvəl dˈeɪli." (en-US)
    """
    return reading(text, language)[0]


def reading(text: str, language: str) -> tuple[str, list[tuple[str, int, int]]]:
    """``phonemes`` of ``text``, and where each written word's phonemes are in them: (word,
    start, end) for every word that has any.

    Each word is read alone (as Kokoro's own reader, misaki, reads word by word), so every
    phoneme belongs to one written word and its time (``engine``) is that word's.
    """
    vocab = vocabulary()
    words = _WORD.findall(text)
    plain = [w for w in words if not _BLOCK.fullmatch(w)]
    read = iter(_espeak(plain, espeak_language(language)) if plain else [])
    said, spans = "", []
    for word in words:
        block = _BLOCK.fullmatch(word)
        sound = block.group(1).translate(_SAME_SOUND) if block else next(read)
        sound = "".join(p for p in sound.strip() if p in vocab)
        if not sound:
            continue
        tight = said and sound[0] in _PUNCTUATION
        said += sound if tight or not said else " " + sound
        spans.append((word, len(said) - len(sound), len(said)))
    return said, spans


def tokens(phonemes: str) -> list[int]:
    """Kokoro's ids for ``phonemes`` (every one of them known: see ``phonemes``)."""
    vocab = vocabulary()
    return [vocab[p] for p in phonemes if p in vocab]


def pieces(phonemes: str, limit: int = MAX_TOKENS) -> list[str]:
    """``phonemes`` in pieces of at most ``limit`` phonemes: cut after punctuation where it
    can, else between words, else (one word longer than the limit) anywhere."""
    if len(phonemes) <= limit:
        return [phonemes]
    done: list[str] = []
    current = ""
    for part in _parts(phonemes, limit):
        if current and len(current) + 1 + len(part) > limit:
            done.append(current)
            current = part
        else:
            current = f"{current} {part}" if current else part
    return [*done, current] if current else done


def _parts(phonemes: str, limit: int) -> list[str]:
    """Clauses, each cut into words and then into ``limit`` pieces if it is still too long."""
    parts: list[str] = []
    for clause in _BREAKS.split(phonemes):
        if len(clause) <= limit:
            parts.append(clause)
            continue
        for word in clause.split():
            parts.extend(word[i : i + limit] for i in range(0, len(word), limit))
    return [p for p in parts if p]


def _espeak(words: list[str], language: str) -> list[str]:
    """espeak's phonemes of each of ``words`` (one call for all of them)."""
    try:
        said = _backend(language).phonemize(words, strip=True)
    except RuntimeError as error:
        raise EngineError(
            f"espeak-ng cannot read {language!r} ({error}); choose a language Kokoro speaks"
        ) from None
    return (
        [str(s) for s in said]
        if len(said) == len(words)
        else [" ".join(said)] + [""] * (len(words) - 1)
    )


@cache
def _backend(language: str) -> Any:
    """espeak-ng through phonemizer, loaded once per process and language, from the library
    espeakng-loader ships (no system espeak needed)."""
    try:
        import espeakng_loader
        from phonemizer.backend import EspeakBackend
        from phonemizer.backend.espeak.wrapper import EspeakWrapper
    except ImportError as error:
        raise EngineError(
            f"{error.name} is not installed; run: pip install phonemizer espeakng-loader"
        ) from None
    EspeakWrapper.set_data_path(espeakng_loader.get_data_path())
    EspeakWrapper.set_library(espeakng_loader.get_library_path())
    try:
        return EspeakBackend(
            language, preserve_punctuation=True, with_stress=True, logger=_quiet_logger()
        )
    except RuntimeError as error:
        raise EngineError(
            f"espeak-ng has no voice for {language!r} ({error}); choose a language Kokoro speaks"
        ) from None


def _quiet_logger() -> Any:
    """phonemizer warns on stderr for every line with a word it cannot read: not for us."""
    import logging

    quiet = logging.getLogger("narrate.engines.kokoro.espeak")
    quiet.setLevel(logging.ERROR)
    return quiet
