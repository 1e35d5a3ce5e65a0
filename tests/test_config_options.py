"""The option declarations (narrate/config/options.py): what a show loads is what they say."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from narrate.config import load_settings
from narrate.config.options import (
    AUDIO_OPTIONS,
    EPISODE_OPTIONS,
    SHOW_OPTIONS,
    TABLES,
    VOICE_OPTIONS,
    Option,
    Value,
)
from narrate.config.readme import option_tables
from narrate.errors import ConfigError

REQUIRED = {
    "title": "Test Show",
    "author": "Tester",
    "description": "A show for tests.",
    "base_url": "https://example.org/test/",
    "owner_email": "owner@example.org",
}
ALL_OPTIONS = (*SHOW_OPTIONS, *VOICE_OPTIONS, *AUDIO_OPTIONS, *EPISODE_OPTIONS)


def _toml(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _lines(options: tuple[Option, ...]) -> list[str]:
    """``key = default`` for every option with a default of its own (not one worked out from
    other values, not a required one)."""
    return [f"{o.key} = {_toml(o.default)}" for o in options if o.default is not None]


def _show(path: Path, *lines: str) -> Path:
    required = [f"{key} = {_toml(value)}" for key, value in REQUIRED.items()]
    path.write_text("\n".join([*required, *lines]) + "\n", encoding="utf-8")
    return path


def test_a_show_that_writes_every_default_out_loads_as_one_that_leaves_them_out(
    tmp_path: Path,
) -> None:
    bare = load_settings(_show(tmp_path / "bare.toml"), use_cache=False)
    written = _show(
        tmp_path / "written.toml",
        *_lines(SHOW_OPTIONS),
        "[voice]",
        *_lines(VOICE_OPTIONS),
        "[audio]",
        *_lines(AUDIO_OPTIONS),
    )

    assert dataclasses.replace(
        load_settings(written, use_cache=False), show_path=bare.show_path
    ) == (bare)


def test_the_defaults_loaded_are_the_declared_ones(tmp_path: Path) -> None:
    settings = load_settings(_show(tmp_path / "show.toml"), use_cache=False)

    audio = dataclasses.asdict(settings.audio)
    for option in AUDIO_OPTIONS:
        if option.default is not None:
            assert audio[option.key] == option.default, option.key
    show = dataclasses.asdict(settings.show)
    for option in SHOW_OPTIONS:
        if option.key in show and option.default not in (None, ""):
            assert show[option.key] == option.default, option.key


@pytest.mark.parametrize("option", ALL_OPTIONS, ids=lambda o: o.key)
def test_every_option_is_declared_whole(option: Option) -> None:
    assert option.doc and option.doc == option.doc.strip() and "\n" not in option.doc
    assert option.required or option.default is not None or option.default_doc, option.key
    if option.kind in ("integer", "number", "rate"):
        assert option.low < option.high
        if isinstance(option.default, int | float) and not isinstance(option.default, bool):
            assert option.low <= option.default <= option.high


def test_each_table_declares_each_key_once() -> None:
    for options in (SHOW_OPTIONS, *TABLES.values()):
        names = [o.key for o in options]
        assert len(names) == len(set(names))
    assert not {o.key for o in SHOW_OPTIONS} & set(TABLES)


@pytest.mark.parametrize(
    ("table", "options"),
    [("", SHOW_OPTIONS), ("[voice]", VOICE_OPTIONS), ("[audio]", AUDIO_OPTIONS)],
)
def test_a_key_declared_in_another_table_is_unknown_here(
    tmp_path: Path, table: str, options: tuple[Option, ...]
) -> None:
    """The known keys of each table are its declarations, not a list kept beside them."""
    others = {o.key for o in (*SHOW_OPTIONS, *VOICE_OPTIONS, *AUDIO_OPTIONS)} - {
        o.key for o in options
    }
    stranger = sorted(others - {"voice", "cover", "title"})[0]
    with pytest.raises(ConfigError) as caught:
        load_settings(_show(tmp_path / "show.toml", table, f"{stranger} = 1"))

    prefix = table.strip("[]") + "." if table else ""
    assert [p.split(": ", 1) for p in caught.value.problems] == [
        [f"{prefix}{stranger}", "unknown key (check the spelling; see README)"]
    ]


# The README's tables


def test_the_readme_lists_every_option_as_declared() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Your own show\n", 1)[1].split("\n## ", 1)[0]

    assert option_tables() in section, (
        "the README's option tables differ from the declarations: paste the output of "
        "`python -m narrate.config.readme` over them"
    )


def test_the_tables_give_every_declared_key_its_default_and_doc() -> None:
    rows = option_tables().splitlines()
    for option in ALL_OPTIONS:
        default = "required" if option.required else option.default_doc
        if not default and option.default is not None:
            default = _toml(option.default)
        assert any(
            row.startswith(f"| `{option.key}` |")
            and default in row
            and row.endswith(f" {option.doc} |")
            for row in rows
        ), option.key


def test_python_m_narrate_config_readme_prints_the_tables() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "narrate.config.readme"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert printed == option_tables()
