"""gather_sources(settings, out) -> Gathered: the show's summaries with every web page fetched.

A show names summaries as files, as page addresses (``[[episodes]] file = "https://…"``), and
through site feeds (``[[sources]] feed = "https://…"``), whose items each link to a summary
page. This stage reads the site feeds into summaries (each item known by its id for ever) and
fetches every page, before anything is planned: planning then reads a page as it reads a
file.

Fetching is conditional: the last copy of every page and feed is kept in the build state
(``.narrate/fetched/``), with the ``ETag`` and ``Last-Modified`` its server gave, and sent
back; a server that answers 304 Not Modified sends nothing, and the copy is read again. A run
where the site changed nothing downloads nothing, and (the summaries being the same) speaks
and rewrites nothing. A page or feed that cannot be fetched is one line (address, cause, fix);
the other summaries build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from narrate.config import EpisodeSource, Settings
from narrate.config.episodes import web_source
from narrate.errors import NarrateError, SourceError
from narrate.fetch import Fetched, Fetcher
from narrate.publish.output import STATE_DIR, Output
from narrate.site_feed import chosen_items, read_site_feed

log = logging.getLogger(__name__)

FETCHED_FILE = f"{STATE_DIR}/fetched.json"
"""What was fetched last, by address: the copy's name and the server's validators."""
COPIES = f"{STATE_DIR}/fetched"
"""The last copy of each page and feed fetched."""


@dataclass(frozen=True)
class Gathered:
    """The show's summaries, its web pages fetched."""

    sources: tuple[EpisodeSource, ...]
    """Every summary of the show in its order: its [[episodes]], then its site feeds' items
    (each feed's oldest first), including pages that could not be fetched."""
    pages: Mapping[str, bytes]
    """Each page fetched (or unchanged since its copy was kept), by address; a page that
    could not be fetched is not here."""
    failures: tuple[tuple[str, str], ...]
    """Pages and feeds that could not be fetched: the address, and the cause with its fix."""
    complete: bool
    """Every site feed was read: the show knows all of its summaries (else none is taken to
    have left the show: ``drop_removed`` waits for a run that reads them all)."""
    downloaded: int
    """Pages and feeds the servers sent (not those they said were unchanged)."""


def gather_sources(settings: Settings, out: Output) -> Gathered:
    """The show's summaries, each page fetched (conditionally: see the module's docstring)."""
    web = [source for source in settings.episodes if source.url]
    if not web and not settings.sites:
        return Gathered(settings.episodes, {}, (), True, 0)
    kept = _load_state(out)
    state = _State(out, kept)
    sources = list(settings.episodes)
    failures: list[tuple[str, str]] = []
    complete = True
    with Fetcher(timeout=settings.fetch_timeout) as fetcher:
        for site in settings.sites:
            try:
                data = state.get(fetcher.feed, site.url)
                items = chosen_items(read_site_feed(data, site.url), site.limit, site.since)
            except NarrateError as error:
                failures.append((site.url, str(error)))
                complete = False
                continue
            listed = {source.url for source in sources} | {source.key for source in sources}
            sources += [
                web_source(item.link, date=item.date, guid=item.guid)
                for item in items
                if item.link not in listed and item.guid not in listed
            ]
        pages: dict[str, bytes] = {}
        for source in sources:
            if source.url and source.url not in pages:
                try:
                    pages[source.url] = state.get(fetcher.page, source.url)
                except NarrateError as error:
                    failures.append((source.url, str(error)))
    # What could not be fetched now keeps its copy for the next run; what left the show goes,
    # unless a feed was not read (its items are not known).
    state.save(keep=set(kept) if failures else set())
    if state.downloaded or state.unchanged:
        log.info("fetched %d of %d pages and feeds (the others unchanged)", state.downloaded,
                 state.downloaded + state.unchanged)  # fmt: skip
    return Gathered(tuple(sources), pages, tuple(failures), complete, state.downloaded)


def fetch_page(url: str, timeout: float) -> bytes:
    """One page, fetched now (``narrate script URL``): nothing is kept."""
    with Fetcher(timeout=timeout) as fetcher:
        got = fetcher.page(url)
    return _utf8(got)


class _State:
    """The copies and validators of what was fetched: those of the last build, read once,
    and those of this one, written once at the end (only what changed)."""

    def __init__(self, out: Output, kept: dict[str, dict[str, Any]]) -> None:
        self.out = out
        self.kept = kept
        self.now: dict[str, dict[str, Any]] = {}
        self.downloaded = 0
        self.unchanged = 0

    def get(self, fetch: Callable[..., Fetched], url: str) -> bytes:
        """``url``'s body: fetched when the server has a new one, else the copy kept."""
        last = self.kept.get(url)
        copy = self.out.read_bytes(f"{COPIES}/{last['copy']}") if last else None
        if copy is None:  # no copy to fall back on: ask for the whole page
            last = None
        etag, modified = (last.get("etag"), last.get("modified")) if last else (None, None)
        got = fetch(url, etag=etag, last_modified=modified)
        if got.body is None and copy is not None:
            self.unchanged += 1
            body = copy
        else:
            self.downloaded += 1
            body = _utf8(got)
            self.out.write_bytes(f"{COPIES}/{_copy_name(url)}", body)
        self.now[url] = {"copy": _copy_name(url), "etag": got.etag, "modified": got.last_modified}
        return body

    def save(self, keep: set[str]) -> None:
        """Record what was fetched (a file that says the same is not rewritten); copies of
        addresses no longer fetched (and not in ``keep``) are removed."""
        record = {url: self.kept[url] for url in keep if url in self.kept} | self.now
        for url, entry in self.kept.items():
            if url not in record:
                self.out.delete(f"{COPIES}/{entry['copy']}")
        if record or self.kept:
            self.out.write_text(FETCHED_FILE, json.dumps(record, indent=1, sort_keys=True))


def _copy_name(url: str) -> str:
    """Where the copy of ``url`` is kept, under ``COPIES``: a digest of the address."""
    return hashlib.sha256(url.encode()).hexdigest()[:24]


def _load_state(out: Output) -> dict[str, dict[str, Any]]:
    try:
        raw = json.loads(out.read_bytes(FETCHED_FILE) or b"{}")
    except ValueError:
        return {}
    if not isinstance(raw, dict):
        return {}
    return {
        url: entry
        for url, entry in raw.items()
        if isinstance(entry, dict) and isinstance(entry.get("copy"), str)
    }


def _utf8(got: Fetched) -> bytes:
    """A page's bytes as UTF-8 when its server named another charset (the header wins over
    the page's own meta tag, as in a browser); else as sent."""
    if got.body is None:  # asked for the whole page, a site said it had not changed
        raise SourceError(
            f"{got.url}: the site answered 304 Not Modified to a request for the whole page; "
            "try again later, or tell the site's owner"
        )
    charset = (got.charset or "").lower()
    if not charset or charset in ("utf-8", "utf8"):
        return got.body
    try:
        return got.body.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return got.body


def with_sources(settings: Settings, gathered: Gathered) -> Settings:
    """``settings`` naming every summary gathered (the site feeds' items too)."""
    return dataclasses.replace(settings, episodes=gathered.sources)
