"""Every key of a show file, declared once: its kind, default, range and what it does.

Data, not code (in the spirit of mutagen's frame specs): ``narrate.config.load`` reads and
checks a show through these declarations, the unknown-key checks take their key lists from
them, and the README's tables of options are rendered from them
(``python -m narrate.config.readme`` prints them; a test keeps the README equal). What a
declaration cannot say, a default that depends on another value or a check of what a value
means (an e-mail address, an https URL), is a small named function in
``narrate.config.checks``; ``default_doc`` says it in words for the README. An engine's own
``[voice]`` keys are declared by the engine (``EngineOption``), not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "boolean", "integer", "number", "rate", "date"]
"""What a value is: text in quotes, true or false, a whole number, a number, a speaking rate
(a name or a number), a TOML date."""
Value = str | bool | int | float


@dataclass(frozen=True)
class Option:
    """One key of a show file's table."""

    key: str
    """The key, as written in the show file."""
    kind: Kind
    """What its value is."""
    doc: str
    """What it does, in one line (the README's table)."""
    default: Value | None = None
    """Its value when the show leaves it out (None: required, or see ``default_doc``)."""
    default_doc: str = ""
    """The default in words, when it depends on other values or means something left out."""
    required: bool = False
    """The show must give it."""
    low: int | float = 0
    """Smallest value allowed (numbers and rates)."""
    high: int | float = 0
    """Largest value allowed (numbers and rates)."""
    stretches: bool = False
    """A pause that a gentle rate makes longer when the show leaves it out."""


DEFAULT_DISCLAIMER = "AI-generated summary — for informational purposes only, not medical advice"
DEFAULT_INTRO = (
    "Welcome to {{ show }}. {{ title }}. Published {{ date }}. "
    "This episode takes about {{ minutes }} to listen to."
)
DEFAULT_OUTRO = (
    "That was {{ title }}, from {{ show }}. "
    "The written summary and its source are linked in the episode notes. Thank you for listening."
)
TEMPLATE_NAMES = {
    "show": "the show's title",
    "title": "the episode's title",
    "date": "its date in words, e.g. November 20, 2026",
    "minutes": "its listening time, e.g. 4 minutes",
}
"""The names an intro or outro may use (those ``narrate.text.script`` passes), each with what
it says: the show is loaded only if its intro and outro render with these."""
RATES = {"normal": (1.0, 1.0, 250), "gentle": (0.85, 1.5, 400)}
"""Named speaking rates: (speed factor, pause factor, breath ms). Gentle is for fatigue."""
MONO_LUFS = -19.0
"""Loudness target of a mono show."""
STEREO_LUFS = -16.0
"""Loudness target of a stereo show."""
_NAMES = ", ".join(TEMPLATE_NAMES)

SHOW_OPTIONS = (
    Option("title", "text", "podcast title", required=True),
    Option("author", "text", "publisher or author, shown in podcast apps", required=True),
    Option("description", "text", "one paragraph about the show", required=True),
    Option("language", "text", "language tag: sentence splitting, dates, numbers", "en-US"),
    Option("base_url", "text", "where the output folder will be hosted (https)", required=True),
    Option("owner_email", "text", "shown to podcast directories; owns podcast:locked",
           required=True),
    Option("owner_name", "text", "owner shown to podcast directories",
           default_doc="same as author"),
    Option("category", "text", "one of Apple Podcasts' categories", "Health & Fitness"),
    Option("subcategory", "text", "one of the category's subcategories",
           default_doc='"Medicine" under "Health & Fitness", else none'),
    Option("explicit", "boolean", "episodes carry explicit content", False),
    Option("copyright", "text", "copyright line of the feed", default_doc="same as author"),
    Option("cover", "text", "square RGB JPEG or PNG, 1400–3000 px, relative to the show file",
           "", default_doc="a drawn title cover"),
    Option("podcast_guid", "text", "pins the Podcasting 2.0 guid (a UUID)", "",
           default_doc="derived from the feed URL"),
    Option("locked", "boolean", "podcast:locked: other hosts may not import the feed", True),
    Option("feed_file", "text", "the feed's path in the output folder", "feeds/feed.xml"),
    Option("drop_removed", "boolean", "episodes whose summaries you remove (or the site's feed "
           "no longer lists) leave the feed",
           False),
    Option("disclaimer", "text", "spoken after a summary that has no disclaimer of its own",
           DEFAULT_DISCLAIMER),
    Option("intro", "text", f"what the intro says (Jinja; names: {_NAMES})", DEFAULT_INTRO),
    Option("outro", "text", f"what the outro says (Jinja; names: {_NAMES}; empty: none)",
           DEFAULT_OUTRO),
    Option("lexicon", "text", "your own pronunciation lexicon, relative to the show file", "",
           default_doc="the shipped one only"),
)  # fmt: skip
"""The show file's top-level keys (its tables are in ``TABLES``)."""

VOICE_OPTIONS = (
    Option("engine", "text", "the speech engine, by its registered name",
           default_doc="the default engine"),
    Option("voice", "text", "a voice file (relative to the show file) or name, as the engine "
           "takes it", "", default_doc="the engine's own"),
    Option("rate", "rate", '"gentle" is slower, with longer pauses; 0.9 is 10% slower',
           "normal", low=0.5, high=2),
    Option("words_per_minute", "integer", "speaking speed the intro's listening time assumes",
           160, low=60, high=400),
    Option("fallback_engine", "text", "speaks an episode when the engine fails (e.g. offline)",
           default_doc="Piper's bundled voice for the default engine (Kokoro), else none"),
    Option("fallback_voice", "text", "the fallback engine's voice, as voice", "",
           default_doc="the engine's own"),
)  # fmt: skip
"""The ``[voice]`` keys narrate reads itself; every other key there is an engine's own."""

AUDIO_OPTIONS = (
    Option("sentence_pause_ms", "integer", "silence between sentences", 400,
           low=0, high=5000, stretches=True),
    Option("paragraph_pause_ms", "integer", "silence between paragraphs", 800,
           low=0, high=5000, stretches=True),
    Option("chapter_pause_ms", "integer", "silence between chapters", 1200,
           low=0, high=10000, stretches=True),
    Option("breath_ms", "integer", "breath between the phrases of a long sentence",
           RATES["normal"][2], low=0, high=2000, stretches=True),
    Option("lead_in_ms", "integer", "silence before the first word", 300, low=0, high=5000),
    Option("tail_ms", "integer", "silence after the last word", 800, low=0, high=10000),
    Option("channels", "integer", "1 (mono) or 2 (stereo)", 1, low=1, high=2),
    Option("loudness_lufs", "number", "integrated loudness target", low=-30, high=-10,
           default_doc=f"{MONO_LUFS} mono, {STEREO_LUFS} stereo"),
    Option("true_peak_dbtp", "number", "true-peak ceiling of the encoded file", -1.0,
           low=-9, high=0),
    Option("sample_rate", "integer", "sample rate of the MP3", 44100, low=16000, high=48000),
    Option("bitrate_kbps", "integer", "constant MP3 bit rate", 64, low=32, high=320),
    Option("verify", "boolean", "self-check every episode before publishing", True),
    Option("listen", "text", 'what the self-check hears: "disclaimer", or "full" (the whole '
           "episode: one under word_accuracy is not published)", "disclaimer"),
    Option("word_accuracy", "number", "share of the script's words the recognizer must hear, "
           "in percent (narrate verify, listen = \"full\")", 95.0, low=50, high=100),
    Option("recognizer", "text", "a faster-whisper model folder to listen with, relative to "
           "the show file", "", default_doc="Whisper tiny.en for the disclaimer, base for "
           "whole episodes"),
)  # fmt: skip
"""The ``[audio]`` keys: how the spoken clips become an episode's MP3."""

BUILD_OPTIONS = (
    Option("executor", "text", 'where episodes are produced: "local" (this machine\'s '
           'processes), "dask" (a Dask cluster started here) or a scheduler\'s "tcp://HOST:PORT"',
           "local"),
    Option("publish", "text", "publish to object storage instead of the output folder: "
           "s3://BUCKET/PREFIX or any fsspec URL", "", default_doc="the output folder"),
    Option("keep_old_days", "number", "days an old revision stays in the output folder or at "
           "the publish URL after it leaves the feed (a podcast app that read the feed before "
           "still downloads it)", 7.0, low=0, high=3650),
    Option("fetch_timeout", "number", "seconds to wait for a web server (summary pages, site "
           "feeds) to connect, and then to answer", 20.0, low=1, high=300),
)  # fmt: skip
"""The ``[build]`` keys: where the show is built and published. ``--executor`` and
``--publish``, else ``$NARRATE_EXECUTOR`` and ``$NARRATE_PUBLISH``, win over them."""

EPISODE_OPTIONS = (
    Option("file", "text", "the summary, relative to the show file; or a summary page's "
           "http(s) address", required=True),
    Option("date", "date", "publication date",
           default_doc="the summary's; else its file's time when first built"),
    Option("title", "text", "episode title",
           default_doc="the summary's title line, or its lead sentence"),
    Option("source_url", "text", "the research it summarizes (a whole http(s) link)",
           default_doc="the summary's, if any"),
    Option("cover", "text", "the episode's own artwork (same rules as the show's cover)",
           default_doc="the show's cover"),
)  # fmt: skip
"""The keys of each ``[[episodes]]`` table; they win over the summary's own front matter."""

SOURCE_OPTIONS = (
    Option("feed", "text", "a site's feed (RSS, Atom or JSON Feed) whose items link to "
           "summary pages: each item becomes an episode", required=True),
    Option("limit", "integer", "take only this many of its newest items (0: all)", 0,
           low=0, high=100000),
    Option("since", "date", "take only items published on or after this date",
           default_doc="all"),
)  # fmt: skip
"""The keys of each ``[[sources]]`` table: a site's feed, read on every build. Its items come
after the show's ``[[episodes]]``, oldest first; one removed from the site's feed stays
published unless ``drop_removed``."""

TABLES = {
    "voice": VOICE_OPTIONS,
    "audio": AUDIO_OPTIONS,
    "build": BUILD_OPTIONS,
    "episodes": EPISODE_OPTIONS,
    "sources": SOURCE_OPTIONS,
}
"""The show file's tables (``[[episodes]]`` and ``[[sources]]`` are lists of tables), by key."""


def keys(options: tuple[Option, ...]) -> set[str]:
    """The keys ``options`` declare: what a table may hold (anything else is unknown)."""
    return {option.key for option in options}


def option(options: tuple[Option, ...], key: str) -> Option:
    """The declaration of ``key`` among ``options``."""
    return next(o for o in options if o.key == key)
