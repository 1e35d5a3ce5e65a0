"""Every publishing rule, asserted on built shows as podcast apps and directories read them.

The example show and a show of several episodes are built with the real default voice, then
parsed back: ElementTree, feedparser, mutagen, json, webvtt-py, srt and html.parser, and a second
real client, the Podcast Index's parser (podcast-partytime, installed under tests/js).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import feedparser
import pytest
import srt
import webvtt
from conftest import EXAMPLE_DISCLAIMER, EXAMPLE_SHOW_TITLE, Built, run_narrate, write_show
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from PIL import Image
from readback import NS, Html, local, partytime, read_channel, rfc2822, text

from narrate.audio.ffmpeg import decoded_duration_ms, measure_loudness
from narrate.config import APPLE_CATEGORIES

pytestmark = pytest.mark.e2e

PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
"""The namespace of podcast:guid UUIDv5s, copied from the Podcasting 2.0 spec (tags/guid.md)."""
V24_ONLY_FRAMES = {"ASPI", "EQU2", "RVA2", "SEEK", "SIGN", "TDEN", "TDOR", "TDRC", "TDRL", "TDTG",
                   "TIPL", "TMCL", "TMOO", "TPRO", "TSOA", "TSOP", "TSOT", "TSST"}  # fmt: skip
EXAMPLE_TITLE = "Invading immune cells, not microglia, drive nerve damage through mitochondrial ROS"


def _spec_guid(feed_url: str) -> str:
    """podcast:guid as the spec defines it: UUIDv5 of the URL without scheme, trailing slashes."""
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, feed_url.split("://", 1)[1].rstrip("/")))


def _id3_chapters(mp3: Path) -> list[tuple[int, int, str]]:
    tags = ID3(mp3, translate=False)
    chapters = {c.element_id: c for c in tags.getall("CHAP")}
    return [
        (chapters[i].start_time, chapters[i].end_time, str(chapters[i].sub_frames["TIT2"]))
        for i in tags.getall("CTOC")[0].child_element_ids
    ]


def test_channel_namespaces_and_show_identity(example_build: Built) -> None:
    declared = dict(ns for _, ns in ET.iterparse(example_build.feed, events=("start-ns",)))
    assert declared.items() >= NS.items()
    channel = read_channel(example_build.feed)
    feed_url = "https://example.org/ms-research/feeds/feed.xml"
    self_link = channel.find("atom:link[@rel='self']", NS)
    assert self_link is not None and self_link.get("href") == feed_url
    assert self_link.get("type") == "application/rss+xml"
    assert text(channel, "title") == EXAMPLE_SHOW_TITLE
    assert text(channel, "description").startswith("Plain-language summaries of new multiple")
    assert text(channel, "link") == "https://example.org/ms-research/"
    assert text(channel, "language") == "en-US"
    assert text(channel, "copyright") == "narrate"
    assert text(channel, "itunes:author") == "narrate"
    assert text(channel, "itunes:owner/itunes:name") == "narrate"
    assert text(channel, "itunes:owner/itunes:email") == "podcast@example.org"
    category = channel.find("itunes:category", NS)
    assert category is not None and category.get("text") == "Health & Fitness"
    subcategories = [sub.get("text") for sub in category.iterfind("itunes:category", NS)]
    assert subcategories == ["Medicine"] and "Medicine" in APPLE_CATEGORIES["Health & Fitness"]
    assert text(channel, "itunes:explicit") == "false"
    assert text(channel, "itunes:type") == "episodic"
    assert _spec_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert text(channel, "podcast:guid") == _spec_guid(feed_url)
    locked = channel.find("podcast:locked", NS)
    assert locked is not None and (locked.text, locked.get("owner")) == (
        "yes", "podcast@example.org",
    )  # fmt: skip
    assert text(channel, "podcast:medium") == "podcast"
    newest = max(rfc2822(text(i, "pubDate")) for i in channel.iterfind("item"))
    assert rfc2822(text(channel, "lastBuildDate")) == newest


def test_default_cover_is_a_3000_px_square_rgb_jpeg_over_https(example_build: Built) -> None:
    channel = read_channel(example_build.feed)
    image = channel.find("itunes:image", NS)
    href = image.get("href", "") if image is not None else ""
    assert href.startswith("https://") and text(channel, "image/url") == href
    with Image.open(local(href, example_build.out, channel)) as cover:
        assert (cover.format, cover.mode, cover.size) == ("JPEG", "RGB", (3000, 3000))


def test_item_guid_date_number_duration_and_enclosure(example_build: Built) -> None:
    channel = read_channel(example_build.feed)
    (item,) = channel.iterfind("item")
    assert text(item, "title") == EXAMPLE_TITLE
    assert text(item, "description").startswith("In a mouse model of MS, invading immune cells")
    guid = item.find("guid")
    assert guid is not None and guid.get("isPermaLink") == "false" and uuid.UUID(guid.text or "")
    assert rfc2822(text(item, "pubDate")) == dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    assert text(item, "itunes:episode") == "1"
    assert text(item, "itunes:explicit") == "false"
    (enclosure,) = item.iterfind("enclosure")
    url = enclosure.get("url", "")
    assert url.startswith("https://") and enclosure.get("type") == "audio/mpeg"
    mp3 = local(url, example_build.out, channel)
    assert enclosure.get("length") == str(mp3.stat().st_size)
    duration = text(item, "itunes:duration")
    assert duration.isdigit() and abs(int(duration) - decoded_duration_ms(mp3) / 1000) <= 0.5


def test_show_notes_hold_summary_chapters_and_disclaimer(example_build: Built) -> None:
    item = read_channel(example_build.feed).find("item")
    assert item is not None
    notes = Html(text(item, "content:encoded"))
    assert notes.paragraphs[0] == text(item, "description")  # the "In short" line
    chapters = json.loads(example_build.mp3.with_suffix(".chapters.json").read_bytes())
    assert notes.items == [
        f"{int(c['startTime']) // 60}:{int(c['startTime']) % 60:02d} {c['title']}"
        for c in chapters["chapters"]
    ]
    assert notes.paragraphs[-1] == EXAMPLE_DISCLAIMER
    assert notes.links == []  # the example summary names no source; see the several-episode show


def test_transcripts_vtt_srt_html_parse_back_on_the_mp3_clock(example_build: Built) -> None:
    channel = read_channel(example_build.feed)
    item = channel.find("item")
    assert item is not None
    tags = {t.get("type"): t for t in item.iterfind("podcast:transcript", NS)}
    assert set(tags) == {"text/vtt", "application/x-subrip", "text/html"}
    assert {t.get("language") for t in tags.values()} == {"en-US"}
    files = {kind: local(t.get("url", ""), example_build.out, channel) for kind, t in tags.items()}
    duration_ms = decoded_duration_ms(example_build.mp3)
    cues = [
        (c.start_time.in_milliseconds(), c.end_time.in_milliseconds(), c.text)
        for c in webvtt.read(str(files["text/vtt"]))
    ]
    assert cues[0][2] == f"Welcome to {EXAMPLE_SHOW_TITLE}."
    assert any(EXAMPLE_DISCLAIMER in words for _, _, words in cues)
    assert all(start < end for start, end, _ in cues)
    assert all(a[1] <= b[0] for a, b in pairwise(cues))
    assert cues[-1][1] <= duration_ms
    subtitles = srt.parse(files["application/x-subrip"].read_text(encoding="utf-8"))
    one_ms = dt.timedelta(milliseconds=1)
    assert [(s.start // one_ms, s.end // one_ms, s.content) for s in subtitles] == cues
    page = Html(files["text/html"].read_text(encoding="utf-8"))
    assert page.lang == "en-US" and EXAMPLE_DISCLAIMER in page.text and "mitochondria" in page.text


def test_json_chapters_start_at_zero_and_agree_with_id3(example_build: Built) -> None:
    channel = read_channel(example_build.feed)
    tag = channel.find("item/podcast:chapters", NS)
    assert tag is not None and tag.get("type") == "application/json+chapters"
    data = json.loads(local(tag.get("url", ""), example_build.out, channel).read_bytes())
    assert data["version"].startswith("1.2")
    chapters = [
        (round(c["startTime"] * 1000), round(c["endTime"] * 1000), c["title"])
        for c in data["chapters"]
    ]
    assert chapters[0][0] == 0
    assert all(start < end for start, end, _ in chapters)
    assert all(a[1] == b[0] for a, b in pairwise(chapters)), "a gap or an overlap"
    assert chapters == _id3_chapters(example_build.mp3)  # to the millisecond


def test_mp3_tag_is_id3v23_with_apples_podcast_frames(example_build: Built) -> None:
    channel = read_channel(example_build.feed)
    data = example_build.mp3.read_bytes()
    assert data[:5] == b"ID3\x03\x00" and data[-128:-125] != b"TAG"  # v2.3, no ID3v1
    tags = ID3(example_build.mp3, translate=False)
    assert tags.version == (2, 3, 0)
    assert not {key.split(":")[0] for key in tags} & V24_ONLY_FRAMES
    assert "PCST" in tags
    assert tags["WFED"].url == "https://example.org/ms-research/feeds/feed.xml"
    assert str(tags["TGID"]) == text(channel, "item/guid")
    assert str(tags["TDES"]) == text(channel, "item/description")
    (cover,) = tags.getall("APIC")
    assert (cover.mime, cover.type) == ("image/jpeg", 3)
    with Image.open(io.BytesIO(cover.data)) as embedded:
        assert embedded.format == "JPEG" and embedded.width == embedded.height >= 1400


def test_audio_is_mono_at_minus_19_lufs_with_a_minus_1_dbtp_ceiling(example_build: Built) -> None:
    assert MP3(example_build.mp3).info.channels == 1
    loudness = measure_loudness(example_build.mp3)
    assert abs(loudness.integrated_lufs - -19.0) <= 1.0
    assert loudness.true_peak_dbtp <= -1.0


def test_feedparser_reads_the_podcast(example_build: Built) -> None:
    parsed = feedparser.parse(example_build.feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.podcast_guid == text(read_channel(example_build.feed), "podcast:guid")
    assert parsed.feed.image.href == "https://example.org/ms-research/artwork/cover.jpg"
    (entry,) = parsed.entries
    assert entry.title == EXAMPLE_TITLE and entry.itunes_episode == "1"
    assert entry.id and not entry.guidislink
    assert entry.published_parsed[:3] == (2026, 11, 20)
    assert entry.content[0].type == "text/html" and EXAMPLE_DISCLAIMER in entry.content[0].value
    (enclosure,) = entry.enclosures
    assert int(enclosure.length) == example_build.mp3.stat().st_size


# A show of several episodes, listed in an order that is not date order, then grown.
SUMMARIES = {
    "walking.md": ("Walking", "2026-04-07", "Exercise helped people with MS walk further."),
    "sleep.md": ("Sleep", "2026-05-05", "Better sleep eased fatigue. The effect was small."),
    "vitamin-d.md": ("Vitamin D", "2026-03-03", "Vitamin D did not lower relapse rates."),
}
OLDER = {"diet.md": ("Diet", "2025-12-01", "Diet changes had no clear effect on relapses.")}
SOURCE_URL = "https://example.org/summaries/vitamin-d"


class Listed(NamedTuple):
    title: str
    guid: str
    number: int
    date: dt.date


@dataclass
class Several:
    """One show built three times into the same folder with the same cache, and its feed after
    each build: three summaries (first), an older one added at the top of the list (added),
    nothing changed (again)."""

    show: Path
    out: Path
    cache: Path
    first: bytes
    added: bytes
    again: bytes

    @property
    def feed(self) -> Path:
        return self.out / "feeds" / "feed.xml"


def _write_summaries(folder: Path, summaries: dict[str, tuple[str, str, str]]) -> None:
    for name, (title, date, summary) in summaries.items():
        source = f"source_url: {SOURCE_URL}\n" if name == "vitamin-d.md" else ""
        meta = f"title: {title}\ndate: {date}\n{source}"
        (folder / name).write_text(f"---\n{meta}---\n{summary}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> Several:
    root = tmp_path_factory.mktemp("several")
    out, cache = root / "out", root / "cache"

    def build(files: list[str]) -> bytes:
        show = write_show(
            root, [{"file": f'"{name}"'} for name in files], voice='{ engine = "piper" }'
        )
        run = run_narrate("build", "--show", show, "--out", out, "--cache-dir", cache)
        assert run.code == 0, run.stderr
        return (out / "feeds" / "feed.xml").read_bytes()

    _write_summaries(root, SUMMARIES)
    first = build(list(SUMMARIES))
    _write_summaries(root, OLDER)
    added = build([*OLDER, *SUMMARIES])
    again = build([*OLDER, *SUMMARIES])
    return Several(root / "show.toml", out, cache, first, added, again)


def _listed(feed: bytes) -> list[Listed]:
    """Episodes in feed order."""
    return [
        Listed(
            text(item, "title"),
            text(item, "guid"),
            int(text(item, "itunes:episode")),
            rfc2822(text(item, "pubDate")).date(),
        )
        for item in read_channel(feed).iterfind("item")
    ]


def test_episodes_are_numbered_in_build_order_and_listed_newest_first(several: Several) -> None:
    listed = _listed(several.first)
    assert [e.title for e in listed] == ["Sleep", "Walking", "Vitamin D"]
    assert {e.title: e.number for e in listed} == {"Walking": 1, "Sleep": 2, "Vitamin D": 3}
    assert len({e.guid for e in listed}) == 3
    assert rfc2822(text(read_channel(several.first), "lastBuildDate")).date() == dt.date(2026, 5, 5)


def test_an_older_summary_added_later_gets_the_next_number(several: Several) -> None:
    before = {e.title: (e.guid, e.number) for e in _listed(several.first)}
    after = _listed(several.added)
    assert [e.title for e in after] == ["Sleep", "Walking", "Vitamin D", "Diet"]
    assert {e.title: (e.guid, e.number) for e in after[:3]} == before
    assert after[-1].number == 4 and after[-1].date == dt.date(2025, 12, 1)
    assert len({e.guid for e in after}) == 4
    channel = read_channel(several.added)
    for episode, enclosure in zip(after, channel.iterfind("item/enclosure"), strict=True):
        mp3 = local(enclosure.get("url", ""), several.out, channel)
        assert str(ID3(mp3, translate=False)["TGID"]) == episode.guid  # the MP3 agrees


def test_a_rebuild_that_changes_nothing_keeps_every_guid_and_number(several: Several) -> None:
    assert _listed(several.again) == _listed(several.added)
    assert several.again == several.added  # byte for byte: nothing in the feed depends on time


def test_an_episode_whose_mp3_went_missing_keeps_its_number(
    several: Several, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(several.out, out)
    (out / "audio" / "walking.mp3").unlink()  # e.g. a sync that lost one file
    run = run_narrate("build", "--show", several.show, "--out", out, "--cache-dir", several.cache)
    assert run.code == 0, run.stderr
    rebuilt = _listed((out / "feeds" / "feed.xml").read_bytes())
    assert {e.title: (e.guid, e.number) for e in rebuilt} == {
        e.title: (e.guid, e.number) for e in _listed(several.again)
    }


def test_show_notes_link_the_written_summary(several: Several) -> None:
    channel = read_channel(several.feed)
    (item,) = (i for i in channel.iterfind("item") if text(i, "title") == "Vitamin D")
    notes = Html(text(item, "content:encoded"))
    assert notes.paragraphs[0] == "Vitamin D did not lower relapse rates."
    assert notes.links == [SOURCE_URL] and notes.paragraphs[-1] == EXAMPLE_DISCLAIMER
    assert notes.items[0] == "0:00 Introduction"


@pytest.mark.parametrize("built", ["example_build", "several"])
def test_the_podcast_index_parser_sees_every_episode_and_its_files(
    built: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    show: Built | Several = request.getfixturevalue(built)
    parsed = partytime(show.feed, tmp_path / "partytime.json")
    channel = read_channel(show.feed)
    assert parsed["guid"] == text(channel, "podcast:guid") and parsed["medium"] == "podcast"
    items = parsed["items"]
    assert [i["guid"] for i in items] == [text(i, "guid") for i in channel.iterfind("item")]
    assert len(items) == len(list((show.out / "audio").glob("*.mp3")))
    assert sorted(i["itunesEpisode"] for i in items) == list(range(1, len(items) + 1))
    for item in items:
        enclosure = item["enclosure"]
        mp3 = local(enclosure["url"], show.out, channel)
        assert (enclosure["type"], enclosure["length"]) == ("audio/mpeg", mp3.stat().st_size)
        stem = enclosure["url"].removesuffix(".mp3")
        # partytime reports SubRip under its spec name, application/srt.
        assert {(t["url"], t["type"]) for t in item["podcastTranscripts"]} == {
            (stem + ".vtt", "text/vtt"),
            (stem + ".srt", "application/srt"),
            (stem + ".transcript.html", "text/html"),
        }
        assert item["podcastChapters"] == {
            "url": stem + ".chapters.json", "type": "application/json+chapters",
        }  # fmt: skip
        for suffix in (".vtt", ".srt", ".transcript.html", ".chapters.json"):
            assert local(stem + suffix, show.out, channel).is_file(), stem + suffix
