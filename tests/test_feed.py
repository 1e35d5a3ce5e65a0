"""render_feed on hand-made episodes, parsed back with ElementTree and feedparser."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import replace

import feedparser
import pytest
from conftest import UNSAFE_LINKS
from published import ART, SHOW, published_episode

from narrate.publish.feed import episode_guid, render_feed, rfc2822

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def test_channel_and_items_parse() -> None:
    xml = render_feed(
        [
            published_episode("old", dt.date(2026, 1, 5)),
            published_episode("new", dt.date(2026, 3, 1), number=2),
        ],
        SHOW,
        ART,
    )
    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    assert parsed.feed.title == SHOW.title
    assert parsed.feed.language == "en-US"
    assert parsed.feed.author_detail.email == "podcast@example.org"
    assert [e.title for e in parsed.entries] == ["Episode new", "Episode old"]
    new = parsed.entries[0]
    assert new.enclosures[0].href == "https://example.org/ms-research/audio/new.mp3"
    assert new.enclosures[0].length == "123456"
    assert new.itunes_duration == "152"
    assert new.link == "https://example.org/ms-research/episodes/new/"  # its web page
    assert new.published == "Sun, 01 Mar 2026 00:00:00 +0000"

    root = ET.fromstring(xml)
    channel = root.find("channel")
    assert channel is not None
    category = channel.find(f"{ITUNES}category")
    assert category is not None and category.get("text") == "Health & Fitness"
    assert channel.findtext(f"{ITUNES}explicit") == "false"
    assert channel.findtext("lastBuildDate") == rfc2822(dt.date(2026, 3, 1))
    guid = root.find("channel/item/guid")
    assert guid is not None and guid.get("isPermaLink") == "false"


def test_guid_depends_on_identity_only() -> None:
    assert episode_guid(SHOW, "a") == episode_guid(SHOW, "a")
    assert episode_guid(SHOW, "a") != episode_guid(SHOW, "b")
    # Episode guids follow the show's podcast:guid, so a show that moves host and pins its
    # podcast:guid keeps every episode guid.
    moved = replace(SHOW, base_url="https://other.example.org/")
    assert episode_guid(moved, "a") == episode_guid(SHOW, "a")
    other = replace(SHOW, podcast_guid="917393e3-1b1e-5cef-ace4-edaa54e1f810")
    assert episode_guid(other, "a") != episode_guid(SHOW, "a")


def test_pub_date_is_rfc2822_with_the_right_weekday() -> None:
    assert rfc2822(dt.date(2026, 11, 20)) == "Fri, 20 Nov 2026 00:00:00 +0000"
    assert rfc2822(dt.date(2024, 2, 29)) == "Thu, 29 Feb 2024 00:00:00 +0000"


def test_hostile_text_is_escaped() -> None:
    nasty = 'Tom & Jerry <script>alert("x")</script> ]]>'
    xml = render_feed(
        [published_episode("x", dt.date(2026, 1, 1), title=nasty, description=nasty)], SHOW, ART
    )
    root = ET.fromstring(xml)  # well-formed
    assert root.findtext("channel/item/title") == nasty
    assert "<script>" not in xml
    assert not feedparser.parse(xml).bozo


def test_empty_show_is_still_a_valid_feed() -> None:
    parsed = feedparser.parse(render_feed([], SHOW, ART))
    assert not parsed.bozo and parsed.entries == []


@pytest.mark.parametrize("url", UNSAFE_LINKS.values(), ids=UNSAFE_LINKS)
def test_show_notes_link_only_http_sources(url: str) -> None:
    """Podcast apps show the notes with no page policy to stop a script link: a record from
    an older build that holds one loses it (new ones are refused where they enter)."""
    notes = {}
    for case, link in (("safe", "https://example.org/summaries/x"), ("unsafe", url)):
        xml = render_feed([published_episode("x", dt.date(2026, 1, 1), source_url=link)], SHOW, ART)
        (entry,) = feedparser.parse(xml).entries
        notes[case] = entry.content[0].value
        assert not feedparser.parse(xml).bozo
    assert 'href="https://example.org/summaries/x"' in notes["safe"]
    assert "href" not in notes["unsafe"] and "Read the written summary" not in notes["unsafe"]
    assert url.strip() not in notes["unsafe"]
