"""Summaries straight from the site: page addresses and a site's own feed become episodes.

A real HTTP server on 127.0.0.1 (``tests/site_server.py``) plays the summary site: pages
shaped like real summary pages (``test_html_pages.site_page``), an RSS feed of them, ETags, and
pages that fail. The voice does not matter here: the tone engine speaks.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import json
from pathlib import Path

import feedparser
import pytest
from conftest import run_narrate, write_show
from site_server import SiteServer
from test_html_pages import CHROME, SUMMARY, TITLE, site_page

from narrate.build import BuildReport, build
from narrate.config import load_settings
from narrate.models import PublishedEpisode
from narrate.site_feed import FeedItem, chosen_items, read_site_feed
from tests.s3server import S3Server

TONE = {"voice": '{ engine = "tone" }'}
PAGES = {
    "/s/rest-and-ms": (
        "Rest and MS",
        "2026-11-01",
        [
            "People with MS who rested every afternoon felt less tired after eight weeks.",
            "Their MRI scans did not change, and no one stopped the study early.",
        ],
    ),
    "/s/vitamin-d": (
        "Vitamin D and relapses",
        "2026-11-10",
        [
            "Researchers followed 1,200 people with relapsing MS for five years.",
            "People with higher vitamin D levels had about a third fewer relapses.",
        ],
    ),
    "/s/mtros-macrophages": (TITLE, "2026-11-20", SUMMARY[:2]),
}
"""The site's summaries by path: title, date, paragraphs (oldest first)."""


def _serve_site(site: SiteServer, pages: dict[str, tuple[str, str, list[str]]]) -> None:
    for path, (title, date, paragraphs) in pages.items():
        site.set(path, body=site_page(paragraphs, title=title, date=date).encode(),
                 etag=f'"{abs(hash((title, *paragraphs)))}"')  # fmt: skip
    site.set("/feed.xml", body=_rss(site, pages).encode(),
             content_type="application/rss+xml", etag=f'"{abs(hash(str(pages)))}"')  # fmt: skip


def _rss(
    site: SiteServer,
    pages: dict[str, tuple[str, str, list[str]]],
    guids: dict[str, str] | None = None,
) -> str:
    """The site's RSS feed, newest first, as sites write them; each item's guid is its path
    (or ``guids[path]``)."""
    items = []
    for path, (title, date, _) in reversed(pages.items()):
        when = email.utils.format_datetime(dt.datetime.fromisoformat(date + "T09:00:00+00:00"))
        guid = (guids or {}).get(path, "tag:msresearch.example.com," + path)
        items.append(
            f"<item><title>{html.escape(title)}</title><link>{site.url(path)}</link>"
            f'<guid isPermaLink="false">{guid}</guid><pubDate>{when}</pubDate></item>'
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>MS Research Explained</title>'
        f"<link>{site.url('/')}</link><description>Summaries</description>{''.join(items)}"
        "</channel></rss>"
    )


def _show(tmp_path: Path, site: SiteServer, **source: str) -> Path:
    show = write_show(tmp_path, [], **TONE)
    entry = "".join(f"{key} = {value}\n" for key, value in source.items())
    show.write_text(
        show.read_text("utf-8")
        + f'[[sources]]\nfeed = "{site.url("/feed.xml")}"\n{entry}'
        + "[audio]\nverify = false\n[build]\nfetch_timeout = 1\n",
        "utf-8",
    )
    return show


def _build(show: Path, tmp_path: Path) -> BuildReport:
    settings = load_settings(show, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache")
    return build(settings, jobs=1)


def _files(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``folder``: its modification time and bytes."""
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


def test_a_site_feed_becomes_episodes_and_each_run_fetches_and_speaks_only_what_changed(
    tmp_path: Path, site: SiteServer
) -> None:
    _serve_site(site, PAGES)
    show = _show(tmp_path, site)

    first = _build(show, tmp_path)
    assert first.failures == ()
    assert [e.title for e in first.built] == [title for title, _, _ in PAGES.values()]
    assert [e.number for e in first.built] == [1, 2, 3]  # oldest first
    feed = feedparser.parse((tmp_path / "out" / "feeds" / "feed.xml").read_bytes())
    assert len(feed.entries) == 3
    by_title = {e.title: e for e in first.built}
    assert by_title["Vitamin D and relapses"].date == dt.date(2026, 11, 10)
    assert by_title["Rest and MS"].source_url == site.url("/s/rest-and-ms")
    notes = json.dumps([e.get("summary", "") for e in feed.entries])
    for chrome in CHROME:
        assert chrome not in notes

    # As cron runs it: nothing new on the site, so nothing downloaded, spoken or rewritten.
    before = _files(tmp_path / "out")
    asked = len(site.requests)
    again = run_narrate("build", "--show", show, "--out", tmp_path / "out",
                        "--cache-dir", tmp_path / "cache")  # fmt: skip
    assert again.code == 0, again.stderr
    assert again.stderr.count("unchanged: audio/") == 3 and "mixdown:" not in again.stderr
    answered = [r.status for r in site.requests[asked:]]
    assert answered == [304] * 4, "the feed and three pages, each asked with its ETag"
    assert _files(tmp_path / "out") == before, "nothing rewritten"

    # An edited page re-speaks its edited sentence; a moved, retitled item keeps its episode.
    _an_edited_page_and_a_moved_retitled_item(tmp_path, site, show, _by_slug(first))


def _by_slug(report: BuildReport) -> dict[str, PublishedEpisode]:
    return {e.slug: e for e in report.built}


def _an_edited_page_and_a_moved_retitled_item(
    tmp_path: Path, site: SiteServer, show: Path, first: dict[str, PublishedEpisode]
) -> None:
    edited = dict(PAGES)
    title, date, paragraphs = edited["/s/vitamin-d"]
    edited["/s/vitamin-d"] = (
        title,
        date,
        [paragraphs[0], "Higher levels went with fewer relapses."],
    )
    # The third summary moves to a new address and gets a new title; its guid stays.
    moved_title = "Immune cells from the blood, not microglia, damage nerves"
    edited = {
        ("/summaries/2026/mtros" if path == "/s/mtros-macrophages" else path): (
            moved_title if path == "/s/mtros-macrophages" else value[0],
            *value[1:],
        )
        for path, value in edited.items()
    }
    _serve_site(site, edited)
    same_guid = {"/summaries/2026/mtros": "tag:msresearch.example.com,/s/mtros-macrophages"}
    site.set("/feed.xml", body=_rss(site, edited, same_guid).encode(),
             content_type="application/rss+xml")  # fmt: skip
    site.set("/s/mtros-macrophages", status=404, body=b"gone")

    second = _build(show, tmp_path)
    assert second.failures == ()
    rebuilt = {e.slug: e for e in second.built}
    assert set(rebuilt) == {"vitamin-d", "mtros-macrophages"}
    # The edited sentence only (the intro and outro say the same: its length in minutes
    # is the same)
    assert second.synthesized == 1 + 2  # the sentence; the moved one's new title, twice
    moved = rebuilt["mtros-macrophages"]
    assert moved.title == moved_title
    assert (moved.guid, moved.number) == (
        first["mtros-macrophages"].guid,
        first["mtros-macrophages"].number,
    )
    assert moved.source_url == site.url("/summaries/2026/mtros")
    assert rebuilt["vitamin-d"].guid == first["vitamin-d"].guid
    assert len(second.feed) == 3


def test_published_to_s3_a_fresh_machine_still_asks_only_for_what_changed(
    tmp_path: Path, site: SiteServer, s3server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build state (copies and validators) lives at the publish URL: a CI runner with an
    empty output folder and cache gets 304s, and publishes nothing new."""
    for name, value in s3server.env().items():
        monkeypatch.setenv(name, value)
    _serve_site(site, dict(list(PAGES.items())[:1]))
    show = _show(tmp_path, site)

    def run(machine: str) -> BuildReport:
        settings = load_settings(show, out_dir=tmp_path / machine / "out",
                                 cache_dir=tmp_path / machine / "cache",
                                 publish=s3server.url("from-the-site"))  # fmt: skip
        return build(settings, jobs=1)

    assert len(run("first").built) == 1
    asked = len(site.requests)
    again = run("second")
    assert (again.built, len(again.unchanged), again.synthesized) == ((), 1, 0)
    assert [r.status for r in site.requests[asked:]] == [304, 304]
    assert not (tmp_path / "second" / "out").exists()


def test_pages_that_fail_are_one_line_each_and_the_others_publish(
    tmp_path: Path, site: SiteServer
) -> None:
    pages = dict(PAGES)
    _serve_site(site, pages)
    bad = {
        "/s/missing": dict(status=404, body=b"not here"),
        "/s/broken": dict(status=500, body=b"oops", headers={"Retry-After": "0"}),
        "/s/slow": dict(body=site_page().encode(), delay=3.0),
        "/s/leaflet.pdf": dict(body=b"%PDF-1.7", content_type="application/pdf"),
    }
    for path, route in bad.items():
        site.set(path, **route)
    listed = {**pages, **{path: ("Bad " + path, "2026-11-25", ["x"]) for path in bad}}
    site.set("/feed.xml", body=_rss(site, listed).encode(), content_type="application/rss+xml")
    show = _show(tmp_path, site)

    run = run_narrate(
        "build", "--show", show, "--out", tmp_path / "out", "--cache-dir", tmp_path / "cache"
    )

    assert run.code == 1
    for path, cause in [
        ("/s/missing", "404"),
        ("/s/broken", "500"),
        ("/s/slow", "no answer"),
        ("/s/leaflet.pdf", "application/pdf"),
    ]:
        summary = run.stderr.partition("could not be built:")[2]
        [line] = [line for line in summary.splitlines() if site.url(path) in line]
        assert cause in line, line
    assert "Traceback" not in run.stderr
    feed = feedparser.parse((tmp_path / "out" / "feeds" / "feed.xml").read_bytes())
    assert sorted(e.title for e in feed.entries) == sorted(t for t, _, _ in PAGES.values())


def test_limit_since_and_an_item_that_leaves_the_sites_feed(
    tmp_path: Path, site: SiteServer
) -> None:
    _serve_site(site, PAGES)
    show = _show(tmp_path, site, limit="2")
    first = _build(show, tmp_path)
    assert [e.title for e in first.built] == [t for t, _, _ in list(PAGES.values())[1:]]
    assert not any(r.path == "/s/rest-and-ms" for r in site.requests), "not fetched at all"

    # The site's feed drops the oldest item it still lists: its episode stays published...
    newest = dict(list(PAGES.items())[2:])
    site.set("/feed.xml", body=_rss(site, newest).encode(), content_type="application/rss+xml")
    show = _show(tmp_path, site, since="2026-11-15")
    kept = _build(show, tmp_path)
    assert [e.title for e in kept.feed] == [t for t, _, _ in list(PAGES.values())[1:]]
    # ...unless the show drops removed ones.
    show.write_text("drop_removed = true\n" + show.read_text("utf-8"), "utf-8")
    dropped = _build(show, tmp_path)
    assert [e.title for e in dropped.feed] == [TITLE]


def test_a_page_address_on_the_command_line_and_narrate_script_url(
    tmp_path: Path, site: SiteServer
) -> None:
    site.set("/s/mtros-macrophages", body=site_page().encode())
    site.set("/s/odd", status=304)  # as if asked with an ETag: a broken server
    saved = tmp_path / "page.html"
    saved.write_text(site_page(), "utf-8")

    from_url = run_narrate("script", site.url("/s/mtros-macrophages"), "--format", "json")
    from_file = run_narrate("script", saved, "--format", "json")
    assert from_url.code == 0, from_url.stderr
    assert json.loads(from_url.stdout) == json.loads(from_file.stdout)
    for chrome in CHROME:
        assert chrome not in from_url.stdout

    for path, cause in [("/s/nothing-here", "404"), ("/s/odd", "304 Not Modified")]:
        failed = run_narrate("script", site.url(path))
        assert failed.code != 0
        [line] = failed.stderr.strip().splitlines()
        assert site.url(path) in line and cause in line, line


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_read_site_feed_reads_rss_atom_and_json_feed(kind: str) -> None:
    base = "https://site.example.org/"
    documents = {
        "rss": '<rss version="2.0"><channel><title>S</title>'
        "<item><link>/s/b</link><guid>b-id</guid>"
        "<pubDate>Tue, 10 Nov 2026 09:00:00 GMT</pubDate></item>"
        "<item><link>https://site.example.org/s/a</link>"
        "<pubDate>Sun, 01 Nov 2026 09:00:00 GMT</pubDate></item>"
        "<item><title>no link</title></item>"
        "<item><link>javascript:alert(1)</link></item>"
        "</channel></rss>",
        "atom": '<feed xmlns="http://www.w3.org/2005/Atom"><title>S</title>'
        '<entry><id>b-id</id><link rel="alternate" href="https://site.example.org/s/b"/><updated>2026-11-10T09:00:00Z</updated></entry>'
        '<entry><id>https://site.example.org/s/a</id><link href="https://site.example.org/s/a"/><published>2026-11-01T09:00:00Z</published></entry>'
        "</feed>",
        "json": json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "S", "items": [
            {"id": "b-id", "url": base + "s/b", "date_published": "2026-11-10T09:00:00Z"},
            {"id": base + "s/a", "url": base + "s/a", "date_published": "2026-11-01T09:00+00:00"},
            {"id": "c", "content_text": "no link"},
        ]}),
    }  # fmt: skip
    items = read_site_feed(documents[kind].encode(), base + "feed")
    assert items == [
        FeedItem("b-id", "https://site.example.org/s/b", dt.date(2026, 11, 10)),
        FeedItem(
            "https://site.example.org/s/a", "https://site.example.org/s/a", dt.date(2026, 11, 1)
        ),
    ]
    assert chosen_items(items, 1, None) == [items[0]]
    assert chosen_items(items, 0, None) == [items[1], items[0]]
    assert chosen_items(items, 0, dt.date(2026, 11, 5)) == [items[0]]


@pytest.mark.parametrize(
    "document", [b"<html><body>a page</body></html>", b'{"items": []}', b"not a feed"]
)
def test_a_document_that_is_no_feed_is_one_line(document: bytes) -> None:
    from narrate.errors import SourceError

    with pytest.raises(SourceError) as raised:
        read_site_feed(document, "https://site.example.org/feed")
    message = str(raised.value)
    assert "\n" not in message and message.startswith(
        "https://site.example.org/feed: is not a feed"
    )


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ("[[sources]]\nlimit = 3\n", "sources[1].feed: missing"),
        ('[[sources]]\nfeed = "ftp://site.example.org/feed"\n', 'sources[1].feed: "ftp://'),
        ('[[sources]]\nfeed = "https://s.example.org/f"\nlimit = -1\n', "sources[1].limit:"),
        ('[[sources]]\nfeed = "https://s.example.org/f"\nsince = "May"\n', "sources[1].since:"),
        ('[[sources]]\nfeed = "https://s.example.org/f"\nevery = 2\n', "sources[1].every: unknown"),
        ('sources = "https://s.example.org/f"\n', "sources: must be a list of [[sources]]"),
        ('[[episodes]]\nfile = "https://site.example.org/a summary"\n', "episodes[1].file:"),
    ],
)
def test_a_wrong_site_source_is_a_configuration_error_naming_its_key(
    tmp_path: Path, table: str, problem: str
) -> None:
    from narrate.errors import ConfigError

    show = write_show(tmp_path, [], **TONE)
    text = show.read_text("utf-8")
    show.write_text((table + text) if table.startswith("sources =") else text + table, "utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(show)
    assert any(problem in line for _, lines in raised.value.sections for line in lines), str(
        raised.value
    )
