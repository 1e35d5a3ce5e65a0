"""A real web site for tests: an HTTP server on 127.0.0.1 that answers what each test sets.

Each path answers as its ``Route`` says: a body and its content type, a status, validators
(``etag``, ``last_modified``: a conditional request that matches gets 304), a delay, extra
headers (``Location``, ``Retry-After``), failures before success (``fail_times``), gzip, or a
chunked body without a ``Content-Length``. Every request is recorded with the status it got,
so a test can assert on what the site saw, not only on what the client says::

    def test_fetch(site):
        site.set_page("/s/1", "<!doctype html><p>Hello</p>")
        ... fetch site.url("/s/1") ...
        assert site.count("/s/1") == 1

Use the fixture ``site`` (``tests/conftest.py`` imports it), or ``with site_server() as
site:`` anywhere else. The server is quiet: no log lines, no tracebacks when a client hangs up.
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

HTML = "text/html; charset=utf-8"
"""A web page's ``Content-Type``."""
RSS = "application/rss+xml; charset=utf-8"
"""An RSS feed's ``Content-Type``."""


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    """The body, before any gzip."""
    content_type: str | None = HTML
    """The ``Content-Type`` header; None sends none."""
    status: int = 200
    """The status of a normal answer."""
    etag: str | None = None
    """Sent as ``ETag``; an ``If-None-Match`` naming it (or ``*``) gets 304."""
    last_modified: str | None = None
    """Sent as ``Last-Modified``; an ``If-Modified-Since`` equal to it gets 304."""
    delay: float = 0.0
    """Seconds to wait before answering (for timeouts)."""
    headers: dict[str, str] = field(default_factory=dict)
    """More headers, on every answer of the path: ``Location``, ``Retry-After``..."""
    fail_times: int = 0
    """The first this many requests of the path get ``status_when_failing`` and no body."""
    status_when_failing: int = 503
    """The status of those failures."""
    gzip: bool = False
    """Send the body gzipped (``Content-Encoding: gzip``), whatever the client accepts."""
    chunked: bool = False
    """Send the body in chunks of ``chunk_size`` bytes, with no ``Content-Length``."""
    chunk_size: int = 16 * 1024
    """The size of each chunk, when ``chunked``."""
    chunk_delay: float = 0.0
    """Seconds to wait before each chunk, when ``chunked`` (a site that trickles)."""
    content_length: int | None = None
    """A ``Content-Length`` to claim instead of the true one (the body is then cut or short,
    and the connection closed)."""


@dataclass(frozen=True)
class Request:
    """One request the site received, and how it answered."""

    method: str
    """``GET``, ``HEAD``..."""
    path: str
    """The path asked for, with its query."""
    headers: dict[str, str]
    """The request's headers, by lower-case name."""
    status: int
    """The status answered (304 for a conditional hit)."""
    time: float
    """When it arrived, by ``time.monotonic()``."""


class SiteServer:
    """The running site: set routes, build URLs, read what was asked."""

    def __init__(self, port: int) -> None:
        self.port = port
        """The port it listens on, on 127.0.0.1."""
        self.routes: dict[str, Route] = {}
        """What each path answers; a path not here answers 404."""
        self._requests: list[Request] = []
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()

    def url(self, path: str = "/") -> str:
        """``/s/1`` -> ``http://127.0.0.1:PORT/s/1``."""
        return f"http://127.0.0.1:{self.port}{path}"

    def set(self, path: str, **route: Any) -> Route:
        """Make ``path`` answer ``Route(**route)``, its ``fail_times`` counted from now."""
        with self._lock:
            self.routes[path] = made = Route(**route)
            self._served[path] = 0
        return made

    def set_page(self, path: str, html: str, *, etag: bool | str = True, **route: Any) -> Route:
        """An HTML page at ``path``, with an ``ETag`` made from its text (``etag=True``),
        the one given, or none (``etag=False``)."""
        body = html.encode("utf-8")
        if etag is True:
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        return self.set(path, body=body, content_type=HTML, etag=etag or None, **route)

    def set_feed(self, path: str, xml: str, content_type: str | None = RSS, **route: Any) -> Route:
        """A feed at ``path`` (RSS unless ``content_type`` says otherwise)."""
        return self.set(path, body=xml.encode("utf-8"), content_type=content_type, **route)

    def redirect(self, path: str, to: str, status: int = 301) -> Route:
        """``path`` redirects to ``to`` (a path, or any address)."""
        return self.set(path, status=status, content_type=None, headers={"Location": to})

    @property
    def requests(self) -> list[Request]:
        """Every request received so far, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[Request]:
        """The requests of ``path`` (its query aside), in order."""
        return [r for r in self.requests if _route_path(r.path) == path]

    def count(self, path: str, status: int | None = None) -> int:
        """How many GETs ``path`` received (only those answered ``status``, when given)."""
        return sum(
            1
            for r in self.requests_to(path)
            if r.method == "GET" and (status is None or r.status == status)
        )

    def _answer(self, method: str, path: str, headers: dict[str, str]) -> tuple[Route, int]:
        """The route for a request and the status it gets; records the request."""
        with self._lock:
            key = _route_path(path)
            route = self.routes.get(key, Route(status=404, body=b"Not Found"))
            seen = self._served.get(key, 0)
            self._served[key] = seen + 1
            if seen < route.fail_times:
                status = route.status_when_failing
            elif route.status == 200 and _not_modified(route, headers):
                status = 304
            else:
                status = route.status
            self._requests.append(Request(method, path, headers, status, time.monotonic()))
        return route, status


def unused_url(path: str = "/") -> str:
    """An address on 127.0.0.1 where nothing listens (a port just bound and released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


@contextmanager
def site_server() -> Iterator[SiteServer]:
    """A running site on a free port of 127.0.0.1, stopped when the block ends."""
    httpd = _Server(("127.0.0.1", 0), _Handler)
    site = SiteServer(httpd.server_address[1])
    httpd.site = site
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def site() -> Iterator[SiteServer]:
    """A fresh site for one test."""
    with site_server() as server:
        yield server


def _route_path(path: str) -> str:
    return path.split("?", 1)[0]


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    """Whether a conditional request matches the route's validators (RFC 9110: when
    ``If-None-Match`` is given, ``If-Modified-Since`` is not looked at)."""
    if "if-none-match" in headers:
        wanted = {tag.strip() for tag in headers["if-none-match"].split(",")}
        return route.etag is not None and ("*" in wanted or route.etag in wanted)
    since = headers.get("if-modified-since")
    return since is not None and since == route.last_modified


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: SiteServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that gave up (a timeout test) is not an error here."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line per request on stderr."""

    def _respond(self, send_body: bool) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        route, status = self.server.site._answer(self.command, self.path, headers)
        if route.delay:
            time.sleep(route.delay)
        failing = status != route.status and status != 304
        body = b"" if failing or status == 304 else route.body
        self.send_response(status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.etag is not None and not failing:
            self.send_header("ETag", route.etag)
        if route.last_modified is not None and not failing:
            self.send_header("Last-Modified", route.last_modified)
        if status == 304:
            self.end_headers()
            return
        if route.content_type is not None and not failing:
            self.send_header("Content-Type", route.content_type)
        if route.gzip and body:
            body = gzip.compress(body, compresslevel=6)
            self.send_header("Content-Encoding", "gzip")
        if route.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if send_body:
                self._send_chunks(body, route.chunk_size, route.chunk_delay)
            return
        length = len(body) if route.content_length is None else route.content_length
        self.send_header("Content-Length", str(length))
        if route.content_length is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if send_body:
            self.wfile.write(body[:length])

    def _send_chunks(self, body: bytes, size: int, delay: float) -> None:
        for start in range(0, len(body), size):
            chunk = body[start : start + size]
            time.sleep(delay)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
