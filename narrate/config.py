"""Load a show file once, check all of it, and report every problem at once.

A show is one TOML file. Every problem is reported with its key, e.g.
``voice.voice: no Piper voice at "voices/amy.onnx" (looked relative to shows/ms.toml)``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from narrate.errors import ConfigError

EXAMPLE_SHOW = Path(__file__).parent / "example" / "show.toml"
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


@dataclass(frozen=True)
class ShowSettings:
    """Who publishes the podcast and where it lives."""

    title: str
    """Podcast title."""
    author: str
    """Publisher or author, as shown in podcast apps."""
    description: str
    """One-paragraph description of the show."""
    language: str
    """BCP 47 language tag, e.g. ``en-US``."""
    base_url: str
    """Absolute URL where the output folder is hosted; always ends with ``/``."""
    owner_name: str
    """Owner shown to podcast directories."""
    owner_email: str
    """Owner e-mail for podcast directories; also the owner of ``podcast:locked``."""
    category: str
    """Apple Podcasts category."""
    subcategory: str
    """Apple Podcasts subcategory, or empty."""
    explicit: bool
    """Whether episodes carry explicit content."""
    copyright: str
    """Copyright line for the feed."""
    feed_file: str
    """Feed path relative to the output root."""
    cover: Path | None
    """The show's cover image, or None to draw the default cover."""
    podcast_guid: str
    """Podcasting 2.0 ``podcast:guid``: pinned in the show, else derived from the feed URL."""
    locked: bool
    """``podcast:locked``: other platforms may not import the feed without the owner."""

    @property
    def feed_url(self) -> str:
        """Absolute URL of the published feed."""
        return self.base_url + self.feed_file


@dataclass(frozen=True)
class ScriptSettings:
    """How a summary becomes a spoken script."""

    show_title: str
    """Show title, spoken in the intro."""
    disclaimer: str
    """Default disclaimer, used when a summary has none."""
    intro: str
    """Jinja template of the spoken intro."""
    outro: str
    """Jinja template of the spoken outro."""
    words_per_minute: int
    """Speaking speed assumed for the intro's listening-time estimate (rate included)."""
    language: str
    """Show language: sentence splitting, date order, numbers."""
    lexicon: Path | None
    """The show's own pronunciation lexicon (wins over the shipped one), if any."""


@dataclass(frozen=True)
class EngineSettings:
    """Which voice speaks."""

    name: str
    """Registered engine name: ``piper`` (default), ``gtts`` or ``tone``."""
    voice: str
    """Engine-specific voice: a Piper ``.onnx`` path (resolved), or a gTTS ``tld``; may be empty."""
    language: str
    """Show language, for engines that need one."""
    length_scale: float
    """Speech duration factor (1 / rate): above 1 is slower."""
    timeout_s: float
    """Network timeout for online engines, in seconds."""
    noise_scale: float | None = None
    """Piper's generator noise; pin it (e.g. 0) for byte-identical clean builds. None: voice's."""
    noise_w_scale: float | None = None
    """Piper's phoneme-width noise; pin it with noise_scale. None: the voice's own."""
    threads: int = 0
    """Threads one engine may use (0: the library's default); worker processes use 1."""


@dataclass(frozen=True)
class AudioSettings:
    """How segments become an episode MP3."""

    sentence_pause_ms: int
    """Silence between sentences of a paragraph."""
    paragraph_pause_ms: int
    """Silence between paragraphs of a chapter."""
    chapter_pause_ms: int
    """Silence between chapters."""
    lead_in_ms: int
    """Silence before the first word."""
    tail_ms: int
    """Silence after the last word."""
    breath_ms: int
    """Short breath between the phrases of a long sentence."""
    loudness_lufs: float
    """Integrated loudness target (−19 mono, −16 stereo)."""
    true_peak_dbtp: float
    """True-peak ceiling of the encoded file."""
    channels: int
    """1 (mono, default) or 2."""
    sample_rate: int
    """Sample rate of the MP3."""
    bitrate_kbps: int
    """Constant MP3 bit rate."""
    verify: bool
    """Self-check every episode after mixdown (silent or truncated speech, unheard disclaimer)."""


@dataclass(frozen=True)
class EpisodeSource:
    """A summary file and what the show says about it."""

    path: Path
    """Absolute path of the summary."""
    date: dt.date | None
    """Publication date from the show file, if given."""
    title: str | None
    """Title from the show file, if given."""
    source_url: str | None
    """Source URL from the show file, if given."""


@dataclass(frozen=True)
class Settings:
    """Everything a build needs, loaded and checked once."""

    show_path: Path
    """The show file."""
    show: ShowSettings
    """Podcast identity."""
    script: ScriptSettings
    """Script wording."""
    engine: EngineSettings
    """Voice."""
    fallback: EngineSettings | None
    """Voice used for an episode when ``engine`` fails (e.g. gTTS offline), if any."""
    audio: AudioSettings
    """Mixdown."""
    episodes: tuple[EpisodeSource, ...]
    """Summaries to build, in show order."""
    out_dir: Path
    """Output root: ``audio/`` and ``feeds/`` go under it."""
    cache_dir: Path | None
    """Clip cache folder, or None for no cache."""
    drop_removed: bool = False
    """Drop from the feed published episodes whose summaries the show no longer lists."""
    own_list: bool = True
    """The summaries are the show's own list (not files named on the command line)."""


APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing",
                 "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health",
                         "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
                "Home & Garden", "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
             "Sports News", "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism",
                                "Religion", "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
                "Natural Sciences", "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel",
                          "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf",
               "Hockey", "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball",
               "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}  # fmt: skip
"""Apple Podcasts categories and their subcategories (Apple's list, support article 1691)."""

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
_VOICE_KEYS = {
    "engine", "voice", "rate", "fallback_engine", "fallback_voice", "timeout_s", "words_per_minute",
    "noise_scale", "noise_w",
}  # fmt: skip
_AUDIO_KEYS = {
    "breath_ms",
    "sentence_pause_ms", "paragraph_pause_ms", "chapter_pause_ms", "lead_in_ms", "tail_ms",
    "loudness_lufs", "true_peak_dbtp", "channels", "sample_rate", "bitrate_kbps", "verify",
}  # fmt: skip
_EPISODE_KEYS = {"file", "date", "title", "source_url"}


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

    ``summaries`` given on the command line replace the show's own list; ``engine``, ``voice``
    and ``rate`` override the show's [voice] table for one build.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError([f"no show file at {path} (give an existing file with --show)"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError([f"not valid TOML ({error}); fix the syntax"], str(path)) from None

    problems: list[str] = []
    reader = _Reader(raw, problems)
    reader.unknown_keys("", raw, _TOP_KEYS)
    voice = dict(reader.table("voice", _VOICE_KEYS))
    for key, value in (("engine", engine), ("voice", voice_arg), ("rate", rate)):
        if value is not None:
            voice[key] = _number_or_text(value) if key == "rate" else value
    audio = reader.table("audio", _AUDIO_KEYS)
    base = path.parent

    title = reader.text("title", raw, required=True)
    language = reader.text("language", raw, default="en-US")
    if language and not _LANG_RE.match(language):
        problems.append(f'language: "{language}" is not a language tag (use e.g. "en-US")')
    base_url = reader.text("base_url", raw, required=True)
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(
                f'base_url: "{base_url}" is not an absolute URL '
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
    speed, pause_factor, breath_ms = _rate(voice.get("rate", "normal"), problems)
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
    timeout_s = reader.number("voice.timeout_s", voice, 10.0, low=0.5, high=120.0)
    primary = _engine(reader, voice, "", language, 1 / speed, timeout_s, path)
    fallback = None
    if voice.get("fallback_engine") is not None:
        fallback = _engine(reader, voice, "fallback_", language, 1 / speed, timeout_s, path)
        if fallback.name == primary.name and fallback.voice == primary.voice:
            problems.append(
                "voice.fallback_engine: is the same voice as voice.engine; pick another"
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
        verify=reader.boolean("verify", audio, default=True),
    )
    if summaries is not None:
        episodes = tuple(_expand_summaries(summaries, problems))
    else:
        episodes = tuple(_show_episodes(raw.get("episodes", []), base, problems))
    drop_removed = reader.boolean("drop_removed", raw, default=False)
    if problems:
        raise ConfigError(problems, str(path))
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


def _rate(value: object, problems: list[str]) -> tuple[float, float, int]:
    """ "normal", "gentle", or a speed factor such as 0.9 (slower) or 1.1 (faster)."""
    if isinstance(value, str) and value in RATES:
        return RATES[value]
    if isinstance(value, int | float) and not isinstance(value, bool) and 0.5 <= value <= 2.0:
        return float(value), 1.0, RATES["normal"][2]
    problems.append(
        f'voice.rate: "{value}" is not a rate; use "normal", "gentle" or a number from 0.5 to 2'
    )
    return RATES["normal"]


def _engine(
    reader: _Reader,
    voice: dict[str, Any],
    prefix: str,
    language: str,
    length_scale: float,
    timeout_s: float,
    path: Path,
) -> EngineSettings:
    """Engine settings from [voice] (``prefix`` "fallback_" reads the fallback's keys)."""
    name = reader.text(f"voice.{prefix}engine", voice, default="piper")
    given = reader.text(f"voice.{prefix}voice", voice, default="")
    noise = {
        key: reader.number(f"voice.{key}", voice, -1.0, low=0.0, high=2.0) if key in voice else None
        for key in ("noise_scale", "noise_w")
    }
    settings = EngineSettings(
        name=name,
        voice=_resolve_voice(given, name, path),
        language=language,
        length_scale=length_scale,
        timeout_s=timeout_s,
        noise_scale=noise["noise_scale"],
        noise_w_scale=noise["noise_w"],
    )
    if name == "piper" and settings.voice and not Path(settings.voice).is_file():
        reader.problems.append(
            f'voice.{prefix}voice: no Piper voice at "{given}" '
            f"(looked relative to {path}); give a path to a Piper .onnx voice or leave it out"
        )
    return settings


def _resolve_voice(voice: str, engine: str, show_path: Path) -> str:
    """Piper voices given as paths are resolved relative to the show file."""
    if engine != "piper" or not voice:
        return voice
    return str((show_path.parent / voice).resolve())


def _expand_summaries(paths: list[Path], problems: list[str]) -> list[EpisodeSource]:
    """Files as given; folders expand to the summaries they hold, sorted by name."""
    found: list[EpisodeSource] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUMMARY_SUFFIXES)
            if not files:
                problems.append(f"summaries: no .txt or .md files in folder {path}")
            found.extend(EpisodeSource(f.resolve(), None, None, None) for f in files)
        elif path.is_file():
            found.append(EpisodeSource(path.resolve(), None, None, None))
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
        # A missing file is not a configuration error: that one episode fails, the rest build.
        found.append(EpisodeSource(path, date, title, url))
    return found


class _Reader:
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
