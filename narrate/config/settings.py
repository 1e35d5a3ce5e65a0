"""The shape of a show's settings: frozen dataclasses, one per part of the show file.

``narrate.config.load_settings`` fills them from a show file and checks every value, so
these hold only what was checked; each stage receives the part it needs (``ScriptSettings``,
``EngineSettings``, ...). Machine-dependent defaults (the working folder, the cache folder)
are computed when settings load, never here. ``narrate.config`` re-exports every name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


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
    lexicon_text: str | None = None
    """That lexicon's text, read when the show loads: what every stage applies, on this
    machine or on a cluster's worker that has no such file (None: not read)."""


@dataclass(frozen=True)
class EngineOption:
    """A ``[voice]`` key of an engine's own: declared by the engine, checked when the show
    loads and reported under its key like every other setting."""

    key: str
    """The key in the show's ``[voice]`` table, e.g. ``noise_scale``."""
    low: float
    """Smallest value allowed (options are numbers)."""
    high: float
    """Largest value allowed."""
    doc: str
    """What it does, in one line (for the README and errors)."""
    default: float | None = None
    """Its value when the show leaves it out (None: the engine's own choice)."""


@dataclass(frozen=True)
class EngineSettings:
    """Which voice speaks."""

    name: str
    """Registered engine name (``narrate.engines.available_engines()`` lists them)."""
    voice: str
    """Engine-specific voice (a file resolved where it was given, or a name); may be empty."""
    language: str
    """Show language, for engines that need one."""
    length_scale: float
    """Speech duration factor (1 / rate): above 1 is slower."""
    options: tuple[tuple[str, float | None], ...] = ()
    """The engine's own ``[voice]`` options (see ``EngineOption``), checked, defaults filled."""
    threads: int = 0
    """Threads one engine may use (0: the library's default); worker processes use 1."""
    prepared_dir: str = ""
    """Where an engine may keep what it prepares from a voice, between builds (a folder of
    the cache; empty: nothing kept). Never changes the sound."""
    wait_for_preparation: bool = True
    """When another worker is preparing the voice this moment: wait and load what it keeps
    (True), or prepare it too, which is sooner when every worker has a core of its own."""

    def option(self, key: str) -> float | None:
        """The value of the engine's own option ``key`` (None: not set, the engine's choice)."""
        return dict(self.options).get(key)


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
    listen: str = "disclaimer"
    """What the self-check hears: "disclaimer", or "full" (the whole episode, held to
    ``word_accuracy``)."""
    word_accuracy: float = 95.0
    """Percent of the script's words the recognizer must hear (verify, ``listen = "full"``)."""
    recognizer: str = ""
    """A faster-whisper model folder (absolute) to listen with; "": the shipped models."""


@dataclass(frozen=True)
class EpisodeSource:
    """A summary (a file, or a page on the web) and what the show says about it."""

    path: Path
    """Absolute path of the summary file; for a web page, ``NAME.html`` after its address
    (the page itself is fetched by the build: ``narrate.gather``)."""
    date: dt.date | None
    """Publication date from the show file (or the site's feed), if given."""
    title: str | None
    """Title from the show file, if given."""
    source_url: str | None
    """Source URL from the show file, if given."""
    cover: Path | None = None
    """The episode's own artwork, if the show gives one (else the show's cover)."""
    url: str | None = None
    """The summary page's http(s) address, when the summary is read from the web."""
    guid: str | None = None
    """The site feed's id of the item (its guid, else its link), which the episode keeps for
    ever: a retitled or moved page stays the same episode. None: not from a site feed."""

    @property
    def name(self) -> str:
        """The summary as a user names it: its address, or its file's path."""
        return self.url or str(self.path)

    @property
    def key(self) -> str:
        """What the published record remembers the summary by: the site feed's id, else its
        address or path (a summary no longer listed by any key has left the show)."""
        return self.guid or self.name


@dataclass(frozen=True)
class SiteFeed:
    """A site's own feed (RSS, Atom or JSON Feed) whose items each link to a summary page."""

    url: str
    """The feed's http(s) address."""
    limit: int
    """Take at most this many of its newest items (0: all)."""
    since: dt.date | None
    """Take only items published on or after this date (None: all)."""


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
    """Clip cache folder, or None for no cache (with ``cache_url``: what engines prepare from
    a voice stays here)."""
    drop_removed: bool = False
    """Drop from the feed published episodes whose summaries the show no longer lists."""
    own_list: bool = True
    """The summaries are the show's own list (not files named on the command line)."""
    executor: str = "local"
    """Where episodes are produced: "local" (this machine's processes), "dask" (a Dask
    cluster started here) or a Dask scheduler's "tcp://host:port"."""
    publish: str = ""
    """Where the show is published: "" for the output folder, or a URL (``s3://b/prefix``)."""
    cache_url: str = ""
    """A clip cache shared by a cluster's workers (``s3://bucket/cache``), or "" for none."""
    keep_old_days: float = 7.0
    """Days an old revision stays at a publish URL after it leaves the feed."""
    sites: tuple[SiteFeed, ...] = ()
    """The show's ``[[sources]]``: site feeds whose items become episodes, after
    ``episodes``."""
    fetch_timeout: float = 20.0
    """Seconds to wait for a web server to connect, and then to answer."""


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
