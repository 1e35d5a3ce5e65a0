"""The speech-engine contract and registry.

An engine is any object with ``name``, ``fingerprint()`` and ``synthesize(text)``. Engines are
found through the ``narrate.engines`` entry-point group; the built-ins (piper, gtts, tone) are
registered there exactly like an outside package would register its own.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from narrate.config import EngineSettings
from narrate.errors import ConfigError
from narrate.models import Speech
from narrate.voice_settings import ENGINE_ENTRY_POINTS, registered_engines

ENTRY_POINT_GROUP = ENGINE_ENTRY_POINTS


@runtime_checkable
class SpeechEngine(Protocol):
    """What narrate asks of a voice."""

    name: str
    """Registered name, e.g. ``piper``."""

    def fingerprint(self) -> str:
        """Everything that changes the sound (engine, voice file, rate...): feeds the cache key."""
        ...

    def describe(self) -> str:
        """Human name of the voice, recorded in tags and the build summary."""
        ...

    def synthesize(self, text: str) -> Speech:
        """Speak one segment; raise ``EngineError`` with cause and fix when it cannot."""
        ...


def available_engines() -> list[str]:
    """Names of every registered engine."""
    return registered_engines()


def load_engine(settings: EngineSettings) -> SpeechEngine:
    """Instantiate the engine ``settings.name`` names (``load_settings`` has checked that one
    is registered under it, and reported it as a problem of the show or the command line)."""
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == settings.name]
    if not found:
        known = ", ".join(available_engines()) or "none (is narrate installed with pip?)"
        raise ConfigError([f'voice.engine: no engine called "{settings.name}" (known: {known})'])
    factory = found[0].load()
    engine = factory(settings)
    if not isinstance(engine, SpeechEngine):
        raise TypeError(f"{found[0].value} does not implement the SpeechEngine protocol")
    return engine
