"""The speech-engine contract and registry.

An engine is a subclass of ``Engine``: ``name``, ``fingerprint()``, ``describe()`` and
``synthesize(text)``, and every optional capability declared here with its default, so no
code outside ``engines/`` asks which engine it has. Engines are found through the
``narrate.engines`` entry-point group; the built-ins are registered there exactly like an
outside package would register its own (one module, one entry point).
"""

from __future__ import annotations

from typing import ClassVar

from narrate.config import EngineOption, EngineSettings
from narrate.config.registry import engine_class, registered_engines
from narrate.errors import ConfigError
from narrate.models import Speech


class Engine:
    """The base of every engine: the optional capabilities, each with its default.

    A subclass sets ``name`` and implements ``fingerprint``, ``describe`` and ``synthesize``;
    it overrides a capability only to say it has it (or lacks it).
    """

    name: ClassVar[str] = ""
    """Registered name, e.g. ``piper``."""
    accepts_phonemes: ClassVar[bool] = False
    """Reads ``[[ipa]]`` blocks in the text as phonemes (the lexicon sends IPA then)."""
    speaks_words: ClassVar[bool] = True
    """Says words a speech recognizer can hear (the self-check listens to the disclaimer)."""
    is_default: ClassVar[bool] = False
    """The engine a show speaks with when it names none (one engine says so)."""
    is_default_fallback: ClassVar[bool] = False
    """The engine that speaks an episode when the show's engine fails and the show names no
    ``fallback_engine`` (one engine says so; never the fallback of itself)."""
    voice_file: ClassVar[str] = ""
    """What its ``voice`` is when it names a file, e.g. "Piper .onnx voice": the show's value
    is then a path relative to the show file, checked when the show loads ("": a name)."""
    named_voices: ClassVar[tuple[str, ...]] = ()
    """Voices it knows by name although ``voice_file`` says its voice is a file: the show may
    give either (a name passes as it is; anything else is a path)."""
    options: ClassVar[tuple[EngineOption, ...]] = ()
    """Its own ``[voice]`` keys, checked when the show loads; read with
    ``settings.option(key)``."""

    @classmethod
    def option(cls, settings: EngineSettings, key: str) -> float | None:
        """The value of its own option ``key``: as the show set it, else as declared."""
        value = settings.option(key)
        if value is None:
            value = next(o.default for o in cls.options if o.key == key)
        return value

    def fingerprint(self) -> str:
        """Everything that changes the sound (engine, voice file, rate...): feeds the cache key."""
        raise NotImplementedError

    def describe(self) -> str:
        """Human name of the voice, recorded in tags and the build summary."""
        raise NotImplementedError

    def synthesize(self, text: str) -> Speech:
        """Speak one segment; raise ``EngineError`` with cause and fix when it cannot."""
        raise NotImplementedError


def available_engines() -> list[str]:
    """Names of every registered engine."""
    return registered_engines()


def load_engine(settings: EngineSettings) -> Engine:
    """Instantiate the engine ``settings.name`` names (``load_settings`` has checked that one
    is registered under it, and reported it as a problem of the show or the command line)."""
    factory = engine_class(settings.name)
    if factory is None:
        known = ", ".join(available_engines()) or "none (is narrate installed with pip?)"
        raise ConfigError([f'voice.engine: no engine called "{settings.name}" (known: {known})'])
    engine = factory(settings)
    if not isinstance(engine, Engine):
        raise TypeError(f"the engine {settings.name!r} is not a narrate.engines.Engine")
    return engine
