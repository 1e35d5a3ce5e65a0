"""Typed access to a parsed TOML table that records problems instead of raising.

``narrate.config`` reads a whole show file through one ``TomlReader`` and reports every
problem at once, each prefixed by its key (``audio.channels: must be a whole number ...``).
"""

from __future__ import annotations

from typing import Any


class TomlReader:
    """Typed access to a TOML table that records problems instead of raising."""

    def __init__(self, raw: dict[str, Any], problems: list[str]) -> None:
        self.raw = raw
        self.problems = problems

    def unknown_keys(self, prefix: str, table: dict[str, Any], known: set[str]) -> None:
        for key in sorted(set(table) - known):
            self.problems.append(f"{prefix}{key}: unknown key (check the spelling; see README)")

    def table(self, name: str, known: set[str]) -> dict[str, Any]:
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            self.problems.append(f"{name}: must be a table ([{name}])")
            return {}
        self.unknown_keys(f"{name}.", value, known)
        return value

    def _get(self, key: str, table: dict[str, Any]) -> Any:
        return table.get(key.rsplit(".", 1)[-1])

    def text(
        self, key: str, table: dict[str, Any], *, default: str = "", required: bool = False
    ) -> str:
        value = self._get(key, table)
        if value is None:
            if required:
                self.problems.append(f'{key}: missing; add {key} = "..." to the show file')
            return default
        if not isinstance(value, str):
            self.problems.append(f"{key}: must be text in quotes")
            return default
        if required and not value.strip():
            self.problems.append(f"{key}: is empty; give it a value")
        return value.strip()

    def boolean(self, key: str, table: dict[str, Any], *, default: bool) -> bool:
        value = self._get(key, table)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problems.append(f"{key}: must be true or false")
            return default
        return value

    def integer(self, key: str, table: dict[str, Any], default: int, *, low: int, high: int) -> int:
        value = self._get(key, table)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problems.append(f"{key}: must be a whole number from {low} to {high}")
            return default
        return value

    def number(
        self, key: str, table: dict[str, Any], default: float, *, low: float, high: float
    ) -> float:
        value = self._get(key, table)
        if value is None:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            self.problems.append(f"{key}: must be a number from {low} to {high}")
            return default
        return float(value)
