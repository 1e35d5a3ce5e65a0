"""Which voices speak: the show's [voice] table and ``--engine``/``--voice``, checked.

``narrate.config.load_settings`` reads the show, narrate's own ``[voice]`` keys too (as
``narrate.config.options`` declares them); this module makes the voice and the fallback from
them: it checks each engine name against the registered engines and a voice that is a file
against the disk, and reads each engine's own options (the ``[voice]`` keys it declares),
checked against their declaration; a problem is reported under where its value came from:
a show key (``voice.engine``) or a command-line option (``--engine``). A voice file in the
show is relative to the show file; one typed on the command line, to the current folder.
It knows engines only through the registry: what each declares, never which one it is.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from narrate.config.options import VOICE_OPTIONS, keys
from narrate.config.settings import EngineOption, EngineSettings
from narrate.config.toml_reader import TomlReader

ENGINE_ENTRY_POINTS = "narrate.engines"
"""The entry-point group engines register under (the built-ins too)."""
NARRATE_KEYS = keys(VOICE_OPTIONS)
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


def builtin_engines() -> list[str]:
    """The engines narrate itself registers (an outside package's are left out): what the
    README lists."""
    return sorted(
        n for n, point in _registry().items() if point.dist and point.dist.name == "narrate"
    )


def engine_options(name: str) -> tuple[EngineOption, ...]:
    """The ``[voice]`` keys the engine registered as ``name`` declares as its own."""
    return _declared(name)[1]


def _declared(name: str) -> tuple[str, tuple[EngineOption, ...]]:
    """What the engine registered as ``name`` declares: what its voice file is ("": its voice
    is a name) and its own options. Nothing when no engine has that name."""
    engine = engine_class(name)
    return getattr(engine, "voice_file", ""), tuple(getattr(engine, "options", ()))


def default_engine() -> str:
    """The engine a show speaks with when it names none: the one registered as the default."""
    return _flagged("is_default")


def default_fallback_engine() -> str:
    """The engine that speaks when the show's fails and the show names no fallback."""
    return _flagged("is_default_fallback")


def _flagged(flag: str) -> str:
    names = registered_engines()
    return next((n for n in names if getattr(engine_class(n), flag, False)), "")


def voice_keys(table: dict[str, Any]) -> set[str]:
    """The keys a show's ``[voice]`` table may hold: narrate's, and, when ``table`` holds
    others, every registered engine's options (only then are the engines looked at)."""
    if set(table) <= NARRATE_KEYS:
        return NARRATE_KEYS
    return NARRATE_KEYS | {o.key for name in registered_engines() for o in _declared(name)[1]}


def read_voices(
    reader: TomlReader,
    values: dict[str, Any],
    table: dict[str, Any],
    path: Path,
    language: str,
    length_scale: float,
    *,
    engine: str | None,
    voice_arg: str | None,
    given: list[str],
) -> tuple[EngineSettings, EngineSettings | None]:
    """The voice and the fallback voice, from narrate's own [voice] keys as read (``values``;
    a key the command line overrides is not among them), the show's [voice] table (``table``,
    for the engines' own options; in the show file at ``path``) and ``--engine``/``--voice``
    (None: not given).

    Problems with the show's values go to ``reader.problems``, problems with the command
    line's to ``given``: each is reported under where its value came from.
    """
    voices = _Voices(reader, table, path, language, length_scale)
    primary = voices.primary(values, engine, voice_arg, given)
    if values.get("fallback_engine") is None:  # the default voice falls back to the fast one
        default = default_fallback_engine()
        if primary.name != default_engine() or not default or default == primary.name:
            return primary, None
        return primary, voices.from_show("voice.fallback_voice", "", default)
    name = _engine_name(
        values["fallback_engine"], "voice.fallback_engine", voices.engines, reader.problems
    )
    fallback = voices.from_show("voice.fallback_voice", values["fallback_voice"], name)
    if (fallback.name, fallback.voice) == (primary.name, primary.voice):
        _same_voice(engine, voice_arg, path, reader.problems, given)
    return primary, fallback


class _Voices:
    """Reads voices from one show's [voice] table: each engine's own options are checked once,
    against the first declaration read, and every voice carries the same language and rate."""

    def __init__(
        self, reader: TomlReader, table: dict[str, Any], path: Path, language: str,
        length_scale: float,
    ) -> None:  # fmt: skip
        self.reader, self.table, self.path = reader, table, path
        self.engines = registered_engines()
        self.common = EngineSettings(
            name="", voice="", language=language, length_scale=length_scale
        )
        self.values: dict[str, float | None] = {}
        """The engines' own options the show sets, as checked."""

    def primary(
        self, values: dict[str, Any], engine: str | None, voice_arg: str | None, given: list[str]
    ) -> EngineSettings:
        """The voice that speaks: the show's, or the command line's."""
        if engine is None:
            name = values["engine"] or default_engine()
            name = _engine_name(name, "voice.engine", self.engines, self.reader.problems)
        else:  # the show may name an engine this machine lacks: --engine is how to build anyway
            name = _engine_name(engine, "--engine", self.engines, given)
        if voice_arg is None:
            return self.from_show("voice.voice", values.get("voice") or "", name)
        # Typed in a shell: a voice file is relative to the current folder.
        cwd = Path.cwd()
        where = f"looked relative to the current folder, {cwd}"
        voice = _voice(voice_arg, name, cwd, "--voice", where, given)
        return self.with_options(replace(self.common, name=name, voice=voice))

    def from_show(self, key: str, given: str, name: str) -> EngineSettings:
        """A voice as the show file gives it: a voice file is relative to the show."""
        where = f"looked relative to {self.path}"
        voice = _voice(given, name, self.path.parent, key, where, self.reader.problems)
        return self.with_options(replace(self.common, name=name, voice=voice))

    def with_options(self, settings: EngineSettings) -> EngineSettings:
        """``settings`` with the engine's own options: as the show set them, else as
        declared."""
        declared = _declared(settings.name)[1]
        for option in declared:
            if option.key in self.table and option.key not in self.values:
                self.values[option.key] = self.reader.number(
                    f"voice.{option.key}", self.table, -1.0, low=option.low, high=option.high
                )
        options = tuple((o.key, self.values.get(o.key, o.default)) for o in declared)
        return replace(settings, options=options)


def _same_voice(
    engine: str | None, voice_arg: str | None, path: Path, problems: list[str], given: list[str]
) -> None:
    """The fallback is the voice that speaks: a problem of the show's, or of the command
    line's when it chose the voice."""
    if engine is None and voice_arg is None:
        problems.append("voice.fallback_engine: is the same voice as voice.engine; pick another")
    else:
        flag = "--engine" if engine is not None else "--voice"
        given.append(
            f"{flag}: is the show's fallback voice too (voice.fallback_engine in {path}); "
            f"pick another, or leave {flag} out"
        )


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
    checked; a voice name (one of the engine's ``named_voices``) passes as given."""
    kind = _declared(engine)[0]
    names: tuple[str, ...] = getattr(engine_class(engine), "named_voices", ())
    if not kind or not given or given in names:
        return given
    resolved = (base / given).resolve()
    if resolved.is_file():
        return str(resolved)
    if names and "/" not in given and not Path(given).suffix:  # meant as a voice's name
        shown = ", ".join(names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
        problems.append(
            f'{key}: no {engine.capitalize()} voice called "{given}" (known: {shown}); give one of '
            f"those, a path to a {kind}, or leave it out"
        )
    else:
        looked = "" if Path(given).is_absolute() else f" ({where})"
        problems.append(
            f'{key}: no {kind} at "{given}"{looked}; give a path to a {kind} or leave it out'
        )
    return str(resolved)
