"""Web pages and feeds fetched like a good citizen: summaries read straight from a website.

One ``Fetcher`` holds one urllib3 pool for a build, and asks for a summary's page
(``page``) or a site's RSS, Atom or JSON feed (``feed``) the way a polite reader would:

- it says who it is (``USER_AGENT``) and what it wants (``Accept``), and takes gzip;
- it asks again only for what changed: given the ``ETag`` and ``Last-Modified`` of the last
  fetch, a page that has not changed comes back as ``Fetched(body=None)`` (304), untransferred;
- it gives up rather than waits: ``timeout`` seconds to connect and between reads, and
  ``TOTAL_TIMEOUTS`` times that for a whole answer, so a trickling site cannot hold a build;
- it tries again only when trying again may help (429, 500, 502, 503, 504, a timeout, a
  broken or refused connection), ``tries`` times in all, waiting ``backoff * 2**n`` seconds
  between tries or what the site's ``Retry-After`` asks, never more than ``MAX_WAIT``;
- it follows at most ``MAX_REDIRECTS`` redirects, each to an http(s) address
  (``links.link_problem``), never in a loop;
- it reads at most ``max_bytes`` (after decompression) and stops there.

Every failure is a ``FetchError``, one line: ``URL: cause; fix``. No urllib3 exception gets
out. Nothing connects until ``page`` or ``feed`` is called.

The only module that imports urllib3, where it is used.
"""

from __future__ import annotations

import http
import http.client
import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from narrate import __version__
from narrate.fetch.failures import (
    CONFIG_KEY,
    Failure,
    FetchError,
    connection_failure,
    fetch_error,
    size_text,
    status_failure,
    status_text,
)
from narrate.links import SCHEMES, link_problem, shown
from narrate.text.html_page import is_html_page

if TYPE_CHECKING:
    from types import TracebackType

    from urllib3 import BaseHTTPResponse

log = logging.getLogger(__name__)

USER_AGENT = f"narrate/{__version__} (podcast of research summaries, read aloud)"
"""Who is asking, for the site's logs: narrate, its version, what it does."""
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
"""What ``Fetcher.page`` asks for: HTML."""
FEED_ACCEPT = (
    "application/rss+xml,application/atom+xml,application/feed+json,"
    "application/xml;q=0.9,text/xml;q=0.9,application/json;q=0.8,*/*;q=0.1"
)
"""What ``Fetcher.feed`` asks for: RSS, Atom or JSON Feed, then XML or JSON of any kind."""
PAGE_TYPES = ("text/html", "application/xhtml+xml")
"""The media types of a web page."""
MAX_REDIRECTS = 5
"""Redirects followed from the address given, at most."""
MAX_WAIT = 30.0
"""Seconds waited between tries at most, whatever ``Retry-After`` asks."""
TOTAL_TIMEOUTS = 3
"""A whole answer (connection, headers, body) must arrive within this many ``timeout``s."""

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_SNIFF = 8192
_TOO_BIG_FIX = {"page": "link the summary's own page", "feed": "give a feed of summaries"}


@dataclass(frozen=True)
class Fetched:
    """A page or feed as the site answered it."""

    url: str
    """The URL asked for."""
    final_url: str
    """Where it was found, after redirects (``url`` when there were none)."""
    body: bytes | None
    """Its bytes, decompressed; None when the site answered 304 Not Modified."""
    etag: str | None
    """The ``ETag`` to send next time: the answer's; on a 304 that carries none, the one
    given."""
    last_modified: str | None
    """The ``Last-Modified`` to send next time: the answer's; on a 304 that carries none, the
    one given."""
    content_type: str
    """Its media type, lower case, without parameters ("text/html"); "" when the site gave none
    (and usually on a 304, which describes nothing)."""
    charset: str | None
    """The charset the ``Content-Type`` header names, lower case, or None."""


class Fetcher:
    """An HTTP client for a build's pages and feeds: one connection pool, closed on exit.

    >>> with Fetcher(timeout=10) as fetcher:  # doctest: +SKIP
    ...     first = fetcher.page("https://example.org/summaries/1")
    ...     again = fetcher.page(first.url, first.etag, first.last_modified)
    ...     again.body is None  # unchanged since: 304 Not Modified
    True

    Safe to share between threads (urllib3's pool is).
    """

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        tries: int = 3,
        max_bytes: int = 5_000_000,
        backoff: float = 0.5,
        user_agent: str = USER_AGENT,
    ) -> None:
        if timeout <= 0 or tries < 1 or max_bytes < 1 or backoff < 0:
            raise ValueError(f"Fetcher({timeout=}, {tries=}, {max_bytes=}, {backoff=})")
        import urllib3

        self.timeout = timeout
        """Seconds to connect, and to wait for each read; a whole answer gets
        ``TOTAL_TIMEOUTS`` times this."""
        self.tries = tries
        """Attempts in all when trying again may help."""
        self.max_bytes = max_bytes
        """The largest body read, decompressed."""
        self.backoff = backoff
        """Seconds before the second try; doubled before each further one."""
        self._headers = {"User-Agent": user_agent, "Accept-Encoding": "gzip"}
        """Sent with every request (urllib3 sends a pool's headers only with requests that
        give none of their own)."""
        self._pool = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout, read=timeout, total=timeout * TOTAL_TIMEOUTS),
            retries=False,
        )

    def page(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """A summary's web page: ``text/html`` or ``application/xhtml+xml`` (or, with no
        ``Content-Type``, a body that starts as HTML does). ``etag`` and ``last_modified``
        from the last fetch make the request conditional."""
        fetched = self._fetch(url, "page", PAGE_ACCEPT, etag, last_modified)
        if fetched.body is None or fetched.content_type in PAGE_TYPES:
            return fetched
        if fetched.content_type:
            cause = f"is {shown(fetched.content_type)}, not a web page"
        elif not _looks_like_html(fetched.body):
            cause = "has no content type and does not look like a web page"
        else:
            return fetched
        raise fetch_error(url, fetched.final_url, cause, "link the summary's HTML page")

    def feed(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """A site's RSS, Atom or JSON feed: anything but a web page (which is the usual
        mistake: the site's address given for its feed's). A feed its server labels as a web
        page (``text/html``: a misconfigured server) is read when its body is one."""
        fetched = self._fetch(url, "feed", FEED_ACCEPT, etag, last_modified)
        if (
            fetched.body is not None
            and (
                fetched.content_type in PAGE_TYPES
                or (not fetched.content_type and _looks_like_html(fetched.body))
            )
            and not _looks_like_feed(fetched.body)
        ):
            raise fetch_error(
                url,
                fetched.final_url,
                "is a web page, not a feed",
                "give the site's RSS, Atom or JSON Feed address",
            )
        return fetched

    def close(self) -> None:
        """Close the pool's connections; the fetcher may still be used (it reconnects)."""
        self._pool.clear()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _fetch(
        self, url: str, kind: str, accept: str, etag: str | None, last_modified: str | None
    ) -> Fetched:
        """The answer at the end of ``url``'s redirects, or a ``FetchError``."""
        problem = _address_problem(url)
        if problem:
            cause, _, fix = problem.partition("; ")
            raise FetchError(url, cause, fix)
        headers = {**self._headers, "Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        visited = [url]
        while True:
            answer = self._answer(url, visited[-1], headers, kind)
            if answer.status not in _REDIRECTS:
                break
            visited.append(_redirect_target(url, visited, answer))
        media_type, charset = _media_type(answer.headers.get("content-type"))
        if answer.body is not None:  # a new body: only its own validators hold
            etag = last_modified = None
        return Fetched(
            url=url,
            final_url=visited[-1],
            body=answer.body,
            etag=answer.headers.get("etag") or etag,
            last_modified=answer.headers.get("last-modified") or last_modified,
            content_type=media_type,
            charset=charset,
        )

    def _answer(self, url: str, current: str, headers: dict[str, str], kind: str) -> _Answer:
        """``current``'s answer, asked for up to ``tries`` times while trying again may help."""
        for attempt in range(1, self.tries + 1):
            try:
                return self._attempt(current, headers, kind)
            except Failure as failure:
                if not failure.retry or attempt == self.tries:
                    tries = attempt if failure.retry else None
                    raise fetch_error(
                        url, current, failure.cause, failure.fix, failure.status, tries
                    ) from None
                backoff = self.backoff * 2 ** (attempt - 1)
                wait = min(backoff if failure.after is None else failure.after, MAX_WAIT)
                log.info("%s: %s; trying again in %.1f s", shown(current), failure.cause, wait)
                time.sleep(wait)
        raise AssertionError("unreachable: the last try returns or raises")  # pragma: no cover

    def _attempt(self, current: str, headers: dict[str, str], kind: str) -> _Answer:
        """One request for ``current``: its status, headers and (when 2xx) body."""
        from urllib3.exceptions import HTTPError

        deadline = time.monotonic() + self.timeout * TOTAL_TIMEOUTS
        response: BaseHTTPResponse | None = None
        read = False
        try:
            response = self._pool.request(
                "GET",
                current,
                headers=headers,
                preload_content=False,
                redirect=False,
                retries=False,
            )
            got = {name.lower(): value for name, value in response.headers.items()}
            if response.status >= 400:
                raise status_failure(response.status, response.reason, got)
            if not 200 <= response.status < 300:
                if response.status not in _REDIRECTS and response.status != 304:
                    raise Failure(
                        f"the site answered {status_text(response.status, response.reason)}, "
                        "not a page",
                        "open the link in a browser and give the address it ends at",
                        status=response.status,
                    )
                return _Answer(response.status, got, None)
            body = self._read(response, got, kind, deadline)
            read = True
            return _Answer(response.status, got, body)
        except (HTTPError, OSError, http.client.HTTPException) as error:
            raise connection_failure(error, self.timeout) from None
        finally:
            if response is not None:
                if not read:  # a body left unread is not worth reading to reuse the socket
                    response.close()
                response.release_conn()

    def _read(
        self, response: BaseHTTPResponse, got: dict[str, str], kind: str, deadline: float
    ) -> bytes:
        """The decompressed body, if it is at most ``max_bytes`` and arrives by ``deadline``."""
        too_big = Failure(f"more than {size_text(self.max_bytes)}", _TOO_BIG_FIX[kind])
        length = got.get("content-length", "").strip()
        if length.isdigit() and int(length) > self.max_bytes:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(_CHUNK, decode_content=True):
            size += len(chunk)
            if size > self.max_bytes:
                raise too_big
            if time.monotonic() > deadline:
                raise Failure(
                    f"no whole answer within {self.timeout * TOTAL_TIMEOUTS:g} s",
                    f"the site is very slow: try again later, or raise {CONFIG_KEY}",
                    retry=True,
                )
            chunks.append(chunk)
        return b"".join(chunks)


@dataclass(frozen=True)
class _Answer:
    """One response, read."""

    status: int
    """Its HTTP status."""
    headers: dict[str, str]
    """Its headers, by lower-case name."""
    body: bytes | None
    """Its body, decompressed, for a 2xx; else None (left unread)."""


def _redirect_target(url: str, visited: list[str], answer: _Answer) -> str:
    """Where a redirect from ``visited[-1]`` goes, if narrate may follow it there."""
    current = visited[-1]
    fix = "open the link in a browser and give the address it ends at"
    location = answer.headers.get("location", "").strip()
    if not location:
        raise fetch_error(
            url, current, f"the site answered {status_text(answer.status)} but gave no address", fix
        )
    target = urljoin(current, location)
    problem = _address_problem(target)
    if problem:
        reason = problem.split(";")[0].removeprefix("is ")
        raise fetch_error(url, current, f"redirects to {shown(target)} ({reason})", fix)
    if target in visited:
        raise fetch_error(url, current, f"redirects in a loop (back to {shown(target)})", fix)
    if len(visited) > MAX_REDIRECTS:
        raise fetch_error(url, current, f"more than {MAX_REDIRECTS} redirects", fix)
    return target


def _address_problem(url: str) -> str | None:
    """Why narrate will not fetch ``url``, as "cause; fix", or None.

    "https://example.org/a" -> None; "ftp://example.org/a" -> 'a "ftp:" link; narrate
    fetches only http:// and https:// addresses'.
    """
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):(?!\d)", url)
    if scheme and scheme[1].lower() not in SCHEMES:
        return (
            f'is a "{shown(scheme[1])}:" link; narrate fetches only http:// and https:// addresses'
        )
    return link_problem(url)


def _media_type(value: str | None) -> tuple[str, str | None]:
    """A ``Content-Type`` read: "Text/HTML; Charset=\\"UTF-8\\"" -> ("text/html", "utf-8");
    None -> ("", None)."""
    if not value:
        return "", None
    media_type, *parameters = value.split(";")
    charset = None
    for parameter in parameters:
        name, _, given = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = given.strip().strip("\"'").lower() or None
    return media_type.strip().lower(), charset


_FEED_START = re.compile(rb"\s*(?:<\?[^>]*>\s*|<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)[\s>]", re.S)
"""How an RSS, Atom or RSS 1.0 (RDF) document begins: an XML declaration, a stylesheet and
comments may come first."""


def _looks_like_feed(body: bytes) -> bool:
    """Whether ``body`` starts as a feed does: RSS, Atom or RSS 1.0, or a JSON Feed object
    (``{"version": "https://jsonfeed.org/version/1…"``)."""
    start = body[:_SNIFF].removeprefix(b"\xef\xbb\xbf")
    if start.lstrip().startswith(b"{"):
        return b"jsonfeed.org/version/" in start
    return _FEED_START.match(start) is not None


def _looks_like_html(body: bytes) -> bool:
    """Whether a body given without a ``Content-Type`` starts as a web page does."""
    return is_html_page(body[:_SNIFF].decode("utf-8", "replace"))
