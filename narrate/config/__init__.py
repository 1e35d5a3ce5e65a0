"""Settings: a show file loaded once and checked whole (``load``), the dataclasses the stages
receive (``settings``), typed TOML access (``toml_reader``) and the engine registry with each
engine's declared options (``registry``)."""

from __future__ import annotations

from narrate.config.load import (
    APPLE_CATEGORIES,
    DEFAULT_DISCLAIMER,
    DEFAULT_INTRO,
    DEFAULT_OUTRO,
    EXAMPLE_SHOW,
    PODCAST_NAMESPACE_GUID,
    RATES,
    SUMMARY_SUFFIXES,
    AudioSettings,
    EngineOption,
    EngineSettings,
    EpisodeSource,
    ScriptSettings,
    Settings,
    ShowSettings,
    default_cache_dir,
    feed_guid,
    find_show,
    load_settings,
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
    "default_cache_dir",
    "feed_guid",
    "find_show",
    "load_settings",
]
