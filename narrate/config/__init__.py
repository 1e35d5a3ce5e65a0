"""Settings: a show file loaded once and checked whole (``load``), every option declared once
(``options``) with the checks a declaration cannot say (``checks``), the summaries a build
speaks (``episodes``), the lexicon file format (``lexicon``), the dataclasses the stages
receive (``settings``), typed TOML access (``toml_reader``), the engine registry with each
engine's declared options (``registry``) and the README's option tables (``readme``)."""

from __future__ import annotations

from narrate.config.episodes import SUMMARY_SUFFIXES
from narrate.config.load import (
    EXAMPLE_SHOW,
    PODCAST_NAMESPACE_GUID,
    default_cache_dir,
    feed_guid,
    find_show,
    load_settings,
    models_dir,
)
from narrate.config.options import DEFAULT_DISCLAIMER, DEFAULT_INTRO, DEFAULT_OUTRO, RATES
from narrate.config.settings import (
    APPLE_CATEGORIES,
    AudioSettings,
    EngineOption,
    EngineSettings,
    EpisodeSource,
    ScriptSettings,
    Settings,
    ShowSettings,
    SiteFeed,
)

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
    "SiteFeed",
    "default_cache_dir",
    "feed_guid",
    "find_show",
    "load_settings",
    "models_dir",
]
