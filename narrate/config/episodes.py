"""Which summaries a build speaks: the show's [[episodes]], or the files, folders and page
addresses named on the command line (those the show lists keep what it says about them); and
the site feeds of its [[sources]].

A summary file that is missing, or a page that cannot be fetched, is not a configuration
error: that one episode fails when it is read, and the others build.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from narrate.config.options import EPISODE_OPTIONS, SOURCE_OPTIONS, Option, keys
from narrate.config.settings import EpisodeSource, SiteFeed
from narrate.links import link_problem, shown

SUMMARY_SUFFIXES = (".txt", ".md", ".markdown")
"""File endings read as summaries when a folder is given (not .html: an output folder holds
narrate's own pages; a saved page is read when named)."""

_WEB_RE = re.compile(r"^https?://", re.I)
_PAGE_SUFFIXES = ("html", "htm", "php", "asp", "aspx", "jsp")


def is_web(name: str | Path) -> bool:
    """Whether a summary is named by its web address: "https://x.org/s/1" -> True."""
    return isinstance(name, str) and bool(_WEB_RE.match(name))


def web_source(url: str, **given: Any) -> EpisodeSource:
    """The summary page at ``url``, named after its address's last part (its episode's name).

    "https://x.org/summaries/mtros-macrophages/" -> ``mtros-macrophages.html``;
    "https://x.org/s/42.html" -> ``42.html``; "https://x.org/view?id=42" -> ``view id=42.html``;
    "https://x.org/" -> ``x.org.html``.
    """
    parts = urlsplit(url)
    last = unquote(parts.path.rstrip("/").rpartition("/")[2])
    stem, dot, suffix = last.rpartition(".")
    if not (dot and suffix.lower() in _PAGE_SUFFIXES):
        stem = last
    name = " ".join(filter(None, [stem, unquote(parts.query)])) or parts.hostname or "page"
    fields: dict[str, Any] = {"date": None, "title": None, "source_url": None} | given
    return EpisodeSource(Path(name.replace("/", " ") + ".html"), url=url, **fields)


def read_episodes(
    entries: Any,
    base: Path,
    summaries: list[str | Path] | None,
    problems: list[str],
    given: list[str],
) -> tuple[EpisodeSource, ...]:
    """The show's [[episodes]]; or the ``summaries`` named on the command line (files, folders
    or page addresses), those the show lists keeping what it says about them."""
    listed = tuple(_show_episodes(entries, base, problems))
    if summaries is None:
        return listed
    by_name = {episode.name: episode for episode in listed}
    return tuple(
        by_name.get(name) or (web_source(name) if is_web(name) else _file_source(Path(name)))
        for name in _expand_summaries(summaries, given)
    )


def read_sites(entries: Any, problems: list[str]) -> tuple[SiteFeed, ...]:
    """The show's [[sources]]: site feeds whose items become episodes."""
    sites: list[SiteFeed] = []
    given = [] if entries is None else entries
    tables = _tables(given, "sources", SOURCE_OPTIONS, 'feed = "https://..."', problems)
    for key, entry in tables:
        url = entry.get("feed")
        if not isinstance(url, str) or not url.strip():
            problems.append(f'{key}.feed: missing; give the site\'s feed, feed = "https://..."')
            continue
        url = url.strip()
        if problem := link_problem(url):
            problems.append(f'{key}.feed: "{shown(url)}" {problem}')
            continue
        limit = entry.get("limit", 0)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            problems.append(f"{key}.limit: must be a whole number, 0 (all items) or more")
            limit = 0
        since = entry.get("since")
        if isinstance(since, dt.datetime):
            since = since.date()
        if since is not None and not isinstance(since, dt.date):
            problems.append(f"{key}.since: must be a TOML date like 2026-11-20")
            since = None
        sites.append(SiteFeed(url, limit, since))
    return tuple(sites)


def _file_source(path: Path) -> EpisodeSource:
    return EpisodeSource(path, None, None, None)


def _tables(
    entries: Any, name: str, options: tuple[Option, ...], needs: str, problems: list[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each table of the show's list of tables ``name`` ([[episodes]], [[sources]]) with its
    key ("episodes[2]"); what is not a table, and unknown keys, are reported."""
    if not isinstance(entries, list):
        problems.append(f"{name}: must be a list of [[{name}]] tables, each with {needs}")
        return
    known = keys(options)
    for number, entry in enumerate(entries, start=1):
        key = f"{name}[{number}]"
        if not isinstance(entry, dict):
            problems.append(f"{key}: must be a table with {needs}")
            continue
        for unknown in sorted(set(entry) - known):
            problems.append(f"{key}.{unknown}: unknown key (known: {', '.join(sorted(known))})")
        yield key, entry


def _show_episodes(entries: Any, base: Path, problems: list[str]) -> list[EpisodeSource]:
    found: list[EpisodeSource] = []
    for key, entry in _tables(
        entries, "episodes", EPISODE_OPTIONS, "at least file = ...", problems
    ):
        file = entry.get("file")
        if not isinstance(file, str) or not file.strip():
            problems.append(f"{key}.file: missing; name the summary file, relative to the show")
            continue
        if not is_web(file.strip()):
            found.append(_episode((base / file).resolve(), entry, key, base, problems))
        elif problem := link_problem(file.strip()):
            problems.append(f'{key}.file: "{shown(file)}" {problem}')
        else:
            found.append(_episode(file.strip(), entry, key, base, problems))
    return found


def _episode(
    path: Path | str, entry: dict[str, Any], key: str, base: Path, problems: list[str]
) -> EpisodeSource:
    """What one [[episodes]] table says about the summary at ``path`` (a file, or a page's
    address)."""
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
    if isinstance(path, str):
        return web_source(path, date=date, title=title, source_url=url, cover=art)
    return EpisodeSource(path, date, title, url, art)


def _expand_summaries(names: list[str | Path], problems: list[str]) -> list[str]:
    """Files as given (made absolute), page addresses as given; folders expand to the
    summaries they hold, sorted by name."""
    found: list[str] = []
    for name in names:
        if is_web(name):
            if problem := link_problem(str(name)):
                problems.append(f'summaries: "{shown(str(name))}" {problem}')
            else:
                found.append(str(name))
            continue
        path = Path(name)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUMMARY_SUFFIXES)
            if not files:
                problems.append(f"summaries: no .txt or .md files in folder {path}")
            found.extend(str(f.resolve()) for f in files)
        elif path.is_file():
            found.append(str(path.resolve()))
        else:
            problems.append(f"summaries: no file or folder at {path}")
    return found
