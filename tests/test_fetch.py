"""narrate.fetch against a real local web site: what the site saw, and one-line errors."""

from __future__ import annotations

import email.utils
import pickle
import socket
import time
from collections.abc import Iterator

import pytest

from narrate.errors import SourceError
from narrate.fetch import (
    FEED_ACCEPT,
    PAGE_ACCEPT,
    USER_AGENT,
    Fetched,
    Fetcher,
    FetchError,
    failures,
)
from tests.site_server import HTML, SiteServer, unused_url

PAGE = "<!DOCTYPE html><html><head><title>A summary</title></head><body><p>Hi.</p></body></html>"
RSS_XML = '<?xml version="1.0"?><rss version="2.0"><channel><title>S</title></channel></rss>'
LAST_MODIFIED = "Wed, 01 Jul 2026 08:00:00 GMT"


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    """A fetcher quick to give up: tests wait half a second at most, and back off 10 ms."""
    with Fetcher(timeout=0.5, backoff=0.01) as made:
        yield made


def failure(call: object, *args: object) -> FetchError:
    """The FetchError ``call(*args)`` raises."""
    with pytest.raises(FetchError) as raised:
        call(*args)  # type: ignore[operator]
    return raised.value


def assert_one_line(error: FetchError, url: str, fix: str) -> None:
    """The message is one line: the URL first, a cause, then the fix."""
    message = str(error)
    assert "\n" not in message and "\r" not in message, message
    assert message.startswith(f"{url}: "), message
    assert message.endswith(f"; {fix}"), message
    assert "Traceback" not in message and "urllib3" not in message, message


# What comes back


def test_a_page_comes_back_with_what_the_site_said(site: SiteServer, fetcher: Fetcher) -> None:
    route = site.set_page("/s/1", PAGE, last_modified=LAST_MODIFIED)
    fetched = fetcher.page(site.url("/s/1"))
    assert fetched == Fetched(
        url=site.url("/s/1"),
        final_url=site.url("/s/1"),
        body=PAGE.encode(),
        etag=route.etag,
        last_modified=LAST_MODIFIED,
        content_type="text/html",
        charset="utf-8",
    )
    (request,) = site.requests
    assert (request.method, request.path, request.status) == ("GET", "/s/1", 200)
    assert request.headers["user-agent"] == USER_AGENT
    assert request.headers["accept"] == PAGE_ACCEPT
    assert request.headers["accept-encoding"] == "gzip"
    assert "if-none-match" not in request.headers
    assert "if-modified-since" not in request.headers


def test_the_user_agent_names_narrate_and_can_be_changed(site: SiteServer) -> None:
    assert USER_AGENT.startswith("narrate/")
    site.set_page("/s/1", PAGE)
    with Fetcher(user_agent="narrate-test/1 (+https://example.org/bot)") as fetcher:
        fetcher.page(site.url("/s/1"))
    assert site.requests[0].headers["user-agent"] == "narrate-test/1 (+https://example.org/bot)"


def test_a_feed_asks_for_feeds_and_comes_back_whatever_its_xml_type(
    site: SiteServer, fetcher: Fetcher
) -> None:
    site.set_feed("/feed.xml", RSS_XML)
    site.set_feed("/atom", RSS_XML, content_type="application/atom+xml")
    site.set_feed(
        "/feed.json", '{"version": "https://jsonfeed.org/version/1.1"}', "application/feed+json"
    )
    site.set_feed("/untyped", RSS_XML, content_type=None)
    assert fetcher.feed(site.url("/feed.xml")).content_type == "application/rss+xml"
    assert fetcher.feed(site.url("/atom")).body == RSS_XML.encode()
    assert fetcher.feed(site.url("/feed.json")).content_type == "application/feed+json"
    assert fetcher.feed(site.url("/untyped")).content_type == ""
    assert {r.headers["accept"] for r in site.requests} == {FEED_ACCEPT}


def test_a_gzipped_page_is_decompressed(site: SiteServer, fetcher: Fetcher) -> None:
    site.set("/s/1", body=PAGE.encode() * 50, gzip=True)
    assert fetcher.page(site.url("/s/1")).body == PAGE.encode() * 50
    assert site.requests[0].headers["accept-encoding"] == "gzip"


def test_a_page_without_a_content_type_is_known_by_its_start(
    site: SiteServer, fetcher: Fetcher
) -> None:
    site.set("/s/1", body=b"\xef\xbb\xbf<!-- saved -->\n" + PAGE.encode(), content_type=None)
    fetched = fetcher.page(site.url("/s/1"))
    assert (fetched.content_type, fetched.charset) == ("", None)


# Conditional requests


def test_an_unchanged_page_by_etag_is_not_sent_again(site: SiteServer, fetcher: Fetcher) -> None:
    site.set_page("/s/1", PAGE)
    first = fetcher.page(site.url("/s/1"))
    again = fetcher.page(site.url("/s/1"), etag=first.etag, last_modified="kept as given")
    assert again.body is None
    assert (again.etag, again.last_modified) == (first.etag, "kept as given")
    assert again.final_url == site.url("/s/1")
    assert [r.status for r in site.requests] == [200, 304]
    assert site.requests[1].headers["if-none-match"] == first.etag
    assert site.requests[1].headers["if-modified-since"] == "kept as given"


def test_an_unchanged_page_by_date_is_not_sent_again(site: SiteServer, fetcher: Fetcher) -> None:
    site.set_page("/s/1", PAGE, etag=False, last_modified=LAST_MODIFIED)
    again = fetcher.page(site.url("/s/1"), last_modified=LAST_MODIFIED)
    assert (again.body, again.etag, again.last_modified) == (None, None, LAST_MODIFIED)
    (request,) = site.requests
    assert (request.status, request.headers["if-modified-since"]) == (304, LAST_MODIFIED)
    assert "if-none-match" not in request.headers


def test_a_changed_page_comes_back_with_its_own_validators(
    site: SiteServer, fetcher: Fetcher
) -> None:
    site.set_page("/s/1", PAGE, etag='"v2"')
    fetched = fetcher.page(site.url("/s/1"), etag='"v1"', last_modified=LAST_MODIFIED)
    assert (fetched.body, fetched.etag, fetched.last_modified) == (PAGE.encode(), '"v2"', None)
    assert site.requests[0].status == 200


# Trying again, or not


@pytest.mark.parametrize("status", [404, 410])
def test_a_missing_page_is_one_line_and_not_asked_again(
    site: SiteServer, fetcher: Fetcher, status: int
) -> None:
    site.set("/s/1", status=status, body=b"gone")
    error = failure(fetcher.page, site.url("/s/1"))
    reason = {404: "Not Found", 410: "Gone"}[status]
    assert str(error) == (
        f"{site.url('/s/1')}: the site answered {status} {reason}; "
        "check the link, or remove it from the show"
    )
    assert error.status == status
    assert site.count("/s/1") == 1


def test_a_forbidden_page_is_not_asked_again(site: SiteServer, fetcher: Fetcher) -> None:
    site.set("/s/1", status=403)
    error = failure(fetcher.page, site.url("/s/1"))
    assert_one_line(
        error,
        site.url("/s/1"),
        "the site may refuse automated readers: if a browser shows it, save it and give the "
        "saved file instead",
    )
    assert "403 Forbidden" in str(error)
    assert site.count("/s/1") == 1


def test_a_server_error_is_tried_again_until_it_passes(site: SiteServer, fetcher: Fetcher) -> None:
    site.set_page("/s/1", PAGE, fail_times=2, status_when_failing=500)
    assert fetcher.page(site.url("/s/1")).body == PAGE.encode()
    assert [r.status for r in site.requests] == [500, 500, 200]


def test_a_site_down_is_tried_three_times_then_one_line(site: SiteServer, fetcher: Fetcher) -> None:
    site.set("/s/1", status=503)
    error = failure(fetcher.page, site.url("/s/1"))
    assert str(error) == (
        f"{site.url('/s/1')}: the site answered 503 Service Unavailable (3 tries); try again later"
    )
    assert error.status == 503
    assert [r.status for r in site.requests] == [503, 503, 503]


def test_an_unknown_server_error_is_not_tried_again(site: SiteServer, fetcher: Fetcher) -> None:
    site.set("/s/1", status=501)
    error = failure(fetcher.page, site.url("/s/1"))
    assert_one_line(error, site.url("/s/1"), "try again later, or tell the site's owner")
    assert site.count("/s/1") == 1


def test_retry_after_is_honoured(site: SiteServer, fetcher: Fetcher) -> None:
    site.set_page("/s/1", PAGE, fail_times=1, status_when_failing=429, headers={"Retry-After": "1"})
    assert fetcher.page(site.url("/s/1")).body == PAGE.encode()
    first, second = site.requests
    assert (first.status, second.status) == (429, 200)
    assert second.time - first.time >= 0.95  # not the 10 ms backoff


def test_a_long_retry_after_waits_30_seconds_at_most(
    site: SiteServer, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("narrate.fetch.time.sleep", waits.append)
    site.set("/s/1", status=503, headers={"Retry-After": "3600"})
    error = failure(fetcher.page, site.url("/s/1"))
    assert waits == [30.0, 30.0]
    assert "(3 tries); try again later" in str(error)


def test_without_retry_after_the_wait_doubles(
    site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("narrate.fetch.time.sleep", waits.append)
    site.set("/s/1", status=502)
    with Fetcher(tries=4, backoff=0.5) as fetcher:
        failure(fetcher.page, site.url("/s/1"))
    assert waits == [0.5, 1.0, 2.0]
    assert site.count("/s/1") == 4


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # past
        ("soon", None),
        ("", None),
        ("-5", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date(header: str, seconds: float | None) -> None:
    assert failures.retry_after(header) == seconds


def test_retry_after_as_a_date_to_come() -> None:
    later = email.utils.formatdate(time.time() + 100, usegmt=True)
    assert 95 <= (failures.retry_after(later) or 0) <= 100


# Connections that fail


def test_no_answer_in_time_is_one_line(site: SiteServer) -> None:
    site.set_page("/slow", PAGE, delay=1.5)
    with Fetcher(timeout=0.3, tries=2, backoff=0.01) as fetcher:
        error = failure(fetcher.page, site.url("/slow"))
    assert str(error) == (
        f"{site.url('/slow')}: no answer within 0.3 s (2 tries); "
        "check that the site is up, or raise [build] fetch_timeout"
    )
    assert error.status is None
    assert site.count("/slow") == 2


def test_a_trickling_site_is_given_a_whole_deadline(site: SiteServer) -> None:
    body = PAGE.encode() + b" " * 3000  # 3 s to send in all
    site.set("/trickle", body=body, chunked=True, chunk_size=100, chunk_delay=0.1)
    started = time.monotonic()
    with Fetcher(timeout=0.2, tries=1) as fetcher:  # each read in time, the whole too slow
        error = failure(fetcher.page, site.url("/trickle"))
    assert time.monotonic() - started < 1.5
    assert str(error) == (
        f"{site.url('/trickle')}: no whole answer within 0.6 s (1 try); "
        "the site is very slow: try again later, or raise [build] fetch_timeout"
    )


def test_a_refused_connection_is_one_line(fetcher: Fetcher) -> None:
    url = unused_url("/s/1")
    error = failure(fetcher.page, url)
    assert str(error) == (
        f"{url}: the site refused the connection (3 tries); "
        "check the address and port, and that the site is up"
    )


def test_an_unknown_host_is_one_line_and_not_asked_again(
    fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: str, *args: object, **kwargs: object) -> object:
        if host.endswith(".invalid"):
            asked.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    error = failure(fetcher.page, "https://summaries.invalid/s/1")
    assert str(error) == (
        "https://summaries.invalid/s/1: the site's name was not found (DNS); "
        "check the address for a typo, and that this machine is online"
    )
    assert asked == ["summaries.invalid"]


def test_a_failed_secure_connection_is_one_line(site: SiteServer, fetcher: Fetcher) -> None:
    url = site.url("/s/1").replace("http://", "https://")  # TLS to a plain HTTP server
    error = failure(fetcher.page, url)
    assert_one_line(
        error,
        url,
        "open the address in a browser to see why, or ask the site's owner to fix its certificate",
    )
    assert "the secure connection failed (" in str(error)


def test_a_body_cut_short_is_one_line(site: SiteServer) -> None:
    site.set("/s/1", body=PAGE.encode(), content_length=len(PAGE) + 100)
    with Fetcher(timeout=0.5, tries=2, backoff=0.01) as fetcher:
        error = failure(fetcher.page, site.url("/s/1"))
    assert_one_line(error, site.url("/s/1"), "try again later")
    assert "the connection failed (" in str(error) and "(2 tries)" in str(error)
    assert site.count("/s/1") == 2


def test_a_body_that_does_not_decompress_is_one_line(site: SiteServer, fetcher: Fetcher) -> None:
    site.set("/s/1", body=PAGE.encode(), headers={"Content-Encoding": "gzip"})
    error = failure(fetcher.page, site.url("/s/1"))
    assert_one_line(error, site.url("/s/1"), "try again later")
    assert "could not be decompressed" in str(error)


# Redirects


def test_redirects_are_followed(site: SiteServer, fetcher: Fetcher) -> None:
    site.redirect("/old", site.url("/moved"))
    site.redirect("/moved", "/new", status=308)  # relative
    route = site.set_page("/new", PAGE)
    fetched = fetcher.page(site.url("/old"))
    assert (fetched.url, fetched.final_url) == (site.url("/old"), site.url("/new"))
    assert (fetched.body, fetched.etag) == (PAGE.encode(), route.etag)
    assert [(r.path, r.status) for r in site.requests] == [
        ("/old", 301),
        ("/moved", 308),
        ("/new", 200),
    ]


def test_an_error_after_a_redirect_says_where(site: SiteServer, fetcher: Fetcher) -> None:
    site.redirect("/old", "/gone", status=302)
    error = failure(fetcher.page, site.url("/old"))
    assert str(error) == (
        f"{site.url('/old')}: the site answered 404 Not Found (redirected to "
        f"{site.url('/gone')}); check the link, or remove it from the show"
    )


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("ftp://example.org/s/1", 'a "ftp:" link'),
        ("file:///etc/passwd", 'a "file:" link'),
        ("javascript:alert(1)", 'a "javascript:" link'),
        ("https:///no-host", "has no host name"),
    ],
)
def test_a_redirect_away_from_the_web_is_refused(
    site: SiteServer, fetcher: Fetcher, location: str, reason: str
) -> None:
    site.redirect("/s/1", location)
    error = failure(fetcher.page, site.url("/s/1"))
    assert str(error) == (
        f"{site.url('/s/1')}: redirects to {location} ({reason}); "
        "open the link in a browser and give the address it ends at"
    )
    assert [r.path for r in site.requests] == ["/s/1"]


def test_a_redirect_loop_is_refused(site: SiteServer, fetcher: Fetcher) -> None:
    site.redirect("/a", "/b")
    site.redirect("/b", "/a", status=302)
    error = failure(fetcher.page, site.url("/a"))
    assert_one_line(
        error, site.url("/a"), "open the link in a browser and give the address it ends at"
    )
    assert f"redirects in a loop (back to {site.url('/a')})" in str(error)
    assert [r.path for r in site.requests] == ["/a", "/b"]


def test_five_redirects_are_followed_not_six(site: SiteServer, fetcher: Fetcher) -> None:
    for n in range(6):
        site.redirect(f"/r{n}", f"/r{n + 1}")
    site.set_page("/r6", PAGE)
    assert fetcher.page(site.url("/r1")).final_url == site.url("/r6")
    error = failure(fetcher.page, site.url("/r0"))
    assert_one_line(
        error, site.url("/r0"), "open the link in a browser and give the address it ends at"
    )
    assert "more than 5 redirects" in str(error)
    assert site.count("/r6") == 1 and site.count("/r5") == 2  # the second time, never /r6


def test_a_redirect_without_an_address_is_one_line(site: SiteServer, fetcher: Fetcher) -> None:
    site.set("/s/1", status=302)
    error = failure(fetcher.page, site.url("/s/1"))
    assert_one_line(
        error, site.url("/s/1"), "open the link in a browser and give the address it ends at"
    )
    assert "302 Found but gave no address" in str(error)


# What a page and a feed must be


def test_a_pdf_is_not_a_page(site: SiteServer, fetcher: Fetcher) -> None:
    site.set("/paper.pdf", body=b"%PDF-1.7", content_type="application/pdf")
    error = failure(fetcher.page, site.url("/paper.pdf"))
    assert str(error) == (
        f"{site.url('/paper.pdf')}: is application/pdf, not a web page; "
        "link the summary's HTML page"
    )


def test_an_untyped_body_that_is_not_html_is_not_a_page(site: SiteServer, fetcher: Fetcher) -> None:
    site.set("/s/1", body=b"just some text", content_type=None)
    error = failure(fetcher.page, site.url("/s/1"))
    assert_one_line(error, site.url("/s/1"), "link the summary's HTML page")
    assert "has no content type and does not look like a web page" in str(error)


@pytest.mark.parametrize("content_type", [HTML, "application/xhtml+xml", None])
def test_a_web_page_given_as_a_feed_is_refused(
    site: SiteServer, fetcher: Fetcher, content_type: str | None
) -> None:
    site.set("/", body=PAGE.encode(), content_type=content_type)
    error = failure(fetcher.feed, site.url("/"))
    assert str(error) == (
        f"{site.url('/')}: is a web page, not a feed; "
        "give the site's RSS, Atom or JSON Feed address"
    )


@pytest.mark.parametrize(
    "body",
    [
        RSS_XML,
        '\ufeff<?xml version="1.0"?>\n<?xml-stylesheet href="/feed.xsl"?>\n<!-- hi -->\n'
        '<rss version="2.0"><channel></channel></rss>',
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>S</title></feed>',
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        "</rdf:RDF>",
        '{"version": "https://jsonfeed.org/version/1.1", "title": "S", "items": []}',
    ],
    ids=["rss", "rss-after-stylesheet-and-comment", "atom", "rss-1.0", "json-feed"],
)
def test_a_feed_its_server_calls_a_web_page_is_read_as_the_feed_it_is(
    site: SiteServer, fetcher: Fetcher, body: str
) -> None:
    """A misconfigured server sends its feed as ``text/html``: the body decides."""
    site.set("/feed", body=body.encode(), content_type=HTML)
    assert fetcher.feed(site.url("/feed")).body == body.encode()
    assert fetcher.feed(site.url("/feed")).content_type == "text/html"


# Size


def test_a_page_too_big_by_its_length_is_refused_before_reading(site: SiteServer) -> None:
    # It claims a gigabyte and sends a little: reading it would wait for the rest.
    site.set("/big", body=PAGE.encode(), content_length=10**9)
    started = time.monotonic()
    with Fetcher(timeout=5, max_bytes=2000) as fetcher:
        error = failure(fetcher.page, site.url("/big"))
    assert time.monotonic() - started < 2
    assert str(error) == f"{site.url('/big')}: more than 2 KB; link the summary's own page"
    assert site.count("/big") == 1


def test_a_page_too_big_in_chunks_is_stopped(site: SiteServer) -> None:
    site.set("/big", body=PAGE.encode() + b" " * 5000, chunked=True, chunk_size=500)
    with Fetcher(max_bytes=2000, timeout=0.5) as fetcher:
        error = failure(fetcher.page, site.url("/big"))
    assert str(error) == f"{site.url('/big')}: more than 2 KB; link the summary's own page"


def test_a_gzip_bomb_is_stopped_at_the_decoded_limit(site: SiteServer) -> None:
    site.set("/bomb", body=PAGE.encode() + b" " * 20_000_000, gzip=True)
    with Fetcher(max_bytes=1_000_000, timeout=2) as fetcher:
        error = failure(fetcher.page, site.url("/bomb"))
    assert str(error) == f"{site.url('/bomb')}: more than 1 MB; link the summary's own page"


def test_a_feed_too_big_says_so(site: SiteServer) -> None:
    site.set_feed("/feed.xml", RSS_XML + " " * 2000)
    with Fetcher(max_bytes=1000) as fetcher:
        error = failure(fetcher.feed, site.url("/feed.xml"))
    assert str(error) == f"{site.url('/feed.xml')}: more than 1 KB; give a feed of summaries"


# Addresses and the error itself


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "ftp://127.0.0.1/s/1",
            'is a "ftp:" link; narrate fetches only http:// and https:// addresses',
        ),
        (
            "file:///etc/passwd",
            'is a "file:" link; narrate fetches only http:// and https:// addresses',
        ),
        (
            "javascript:alert(1)",
            'is a "javascript:" link; narrate fetches only http:// and https:// addresses',
        ),
        ("127.0.0.1/s/1", 'is not a whole link; write it in full, starting with "https://"'),
        ("https://", 'has no host name; write it in full, like "https://example.org/page"'),
        ("https://example.org/a b", "has a space in it, at character 22; write it as %20"),
    ],
)
def test_only_web_addresses_are_asked_for(
    site: SiteServer, fetcher: Fetcher, url: str, message: str
) -> None:
    error = failure(fetcher.page, url)
    assert str(error) == f"{url}: {message}"
    assert str(failure(fetcher.feed, url)) == f"{url}: {message}"
    assert site.requests == []


def test_an_address_with_a_control_character_is_shown_safely(fetcher: Fetcher) -> None:
    error = failure(fetcher.page, "https://example.org/\x1b[2J")
    assert str(error).startswith("https://example.org/\\x1b[2J: has an invisible character")


def test_a_fetch_error_is_a_source_error_and_pickles_whole(
    site: SiteServer, fetcher: Fetcher
) -> None:
    site.set("/s/1", status=404)
    error = failure(fetcher.page, site.url("/s/1"))
    assert isinstance(error, SourceError)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is FetchError
    assert str(copy) == str(error)
    assert (copy.url, copy.cause, copy.fix, copy.status) == (
        error.url,
        error.cause,
        error.fix,
        404,
    )


def test_the_fetcher_is_made_with_sensible_settings() -> None:
    for wrong in ({"tries": 0}, {"timeout": 0}, {"max_bytes": 0}, {"backoff": -1}):
        with pytest.raises(ValueError):
            Fetcher(**wrong)  # type: ignore[arg-type]
