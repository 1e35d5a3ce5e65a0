"""Captions, word timings and JSON chapters, parsed back with independent readers."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
from pathlib import Path

import pytest
import srt
import webvtt

from narrate.audio.mixdown import mix_episode
from narrate.audio.synthesize import synthesize_script
from narrate.config import EXAMPLE_SHOW, load_settings
from narrate.engines.tone import ToneEngine
from narrate.models import (
    Chapter,
    Episode,
    EpisodeAudio,
    Script,
    Section,
    Segment,
    SegmentTiming,
    WordTiming,
)
from narrate.publish.timing import (
    chapters_json,
    chapters_webvtt,
    clock,
    short_clock,
    timings_json,
    transcript_html,
    written_words,
)
from narrate.publish.timing import srt as to_srt
from narrate.publish.timing import webvtt as to_vtt
from narrate.text.script import build_script


@pytest.fixture(scope="module")
def episode_audio(tmp_path_factory: pytest.TempPathFactory) -> tuple[EpisodeAudio, Script]:
    settings = load_settings(EXAMPLE_SHOW)
    episode = Episode(
        slug="x",
        title="Q&A <live> --> now",
        date=dt.date(2026, 1, 2),
        summary="Summary.",
        sections=(
            Section("One", ("First sentence here. Second one & more.",)),
            Section("Two", ("A <tag> with --> arrows.", "New paragraph.")),
        ),
        disclaimer=None,
        source_path=Path("x.txt"),
        source_url=None,
    )
    script = build_script(episode, settings.script)
    clips = synthesize_script(script, ToneEngine(settings.engine))
    dest = tmp_path_factory.mktemp("timing") / "x.mp3"
    return mix_episode(clips, script.chapters, settings.audio, dest), script


@pytest.mark.parametrize(
    ("ms", "vtt", "srt_clock"),
    [(0, "00:00:00.000", "00:00:00,000"), (3_723_004, "01:02:03.004", "01:02:03,004")],
)
def test_clock(ms: int, vtt: str, srt_clock: str) -> None:
    assert clock(ms) == vtt
    assert clock(ms, ",") == srt_clock


@pytest.mark.parametrize(
    ("ms", "position", "length"),
    [
        (0, "0:00", "0:00"),
        (65_000, "1:05", "1:05"),
        (65_900, "1:05", "1:06"),  # a chapter starting in second 65 (pages, feed, transcript)
        (59_600, "0:59", "1:00"),  # an episode 59.6 s long (narrate build's summary line)
        (151_600, "2:31", "2:32"),  # as the pages' "2 min 32 s"
        (3_723_004, "1:02:03", "1:02:03"),  # hours, for a position and a length alike
        (4_500_000, "1:15:00", "1:15:00"),
    ],
)
def test_short_clock_rounds_a_position_down_and_a_length_to_the_nearest_second(
    ms: int, position: str, length: str
) -> None:
    assert short_clock(ms) == position
    assert short_clock(ms, length=True) == length


def test_webvtt_cues_are_ordered_inside_audio_and_join_to_transcript(
    episode_audio: tuple[EpisodeAudio, Script],
) -> None:
    audio, script = episode_audio
    captions = webvtt.from_buffer(io.StringIO(to_vtt(audio)))
    assert len(captions) == len(script.segments)
    previous_end = 0.0
    for cue, timing in zip(captions, audio.segments, strict=True):
        start = _seconds(cue.start) * 1000
        end = _seconds(cue.end) * 1000
        assert (round(start), round(end)) == (timing.start_ms, timing.end_ms)
        assert previous_end <= start < end <= audio.duration_ms
        previous_end = end
    # webvtt-py leaves character references as they are; a browser decodes them like HTML.
    joined = " ".join(html.unescape(cue.text) for cue in captions)
    assert joined == " ".join(script.transcript.split())
    assert "Q&A <live> --> now" in joined
    raw = to_vtt(audio)
    assert "&amp;" in raw and "&lt;tag&gt;" in raw and "--> now" not in raw


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_srt_matches_vtt(episode_audio: tuple[EpisodeAudio, Script]) -> None:
    audio, _ = episode_audio
    subtitles = list(srt.parse(to_srt(audio)))
    assert [s.content for s in subtitles] == [t.segment.text for t in audio.segments]
    assert [round(s.start.total_seconds() * 1000) for s in subtitles] == [
        t.start_ms for t in audio.segments
    ]
    assert [round(s.end.total_seconds() * 1000) for s in subtitles] == [
        t.end_ms for t in audio.segments
    ]


def test_every_caption_format_drops_markup_the_same_way() -> None:
    """Tags are dropped in every format; what only looks like one ("p<0.05") is text in all."""
    written = ["<b>Claims</b> about <i>diet</i> and MS", "Fewer relapses (p<0.05) &amp; more."]
    shown = ["Claims about diet and MS", "Fewer relapses (p<0.05) &amp; more."]
    audio = EpisodeAudio(
        path=Path("x.mp3"),
        duration_ms=4000,
        chapters=(Chapter("<b>Claims</b> in short", 0, 4000),),
        segments=tuple(
            SegmentTiming(Segment("body", 0, 0, text, text), 2000 * i, 2000 * i + 1500)
            for i, text in enumerate(written)
        ),
        voice="tone",
        loudness_lufs=-19.0,
        true_peak_dbtp=-2.0,
    )

    vtt = [html.unescape(c.text) for c in webvtt.from_buffer(io.StringIO(to_vtt(audio)))]
    subrip = [s.content for s in srt.parse(to_srt(audio))]
    timed = [s["text"] for s in json.loads(timings_json(audio))["segments"]]
    chapters = [c["title"] for c in json.loads(chapters_json(audio))["chapters"]]
    chapter_cues = webvtt.from_buffer(io.StringIO(chapters_webvtt(audio.chapters)))
    page = transcript_html(audio, "<b>Claims</b> in short", "en-US")

    assert vtt == subrip == timed == shown
    assert chapters == [html.unescape(c.text) for c in chapter_cues] == ["Claims in short"]
    assert "<b>" not in page and "&lt;b&gt;" not in page and "<h1>Claims in short</h1>" in page


def test_word_timings_sit_inside_their_segments(episode_audio: tuple[EpisodeAudio, Script]) -> None:
    audio, _ = episode_audio
    data = json.loads(timings_json(audio))
    assert data["duration_ms"] == audio.duration_ms
    for segment in data["segments"]:
        words = segment["words"]
        assert words, "the tone engine gives word timings"
        assert [w["word"] for w in words] == segment["spoken"].split()
        for word in words:
            assert segment["start_ms"] <= word["start_ms"] < word["end_ms"] <= segment["end_ms"]
        starts = [w["start_ms"] for w in words]
        assert starts == sorted(starts)


def test_json_chapters_agree_with_the_audio(episode_audio: tuple[EpisodeAudio, Script]) -> None:
    audio, _ = episode_audio
    data = json.loads(chapters_json(audio))
    assert data["version"] == "1.2.0"
    assert [(c["title"], round(c["startTime"] * 1000)) for c in data["chapters"]] == [
        (c.title, c.start_ms) for c in audio.chapters
    ]
    assert data["chapters"][0]["startTime"] == 0


def test_the_html_transcript_of_a_right_to_left_language_says_so(
    episode_audio: tuple[EpisodeAudio, Script],
) -> None:
    audio, _ = episode_audio
    assert '<html lang="he-IL" dir="rtl">' in transcript_html(audio, "T", "he-IL")
    assert '<html lang="en-US">' in transcript_html(audio, "T", "en-US")


def _heard(spoken: str, start: int = 0) -> list[WordTiming]:
    """Spoken words a second apart, each 900 ms long."""
    return [
        WordTiming(w, start + 1000 * i, start + 1000 * i + 900)
        for i, w in enumerate(spoken.split())
    ]


def test_written_words_are_the_spoken_ones_when_nothing_was_normalized() -> None:
    heard = _heard("Cells spark a claim.")
    assert written_words("Cells spark a claim.", heard) == tuple(heard)


def test_a_written_word_said_as_several_takes_their_time() -> None:
    timed = written_words(
        "In 2026, MS trials grew.", _heard("In twenty twenty-six, M.S trials grew.")
    )
    assert timed is not None
    assert [(w.word, w.start_ms, w.end_ms) for w in timed] == [
        ("In", 0, 900),
        ("2026,", 1000, 2900),  # "twenty twenty-six,"
        ("MS", 3000, 3900),  # "M.S": the same letters
        ("trials", 4000, 4900),
        ("grew.", 5000, 5900),
    ]


def test_an_expanded_acronym_and_an_unspoken_link_keep_the_words_in_order() -> None:
    timed = written_words(
        "oxygen species (mtROS). See https://x.org now.",
        _heard("oxygen species, or mitochondrial R.O.S. See now."),
    )
    assert timed is not None
    by_word = {w.word: (w.start_ms, w.end_ms) for w in timed}
    assert by_word["(mtROS)."] == (2000, 4900)  # "or mitochondrial R.O.S."
    assert by_word["https://x.org"] == (5900, 5900)  # not spoken: no time of its own
    assert by_word["now."] == (6000, 6900)
    starts = [w.start_ms for w in timed]
    assert starts == sorted(starts)
    assert written_words("", _heard("x")) is None and written_words("x", []) is None
