"""End to end with the real default voice: the example show and a show of several summaries."""

from __future__ import annotations

import itertools
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from conftest import EXAMPLE_DISCLAIMER, EXAMPLE_SHOW_TITLE, SAMPLE, Built, run_narrate, write_show
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from narrate.audio.ffmpeg import decoded_duration_ms, measure_loudness

pytestmark = pytest.mark.e2e

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
MP3_FRAME_S = 1152 / 44100


def _chapters(path: Path) -> list[tuple[str, int, int]]:
    tags = ID3(path)
    toc = tags.getall("CTOC")[0]
    chapters = {c.element_id: c for c in tags.getall("CHAP")}
    return [
        (str(chapters[i].sub_frames["TIT2"]), chapters[i].start_time, chapters[i].end_time)
        for i in toc.child_element_ids
    ]


def test_build_prints_what_it_wrote_and_each_length(example_build: Built) -> None:
    out = example_build.run.stdout
    assert "audio/mtros-macrophages.mp3" in out
    assert "feeds/feed.xml" in out
    seconds = round(MP3(example_build.mp3).info.length)
    # mutagen counts a few ms of encoder padding that the mixdown clock does not.
    assert any(f"{s // 60}:{s % 60:02d}" in out for s in (seconds - 1, seconds))


def test_feed_parses_and_enclosure_matches_file(example_build: Built) -> None:
    parsed = feedparser.parse(example_build.feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == EXAMPLE_SHOW_TITLE
    (entry,) = parsed.entries
    (enclosure,) = entry.enclosures
    assert enclosure.type == "audio/mpeg"
    assert enclosure.href == "https://example.org/ms-research/audio/mtros-macrophages.mp3"
    assert int(enclosure.length) == example_build.mp3.stat().st_size
    assert entry.published_parsed[:3] == (2026, 11, 20)
    assert entry.id and not entry.guidislink


def test_itunes_duration_matches_mp3_length(example_build: Built) -> None:
    item = ET.parse(example_build.feed).getroot().find("channel/item")
    assert item is not None
    duration = int(item.findtext(f"{ITUNES}duration") or "0")
    length = MP3(example_build.mp3).info.length
    assert length > 60  # the whole summary was spoken, not a stub
    assert abs(duration - length) <= 1


def test_mp3_format_loudness_and_peak(example_build: Built) -> None:
    info = MP3(example_build.mp3).info
    assert (info.channels, info.sample_rate, info.bitrate) == (1, 44100, 64000)
    assert info.bitrate_mode == BitrateMode.CBR
    loudness = measure_loudness(example_build.mp3)
    assert abs(loudness.integrated_lufs - -19.0) <= 1.0
    assert loudness.true_peak_dbtp <= -1.0


def test_chapters_cover_the_audio_without_gaps(example_build: Built) -> None:
    chapters = _chapters(example_build.mp3)
    titles = [c[0] for c in chapters]
    assert titles[0] == "Introduction"
    assert titles[-2:] == ["Disclaimer", "Closing"]
    assert len(titles) >= 4
    assert chapters[0][1] == 0
    for (_, _, end), (_, start, _) in itertools.pairwise(chapters):
        assert start == end
    assert all(start < end for _, start, end in chapters)
    # Chapters follow the mixdown clock: the decoded audio ends where the last chapter does.
    assert abs(chapters[-1][2] - decoded_duration_ms(example_build.mp3)) <= 2
    # mutagen counts LAME's padding a little differently; within one or two MP3 frames.
    assert abs(chapters[-1][2] / 1000 - MP3(example_build.mp3).info.length) <= 2 * MP3_FRAME_S


def test_tags_are_id3v23_with_transcript(example_build: Built) -> None:
    tags = ID3(example_build.mp3, translate=False)
    assert tags.version[:2] == (2, 3)
    assert "TDRC" not in tags and str(tags["TYER"]) == "2026"
    assert str(tags["TALB"]) == EXAMPLE_SHOW_TITLE
    assert str(tags["TCON"]) == "Podcast"
    assert str(tags["TIT2"]).startswith("Invading immune cells")
    transcript = tags.getall("USLT")[0].text
    assert EXAMPLE_DISCLAIMER in (transcript)
    assert "mitochondria" in transcript
    for chrome in ("Read More", "Learn how certain gut bacteria", "Whether you", "12/31/2026"):
        assert chrome not in transcript


def test_second_build_keeps_every_guid(example_build: Built, tmp_path: Path) -> None:
    first = feedparser.parse(example_build.feed.read_bytes())
    out = tmp_path / "again"
    shutil.copytree(example_build.out, out)
    run = run_narrate("build", "--out", out, "--cache-dir", example_build.cache)
    assert run.code == 0, run.stderr
    second = feedparser.parse((out / "feeds" / "feed.xml").read_bytes())
    assert [e.id for e in second.entries] == [e.id for e in first.entries]
    # The guid is derived from identity, not from time or history: a fresh folder agrees.
    fresh = tmp_path / "fresh"
    run = run_narrate("build", "--out", fresh, "--cache-dir", example_build.cache)
    assert run.code == 0, run.stderr
    third = feedparser.parse((fresh / "feeds" / "feed.xml").read_bytes())
    assert [e.id for e in third.entries] == [e.id for e in first.entries]


GOOD_MD = """---
title: "Vitamin D & relapses: a <b>small</b> trial (n<100)"
date: 2026-10-01
source_url: https://example.org/summaries/vitamin-d
---
Vitamin D did not lower relapse rates in a small trial.

## What was found
People took vitamin D or a placebo for two years. Relapses were about the same in both groups.

## What it means
Keep taking what your neurologist advised.
"""


def test_several_summaries_one_unreadable(tmp_path: Path) -> None:
    summaries = tmp_path / "summaries"
    summaries.mkdir()
    shutil.copy(SAMPLE, summaries / "mtros.txt")
    (summaries / "vitamin-d.md").write_text(GOOD_MD, encoding="utf-8")
    (summaries / "broken.txt").write_bytes(b"\xff\xfe\x00\x01binary\x00junk")
    show = write_show(
        tmp_path,
        [
            {"file": '"summaries/mtros.txt"', "date": "2026-11-20"},
            {"file": '"summaries/broken.txt"', "date": "2026-11-21"},
            {"file": '"summaries/vitamin-d.md"'},
        ],
        voice='{ engine = "piper" }',  # the fast voice: what is tested is not the voice
    )
    out = tmp_path / "out"
    run = run_narrate("build", "--show", show, "--out", out, "--cache-dir", tmp_path / "cache")
    assert run.code == 1
    errors = [line for line in run.stderr.splitlines() if "broken.txt" in line]
    assert len(errors) == 1 and "binary" in errors[0]
    assert "Traceback" not in run.stderr
    feed = feedparser.parse((out / "feeds" / "feed.xml").read_bytes())
    assert not feed.bozo
    assert sorted(e.title for e in feed.entries) == sorted(
        ["Vitamin D & relapses: a small trial (n<100)", "Invading immune cells called "
         "monocyte-derived macrophages damage nervous tissue"]
    )  # fmt: skip
    assert feed.entries[0].published_parsed[:3] == (2026, 11, 20)  # newest first
    raw = (out / "feeds" / "feed.xml").read_text(encoding="utf-8")
    assert "(n&lt;100)" in raw and "&amp; relapses" in raw
    assert "&lt;b&gt;" not in raw  # a tag is dropped, not escaped (issue 13)
    assert sorted(p.name for p in (out / "audio").glob("*.mp3")) == ["mtros.mp3", "vitamin-d.mp3"]
    tags = ID3(out / "audio" / "vitamin-d.mp3")
    assert tags.getall("WXXX")[0].url == "https://example.org/summaries/vitamin-d"
    assert [c[0] for c in _chapters(out / "audio" / "vitamin-d.mp3")] == [
        "Introduction", "Summary", "What was found", "What it means", "Disclaimer", "Closing",
    ]  # fmt: skip
    assert not list(out.rglob(".*.tmp"))  # every file was written whole, then renamed


def test_failed_rebuild_keeps_the_published_episode(tmp_path: Path) -> None:
    summary = tmp_path / "only.md"
    summary.write_text(GOOD_MD, encoding="utf-8")
    show = write_show(tmp_path, [{"file": '"only.md"'}], voice='{ engine = "piper" }')
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert run_narrate("build", "--show", show, "--out", out, "--cache-dir", cache).code == 0
    mp3 = out / "audio" / "only.mp3"
    before_feed = feedparser.parse((out / "feeds" / "feed.xml").read_bytes())
    before_audio = mp3.read_bytes()
    summary.write_text("", encoding="utf-8")  # an editor's accident
    run = run_narrate("build", "--show", show, "--out", out, "--cache-dir", cache)
    assert run.code == 1
    assert re.search(r"only\.md: the file is empty", run.stderr)
    after = feedparser.parse((out / "feeds" / "feed.xml").read_bytes())
    assert [e.id for e in after.entries] == [e.id for e in before_feed.entries]
    assert mp3.read_bytes() == before_audio


def test_sidecars_share_the_mp3_clock_and_piper_word_timings(example_build: Built) -> None:
    import json

    import webvtt

    stem = example_build.mp3.with_suffix("")
    timing = json.loads(stem.with_suffix(".timing.json").read_text(encoding="utf-8"))
    chapters = _chapters(example_build.mp3)
    assert [(c["title"], c["start_ms"], c["end_ms"]) for c in timing["chapters"]] == chapters
    captions = webvtt.read(str(stem.with_suffix(".vtt")))
    assert len(captions) == len(timing["segments"])
    assert stem.with_suffix(".srt").read_text(encoding="utf-8").startswith("1\n00:00:00,")
    for segment in timing["segments"]:
        words = segment["words"]
        assert words, f"Piper gave no word timings for {segment['spoken']!r}"
        assert segment["start_ms"] <= words[0]["start_ms"]
        assert words[-1]["end_ms"] <= segment["end_ms"]
        assert all(a["start_ms"] <= b["start_ms"] for a, b in itertools.pairwise(words))
    chapters_json = json.loads(stem.with_suffix(".chapters.json").read_text(encoding="utf-8"))
    assert [round(c["startTime"] * 1000) for c in chapters_json["chapters"]] == [
        c[1] for c in chapters
    ]
