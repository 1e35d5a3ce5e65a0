"""Which voices speak: the show's [voice] table and ``--engine``/``--voice``, checked.

``narrate.config.load_settings`` reads the rest of the show; this module reads the engine,
the voice and the fallback, checks each engine name against the registered engines, a voice
that is a file against the disk, and each engine's own options (the ``[voice]`` keys it
declares) against their declaration; a problem is reported under where its value came from:
a show key (``voice.engine``) or a command-line option (``--engine``). A voice file in the
show is relative to the show file; one typed on the command line, to the current folder.
It knows engines only through the registry: what each declares, never which one it is.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from narrate.config.settings import EngineOption, EngineSettings
from narrate.config.toml_reader import TomlReader

ENGINE_ENTRY_POINTS = "narrate.engines"
"""The entry-point group engines register under (the built-ins too)."""
NARRATE_KEYS = {"engine", "voice", "rate", "fallback_engine", "fallback_voice", "words_per_minute"}
"""The ``[voice]`` keys narrate reads itself; every other key is an engine's own option."""


def registered_engines() -> list[str]:
    """Names of every registered engine: what ``engine`` and ``--engine`` may name."""
    return sorted(_registry())


@cache
def _registry() -> dict[str, Any]:
    """The registered engines' entry points, by name (read once per process)."""
    from importlib.metadata import entry_points

    return {point.name: point for point in entry_points(group=ENGINE_ENTRY_POINTS)}


@cache
def engine_class(name: str) -> Any:
    """The class registered as engine ``name`` (None: no such engine); loaded once."""
    point = _registry().get(name)
    return point.load() if point else None


def _declared(name: str) -> tuple[str, tuple[EngineOption, ...]]:
    """What the engine registered as ``name`` declares: what its voice file is ("": its voice
    is a name) and its own options. Nothing when no engine has that name."""
    engine = engine_class(name)
    return getattr(engine, "voice_file", ""), tuple(getattr(engine, "options", ()))


def default_engine() -> str:
    """The engine a show speaks with when it names none: the one registered as the default."""
    names = registered_engines()
    return next((n for n in names if getattr(engine_class(n), "is_default", False)), "")


def voice_keys(table: dict[str, Any]) -> set[str]:
    """The keys a show's ``[voice]`` table may hold: narrate's, and, when ``table`` holds
    others, every registered engine's options (only then are the engines looked at)."""
    if set(table) <= NARRATE_KEYS:
        return NARRATE_KEYS
    return NARRATE_KEYS | {o.key for name in registered_engines() for o in _declared(name)[1]}


def read_voices(
    reader: TomlReader,
    voice: dict[str, Any],
    path: Path,
    language: str,
    length_scale: float,
    *,
    engine: str | None,
    voice_arg: str | None,
    given: list[str],
) -> tuple[EngineSettings, EngineSettings | None]:
    """The voice and the fallback voice, from the show's [voice] table (``voice``, in the
    show file at ``path``) and ``--engine``/``--voice`` (None: not given).

    Problems with the show's values go to ``reader.problems``, problems with the command
    line's to ``given``: each is reported under where its value came from.
    """
    problems, engines = reader.problems, registered_engines()
    common = EngineSettings(name="", voice="", language=language, length_scale=length_scale)
    values: dict[str, float | None] = {}

    def with_options(settings: EngineSettings) -> EngineSettings:
        """``settings`` with the engine's own options: as the show set them (each checked
        once, against the first declaration read), else as declared."""
        declared = _declared(settings.name)[1]
        for option in declared:
            if option.key in voice and option.key not in values:
                values[option.key] = reader.number(
                    f"voice.{option.key}", voice, -1.0, low=option.low, high=option.high
                )
        return replace(
            settings, options=tuple((o.key, values.get(o.key, o.default)) for o in declared)
        )

    def show_voice(key: str, name: str) -> EngineSettings:
        """A voice as the show file gives it: a Piper voice relative to the show."""
        own = reader.text(key, voice, default="")
        where = f"looked relative to {path}"
        return with_options(
            replace(common, name=name, voice=_voice(own, name, path.parent, key, where, problems))
        )

    if engine is None:
        name = reader.text("voice.engine", voice) or default_engine()
        name = _engine_name(name, "voice.engine", engines, problems)
    else:  # the show may name an engine this machine lacks: --engine is how to build anyway
        name = _engine_name(engine, "--engine", engines, given)
    if voice_arg is None:
        primary = show_voice("voice.voice", name)
    else:  # typed in a shell: a Piper voice is relative to the current folder
        cwd = Path.cwd()
        where = f"looked relative to the current folder, {cwd}"
        primary = with_options(
            replace(common, name=name, voice=_voice(voice_arg, name, cwd, "--voice", where, given))
        )
    if voice.get("fallback_engine") is None:
        return primary, None
    name = reader.text("voice.fallback_engine", voice)
    fallback = show_voice(
        "voice.fallback_voice", _engine_name(name, "voice.fallback_engine", engines, problems)
    )
    if (fallback.name, fallback.voice) != (primary.name, primary.voice):
        return primary, fallback
    if engine is None and voice_arg is None:
        problems.append("voice.fallback_engine: is the same voice as voice.engine; pick another")
    else:
        flag = "--engine" if engine is not None else "--voice"
        given.append(
            f"{flag}: is the show's fallback voice too (voice.fallback_engine in {path}); "
            f"pick another, or leave {flag} out"
        )
    return primary, fallback


def _engine_name(name: str, key: str, engines: list[str], problems: list[str]) -> str:
    """``name`` if an engine is registered under it; else a problem naming ``key`` (unless
    its value was already reported, e.g. as not text)."""
    if name not in engines and not any(p.startswith(f"{key}:") for p in problems):
        known = ", ".join(engines) or "none (is narrate installed with pip?)"
        problems.append(f'{key}: no engine called "{name}" (known: {known})')
    return name


def _voice(given: str, engine: str, base: Path, key: str, where: str, problems: list[str]) -> str:
    """The voice as the engine gets it: a voice file (the engine says what it is) is a path,
    resolved from ``base`` (the show's folder, or the current folder for ``--voice``) and
    checked; a voice name passes as given."""
    kind = _declared(engine)[0]
    if not kind or not given:
        return given
    resolved = (base / given).resolve()
    if not resolved.is_file():
        looked = "" if Path(given).is_absolute() else f" ({where})"
        problems.append(
            f'{key}: no {kind} at "{given}"{looked}; give a path to a {kind} or leave it out'
        )
    return str(resolved)
