"""Which voices speak: the show's [voice] table and ``--engine``/``--voice``, checked.

``narrate.config.load_settings`` reads the rest of the show; this module reads the engine,
the voice and the fallback, checks each engine name against the registered engines and each
Piper voice against the disk, and reports a problem under where its value came from: a show
key (``voice.engine``) or a command-line option (``--engine``). A Piper voice in the show
is relative to the show file; one typed on the command line, to the current folder.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from narrate.settings import EngineSettings
from narrate.toml_reader import TomlReader

ENGINE_ENTRY_POINTS = "narrate.engines"
"""The entry-point group engines register under (the built-ins too)."""


def registered_engines() -> list[str]:
    """Names of every registered engine: what ``engine`` and ``--engine`` may name."""
    from importlib.metadata import entry_points

    return sorted(ep.name for ep in entry_points(group=ENGINE_ENTRY_POINTS))


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
    noise = {
        key: reader.number(f"voice.{key}", voice, -1.0, low=0.0, high=2.0) if key in voice else None
        for key in ("noise_scale", "noise_w")
    }
    common = EngineSettings(
        name="",
        voice="",
        language=language,
        length_scale=length_scale,
        timeout_s=reader.number("voice.timeout_s", voice, 10.0, low=0.5, high=120.0),
        noise_scale=noise["noise_scale"],
        noise_w_scale=noise["noise_w"],
    )

    def show_voice(key: str, name: str) -> EngineSettings:
        """A voice as the show file gives it: a Piper voice relative to the show."""
        own = reader.text(key, voice, default="")
        where = f"looked relative to {path}"
        return replace(
            common, name=name, voice=_voice(own, name, path.parent, key, where, problems)
        )

    if engine is None:
        name = reader.text("voice.engine", voice, default="piper")
        name = _engine_name(name, "voice.engine", engines, problems)
    else:  # the show may name an engine this machine lacks: --engine is how to build anyway
        name = _engine_name(engine, "--engine", engines, given)
    if voice_arg is None:
        primary = show_voice("voice.voice", name)
    else:  # typed in a shell: a Piper voice is relative to the current folder
        cwd = Path.cwd()
        where = f"looked relative to the current folder, {cwd}"
        primary = replace(
            common, name=name, voice=_voice(voice_arg, name, cwd, "--voice", where, given)
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
    """The voice as the engine gets it: a Piper voice is a path, resolved from ``base`` (the
    show's folder, or the current folder for ``--voice``) and checked; others pass as given."""
    if engine != "piper" or not given:
        return given
    resolved = (base / given).resolve()
    if not resolved.is_file():
        looked = "" if Path(given).is_absolute() else f" ({where})"
        problems.append(
            f'{key}: no Piper voice at "{given}"{looked}; '
            "give a path to a Piper .onnx voice or leave it out"
        )
    return str(resolved)
