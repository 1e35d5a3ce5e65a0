"""The README's tables of a show file's options, rendered from their declarations.

``python -m narrate.config.readme`` prints them, between the markers the README keeps them
in, ready to paste over the old ones; tests/test_config_options.py holds the README to
exactly this text. The engines' own ``[voice]`` keys are listed from the declarations of the
engines narrate registers itself.
"""

from __future__ import annotations

from narrate.config.options import (
    AUDIO_OPTIONS,
    BUILD_OPTIONS,
    EPISODE_OPTIONS,
    RATES,
    SHOW_OPTIONS,
    SOURCE_OPTIONS,
    VOICE_OPTIONS,
    Option,
    Value,
)
from narrate.config.registry import builtin_engines, engine_options
from narrate.config.settings import EngineOption

BEGIN = "<!-- options: from narrate/config/options.py by `python -m narrate.config.readme` -->"
"""The line before the tables in the README."""
END = "<!-- end of options -->"
"""The line after them."""
_HEADER = ("Key", "Value", "Default", "What it does")


def option_tables() -> str:
    """Every table of options, in the order of a show file, between ``BEGIN`` and ``END``."""
    engine_rows = [
        _engine_row(name, option) for name in builtin_engines() for option in engine_options(name)
    ]
    parts = [
        BEGIN,
        _table("Top level", [_row(o) for o in SHOW_OPTIONS]),
        _table("`[voice]`", [_row(o) for o in VOICE_OPTIONS]),
        _table("`[voice]`: an engine's own keys (given to that engine only)", engine_rows),
        _table("`[audio]`", [_row(o) for o in AUDIO_OPTIONS]),
        _table("`[build]`", [_row(o) for o in BUILD_OPTIONS]),
        _table("Each `[[episodes]]`", [_row(o) for o in EPISODE_OPTIONS]),
        _table("Each `[[sources]]`", [_row(o) for o in SOURCE_OPTIONS]),
        END,
    ]
    return "\n\n".join(parts) + "\n"


def _table(title: str, rows: list[tuple[str, ...]]) -> str:
    lines = [f"**{title}**", "", _line(_HEADER), _line(("---",) * len(_HEADER))]
    return "\n".join([*lines, *map(_line, rows)])


def _line(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _row(option: Option) -> tuple[str, ...]:
    return f"`{option.key}`", _value(option), _default(option), option.doc


def _engine_row(engine: str, option: EngineOption) -> tuple[str, ...]:
    default = "the engine's choice" if option.default is None else _literal(option.default)
    number = f"number, {option.low} to {option.high}"
    return f"`{option.key}` ({engine})", number, default, option.doc


def _value(option: Option) -> str:
    """What the key takes: "text", "whole number, 0 to 5000", ..."""
    if option.kind == "integer":
        return f"whole number, {option.low} to {option.high}"
    if option.kind == "number":
        return f"number, {option.low} to {option.high}"
    if option.kind == "rate":
        names = ", ".join(f'`"{name}"`' for name in RATES)
        return f"{names} or a number, {option.low} to {option.high}"
    return {"text": "text", "boolean": "true or false", "date": "date, e.g. 2026-11-20"}[
        option.kind
    ]


def _default(option: Option) -> str:
    if option.required:
        return "required"
    if option.default_doc or option.default is None:
        return option.default_doc or "none"
    if option.stretches:
        return f"{_literal(option.default)} (longer when gentle)"
    return _literal(option.default)


def _literal(value: Value) -> str:
    """``value`` as the show file writes it: `"en-US"`, `true`, `400`."""
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


if __name__ == "__main__":
    print(option_tables(), end="")
