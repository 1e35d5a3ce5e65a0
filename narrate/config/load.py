"""Load a show file once, check all of it, and report every problem at once.

A show is one TOML file. Every problem is reported with its key, e.g.
``voice.voice: no Piper voice at "voices/amy.onnx" (looked relative to shows/ms.toml)``.
The settings' dataclasses live in ``narrate.config.settings``, the typed table access in
``narrate.config.toml_reader`` and the voices (engine names, voice paths) in
``narrate.config.registry``; the package re-exports this module's names and the
dataclasses, so callers import every setting from ``narrate.config``. Problems are grouped
by where their values came from: the show file, or the command line (``--rate``, ``--out``,
summaries named to ``narrate build``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from narrate.config.registry import read_voices, voice_keys
from narrate.config.settings import (
    APPLE_CATEGORIES,
    AudioSettings,
    EngineOption,
    EngineSettings,
    EpisodeSource,
    ScriptSettings,
    Settings,
    ShowSettings,
)
from narrate.config.toml_reader import TomlReader
from narrate.errors import COMMAND_LINE, ConfigError
from narrate.links import link_problem, shown

__all__ = [
    "APPLE_CATEGORIES",
    "DEFAULT_DISCLAIMER",
    "DEFAULT_INTRO",
    "DEFAULT_OUTRO",
    "EXAMPLE_SHOW",
    "PODCAST_NAMESPACE_GUID",
    "RATES",
    "SUMMARY_SUFFIXES",
    "AudioSettings",
    "EngineOption",
    "EngineSettings",
    "EpisodeSource",
    "ScriptSettings",
    "Settings",
    "ShowSettings",
    "default_cache_dir",
    "feed_guid",
    "find_show",
    "load_settings",
]

EXAMPLE_SHOW = Path(__file__).parent.parent / "example" / "show.toml"
"""The example show that ships with narrate; built by a bare ``narrate build``."""

DEFAULT_DISCLAIMER = "AI-generated summary — for informational purposes only, not medical advice"
DEFAULT_INTRO = (
    "Welcome to {{ show }}. {{ title }}. Published {{ date }}. "
    "This episode takes about {{ minutes }} to listen to."
)
DEFAULT_OUTRO = (
    "That was {{ title }}, from {{ show }}. "
    "The written summary and its source are linked in the episode notes. Thank you for listening."
)
SUMMARY_SUFFIXES = (".txt", ".md", ".markdown")
"""File endings read as summaries when a folder is given."""

PODCAST_NAMESPACE_GUID = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
"""The namespace of ``podcast:guid`` UUIDv5s (Podcasting 2.0, tags/guid.md)."""

_EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
RATES = {"normal": (1.0, 1.0, 250), "gentle": (0.85, 1.5, 400)}
"""Named speaking rates: (speed factor, pause factor, breath ms). Gentle is for fatigue."""

_TOP_KEYS = {
    "drop_removed", "lexicon", "cover", "podcast_guid", "locked",
    "title", "author", "description", "language", "base_url", "owner_name", "owner_email",
    "category", "subcategory", "explicit", "copyright", "disclaimer", "intro", "outro",
    "voice", "audio", "episodes", "feed_file",
}  # fmt: skip
_AUDIO_KEYS = {
    "breath_ms",
    "sentence_pause_ms", "paragraph_pause_ms", "chapter_pause_ms", "lead_in_ms", "tail_ms",
    "loudness_lufs", "true_peak_dbtp", "channels", "sample_rate", "bitrate_kbps", "verify",
}  # fmt: skip
_EPISODE_KEYS = {"file", "date", "title", "source_url", "cover"}


def feed_guid(feed_url: str) -> str:
    """The ``podcast:guid`` of a feed URL: UUIDv5 of the URL without scheme and trailing slashes.

    "https://podnews.net/rss" -> "9b024349-ccf0-5f69-a609-6b82873eab3c" (the spec's example).
    """
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url).rstrip("/")
    return str(uuid.uuid5(PODCAST_NAMESPACE_GUID, bare))


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
    summaries: list[Path] | None = None,
    out_dir: Path | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    engine: str | None = None,
    voice_arg: str | None = None,
    rate: str | None = None,
) -> Settings:
    """Read and check a show file; raise ``ConfigError`` listing every problem at once.

    ``summaries`` given on the command line replace the show's own list (those the show lists
    keep its date, title, source_url and cover); ``engine``, ``voice`` and ``rate`` override
    the show's [voice] table for one build. Each problem is reported under where its value
    came from: the show file, or the command line (``--rate``, ``--out``, ...).
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
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

    problems: list[str] = []
    """Problems with the show file's values."""
    given: list[str] = []
    """Problems with values given on the command line."""
    reader = TomlReader(raw, problems)
    reader.unknown_keys("", raw, _TOP_KEYS)
    given_voice = reader.raw.get("voice", {})
    voice = reader.table("voice", voice_keys(given_voice if isinstance(given_voice, dict) else {}))
    audio = reader.table("audio", _AUDIO_KEYS)
    base = path.parent

    title = reader.text("title", raw, required=True)
    language = reader.text("language", raw, default="en-US")
    if language and not _LANG_RE.match(language):
        problems.append(f'language: "{language}" is not a language tag (use e.g. "en-US")')
    base_url = reader.text("base_url", raw, required=True).strip()
    if base_url:
        if problem := link_problem(base_url):
            problems.append(
                f'base_url: "{shown(base_url)}" {problem} '
                '(use where the output will be hosted, e.g. "https://example.org/podcast/")'
            )
        base_url = base_url if base_url.endswith("/") else base_url + "/"
    author = reader.text("author", raw, required=True)
    if base_url and urlsplit(base_url).scheme == "http":
        problems.append(
            f'base_url: "{base_url}" must use https (podcast apps and directories require it)'
        )
    owner_email = reader.text("owner_email", raw, required=True)
    if owner_email and not _EMAIL_RE.match(owner_email):
        problems.append(f'owner_email: "{owner_email}" is not an e-mail address')
    category = reader.text("category", raw, default="Health & Fitness")
    subcategory = reader.text("subcategory", raw, default="Medicine" if category ==
                              "Health & Fitness" else "")  # fmt: skip
    if category not in APPLE_CATEGORIES:
        problems.append(
            f'category: "{category}" is not an Apple Podcasts category '
            f'(e.g. "Health & Fitness" or "Science"; see README)'
        )
    elif subcategory and subcategory not in APPLE_CATEGORIES[category]:
        known = ", ".join(APPLE_CATEGORIES[category]) or "none"
        problems.append(f'subcategory: "{subcategory}" is not under "{category}" (there: {known})')
    feed_file = reader.text("feed_file", raw, default="feeds/feed.xml")
    cover = reader.text("cover", raw, default="")
    cover_path = (base / cover).resolve() if cover else None
    podcast_guid = reader.text("podcast_guid", raw, default="")
    if podcast_guid:
        try:
            podcast_guid = str(uuid.UUID(podcast_guid))
        except ValueError:
            problems.append(
                f'podcast_guid: "{podcast_guid}" is not a UUID; remove it to derive one'
            )
    show = ShowSettings(
        title=title,
        author=author,
        description=reader.text("description", raw, required=True),
        language=language,
        base_url=base_url,
        owner_name=reader.text("owner_name", raw, default=author),
        owner_email=owner_email,
        category=category,
        subcategory=subcategory,
        explicit=reader.boolean("explicit", raw, default=False),
        copyright=reader.text("copyright", raw, default=author),
        feed_file=feed_file,
        cover=cover_path,
        podcast_guid=podcast_guid or feed_guid(base_url + feed_file),
        locked=reader.boolean("locked", raw, default=True),
    )
    if rate is None:
        speed, pause_factor, breath_ms = _rate(voice.get("rate", "normal"), "voice.rate", problems)
    else:
        speed, pause_factor, breath_ms = _rate(_number_or_text(rate), "--rate", given)
    lexicon = reader.text("lexicon", raw, default="")
    lexicon_path = (base / lexicon).resolve() if lexicon else None
    if lexicon_path and not lexicon_path.is_file():
        problems.append(f'lexicon: no file at "{lexicon}" (looked relative to {path})')
    script = ScriptSettings(
        show_title=title,
        disclaimer=reader.text("disclaimer", raw, default=DEFAULT_DISCLAIMER),
        intro=reader.text("intro", raw, default=DEFAULT_INTRO),
        outro=reader.text("outro", raw, default=DEFAULT_OUTRO),
        words_per_minute=round(
            speed * reader.integer("voice.words_per_minute", voice, 160, low=60, high=400)
        ),
        language=language,
        lexicon=lexicon_path,
    )
    primary, fallback = read_voices(
        reader, voice, path, language, 1 / speed, engine=engine, voice_arg=voice_arg, given=given
    )
    channels = reader.integer("audio.channels", audio, 1, low=1, high=2)

    def pause(key: str, default: int, high: int) -> int:
        """Explicit pauses are kept as given; defaults stretch with a gentle rate."""
        if key in audio:
            return reader.integer(f"audio.{key}", audio, default, low=0, high=high)
        return round(default * pause_factor)

    mix = AudioSettings(
        sentence_pause_ms=pause("sentence_pause_ms", 400, 5000),
        paragraph_pause_ms=pause("paragraph_pause_ms", 800, 5000),
        chapter_pause_ms=pause("chapter_pause_ms", 1200, 10000),
        breath_ms=pause("breath_ms", breath_ms, 2000),
        lead_in_ms=reader.integer("audio.lead_in_ms", audio, 300, low=0, high=5000),
        tail_ms=reader.integer("audio.tail_ms", audio, 800, low=0, high=10000),
        loudness_lufs=reader.number(
            "audio.loudness_lufs", audio, -19.0 if channels == 1 else -16.0, low=-30, high=-10
        ),
        true_peak_dbtp=reader.number("audio.true_peak_dbtp", audio, -1.0, low=-9, high=0),
        channels=channels,
        sample_rate=reader.integer("audio.sample_rate", audio, 44100, low=16000, high=48000),
        bitrate_kbps=reader.integer("audio.bitrate_kbps", audio, 64, low=32, high=320),
        verify=reader.boolean("audio.verify", audio, default=True),
    )
    episodes = tuple(_show_episodes(raw.get("episodes", []), base, problems))
    if summaries is not None:
        listed = {episode.path: episode for episode in episodes}
        episodes = tuple(
            listed.get(found, EpisodeSource(found, None, None, None))
            for found in _expand_summaries(summaries, given)
        )
    drop_removed = reader.boolean("drop_removed", raw, default=False)
    if out_dir is not None:
        given.extend(_out_dir_problems(out_dir))
    if problems or given:
        raise ConfigError.grouped({str(path): problems, COMMAND_LINE: given})
    return Settings(
        show_path=path,
        show=show,
        script=script,
        engine=primary,
        fallback=fallback,
        audio=mix,
        episodes=episodes,
        out_dir=(out_dir or Path.cwd()).resolve(),
        cache_dir=(cache_dir or default_cache_dir()) if use_cache else None,
        drop_removed=drop_removed,
        own_list=summaries is None,
    )


def _number_or_text(value: str) -> str | float:
    try:
        return float(value)
    except ValueError:
        return value


def _rate(value: object, key: str, problems: list[str]) -> tuple[float, float, int]:
    """ "normal", "gentle", or a speed factor such as 0.9 (slower) or 1.1 (faster)."""
    if isinstance(value, str) and value in RATES:
        return RATES[value]
    if isinstance(value, int | float) and not isinstance(value, bool) and 0.5 <= value <= 2.0:
        return float(value), 1.0, RATES["normal"][2]
    problems.append(
        f'{key}: "{value}" is not a rate; use "normal", "gentle" or a number from 0.5 to 2'
    )
    return RATES["normal"]


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


def _expand_summaries(paths: list[Path], problems: list[str]) -> list[Path]:
    """Files as given; folders expand to the summaries they hold, sorted by name."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUMMARY_SUFFIXES)
            if not files:
                problems.append(f"summaries: no .txt or .md files in folder {path}")
            found.extend(f.resolve() for f in files)
        elif path.is_file():
            found.append(path.resolve())
        else:
            problems.append(f"summaries: no file or folder at {path}")
    return found


def _show_episodes(entries: Any, base: Path, problems: list[str]) -> list[EpisodeSource]:
    if not isinstance(entries, list):
        problems.append("episodes: must be a list of [[episodes]] tables")
        return []
    found: list[EpisodeSource] = []
    for number, entry in enumerate(entries, start=1):
        key = f"episodes[{number}]"
        if not isinstance(entry, dict):
            problems.append(f"{key}: must be a table with at least file = ...")
            continue
        for unknown in sorted(set(entry) - _EPISODE_KEYS):
            problems.append(
                f"{key}.{unknown}: unknown key (known: {', '.join(sorted(_EPISODE_KEYS))})"
            )
        file = entry.get("file")
        if not isinstance(file, str) or not file:
            problems.append(f"{key}.file: missing; name the summary file, relative to the show")
            continue
        path = (base / file).resolve()
        date = entry.get("date")
        if date is not None and not isinstance(date, dt.date):
            problems.append(f"{key}.date: must be a TOML date like 2026-11-20")
            date = None
        if isinstance(date, dt.datetime):
            date = date.date()
        title, url = entry.get("title"), entry.get("source_url")
        if title is not None and not isinstance(title, str):
            problems.append(f"{key}.title: must be text")
            title = None
        if url is not None and not isinstance(url, str):
            problems.append(f"{key}.source_url: must be text")
            url = None
        url = url.strip() if url else None
        if url and (problem := link_problem(url)):
            problems.append(f'{key}.source_url: "{shown(url)}" {problem}')
        cover = entry.get("cover")
        if cover is not None and not (isinstance(cover, str) and cover):
            problems.append(f"{key}.cover: must be the path of a JPEG or PNG, relative to the show")
        art = (base / cover).resolve() if isinstance(cover, str) and cover else None
        # A missing file is not a configuration error: that one episode fails, the rest build.
        found.append(EpisodeSource(path, date, title, url, art))
    return found
