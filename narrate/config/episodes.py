"""Which summaries a build speaks: the show's [[episodes]], or the files and folders named on
the command line (those the show lists keep what it says about them).

A summary file that is missing is not a configuration error: that one episode fails when it
is read, and the others build.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from narrate.config.options import EPISODE_OPTIONS, keys
from narrate.config.settings import EpisodeSource
from narrate.links import link_problem, shown

SUMMARY_SUFFIXES = (".txt", ".md", ".markdown")
"""File endings read as summaries when a folder is given. Saved web pages (.html) are read only
when named: an output folder holds narrate's own pages, which are no summaries."""


def read_episodes(
    entries: Any, base: Path, summaries: list[Path] | None, problems: list[str], given: list[str]
) -> tuple[EpisodeSource, ...]:
    """The show's [[episodes]]; or the ``summaries`` named on the command line, those the show
    lists keeping what it says about them."""
    listed = tuple(_show_episodes(entries, base, problems))
    if summaries is None:
        return listed
    by_path = {episode.path: episode for episode in listed}
    return tuple(
        by_path.get(found, EpisodeSource(found, None, None, None))
        for found in _expand_summaries(summaries, given)
    )


def _show_episodes(entries: Any, base: Path, problems: list[str]) -> list[EpisodeSource]:
    if not isinstance(entries, list):
        problems.append("episodes: must be a list of [[episodes]] tables")
        return []
    found: list[EpisodeSource] = []
    known = keys(EPISODE_OPTIONS)
    for number, entry in enumerate(entries, start=1):
        key = f"episodes[{number}]"
        if not isinstance(entry, dict):
            problems.append(f"{key}: must be a table with at least file = ...")
            continue
        for unknown in sorted(set(entry) - known):
            problems.append(f"{key}.{unknown}: unknown key (known: {', '.join(sorted(known))})")
        file = entry.get("file")
        if not isinstance(file, str) or not file:
            problems.append(f"{key}.file: missing; name the summary file, relative to the show")
            continue
        found.append(_episode((base / file).resolve(), entry, key, base, problems))
    return found


def _episode(
    path: Path, entry: dict[str, Any], key: str, base: Path, problems: list[str]
) -> EpisodeSource:
    """What one [[episodes]] table says about the summary at ``path``."""
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
    return EpisodeSource(path, date, title, url, art)


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
