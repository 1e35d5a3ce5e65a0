"""Load a show file once, check all of it, and report every problem at once.

A show is one TOML file. Every problem is reported with its key, e.g.
``voice.voice: no Piper voice at "voices/amy.onnx" (looked relative to shows/ms.toml)``.
Each option is read as ``narrate.config.options`` declares it (kind, default, range), and
checked for what it means by ``narrate.config.checks``; this module puts the values
together. The settings' dataclasses live in ``narrate.config.settings``, the typed table
access in ``narrate.config.toml_reader`` and the voices (engine names, voice paths) in
``narrate.config.registry``; the package re-exports the names callers need, so they import
every setting from ``narrate.config``. Problems are grouped
by where their values came from: the show file, or the command line (``--rate``, ``--out``,
summaries named to ``narrate build``).
"""

from __future__ import annotations

import os
import re
import tomllib
import uuid
from pathlib import Path
from typing import Any

from narrate.cluster import executor_problem
from narrate.config import checks
from narrate.config.episodes import read_episodes, read_sites
from narrate.config.lexicon import read_lexicon
from narrate.config.options import (
    AUDIO_OPTIONS,
    BUILD_OPTIONS,
    SHOW_OPTIONS,
    TABLES,
    VOICE_OPTIONS,
    Option,
    keys,
)
from narrate.config.registry import default_engine, read_voices, voice_keys
from narrate.config.settings import (
    AudioSettings,
    ScriptSettings,
    Settings,
    ShowSettings,
)
from narrate.config.toml_reader import TomlReader
from narrate.errors import COMMAND_LINE, ConfigError

EXECUTOR_VARIABLE = "NARRATE_EXECUTOR"
"""Where episodes are produced, when --executor is not given (see ``narrate.cluster``)."""
PUBLISH_VARIABLE = "NARRATE_PUBLISH"
"""The URL to publish to, when --publish is not given."""

__all__ = [
    "EXAMPLE_SHOW",
    "PODCAST_NAMESPACE_GUID",
    "default_cache_dir",
    "feed_guid",
    "find_show",
    "load_settings",
    "models_dir",
]

EXAMPLE_SHOW = Path(__file__).parent.parent / "example" / "show.toml"
"""The example show that ships with narrate; built by a bare ``narrate build``."""

PODCAST_NAMESPACE_GUID = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
"""The namespace of ``podcast:guid`` UUIDv5s (Podcasting 2.0, tags/guid.md)."""


def feed_guid(feed_url: str) -> str:
    """The ``podcast:guid`` of a feed URL: UUIDv5 of the URL without scheme and trailing slashes.

    "https://podnews.net/rss" -> "9b024349-ccf0-5f69-a609-6b82873eab3c" (the spec's example).
    """
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url).rstrip("/")
    return str(uuid.uuid5(PODCAST_NAMESPACE_GUID, bare))


def models_dir() -> Path:
    """Where model files made or fetched once for this machine are kept (the Kokoro model and
    voices, what an engine prepares from them): ``models`` beside the default cache, never
    pruned with the clips, whatever ``--cache-dir`` a build uses."""
    return default_cache_dir() / "models"


def default_cache_dir() -> Path:
    """``$NARRATE_CACHE_DIR``, else the user's cache folder: outside the published output."""
    if env := os.environ.get("NARRATE_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "narrate"


def find_show(cwd: Path) -> Path:
    """The show a bare ``narrate build`` means: ``./show.toml`` if present, else the example."""
    local = cwd / "show.toml"
    return local if local.is_file() else EXAMPLE_SHOW


def load_settings(
    path: Path,
    *,
    summaries: list[str | Path] | None = None,
    out_dir: Path | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    engine: str | None = None,
    voice_arg: str | None = None,
    rate: str | None = None,
    executor: str | None = None,
    publish: str | None = None,
) -> Settings:
    """Read and check a show file; raise ``ConfigError`` listing every problem at once.

    ``summaries`` on the command line (files, folders, page addresses) replace the show's
    list and site feeds (those it lists keep its date, title, source_url and cover); ``engine``,
    ``voice`` and ``rate`` override its [voice] for one build, ``executor`` and ``publish`` its
    [build] (see ``_where``). Each problem is reported under where its value came from.
    """
    raw = _read_show(path)
    problems: list[str] = []  # with the show file's values
    given: list[str] = []  # with values given on the command line
    reader = TomlReader(raw, problems)
    reader.unknown_keys("", raw, keys(SHOW_OPTIONS) | set(TABLES))
    voice_table = reader.table("voice", voice_keys(_table(raw, "voice")))
    audio_table = reader.table("audio", keys(AUDIO_OPTIONS))
    top = _read_options(reader, SHOW_OPTIONS, raw)
    voice = _read_options(
        reader, VOICE_OPTIONS, voice_table, "voice.", _unread(voice_table, engine, voice_arg)
    )
    show = _show_settings(top, path, problems)
    pace = _pace(voice["rate"], rate, problems, given)
    script = _script_settings(top, voice["words_per_minute"], pace, path, problems)
    primary, fallback = read_voices(
        reader, voice, voice_table, path, show.language, 1 / pace[0],
        engine=engine, voice_arg=voice_arg, given=given,
    )  # fmt: skip
    audio = _audio_settings(reader, audio_table, pace, path.parent)
    episodes = read_episodes(raw.get("episodes", []), path.parent, summaries, problems, given)
    sites = read_sites(raw.get("sources"), problems) if summaries is None else ()
    given += _out_dir_problems(out_dir) if out_dir is not None else []
    where = _where(reader, executor, publish, problems, given)
    if problems or given:
        raise ConfigError.grouped({str(path): problems, COMMAND_LINE: given})
    return Settings(
        show_path=path,
        show=show,
        script=script,
        engine=primary,
        fallback=fallback,
        audio=audio,
        episodes=episodes,
        out_dir=(out_dir or Path.cwd()).resolve(),
        cache_dir=(cache_dir or default_cache_dir()) if use_cache else None,
        drop_removed=top["drop_removed"],
        own_list=summaries is None,
        sites=sites,
        **where,
    )


def _read_options(
    reader: TomlReader,
    options: tuple[Option, ...],
    table: dict[str, Any],
    prefix: str = "",
    unread: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The value of each of ``options`` but the ``unread``: as ``table`` gives it, checked
    against its declaration (problems go to the reader, under ``prefix`` + key), else its
    declared default (None when it depends on other values: the caller fills it in)."""
    return {
        option.key: _read_option(reader, option, table, prefix + option.key)
        for option in options
        if option.key not in unread
    }


def _read_option(reader: TomlReader, option: Option, table: dict[str, Any], key: str) -> Any:
    """One value as ``table`` gives it; an unusable one is reported and read as the default
    (or the kind's empty value), so that the checks after it report only their own."""
    if option.key not in table and not option.required:
        return option.default
    default = option.default
    if option.kind == "text":
        return reader.text(key, table, default=str(default or ""), required=option.required)
    if option.kind == "boolean":
        return reader.boolean(key, table, default=bool(default))
    if option.kind == "integer":
        low, high = int(option.low), int(option.high)
        return reader.integer(key, table, int(default or 0), low=low, high=high)
    if option.kind == "number":
        return reader.number(key, table, float(default or 0), low=option.low, high=option.high)
    return table[option.key]  # a rate or a date: its own function reads it


def _read_show(path: Path) -> dict[str, Any]:
    """The show file's tables, or ``ConfigError`` saying why it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(
            [f"no show file at {path} (give an existing file with --show)"], COMMAND_LINE
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            [f"{path} is a folder, not a show file (give its .toml file with --show)"],
            COMMAND_LINE,
        ) from None
    except OSError as error:
        raise ConfigError(
            [f"cannot read the show file ({error.strerror}); check its permissions"], str(path)
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError([f"not valid TOML ({error}); fix the syntax"], str(path)) from None


def _table(raw: dict[str, Any], name: str) -> dict[str, Any]:
    """The show's table ``name`` as given, or empty when it is not a table."""
    value = raw.get(name, {})
    return value if isinstance(value, dict) else {}


def _unread(voice: dict[str, Any], engine: str | None, voice_arg: str | None) -> set[str]:
    """The [voice] keys left unread: those the command line overrides (the show may name an
    engine this machine lacks: --engine is how to build it anyway; the show's voice is its
    engine's, so another engine speaks with its own default voice), and the fallback's voice
    when there is no fallback engine."""
    unread = {"engine"} if engine is not None else set()
    if voice_arg is not None or (engine is not None and engine != _show_engine(voice)):
        unread.add("voice")
    if voice.get("fallback_engine") is None:
        unread.add("fallback_voice")
    return unread


def _show_engine(voice: dict[str, Any]) -> str:
    """The engine the show's [voice] table names, else the default (looked up only then)."""
    named = voice.get("engine")
    return named if isinstance(named, str) else default_engine()


def _show_settings(values: dict[str, Any], path: Path, problems: list[str]) -> ShowSettings:
    """Who publishes the show and where, each value checked for what it means."""
    problems.extend(checks.language_problems(values["language"]))
    base_url = checks.base_url(values["base_url"], problems)
    problems.extend(checks.email_problems(values["owner_email"]))
    category, subcategory = values["category"], values["subcategory"]
    if subcategory is None:
        subcategory = checks.default_subcategory(category)
    problems.extend(checks.category_problems(category, subcategory))
    cover = checks.cover(values["cover"], path, problems)
    podcast_guid = checks.podcast_guid(values["podcast_guid"], problems)
    author = values["author"]
    return ShowSettings(
        title=values["title"],
        author=author,
        description=values["description"],
        language=values["language"],
        base_url=base_url,
        owner_name=author if values["owner_name"] is None else values["owner_name"],
        owner_email=values["owner_email"],
        category=category,
        subcategory=subcategory,
        explicit=values["explicit"],
        copyright=author if values["copyright"] is None else values["copyright"],
        feed_file=values["feed_file"],
        cover=cover,
        podcast_guid=podcast_guid or feed_guid(base_url + values["feed_file"]),
        locked=values["locked"],
    )


def _script_settings(
    values: dict[str, Any], words_per_minute: int, pace: checks.Rate, path: Path,
    problems: list[str],
) -> ScriptSettings:  # fmt: skip
    """How the summaries are said: the wording around them, the lexicon, the listening time
    (at the show's rate)."""
    lexicon = checks.lexicon(values["lexicon"], path, problems)
    problems.extend(checks.template_problems("intro", values["intro"]))
    problems.extend(checks.template_problems("outro", values["outro"]))
    return ScriptSettings(
        show_title=values["title"],
        disclaimer=values["disclaimer"],
        intro=values["intro"],
        outro=values["outro"],
        words_per_minute=round(pace[0] * words_per_minute),
        language=values["language"],
        lexicon=lexicon,
        lexicon_text=_text_of(lexicon) if lexicon else None,
    )


def _text_of(lexicon: Path) -> str | None:
    """A checked lexicon file's text (a file that cannot be read was reported already)."""
    try:
        return read_lexicon(lexicon)
    except ConfigError:
        return None


def _audio_settings(
    reader: TomlReader, table: dict[str, Any], pace: checks.Rate, folder: Path
) -> AudioSettings:
    """How the clips become an MP3. Pauses the show leaves out follow the rate (a gentle one
    stretches them, and breathes longer); the loudness it leaves out follows the channels.
    The recognizer's folder is relative to the show file's ``folder``."""
    values = _read_options(reader, AUDIO_OPTIONS, table, "audio.")
    values["listen"] = checks.listen(values["listen"], reader.problems)
    if values["recognizer"]:
        values["recognizer"] = str(folder / Path(values["recognizer"]).expanduser())
    _, pause_factor, breath_ms = pace
    for option in AUDIO_OPTIONS:
        if option.stretches and option.key not in table:
            default = breath_ms if option.key == "breath_ms" else int(option.default or 0)
            values[option.key] = checks.stretched(default, pause_factor)
    if values["loudness_lufs"] is None:
        values["loudness_lufs"] = checks.default_loudness(values["channels"])
    return AudioSettings(**values)


def _pace(show: object, given: str | None, problems: list[str], line: list[str]) -> checks.Rate:
    """The speaking rate: ``--rate`` when given (its problems are the command line's), else
    the show's."""
    if given is None:
        return checks.rate(show, "voice.rate", problems)
    try:
        value: str | float = float(given)
    except ValueError:
        value = given
    return checks.rate(value, "--rate", line)


def _where(
    reader: TomlReader,
    executor: str | None,
    publish: str | None,
    problems: list[str],
    given: list[str],
) -> dict[str, Any]:
    """Where episodes are produced and where the show is published (the settings' fields):
    the command line, else the environment, else the show file's ``[build]``; each problem
    under where it came from."""
    table = _read_options(reader, BUILD_OPTIONS, reader.table("build", keys(BUILD_OPTIONS)),
                          "build.")  # fmt: skip
    executor, executor_key = _first(("--executor", executor),
                                    (EXECUTOR_VARIABLE, os.environ.get(EXECUTOR_VARIABLE)),
                                    ("build.executor", table["executor"]))  # fmt: skip
    publish, publish_key = _first(("--publish", publish),
                                  (PUBLISH_VARIABLE, os.environ.get(PUBLISH_VARIABLE)),
                                  ("build.publish", table["publish"]))  # fmt: skip
    for key, problem in _where_problems(executor, publish, executor_key, publish_key):
        (problems if key.startswith("build.") else given).append(f"{key}: {problem}")
    return {"executor": executor, "publish": publish, "keep_old_days": table["keep_old_days"],
            "fetch_timeout": table["fetch_timeout"]}  # fmt: skip


def _first(*given: tuple[str, str | None]) -> tuple[str, str]:
    """The first value given (and where it was given), else the last's."""
    return next(((value, key) for key, value in given if value), (given[-1][1] or "", given[-1][0]))


def _where_problems(
    executor: str, publish: str, executor_key: str, publish_key: str
) -> list[tuple[str, str]]:
    """Problems with where episodes are produced and where the show is published, each with
    where the value came from."""
    problems = []
    if problem := executor_problem(executor):
        problems.append((executor_key, problem))
    if publish and not re.fullmatch(r"[a-z][a-z0-9+.-]+://\S+", publish):
        problems.append((publish_key,
            f"{publish!r} is not a URL (such as s3://bucket/podcast); to write to a folder, use "
            "--out FOLDER"))  # fmt: skip
    return problems


def _out_dir_problems(out_dir: Path) -> list[str]:
    """Why ``--out`` cannot hold a build: a file in the way of it or of a folder above it."""
    for folder in (out_dir, *out_dir.absolute().parents):
        if folder.is_dir():
            return []
        if folder.exists():
            what = "it is a file" if folder == out_dir else f"{folder} is a file"
            return [
                f"--out: {out_dir} cannot be the output folder ({what}); "
                "name a folder (it is made if missing)"
            ]
    return []
